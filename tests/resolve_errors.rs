//! wheel-resolve's failures a user meets: the index going away in the middle
//! of a resolution, a server error that outlasts the retries, and a line
//! that is not a requirement. Each is a clear error on stderr naming what
//! failed (URL, or file and line), a non-zero exit, and a stream that says
//! so (`end` with `ok: false`) and holds no artifact.

mod resolving;
mod support;

use resolving::*;
use support::*;
use wheelpipe::records::Record;

/// The failure is told downstream: no artifact, an `end` saying not ok.
fn assert_failed_stream(run: &Run) {
    let records = run.records_lenient();
    assert!(!records.iter().any(|r| matches!(r, Record::Artifact(_))), "{run}");
    match records.last() {
        Some(Record::End(end)) => assert!(!end.ok && end.tool == "wheel-resolve", "{end:?}"),
        other => panic!("the stream must end with a failing `end`, not {other:?}\n{run}"),
    }
}

#[test]
fn an_index_that_is_down_fails_the_resolution_naming_its_url() {
    let mut case = Case::new(&[wheel("app", "1.0").requires_dist("lib"), wheel("lib", "1.0")]);
    case.sb.set_env("PIP_RETRIES", "0");
    case.server.faults().down = true;
    let run = case.resolve(&[&case.file("requirements.txt", "app\n")]);
    assert_eq!(run.codes(), [Some(1)], "{run}");
    assert!(run.stderr(0).contains(&case.server.url()), "names the index it could not read: {run}");
    assert_failed_stream(&run);
}

#[test]
fn server_errors_beyond_the_retries_fail_naming_the_url_and_status() {
    let mut case = Case::new(&[wheel("app", "1.0")]);
    case.sb.set_env("PIP_RETRIES", "1");
    case.sb.set_env("WHEELPIPE_RETRY_BACKOFF_MS", "10");
    case.server.faults().fail_next_n_with(10, 503);
    let run = case.resolve(&[&case.file("requirements.txt", "app\n")]);
    assert_eq!(run.codes(), [Some(1)], "{run}");
    assert!(run.stderr(0).contains("503"), "says what the server answered: {run}");
    assert!(run.stderr(0).contains("/app/"), "names the page: {run}");
    assert_failed_stream(&run);
}

#[test]
fn a_line_that_is_no_requirement_is_named_by_file_and_line() {
    let case = Case::new(&[wheel("app", "1.0")]);
    let reqs = case.file("requirements.txt", "app\n\n# fine\nnot a requirement!\n");
    let run = case.resolve(&[&reqs]);
    assert_eq!(run.codes(), [Some(2)], "a bad input is a usage error: {run}");
    assert!(run.stderr(0).contains("requirements.txt:4"), "file and line: {run}");
    assert!(run.stderr(0).contains("not a requirement!"), "the text: {run}");
    assert_failed_stream(&run);
    assert!(case.server.requests().is_empty(), "nothing is asked of the index for a bad file");
}

#[test]
fn an_absurdly_long_name_is_refused_before_any_request_and_shown_short() {
    let case = Case::new(&[wheel("app", "1.0")]);
    let name = "a".repeat(100_000);
    let run = case.resolve(&[&case.file("requirements.txt", &format!("{name}\n"))]);
    assert_ne!(run.codes(), [Some(0)], "{run}");
    let stderr = run.stderr(0);
    assert!(stderr.contains("not a project name"), "{stderr:.300}");
    assert!(
        stderr.len() < 2000,
        "the name is shown shortened: {} bytes of stderr: {stderr:.300}",
        stderr.len()
    );
    assert!(
        case.server.requests().iter().all(|r| !r.path.contains("aaaa")),
        "no request for it: {:?}",
        case.server.requests().iter().map(|r| r.path.len()).collect::<Vec<_>>()
    );
    assert_failed_stream(&run);
}

#[test]
fn an_html_error_page_for_an_index_page_is_named_not_taken_for_a_missing_project() {
    let case = Case::new(&[wheel("app", "1.0")]);
    case.server.faults().error_page = true;
    let run = case.resolve(&[&case.file("requirements.txt", "app\n")]);
    assert_eq!(run.codes(), [Some(1)], "{run}");
    let stderr = run.stderr(0);
    assert!(!stderr.contains("no such project"), "{run}");
    assert!(stderr.contains(&format!("{}/app/", case.server.url())), "names the page: {run}");
    assert!(stderr.contains("Service Unavailable"), "says what came back: {run}");
    assert_failed_stream(&run);
}
