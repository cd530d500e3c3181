//! The real pipeline (wheel-resolve | wheel-fetch | wheel-unpack) through an
//! index that misbehaves at random ([`Chaos`]: bodies cut, 500/503, 429
//! with Retry-After, Content-Length too long or too short, Range ignored,
//! flipped bytes, stalls past the timeout, a gateway's HTML error page),
//! one request in five, with a fresh cache for each of a few fixed seeds
//! (every other one without PEP 658 files, so metadata is read by ranges).
//! Each run either installs the whole set or exits 1 with the venv as it
//! was; then a clean run from the same cache installs the set, so no fault
//! left a poisoned cache entry. The timeout and the backoff are made short
//! so the whole test takes seconds.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use support::*;

/// Seeds tried, each with a fresh cache and venv.
const RUNS: u64 = 6;
/// Requests meeting a fault, in percent.
const PERCENT: u64 = 20;

/// `app` needs `lib-a`, `lib-b` (which needs `lib-c`) and `bulk`, a wheel
/// big enough for wheel-fetch to split it over range requests.
fn wheels(dir: &Path) -> Vec<PathBuf> {
    let lib = |name: &str| {
        let module = name.replace('-', "_");
        WheelBuilder::new(name, "1.0").file(&format!("{module}/__init__.py"), "VALUE = 1\n")
    };
    vec![
        lib("app").requires_dist("lib-a").requires_dist("lib-b>=1").requires_dist("bulk").build(dir),
        lib("lib-a").build(dir),
        lib("lib-b").requires_dist("lib-c").build(dir),
        lib("lib-c").build(dir),
        big_wheel(dir, "bulk", 192),
    ]
}

/// The three stages with `cache` as their cache.
fn three(sb: &Sandbox, server: &Server, venv: &Venv, cache: &Path, reqs: &Path) -> Vec<Command> {
    let mut resolve = sb.command(env!("CARGO_BIN_EXE_wheel-resolve"));
    resolve.arg("--index-url").arg(server.url()).arg("--python").arg(venv.python());
    resolve.arg("--cache-dir").arg(cache).arg(reqs);
    let mut fetch = sb.command(env!("CARGO_BIN_EXE_wheel-fetch"));
    fetch.arg("--cache-dir").arg(cache).args(["--split-size", "65536"]);
    let mut unpack = sb.command(env!("CARGO_BIN_EXE_wheel-unpack"));
    unpack.arg("--venv").arg(&venv.root).arg("--cache-dir").arg(cache);
    vec![resolve, fetch, unpack]
}

fn assert_installed(sb: &Sandbox, venv: &Venv, run: &Run) {
    let dists = venv.dists(sb);
    for name in ["app", "lib-a", "lib-b", "lib-c", "bulk"] {
        assert_eq!(dists.get(name).map(String::as_str), Some("1.0"), "{name} in {dists:?}\n{run}");
    }
}

#[test]
fn random_faults_end_in_a_whole_install_or_a_clean_failure_and_never_poison_the_cache() {
    let mut sb = Sandbox::new();
    sb.set_env("PIP_DEFAULT_TIMEOUT", "1");
    sb.set_env("WHEELPIPE_RETRY_BACKOFF_MS", "10");
    let server = Server::start(&wheels(&sb.path().join("wheels")));
    let reqs = sb.write("requirements.txt", "app\n");
    let mut failed = Vec::new();
    let mut dealt = 0;
    for seed in 0..RUNS {
        let cache = sb.path().join(format!("cache-{seed}"));
        let venv = sb.venv(&format!("venv-{seed}"));
        let before = snapshot(&venv.root);
        let stall = Duration::from_millis(1500);
        server.faults().chaos = Some(Chaos { seed, percent: PERCENT, stall });
        // Odd seeds: no PEP 658 files, so metadata is read by ranges.
        server.faults().no_pep658 = seed % 2 == 1;
        let run = pipeline(three(&sb, &server, &venv, &cache, &reqs), None);
        let faults = std::mem::take(&mut server.faults().chaos_log);
        server.faults().chaos = None;
        dealt += faults.len();
        if run.codes().iter().all(|c| *c == Some(0)) {
            assert_installed(&sb, &venv, &run);
        } else {
            for (stage, code) in run.stages.iter().zip(run.codes()) {
                assert!(matches!(code, Some(0 | 1)), "{} exits 0 or 1, not {code:?}:\n{run}", stage.program);
            }
            assert_eq!(run.codes()[2], Some(1), "wheel-unpack refuses a failed stream:\n{run}");
            assert_same_tree(&before, &snapshot(&venv.root), "the venv after a failed run");
            failed.push(format!("seed {seed}: {faults:?}\n{run}"));
        }
        // The same cache, no faults: whatever the faults left behind works.
        let clean = pipeline(three(&sb, &server, &venv, &cache, &reqs), None);
        clean.assert_success();
        assert_installed(&sb, &venv, &clean);
    }
    assert!(dealt >= RUNS as usize, "the faults were dealt: {dealt}");
    eprintln!("{dealt} faults dealt over {RUNS} runs, {} failed", failed.len());
    assert!(failed.len() <= 1, "{} of {RUNS} runs failed:\n{}", failed.len(), failed.join("\n"));
    for f in &failed {
        eprintln!("a run that failed cleanly: {f}");
    }
}
