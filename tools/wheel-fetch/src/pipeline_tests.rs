//! Tests of the whole run, in process: records in, records out, exit code.

use std::time::Duration;

use wheelpipe::exit::{code_for, Exit};
use wheelpipe::hash::sha256_hex;
use wheelpipe::http::{Client, HttpOptions};
use wheelpipe::progress::{Role, StageProgress};
use wheelpipe::records::{End, Line};

use super::*;
use wheelpipe::test_server::{Response, Server};

const BODY: &[u8] = b"wheel bytes";

fn settings(cache: &std::path::Path, dest: Option<PathBuf>, jobs: usize) -> Settings {
    let options = HttpOptions {
        cert: None,
        timeout: Duration::from_secs(5),
        retries: 0,
        backoff: Duration::from_millis(1),
        ..HttpOptions::default()
    };
    Settings {
        jobs,
        cache: Cache::at(cache.to_path_buf()).unwrap(),
        dest,
        http: Client::new(options).unwrap(),
        board: Some(wheelpipe::fetch::Board::new(1 << 20)),
        progress: StageProgress::new(TOOL, Role::Silent).handle(),
        announce: false,
    }
}

fn artifact_line(url: &str, filename: &str, sha256: &str) -> String {
    format!(
        r#"{{"type":"artifact","name":"demo","version":"1.0","filename":"{filename}","url":"{url}","hashes":{{"sha256":"{sha256}"}},"requested":true}}"#
    )
}

/// Runs with `input` on stdin; returns the exit (or error) and the lines written.
fn run_stdin(settings: Settings, input: String) -> (Result<Exit>, Vec<String>) {
    let mut out = Writer::new(Vec::new());
    let result = run(settings, Source::Stdin(Box::new(std::io::Cursor::new(input))), &mut out);
    let text = String::from_utf8(out.into_inner()).unwrap();
    (result, text.lines().map(str::to_owned).collect())
}

fn end_of(lines: &[String]) -> End {
    match wheelpipe::stream::parse_line(lines.last().unwrap()).unwrap() {
        Line::Known(Record::End(end)) => end,
        other => panic!("the last line is not an end record: {other:?}"),
    }
}

#[test]
fn records_are_enriched_others_pass_through_and_failures_are_counted() {
    let server = Server::scripted();
    let good = server.route("/good-1.0-py3-none-any.whl", vec![Response::ok(BODY)]);
    let bad = server.route("/bad-1.0-py3-none-any.whl", vec![Response::ok(b"tampered")]);
    let dir = tempfile::tempdir().unwrap();
    let progress = r#"{"type":"progress","tool":"wheel-resolve","done":1,"future_field":[1]}"#;
    let unknown = r#"{"type":"someday","x":1}"#;
    let input = [
        progress.to_string(),
        artifact_line(&good, "good-1.0-py3-none-any.whl", &sha256_hex(BODY)),
        unknown.to_string(),
        artifact_line(&bad, "bad-1.0-py3-none-any.whl", &sha256_hex(BODY)),
        r#"{"type":"end","tool":"wheel-resolve","ok":true,"count":2}"#.to_string(),
    ]
    .join("\n");
    // In the middle of a pipeline: upstream progress passes, ours is added.
    let forward = Settings {
        progress: StageProgress::new(TOOL, Role::Forward).handle(),
        announce: false,
        ..settings(dir.path(), None, 2)
    };
    let (result, mut lines) = run_stdin(forward, input);
    assert_eq!(result.unwrap(), Exit::Failed);
    let ours: Vec<String> =
        lines.iter().filter(|l| l.contains(r#""tool":"wheel-fetch","done""#)).cloned().collect();
    let last: wheelpipe::records::Progress = serde_json::from_str(ours.last().unwrap()).unwrap();
    // A stage that failed sends its last counts without `finished`:
    // downstream, its line is not drawn as complete.
    assert!(!last.finished && last.done == 1 && last.total == Some(2), "{last:?}");
    assert_eq!(last.bytes_done, (BODY.len() + b"tampered".len()) as u64, "every byte received: {last:?}");
    assert_eq!(&lines[lines.len() - 2], ours.last().unwrap(), "the last progress comes just before end");
    lines.retain(|l| !ours.contains(l));
    assert_eq!(lines.len(), 4, "{lines:#?}");
    assert!(lines.contains(&progress.to_string()) && lines.contains(&unknown.to_string()), "{lines:#?}");
    let fetched: Vec<Artifact> = lines
        .iter()
        .filter_map(|l| match wheelpipe::stream::parse_line(l).unwrap() {
            Line::Known(Record::Artifact(a)) => Some(a),
            _ => None,
        })
        .collect();
    assert_eq!(fetched.len(), 1);
    let path = fetched[0].path.as_ref().unwrap();
    assert!(path.is_absolute() && path.ends_with("good-1.0-py3-none-any.whl"), "{path:?}");
    assert_eq!(std::fs::read(path).unwrap(), BODY);
    assert_eq!(end_of(&lines), End::new(TOOL, false, 1));
}

#[test]
fn the_last_stage_writes_no_progress_and_drops_upstream_progress() {
    let server = Server::scripted();
    let url = server.route("/good-1.0-py3-none-any.whl", vec![Response::ok(BODY)]);
    let dir = tempfile::tempdir().unwrap();
    let input = [
        r#"{"type":"progress","tool":"wheel-resolve","done":1}"#.to_string(),
        artifact_line(&url, "good-1.0-py3-none-any.whl", &sha256_hex(BODY)),
        r#"{"type":"end","tool":"wheel-resolve","ok":true,"count":1}"#.to_string(),
    ]
    .join("\n");
    let (result, lines) = run_stdin(settings(dir.path(), None, 1), input);
    assert_eq!(result.unwrap(), Exit::Ok);
    assert_eq!(lines.len(), 2, "one artifact and the end: {lines:#?}");
    assert!(!lines.iter().any(|l| l.contains("progress")), "{lines:#?}");
}

#[test]
fn input_without_end_fails_after_fetching() {
    let server = Server::scripted();
    let url = server.route("/good-1.0-py3-none-any.whl", vec![Response::ok(BODY)]);
    let dir = tempfile::tempdir().unwrap();
    let input = artifact_line(&url, "good-1.0-py3-none-any.whl", &sha256_hex(BODY));
    let (result, lines) = run_stdin(settings(dir.path(), None, 1), input);
    assert_eq!(result.unwrap(), Exit::Failed);
    assert_eq!(lines.len(), 2);
    assert_eq!(end_of(&lines), End::new(TOOL, false, 1));
}

#[test]
fn malformed_line_is_a_usage_error_after_an_end_saying_so() {
    let dir = tempfile::tempdir().unwrap();
    let input = "{\"type\":\"progress\",\"tool\":\"x\",\"done\":0}\n{oops\n".to_string();
    let (result, lines) = run_stdin(settings(dir.path(), None, 1), input);
    let err = result.unwrap_err();
    assert_eq!(code_for(&err), Exit::Usage);
    assert!(err.to_string().starts_with("stdin:2: not valid JSON"), "{err}");
    assert_eq!(end_of(&lines), End::new(TOOL, false, 0));
}

#[test]
fn plain_urls_with_a_hash_fragment_fill_dest_serially() {
    let server = Server::scripted();
    let a = server.route("/a-1.0-py3-none-any.whl", vec![Response::ok(b"aaa")]);
    let b = server.route("/b-2.0-py3-none-any.whl", vec![Response::ok(b"bbb")]);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("dest");
    std::fs::create_dir(&dest).unwrap();
    let urls = vec![format!("{a}#sha256={}", sha256_hex(b"aaa")), b];
    let mut out = Writer::new(Vec::new());
    let exit = run(settings(&dir.path().join("cache"), Some(dest.clone()), 1), Source::Args(urls), &mut out);
    assert_eq!(exit.unwrap(), Exit::Ok);
    let lines: Vec<String> =
        String::from_utf8(out.into_inner()).unwrap().lines().map(str::to_owned).collect();
    assert_eq!(end_of(&lines), End::new(TOOL, true, 2));
    assert_eq!(std::fs::read(dest.join("a-1.0-py3-none-any.whl")).unwrap(), b"aaa");
    assert_eq!(std::fs::read(dest.join("b-2.0-py3-none-any.whl")).unwrap(), b"bbb");
    assert!(lines[..2].iter().any(|l| l.contains(&sha256_hex(b"bbb"))), "the computed hash is recorded");
}

#[test]
fn a_cached_file_counts_all_its_bytes_at_once() {
    let server = Server::scripted();
    let url = server.route("/good-1.0-py3-none-any.whl", vec![Response::ok(BODY)]);
    let dir = tempfile::tempdir().unwrap();
    let input = format!(
        "{}\n{{\"type\":\"end\",\"tool\":\"x\",\"ok\":true,\"count\":1}}\n",
        artifact_line(&url, "good-1.0-py3-none-any.whl", &sha256_hex(BODY))
    );
    for _ in 0..2 {
        let forward = Settings {
            progress: StageProgress::new(TOOL, Role::Forward).handle(),
            announce: false,
            ..settings(dir.path(), None, 1)
        };
        let (result, lines) = run_stdin(forward, input.clone());
        assert_eq!(result.unwrap(), Exit::Ok);
        let last: wheelpipe::records::Progress = serde_json::from_str(&lines[lines.len() - 2]).unwrap();
        assert!(last.finished && last.done == 1, "{last:?}");
        assert_eq!(last.bytes_done, BODY.len() as u64, "{last:?}");
    }
    assert_eq!(server.hits("/good-1.0-py3-none-any.whl"), 1, "the second run used the cache");
}
