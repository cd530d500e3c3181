//! The run: a reader thread turns the input into jobs (and passes other
//! records on), `-j` worker threads take jobs from a queue (largest first)
//! and fetch, and the one writer, the calling thread, prints what comes back
//! over a bounded channel in completion order, one flushed line each, then
//! the `end` record (the writer is [`wheelpipe::stage::write_events`], the
//! same in every middle stage).

pub mod hints;

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use anyhow::Result;
use crossbeam_channel::{bounded, Receiver, Sender};
use wheelpipe::cache::Cache;
use wheelpipe::exit::Exit;
use wheelpipe::fetch::Board;
use wheelpipe::http::Client;
use wheelpipe::input::StageInput;
use wheelpipe::progress::Reporter;
use wheelpipe::records::{Artifact, ArtifactKind, Record};
use wheelpipe::stage::{write_events, Event, Output, Source};
use wheelpipe::stream::Writer;

use crate::download::{Fetcher, Stored};
use crate::input::{job_from_url, Job};
use crate::queue::{CloseOnDrop, JobQueue, Lane, Pop};
use crate::{store, TOOL};
use hints::{Confirmed, Hints};

/// What a run needs besides its input.
pub struct Settings {
    /// Worker threads, at least 1.
    pub jobs: usize,
    /// The cache, with an absolute root (records carry absolute paths).
    pub cache: Cache,
    /// `--dest`: a folder that also gets each wheel.
    pub dest: Option<PathBuf>,
    pub http: Client,
    /// Running downloads that idle connections take parts of (see
    /// [`wheelpipe::fetch::Board`]); its smallest part is `--split-size`.
    pub board: Option<Board>,
    /// Where the bytes and files are counted (see [`wheelpipe::progress`]).
    pub progress: Reporter,
    /// Write `arriving` records (see [`crate::arriving`]): stdout is a pipe.
    pub announce: bool,
}

/// How long an ending run waits for its workers to stop and delete their
/// temporary files; one still waiting on the network ends with the process.
const WORKERS_GRACE: Duration = Duration::from_millis(500);

/// Runs everything; returns the exit code (errors are printed as they come).
pub fn run<W: Write>(settings: Settings, source: Source, writer: &mut Writer<W>) -> Result<Exit> {
    let settings = Arc::new(settings);
    let hints = Arc::new(Hints::default());
    // Downloads of at least a quarter of the smallest part go first,
    // largest first: the last to start are small, so the run does not end
    // on files too small to split but long enough to leave the link idle.
    let big = settings.board.as_ref().map_or(u64::MAX, |b| b.min_part / 4);
    let queue = Arc::new(JobQueue::new(big));
    let (event_tx, event_rx) = bounded::<Event<Box<Artifact>>>(64);
    let stop = Arc::new(AtomicBool::new(false));
    let from_stdin = matches!(source, Source::Stdin(_));
    match source {
        Source::Args(urls) => {
            let _close = CloseOnDrop(Arc::clone(&queue));
            let mut jobs = Vec::new();
            for url in urls {
                match job_from_url(&url) {
                    Ok(job) => jobs.push(ranked(&settings.cache, job)),
                    Err(err) => event_tx.send(Event::Failed(err)).expect("the writer is alive"),
                }
            }
            expect(&settings.progress, &jobs);
            queue.push_all(jobs);
        }
        Source::Stdin(input) => {
            let (events, queue, cache) = (event_tx.clone(), Arc::clone(&queue), settings.cache.clone());
            let input = wheelpipe::input::spawn(TOOL, input);
            let (progress, hints) = (settings.progress.clone(), Arc::clone(&hints));
            // It may wait on a stdin that never ends while we exit.
            thread::spawn(move || read_input(input, &queue, &cache, &progress, &hints, events));
        }
    }
    // Not scoped: on Ctrl-C a worker may be waiting on a server that stalls,
    // and the run must end at once, not when the server answers.
    let (alive_tx, alive_rx) = bounded::<()>(0);
    for i in 0..settings.jobs.max(1) {
        let lane = Lane::of(i, settings.jobs.max(1));
        let (queue, events, settings, stop) =
            (Arc::clone(&queue), event_tx.clone(), Arc::clone(&settings), Arc::clone(&stop));
        let (alive, hints) = (alive_tx.clone(), Arc::clone(&hints));
        thread::spawn(move || {
            work(&settings, &hints, &queue, lane, events, &stop);
            drop(alive);
        });
    }
    drop((event_tx, alive_tx));
    let output =
        Output { tool: TOOL, out: writer, progress: &settings.progress, own_progress: true, from_stdin };
    let result = write_events(&event_rx, output, |artifact| Record::Artifact(*artifact));
    // On any way out, the workers stop between chunks and delete their
    // temporary files; wait for that, a little.
    stop.store(true, Ordering::Relaxed);
    hints.cancel_all();
    drop(event_rx);
    let _ = alive_rx.recv_timeout(WORKERS_GRACE);
    result.map(|(exit, _)| exit)
}

/// A job and whether the store already has its file (it goes first).
fn ranked(cache: &Cache, job: Job) -> (Job, bool) {
    let cached = job
        .artifact
        .sha256_digest()
        .ok()
        .flatten()
        .is_some_and(|h| cache.find_wheel(&h, &job.artifact.filename).is_some());
    (job, cached)
}

/// Counts queued jobs and their known sizes as work to do.
fn expect(progress: &Reporter, jobs: &[(Job, bool)]) {
    if !jobs.is_empty() {
        let sizes: Vec<u64> = jobs.iter().filter_map(|(j, _)| j.artifact.size).collect();
        progress.expect(jobs.len() as u64, (!sizes.is_empty()).then(|| sizes.iter().sum()));
    }
}

/// How long the input must be quiet before the records read so far are
/// queued: an upstream writes its records in a burst, and queueing the
/// burst at once lets the largest download start first.
const BURST_GAP: Duration = Duration::from_millis(10);

/// Turns the input into jobs as it comes, so downloads start on the first
/// burst of records; everything else goes to the writer.
fn read_input(
    input: Receiver<StageInput>,
    queue: &Arc<JobQueue>,
    cache: &Cache,
    progress: &Reporter,
    hints: &Hints,
    events: Sender<Event<Box<Artifact>>>,
) {
    let _close = CloseOnDrop(Arc::clone(queue));
    while let Ok(first) = input.recv() {
        let mut burst = vec![first];
        while burst.len() < 4096 {
            match input.recv_timeout(BURST_GAP) {
                Ok(item) => burst.push(item),
                Err(_) => break,
            }
        }
        let mut jobs = Vec::new();
        let mut tentative = Vec::new();
        let mut out = Vec::new();
        for item in burst {
            match item {
                // A project folder (or git checkout) is already here, put
                // there by wheel-resolve: nothing to download, passed on.
                StageInput::Artifact { artifact, text, .. } if artifact.kind == ArtifactKind::Dir => {
                    out.push(Event::Pass(text))
                }
                StageInput::Artifact { artifact, .. } => {
                    let size = artifact.size;
                    match hints.confirm(artifact) {
                        Confirmed::No(artifact) => jobs.push(ranked(cache, Job::from_artifact(*artifact))),
                        // Work to do from now on, done when the hint's download is.
                        Confirmed::Waiting => progress.expect(1, size),
                    }
                }
                StageInput::Plain { line, word } => match job_from_url(&word) {
                    Ok(job) => jobs.push(ranked(cache, job)),
                    Err(e) => out.push(Event::Failed(e.context(format!("stdin:{line}")))),
                },
                StageInput::Pass(text) => match hint_of(&text) {
                    Some(hint) => tentative.extend(hints.add(&hint).map(|job| ranked(cache, job))),
                    None => out.push(Event::Pass(text)),
                },
                StageInput::Bad(err) => out.push(Event::BadInput(err)),
                StageInput::Done(verdict) => {
                    hints.end();
                    out.push(Event::InputEnded(verdict))
                }
            }
        }
        // Hints are no work to do until an artifact confirms them.
        expect(progress, &jobs);
        jobs.extend(tentative);
        queue.push_all(jobs);
        for event in out {
            if events.send(event).is_err() {
                return;
            }
        }
    }
}

/// A worker: one connection. It takes the next job of its lane; with none queued, it
/// takes over part of the running download with the most time left, so
/// every connection stays busy to the last byte; it ends when the input
/// is done and no job is running.
fn work(
    settings: &Settings,
    hints: &Hints,
    queue: &JobQueue,
    lane: Lane,
    events: Sender<Event<Box<Artifact>>>,
    stop: &AtomicBool,
) {
    let board = settings.board.as_ref();
    let announce = settings.announce.then(|| crate::arriving::Announce::new(events.clone()));
    let announce = announce.as_ref();
    loop {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        if board.is_some_and(|b| split_the_longest(b, queue, &settings.http, stop)) {
            continue;
        }
        let busy = board.is_some_and(|b| !b.is_empty());
        let pop = queue.pop(if busy { Duration::from_millis(5) } else { Duration::from_millis(100) }, lane);
        let job = match pop {
            Pop::Job(job) => *job,
            _ if board.is_some_and(|b| b.take_over(&settings.http, stop, 0.0)) => continue,
            Pop::Wait => continue,
            Pop::Done if queue.running() == 0 => return,
            Pop::Done => {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            }
        };
        let event = match job.hint {
            true => hints.run(settings, job, announce),
            false => Some(match fetch_one(settings, job, stop, announce) {
                Ok(artifact) => Event::Done(Box::new(artifact)),
                Err(err) => Event::Failed(err),
            }),
        };
        queue.finished();
        if event.is_some_and(|event| events.send(event).is_err()) {
            return;
        }
    }
}

/// Before a free connection starts a queued job: when a running download
/// has more time left than the link needs for everything else (the queued
/// bytes and what the running downloads lack, at the rate measured), it
/// would end alone, so the connection takes over part of it instead.
fn split_the_longest(board: &Board, queue: &JobQueue, http: &Client, stop: &AtomicBool) -> bool {
    if board.is_empty() {
        return false;
    }
    match board.time_for(queue.queued_bytes()) {
        Some(rest) => board.take_over(http, stop, rest),
        None => false,
    }
}

/// Fetches one job into the store (and `--dest`) and returns its record with
/// `path` set and the sha256 recorded.
fn fetch_one(
    settings: &Settings,
    job: Job,
    stop: &AtomicBool,
    announce: Option<&crate::arriving::Announce>,
) -> Result<Artifact> {
    let item = Arc::new(settings.progress.begin(&job.artifact.filename, job.artifact.size));
    let fetcher = Fetcher {
        http: &settings.http,
        cache: &settings.cache,
        board: settings.board.as_ref(),
        cancel: stop,
        announce,
    };
    let stored = fetcher.fetch_to_store(&job, &item)?;
    item.done(std::fs::metadata(&stored.path).map_or(0, |m| m.len()));
    finish(settings, job.artifact, stored)
}

/// The record of a wheel in the store: placed in `--dest`, its `path`
/// set and its sha256 recorded.
pub(crate) fn finish(settings: &Settings, mut artifact: Artifact, stored: Stored) -> Result<Artifact> {
    if let Some(dest) = &settings.dest {
        store::place_in_dest(&stored.path, dest, &artifact.filename)?;
    }
    artifact.hashes.insert("sha256".into(), stored.sha256);
    artifact.path = Some(stored.path);
    Ok(artifact)
}

/// The `hint` record a passed-through line holds, if it is one.
fn hint_of(text: &str) -> Option<wheelpipe::records::Hint> {
    if !text.contains("\"hint\"") {
        return None;
    }
    match wheelpipe::stream::parse_line(text) {
        Ok(wheelpipe::records::Line::Known(Record::Hint(hint))) => Some(hint),
        _ => None,
    }
}

#[cfg(test)]
#[path = "pipeline_tests.rs"]
mod tests;
