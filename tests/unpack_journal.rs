//! A run cut by `kill -9` or Ctrl-C: wheel-unpack is stopped while it
//! stages, in the middle of its renames, or while it deletes its staging
//! folder after the commit (with the test-only WHEELPIPE_TEST_PAUSE_* hooks)
//! and killed or interrupted there; the venv must be exactly as before, or
//! complete, once the next run settled what the cut one left.

mod support;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::Stdio;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
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

/// Starts an install that pauses where `hook=value` says, and waits until it does.
fn until_pause(sb: &Sandbox, venv: &Venv, wheels: &[PathBuf], hook: &str, value: &str) -> Paused {
    let mut cmd = sb.unpack(venv);
    cmd.args(wheels).env(hook, value);
    let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let paused = lines.by_ref().map_while(Result::ok).any(|l| l.contains("test pause"));
    assert!(paused, "the run never reached {hook}={value}");
    Paused { child, lines }
}

struct Paused {
    child: std::process::Child,
    lines: std::io::Lines<BufReader<std::process::ChildStderr>>,
}

impl Paused {
    /// Sends `signal`; returns the exit code (None: killed) and what the run said after.
    fn signal(mut self, signal: Signal) -> (Option<i32>, String) {
        kill(Pid::from_raw(self.child.id() as i32), signal).unwrap();
        let said: Vec<String> = self.lines.map_while(Result::ok).collect();
        (self.child.wait().unwrap().code(), said.join("\n"))
    }
}

/// Runs an install that pauses after `after` renames of its commit, and kills it there.
fn kill_mid_commit(sb: &Sandbox, venv: &Venv, wheels: &[PathBuf], after: usize) {
    let paused = until_pause(sb, venv, wheels, "WHEELPIPE_TEST_PAUSE_COMMIT_AFTER", &after.to_string());
    paused.signal(Signal::SIGKILL); // no handler, no rollback
}

/// A run with nothing to install, which settles what a cut run left.
fn settle(sb: &Sandbox, venv: &Venv) -> Run {
    let run = pipeline(vec![sb.unpack(venv)], Some(fetched_stream(&[]).into_bytes()));
    run.assert_success();
    assert!(!run.stderr(0).contains("holds files"), "nothing is left for the user to sort out: {run}");
    assert!(staging_dirs(venv).is_empty(), "{run}");
    run
}

fn assert_new_set(sb: &Sandbox, venv: &Venv) {
    sb.pip_ok(venv, &["check"]);
    let dists = venv.dists(sb);
    assert_eq!(dists.get("beta").map(String::as_str), Some("2.0"), "{dists:?}");
    assert_eq!(dists.get("alpha").map(String::as_str), Some("1.0"), "{dists:?}");
    assert!(!venv.bin("beta-old").exists() && venv.bin("alpha-cli").is_file());
    assert!(staging_dirs(venv).is_empty());
}

/// Cuts a run with `signal` while it stages, in its commit and while it
/// deletes its staging folder: before the commit stands the venv is as
/// before (at once for SIGINT, after the next run for SIGKILL); after, the
/// next run finds the new set complete and the leftovers gone.
fn cut_everywhere(signal: Signal) {
    let sb = Sandbox::new();
    let venv = sb.venv("venv");
    let wheels = setup(&sb, &venv);
    let before = snapshot(&venv.root);
    let points = [
        ("WHEELPIPE_TEST_PAUSE_AT", "staged"),
        ("WHEELPIPE_TEST_PAUSE_COMMIT_AFTER", "0"),
        ("WHEELPIPE_TEST_PAUSE_COMMIT_AFTER", "2"),
        ("WHEELPIPE_TEST_PAUSE_COMMIT_AFTER", "6"),
    ];
    for (hook, value) in points {
        let (code, said) = until_pause(&sb, &venv, &wheels, hook, value).signal(signal);
        let at = format!("{signal} at {hook}={value}");
        if signal == Signal::SIGINT {
            assert_eq!(code, Some(130), "{at}: {said}");
            assert_same_tree(&before, &snapshot(&venv.root), &format!("the venv after {at}"));
        } else {
            assert_eq!(code, None, "{at}");
            settle(&sb, &venv);
            assert_same_tree(&before, &snapshot(&venv.root), &format!("the venv settled after {at}"));
        }
        sb.pip_ok(&venv, &["check"]);
    }
    let (code, said) = until_pause(&sb, &venv, &wheels, "WHEELPIPE_TEST_PAUSE_AT", "cleanup").signal(signal);
    if signal == Signal::SIGINT {
        // The commit stands: the run finishes its cleanup and says it installed.
        assert_eq!(code, Some(0), "{said}");
    } else {
        let left = staging_dirs(&venv);
        assert!(left.len() == 1 && left[0].join("old").is_dir(), "killed with old files still there");
        settle(&sb, &venv);
    }
    assert_new_set(&sb, &venv);
    let gone = sb.pip_ok(&venv, &["uninstall", "-y", "alpha", "beta"]);
    assert!(gone.contains("Successfully uninstalled beta-2.0"), "{gone}");
    assert!(!venv.bin("alpha-cli").exists() && venv.dists(&sb).is_empty());
}

#[test]
fn kill_9_anywhere_leaves_the_venv_as_before_or_complete_after_the_next_run() {
    cut_everywhere(Signal::SIGKILL);
}

#[test]
fn ctrl_c_anywhere_leaves_the_venv_as_before_or_complete() {
    cut_everywhere(Signal::SIGINT);
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
