//! A fixed target for unit tests (behind the `test-support` feature, like
//! [`crate::test_server`]): the PEP 508 marker environment of CPython
//! 3.11.4 on Linux x86_64, so tests of markers, pins and locks agree on one
//! machine without asking a real interpreter.

use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder};

/// The markers of CPython 3.11.4 on Linux x86_64 (`sys_platform` `linux`,
/// `os_name` `posix`).
pub fn cpython_311_linux() -> MarkerEnvironment {
    MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: "cpython",
        implementation_version: "3.11.4",
        os_name: "posix",
        platform_machine: "x86_64",
        platform_python_implementation: "CPython",
        platform_release: "6.1.0",
        platform_system: "Linux",
        platform_version: "#1 SMP",
        python_full_version: "3.11.4",
        python_version: "3.11",
        sys_platform: "linux",
    })
    .unwrap()
}
