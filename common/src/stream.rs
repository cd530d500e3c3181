//! Reading and writing the pipe protocol: records in, one JSON line at a time
//! with line numbers for errors; records out on stdout, one flushed line each,
//! so the next stage can start on the first record.

use std::io::{self, BufRead, Write};

use crate::records::{End, Line, Record};

/// A line of input that is not a valid record.
#[derive(Debug, thiserror::Error)]
#[error("{source_name}:{line}: {message}")]
pub struct ProtocolError {
    /// `stdin` or the file name.
    pub source_name: String,
    pub line: usize,
    pub message: String,
}

/// Parses one line of the protocol. A JSON object whose `type` is known must
/// match that record's shape; any other object is kept verbatim.
pub fn parse_line(text: &str) -> Result<Line, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let Some(kind) = value.get("type").and_then(|t| t.as_str()).map(str::to_owned) else {
        return Err("a record must be a JSON object with a string field \"type\"".into());
    };
    match kind.as_str() {
        "artifact" | "hint" | "arriving" | "metadata" | "installed" | "satisfied" | "index" | "removed"
        | "progress" | "message" | "end" => serde_json::from_value(value)
            .map(Line::Known)
            .map_err(|e| format!("malformed {kind} record: {e}")),
        _ => Ok(Line::Other(text.to_string())),
    }
}

/// What a line of a stage's input turned out to be (one at a time: see
/// [`Line`] on its size).
#[derive(Debug, PartialEq)]
#[allow(clippy::large_enum_variant, reason = "as `Line`: one at a time, never held in bulk")]
pub enum Input {
    /// A protocol line (it started with `{`).
    Line(Line),
    /// A plain word (a URL or a path) typed by a person or another program.
    Plain(String),
}

/// Reads a stage's input: records, or plain words for tools that take them.
/// Blank lines are skipped; line numbers start at 1.
pub struct Reader<R> {
    inner: R,
    name: String,
    line_no: usize,
    buf: String,
}

impl<R: BufRead> Reader<R> {
    pub fn new(inner: R, name: impl Into<String>) -> Self {
        Reader { inner, name: name.into(), line_no: 0, buf: String::new() }
    }

    /// The next input, `None` at the end.
    pub fn next_input(&mut self) -> Option<Result<Input, ProtocolError>> {
        loop {
            self.buf.clear();
            self.line_no += 1;
            match self.inner.read_line(&mut self.buf) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) => return Some(Err(self.error(format!("cannot read: {e}")))),
            }
            let text = self.buf.trim();
            if text.is_empty() {
                continue;
            }
            if !text.starts_with('{') {
                // A JSON array or string is a record gone wrong, not a path.
                if text.starts_with(['[', '"']) && serde_json::from_str::<serde_json::Value>(text).is_ok() {
                    let message = "a record must be a JSON object with a string field \"type\"".to_string();
                    return Some(Err(self.error(message)));
                }
                return Some(Ok(Input::Plain(text.to_string())));
            }
            return Some(parse_line(text).map(Input::Line).map_err(|m| self.error(m)));
        }
    }

    /// The text of the line last read, trimmed: for passing a record through
    /// byte for byte, unknown fields included.
    pub fn text(&self) -> &str {
        self.buf.trim()
    }

    /// The number of the line last read.
    pub fn line_number(&self) -> usize {
        self.line_no
    }

    pub fn error(&self, message: String) -> ProtocolError {
        ProtocolError { source_name: self.name.clone(), line: self.line_no, message }
    }
}

/// How the upstream stage ended, from the `end` record it sent (or did not).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Upstream {
    /// No `end` record yet: if the input ends now, upstream died.
    #[default]
    Open,
    Ended(End),
}

impl Upstream {
    /// The upstream's `end` record, read by `tool`. A newer protocol version
    /// than this code speaks is worth a warning, not a failure (PROTOCOL.md).
    pub fn ended(tool: &str, end: End) -> Upstream {
        if end.protocol > crate::records::PROTOCOL_VERSION {
            crate::console::warn(format_args!(
                "{} speaks pipe protocol {}, this {tool} speaks {}",
                end.tool,
                end.protocol,
                crate::records::PROTOCOL_VERSION
            ));
        }
        Upstream::Ended(end)
    }

    /// An error message when the upstream did not end well, else `None`.
    pub fn failure(&self) -> Option<String> {
        match self {
            Upstream::Open => {
                Some("input ended without an `end` record: the stage before this one did not finish".into())
            }
            Upstream::Ended(end) if !end.ok => Some(format!("{} reported a failure", end.tool)),
            Upstream::Ended(_) => None,
        }
    }
}

/// Writes records to stdout, one flushed line each, from one thread. A closed
/// pipe downstream is reported as [`io::ErrorKind::BrokenPipe`] so the tool
/// can end quietly. For a person ([`Writer::for_people`]) the records a
/// summary stands for are kept for [`Writer::show_summary`] instead.
pub struct Writer<W: Write> {
    out: W,
    ended: bool,
    people: Option<crate::human::Summary>,
}

impl Writer<io::Stdout> {
    pub fn stdout() -> Self {
        Writer::new(io::stdout())
    }
}

impl<W: Write> Writer<W> {
    pub fn new(out: W) -> Self {
        Writer { out, ended: false, people: None }
    }

    /// The same writer, but for a person at a terminal: `installed`,
    /// `removed`, `satisfied` and `end` records become [`crate::human`]'s
    /// summary, `artifact` records pins; other records are still written.
    pub fn for_people(mut self) -> Self {
        self.people = Some(crate::human::Summary::default());
        self
    }

    pub fn record(&mut self, record: &Record) -> io::Result<()> {
        if matches!(record, Record::End(_)) {
            self.ended = true;
        }
        self.raw(&record.to_line())
    }

    /// Writes a line verbatim (a passed-through record), in one write; for
    /// a person, what [`crate::human::Summary::show`] makes of it.
    pub fn raw(&mut self, line: &str) -> io::Result<()> {
        let shown = self.people.as_mut().and_then(|p| p.show(line));
        let line = match shown.as_deref() {
            Some("") => return Ok(()),
            Some(text) => text,
            None => line,
        };
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        if self.people.is_some() {
            // stdout is the terminal the display draws on: out of its way.
            let out = &mut self.out;
            return crate::progress::suspend(|| out.write_all(&bytes).and_then(|()| out.flush()));
        }
        self.out.write_all(&bytes)?;
        self.out.flush()
    }

    /// True once this writer wrote its `end` record.
    pub fn ended(&self) -> bool {
        self.ended
    }

    /// For a person: prints the summary of what the records said, once the
    /// `end` said all went well (the display is closed by then).
    pub fn show_summary(&mut self) {
        if let Some(people) = self.people.take() {
            for line in people.lines() {
                crate::console::out(&line);
            }
        }
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_types_are_kept_verbatim() {
        let text = r#"{"type":"future","x":1}"#;
        assert_eq!(parse_line(text).unwrap(), Line::Other(text.into()));
    }

    #[test]
    fn malformed_known_record_is_an_error_naming_the_type() {
        let err = parse_line(r#"{"type":"artifact","name":"x"}"#).unwrap_err();
        assert!(err.contains("malformed artifact record"), "{err}");
    }

    #[test]
    fn reader_counts_lines_and_reports_them() {
        let input = "\n{\"type\":\"end\",\"tool\":\"t\",\"ok\":true,\"count\":0}\n{oops\nhttp://x/y.whl\n";
        let mut r = Reader::new(input.as_bytes(), "stdin");
        assert!(matches!(r.next_input(), Some(Ok(Input::Line(Line::Known(Record::End(_)))))));
        let err = r.next_input().unwrap().unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.to_string().starts_with("stdin:3: not valid JSON"), "{err}");
        assert_eq!(r.next_input().unwrap().unwrap(), Input::Plain("http://x/y.whl".into()));
        assert!(r.next_input().is_none());
    }

    #[test]
    fn a_json_array_or_string_line_is_malformed_not_a_plain_word() {
        for line in [r#"[{"type":"end"}]"#, r#""x.whl""#] {
            let err = Reader::new(line.as_bytes(), "stdin").next_input().unwrap().unwrap_err();
            assert!(err.to_string().starts_with("stdin:1: a record must be a JSON object"), "{err}");
        }
        let plain = Reader::new("[brackets].whl".as_bytes(), "stdin").next_input().unwrap().unwrap();
        assert_eq!(plain, Input::Plain("[brackets].whl".into()));
    }

    #[test]
    fn upstream_without_end_is_a_failure() {
        assert!(Upstream::Open.failure().is_some());
        assert!(Upstream::Ended(End::new("a", false, 0)).failure().is_some());
        assert!(Upstream::Ended(End::new("a", true, 0)).failure().is_none());
    }
}
