//! The whole pipeline end to end: `wheel-resolve | wheel-fetch | wheel-unpack`
//! with real pipes from a local index into a real virtualenv, checked with
//! python and pip the way a user would: imports, console scripts, `pip
//! check`, `pip list`, and a clean `pip uninstall`. Also a warm cache, `-j 1`,
//! a flaky server, and what `wheel-resolve` alone writes.

mod support;

use std::path::{Path, PathBuf};

use support::*;
use wheelpipe::records::{Installed, Record};

const REQUIREMENTS: &str = "\
# the fixtures, pinned
alpha==1.0

beta==2.0  # a trailing comment
gamma==1.0; python_version < \"3\"
";

/// Fixture wheels served by a fresh server, and a requirements file.
fn setup(sb: &Sandbox) -> (Server, PathBuf) {
    let wheels = alpha_beta(&sb.path().join("wheels"));
    let server = Server::start(&wheels);
    let reqs = sb.write("requirements.txt", REQUIREMENTS);
    (server, reqs)
}

fn install(sb: &Sandbox, server: &Server, venv: &Venv, reqs: &Path, jobs: Option<&str>) -> Run {
    let mut fetch = sb.fetch();
    let mut unpack = sb.unpack(venv);
    if let Some(j) = jobs {
        fetch.args(["-j", j]);
        unpack.args(["-j", j]);
    }
    pipeline(vec![sb.resolve(&server.url(), venv, &[reqs]), fetch, unpack], None)
}

/// The `installed` records sorted by name, and the `end`, of unpack's output.
fn installed(run: &Run) -> Vec<Installed> {
    let records = run.records();
    let end = records.iter().rfind(|r| !matches!(r, Record::Progress(_)));
    match end {
        Some(Record::End(e)) => {
            assert!(e.ok && e.tool == "wheel-unpack" && e.count == 2 && e.protocol == 1, "{e:?}")
        }
        other => panic!("the stream must end with wheel-unpack's end, not {other:?}\n{run}"),
    }
    let mut v: Vec<Installed> = records
        .into_iter()
        .filter_map(|r| match r {
            Record::Installed(i) => Some(i),
            _ => None,
        })
        .collect();
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

#[test]
fn installs_a_requirements_file_like_pip_and_pip_can_uninstall_it() {
    let sb = Sandbox::new();
    let (server, reqs) = setup(&sb);
    let venv = sb.venv("venv");
    let empty = snapshot(&venv.root);

    let run = install(&sb, &server, &venv, &reqs, None);
    run.assert_success();
    let names: Vec<(String, String)> = installed(&run).into_iter().map(|i| (i.name, i.version)).collect();
    assert_eq!(names, [("alpha".to_string(), "1.0".to_string()), ("beta".to_string(), "2.0".to_string())]);

    let import = venv.run_python(&sb, "import alpha, beta; print(alpha.VALUE, beta.VALUE)");
    assert_eq!(String::from_utf8_lossy(&import.stdout).trim(), "alpha beta", "{import:?}");
    let cli = sb.command(venv.bin("alpha-cli")).output().unwrap();
    assert!(cli.status.success(), "alpha-cli: {cli:?}");
    assert_eq!(String::from_utf8_lossy(&cli.stdout).trim(), ALPHA_CLI_OUTPUT);
    let tool = sb.command(venv.bin("alpha-tool")).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&tool.stdout).trim(), ALPHA_TOOL_OUTPUT, "{tool:?}");

    sb.pip_ok(&venv, &["check"]);
    let list = sb.pip_list(&venv);
    assert_eq!(list.get("alpha").map(String::as_str), Some("1.0"), "{list:?}");
    assert_eq!(list.get("beta").map(String::as_str), Some("2.0"), "{list:?}");
    assert!(!list.contains_key("gamma"), "the marker excludes gamma: {list:?}");
    let dist_info = venv.site_packages().join("alpha-1.0.dist-info");
    assert_eq!(std::fs::read_to_string(dist_info.join("INSTALLER")).unwrap().trim(), "wheelpipe");
    assert!(dist_info.join("REQUESTED").exists(), "alpha was asked for by name");

    sb.pip_ok(&venv, &["uninstall", "-y", "alpha", "beta"]);
    assert_same_tree(&empty, &snapshot(&venv.root), "the venv after pip uninstall");
}

#[test]
fn a_warm_cache_downloads_nothing() {
    let sb = Sandbox::new();
    let (server, reqs) = setup(&sb);
    let first = sb.venv("first");
    install(&sb, &server, &first, &reqs, None).assert_success();
    assert!(!server.file_requests().is_empty(), "the first run downloads the wheels");

    server.clear_log();
    let second = sb.venv("second");
    let run = install(&sb, &server, &second, &reqs, None);
    run.assert_success();
    assert_eq!(installed(&run).len(), 2);
    assert_eq!(server.file_requests(), [], "a warm cache asks the server for no file");
    assert_eq!(first.site_snapshot(), second.site_snapshot());
}

#[test]
fn one_job_gives_the_same_result() {
    let sb = Sandbox::new();
    let (server, reqs) = setup(&sb);
    let many = sb.venv("many");
    let run_many = install(&sb, &server, &many, &reqs, None);
    run_many.assert_success();

    let sb1 = Sandbox::new();
    let one = sb1.venv("one");
    let run_one = install(&sb1, &server, &one, &reqs, Some("1"));
    run_one.assert_success();
    let strip = |v: Vec<Installed>| v.into_iter().map(|i| (i.name, i.version, i.files)).collect::<Vec<_>>();
    assert_eq!(strip(installed(&run_many)), strip(installed(&run_one)));
    assert_eq!(many.site_snapshot(), one.site_snapshot());
    let bins = |v: &Venv| snapshot(&v.root.join("bin")).into_keys().collect::<Vec<_>>();
    assert_eq!(bins(&many), bins(&one));
}

#[test]
fn server_errors_are_retried() {
    let mut sb = Sandbox::new();
    sb.set_env("WHEELPIPE_RETRY_BACKOFF_MS", "10");
    let (server, reqs) = setup(&sb);
    server.faults().fail_next_n_with(2, 500);
    let venv = sb.venv("venv");
    let run = install(&sb, &server, &venv, &reqs, None);
    run.assert_success();
    assert_eq!(installed(&run).len(), 2);
    let log = server.requests();
    assert_eq!(log.iter().filter(|e| e.status == 500).count(), 2, "{log:#?}");
}

#[test]
fn a_download_cut_midway_is_resumed() {
    let mut sb = Sandbox::new();
    sb.set_env("WHEELPIPE_RETRY_BACKOFF_MS", "10");
    let (server, reqs) = setup(&sb);
    let venv = sb.venv("venv");
    // The wheels' transfers break, not the metadata reads: resolve first.
    let resolved = pipeline(vec![sb.resolve(&server.url(), &venv, &[&reqs])], None);
    resolved.assert_success();
    server.faults().drop_after_bytes = Some(200);
    let run = pipeline(vec![sb.fetch(), sb.unpack(&venv)], Some(resolved.stdout.into_bytes()));
    run.assert_success();
    assert_eq!(installed(&run).len(), 2);
    sb.pip_ok(&venv, &["check"]);
    let log = server.file_requests();
    let resumed = log.iter().any(|e| e.range.as_deref().is_some_and(|r| r.starts_with("bytes=200-")));
    assert!(resumed, "resumed at byte 200: {log:#?}");
}

#[test]
fn wheel_resolve_writes_one_artifact_per_pin_sorted_by_name() {
    let sb = Sandbox::new();
    let (server, reqs) = setup(&sb);
    let venv = sb.venv("venv");
    let run = pipeline(vec![sb.resolve(&server.url(), &venv, &[&reqs])], None);
    run.assert_success();
    let records = run.records();
    let artifacts: Vec<_> = records
        .iter()
        .filter_map(|r| match r {
            Record::Artifact(a) => Some(a.clone()),
            _ => None,
        })
        .collect();
    assert!(
        matches!(records.last(), Some(Record::End(e)) if e.ok && e.tool == "wheel-resolve" && e.count == 2)
    );
    assert_eq!(artifacts.len(), 2, "{run}");
    for (a, b) in artifacts.iter().zip([alpha(), beta()]) {
        let bytes = std::fs::read(sb.path().join("wheels").join(b.filename())).unwrap();
        assert_eq!((a.name.as_str(), a.version.as_str()), (b.name(), b.version()));
        assert_eq!(a.filename, b.filename());
        assert_eq!(a.url, server.file_url(&b.filename()));
        assert_eq!(a.sha256(), Some(wheelpipe::hash::sha256_hex(&bytes).as_str()));
        assert_eq!(a.size, Some(bytes.len() as u64));
        assert!(a.requested && a.path.is_none(), "{a:?}");
    }
    assert_eq!(artifacts[0].requires_python.as_deref(), Some(">=3.8"));
    assert_eq!(artifacts[1].requires_python, None);
}

#[test]
fn big_downloads_start_first_and_then_the_smallest() {
    // One worker, four wheels of very different sizes: the index gives the
    // sizes, so wheel-fetch asks for the big ones (at least a quarter of
    // --split-size, here 256 KB) largest first, then the others smallest first, so the next stage
    // gets wheels early; whatever order the records come in (by name).
    let sb = Sandbox::new();
    let dir = sb.path().join("wheels");
    let text = |n: usize| -> String { (0..n).map(|i| format!("# {i:08x} {}\n", i * 7919)).collect() };
    let wheels = vec![
        WheelBuilder::new("aaa", "1.0").file("aaa/__init__.py", text(2_000)).build(&dir),
        big_wheel(&dir, "bbb", 1500),
        WheelBuilder::new("ccc", "1.0").file("ccc/__init__.py", text(10)).build(&dir),
        big_wheel(&dir, "ddd", 3000),
    ];
    let server = Server::start(&wheels);
    let reqs = sb.write("requirements.txt", "aaa==1.0\nbbb==1.0\nccc==1.0\nddd==1.0\n");
    let venv = sb.venv("venv");
    let resolved = pipeline(vec![sb.resolve(&server.url(), &venv, &[&reqs])], None);
    resolved.assert_success();
    server.clear_log();
    let mut fetch = sb.fetch();
    fetch.args(["-j", "1", "--split-size", "1"]);
    // The records reach wheel-fetch in one write, as a stage's burst does.
    pipeline(vec![fetch], Some(resolved.stdout.into_bytes())).assert_success();
    let mut order: Vec<String> = server
        .file_requests()
        .into_iter()
        .map(|e| e.path.rsplit('/').next().unwrap().split('-').next().unwrap().to_string())
        .collect();
    order.dedup(); // a split download asks for its parts one after another
    assert_eq!(order, ["ddd", "bbb", "ccc", "aaa"]);
}
