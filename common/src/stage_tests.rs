//! The shared writer of the middle stages: records in the order the events
//! come, other records passed on, failures counted, and the `end` record by
//! the upstream's verdict and the input's health.

use crossbeam_channel::unbounded;

use super::*;
use crate::progress::{Role, StageProgress};
use crate::records::{Artifact, Line};
use crate::stream::parse_line;

/// Writes `events` as `tool-x` does with a silent display; the exit (or
/// the error), the tally and the lines written.
fn write(events: Vec<Event<String>>, from_stdin: bool) -> (Result<(Exit, Tally)>, Vec<String>) {
    let (tx, rx) = unbounded();
    events.into_iter().for_each(|e| tx.send(e).unwrap());
    drop(tx);
    let progress = StageProgress::new("tool-x", Role::Silent);
    let mut out = Writer::new(Vec::new());
    let output =
        Output { tool: "tool-x", out: &mut out, progress: &progress, own_progress: true, from_stdin };
    let result = write_events(&rx, output, |name| {
        let (filename, url) = (format!("{name}-1.0-py3-none-any.whl"), format!("http://127.0.0.1:9/{name}"));
        Record::Artifact(Artifact::new(name, "1.0".into(), filename, url))
    });
    let text = String::from_utf8(out.into_inner()).unwrap();
    (result, text.lines().map(str::to_string).collect())
}

fn end_of(lines: &[String]) -> End {
    match parse_line(lines.last().unwrap()).unwrap() {
        Line::Known(Record::End(end)) => end,
        other => panic!("the last line is no end record: {other:?}"),
    }
}

#[test]
fn results_and_passed_records_come_out_in_order_then_a_good_end() {
    let pass = r#"{"type":"note","text":"kept"}"#.to_string();
    let (a, b) = (Event::Done("a".into()), Event::Done("b".into()));
    let (result, lines) = write(vec![a, Event::Pass(pass.clone()), b, Event::InputEnded(None)], true);
    assert_eq!(result.unwrap(), (Exit::Ok, Tally { count: 2, failed: 0 }));
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(lines[0].contains(r#""name":"a""#) && lines[2].contains(r#""name":"b""#), "{lines:?}");
    assert_eq!(lines[1], pass);
    assert_eq!(end_of(&lines), End::new("tool-x", true, 2));
}

#[test]
fn a_failure_or_a_broken_upstream_ends_not_ok() {
    let events =
        vec![Event::Done("a".into()), Event::Failed(anyhow::anyhow!("x: HTTP 404")), Event::InputEnded(None)];
    let (result, lines) = write(events, true);
    assert_eq!(result.unwrap(), (Exit::Failed, Tally { count: 1, failed: 1 }));
    assert_eq!(end_of(&lines), End::new("tool-x", false, 1));

    let (result, lines) = write(vec![Event::InputEnded(Some("wheel-resolve failed".into()))], true);
    assert_eq!(result.unwrap().0, Exit::Failed);
    assert_eq!(end_of(&lines), End::new("tool-x", false, 0));

    // Arguments have no upstream to end well.
    let (result, lines) = write(vec![Event::Done("a".into())], false);
    assert_eq!(result.unwrap().0, Exit::Ok);
    assert_eq!(end_of(&lines), End::new("tool-x", true, 1));
}

#[test]
fn bad_input_is_a_usage_error_after_the_end_record() {
    let err = crate::stream::Reader::new(std::io::empty(), "stdin").error("line 3: not JSON".into());
    let (result, lines) = write(vec![Event::Done("a".into()), Event::BadInput(err)], true);
    let err = result.unwrap_err();
    assert_eq!(code_for(&err), Exit::Usage);
    assert!(err.to_string().contains("not JSON"), "{err}");
    assert_eq!(end_of(&lines), End::new("tool-x", false, 1));
}
