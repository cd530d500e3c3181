//! The staging half of a run: wheels from the arguments or from stdin go to
//! `-j` worker threads over a crossbeam channel as soon as they arrive; other
//! records pass through to stdout; the upstream `end` record decides whether
//! the set may be committed. The first failure stops the run.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Result;
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use wheelpipe::exit::Failure;
use wheelpipe::records::{Line, Record};
use wheelpipe::stream::{Input, ProtocolError, Reader, Upstream, Writer};

use crate::scheme::Scheme;
use crate::stage::{self, Job, Staged};

/// Something that prints a warning (stderr, unless `--quiet`).
pub type Warn = dyn Fn(String) + Sync;

/// Where the wheels come from.
pub enum Source {
    /// Paths given as arguments: all requested, no `end` expected.
    Args(Vec<PathBuf>),
    /// Lines of records or plain paths (stdin), named `stdin` in errors.
    Lines(Box<dyn BufRead + Send>),
}

/// Stages every wheel of the run; returns them sorted by normalized name.
pub fn stage_all<W: Write>(
    scheme: &Scheme,
    staging: &Path,
    jobs: usize,
    source: Source,
    out: &mut Writer<W>,
    warn: &Warn,
) -> Result<Vec<Staged>> {
    let (job_tx, job_rx) = crossbeam_channel::unbounded::<(usize, Job)>();
    let (res_tx, res_rx) = crossbeam_channel::unbounded::<Result<Staged>>();
    let cancel = AtomicBool::new(false);
    let mut staged = std::thread::scope(|s| {
        for _ in 0..jobs.max(1) {
            let (job_rx, res_tx, cancel) = (job_rx.clone(), res_tx.clone(), &cancel);
            s.spawn(move || {
                for (idx, job) in job_rx.iter() {
                    if cancel.load(Ordering::Relaxed) || wheelpipe::signals::interrupted() {
                        continue;
                    }
                    let dir = staging.join("new").join(idx.to_string());
                    let result = stage::stage(&job, scheme, &dir, jobs, warn);
                    if result.is_err() {
                        cancel.store(true, Ordering::Relaxed);
                    }
                    let _ = res_tx.send(result);
                }
            });
        }
        drop(res_tx);
        let mut feeder = Feeder { jobs: job_tx, results: &res_rx, done: Vec::new(), next: 0 };
        let fed = match source {
            Source::Args(wheels) => feeder.feed_args(wheels),
            Source::Lines(input) => feeder.feed_lines(input, out),
        };
        let Feeder { jobs, mut done, .. } = feeder;
        drop(jobs);
        let mut first_err = fed.err();
        if first_err.is_some() {
            cancel.store(true, Ordering::Relaxed);
        }
        for result in res_rx.iter() {
            match result {
                Ok(s) => done.push(s),
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        wheelpipe::signals::check()?;
        match first_err {
            Some(e) => Err(e),
            None => Ok(done),
        }
    })?;
    staged.sort_by_key(Staged::key);
    Ok(staged)
}

struct Feeder<'a> {
    jobs: Sender<(usize, Job)>,
    results: &'a Receiver<Result<Staged>>,
    done: Vec<Staged>,
    next: usize,
}

impl Feeder<'_> {
    fn send(&mut self, job: Job) {
        // The workers outlive the sender, so this cannot fail.
        let _ = self.jobs.send((self.next, job));
        self.next += 1;
    }

    /// Collects finished wheels; the first failure ends the run.
    fn poll(&mut self) -> Result<()> {
        wheelpipe::signals::check()?;
        while let Ok(result) = self.results.try_recv() {
            self.done.push(result?);
        }
        Ok(())
    }

    fn feed_args(&mut self, wheels: Vec<PathBuf>) -> Result<()> {
        for wheel in wheels {
            self.send(Job { wheel, requested: true, expected_name: None });
        }
        self.poll()
    }

    fn feed_lines<W: Write>(&mut self, input: Box<dyn BufRead + Send>, out: &mut Writer<W>) -> Result<()> {
        let input = spawn_reader(input);
        let mut upstream = Upstream::Open;
        // Plain paths alone (typed, or from `ls`) need no `end`; a stream of
        // records comes from a stage, whose `end` says whether it finished.
        let mut saw_record = false;
        loop {
            self.poll()?;
            let (line, text, item) = match input.recv_timeout(Duration::from_millis(50)) {
                Ok(x) => x,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => break,
            };
            let item = item.map_err(|e| Failure::usage(e.to_string()))?;
            saw_record |= matches!(item, Input::Line(_));
            match item {
                Input::Plain(path) => {
                    self.send(Job { wheel: path.into(), requested: true, expected_name: None })
                }
                Input::Line(Line::Known(Record::Artifact(a))) => {
                    let Some(wheel) = a.path else {
                        return Err(Failure::usage(format!(
                            "stdin:{line}: the artifact {} {} has no `path`: run wheel-fetch before wheel-unpack",
                            a.name, a.version
                        ))
                        .into());
                    };
                    self.send(Job { wheel, requested: a.requested, expected_name: Some(a.name) });
                }
                Input::Line(Line::Known(Record::End(end))) => upstream = Upstream::ended(crate::TOOL, end),
                // Everything else passes through byte for byte.
                Input::Line(_) => out.raw(&text)?,
            }
        }
        if !saw_record {
            return Ok(());
        }
        if let Some(why) = upstream.failure() {
            return Err(Failure::failed(format!("{why}; nothing was installed")).into());
        }
        Ok(())
    }
}

/// Line number, the line's text, and what it is.
type Item = (usize, String, Result<Input, ProtocolError>);

/// Reads the input on its own thread, so the run can stop on a signal while
/// a read blocks.
fn spawn_reader(input: Box<dyn BufRead + Send>) -> Receiver<Item> {
    let (tx, rx) = crossbeam_channel::bounded::<Item>(256);
    std::thread::spawn(move || {
        let mut reader = Reader::new(input, "stdin");
        while let Some(item) = reader.next_input() {
            let is_err = item.is_err();
            let text = reader.text().to_string();
            if tx.send((reader.line_number(), text, item)).is_err() || is_err {
                return;
            }
        }
    });
    rx
}

#[cfg(test)]
#[path = "pipeline_tests.rs"]
mod tests;
