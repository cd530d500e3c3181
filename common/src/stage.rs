//! The part of a middle stage (wheel-fetch, wheel-meta) that is the same in
//! every such stage: where its work comes from ([`Source`]), what its reader
//! and workers tell its one writer ([`Event`]), and that writer
//! ([`write_events`]), which prints records in completion order, errors on
//! stderr, and ends the output with the `end` record by the rules of
//! PROTOCOL.md: the upstream's verdict, bad input, Ctrl-C. How a stage
//! turns input into jobs and hands them to its workers stays its own.

use std::io::{BufRead, IsTerminal, Write};
use std::thread;
use std::time::Duration;

use anyhow::Result;
use crossbeam_channel::{Receiver, RecvTimeoutError};

use crate::exit::{code_for, Exit, Failure};
use crate::progress::Reporter;
use crate::records::{End, Record};
use crate::stream::{ProtocolError, Writer};

/// Where a stage's work comes from: `A` is an argument's type.
pub enum Source<A = String> {
    /// Words on the command line (URLs, paths).
    Args(Vec<A>),
    /// Records or plain words, one a line; the upstream's `end` is checked.
    Stdin(Box<dyn BufRead + Send>),
}

impl<A> Source<A> {
    /// `args` when there are any, else stdin, unless stdin is a terminal:
    /// then nobody is going to type records, and it is a usage error
    /// naming `what` the arguments are (`URL`, `WHEEL`).
    pub fn from_args(tool: &str, what: &str, args: Vec<A>) -> Result<Source<A>> {
        if !args.is_empty() {
            return Ok(Source::Args(args));
        }
        if std::io::stdin().is_terminal() {
            let message = format!("no {what} given and stdin is a terminal (see {tool} --help)");
            return Err(Failure::usage(message).into());
        }
        Ok(Source::Stdin(Box::new(std::io::BufReader::new(std::io::stdin()))))
    }
}

/// What a stage's reader and workers tell its writer; `T` is a job's result.
pub enum Event<T> {
    /// An upstream record to pass on, verbatim.
    Pass(String),
    /// A job done: its result becomes a record.
    Done(T),
    /// A job failed (or a word was no job); printed on stderr.
    Failed(anyhow::Error),
    /// The input ended: `Some(why)` when the stage before did not finish well.
    InputEnded(Option<String>),
    BadInput(ProtocolError),
}

/// What the writer counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Records written for jobs done.
    pub count: u64,
    pub failed: u64,
}

/// Where and how the writer writes.
pub struct Output<'a, W: Write> {
    pub tool: &'static str,
    pub out: &'a mut Writer<W>,
    /// Draws or passes on upstream `progress` records, and keeps the
    /// display out of the way of error messages.
    pub progress: &'a Reporter,
    /// Write this stage's own `progress` records (a stage that counts its
    /// jobs on `progress`).
    pub own_progress: bool,
    /// The input is stdin, whose upstream must end with a good `end`.
    pub from_stdin: bool,
}

/// The writer: until the reader and every worker have hung up, prints
/// records as they come (`record` makes one of a job's result), errors on
/// stderr; then the `end` record. Bad input is returned as a usage error
/// after `end`; a broken upstream is an error message and [`Exit::Failed`];
/// Ctrl-C (a failure it caused is no error of its own) ends at once with
/// `end` saying not ok and [`Exit::Interrupted`].
pub fn write_events<T, W: Write>(
    events: &Receiver<Event<T>>,
    o: Output<'_, W>,
    mut record: impl FnMut(T) -> Record,
) -> Result<(Exit, Tally)> {
    let Output { tool, out, progress, own_progress, from_stdin } = o;
    let mut tally = Tally::default();
    // Until the input says how it ended, assume it broke off.
    let mut input_failure = Some("the input ended early".to_string());
    let mut bad_input = None;
    progress.input_open(from_stdin);
    loop {
        if crate::signals::interrupted() {
            return interrupted(tool, out, tally);
        }
        if let Some(record) = own_progress.then(|| progress.record()).flatten() {
            out.record(&record)?;
        }
        match events.recv_timeout(Duration::from_millis(100)) {
            Ok(Event::Pass(line)) => pass_on(out, progress, &line)?,
            Ok(Event::Done(result)) => {
                out.record(&record(result))?;
                tally.count += 1;
            }
            Ok(Event::Failed(err)) => {
                if code_for(&err) != Exit::Interrupted {
                    crate::console::error(&err);
                    tally.failed += 1;
                }
            }
            Ok(Event::InputEnded(verdict)) => {
                progress.input_open(false);
                input_failure = verdict;
            }
            Ok(Event::BadInput(err)) => bad_input = Some(err),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    let upstream_failure = if from_stdin && bad_input.is_none() { input_failure } else { None };
    // Ctrl-C reaches the whole pipeline: an upstream cut short by it is the
    // signal's doing, not a broken upstream. Its handler may run a moment
    // after the upstream's end of file reached us, so look twice.
    if crate::signals::interrupted()
        || (upstream_failure.is_some() && {
            thread::sleep(Duration::from_millis(100));
            crate::signals::interrupted()
        })
    {
        return interrupted(tool, out, tally);
    }
    let ok = tally.failed == 0 && bad_input.is_none() && upstream_failure.is_none();
    // A stage that failed sends its last counts without `finished`: its
    // line is not drawn as complete downstream.
    if let Some(record) = own_progress.then(|| progress.closing_record(ok)).flatten() {
        out.record(&record)?;
    }
    out.record(&Record::End(End::new(tool, ok, tally.count)))?;
    if let Some(err) = bad_input {
        return Err(Failure::usage(err.to_string()).into());
    }
    if let Some(message) = upstream_failure {
        crate::console::error(&anyhow::anyhow!(message));
    }
    Ok((if ok { Exit::Ok } else { Exit::Failed }, tally))
}

/// Passes an upstream line this stage does not own on, unchanged, unless it
/// is a `progress` or `message` record this stage draws or prints (see
/// [`Reporter::upstream`]): the one pass-through of every stage.
pub fn pass_on<W: Write>(out: &mut Writer<W>, progress: &Reporter, line: &str) -> std::io::Result<()> {
    if progress.upstream(line, crate::console::relay) {
        Ok(())
    } else {
        out.raw(line)
    }
}

/// Ends an interrupted run: an `end` saying not ok (if the reader is still
/// there), one line on stderr, and exit 130.
fn interrupted<W: Write>(tool: &str, out: &mut Writer<W>, tally: Tally) -> Result<(Exit, Tally)> {
    let _ = out.record(&Record::End(End::new(tool, false, tally.count)));
    crate::console::note("interrupted");
    Ok((Exit::Interrupted, tally))
}

#[cfg(test)]
#[path = "stage_tests.rs"]
mod tests;
