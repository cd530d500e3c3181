//! Direct references met in dependencies (`Requires-Dist: name @ URL`),
//! accepted as pip accepts them: the URL's wheel, sdist, folder or git
//! checkout becomes the project's one candidate, whoever else names the
//! project (a version another requirement asks for must then be the URL's
//! version). The same URL met again is that one candidate; another URL for
//! the project, from a dependency or from the requirements, is a conflict
//! that names both requirers. A URL found after the solver has met the
//! project restarts the solver; what the fetcher read stays read, and a
//! read of that project started before the URL was known is thrown away.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use pep440_rs::Version;
use wheelpipe::http::redact;
use wheelpipe::index::DistFile;

use super::direct::dist_file;
use super::project::Project;
use crate::requirements::trees::{self, Place, Tree};
use crate::trees::Prepared;

/// What a dependency's URL stands for.
#[derive(Debug)]
pub enum Source {
    /// A wheel or an sdist: the project's only file.
    File(DistFile),
    /// A folder or a git checkout, prepared: its artifact and metadata.
    Tree(Box<Prepared>),
}

/// A dependency's URL, the first requirer that named it, and what it stands for.
#[derive(Debug)]
pub struct Found {
    /// The URL as the requirement wrote it (credentials hidden), for messages.
    pub url: String,
    /// What makes two URLs the same candidate.
    pub(super) key: String,
    /// The requirer, `name version`.
    pub by: String,
    pub source: Source,
    /// When it was found: reads of the project started before are stale.
    generation: u64,
}

impl Found {
    /// The project as the solver sees it: the one version of the URL.
    pub fn project(&self, name: &str) -> Result<Project, String> {
        match &self.source {
            Source::File(file) => Ok(Project::new(name, vec![file.clone()])),
            Source::Tree(tree) => {
                let version = Version::from_str(&tree.artifact.version)
                    .map_err(|e| format!("{name} {}: {e}", tree.artifact.version))?;
                Ok(Project { files: Vec::new(), versions: vec![version], installed_only: None })
            }
        }
    }
}

/// The dependencies' URLs by normalized name.
#[derive(Debug, Default)]
pub struct UrlDeps {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    found: BTreeMap<String, Arc<Found>>,
    /// Grows with every URL found.
    generation: u64,
    /// Folders and checkouts that gave no metadata, by key: why.
    failed: BTreeMap<String, String>,
}

impl UrlDeps {
    /// Why the folder or checkout of `key` gave no metadata, if it did not.
    pub(super) fn failure(&self, key: &str) -> Option<String> {
        self.lock().failed.get(key).cloned()
    }

    /// Remembers that the folder or checkout of `key` gave no metadata.
    pub(super) fn failed(&self, key: String, why: String) {
        self.lock().failed.insert(key, why);
    }

    /// Takes in `url` (shown as written, `key` to compare) as `name`'s one
    /// candidate, required by `by`; reads of `name` started before are stale.
    pub(super) fn found(&self, name: &str, url: String, key: String, by: &str, source: Source) {
        let mut inner = self.lock();
        inner.generation += 1;
        let generation = inner.generation;
        let found = Found { url, key, by: by.to_string(), source, generation };
        inner.found.insert(name.to_string(), Arc::new(found));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().expect("no thread panics holding the lock")
    }

    /// The URL a dependency gave `name`, if one did.
    pub fn get(&self, name: &str) -> Option<Arc<Found>> {
        self.lock().found.get(name).cloned()
    }

    /// A count that grows with every URL found: taken before a read.
    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// True when a URL for `name` was found after a read that started at `started`.
    pub fn stale(&self, name: &str, started: u64) -> bool {
        self.lock().found.get(name).is_some_and(|f| f.generation > started)
    }
}

/// Why a dependency's URL cannot be taken in.
#[derive(Debug)]
pub enum UrlError {
    /// Two URLs for one project, or a URL that is not one of the project: resolution stops.
    Stop(String),
    /// The folder or checkout gives no metadata (its backend failed).
    Unprepared(String),
}

/// What a dependency's URL means for the solver.
#[derive(Debug, PartialEq, Eq)]
pub enum Met {
    /// The project's candidate already is that URL's.
    Known,
    /// The URL is new: the project's candidate changed.
    New,
}

/// A URL parsed, not yet prepared.
pub(super) enum Kind {
    File(DistFile),
    Tree(Tree),
}

/// What `url` (a requirement on `name`) names, and what makes it the same as another.
pub(super) fn parse(name: &str, url: &str) -> Result<(String, Kind), String> {
    match trees::parse(&format!("{name} @ {url}"), Path::new("/"), false) {
        Some(Ok(tree)) => Ok((tree_key(&tree.place, tree.subdirectory.as_deref()), Kind::Tree(tree))),
        Some(Err(e)) => Err(e),
        None => {
            let file = dist_file(name, url)?;
            // pip's rule: the same URL with other hashes is another link.
            Ok((format!("file {} {:?}", file.url, file.hashes), Kind::File(file)))
        }
    }
}

fn tree_key(place: &Place, subdirectory: Option<&str>) -> String {
    let sub = subdirectory.unwrap_or_default();
    match place {
        Place::Dir(path) => format!("dir {}", path.join(sub).display()),
        Place::Git { url, rev } => format!("git {} @{} #{sub}", redact(url), rev.as_deref().unwrap_or("")),
    }
}

/// The key of a tree the requirements named, prepared.
pub(super) fn prepared_key(tree: &Prepared) -> String {
    let artifact = &tree.artifact;
    let sub = artifact.subdirectory.as_deref();
    match (&artifact.vcs, &artifact.path) {
        (Some(vcs), _) => {
            tree_key(&Place::Git { url: artifact.url.clone(), rev: vcs.requested_revision.clone() }, sub)
        }
        (None, Some(path)) => format!("dir {}", path.display()),
        (None, None) => format!("dir {}", artifact.url),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_file_or_tree_has_one_key_and_other_hashes_make_another_as_in_pip() {
        let wheel = "http://127.0.0.1:9/f/dep-1.0-py3-none-any.whl";
        let (a, _) = parse("dep", wheel).unwrap();
        let (b, _) = parse("dep", &format!("{wheel}#sha256=abcd")).unwrap();
        assert_ne!(a, b, "pip 23.2 takes a hash fragment for another link");
        assert_eq!(b, parse("dep", &format!("{wheel}#sha256=ABCD")).unwrap().0);
        let (c, _) = parse("dep", "http://127.0.0.1:9/g/dep-1.0-py3-none-any.whl").unwrap();
        assert_ne!(a, c, "another place is another URL");
        let (git, kind) = parse("dep", "git+https://host.example/dep.git@v1").unwrap();
        assert!(matches!(kind, Kind::Tree(_)), "{git}");
        let (other, _) = parse("dep", "git+https://host.example/dep.git@v2").unwrap();
        assert_ne!(git, other, "another revision");
        assert!(parse("dep", "hg+https://host.example/dep").is_err(), "only git");
        assert!(parse("dep", "http://127.0.0.1:9/f/other-1.0-py3-none-any.whl").is_err(), "another project");
    }
}
