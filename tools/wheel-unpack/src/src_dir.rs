//! Editable git requirements in pip's src folder (`--src`, default
//! `<venv>/src`): an `artifact` of `kind: "dir"` that is `editable` and has
//! `vcs` names a checkout wheel-resolve made in the cache, which a cache
//! clean may remove; as pip does, the editable is installed instead from
//! the user's own clone at `<src>/<normalized name>` (subdirectory
//! included), and its `direct_url.json` names that folder (`dir_info`,
//! editable), so pip lists it there and `pip freeze` reads the repository.
//! The clone is copied from the cache's checkout ([`git::work`]); one there
//! from an earlier run is kept at the same commit (then the install may be
//! kept too) and updated to another. Both are part of the run's
//! all-or-nothing: a run that fails removes the clone it made and resets
//! the one it updated; `wheel-remove` and `pip uninstall` leave the folder.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{bail, Context, Result};
use wheelpipe::git::work;
use wheelpipe::names::normalize;

use crate::job::{Direct, Job};

/// The src folder of a run and what to undo if the run fails.
pub struct SrcDir {
    root: PathBuf,
    /// True for `<venv>/src`, which the venv's lock covers.
    in_venv: bool,
    undo: Mutex<Vec<Undo>>,
}

enum Undo {
    /// A clone this run made.
    Remove(PathBuf),
    /// The src folder, made by this run: removed when empty.
    RemoveEmpty(PathBuf),
    /// A clone this run moved from this commit.
    Reset(PathBuf, String),
}

impl SrcDir {
    /// `root`: `--src`, made absolute, else `<venv>/src`.
    pub fn new(flag: Option<&Path>, venv: &Path) -> Result<SrcDir> {
        let root = match flag {
            Some(dir) => std::path::absolute(dir).with_context(|| dir.display().to_string())?,
            None => venv.join("src"),
        };
        Ok(SrcDir { root, in_venv: flag.is_none(), undo: Mutex::default() })
    }

    /// For an editable checkout's job: puts the clone in place and points
    /// the job at it; true when the clone was made or moved by this run
    /// (then the install cannot be kept). Any other job is left alone.
    pub fn place(&self, job: &mut Job) -> Result<bool> {
        let Some(Direct::Tree(info)) = &mut job.direct else { return Ok(false) };
        let (true, Some(vcs)) = (info.editable, info.vcs.clone()) else { return Ok(false) };
        let dest = self.root.join(normalize(&info.name));
        let repo = repository_root(&job.wheel, info.subdirectory.as_deref())?;
        let changed = if dest.symlink_metadata().is_ok() {
            self.reuse(&dest, &repo, &vcs.commit_id, &info.url)?
        } else {
            self.clone_new(&dest, &repo, vcs.requested_revision.as_deref(), &vcs.commit_id)?;
            true
        };
        let folder = match info.subdirectory.take() {
            Some(sub) => dest.join(sub),
            None => dest,
        };
        info.url = wheelpipe::file_url::of_path(&folder)?;
        info.vcs = None;
        job.wheel = folder;
        Ok(changed)
    }

    /// The run went well: what it did to the src folder stays.
    pub fn finish(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Undo>> {
        self.undo.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A folder that is there: kept at `commit`, else updated (true).
    fn reuse(&self, dest: &Path, repo: &Path, commit: &str, url: &str) -> Result<bool> {
        // The artifact's URL is the repository's, credentials left out.
        let found = work::origin(dest).map(|o| wheelpipe::http::redact(&o));
        if found.as_deref() != Some(url) {
            bail!(
                "{} is there and is not a git clone of {url}: move it away, or give another --src",
                dest.display()
            );
        }
        let old = work::head(dest)?;
        if old == commit {
            return Ok(false);
        }
        work::update(dest, repo, commit)?;
        self.lock().push(Undo::Reset(dest.to_path_buf(), old));
        Ok(true)
    }

    /// A new clone at `dest`, made beside it and renamed into place.
    fn clone_new(&self, dest: &Path, repo: &Path, rev: Option<&str>, commit: &str) -> Result<()> {
        if !repo.is_dir() {
            bail!("the checkout {} is gone (a cache clean?): run wheel-resolve again", repo.display());
        }
        if !self.root.is_dir() {
            std::fs::create_dir_all(&self.root).with_context(|| self.root.display().to_string())?;
            self.lock().push(Undo::RemoveEmpty(self.root.clone()));
        }
        if self.in_venv {
            remove_stale(&self.root);
        }
        let work_dir = tempfile::Builder::new()
            .prefix(".wheelpipe-")
            .tempdir_in(&self.root)
            .with_context(|| format!("cannot make a temporary folder in {}", self.root.display()))?;
        let made = work_dir.path().join("clone");
        work::copy_checkout(repo, &made, rev, commit)?;
        std::fs::rename(&made, dest).with_context(|| format!("cannot move a clone to {}", dest.display()))?;
        self.lock().push(Undo::Remove(dest.to_path_buf()));
        Ok(())
    }
}

impl Drop for SrcDir {
    /// Undoes, last first, what a run that did not finish did.
    fn drop(&mut self) {
        for undo in std::mem::take(&mut *self.lock()).into_iter().rev() {
            let _ = match undo {
                Undo::Remove(dir) => std::fs::remove_dir_all(dir).map_err(anyhow::Error::from),
                Undo::RemoveEmpty(dir) => std::fs::remove_dir(dir).map_err(anyhow::Error::from),
                Undo::Reset(dir, commit) => work::reset(&dir, &commit),
            };
        }
    }
}

/// Removes the temporary folders of killed runs (`.wheelpipe-*`) from
/// `root`; only under the venv's lock, so no running run owns one.
fn remove_stale(root: &Path) {
    let Ok(entries) = std::fs::read_dir(root) else { return };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(".wheelpipe-") {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The repository's root in the cache: `path` without `subdirectory`.
fn repository_root(path: &Path, subdirectory: Option<&str>) -> Result<PathBuf> {
    let mut root = path.to_path_buf();
    for _ in Path::new(subdirectory.unwrap_or_default()).components() {
        if !root.pop() {
            bail!("{}: not inside its checkout", path.display());
        }
    }
    Ok(root)
}
