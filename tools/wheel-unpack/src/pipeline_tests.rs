//! Tests of the input side: what a stream of records or plain paths stages,
//! which record passes through, and which inputs stop the run.

use std::path::{Path, PathBuf};

use wheelpipe::exit::{code_for, Exit};

use super::*;
use crate::staging::tests::{build, scheme};

struct Outcome {
    result: Result<Vec<Staged>>,
    stdout: String,
}

/// Stages `input` (lines) into a fresh venv folder under `dir`.
fn feed(dir: &Path, input: String) -> Outcome {
    let venv = dir.join("venv");
    let staging = venv.join(".wheelpipe-staging-1");
    std::fs::create_dir_all(&staging).unwrap();
    let mut out = Writer::new(Vec::new());
    let source = Source::Stdin(Box::new(io_cursor(input)));
    let opts = crate::staging::tests::opts(dir, true);
    let keep = Keep::read(&scheme(&venv), crate::keep::Reinstall::default()).unwrap();
    let plan = Plan { staging: &|| Ok(staging.clone()), keep: &keep, src: None };
    let result = stage_all(&scheme(&venv), plan, 2, source, &opts, &mut out, &|_| {}).map(|set| set.staged);
    Outcome { result, stdout: String::from_utf8(out.into_inner()).unwrap() }
}

fn io_cursor(input: String) -> std::io::Cursor<Vec<u8>> {
    std::io::Cursor::new(input.into_bytes())
}

fn wheel(dir: &Path) -> PathBuf {
    build(dir, &[("demo/__init__.py", b"", 0o644)], |r| r)
}

fn artifact(path: Option<&Path>, requested: bool) -> String {
    let path = path.map(|p| format!(",\"path\":{:?}", p.display().to_string())).unwrap_or_default();
    format!(
        "{{\"type\":\"artifact\",\"name\":\"demo\",\"version\":\"1.0\",\"filename\":\"demo-1.0-py3-none-any.whl\",\
         \"url\":\"http://127.0.0.1/demo.whl\",\"requested\":{requested}{path}}}\n"
    )
}

const END_OK: &str = "{\"type\":\"end\",\"tool\":\"wheel-fetch\",\"ok\":true,\"count\":1}\n";

fn message(o: &Outcome) -> String {
    format!("{:#}", o.result.as_ref().expect_err("the run must fail"))
}

#[test]
fn records_stage_and_others_pass_through_verbatim() {
    let tmp = tempfile::tempdir().unwrap();
    let w = wheel(tmp.path());
    let note = "{\"type\":\"x-note\",  \"keep\": [1, 2]}";
    let o = feed(tmp.path(), format!("{note}\n{}{END_OK}", artifact(Some(&w), false)));
    let staged = o.result.unwrap();
    assert_eq!(staged.len(), 1);
    assert_eq!(o.stdout, format!("{note}\n"), "only the unknown record, byte for byte; the end is consumed");
    let requested = staged[0].files.iter().any(|f| f.dest.ends_with("REQUESTED"));
    assert!(!requested, "a dependency gets no REQUESTED");
}

#[test]
fn plain_paths_need_no_end_and_are_requested() {
    let tmp = tempfile::tempdir().unwrap();
    let w = wheel(tmp.path());
    let staged = feed(tmp.path(), format!("{}\n", w.display())).result.unwrap();
    assert!(staged[0].files.iter().any(|f| f.dest.ends_with("REQUESTED")));
}

#[test]
fn a_record_stream_without_a_good_end_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let w = wheel(tmp.path());
    let o = feed(tmp.path(), artifact(Some(&w), true));
    assert!(message(&o).contains("without an `end`"), "{}", message(&o));
    assert_eq!(code_for(o.result.as_ref().unwrap_err()), Exit::Failed);
    let bad_end = END_OK.replace("true", "false");
    // A second run gets its own venv: the first one's staging is the caller's to remove.
    let o = feed(&tmp.path().join("second"), format!("{}{bad_end}", artifact(Some(&w), true)));
    assert!(message(&o).contains("wheel-fetch reported a failure"), "{}", message(&o));
}

#[test]
fn an_artifact_without_path_asks_for_wheel_fetch() {
    let tmp = tempfile::tempdir().unwrap();
    let o = feed(tmp.path(), format!("{}{END_OK}", artifact(None, true)));
    let m = message(&o);
    assert!(m.contains("demo") && m.contains("run wheel-fetch before wheel-unpack"), "{m}");
    assert_eq!(code_for(o.result.as_ref().unwrap_err()), Exit::Usage);
}

#[test]
fn a_malformed_line_names_its_number() {
    let tmp = tempfile::tempdir().unwrap();
    let w = wheel(tmp.path());
    let o = feed(tmp.path(), format!("{}{{\"type\": oops\n{END_OK}", artifact(Some(&w), true)));
    assert!(message(&o).starts_with("stdin:2: "), "{}", message(&o));
    assert_eq!(code_for(o.result.as_ref().unwrap_err()), Exit::Usage);
}

#[test]
fn a_bad_wheel_fails_the_whole_run() {
    let tmp = tempfile::tempdir().unwrap();
    let w = wheel(tmp.path());
    let missing = tmp.path().join("gone-1.0-py3-none-any.whl");
    let o = feed(tmp.path(), format!("{}\n{}\n", w.display(), missing.display()));
    assert!(message(&o).contains("gone-1.0-py3-none-any.whl"), "{}", message(&o));
}
