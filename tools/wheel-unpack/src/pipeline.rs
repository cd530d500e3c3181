//! The staging half of a run: wheels from the arguments or from stdin go to
//! `-j` worker threads over a crossbeam channel as soon as they arrive; other
//! records pass through to stdout; the upstream `end` record decides whether
//! the set may be committed. The first failure stops the run.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use wheelpipe::exit::Failure;
use wheelpipe::input::StageInput;
use wheelpipe::records::{ArtifactKind, Record, Satisfied};
use wheelpipe::stream::Writer;

use crate::job::{Direct, Job, Staged, Warn};
use crate::keep::{Keep, Wanted};
use crate::scheme::Scheme;
use crate::staging;

/// Where the wheels come from: paths given as arguments (all requested, no
/// `end` expected), or lines of records or plain paths on stdin.
pub type Source = wheelpipe::stage::Source<PathBuf>;

/// The set of a run: the wheels staged and the distributions kept as they
/// are (already installed, or `satisfied` records from upstream, checked),
/// each sorted by normalized name.
pub struct Set {
    pub staged: Vec<Staged>,
    pub kept: Vec<Satisfied>,
}

/// Where a run stages and what it keeps.
pub struct Plan<'a> {
    /// Makes the run's staging folder and returns it; called once, before
    /// the first wheel that is not kept, so a run that keeps everything
    /// touches nothing in the venv.
    pub staging: &'a dyn Fn() -> Result<PathBuf>,
    pub keep: &'a Keep,
    /// Where editable checkouts go (`--src`); `None` leaves them where
    /// their artifact says.
    pub src: Option<&'a crate::src_dir::SrcDir>,
}

/// Stages every wheel of the run that the venv does not have already.
pub fn stage_all<W: Write>(
    scheme: &Scheme,
    plan: Plan<'_>,
    jobs: usize,
    source: Source,
    opts: &staging::Options,
    out: &mut Writer<W>,
    warn: &Warn,
) -> Result<Set> {
    let (job_tx, job_rx) = crossbeam_channel::unbounded::<(usize, Job)>();
    let (res_tx, res_rx) = crossbeam_channel::unbounded::<Result<Staged>>();
    let cancel = AtomicBool::new(false);
    // The last stage draws the upstream lines and its own (wheels staged).
    let progress = wheelpipe::runtime::progress();
    let trees = OnceLock::new();
    let (mut staged, mut kept) = std::thread::scope(|s| {
        for _ in 0..jobs.max(1) {
            let (job_rx, res_tx, cancel, progress, trees) =
                (job_rx.clone(), res_tx.clone(), &cancel, &progress, &trees);
            s.spawn(move || {
                for (idx, job) in job_rx.iter() {
                    if cancel.load(Ordering::Relaxed) || wheelpipe::signals::interrupted() {
                        continue;
                    }
                    let trees: &PathBuf =
                        trees.get().expect("the staging folder is made before the first job");
                    let name = job.wheel.file_name().map(|n| n.to_string_lossy().into_owned());
                    let item = progress.begin(name.as_deref().unwrap_or("?"), None);
                    let result = crate::sdist::wheel_of(job, opts.build.as_ref()).and_then(|job| {
                        let dir = crate::spread::tree_name(trees, &idx.to_string());
                        staging::stage(&job, scheme, &dir, jobs, opts, warn)
                    });
                    if result.is_ok() {
                        item.done(0);
                        crate::journal::test_pause_at("staged");
                    }
                    // A wheel refused for its RECORD lets the others stage, so
                    // that the refusal can name those that require it.
                    let untrusted = result.as_ref().is_err_and(|e| e.is::<crate::trust::Untrusted>());
                    if result.is_err() && !untrusted {
                        cancel.store(true, Ordering::Relaxed);
                    }
                    let _ = res_tx.send(result);
                }
            });
        }
        drop(res_tx);
        let mut feeder = Feeder::new(job_tx, &res_rx, &progress, plan, &trees);
        feeder.set_up(opts, scheme);
        let fed = match source {
            Source::Args(wheels) => feeder.feed_args(wheels),
            Source::Stdin(input) => feeder.feed_lines(input, out),
        };
        let Feeder { jobs, mut done, kept, .. } = feeder;
        drop(jobs);
        let mut first_err = fed.err();
        if first_err.is_some() {
            cancel.store(true, Ordering::Relaxed);
        }
        for result in res_rx.iter() {
            match result {
                Ok(s) => done.push(s),
                Err(e) => first_err = first_err.take().or(Some(e)),
            }
        }
        crate::unpacked::follow::stop_all(opts.cache.as_ref());
        wheelpipe::signals::check()?;
        match first_err {
            Some(mut e) => {
                crate::trust::name_dependents(&mut e, &done);
                Err(e)
            }
            None => Ok((done, kept)),
        }
    })?;
    staged.sort_by_key(Staged::key);
    kept.sort_by_cached_key(|k| wheelpipe::names::normalize(&k.name));
    Ok(Set { staged, kept })
}

struct Feeder<'a> {
    jobs: Sender<(usize, Job)>,
    results: &'a Receiver<Result<Staged>>,
    done: Vec<Staged>,
    next: usize,
    progress: &'a wheelpipe::progress::Reporter,
    plan: Plan<'a>,
    trees: &'a OnceLock<PathBuf>,
    kept: Vec<Satisfied>,
    /// Where builds get their requires, which an `index` record may say.
    index: Option<&'a wheelpipe::build::BuildIndex>,
    /// Where wheels are unpacked while they download (`arriving` records);
    /// none: they are not.
    follow: Option<(&'a wheelpipe::cache::Cache, &'a Scheme)>,
}

impl<'a> Feeder<'a> {
    fn new(
        jobs: Sender<(usize, Job)>,
        results: &'a Receiver<Result<Staged>>,
        progress: &'a wheelpipe::progress::Reporter,
        plan: Plan<'a>,
        trees: &'a OnceLock<PathBuf>,
    ) -> Self {
        Feeder {
            jobs,
            results,
            done: Vec::new(),
            next: 0,
            progress,
            plan,
            trees,
            kept: Vec::new(),
            index: None,
            follow: None,
        }
    }

    /// What the run's options say: where builds get their requires, and
    /// whether wheels are unpacked while they download (into a cache, checked).
    fn set_up(&mut self, opts: &'a staging::Options, scheme: &'a Scheme) {
        self.index = opts.build.as_ref().map(|b| &b.envs.index);
        self.follow = opts.cache.as_ref().filter(|_| opts.verify).map(|cache| (cache, scheme));
    }

    /// Keeps `job` when the venv has it already (`reinstall`: the artifact
    /// asks for a reinstall), else sends it to the workers.
    fn take(&mut self, mut job: Job, reinstall: bool) -> Result<()> {
        let placed = match self.plan.src {
            Some(src) => src.place(&mut job)?,
            None => false,
        };
        let reinstall = reinstall || placed;
        let wanted = Wanted {
            wheel: &job.wheel,
            requested: job.requested,
            direct: job.direct.as_ref(),
            sha256: job.sha256.as_deref(),
            reinstall,
        };
        if let Some(kept) = self.plan.keep.check(&wanted)? {
            // Counted as done, so a run that keeps everything shows 97/97.
            self.progress.expect(1, None);
            self.progress.begin(&kept.name, None).done(0);
            self.kept.push(kept);
            return Ok(());
        }
        if self.trees.get().is_none() {
            let trees = (self.plan.staging)()?.join("new");
            crate::spread::make_parent(&trees)?;
            let _ = self.trees.set(trees);
        }
        // The workers outlive the sender, so this cannot fail.
        let _ = self.jobs.send((self.next, job));
        self.next += 1;
        self.progress.expect(1, None);
        Ok(())
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
            let direct = crate::tree::direct_for_path(&wheel)?.or(Some(Direct::Path));
            self.take(Job { direct, ..Job::path(wheel) }, false)?;
        }
        self.poll()
    }

    fn feed_lines<W: Write>(&mut self, input: Box<dyn BufRead + Send>, out: &mut Writer<W>) -> Result<()> {
        let input = wheelpipe::input::spawn(crate::TOOL, input);
        self.progress.input_open(true);
        loop {
            self.poll()?;
            let item = match input.recv_timeout(Duration::from_millis(50)) {
                Ok(item) => item,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => bail!("the input reader stopped"),
            };
            match item {
                StageInput::Plain { word, .. } => {
                    let direct = crate::tree::direct_for_path(word.as_ref())?.or(Some(Direct::Path));
                    self.take(Job { direct, ..Job::path(word.into()) }, false)?
                }
                StageInput::Artifact { line, artifact, .. } => {
                    let Some(wheel) = artifact.path.clone() else {
                        return Err(Failure::usage(format!(
                            "stdin:{line}: the artifact {} {} has no `path`: run wheel-fetch before wheel-unpack",
                            artifact.name, artifact.version
                        ))
                        .into());
                    };
                    let direct = match artifact.kind {
                        ArtifactKind::Dir => {
                            Some(Direct::Tree(Box::new(crate::tree_info::TreeInfo::of(&artifact))))
                        }
                        _ => artifact.direct.then(|| Direct::Url(artifact.url.clone())),
                    };
                    let expected_name = Some(artifact.name);
                    let sha256 = artifact.hashes.get("sha256").cloned();
                    if let Some(((cache, _), sha256)) = self.follow.zip(sha256.as_deref()) {
                        crate::unpacked::follow::arrived(cache, sha256, &wheel);
                    }
                    let requested = artifact.requested;
                    let requirement_name = artifact.requirement_name;
                    let job = Job { wheel, requested, expected_name, sha256, direct, requirement_name };
                    self.take(job, artifact.reinstall)?
                }
                // Everything else passes through byte for byte, but for
                // upstream progress when this stage draws it, the
                // `satisfied` records, which belong to the set, `index`, and
                // the `hint` records, for a wheel-fetch that is not there
                // (the artifact installed comes anyway): consumed.
                StageInput::Pass(text) => match wheelpipe::stream::parse_line(&text) {
                    Ok(wheelpipe::records::Line::Known(Record::Satisfied(s))) => {
                        self.kept.push(self.plan.keep.confirm(&s).context("stdin: a satisfied record")?)
                    }
                    // Consumed: it says where this stage's builds get their requires.
                    Ok(wheelpipe::records::Line::Known(Record::Index(index))) => {
                        self.index.inspect(|i| i.adopt(&index));
                    }
                    Ok(wheelpipe::records::Line::Known(Record::Hint(_))) => {}
                    // Consumed: a wheel to unpack while it downloads.
                    Ok(wheelpipe::records::Line::Known(Record::Arriving(arriving))) => {
                        if let Some((cache, scheme)) = self.follow {
                            crate::unpacked::follow::arriving(&arriving, cache, scheme);
                        }
                    }
                    _ => wheelpipe::stage::pass_on(out, self.progress, &text)?,
                },
                StageInput::Bad(err) => return Err(Failure::usage(err.to_string()).into()),
                StageInput::Done(None) => {
                    self.progress.input_open(false);
                    return Ok(());
                }
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
