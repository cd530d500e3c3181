//! Helpers shared by the end-to-end tests: fixture wheels ([`wheels`]), a
//! local package index ([`server`]), and the sandbox that runs the real
//! binaries, virtualenvs and pip ([`venv`]). Every test file does `mod support;`.

#![allow(dead_code, unused_imports)]

pub mod server;
pub mod venv;
pub mod wheels;

pub use server::{Faults, Server};
pub use venv::{
    assert_same_tree, find_named, parse_records, pipeline, python3, snapshot, Run, Sandbox, Venv,
};
pub use wheels::{alpha, alpha_beta, beta, WheelBuilder, ALPHA_CLI_OUTPUT};
