//! The pipe protocol as the real binaries speak it: records a stage does not
//! own pass through byte for byte, the upstream `end` is replaced by the
//! stage's own, plain paths and URLs work as input, a closed downstream pipe
//! ends a stage quietly, and the index options
//! (`--extra-index-url`, `--find-links`/`--no-index`, an HTML-only index)
//! feed the same pipeline.

mod support;

use std::fs;

use support::*;
use wheelpipe::records::Record;

const NOTE: &str = r#"{"type":"x-note","text":"from upstream","n":[1,2]}"#;

fn end_of(run: &Run) -> wheelpipe::records::End {
    match run.records_lenient().last() {
        Some(Record::End(e)) => e.clone(),
        other => panic!("the stream must end with an end record, not {other:?}\n{run}"),
    }
}

#[test]
fn unknown_records_pass_through_fetch_and_unpack_unchanged() {
    let sb = Sandbox::new();
    let wheels = alpha_beta(&sb.path().join("wheels"));
    let server = Server::start(&wheels);
    let stream = fetched_stream(&wheels).replace("http://127.0.0.1:9", server.base());
    let input = format!("{NOTE}\n{stream}");

    let fetched = pipeline(vec![sb.fetch()], Some(input.clone().into_bytes()));
    fetched.assert_success();
    assert!(fetched.stdout.lines().any(|l| l == NOTE), "fetch passes the note on: {fetched}");
    let e = end_of(&fetched);
    assert!(e.ok && e.tool == "wheel-fetch", "{fetched}");
    assert_eq!(fetched.stdout.matches("\"type\":\"end\"").count(), 1, "one end: {fetched}");

    let venv = sb.venv("venv");
    let unpacked = pipeline(vec![sb.unpack(&venv)], Some(input.into_bytes()));
    unpacked.assert_success();
    assert!(unpacked.stdout.lines().any(|l| l == NOTE), "unpack passes the note on: {unpacked}");
    let e = end_of(&unpacked);
    assert!(e.ok && e.tool == "wheel-unpack" && e.count == 2, "{unpacked}");
}

#[test]
fn wheel_unpack_takes_wheel_paths_as_arguments() {
    let sb = Sandbox::new();
    let wheels = alpha_beta(&sb.path().join("wheels"));
    let venv = sb.venv("venv");
    let mut cmd = sb.unpack(&venv);
    cmd.args(&wheels);
    let run = pipeline(vec![cmd], None);
    run.assert_success();
    assert_eq!(venv.dists(&sb).len(), 2, "{run}");
}

#[test]
fn wheel_unpack_takes_plain_path_lines_without_an_end() {
    let sb = Sandbox::new();
    let wheels = alpha_beta(&sb.path().join("wheels"));
    let venv = sb.venv("venv");
    let lines: String = wheels.iter().map(|w| format!("{}\n", w.display())).collect();
    let run = pipeline(vec![sb.unpack(&venv)], Some(lines.into_bytes()));
    run.assert_success();
    assert_eq!(venv.dists(&sb).len(), 2, "{run}");
}

#[test]
fn plain_url_lines_need_no_end_in_fetch_and_install() {
    // `cat urls.txt | wheel-fetch | wheel-unpack`: plain input carries no
    // `end` record, and wheel-fetch's own `end` lets wheel-unpack commit.
    let sb = Sandbox::new();
    let wheels = alpha_beta(&sb.path().join("wheels"));
    let server = Server::start(&wheels);
    let venv = sb.venv("venv");
    let lines =
        format!("{}\n{}\n", server.file_url(&alpha().filename()), server.file_url(&beta().filename()));
    let run = pipeline(vec![sb.fetch(), sb.unpack(&venv)], Some(lines.into_bytes()));
    run.assert_success();
    assert!(end_of(&run).ok, "{run}");
    assert_eq!(venv.dists(&sb).len(), 2, "{run}");
}

#[test]
fn wheel_fetch_takes_plain_urls_and_fills_a_dest_folder() {
    let sb = Sandbox::new();
    let wheels = alpha_beta(&sb.path().join("wheels"));
    let server = Server::start(&wheels);
    let dest = sb.path().join("dest");
    let mut cmd = sb.fetch();
    cmd.arg("--dest").arg(&dest);
    cmd.arg(server.file_url(&alpha().filename())).arg(server.file_url(&beta().filename()));
    let run = pipeline(vec![cmd], None);
    run.assert_success();
    let mut paths = Vec::new();
    for r in run.records() {
        if let Record::Artifact(a) = r {
            let path = a.path.clone().expect("a fetched artifact has a path");
            assert_eq!(
                fs::read(&path).unwrap(),
                fs::read(sb.path().join("wheels").join(&a.filename)).unwrap()
            );
            assert_eq!(a.sha256(), Some(wheelpipe::hash::sha256_hex(&fs::read(&path).unwrap()).as_str()));
            paths.push(a.filename);
        }
    }
    paths.sort();
    assert_eq!(paths, [alpha().filename(), beta().filename()], "{run}");
    for w in &wheels {
        let name = w.file_name().unwrap();
        assert_eq!(fs::read(dest.join(name)).unwrap(), fs::read(w).unwrap(), "{name:?} in --dest");
    }
}

fn resolve_install(sb: &Sandbox, resolve: std::process::Command, venv: &Venv) -> Run {
    let run = pipeline(vec![resolve, sb.fetch(), sb.unpack(venv)], None);
    run.assert_success();
    let list = venv.dists(sb);
    assert_eq!(list.get("alpha").map(String::as_str), Some("1.0"), "{run}");
    assert_eq!(list.get("beta").map(String::as_str), Some("2.0"), "{run}");
    run
}

#[test]
fn an_extra_index_supplies_what_the_first_lacks() {
    let sb = Sandbox::new();
    let dir = sb.path().join("wheels");
    let first = Server::start(&[alpha().build(&dir)]);
    let second = Server::start(&[beta().build(&dir)]);
    let venv = sb.venv("venv");
    let reqs = sb.write("requirements.txt", "alpha==1.0\nbeta==2.0\n");
    let mut resolve = sb.resolve(&first.url(), &venv, &[&reqs]);
    resolve.arg("--extra-index-url").arg(second.url());
    resolve_install(&sb, resolve, &venv);
    assert!(second.file_requests().iter().any(|e| e.path.ends_with(&beta().filename())));
}

#[test]
fn find_links_without_an_index_installs_from_a_folder() {
    let mut sb = Sandbox::new();
    sb.set_env("WHEELPIPE_RETRY_BACKOFF_MS", "10");
    let dir = sb.path().join("wheels");
    alpha_beta(&dir);
    let venv = sb.venv("venv");
    let reqs = sb.write("requirements.txt", "alpha==1.0\nbeta==2.0\n");
    let mut resolve = sb.command(env!("CARGO_BIN_EXE_wheel-resolve"));
    resolve.arg("--no-index").arg("--find-links").arg(&dir).arg("--python").arg(venv.python());
    resolve.arg("--cache-dir").arg(sb.cache()).arg(&reqs);
    resolve_install(&sb, resolve, &venv);
}

#[test]
fn an_html_only_index_works_like_a_json_one() {
    let sb = Sandbox::new();
    let server = Server::start(&alpha_beta(&sb.path().join("wheels")));
    server.faults().no_json = true;
    let venv = sb.venv("venv");
    let reqs = sb.write("requirements.txt", "alpha==1.0\nbeta==2.0\n");
    resolve_install(&sb, sb.resolve(&server.url(), &venv, &[&reqs]), &venv);
}

#[test]
fn a_closed_downstream_pipe_ends_a_stage_quietly() {
    let sb = Sandbox::new();
    let server = Server::start(&alpha_beta(&sb.path().join("wheels")));
    // The reader is gone before the stage has anything to write.
    server.faults().stall_ms = 300;
    let venv = sb.venv("venv");
    let reqs = sb.write("requirements.txt", "alpha==1.0\nbeta==2.0\n");
    let mut meta = sb.meta();
    meta.arg(server.file_url(&alpha().filename()));
    for first in [sb.resolve(&server.url(), &venv, &[&reqs]), meta] {
        let run = pipeline(vec![first, sb.command("true")], None);
        assert_eq!(run.codes(), [Some(0), Some(0)], "{run}");
        assert_eq!(run.stderr(0), "", "quietly: {run}");
    }
}
