//! A commit cut by `kill -9`: wheel-unpack is stopped in the middle of its
//! renames (with the test-only WHEELPIPE_TEST_PAUSE_COMMIT_AFTER hook) and
//! killed; the next run must settle the commit from its journal, leaving
//! the venv exactly as before it, and then install normally.

mod support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use support::*;

/// Installs old beta 1.0 (a module, a script) with wheel-unpack; returns
/// the wheels of alpha 1.0 and beta 2.0, which replace it.
fn setup(sb: &Sandbox, venv: &Venv) -> Vec<std::path::PathBuf> {
    let dir = sb.path().join("wheels");
    let old = WheelBuilder::new("beta", "1.0")
        .file("beta/__init__.py", "VALUE = 'old beta'\n")
        .file("beta/old.py", "GONE = True\n")
        .console_script("beta-old", "beta.old:main")
        .build(&dir);
    let out = sb.unpack(venv).arg(&old).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    alpha_beta(&dir)
}

fn staging_dirs(venv: &Venv) -> Vec<std::path::PathBuf> {
    let entries = std::fs::read_dir(&venv.root).unwrap().flatten();
    let staging = entries.filter(|e| e.file_name().to_string_lossy().starts_with(".wheelpipe-staging-"));
    staging.map(|e| e.path()).collect()
}

/// Runs an install that pauses after `after` renames of its commit, and kills it there.
fn kill_mid_commit(sb: &Sandbox, venv: &Venv, wheels: &[std::path::PathBuf], after: usize) {
    let mut cmd = sb.unpack(venv);
    cmd.args(wheels).env("WHEELPIPE_TEST_PAUSE_COMMIT_AFTER", after.to_string());
    let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let paused = lines.by_ref().map_while(Result::ok).any(|l| l.contains("test pause"));
    assert!(paused, "the run never reached its commit");
    child.kill().unwrap(); // SIGKILL: no handler, no rollback
    child.wait().unwrap();
}

#[test]
fn a_commit_killed_midway_is_undone_by_the_next_run() {
    let sb = Sandbox::new();
    let venv = sb.venv("venv");
    let wheels = setup(&sb, &venv);
    let before = snapshot(&venv.root);
    // 4 renames move old beta aside; later ones move alpha and beta in.
    for after in [2, 6] {
        kill_mid_commit(&sb, &venv, &wheels, after);
        let left = staging_dirs(&venv);
        assert_eq!(left.len(), 1, "the killed run leaves its staging folder");
        assert!(left[0].join("journal").is_file(), "with the journal of its commit");
        let mut cut = snapshot(&venv.root);
        cut.retain(|k, _| !k.starts_with(".wheelpipe-staging-"));
        assert_ne!(cut, before, "the kill came after {after} renames, in the middle of the commit");

        // A run with nothing to install settles the commit: all undone.
        let settle = pipeline(vec![sb.unpack(&venv)], Some(fetched_stream(&[]).into_bytes()));
        settle.assert_success();
        assert!(settle.stderr(0).contains("undid it"), "{settle}");
        assert_same_tree(&before, &snapshot(&venv.root), "the venv after settling a killed commit");
        sb.pip_ok(&venv, &["check"]);
        assert_eq!(venv.dists(&sb).get("beta").map(String::as_str), Some("1.0"));
    }
    // And the install then works.
    let out = sb.unpack(&venv).args(&wheels).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    sb.pip_ok(&venv, &["check"]);
    let dists = venv.dists(&sb);
    assert_eq!(dists.get("beta").map(String::as_str), Some("2.0"), "{dists:?}");
    assert_eq!(dists.get("alpha").map(String::as_str), Some("1.0"), "{dists:?}");
    assert!(!venv.bin("beta-old").exists() && venv.bin("alpha-cli").is_file());
    assert!(staging_dirs(&venv).is_empty());
}
