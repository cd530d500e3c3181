//! wheel-unpack writes nowhere but the venv and its own cache: not beside a
//! wheel whose path merely looks like a cache's, not a lock file in the
//! venv's root; two runs on one venv still take turns. Real venvs, pip
//! checking the result.

mod support;

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

use support::*;

fn text(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A wheel at `X/wheels/v1/HH/H/name.whl` (the shape of wheel-fetch's
/// store) is installed from the run's own cache; nothing appears in `X`.
#[test]
fn a_wheel_in_a_cache_shaped_folder_does_not_make_that_folder_a_cache() {
    let sb = Sandbox::new();
    let built = beta().build(&sb.path().join("wheels"));
    let hash = wheelpipe::hash::sha256_hex(&fs::read(&built).unwrap());
    let elsewhere = sb.path().join("elsewhere");
    let store = elsewhere.join("wheels/v1").join(&hash[..2]).join(&hash);
    fs::create_dir_all(&store).unwrap();
    let wheel = store.join(built.file_name().unwrap());
    fs::copy(&built, &wheel).unwrap();
    let venv = sb.venv("venv");

    let run = pipeline(vec![sb.unpack(&venv)], Some(fetched_stream(&[wheel]).into_bytes()));
    run.assert_success();
    let made: Vec<String> =
        fs::read_dir(&elsewhere).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into()).collect();
    assert_eq!(made, ["wheels"], "nothing written beside the wheel's folder");
    assert!(
        sb.cache().join("unpacked/v2").join(&hash[..2]).join(&hash).is_dir(),
        "unpacked into the run's cache"
    );
    sb.pip_ok(&venv, &["check"]);
    assert_eq!(venv.dists(&sb).get("beta").map(String::as_str), Some("2.0"));
}

/// After a run the venv's root holds what `python3 -m venv` made and nothing
/// of ours (pip leaves nothing there either).
#[test]
fn a_run_leaves_nothing_in_the_venv_root() {
    let sb = Sandbox::new();
    let venv = sb.venv("venv");
    let names = |v: &Venv| {
        let mut n: Vec<String> = fs::read_dir(&v.root)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into())
            .collect();
        n.sort();
        n
    };
    let before = names(&venv);
    let out = sb.unpack(&venv).args(alpha_beta(&sb.path().join("wheels"))).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(names(&venv), before);
    sb.pip_ok(&venv, &["check"]);
}

/// Two runs on one venv take turns, whatever cache each uses: the second
/// says it waits while the first holds the venv, and goes on once it ends.
#[test]
fn two_runs_on_one_venv_take_turns() {
    let sb = Sandbox::new();
    let venv = sb.venv("venv");
    let wheels = alpha_beta(&sb.path().join("wheels"));
    let before = snapshot(&venv.root);
    let mut first = sb.unpack(&venv);
    first.arg(&wheels[1]).env("WHEELPIPE_TEST_PAUSE_AT", "staged");
    let mut first = first.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    // Kept open: a run whose stderr is closed cannot say anything more.
    let mut lines = BufReader::new(first.stderr.take().unwrap()).lines();
    assert!(lines.by_ref().map_while(Result::ok).any(|l| l.contains("test pause")), "the first run paused");

    let other_cache = sb.path().join("other-cache");
    let mut second = sb.command(env!("CARGO_BIN_EXE_wheel-unpack"));
    second.arg("--venv").arg(&venv.root).arg("--cache-dir").arg(&other_cache).args(&wheels);
    let mut second = second.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let mut said = BufReader::new(second.stderr.take().unwrap()).lines();
    let mut heard = Vec::new();
    let waits = said.by_ref().map_while(Result::ok).any(|l| {
        heard.push(l.clone());
        l.contains("waiting for another wheel-unpack")
    });
    assert!(waits, "the second run waits for the first: {heard:?}");
    let mut now = snapshot(&venv.root);
    now.retain(|k, _| !k.starts_with(&format!(".wheelpipe-staging-{}", first.id())));
    assert_same_tree(&before, &now, "the venv but the first run's staging folder, while the second waits");

    // Ctrl-C the first: it installs nothing, and the second goes on.
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(first.id() as i32), nix::sys::signal::Signal::SIGINT)
        .unwrap();
    assert_eq!(
        first.wait().unwrap().code(),
        Some(130),
        "{:?}",
        lines.map_while(Result::ok).collect::<Vec<_>>()
    );
    let rest: Vec<String> = said.map_while(Result::ok).collect();
    assert!(second.wait().unwrap().success(), "{rest:?}");
    sb.pip_ok(&venv, &["check"]);
    let dists = venv.dists(&sb);
    assert_eq!((dists.get("alpha"), dists.get("beta")), (Some(&"1.0".into()), Some(&"2.0".into())));
}

/// Hard links share the cache's inode, so an in-place edit in one venv
/// edits the cache; the next install finds the changed file (size, mtime)
/// and extracts it again: the later venv gets the wheel's bytes, which
/// match its RECORD, and the edited venv keeps its edit.
#[test]
fn an_edit_in_one_hard_linked_venv_does_not_reach_the_next() {
    let sb = Sandbox::new();
    let wheels = alpha_beta(&sb.path().join("wheels"));
    let first = sb.venv("first");
    let out = sb.unpack(&first).args(["--link-mode", "hardlink"]).args(&wheels).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let edited = first.site_packages().join("beta/__init__.py");
    let original = fs::read_to_string(&edited).unwrap();
    fs::OpenOptions::new().append(true).open(&edited).unwrap().write_all(b"EDITED = True\n").unwrap();

    let second = sb.venv("second");
    let out = sb.unpack(&second).args(["--link-mode", "hardlink"]).args(&wheels).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let fresh = second.site_packages().join("beta/__init__.py");
    assert_eq!(fs::read_to_string(&fresh).unwrap(), original);
    assert!(
        fs::read_to_string(&edited).unwrap().ends_with("EDITED = True\n"),
        "the first venv keeps its edit"
    );
    // Every file of the second venv matches its RECORD, as pip would hash it.
    let check = "import base64, hashlib, importlib.metadata as m\n\
                 for d in m.distributions():\n    for f in d.files:\n        if f.hash:\n\
                 \x20           h = base64.urlsafe_b64encode(hashlib.sha256(f.locate().read_bytes()).digest()).rstrip(b'=').decode()\n\
                 \x20           assert h == f.hash.value, f\n";
    let checked = second.run_python(&sb, check);
    assert!(checked.status.success(), "{}", String::from_utf8_lossy(&checked.stderr));
    sb.pip_ok(&second, &["check"]);
}
