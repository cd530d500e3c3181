//! The run: a reader thread turns the input into jobs (and passes other
//! records on), `-j` worker threads take jobs from a queue (largest first)
//! and fetch, and the one writer, the calling thread, prints what comes back
//! over a bounded channel in completion order, one flushed line each, then
//! the `end` record.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use anyhow::Result;
use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender};
use wheelpipe::cache::Cache;
use wheelpipe::exit::{code_for, print_error, Exit, Failure};
use wheelpipe::http::Client;
use wheelpipe::input::StageInput;
use wheelpipe::progress::Reporter;
use wheelpipe::records::{Artifact, End, Record};
use wheelpipe::stream::{ProtocolError, Writer};

use crate::download::Fetcher;
use crate::input::{job_from_url, Job};
use crate::queue::{CloseOnDrop, JobQueue, Pop};
use crate::{store, TOOL};

/// What a run needs besides its input.
pub struct Settings {
    /// Worker threads, at least 1.
    pub jobs: usize,
    /// The cache, with an absolute root (records carry absolute paths).
    pub cache: Cache,
    /// `--dest`: a folder that also gets each wheel.
    pub dest: Option<PathBuf>,
    pub http: Client,
    /// Files over this many bytes (when their size is known) are fetched in
    /// parallel ranges.
    pub split_size: u64,
    /// Where the bytes and files are counted (see [`wheelpipe::progress`]).
    pub progress: Reporter,
}

/// Where the jobs come from.
pub enum Source {
    /// URL arguments.
    Urls(Vec<String>),
    /// Records or plain URLs, one a line; the upstream's `end` is checked.
    Stdin(Box<dyn BufRead + Send>),
}

/// What the reader and the workers tell the writer.
enum Event {
    /// An upstream record that is not ours, verbatim.
    Pass(String),
    Fetched(Box<Artifact>),
    Failed(anyhow::Error),
    /// The input ended: `Some(why)` when the stage before did not finish well.
    InputEnded(Option<String>),
    BadInput(ProtocolError),
}

/// How long an ending run waits for its workers to stop and delete their
/// temporary files; one still waiting on the network ends with the process.
const WORKERS_GRACE: Duration = Duration::from_millis(500);

/// Runs everything; returns the exit code (errors are printed as they come).
pub fn run<W: Write>(settings: Settings, source: Source, writer: &mut Writer<W>) -> Result<Exit> {
    let settings = Arc::new(settings);
    let queue = Arc::new(JobQueue::default());
    let (event_tx, event_rx) = bounded::<Event>(64);
    let stop = Arc::new(AtomicBool::new(false));
    let from_stdin = matches!(source, Source::Stdin(_));
    match source {
        Source::Urls(urls) => {
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
            let progress = settings.progress.clone();
            // It may wait on a stdin that never ends while we exit.
            thread::spawn(move || read_input(input, &queue, &cache, &progress, events));
        }
    }
    // Not scoped: on Ctrl-C a worker may be waiting on a server that stalls,
    // and the run must end at once, not when the server answers.
    let (alive_tx, alive_rx) = bounded::<()>(0);
    for _ in 0..settings.jobs.max(1) {
        let (queue, events, settings, stop) =
            (Arc::clone(&queue), event_tx.clone(), Arc::clone(&settings), Arc::clone(&stop));
        let alive = alive_tx.clone();
        thread::spawn(move || {
            work(&settings, &queue, events, &stop);
            drop(alive);
        });
    }
    drop((event_tx, alive_tx));
    let result = write_events(&event_rx, writer, from_stdin, &settings.progress);
    // On any way out, the workers stop between chunks and delete their
    // temporary files; wait for that, a little.
    stop.store(true, Ordering::Relaxed);
    drop(event_rx);
    let _ = alive_rx.recv_timeout(WORKERS_GRACE);
    result
}

/// A job and whether the store already has its file (it goes first).
fn ranked(cache: &Cache, job: Job) -> (Job, bool) {
    let cached = job.artifact.sha256().is_some_and(|h| cache.find_wheel(h, &job.artifact.filename).is_some());
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
    events: Sender<Event>,
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
        let mut out = Vec::new();
        for item in burst {
            match item {
                StageInput::Artifact { artifact, .. } => {
                    jobs.push(ranked(cache, Job::from_artifact(*artifact)))
                }
                StageInput::Plain { line, word } => match job_from_url(&word) {
                    Ok(job) => jobs.push(ranked(cache, job)),
                    Err(e) => out.push(Event::Failed(e.context(format!("stdin:{line}")))),
                },
                StageInput::Pass(text) => out.push(Event::Pass(text)),
                StageInput::Bad(err) => out.push(Event::BadInput(err)),
                StageInput::Done(verdict) => out.push(Event::InputEnded(verdict)),
            }
        }
        expect(progress, &jobs);
        queue.push_all(jobs);
        for event in out {
            if events.send(event).is_err() {
                return;
            }
        }
    }
}

fn work(settings: &Settings, queue: &JobQueue, events: Sender<Event>, stop: &AtomicBool) {
    loop {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let job = match queue.pop(Duration::from_millis(100)) {
            Pop::Job(job) => *job,
            Pop::Wait => continue,
            Pop::Done => return,
        };
        let event = match fetch_one(settings, job, stop) {
            Ok(artifact) => Event::Fetched(Box::new(artifact)),
            Err(err) => Event::Failed(err),
        };
        if events.send(event).is_err() {
            return;
        }
    }
}

/// Fetches one job into the store (and `--dest`) and returns its record with
/// `path` set and the sha256 recorded.
fn fetch_one(settings: &Settings, job: Job, stop: &AtomicBool) -> Result<Artifact> {
    let item = settings.progress.begin(&job.artifact.filename, job.artifact.size);
    let fetcher = Fetcher {
        http: &settings.http,
        cache: &settings.cache,
        split_size: settings.split_size,
        cancel: stop,
    };
    let stored = fetcher.fetch_to_store(&job, &item)?;
    item.done(std::fs::metadata(&stored.path).map_or(0, |m| m.len()));
    if let Some(dest) = &settings.dest {
        store::place_in_dest(&stored.path, dest, &job.artifact.filename)?;
    }
    let mut artifact = job.artifact;
    artifact.hashes.insert("sha256".into(), stored.sha256);
    artifact.path = Some(stored.path);
    Ok(artifact)
}

/// The writer: prints records as they come, errors on stderr, then `end`.
fn write_events<W: Write>(
    events: &Receiver<Event>,
    out: &mut Writer<W>,
    from_stdin: bool,
    progress: &Reporter,
) -> Result<Exit> {
    let (mut count, mut failed) = (0u64, 0u64);
    // Until the input says how it ended, assume it broke off.
    let mut input_failure = Some("the input ended early".to_string());
    let mut bad_input = None;
    loop {
        if wheelpipe::signals::interrupted() {
            return interrupted(out, count, progress);
        }
        if let Some(record) = progress.record() {
            out.record(&record)?;
        }
        match events.recv_timeout(Duration::from_millis(100)) {
            Ok(Event::Pass(line)) => {
                if !progress.upstream(&line) {
                    out.raw(&line)?
                }
            }
            Ok(Event::Fetched(artifact)) => {
                out.record(&Record::Artifact(*artifact))?;
                count += 1;
            }
            Ok(Event::Failed(err)) => {
                if code_for(&err) != Exit::Interrupted {
                    progress.suspend(|| print_error(TOOL, &err));
                    failed += 1;
                }
            }
            Ok(Event::InputEnded(verdict)) => input_failure = verdict,
            Ok(Event::BadInput(err)) => bad_input = Some(err),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    let upstream_failure = if from_stdin && bad_input.is_none() { input_failure } else { None };
    // Ctrl-C reaches the whole pipeline: an upstream cut short by it is the
    // signal's doing, not a broken upstream. Its handler may run a moment
    // after the upstream's end of file reached us, so look twice.
    if wheelpipe::signals::interrupted()
        || (upstream_failure.is_some() && {
            thread::sleep(Duration::from_millis(100));
            wheelpipe::signals::interrupted()
        })
    {
        return interrupted(out, count, progress);
    }
    let ok = failed == 0 && bad_input.is_none() && upstream_failure.is_none();
    if let Some(record) = progress.last_record() {
        out.record(&record)?;
    }
    out.record(&Record::End(End::new(TOOL, ok, count)))?;
    if let Some(err) = bad_input {
        return Err(Failure::usage(err.to_string()).into());
    }
    if let Some(message) = upstream_failure {
        progress.suspend(|| print_error(TOOL, &anyhow::anyhow!(message)));
    }
    Ok(if ok { Exit::Ok } else { Exit::Failed })
}

/// Ends an interrupted run: an `end` saying not ok (if the reader is still
/// there), one line on stderr, and exit 130.
fn interrupted<W: Write>(out: &mut Writer<W>, count: u64, progress: &Reporter) -> Result<Exit> {
    let _ = out.record(&Record::End(End::new(TOOL, false, count)));
    progress.suspend(|| eprintln!("{TOOL}: interrupted"));
    Ok(Exit::Interrupted)
}

#[cfg(test)]
#[path = "pipeline_tests.rs"]
mod tests;
