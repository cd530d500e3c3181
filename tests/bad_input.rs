//! What the tools do with bad input and a bad index: they fail with an exit
//! code and an error a user can act on (naming the file and line, the
//! package, the URL and both hashes), fast, and leave the virtualenv and the
//! cache exactly as they were.

mod support;

use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use support::*;
use wheelpipe::records::{End, Record};

fn fixtures(sb: &Sandbox) -> Vec<std::path::PathBuf> {
    alpha_beta(&sb.path().join("wheels"))
}

/// `wheel-unpack --venv V` fed `input`, and the venv's tree before.
fn unpack_with(sb: &Sandbox, venv: &Venv, input: String) -> Run {
    pipeline(vec![sb.unpack(venv)], Some(input.into_bytes()))
}

fn all_file_hashes(root: &Path) -> Vec<String> {
    snapshot(root).into_values().filter(|v| v.starts_with("file")).collect()
}

#[test]
fn a_malformed_requirement_line_is_exit_2_naming_file_and_line() {
    let sb = Sandbox::new();
    let server = Server::start(&fixtures(&sb));
    let venv = sb.venv("venv");
    let reqs = sb.write("requirements.txt", "# pins\nalpha==1.0\nbeta = = 2.0 !!\n");
    let run = pipeline(vec![sb.resolve(&server.url(), &venv, &[&reqs])], None);
    assert_eq!(run.codes(), [Some(2)], "{run}");
    assert!(run.stderr(0).contains("requirements.txt:3"), "{run}");
}

#[test]
fn a_pin_without_a_compatible_wheel_names_the_package_and_installs_nothing() {
    let sb = Sandbox::new();
    let mut wheels = fixtures(&sb);
    let gamma = WheelBuilder::new("gamma", "1.0").tag("cp27-cp27mu-manylinux1_x86_64").file("gamma.py", "");
    wheels.push(gamma.build(&sb.path().join("wheels")));
    let server = Server::start(&wheels);
    let venv = sb.venv("venv");
    let before = snapshot(&venv.root);
    let reqs = sb.write("requirements.txt", "alpha==1.0\nbeta==2.0\ngamma==1.0\n");
    let run = pipeline(vec![sb.resolve(&server.url(), &venv, &[&reqs]), sb.fetch(), sb.unpack(&venv)], None);
    assert_ne!(run.codes()[0], Some(0), "{run}");
    assert!(run.stderr(0).contains("gamma"), "{run}");
    assert_ne!(run.codes()[2], Some(0), "unpack must fail when resolve did: {run}");
    assert_same_tree(&before, &snapshot(&venv.root), "the venv");
}

#[test]
fn a_wrong_advertised_hash_fails_the_fetch_and_stores_nothing() {
    let sb = Sandbox::new();
    let wheels = fixtures(&sb);
    let server = Server::start(&wheels);
    let beta_name = beta().filename();
    server.faults().wrong_hash_for(&beta_name);
    let venv = sb.venv("venv");
    let before = snapshot(&venv.root);
    let reqs = sb.write("requirements.txt", "alpha==1.0\nbeta==2.0\n");
    let run = pipeline(vec![sb.resolve(&server.url(), &venv, &[&reqs]), sb.fetch(), sb.unpack(&venv)], None);

    assert_eq!(run.codes()[1], Some(1), "{run}");
    let err = run.stderr(1);
    let real = wheelpipe::hash::sha256_hex(&std::fs::read(&wheels[1]).unwrap());
    let advertised = wheelpipe::hash::sha256_hex(b"this is not the wheel");
    assert!(err.contains(&server.file_url(&beta_name)), "names the URL: {run}");
    assert!(err.contains(&real) && err.contains(&advertised), "names both hashes: {run}");
    assert_ne!(run.codes()[2], Some(0), "{run}");
    assert_same_tree(&before, &snapshot(&venv.root), "the venv");
    let cached = all_file_hashes(&sb.cache());
    assert!(!cached.iter().any(|v| v.ends_with(&real)), "the bad wheel is not in the cache: {cached:#?}");
    assert!(find_named(&sb.cache(), &beta_name).is_empty(), "no file named {beta_name} in the cache");
}

#[test]
fn a_malformed_json_line_is_exit_2_with_its_line_number() {
    let sb = Sandbox::new();
    let wheels = fixtures(&sb);
    let venv = sb.venv("venv");
    let before = snapshot(&venv.root);
    let good = Record::Artifact(artifact_for(&wheels[0])).to_line();
    let input = format!("{good}\n{{\"type\": \"artifact\", \"name\": \n{}\n", end(true));
    let run = unpack_with(&sb, &venv, input);
    assert_eq!(run.codes(), [Some(2)], "{run}");
    assert!(run.stderr(0).contains("stdin:2"), "{run}");
    assert_same_tree(&before, &snapshot(&venv.root), "the venv");
}

fn end(ok: bool) -> String {
    Record::End(End::new("wheel-fetch", ok, 2)).to_line()
}

#[test]
fn an_input_without_end_installs_nothing() {
    let sb = Sandbox::new();
    let wheels = fixtures(&sb);
    let venv = sb.venv("venv");
    let before = snapshot(&venv.root);
    let stream = fetched_stream(&wheels);
    let truncated: String = stream.lines().take(2).map(|l| format!("{l}\n")).collect();
    let run = unpack_with(&sb, &venv, truncated);
    assert_ne!(run.codes(), [Some(0)], "{run}");
    assert!(
        matches!(run.records().last(), Some(Record::End(e)) if !e.ok),
        "unpack's own end says ok: false: {run}"
    );
    assert_same_tree(&before, &snapshot(&venv.root), "the venv");
}

#[test]
fn an_upstream_failure_installs_nothing() {
    let sb = Sandbox::new();
    let wheels = fixtures(&sb);
    let venv = sb.venv("venv");
    let before = snapshot(&venv.root);
    let stream = fetched_stream(&wheels).replace("\"ok\":true", "\"ok\":false");
    let run = unpack_with(&sb, &venv, stream);
    assert_eq!(run.codes(), [Some(1)], "{run}");
    assert_same_tree(&before, &snapshot(&venv.root), "the venv");
}

/// Without a sha256 from the index or a lock to vouch for it (the record
/// has none), a wheel whose RECORD does not match its files is refused;
/// `tests/unpack_agree.rs` installs one the index vouches for.
#[test]
fn a_wheel_whose_record_hashes_lie_is_refused() {
    let sb = Sandbox::new();
    let mut wheels = fixtures(&sb);
    wheels.push(
        WheelBuilder::new("delta", "1.0")
            .file("delta/__init__.py", "")
            .corrupt_record()
            .build(&sb.path().join("bad")),
    );
    let venv = sb.venv("venv");
    let before = snapshot(&venv.root);
    let mut stream = String::new();
    for w in &wheels {
        let mut artifact = artifact_for(w);
        artifact.hashes.clear();
        stream.push_str(&format!("{}\n", Record::Artifact(artifact).to_line()));
    }
    stream.push_str(&format!(
        "{}\n",
        Record::End(End::new("wheel-fetch", true, wheels.len() as u64)).to_line()
    ));
    let run = unpack_with(&sb, &venv, stream);
    assert_eq!(run.codes(), [Some(1)], "{run}");
    assert!(run.stderr(0).contains("delta") && run.stderr(0).contains("RECORD"), "{run}");
    assert!(run.stderr(0).contains("--no-verify-record"), "{run}");
    assert_same_tree(&before, &snapshot(&venv.root), "the venv");
}

/// Two wheels writing one path differently install with a warning (see
/// `tests/unpack_agree.rs`); `--no-overwrite` refuses them.
#[test]
fn two_wheels_writing_one_path_are_refused_with_no_overwrite() {
    let sb = Sandbox::new();
    let mut wheels = fixtures(&sb);
    let fork = WheelBuilder::new("alpha-fork", "1.0").file("alpha/__init__.py", "VALUE = 'fork'\n");
    wheels.push(fork.build(&sb.path().join("fork")));
    let venv = sb.venv("venv");
    let before = snapshot(&venv.root);
    let mut unpack = sb.unpack(&venv);
    unpack.arg("--no-overwrite");
    let run = pipeline(vec![unpack], Some(fetched_stream(&wheels).into_bytes()));
    assert_ne!(run.codes(), [Some(0)], "{run}");
    let err = run.stderr(0);
    assert!(err.contains("alpha_fork-1.0") && err.contains("alpha-1.0"), "names both wheels: {run}");
    assert!(err.contains("__init__.py"), "names the path: {run}");
    assert_same_tree(&before, &snapshot(&venv.root), "the venv");
}

/// Each hostile wheel, alone beside good ones, must be refused with nothing
/// written anywhere: entries climbing out with `..`, an absolute entry, a
/// `.data` path climbing out of its scheme, a console script named `../x`.
#[test]
fn wheels_with_escaping_paths_are_rejected_and_write_nothing() {
    let sb = Sandbox::new();
    let outside = sb.path().join("escaped.py");
    let base = || WheelBuilder::new("evil", "1.0").file("evil/__init__.py", "def main():\n    pass\n");
    let hostile = [
        ("a ../ entry", base().raw_entry("../escaped.py", "print('escaped')\n")),
        ("a deep ../ entry", base().raw_entry("evil/../../../../../escaped.py", "print('escaped')\n")),
        ("an absolute entry", base().raw_entry(outside.to_str().unwrap(), "print('escaped')\n")),
        ("a .data path out of its scheme", base().data_file("scripts/../../../../escaped.py", "x = 1\n")),
        ("a console script named ../", base().console_script("../../escaped.py", "evil:main")),
    ];
    let good = fixtures(&sb);
    for (i, (what, builder)) in hostile.into_iter().enumerate() {
        let mut wheels = good.clone();
        wheels.push(builder.build(&sb.path().join(format!("evil{i}"))));
        let venv = sb.venv(&format!("venv{i}"));
        let before = snapshot(&venv.root);
        let run = unpack_with(&sb, &venv, fetched_stream(&wheels));
        assert_ne!(run.codes(), [Some(0)], "{what} must be refused: {run}");
        assert!(run.stderr(0).contains("evil"), "the error names the wheel: {run}");
        assert_same_tree(&before, &snapshot(&venv.root), &format!("the venv after {what}"));
        assert_eq!(find_named(sb.path(), "escaped.py"), Vec::<std::path::PathBuf>::new(), "{what}");
    }
}

#[test]
fn an_unreachable_index_fails_fast_with_a_clear_error() {
    let mut sb = Sandbox::new();
    sb.set_env("PIP_RETRIES", "0");
    // A retry despite PIP_RETRIES=0 would wait longer than the harness
    // lets a run last: the run ending at all shows it did not retry.
    sb.set_env("WHEELPIPE_RETRY_BACKOFF_MS", "600000");
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let venv = sb.venv("venv");
    let before = snapshot(&venv.root);
    let reqs = sb.write("requirements.txt", "alpha==1.0\n");
    let url = format!("http://127.0.0.1:{port}/simple");
    let run = pipeline(vec![sb.resolve(&url, &venv, &[&reqs]), sb.fetch(), sb.unpack(&venv)], None);
    assert_ne!(run.codes()[0], Some(0), "{run}");
    assert!(run.stderr(0).contains(&format!("127.0.0.1:{port}")), "names the index: {run}");
    assert!(run.stderr(0).contains("wheel-resolve: error:"), "{run}");
    assert_ne!(run.codes()[2], Some(0), "{run}");
    assert_same_tree(&before, &snapshot(&venv.root), "the venv");
}

#[test]
fn a_stage_without_arguments_on_a_terminal_stdin_is_a_usage_error() {
    // Nobody types records: with no argument and a terminal for stdin, each
    // stage says what it wants at once instead of waiting (the venv stays
    // untouched).
    let sb = Sandbox::new();
    let venv = sb.venv("venv");
    let before = snapshot(&venv.root);
    for (mut stage, what) in [(sb.fetch(), "URL"), (sb.meta(), "WHEEL"), (sb.unpack(&venv), "WHEEL")] {
        let pty = nix::pty::openpty(None, None).unwrap();
        let mut child = stage
            .stdin(std::fs::File::from(pty.slave))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // A stage that read the terminal anyway would wait for ever.
        let start = Instant::now();
        while child.try_wait().unwrap().is_none() && start.elapsed() < Duration::from_secs(30) {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stage:?}: {stderr}");
        assert!(stderr.contains(&format!("no {what} given and stdin is a terminal")), "{stage:?}: {stderr}");
    }
    assert_eq!(snapshot(&venv.root), before);
}

#[test]
fn a_json_array_line_is_exit_2_in_every_stage_like_any_malformed_line() {
    let sb = Sandbox::new();
    let venv = sb.venv("venv");
    let input = format!("[{}]\n{}\n", end(true), end(true));
    for stage in [sb.fetch(), sb.meta(), sb.unpack(&venv)] {
        let run = pipeline(vec![stage], Some(input.clone().into_bytes()));
        assert_eq!(run.codes(), [Some(2)], "{run}");
        assert!(run.stderr(0).contains("stdin:1: a record must be a JSON object"), "{run}");
    }
}
