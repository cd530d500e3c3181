//! The pipeline under a misbehaving network and people: rate limiting with
//! Retry-After, a server that lies about lengths, Ctrl-C while a stage
//! waits, and two runs sharing one cache at once. Whatever happens, the
//! venv is either complete or exactly as before, and the next run works.

mod support;

use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use support::*;

const REQS: &str = "alpha==1.0\nbeta==2.0\n";

fn three(sb: &Sandbox, server: &Server, venv: &Venv) -> Vec<std::process::Command> {
    let reqs = sb.path().join("requirements.txt");
    if !reqs.exists() {
        sb.write("requirements.txt", REQS);
    }
    vec![sb.resolve(&server.url(), venv, &[&reqs]), sb.fetch(), sb.unpack(venv)]
}

fn assert_installed(sb: &Sandbox, venv: &Venv) {
    let list = venv.dists(sb);
    assert_eq!(list.get("alpha").map(String::as_str), Some("1.0"), "{list:?}");
    assert_eq!(list.get("beta").map(String::as_str), Some("2.0"), "{list:?}");
}

#[test]
fn rate_limiting_is_waited_out() {
    let mut sb = Sandbox::new();
    sb.set_env("WHEELPIPE_RETRY_BACKOFF_MS", "10");
    let server = Server::start(&alpha_beta(&sb.path().join("wheels")));
    server.faults().fail_next_n_with(1, 429);
    let venv = sb.venv("venv");
    let started = Instant::now();
    let run = pipeline(three(&sb, &server, &venv), None);
    run.assert_success();
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After: 1 is honoured");
    assert_installed(&sb, &venv);
}

#[test]
fn a_lying_content_length_never_reaches_the_venv_or_the_cache() {
    let mut sb = Sandbox::new();
    sb.set_env("PIP_RETRIES", "1");
    sb.set_env("WHEELPIPE_RETRY_BACKOFF_MS", "10");
    let wheels = alpha_beta(&sb.path().join("wheels"));
    let server = Server::start(&wheels);
    let venv = sb.venv("venv");
    let before = snapshot(&venv.root);
    // The wheels' lengths lie, not the metadata's: resolve first.
    let reqs = sb.write("requirements.txt", REQS);
    let resolved = pipeline(vec![sb.resolve(&server.url(), &venv, &[&reqs])], None);
    resolved.assert_success();
    server.faults().lying_content_length = true;
    let run = pipeline(vec![sb.fetch(), sb.unpack(&venv)], Some(resolved.stdout.into_bytes()));
    assert_eq!(run.codes()[0], Some(1), "{run}");
    assert!(run.stderr(0).contains("/files/"), "names the URL: {run}");
    assert!(run.stderr(0).contains("Content-Length said"), "says the length was wrong: {run}");
    assert!(!run.stderr(0).contains("cannot resume"), "{run}");
    assert_ne!(run.codes()[1], Some(0), "{run}");
    assert_same_tree(&before, &snapshot(&venv.root), "the venv");
    let cached: Vec<String> = snapshot(&sb.cache()).into_values().collect();
    for w in &wheels {
        let real = wheelpipe::hash::sha256_hex(&std::fs::read(w).unwrap());
        assert!(!cached.iter().any(|v| v.ends_with(&real)), "no wheel in the cache: {cached:#?}");
    }

    server.faults().lying_content_length = false;
    pipeline(three(&sb, &server, &venv), None).assert_success();
    assert_installed(&sb, &venv);
}

#[test]
fn ctrl_c_while_the_index_stalls_leaves_the_venv_as_it_was() {
    let sb = Sandbox::new();
    let server = Server::start(&alpha_beta(&sb.path().join("wheels")));
    // Longer than the harness lets a run last: it ends by Ctrl-C or not at all.
    server.faults().stall_ms = 600_000;
    let venv = sb.venv("venv");
    let before = snapshot(&venv.root);
    let running = Running::spawn(three(&sb, &server, &venv), None);
    wait_until("the first request at the index", || server.arrived() > 0);
    assert!(server.requests().is_empty(), "the index has not answered yet");
    // A terminal sends SIGINT to the whole foreground pipeline.
    for pid in running.pids() {
        let _ = kill(Pid::from_raw(pid as i32), Signal::SIGINT);
    }
    let run = running.wait();
    assert!(server.requests().is_empty(), "ended before the index answered: {run}");
    use std::os::unix::process::ExitStatusExt;
    let interrupted =
        |s: &Stage| s.status.code() == Some(130) || s.status.signal() == Some(Signal::SIGINT as i32);
    assert!(interrupted(&run.stages[0]), "wheel-resolve must exit 130 or die of SIGINT: {run}");
    assert!(interrupted(&run.stages[2]), "the pipeline's status must say interrupted: {run}");
    assert!(!run.stages.iter().any(|s| s.status.success()), "no stage may claim success: {run}");
    assert_same_tree(&before, &snapshot(&venv.root), "the venv");

    server.faults().stall_ms = 0;
    pipeline(three(&sb, &server, &venv), None).assert_success();
    assert_installed(&sb, &venv);
}

#[test]
fn two_runs_share_one_cache_at_once() {
    let sb = Sandbox::new();
    let server = Server::start(&alpha_beta(&sb.path().join("wheels")));
    server.faults().stall_ms = 50;
    let (a, b) = (sb.venv("a"), sb.venv("b"));
    let first = Running::spawn(three(&sb, &server, &a), None);
    let second = Running::spawn(three(&sb, &server, &b), None);
    let (first, second) = (first.wait(), second.wait());
    first.assert_success();
    second.assert_success();
    assert_installed(&sb, &a);
    assert_installed(&sb, &b);
    assert_eq!(a.site_snapshot(), b.site_snapshot());
}

#[test]
fn ctrl_c_while_unpack_waits_for_end_leaves_nothing_behind() {
    let sb = Sandbox::new();
    let dir = sb.path().join("wheels");
    let mut big = WheelBuilder::new("big", "1.0");
    for i in 0..2000 {
        big = big.file(&format!("big/m{i}.py"), format!("N = {i}\n"));
    }
    let mut wheels = alpha_beta(&dir);
    wheels.push(big.build(&dir));
    let venv = sb.venv("venv");
    let before = snapshot(&venv.root);
    let stream = fetched_stream(&wheels);
    let records: String =
        stream.lines().filter(|l| !l.contains("\"type\":\"end\"")).map(|l| format!("{l}\n")).collect();

    let (running, mut stdin) = Running::spawn_with_stdin(vec![sb.unpack(&venv)]);
    std::io::Write::write_all(&mut stdin, records.as_bytes()).unwrap();
    // Each staged wheel's RECORD is its last file: three of them in the
    // staging folder, and the run is waiting for `end`.
    wait_until("three wheels staged", || staged_records(&venv.root) == 3);
    kill(Pid::from_raw(running.pids()[0] as i32), Signal::SIGINT).unwrap();
    let run = running.wait();
    drop(stdin);
    use std::os::unix::process::ExitStatusExt;
    let status = run.stages[0].status;
    assert!(status.code() == Some(130) || status.signal() == Some(Signal::SIGINT as i32), "{run}");
    assert_same_tree(&before, &snapshot(&venv.root), "the venv");

    let run = pipeline(vec![sb.unpack(&venv)], Some(stream.into_bytes()));
    run.assert_success();
    assert_eq!(venv.dists(&sb).len(), 3, "the next run works: {run}");
}

/// The RECORD files in the venv's staging folders: one a wheel staged.
fn staged_records(venv: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(venv) else { return 0 };
    entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".wheelpipe-staging-"))
        .flat_map(|e| walkdir::WalkDir::new(e.path()).into_iter().flatten())
        .filter(|e| e.file_name() == "RECORD" && e.file_type().is_file())
        .count()
}
