//! wheel-cache on a cache the real pipeline filled from the local index:
//! `dir` finds the cache as the other tools do, `info` counts what the
//! pipeline left, `clean NAME` drops one project so that the next install
//! downloads it (and only it) again, `prune` drops old versions, temporary
//! files and entries unused for N days, and leaves what another process
//! holds, a running wheel-build's half-made environment among them.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde_json::Value;
use support::builds::{build_envs, src, wheel_build};
use support::sources::Project;
use support::*;
use wheelpipe::cache::{Bucket, Cache};
use wheelpipe::hash::Sha256;

/// Runs `wheel-cache ARGS` (the cache from `WHEELPIPE_CACHE_DIR`, as the
/// sandbox sets it for every tool) and returns its stdout.
fn wheel_cache(sb: &Sandbox, args: &[&str]) -> String {
    let out = sb.command(env!("CARGO_BIN_EXE_wheel-cache")).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "wheel-cache {args:?} failed: {stderr}");
    String::from_utf8(out.stdout).unwrap()
}

/// The JSON lines of `wheel-cache ARGS --json`, by bucket.
fn by_bucket(sb: &Sandbox, args: &[&str]) -> BTreeMap<String, Value> {
    let text = wheel_cache(sb, &[args, &["--json"]].concat());
    let lines = text.lines().map(|l| serde_json::from_str::<Value>(l).unwrap());
    lines.map(|v| (v["bucket"].as_str().unwrap().to_string(), v)).collect()
}

fn install(sb: &Sandbox, server: &Server, venv: &Venv, reqs: &Path) {
    let run = pipeline(vec![sb.resolve(&server.url(), venv, &[reqs]), sb.fetch(), sb.unpack(venv)], None);
    run.assert_success();
    assert_eq!(venv.dists(sb).keys().collect::<Vec<_>>(), ["alpha", "beta"]);
}

/// The wheels the server was asked for since its log was cleared.
fn downloaded(server: &Server) -> Vec<String> {
    let wheels = server.file_requests().into_iter().filter(|e| e.method == "GET" && e.path.ends_with(".whl"));
    let mut names: Vec<String> = wheels.map(|e| e.path.rsplit('/').next().unwrap().to_string()).collect();
    names.sort();
    names.dedup();
    names
}

/// A cache filled by one install of alpha and beta, the wheels' sha256s.
fn filled(sb: &Sandbox) -> (Server, PathBuf, [Sha256; 2]) {
    let wheels = alpha_beta(&sb.path().join("wheels"));
    let server = Server::start(&wheels);
    let reqs = sb.write("requirements.txt", "alpha==1.0\nbeta==2.0\n");
    install(sb, &server, &sb.venv("first"), &reqs);
    let sha = |p: &PathBuf| Sha256::of(&fs::read(p).unwrap());
    (server, reqs, [sha(&wheels[0]), sha(&wheels[1])])
}

fn set_age(path: &Path, days: u64) {
    let when = SystemTime::now() - Duration::from_secs(days * 86_400);
    fs::File::open(path).unwrap().set_modified(when).unwrap();
}

#[test]
fn dir_is_the_cache_every_tool_uses() {
    let sb = Sandbox::new();
    assert_eq!(wheel_cache(&sb, &["dir"]).trim(), sb.cache().to_str().unwrap(), "WHEELPIPE_CACHE_DIR");
    let other = sb.path().join("other");
    let line = wheel_cache(&sb, &["dir", "--json", "--cache-dir", other.to_str().unwrap()]);
    let value: Value = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(value["path"], other.to_str().unwrap());
}

#[test]
fn info_counts_clean_drops_one_project_and_the_pipeline_fetches_it_again() {
    let sb = Sandbox::new();
    let (server, reqs, [alpha, beta]) = filled(&sb);
    let info = by_bucket(&sb, &["info"]);
    for bucket in ["wheels", "unpacked"] {
        assert_eq!(info[bucket]["entries"], 2, "{bucket}: {info:?}");
        assert!(info[bucket]["bytes"].as_u64().unwrap() > 0, "{bucket}: {info:?}");
    }
    assert_eq!(
        (&info["wheels"]["folder"], &info["unpacked"]["folder"]),
        (&"wheels/v1".into(), &"unpacked/v2".into())
    );
    assert!(info["index"]["entries"].as_u64().unwrap() >= 2, "one page a project: {info:?}");

    let removed = by_bucket(&sb, &["clean", "Alpha"]);
    assert_eq!((&removed["wheels"]["entries"], &removed["unpacked"]["entries"]), (&1.into(), &1.into()));
    let cache = Cache::at(sb.cache()).unwrap();
    assert!(!cache.entry(Bucket::Wheels, &alpha).exists() && !cache.entry(Bucket::Unpacked, &alpha).exists());
    assert!(cache.entry(Bucket::Wheels, &beta).exists() && cache.entry(Bucket::Unpacked, &beta).exists());
    assert_eq!(by_bucket(&sb, &["info"])["wheels"]["entries"], 1);

    server.clear_log();
    install(&sb, &server, &sb.venv("second"), &reqs);
    assert_eq!(downloaded(&server), ["alpha-1.0-py3-none-any.whl"], "beta came from the cache");

    by_bucket(&sb, &["clean"]);
    let info = by_bucket(&sb, &["info"]);
    assert!(info.values().all(|b| b["entries"] == 0 || b["bucket"] == "locks"), "{info:?}");
    server.clear_log();
    install(&sb, &server, &sb.venv("third"), &reqs);
    assert_eq!(downloaded(&server).len(), 2, "everything again after a full clean");
}

#[test]
fn prune_drops_old_versions_leftovers_and_unused_entries_and_the_pipeline_still_works() {
    let sb = Sandbox::new();
    let (server, reqs, [alpha, beta]) = filled(&sb);
    let cache = Cache::at(sb.cache()).unwrap();
    // What an older build left: the store before it had a version folder.
    let old_store = sb.cache().join("wheels/sha256").join(&alpha.to_string()[..2]);
    fs::create_dir_all(&old_store).unwrap();
    fs::write(old_store.join("old.whl"), b"old").unwrap();
    // And an unpacked wheel of v1, whose files kept the wheel's own tree.
    let old_unpacked = sb.cache().join("unpacked/v1").join(&beta.to_string()[..2]).join(beta.to_string());
    fs::create_dir_all(old_unpacked.join("files/beta")).unwrap();
    fs::write(old_unpacked.join("files/beta/__init__.py"), b"").unwrap();
    fs::write(old_unpacked.join("manifest.json"), b"{}").unwrap();
    let left_in_tmp = cache.tmp_path().join(".fetch-killed.part");
    fs::write(&left_in_tmp, b"half a download").unwrap();
    // Everything unused for 40 days; then an install of beta alone uses
    // (and stamps) beta's wheel and unpacked copy.
    for sha in [&alpha, &beta] {
        set_age(&cache.entry(Bucket::Wheels, sha), 40);
        set_age(&cache.entry(Bucket::Unpacked, sha), 40);
    }
    let beta_only = sb.write("beta.txt", "beta==2.0\n");
    let venv = sb.venv("beta-only");
    pipeline(vec![sb.resolve(&server.url(), &venv, &[&beta_only]), sb.fetch(), sb.unpack(&venv)], None)
        .assert_success();

    let removed = by_bucket(&sb, &["prune", "--older-than", "30"]);
    assert_eq!(removed["old"]["entries"], 2, "{removed:?}");
    assert_eq!((&removed["wheels"]["entries"], &removed["unpacked"]["entries"]), (&1.into(), &1.into()));
    assert!(!sb.cache().join("wheels/sha256").exists() && !left_in_tmp.exists());
    assert!(!sb.cache().join("unpacked/v1").exists() && sb.cache().join("unpacked/v2").exists());
    assert!(!cache.entry(Bucket::Wheels, &alpha).exists() && !cache.entry(Bucket::Unpacked, &alpha).exists());
    assert!(cache.entry(Bucket::Wheels, &beta).exists() && cache.entry(Bucket::Unpacked, &beta).exists());

    server.clear_log();
    install(&sb, &server, &sb.venv("second"), &reqs);
    assert_eq!(downloaded(&server), ["alpha-1.0-py3-none-any.whl"], "beta was kept");
}

#[test]
fn prune_leaves_what_another_process_holds() {
    let sb = Sandbox::new();
    let (_server, _reqs, [alpha, beta]) = filled(&sb);
    // This test's process stands for a running tool: it holds alpha's
    // unpacked entry (as wheel-unpack does while it writes it) and tmp/.
    let cache = Cache::at(sb.cache()).unwrap();
    for sha in [&alpha, &beta] {
        set_age(&cache.entry(Bucket::Unpacked, sha), 40);
    }
    let held = cache.lock_entry(Bucket::Unpacked, &alpha).unwrap();
    let in_use = cache.temp_file(".part").unwrap();

    let removed = by_bucket(&sb, &["prune", "--older-than", "30"]);
    assert_eq!((&removed["unpacked"]["entries"], &removed["unpacked"]["busy"]), (&1.into(), &1.into()));
    assert_eq!(removed["tmp"]["busy"], 1, "{removed:?}");
    assert!(cache.entry(Bucket::Unpacked, &alpha).join("manifest.json").is_file(), "held: kept whole");
    assert!(!cache.entry(Bucket::Unpacked, &beta).exists());
    assert!(in_use.path().is_file(), "a file being written stays");

    drop(held);
    let removed = by_bucket(&sb, &["prune", "--older-than", "30"]);
    assert_eq!((&removed["unpacked"]["entries"], &removed["unpacked"]["busy"]), (&1.into(), &0.into()));
    assert!(!cache.entry(Bucket::Unpacked, &alpha).exists());
}

/// A real tool in the middle of its work: wheel-build making a build
/// environment (its lock held while the environment's wheel-resolve waits
/// on a stalled index) with its work folder in tmp/.
#[test]
fn prune_and_clean_leave_the_build_environment_a_running_wheel_build_is_making() {
    let sb = Sandbox::new();
    let helper = WheelBuilder::new("buildhelper", "1.0").file("buildhelper.py", "X = 1\n").build(sb.path());
    let server = Server::start(&[helper]);
    server.faults().stall_ms = 30_000;
    let sdist = Project::tiny(&src(&sb), "stuck", "1.0", &["buildhelper==1.0"]).sdist(sb.path());
    let mut cmd = wheel_build(&sb);
    cmd.arg("--index-url").arg(server.url()).arg(&sdist);
    let running = Running::spawn(vec![cmd], None);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while server.arrived() == 0 {
        assert!(std::time::Instant::now() < deadline, "wheel-resolve never asked the index");
        std::thread::sleep(Duration::from_millis(20));
    }
    let envs = build_envs(&sb);
    assert_eq!(envs.len(), 1);
    // Half made and a day old: abandoned, were nobody making it.
    set_age(&envs[0], 1);
    for args in [&["prune"][..], &["clean"]] {
        let removed = by_bucket(&sb, args);
        assert_eq!(removed["build-envs"]["busy"], 1, "{args:?}: {removed:?}");
        assert_eq!(removed["tmp"]["busy"], 1, "{args:?}: {removed:?}");
        assert!(envs[0].join("bin").is_dir(), "{args:?} left the environment being made");
    }
    let pid = nix::unistd::Pid::from_raw(running.pids()[0] as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    assert_eq!(running.wait().codes(), [Some(130)]);
    assert!(build_envs(&sb).is_empty(), "wheel-build removed its half-made environment itself");
}
