//! A stage's input, read on a thread of its own (so a run can stop on a
//! signal while a read blocks) and sorted into what every stage tells apart:
//! `artifact` records, plain words, records to pass through, and how the
//! input ended, judged once, here, by the rules of PROTOCOL.md.

use std::io::BufRead;
use std::thread;

use crossbeam_channel::Receiver;

use crate::records::{Artifact, Line, Record};
use crate::stream::{Input, ProtocolError, Reader, Upstream};

/// One item of a stage's input.
#[derive(Debug)]
pub enum StageInput {
    /// An `artifact` record; `text` is the line as it came, for stages that
    /// pass it on unchanged.
    Artifact { line: usize, artifact: Box<Artifact>, text: String },
    /// A plain word: a URL or a path typed by a person or listed by `ls`.
    Plain { line: usize, word: String },
    /// A record the stage does not own, as it came, to write out unchanged.
    Pass(String),
    /// A line that cannot be read as the protocol: the last item.
    Bad(ProtocolError),
    /// The input ended; the last item. `Some(why)` when it held records and
    /// did not end with a good `end` record: the stage before failed.
    /// Plain words alone need no `end`.
    Done(Option<String>),
}

/// Reads `input` (named `stdin` in errors) on its own thread; `tool` names
/// the reading stage in warnings.
pub fn spawn(tool: &'static str, input: Box<dyn BufRead + Send>) -> Receiver<StageInput> {
    let (tx, rx) = crossbeam_channel::bounded(256);
    thread::spawn(move || {
        let mut reader = Reader::new(input, "stdin");
        let mut upstream = Upstream::Open;
        let mut saw_record = false;
        while let Some(next) = reader.next_input() {
            let line = reader.line_number();
            let item = match next {
                Err(err) => {
                    let _ = tx.send(StageInput::Bad(err));
                    return;
                }
                Ok(Input::Plain(word)) => StageInput::Plain { line, word },
                Ok(Input::Line(record)) => {
                    saw_record = true;
                    match record {
                        Line::Known(Record::Artifact(artifact)) => StageInput::Artifact {
                            line,
                            artifact: Box::new(artifact),
                            text: reader.text().to_string(),
                        },
                        Line::Known(Record::End(end)) => {
                            upstream = Upstream::ended(tool, end);
                            continue;
                        }
                        _ => StageInput::Pass(reader.text().to_string()),
                    }
                }
            };
            if tx.send(item).is_err() {
                return;
            }
        }
        let verdict = if saw_record { upstream.failure() } else { None };
        let _ = tx.send(StageInput::Done(verdict));
    });
    rx
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(text: &str) -> Vec<StageInput> {
        spawn("test", Box::new(std::io::Cursor::new(text.as_bytes().to_vec()))).iter().collect()
    }

    const ARTIFACT: &str = r#"{"type":"artifact","name":"a","version":"1","filename":"a-1-py3-none-any.whl","url":"http://127.0.0.1/a","extra":1}"#;
    const END_OK: &str = r#"{"type":"end","tool":"up","ok":true,"count":1}"#;

    #[test]
    fn plain_words_need_no_end() {
        let got = items("http://127.0.0.1/a.whl\n");
        assert!(matches!(&got[0], StageInput::Plain { line: 1, word } if word == "http://127.0.0.1/a.whl"));
        assert!(matches!(got[1], StageInput::Done(None)));
    }

    #[test]
    fn records_without_end_fail_and_artifacts_keep_their_text() {
        let got = items(&format!("{ARTIFACT}\n"));
        assert!(matches!(&got[0], StageInput::Artifact { line: 1, text, .. } if text == ARTIFACT));
        assert!(matches!(&got[1], StageInput::Done(Some(why)) if why.contains("without an `end`")));
    }

    #[test]
    fn a_good_end_is_consumed_and_others_pass() {
        let other = r#"{"type":"future","x":[1]}"#;
        let got = items(&format!("{other}\n{ARTIFACT}\n{END_OK}\n"));
        assert!(matches!(&got[0], StageInput::Pass(t) if t == other));
        assert!(matches!(got[1], StageInput::Artifact { line: 2, .. }));
        assert!(matches!(got[2], StageInput::Done(None)));
        assert_eq!(got.len(), 3);
    }

    #[test]
    fn a_failed_end_or_a_bad_line_stops() {
        let got = items(&format!("{ARTIFACT}\n{}\n", END_OK.replace("true", "false")));
        assert!(matches!(&got[1], StageInput::Done(Some(why)) if why.contains("up reported a failure")));
        let got = items("{oops\nhttp://127.0.0.1/a.whl\n");
        assert!(matches!(&got[0], StageInput::Bad(e) if e.line == 1));
        assert_eq!(got.len(), 1);
    }
}
