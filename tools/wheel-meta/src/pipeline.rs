//! The run: a reader thread turns the input into jobs (and passes records
//! on), `-j` worker threads read metadata, and the one writer, the calling
//! thread, prints what comes back over a bounded channel in completion
//! order, one flushed line each, then the `end` record (the writer is
//! [`wheelpipe::stage::write_events`], the same in every middle stage).

use std::io::Write;
use std::sync::Arc;
use std::thread;

use anyhow::Result;
use crossbeam_channel::{bounded, unbounded, Receiver, Sender};
use wheelpipe::exit::Exit;
use wheelpipe::input::StageInput;
use wheelpipe::records::{Metadata, Record};
use wheelpipe::stage::{write_events, Event, Output, Source};
use wheelpipe::stream::Writer;

use crate::job::{Job, Settings};
use crate::TOOL;

/// What the writer counted, for the summary.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub count: u64,
    pub failed: u64,
    pub bytes: u64,
    pub requests: u64,
}

type MetaEvent = Event<Box<Metadata>>;

/// Runs everything; returns the exit code and the totals (errors are
/// printed as they come).
pub fn run<W: Write>(settings: Settings, source: Source, writer: &mut Writer<W>) -> Result<(Exit, Totals)> {
    let (job_tx, job_rx) = unbounded::<Job>();
    let (event_tx, event_rx) = bounded::<MetaEvent>(64);
    let from_stdin = matches!(source, Source::Stdin(_));
    match source {
        Source::Args(words) => {
            for word in words {
                match Job::from_word(&word) {
                    Ok(job) => job_tx.send(job).expect("the job channel is open"),
                    Err(err) => event_tx.send(Event::Failed(err)).expect("the writer is alive"),
                }
            }
            drop(job_tx);
        }
        Source::Stdin(input) => {
            let events = event_tx.clone();
            let input = wheelpipe::input::spawn(TOOL, input);
            let index = settings.builds.index.clone();
            thread::spawn(move || read_input(input, job_tx, events, &index));
        }
    }
    // Not scoped: on Ctrl-C the writer returns while a worker may still wait
    // on the network; the process ends and takes it along (its download is
    // an unnamed temporary file, so nothing is left behind).
    let settings = Arc::new(settings);
    for _ in 0..settings.jobs.max(1) {
        let (jobs, events, settings) = (job_rx.clone(), event_tx.clone(), Arc::clone(&settings));
        thread::spawn(move || work(&settings, jobs, events));
    }
    drop(event_tx);
    // Upstream progress is passed on, or drawn when this is the last stage.
    let progress = wheelpipe::runtime::progress();
    let output = Output { tool: TOOL, out: writer, progress: &progress, own_progress: false, from_stdin };
    let (mut bytes, mut requests) = (0, 0);
    let (exit, tally) = write_events(&event_rx, output, |metadata| {
        bytes += metadata.bytes;
        requests += u64::from(metadata.requests);
        Record::Metadata(*metadata)
    })?;
    Ok((exit, Totals { count: tally.count, failed: tally.failed, bytes, requests }))
}

/// Turns the input into jobs as it comes; every record is passed on
/// (artifacts too), the upstream `end` aside; an `index` record also says
/// where sources' build environments come from.
fn read_input(
    input: Receiver<StageInput>,
    jobs: Sender<Job>,
    events: Sender<MetaEvent>,
    index: &wheelpipe::build::BuildIndex,
) {
    for item in input {
        let event = match item {
            StageInput::Artifact { line, artifact, text } => {
                match Job::from_artifact(&artifact) {
                    Ok(job) => {
                        let _ = jobs.send(job);
                    }
                    Err(e) => {
                        if events.send(Event::Failed(e.context(format!("stdin:{line}")))).is_err() {
                            return;
                        }
                    }
                }
                Event::Pass(text)
            }
            StageInput::Plain { line, word } => match Job::from_word(&word) {
                Ok(job) => {
                    let _ = jobs.send(job);
                    continue;
                }
                Err(e) => Event::Failed(e.context(format!("stdin:{line}"))),
            },
            StageInput::Pass(text) => {
                wheelpipe::build::index::adopt_line(index, &text);
                Event::Pass(text)
            }
            StageInput::Bad(err) => Event::BadInput(err),
            StageInput::Done(verdict) => Event::InputEnded(verdict),
        };
        if events.send(event).is_err() {
            return;
        }
    }
}

fn work(settings: &Settings, jobs: Receiver<Job>, events: Sender<MetaEvent>) {
    while let Ok(job) = jobs.recv() {
        if wheelpipe::signals::interrupted() {
            return;
        }
        let event = match job.read(settings) {
            Ok(metadata) => Event::Done(Box::new(metadata)),
            Err(err) => {
                // Every error names its wheel; add the name where it does not.
                let shown = job.shown();
                Event::Failed(if format!("{err:#}").contains(&shown) { err } else { err.context(shown) })
            }
        };
        if events.send(event).is_err() {
            return;
        }
    }
}

#[cfg(test)]
#[path = "pipeline_tests.rs"]
mod tests;
