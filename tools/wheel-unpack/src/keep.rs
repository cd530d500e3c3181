//! "Requirement already satisfied": which wheels of a run the venv already
//! has, as pip and uv decide it. A wheel whose distribution is installed
//! once at the same version (for a direct URL, also from the same URL, and
//! the same file when both say its sha256) is kept as it is, unless a
//! reinstall was asked for it; and the `satisfied` records of wheel-resolve
//! are checked against what is really there.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{bail, Result};
use wheelpipe::names::{normalize, same_release};
use wheelpipe::records::Satisfied;
use wheelpipe::site_packages::{self, Dist};
use wheelpipe::wheel_name::WheelFilename;

use crate::job::Direct;
use crate::scheme::Scheme;
use crate::tree_info::TreeInfo;

/// What the run was asked to reinstall (`--reinstall`, `--reinstall-package`).
#[derive(Clone, Debug, Default)]
pub struct Reinstall {
    pub all: bool,
    /// Normalized names.
    pub names: BTreeSet<String>,
}

impl Reinstall {
    pub fn new(all: bool, names: impl IntoIterator<Item = String>) -> Reinstall {
        Reinstall { all, names: names.into_iter().map(|n| normalize(&n)).collect() }
    }
}

/// The venv's distributions as the run found them, and what it keeps.
pub struct Keep {
    /// Every distribution in the venv's site-packages.
    pub present: Vec<Dist>,
    reinstall: Reinstall,
    /// The venv's site-packages folders, resolved, to know a `location`.
    own: Vec<PathBuf>,
    /// Other site-packages folders read for `satisfied` records.
    others: Mutex<HashMap<PathBuf, Vec<Dist>>>,
}

/// A wheel the run was given, as far as deciding needs (no file opened).
pub struct Wanted<'a> {
    pub wheel: &'a Path,
    pub requested: bool,
    pub direct: Option<&'a Direct>,
    pub sha256: Option<&'a str>,
    /// The artifact's own `reinstall`.
    pub reinstall: bool,
}

impl Keep {
    /// Reads the venv's distributions.
    pub fn read(scheme: &Scheme, reinstall: Reinstall) -> Result<Keep> {
        let libs = scheme.libs();
        let present = site_packages::scan(&libs)?;
        let own = libs.iter().map(|l| l.canonicalize().unwrap_or_else(|_| l.to_path_buf())).collect();
        Ok(Keep { present, reinstall, own, others: Mutex::default() })
    }

    /// The `satisfied` record for `w` when the venv has it already.
    pub fn check(&self, w: &Wanted) -> Result<Option<Satisfied>> {
        if let Some(Direct::Tree(info)) = w.direct {
            return keep_tree(self, info, w);
        }
        let filename = w.wheel.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
        let Ok(parsed) = WheelFilename::parse(&filename) else { return Ok(None) };
        let key = normalize(&parsed.name);
        if w.reinstall || self.reinstall.all || self.reinstall.names.contains(&key) {
            return Ok(None);
        }
        let mut same = self.present.iter().filter(|d| d.key() == key);
        let (Some(dist), None) = (same.next(), same.next()) else { return Ok(None) };
        if !same_release((&dist.name, &dist.version), (&parsed.name, &parsed.version)) {
            return Ok(None);
        }
        if let Some(direct) = w.direct {
            // An unreadable direct_url.json is no match: the install rewrites it.
            let Some(installed) = dist.direct_url().ok().flatten() else { return Ok(None) };
            let same_file = match (w.sha256, installed.sha256.as_deref()) {
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                _ => true,
            };
            if installed.url != direct.url(w.wheel)? || installed.editable || !same_file {
                return Ok(None);
            }
        }
        Ok(Some(satisfied(dist, w.requested)))
    }

    /// True when a reinstall of `key` (normalized) was asked for.
    pub fn reinstalls(&self, key: &str) -> bool {
        self.reinstall.all || self.reinstall.names.contains(key)
    }

    /// Checks a `satisfied` record from upstream: the distribution must be
    /// at its `location` at that version.
    pub fn confirm(&self, s: &Satisfied) -> Result<Satisfied> {
        let location = s.location.canonicalize().unwrap_or_else(|_| s.location.clone());
        let found = if self.own.contains(&location) {
            self.find(&self.present, s)
        } else {
            let mut others = self.others.lock().unwrap_or_else(|e| e.into_inner());
            if !others.contains_key(&location) {
                others.insert(location.clone(), site_packages::scan(&[&location])?);
            }
            self.find(&others[&location], s)
        };
        match found {
            Some(dist) => Ok(satisfied(&dist, s.requested)),
            None => bail!(
                "{} {} was kept as already installed in {}, but it is not there (any more): resolve again",
                s.name,
                s.version,
                s.location.display()
            ),
        }
    }

    fn find(&self, dists: &[Dist], s: &Satisfied) -> Option<Dist> {
        dists.iter().find(|d| same_release((&d.name, &d.version), (&s.name, &s.version))).cloned()
    }
}

pub(crate) fn satisfied(dist: &Dist, requested: bool) -> Satisfied {
    Satisfied {
        name: dist.name.clone(),
        version: dist.version.clone(),
        requested,
        location: dist.location.clone(),
    }
}

#[cfg(test)]
#[path = "keep_tests.rs"]
mod tests;

/// The `satisfied` record when the venv has the folder's project in a way
/// that may be kept (see the module's comment).
fn keep_tree(keep: &Keep, info: &TreeInfo, w: &Wanted) -> Result<Option<Satisfied>> {
    let key = normalize(&info.name);
    if w.reinstall || keep.reinstalls(&key) {
        return Ok(None);
    }
    let mut same = keep.present.iter().filter(|d| d.key() == key);
    let (Some(dist), None) = (same.next(), same.next()) else { return Ok(None) };
    if !same_release((&dist.name, &dist.version), (&info.name, &info.version)) {
        return Ok(None);
    }
    let Some(installed) = dist.direct_url().ok().flatten() else { return Ok(None) };
    if installed.url != info.url || installed.editable != info.editable {
        return Ok(None);
    }
    let kept = match &info.vcs {
        Some(vcs) => installed.commit_id.as_deref() == Some(vcs.commit_id.as_str()),
        None => info.editable && !metadata_changed(w.wheel, &dist.dist_info.join("direct_url.json")),
    };
    Ok(kept.then(|| satisfied(dist, w.requested)))
}

/// True when a file that holds a project's metadata in `folder` is newer
/// than `installed` (or either cannot be read).
fn metadata_changed(folder: &Path, installed: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let Some(when) = modified(installed) else { return true };
    ["pyproject.toml", "setup.py", "setup.cfg"]
        .iter()
        .filter_map(|f| modified(&folder.join(f)))
        .any(|changed| changed > when)
}
