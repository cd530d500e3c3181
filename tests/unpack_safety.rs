//! wheel-unpack writes nowhere but the venv and its own cache: not beside a
//! wheel whose path merely looks like a cache's, not a lock file in the
//! venv's root; two runs on one venv still take turns. Real venvs, pip
//! checking the result.

mod support;

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::Stdio;

use support::*;

fn text(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A wheel at `X/wheels/sha256/HH/H/name.whl` (the shape of wheel-fetch's
/// store) is installed from the run's own cache; nothing appears in `X`.
#[test]
fn a_wheel_in_a_cache_shaped_folder_does_not_make_that_folder_a_cache() {
    let sb = Sandbox::new();
    let built = beta().build(&sb.path().join("wheels"));
    let hash = wheelpipe::hash::sha256_hex(&fs::read(&built).unwrap());
    let elsewhere = sb.path().join("elsewhere");
    let store = elsewhere.join("wheels/sha256").join(&hash[..2]).join(&hash);
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
        sb.cache().join("unpacked/v1").join(&hash[..2]).join(&hash).is_dir(),
        "unpacked into the run's cache"
    );
    sb.pip_ok(&venv, &["check"]);
    assert_eq!(venv.dists(&sb).get("beta").map(String::as_str), Some("2.0"));
}
