//! The run: a reader thread turns the input into jobs (passing on every
//! record that is not an sdist's artifact), `-j` workers build, and the one
//! writer, [`wheelpipe::stage::write_events`], prints records in completion
//! order. The workers are scoped: the run returns only once every build has
//! stopped and removed its temporary folder, Ctrl-C included.

use std::io::Write;
use std::thread;
use std::time::Duration;

use anyhow::Result;
use crossbeam_channel::{bounded, unbounded, Receiver, RecvTimeoutError, Sender};
use wheelpipe::exit::Exit;
use wheelpipe::input::StageInput;
use wheelpipe::progress::Reporter;
use wheelpipe::records::{Artifact, Record};
use wheelpipe::stage::{write_events, Event, Output, Source};
use wheelpipe::stream::Writer;

use crate::job::{self, Job, Settings};
use crate::TOOL;

/// What the writer counted, for the summary.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub built: u64,
    pub cached: u64,
    pub failed: u64,
}

type BuildEvent = Event<(Artifact, bool)>;

pub fn run<W: Write>(
    settings: Settings,
    jobs: usize,
    source: Source<std::path::PathBuf>,
    writer: &mut Writer<W>,
) -> Result<(Exit, Totals)> {
    let (job_tx, job_rx) = unbounded::<Job>();
    let (event_tx, event_rx) = bounded::<BuildEvent>(64);
    let from_stdin = matches!(source, Source::Stdin(_));
    // Builds counted and named on `progress` (the one display of a pipeline).
    let progress = wheelpipe::runtime::progress();
    match source {
        Source::Args(paths) => {
            progress.clone().expect(paths.len() as u64, None);
            for path in paths {
                job_tx.send(Job::Path(path)).expect("the job channel is open");
            }
            drop(job_tx);
        }
        Source::Stdin(input) => {
            let (events, reporter) = (event_tx.clone(), progress.clone());
            let input = wheelpipe::input::spawn(TOOL, input);
            let index = settings.build.envs.index.clone();
            thread::spawn(move || read_input(input, job_tx, events, &reporter, &index));
        }
    }
    let mut cached = 0;
    thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            let (jobs, events, settings, reporter) =
                (job_rx.clone(), event_tx.clone(), &settings, progress.clone());
            scope.spawn(move || work(settings, jobs, events, &reporter));
        }
        drop(event_tx);
        let output = Output { tool: TOOL, out: writer, progress: &progress, own_progress: true, from_stdin };
        let result = write_events(&event_rx, output, |(artifact, from_cache)| {
            cached += u64::from(from_cache);
            Record::Artifact(artifact)
        });
        // Workers still building see the closed channel and the signal.
        drop(event_rx);
        let (exit, tally) = result?;
        Ok((exit, Totals { built: tally.count - cached, cached, failed: tally.failed }))
    })
}

/// Turns the input into jobs as it comes: an sdist's artifact is a job,
/// every other record is passed on (an `index` record also tells where
/// build environments come from).
fn read_input(
    input: Receiver<StageInput>,
    jobs: Sender<Job>,
    events: Sender<BuildEvent>,
    progress: &Reporter,
    index: &wheelpipe::build::BuildIndex,
) {
    for item in input {
        let event = match item {
            StageInput::Artifact { artifact, text, .. } => match job::for_artifact(*artifact) {
                Some(job) => {
                    progress.expect(1, None);
                    let _ = jobs.send(job);
                    continue;
                }
                None => Event::Pass(text),
            },
            StageInput::Plain { word, .. } => {
                progress.expect(1, None);
                let _ = jobs.send(Job::Path(word.into()));
                continue;
            }
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

fn work(settings: &Settings, jobs: Receiver<Job>, events: Sender<BuildEvent>, progress: &Reporter) {
    loop {
        if wheelpipe::signals::interrupted() {
            return;
        }
        let job = match jobs.recv_timeout(Duration::from_millis(100)) {
            Ok(job) => job,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let item = progress.begin(&job.shown(), None);
        let event = match job.run(settings) {
            Ok(done) => {
                item.done(0);
                Event::Done(done)
            }
            Err(err) => {
                let shown = job.shown();
                Event::Failed(if format!("{err:#}").contains(&shown) { err } else { err.context(shown) })
            }
        };
        if events.send(event).is_err() {
            return;
        }
    }
}
