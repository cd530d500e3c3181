//! The network side of resolution: project pages and wheel metadata, each
//! read once, by a pool of threads that runs ahead of the solver. When a
//! page arrives its best candidate's metadata is asked for at once; when
//! metadata arrives, the pages of its dependencies are. The solver asks for
//! what it needs and waits only for what is not there yet; what nobody
//! started yet it reads itself, so it never queues behind guesses.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use std::sync::{Arc, Condvar, Mutex};

use crossbeam_channel::{Receiver, Sender};
use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{MarkerEnvironment, Requirement, VersionOrUrl};
use wheelpipe::cache::Cache;
use wheelpipe::http::Client;
use wheelpipe::index::IndexClient;
use wheelpipe::metadata::RangeHosts;
use wheelpipe::names::normalize;
use wheelpipe::progress::Reporter;

mod hint;
mod urls;

use super::project::{Prereleases, Project, Range};
use crate::requirements::format_control::FormatControl;
use crate::requirements::Hash;
use crate::select::{Choice, Target};

/// Threads reading pages and metadata ahead of the solver.
pub const THREADS: usize = 48;

/// A version's wheel and what its metadata says.
#[derive(Debug)]
pub struct Candidate {
    /// The wheel; `None` for the installed distribution kept as it is.
    pub choice: Option<Choice>,
    /// The metadata's Provides-Extra.
    pub provides_extra: Vec<String>,
    /// The metadata's Requires-Dist, parsed; lines that do not parse are left out.
    pub requires: Vec<Requirement>,
    /// Each required name (normalized) as its first Requires-Dist line wrote it.
    pub written: HashMap<String, String>,
    /// Why the sdist's metadata could not be read: the candidate then has
    /// no dependencies, so that resolution goes on to meet every other
    /// such sdist, and fails at the end naming them all.
    pub unbuildable: Option<String>,
}

impl Candidate {
    /// A candidate without dependencies: with `--no-deps`, or for an sdist
    /// whose metadata could not be read (`unbuildable`, why).
    pub fn bare(choice: Choice, unbuildable: Option<String>) -> Candidate {
        let (provides_extra, requires, written) = Default::default();
        Candidate { choice: Some(choice), provides_extra, requires, written, unbuildable }
    }
}

/// Why a version cannot be used (shown to the user), or why reading failed.
#[derive(Debug, Clone)]
pub enum Unusable {
    /// No wheel fits, yanked, ...: the solver tries another version.
    Skip(String),
    /// The network or the metadata failed: resolution stops.
    Failed(String),
}

type Shared<T> = Arc<Result<T, Unusable>>;

enum Slot<T> {
    Queued,
    Running,
    Done(Shared<T>),
}

struct State {
    pages: HashMap<String, Slot<Project>>,
    candidates: HashMap<(String, Version), Slot<Candidate>>,
    /// Where jobs are queued; `None` once closed, which ends the workers.
    jobs: Option<Sender<Job>>,
    /// Set by [`Fetcher::drain`]: what is queued still runs, and the pages
    /// read get their best candidate read, but no new page is asked for.
    draining: bool,
}

impl State {
    /// True while new pages may be asked for.
    fn open(&self) -> bool {
        self.jobs.is_some() && !self.draining
    }

    /// Queues `job` unless closed.
    fn queue(&self, job: Job) {
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send(job);
        }
    }

    /// True while a page or candidate is queued or being read.
    fn busy(&self) -> bool {
        self.pages.values().any(|s| !matches!(s, Slot::Done(_)))
            || self.candidates.values().any(|s| !matches!(s, Slot::Done(_)))
    }
}

enum Job {
    Page(String, Option<VersionSpecifiers>),
    Candidate(String, Version),
}

/// What the fetcher needs to know about the run.
pub struct Context<'a> {
    pub index: &'a IndexClient<'a>,
    pub http: &'a Client,
    pub cache: Option<&'a Cache>,
    pub target: &'a Target<'a>,
    pub env: &'a MarkerEnvironment,
    /// `--hash` values by normalized name: only files with one of them are candidates.
    pub hashes: &'a BTreeMap<String, Vec<Hash>>,
    /// `name @ URL` requirements by normalized name: that wheel is the project's only file.
    pub direct: &'a BTreeMap<String, String>,
    /// `--no-deps`: no metadata is read, every version has no dependencies.
    pub no_deps: bool,
    /// What the target environment has, and what may move.
    pub installed: &'a crate::installed::Installed,
    /// Counts the pages and metadata read.
    pub progress: &'a Reporter,
    /// `--no-binary` and `--only-binary`: which projects may, or must, come from source.
    pub format: &'a FormatControl,
    /// `--prefer-binary`: an older version with a wheel before a newer one with only a source.
    pub prefer_binary: bool,
    /// Reads sdists' metadata (PKG-INFO, else the backend); `None` without
    /// a cache, when sdists are passed over as with `--only-binary`.
    pub build: Option<&'a wheelpipe::build::Settings>,
    /// Folders and checkouts named by the requirements, prepared: each
    /// project's one candidate.
    pub trees: &'a BTreeMap<String, crate::trees::Prepared>,
    /// The exact pins whose wheels are announced as soon as their pages
    /// are read (`hint` records); `None`: no hints.
    pub early: Option<super::early::Early<'a>>,
}

pub struct Fetcher<'a> {
    pub(super) cx: Context<'a>,
    pub(super) hosts: RangeHosts,
    state: Mutex<State>,
    changed: Condvar,
    queue: Receiver<Job>,
    warnings: Mutex<Vec<String>>,
    /// Versions the solver tried that have only source distributions, by name.
    sdist_only: Mutex<BTreeMap<String, Vec<Version>>>,
    /// The URLs dependencies name (`name @ URL`).
    pub(super) url_deps: super::url_deps::UrlDeps,
}

impl<'a> Fetcher<'a> {
    pub fn new(cx: Context<'a>) -> Fetcher<'a> {
        let (jobs, queue) = crossbeam_channel::unbounded();
        Fetcher {
            cx,
            hosts: RangeHosts::new(),
            state: Mutex::new(State {
                pages: HashMap::new(),
                candidates: HashMap::new(),
                jobs: Some(jobs),
                draining: false,
            }),
            changed: Condvar::new(),
            queue,
            warnings: Mutex::new(Vec::new()),
            sdist_only: Mutex::default(),
            url_deps: Default::default(),
        }
    }

    /// Runs queued jobs until [`Fetcher::close`]; call from several threads.
    pub fn work(&self) {
        while let Ok(job) = self.queue.recv() {
            if self.lock().jobs.is_none() {
                return; // closed: what is still queued was only read ahead
            }
            match job {
                Job::Page(name, hint) => {
                    if self.claim(|s| s.pages.get_mut(&name)) {
                        let started = self.url_deps.generation();
                        let page = self.read_page(&name);
                        self.finish_page(&name, page, hint.as_ref(), started);
                    }
                }
                Job::Candidate(name, version) => {
                    let key = (name.clone(), version.clone());
                    if self.claim(|s| s.candidates.get_mut(&key)) {
                        let started = self.url_deps.generation();
                        let candidate = self.read_candidate(&name, &version);
                        self.finish_candidate(key, candidate, started);
                    }
                }
            }
        }
    }

    /// Where files were looked for, for messages.
    pub fn sources(&self) -> &str {
        &self.cx.target.sources
    }

    /// Stops the workers after their current request: with the sender
    /// gone, a waiting worker's `recv` ends.
    pub fn close(&self) {
        self.lock().jobs = None;
    }

    /// Keeps a warning for the end of the run (each once).
    pub fn warn(&self, message: String) {
        let mut warnings = self.warnings.lock().expect("no thread panics holding the lock");
        if !warnings.contains(&message) {
            warnings.push(message);
        }
    }

    /// Warnings met so far (invalid Requires-Dist lines, missing extras), emptied.
    pub fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut *self.warnings.lock().expect("no thread panics holding the lock"))
    }

    /// Lets what is queued or being read finish (a page with its best
    /// candidate), asking for no new page, so that a failed resolution
    /// reports every project read ahead that has only source distributions
    /// it may not build, not only the first. Call before [`Fetcher::close`].
    pub fn drain(&self) {
        let mut state = self.lock();
        state.draining = true;
        while state.busy() && state.jobs.is_some() && !wheelpipe::signals::interrupted() {
            let waited = self.changed.wait_timeout(state, std::time::Duration::from_millis(200));
            state = waited.expect("no thread panics holding the lock").0;
        }
    }

    /// True when the solver passed over a version for having only source distributions.
    pub fn noted_sdist_only(&self) -> bool {
        !self.sdist_only.lock().expect("no thread panics holding the lock").is_empty()
    }

    /// Keeps a version that has only source distributions, for the error.
    pub fn note_sdist_only(&self, name: &str, version: &Version) {
        let mut found = self.sdist_only.lock().expect("no thread panics holding the lock");
        found.entry(name.to_string()).or_default().push(version.clone());
    }

    /// The versions tried that have only source distributions (where they
    /// may not be built), newest first, and the projects read that have no
    /// wheel at all (with no
    /// versions listed), by name.
    pub fn sdist_only(&self) -> BTreeMap<String, Vec<Version>> {
        let mut found = self.sdist_only.lock().expect("no thread panics holding the lock").clone();
        for versions in found.values_mut() {
            versions.sort_by(|a, b| b.cmp(a));
            versions.dedup();
        }
        for (name, slot) in &self.lock().pages {
            if let Slot::Done(page) = slot {
                let forbidden = self.cx.build.is_none() || !self.cx.format.allows_source(name);
                if forbidden && page.as_ref().as_ref().is_ok_and(Project::no_wheel_at_all) {
                    found.insert(name.clone(), Vec::new());
                }
            }
        }
        found
    }

    /// Asks for a page before it is needed.
    pub fn prefetch_page(&self, name: &str, hint: Option<VersionSpecifiers>) {
        let mut state = self.lock();
        if state.open() && !state.pages.contains_key(name) {
            state.pages.insert(name.to_string(), Slot::Queued);
            state.queue(Job::Page(name.to_string(), hint));
        }
    }

    /// The project `name`, read now unless it is read or being read.
    pub fn project(&self, name: &str) -> Shared<Project> {
        let key = name.to_string();
        let found = self.get_or_claim(|s| &mut s.pages, &key);
        found.unwrap_or_else(|| {
            let started = self.url_deps.generation();
            let page = self.read_page(name);
            self.finish_page(name, page, None, started)
        })
    }

    /// The wheel and metadata of `name` at `version`.
    pub fn candidate(&self, name: &str, version: &Version) -> Shared<Candidate> {
        let key = (name.to_string(), version.clone());
        let found = self.get_or_claim(|s| &mut s.candidates, &key);
        found.unwrap_or_else(|| {
            let started = self.url_deps.generation();
            let candidate = self.read_candidate(name, version);
            self.finish_candidate(key, candidate, started)
        })
    }

    /// The candidates read so far for a version (for the output).
    pub fn done_candidate(&self, name: &str, version: &Version) -> Option<Shared<Candidate>> {
        match self.lock().candidates.get(&(name.to_string(), version.clone())) {
            Some(Slot::Done(c)) => Some(c.clone()),
            _ => None,
        }
    }

    /// Forgets the page and candidates of `name` read so far (a
    /// dependency's URL replaced them); reads of it still running are
    /// thrown away when they end.
    pub(super) fn forget(&self, name: &str) {
        let mut state = self.lock();
        state.pages.remove(name);
        state.candidates.retain(|(n, _), _| n != name);
        drop(state);
        self.changed.notify_all();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("no thread panics holding the lock")
    }

    /// True when the caller may run the job `slot` finds still queued.
    fn claim<T>(&self, slot: impl FnOnce(&mut State) -> Option<&mut Slot<T>>) -> bool {
        let mut state = self.lock();
        match slot(&mut state) {
            Some(s @ Slot::Queued) => {
                *s = Slot::Running;
                true
            }
            _ => false,
        }
    }

    /// The finished result for `key`, after waiting for a running job; `None`
    /// when the caller has claimed the job and must run it.
    fn get_or_claim<K, T>(
        &self,
        map: impl Fn(&mut State) -> &mut HashMap<K, Slot<T>>,
        key: &K,
    ) -> Option<Shared<T>>
    where
        K: std::hash::Hash + Eq + Clone,
    {
        let mut state = self.lock();
        loop {
            match map(&mut state).get_mut(key) {
                Some(Slot::Done(result)) => return Some(result.clone()),
                Some(Slot::Running) => {
                    state = self.changed.wait(state).expect("no thread panics holding the lock");
                }
                Some(slot @ Slot::Queued) => {
                    *slot = Slot::Running;
                    return None;
                }
                None => {
                    map(&mut state).insert(key.clone(), Slot::Running);
                    return None;
                }
            }
        }
    }

    /// Runs `read`, counted as one item named `name` of the stage's progress.
    fn counted<T>(&self, name: &str, read: impl FnOnce() -> T) -> T {
        self.cx.progress.expect(1, None);
        let item = self.cx.progress.begin(name, None);
        let result = read();
        item.done(0);
        result
    }

    fn read_page(&self, name: &str) -> Result<Project, Unusable> {
        self.counted(name, || self.read_page_now(name))
    }

    fn read_page_now(&self, name: &str) -> Result<Project, Unusable> {
        if let Some(found) = self.url_deps.get(name) {
            return found.project(name).map_err(Unusable::Failed);
        }
        if let Some(tree) = self.cx.trees.get(name) {
            let version = Version::from_str(&tree.artifact.version)
                .map_err(|e| Unusable::Failed(format!("{name} {}: {e}", tree.artifact.version)))?;
            return Ok(Project { files: Vec::new(), versions: vec![version], installed_only: None });
        }
        if let Some(url) = self.cx.direct.get(name) {
            let file = super::direct::dist_file(name, url).map_err(Unusable::Failed)?;
            return Ok(Project::new(name, vec![file]));
        }
        let mut project = match self.cx.index.project_files(name) {
            Ok(files) => Project::new(name, files),
            Err(e) => return Err(Unusable::Failed(format!("{e:#}"))),
        };
        // pip keeps an installed version that fits even when the index no longer has it.
        if let Some((_, version)) = self.cx.installed.keepable(name) {
            project.add_version(version.clone());
        }
        Ok(project)
    }

    fn finish_page(
        &self,
        name: &str,
        page: Result<Project, Unusable>,
        hint: Option<&VersionSpecifiers>,
        started: u64,
    ) -> Shared<Project> {
        let page = Arc::new(page);
        if self.url_deps.stale(name, started) {
            self.changed.notify_all();
            return page;
        }
        if let Ok(project) = page.as_ref() {
            self.hint_early(name, project);
            // The version the solver will most likely try first: the installed one, else the newest.
            let range = hint.map_or_else(Range::full, |h| project.range(h));
            let installed = self.cx.installed.preferred(name).filter(|v| project.versions.contains(v));
            let best = match installed {
                Some(v) if range.contains(v) => Some(v),
                _ => project.best_in(&range, Prereleases::IfNoFinal),
            };
            if let Some(best) = best {
                let key = (name.to_string(), best.clone());
                let mut state = self.lock();
                if state.jobs.is_some() && !state.candidates.contains_key(&key) {
                    state.candidates.insert(key, Slot::Queued);
                    state.queue(Job::Candidate(name.to_string(), best.clone()));
                }
            }
        }
        self.lock().pages.insert(name.to_string(), Slot::Done(page.clone()));
        self.changed.notify_all();
        page
    }

    fn finish_candidate(
        &self,
        key: (String, Version),
        candidate: Result<Candidate, Unusable>,
        started: u64,
    ) -> Shared<Candidate> {
        let candidate = Arc::new(candidate);
        if self.url_deps.stale(&key.0, started) {
            self.changed.notify_all();
            return candidate;
        }
        if let Ok(found) = candidate.as_ref() {
            for req in &found.requires {
                // Dependencies the solver will most likely need: markers
                // true without extras (extras are asked for when met).
                if req.evaluate_markers(self.cx.env, &[]) {
                    let hint = match &req.version_or_url {
                        Some(VersionOrUrl::VersionSpecifier(s)) => Some(s.clone()),
                        // Not the index's: the solver takes in the URL when it meets it.
                        Some(VersionOrUrl::Url(_)) => continue,
                        None => None,
                    };
                    self.prefetch_page(&normalize(req.name.as_ref()), hint);
                }
            }
        }
        self.lock().candidates.insert(key, Slot::Done(candidate.clone()));
        self.changed.notify_all();
        candidate
    }

    fn read_candidate(&self, name: &str, version: &Version) -> Result<Candidate, Unusable> {
        self.counted(&format!("{name} {version}"), || self.read_candidate_now(name, version))
    }
}
