//! `hint` records: with pinned requirements, wheel-resolve announces each
//! pin's wheel as soon as its page is read, and wheel-fetch downloads it
//! while the resolution goes on: the download starts before a metadata
//! answer the resolution waits for is sent, each file is downloaded once,
//! and a hint no artifact confirms leaves nothing on stdout and nothing in
//! the store. Hints go only to a pipe, and a stage without wheel-fetch
//! after it drops them.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use support::*;
use wheelpipe::records::{Artifact, End, Hint, Record};

/// The GET requests for the wheel file `filename` (not its `.metadata`).
fn downloads(server: &Server, filename: &str) -> usize {
    let path = format!("/files/{filename}");
    server.requests().iter().filter(|e| e.method == "GET" && e.path == path).count()
}

fn wheel_arrived(server: &Server, filename: &str) -> bool {
    server.arrivals().iter().any(|p| *p == format!("/files/{filename}"))
}

/// Every file under `dir`, recursively (none when it does not exist).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut found = Vec::new();
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// Only progress records and one `end`, saying `ok`, that counts nothing;
/// wheel-fetch's progress never counts a wheel or a byte (wheel-resolve's,
/// passed on when it resolves long enough to write one, counts pages).
fn assert_nothing_fetched(run: &Run, ok: bool) {
    let records = run.records();
    for record in &records {
        match record {
            Record::Progress(p) if p.tool == "wheel-fetch" => {
                assert_eq!((p.done, p.total.unwrap_or(0), p.bytes_done), (0, 0, 0), "{run}")
            }
            Record::Progress(_) => {}
            Record::End(e) => assert_eq!((e.ok, e.count), (ok, 0), "{run}"),
            other => panic!("only progress and end may come, not {other:?}\n{run}"),
        }
    }
    assert!(matches!(records.last(), Some(Record::End(_))), "{run}");
}

#[test]
fn the_pinned_wheels_download_while_a_metadata_answer_is_held() {
    let sb = Sandbox::new();
    let venv = sb.venv("venv");
    let dir = sb.path().join("wheels");
    let (alpha, beta) = (alpha(), beta());
    let server = Server::start(&[alpha.build(&dir), beta.build(&dir)]);
    let reqs = sb.write("requirements.txt", "alpha==1.0\nbeta==2.0\n");
    // The resolution cannot end before beta's metadata is answered.
    let held = format!("/files/{}.metadata", beta.filename());
    server.faults().hold.insert(held.clone());
    let running = Running::spawn(vec![sb.resolve(&server.url(), &venv, &[&reqs]), sb.fetch()], None);
    wait_until("alpha's wheel requested while beta's metadata is held", || {
        wheel_arrived(&server, &alpha.filename())
    });
    // Its answer was not sent yet: it is held until now.
    server.faults().hold.clear();
    let run = running.wait();
    run.assert_success();
    let artifacts: Vec<Artifact> = run
        .records()
        .into_iter()
        .filter_map(|r| match r {
            Record::Hint(h) => panic!("wheel-fetch passed a hint on: {h:?}"),
            Record::Artifact(a) => Some(a),
            _ => None,
        })
        .collect();
    let mut names: Vec<&str> = artifacts.iter().map(|a| a.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["alpha", "beta"], "{run}");
    for a in &artifacts {
        let bytes = std::fs::read(a.path.as_ref().expect("a path")).unwrap();
        assert_eq!(a.sha256(), Some(wheelpipe::hash::sha256_hex(&bytes).as_str()));
        assert_eq!(downloads(&server, &a.filename), 1, "{} downloaded once", a.filename);
    }
    match run.records().last() {
        Some(Record::End(e)) => assert_eq!((e.ok, e.count), (true, 2)),
        other => panic!("{other:?}"),
    }
    assert!(server.requests().iter().any(|e| e.path == held && e.status == 200), "the held answer went out");
}

#[test]
fn resolve_writes_a_hint_for_each_pin_to_a_pipe_and_none_to_a_file() {
    let sb = Sandbox::new();
    let venv = sb.venv("venv");
    let wheels = alpha_beta(&sb.path().join("wheels"));
    let server = Server::start(&wheels);
    // beta comes from alpha's dependency too, but is pinned: both are hinted.
    let reqs = sb.write("requirements.txt", "alpha==1.0\nbeta===2.0\n");
    let run = pipeline(vec![sb.resolve(&server.url(), &venv, &[&reqs])], None);
    run.assert_success();
    let records = run.records();
    let hints: Vec<&Hint> =
        records.iter().filter_map(|r| if let Record::Hint(h) = r { Some(h) } else { None }).collect();
    let artifacts: Vec<&Artifact> =
        records.iter().filter_map(|r| if let Record::Artifact(a) = r { Some(a) } else { None }).collect();
    assert_eq!(hints.len(), 2, "{run}");
    let first_artifact = records.iter().position(|r| matches!(r, Record::Artifact(_))).unwrap();
    let last_hint = records.iter().rposition(|r| matches!(r, Record::Hint(_))).unwrap();
    assert!(last_hint < first_artifact, "hints come before the artifacts\n{run}");
    for a in &artifacts {
        let hint = hints.iter().find(|h| h.url == a.url).unwrap_or_else(|| panic!("no hint for {a:?}"));
        assert_eq!(**hint, Hint::of(a), "the hint names the artifact's file");
    }
    match records.last() {
        Some(Record::End(e)) => assert_eq!(e.count, 2, "hints are not counted"),
        other => panic!("{other:?}"),
    }
    // Not a pipe: no hints, the same artifacts.
    let file = sb.path().join("out.jsonl");
    let mut resolve = sb.resolve(&server.url(), &venv, &[&reqs]);
    resolve.stdout(std::fs::File::create(&file).unwrap()).stderr(Stdio::null());
    assert!(resolve.status().unwrap().success());
    let text = std::fs::read_to_string(&file).unwrap();
    let in_file: Vec<Record> =
        parse_records(&text).into_iter().filter(|r| !matches!(r, Record::Progress(_))).collect();
    assert!(!in_file.iter().any(|r| matches!(r, Record::Hint(_))), "{text}");
    let expected: Vec<Record> =
        records.into_iter().filter(|r| !matches!(r, Record::Hint(_) | Record::Progress(_))).collect();
    assert_eq!(in_file, expected);
}

#[test]
fn a_hint_an_artifact_confirms_while_it_downloads_is_fetched_once() {
    let sb = Sandbox::new();
    let dir = sb.path().join("wheels");
    let wheel = big_wheel(&dir, "large", 512);
    let server = Server::start(std::slice::from_ref(&wheel));
    let mut artifact = artifact_for(&wheel);
    artifact.url = server.file_url(&artifact.filename);
    artifact.path = None;
    let filename = artifact.filename.clone();
    // Held: the artifact surely comes while the download waits.
    server.faults().hold.insert(format!("/files/{filename}"));
    let (running, mut stdin) = Running::spawn_with_stdin(vec![sb.fetch()]);
    writeln!(stdin, "{}", Record::Hint(Hint::of(&artifact)).to_line()).unwrap();
    wait_until("the hinted download", || wheel_arrived(&server, &filename));
    writeln!(stdin, "{}", Record::Artifact(artifact.clone()).to_line()).unwrap();
    writeln!(stdin, "{}", Record::End(End::new("wheel-resolve", true, 1)).to_line()).unwrap();
    drop(stdin);
    server.faults().hold.clear();
    let run = running.wait();
    run.assert_success();
    let out: Vec<Artifact> = run
        .records()
        .into_iter()
        .filter_map(|r| if let Record::Artifact(a) = r { Some(a) } else { None })
        .collect();
    assert_eq!(out.len(), 1, "{run}");
    assert_eq!(std::fs::read(out[0].path.as_ref().unwrap()).unwrap(), std::fs::read(&wheel).unwrap());
    assert_eq!(Artifact { path: None, ..out[0].clone() }, artifact, "the artifact as it came, with its path");
    assert_eq!(downloads(&server, &filename), 1);
}

#[test]
fn a_hint_then_end_stops_the_download_and_leaves_nothing() {
    let sb = Sandbox::new();
    let wheel = big_wheel(&sb.path().join("wheels"), "large", 4096);
    let server = Server::start(std::slice::from_ref(&wheel));
    // Slow enough that the download cannot end before the input does.
    server.faults().pace_bytes_per_sec = Some(64 * 1024);
    let mut artifact = artifact_for(&wheel);
    artifact.url = server.file_url(&artifact.filename);
    let (running, mut stdin) = Running::spawn_with_stdin(vec![sb.fetch()]);
    writeln!(stdin, "{}", Record::Hint(Hint::of(&artifact)).to_line()).unwrap();
    wait_until("the hinted download", || wheel_arrived(&server, &artifact.filename));
    writeln!(stdin, "{}", Record::End(End::new("wheel-resolve", true, 0)).to_line()).unwrap();
    drop(stdin);
    let run = running.wait();
    run.assert_success();
    assert_nothing_fetched(&run, true);
    assert_eq!(files_under(&sb.cache().join("wheels")), Vec::<PathBuf>::new());
    assert_eq!(files_under(&sb.cache().join("tmp")), Vec::<PathBuf>::new(), "no temporary file left");
}

#[test]
fn a_failed_resolution_leaves_no_hinted_wheel() {
    let sb = Sandbox::new();
    let venv = sb.venv("venv");
    let dir = sb.path().join("wheels");
    let large = WheelBuilder::new("large", "1.0")
        .file("large/data.bin", noise(4 << 20, 7))
        .requires_dist("small>=2.0");
    let small = WheelBuilder::new("small", "1.0").file("small/__init__.py", "");
    let server = Server::start(&[large.build(&dir), small.build(&dir)]);
    server.faults().pace_bytes_per_sec = Some(64 * 1024);
    // The conflict shows once large's metadata is read: held until its
    // download started. Only large is pinned: its download cannot end
    // before the resolution does (a hinted file that did is a verified
    // entry of the store like any other).
    server.faults().hold.insert(format!("/files/{}.metadata", large.filename()));
    let reqs = sb.write("requirements.txt", "large==1.0\nsmall\n");
    let running = Running::spawn(vec![sb.resolve(&server.url(), &venv, &[&reqs]), sb.fetch()], None);
    wait_until("large's hinted download", || wheel_arrived(&server, &large.filename()));
    server.faults().hold.clear();
    let run = running.wait();
    assert_eq!(run.codes(), [Some(1), Some(1)], "{run}");
    assert_nothing_fetched(&run, false);
    assert_eq!(files_under(&sb.cache().join("wheels")), Vec::<PathBuf>::new(), "{run}");
}

#[test]
fn unpack_without_fetch_drops_hints() {
    let sb = Sandbox::new();
    let venv = sb.venv("venv");
    let wheels = alpha_beta(&sb.path().join("wheels"));
    let server = Server::start(&wheels);
    let reqs = sb.write("requirements.txt", "alpha==1.0\nbeta==2.0\n");
    let hints = pipeline(vec![sb.resolve(&server.url(), &venv, &[&reqs])], None);
    assert!(hints.records().iter().any(|r| matches!(r, Record::Hint(_))), "{hints}");
    // What wheel-fetch would write after them: artifacts with paths.
    let input =
        hints.stdout.lines().filter(|l| l.contains("\"hint\"")).map(|l| format!("{l}\n")).collect::<String>()
            + &fetched_stream(&wheels);
    let run = pipeline(vec![sb.unpack(&venv)], Some(input.into_bytes()));
    run.assert_success();
    for record in run.records() {
        assert!(matches!(record, Record::Installed(_) | Record::End(_)), "{record:?}\n{run}");
    }
    assert_eq!(venv.dists(&sb).len(), 2);
}
