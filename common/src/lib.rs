//! The shared core of the wheelpipe tools: the pipe protocol's records, HTTP,
//! the package index client, wheel names and tags, the target interpreter,
//! pip-style configuration, core metadata, the cache and the one download
//! path into it ([`fetch`]), and how every tool
//! runs ([`runtime`]), speaks to people ([`console`], [`human`], [`docs`])
//! and draws progress ([`progress`]). A piece of logic that more than one
//! tool needs lives here, once.

pub mod args;
pub mod build;
pub mod cache;
pub mod config;
pub mod console;
pub mod docs;
pub mod exit;
pub mod fetch;
pub mod file_url;
pub mod git;
pub mod hash;
pub mod http;
pub mod human;
pub mod index;
pub mod input;
pub mod interpreter;
pub mod metadata;
pub mod names;
pub mod netrc;
pub mod progress;
pub mod records;
pub mod remove;
pub mod runtime;
pub mod signals;
pub mod site_packages;
pub mod stage;
pub mod stream;
pub mod tags;
#[cfg(any(test, feature = "test-support"))]
pub mod test_bytes;
#[cfg(any(test, feature = "test-support"))]
pub mod test_git;
#[cfg(any(test, feature = "test-support"))]
pub mod test_server;
#[cfg(any(test, feature = "test-support"))]
pub mod test_target;
pub mod wheel_name;
