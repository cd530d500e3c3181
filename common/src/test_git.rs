//! Git as a test's committer (behind the `test-support` feature, like
//! [`crate::test_server`]), for the unit tests of [`crate::git`] and the
//! integration tests' repositories: one runner, one identity.

use std::path::Path;
use std::process::Command;

/// Runs git in `dir` as a test's committer (branch `main` by default);
/// its output, trimmed.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@t.example", "-c", "init.defaultBranch=main"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
