//! `hint` records: wheels wheel-resolve announces before its resolution
//! ends. Each becomes a download like any other (a job of the queue,
//! counted against `-j`, into the verified store by common's one download
//! path), but tentative: nothing is written for it until an `artifact`
//! with the same `url` (or sha256) confirms it, and that artifact is then
//! written with `path` once the file is there, without a second download.
//! At the upstream's `end`, what no artifact confirmed is cancelled (the
//! temporary file deleted, nothing stored) or dropped before it starts.
//! A tentative download counts on a progress of its own that nobody sees;
//! a confirmed one counts as a wheel of the stage when its artifact comes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::Result;
use wheelpipe::fetch::Stored;
use wheelpipe::progress::{Role, StageProgress};
use wheelpipe::records::{Artifact, Hint};
use wheelpipe::stage::Event;

use super::{finish, Settings};
use crate::download::Fetcher;
use crate::input::Job;

/// The hinted downloads of a run, by URL.
pub struct Hints {
    table: Mutex<Table>,
    /// Where tentative downloads count their bytes: shown nowhere.
    unseen: StageProgress,
}

#[derive(Default)]
struct Table {
    entries: HashMap<String, Entry>,
    /// The upstream ended: no hint is taken any more.
    ended: bool,
    /// The URLs of artifacts that came unhinted: a later hint of one is
    /// no new download.
    unhinted: std::collections::HashSet<String>,
}

struct Entry {
    sha256: Option<String>,
    cancel: Arc<AtomicBool>,
    /// The artifact that confirmed the hint while its download runs.
    confirmed: Option<Box<Artifact>>,
    /// How the download ended before any artifact confirmed it: the file,
    /// or `None` when it failed. Not set while queued or running.
    ended: Option<Option<Stored>>,
}

/// What an `artifact` found among the hints.
pub enum Confirmed {
    /// Not hinted (or its download failed): a job like any other.
    No(Box<Artifact>),
    /// Its download runs: the artifact is written when it ends.
    Waiting,
}

impl Default for Hints {
    fn default() -> Hints {
        Hints { table: Mutex::default(), unseen: StageProgress::new(crate::TOOL, Role::Silent) }
    }
}

impl Hints {
    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        self.table.lock().expect("no thread panics holding the lock")
    }

    /// The job for a hint, unless its URL is known already, the upstream
    /// ended, or it is no wheel.
    pub fn add(&self, hint: &Hint) -> Option<Job> {
        let mut table = self.lock();
        let wheel = hint.filename.ends_with(".whl");
        let known = table.entries.contains_key(&hint.url) || table.unhinted.contains(&hint.url);
        if table.ended || !wheel || known {
            return None;
        }
        let entry = Entry {
            sha256: hint.hashes.get("sha256").cloned(),
            cancel: Arc::default(),
            confirmed: None,
            ended: None,
        };
        table.entries.insert(hint.url.clone(), entry);
        Some(Job { hint: true, ..Job::from_artifact(hint.to_artifact()) })
    }

    /// Looks `artifact` up among the hints, by URL, else by sha256. A hint
    /// whose file is stored already gives the artifact back with that
    /// file's sha256, so that its job finds the file in the store.
    pub fn confirm(&self, mut artifact: Box<Artifact>) -> Confirmed {
        let mut table = self.lock();
        let sha256 = artifact.sha256().map(str::to_string);
        let key = match table.entries.contains_key(&artifact.url) {
            true => Some(artifact.url.clone()),
            false => table
                .entries
                .iter()
                .find(|(_, e)| e.sha256.is_some() && e.sha256 == sha256)
                .map(|(k, _)| k.clone()),
        };
        let Some(key) = key else {
            table.unhinted.insert(artifact.url.clone());
            return Confirmed::No(artifact);
        };
        let entry = table.entries.get_mut(&key).expect("found above");
        match entry.ended.take() {
            None => {
                entry.confirmed = Some(artifact);
                Confirmed::Waiting
            }
            Some(stored) => {
                table.entries.remove(&key);
                if let (Some(stored), None) = (stored, &sha256) {
                    artifact.hashes.insert("sha256".into(), stored.sha256);
                }
                Confirmed::No(artifact)
            }
        }
    }

    /// The upstream ended: the downloads no artifact confirmed stop (or
    /// never start), and later hints are ignored.
    pub fn end(&self) {
        let mut table = self.lock();
        table.ended = true;
        table.entries.retain(|_, e| {
            let keep = e.confirmed.is_some();
            if !keep {
                e.cancel.store(true, Ordering::Relaxed);
            }
            keep
        });
    }

    /// Runs a hint's job: its download, then the confirming artifact with
    /// `path`, or nothing when none confirmed it (yet).
    pub fn run(
        &self,
        settings: &Settings,
        job: Job,
        announce: Option<&crate::arriving::Announce>,
    ) -> Option<Event<Box<Artifact>>> {
        let cancel = {
            let table = self.lock();
            let entry = table.entries.get(&job.artifact.url)?;
            Arc::clone(&entry.cancel)
        };
        if cancel.load(Ordering::Relaxed) {
            return None;
        }
        let item = Arc::new(self.unseen.begin(&job.artifact.filename, job.artifact.size));
        let fetcher = Fetcher {
            http: &settings.http,
            cache: &settings.cache,
            board: settings.board.as_ref(),
            cancel: &cancel,
            announce,
        };
        let result = fetcher.fetch_to_store(&job, &item);
        drop(item);
        let confirmed = {
            let mut table = self.lock();
            let entry = table.entries.get_mut(&job.artifact.url)?;
            match entry.confirmed.take() {
                Some(artifact) => {
                    table.entries.remove(&job.artifact.url);
                    artifact
                }
                None => {
                    entry.ended = Some(result.ok());
                    return None;
                }
            }
        };
        Some(match result.and_then(|stored| confirmed_done(settings, *confirmed, stored)) {
            Ok(artifact) => Event::Done(Box::new(artifact)),
            Err(err) => Event::Failed(err),
        })
    }

    /// Cancels every hinted download still running (the run ends).
    pub fn cancel_all(&self) {
        for entry in self.lock().entries.values() {
            entry.cancel.store(true, Ordering::Relaxed);
        }
    }
}

/// A confirmed hint's file, counted as one wheel of the stage (all its
/// bytes at once, as a file found in the store) and placed as any other.
fn confirmed_done(settings: &Settings, artifact: Artifact, stored: Stored) -> Result<Artifact> {
    let item = settings.progress.begin(&artifact.filename, artifact.size);
    item.done(std::fs::metadata(&stored.path).map_or(0, |m| m.len()));
    finish(settings, artifact, stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254";

    fn hint(url: &str) -> Hint {
        let artifact = Artifact {
            hashes: [("sha256".to_string(), SHA.to_string())].into(),
            ..Artifact::new("six".into(), "1.16.0".into(), "six-1.16.0-py3-none-any.whl".into(), url.into())
        };
        Hint::of(&artifact)
    }

    fn artifact(url: &str, sha256: Option<&str>) -> Box<Artifact> {
        let mut a = hint(url).to_artifact();
        a.hashes = sha256.map(|h| ("sha256".to_string(), h.to_string())).into_iter().collect();
        Box::new(a)
    }

    #[test]
    fn one_job_a_url_and_an_artifact_confirms_by_url_or_sha256() {
        let hints = Hints::default();
        let job = hints.add(&hint("http://127.0.0.1:1/six.whl")).expect("a job");
        assert!(job.hint && !job.artifact.requested);
        assert!(hints.add(&hint("http://127.0.0.1:1/six.whl")).is_none(), "one download a URL");
        assert!(matches!(
            hints.confirm(artifact("http://mirror.example/six.whl", Some(SHA))),
            Confirmed::Waiting
        ));
        assert!(matches!(hints.confirm(artifact("http://127.0.0.1:1/other.whl", None)), Confirmed::No(_)));
        assert!(hints.add(&hint("http://127.0.0.1:1/other.whl")).is_none(), "came as an artifact first");
    }

    #[test]
    fn the_end_cancels_what_no_artifact_confirmed_and_takes_no_more_hints() {
        let hints = Hints::default();
        hints.add(&hint("http://127.0.0.1:1/a.whl")).unwrap();
        hints.add(&hint("http://127.0.0.1:1/b.whl")).unwrap();
        let cancel_of = |url: &str| Arc::clone(&hints.lock().entries[url].cancel);
        let (a, b) = (cancel_of("http://127.0.0.1:1/a.whl"), cancel_of("http://127.0.0.1:1/b.whl"));
        assert!(matches!(hints.confirm(artifact("http://127.0.0.1:1/a.whl", None)), Confirmed::Waiting));
        hints.end();
        assert!(!a.load(Ordering::Relaxed) && b.load(Ordering::Relaxed));
        assert!(hints.add(&hint("http://127.0.0.1:1/c.whl")).is_none());
        let mut sdist = hint("http://127.0.0.1:1/d.tar.gz");
        sdist.filename = "d-1.tar.gz".into();
        assert!(Hints::default().add(&sdist).is_none(), "only wheels");
    }

    #[test]
    fn a_stored_hint_gives_its_sha256_to_the_artifact_that_confirms_it() {
        let hints = Hints::default();
        hints.add(&hint("http://127.0.0.1:1/a.whl")).unwrap();
        let stored = Stored { path: "/c/a.whl".into(), sha256: SHA.into(), downloaded: true };
        hints.lock().entries.get_mut("http://127.0.0.1:1/a.whl").unwrap().ended = Some(Some(stored));
        match hints.confirm(artifact("http://127.0.0.1:1/a.whl", None)) {
            Confirmed::No(a) => assert_eq!(a.sha256(), Some(SHA)),
            Confirmed::Waiting => panic!("its download ended"),
        }
        assert!(hints.lock().entries.is_empty());
    }
}
