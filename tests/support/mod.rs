//! Helpers shared by the end-to-end tests: fixture wheels ([`wheels`]), a
//! local package index ([`server`]) and a raw client for it ([`raw`]), a
//! pseudo-terminal ([`pty`]), the sandbox with its virtualenvs, pip
//! and tree snapshots ([`venv`]), and the real binaries joined by pipes
//! ([`run`]). Every test file does `mod support;`.

#![allow(dead_code, unused_imports)]

pub mod builds;
pub mod pty;
pub mod raw;
pub mod run;
pub mod server;
pub mod sources;
pub mod venv;
pub mod wheels;

pub use pty::{run_on_pty, shell, OnPty, Tty};
pub use raw::{raw_request, Answer};
pub use run::{parse_records, pipeline, Run, Running, Stage};
pub use server::{Chaos, Fault, Faults, LogEntry, RangeRefusal, Server};
pub use venv::{assert_same_tree, find_named, python3, snapshot, stat_snapshot, Sandbox, Venv};
pub use wheels::{
    alpha, alpha_beta, artifact_for, beta, big_wheel, fetched_stream, noise, WheelBuilder, ALPHA_CLI_OUTPUT,
    ALPHA_TOOL_OUTPUT,
};

/// Polls `ready` until it holds, failing the test after a minute: how a
/// test waits for an event (a request in the server's log, a file written,
/// a line said) instead of sleeping a fixed time.
pub fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !ready() {
        assert!(std::time::Instant::now() < deadline, "waited a minute for {what}");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}
