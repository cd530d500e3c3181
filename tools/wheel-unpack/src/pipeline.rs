//! The staging half of a run: wheels from the arguments or from stdin go to
//! `-j` worker threads over a crossbeam channel as soon as they arrive; other
//! records pass through to stdout; the upstream `end` record decides whether
//! the set may be committed. The first failure stops the run.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{bail, Result};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use wheelpipe::exit::Failure;
use wheelpipe::input::StageInput;
use wheelpipe::stream::Writer;

use crate::scheme::Scheme;
use crate::stage::{self, Direct, Job, Staged};

/// Something that prints a warning (stderr, unless `--quiet`).
pub type Warn = dyn Fn(String) + Sync;

/// Where the wheels come from: paths given as arguments (all requested, no
/// `end` expected), or lines of records or plain paths on stdin.
pub type Source = wheelpipe::stage::Source<PathBuf>;

/// Stages every wheel of the run; returns them sorted by normalized name.
pub fn stage_all<W: Write>(
    scheme: &Scheme,
    staging: &Path,
    jobs: usize,
    source: Source,
    opts: &stage::Options,
    out: &mut Writer<W>,
    warn: &Warn,
) -> Result<Vec<Staged>> {
    let (job_tx, job_rx) = crossbeam_channel::unbounded::<(usize, Job)>();
    let (res_tx, res_rx) = crossbeam_channel::unbounded::<Result<Staged>>();
    let cancel = AtomicBool::new(false);
    // The last stage draws the upstream lines and its own (wheels staged);
    // dropped on every way out, which shows the cursor again.
    let progress = wheelpipe::progress::StageProgress::for_stage(crate::TOOL, wheelpipe::progress::quiet());
    let trees = staging.join("new");
    crate::spread::make_parent(&trees)?;
    let mut staged = std::thread::scope(|s| {
        for _ in 0..jobs.max(1) {
            let trees = &trees;
            let (job_rx, res_tx, cancel, progress) = (job_rx.clone(), res_tx.clone(), &cancel, &progress);
            s.spawn(move || {
                for (idx, job) in job_rx.iter() {
                    if cancel.load(Ordering::Relaxed) || wheelpipe::signals::interrupted() {
                        continue;
                    }
                    let name = job.wheel.file_name().map(|n| n.to_string_lossy().into_owned());
                    let item = progress.begin(name.as_deref().unwrap_or("?"), None);
                    let result = crate::sdist::wheel_of(job, opts.build.as_ref()).and_then(|job| {
                        let dir = crate::spread::new_tree(trees, &idx.to_string())?;
                        stage::stage(&job, scheme, &dir, jobs, opts, warn)
                    });
                    if result.is_ok() {
                        item.done(0);
                    }
                    if result.is_err() {
                        cancel.store(true, Ordering::Relaxed);
                    }
                    let _ = res_tx.send(result);
                }
            });
        }
        drop(res_tx);
        let mut feeder =
            Feeder { jobs: job_tx, results: &res_rx, done: Vec::new(), next: 0, progress: &progress };
        let fed = match source {
            Source::Args(wheels) => feeder.feed_args(wheels),
            Source::Stdin(input) => feeder.feed_lines(input, out),
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
    progress: &'a wheelpipe::progress::Reporter,
}

impl Feeder<'_> {
    fn send(&mut self, job: Job) {
        // The workers outlive the sender, so this cannot fail.
        let _ = self.jobs.send((self.next, job));
        self.next += 1;
        self.progress.expect(1, None);
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
            let direct = Some(Direct::Path);
            self.send(Job { wheel, requested: true, expected_name: None, sha256: None, direct });
        }
        self.poll()
    }

    fn feed_lines<W: Write>(&mut self, input: Box<dyn BufRead + Send>, out: &mut Writer<W>) -> Result<()> {
        let input = wheelpipe::input::spawn(crate::TOOL, input);
        loop {
            self.poll()?;
            let item = match input.recv_timeout(Duration::from_millis(50)) {
                Ok(item) => item,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => bail!("the input reader stopped"),
            };
            match item {
                StageInput::Plain { word, .. } => self.send(Job {
                    wheel: word.into(),
                    requested: true,
                    expected_name: None,
                    sha256: None,
                    direct: Some(Direct::Path),
                }),
                StageInput::Artifact { line, artifact, .. } => {
                    let Some(wheel) = artifact.path else {
                        return Err(Failure::usage(format!(
                            "stdin:{line}: the artifact {} {} has no `path`: run wheel-fetch before wheel-unpack",
                            artifact.name, artifact.version
                        ))
                        .into());
                    };
                    let expected_name = Some(artifact.name);
                    let sha256 = artifact.hashes.get("sha256").cloned();
                    let (requested, direct) =
                        (artifact.requested, artifact.direct.then_some(Direct::Url(artifact.url)));
                    self.send(Job { wheel, requested, expected_name, sha256, direct });
                }
                // Everything else passes through byte for byte, but for
                // upstream progress when this stage draws it.
                StageInput::Pass(text) => {
                    if !self.progress.upstream(&text) {
                        out.raw(&text)?
                    }
                }
                StageInput::Bad(err) => return Err(Failure::usage(err.to_string()).into()),
                StageInput::Done(None) => return Ok(()),
                StageInput::Done(Some(why)) => {
                    return Err(Failure::failed(format!("{why}; nothing was installed")).into())
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "pipeline_tests.rs"]
mod tests;
