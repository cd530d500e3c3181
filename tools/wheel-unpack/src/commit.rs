//! The commit: check the staged set against itself and the virtualenv, then
//! move old versions aside and rename staged files into place, logging every
//! step so that a failure (or Ctrl-C) puts everything back as it was.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use wheelpipe::names::normalize;

use crate::scheme::{self, Scheme};
use crate::stage::Staged;

/// A distribution already in the virtualenv that the run replaces.
#[derive(Debug, Default)]
pub struct OldDist {
    pub dist_info: PathBuf,
    /// Its files outside the `.dist-info`, from its RECORD, that exist.
    pub files: BTreeSet<PathBuf>,
}

/// Finds the installed distributions whose normalized names are in `keys`.
pub fn find_installed(scheme: &Scheme, keys: &BTreeSet<String>) -> Result<Vec<OldDist>> {
    let mut libs = vec![scheme.purelib.clone()];
    if scheme.platlib != scheme.purelib {
        libs.push(scheme.platlib.clone());
    }
    let real_venv =
        scheme.venv.canonicalize().with_context(|| format!("cannot read {}", scheme.venv.display()))?;
    let mut found = Vec::new();
    for lib in libs {
        let Ok(dir) = fs::read_dir(&lib) else { continue };
        for entry in dir {
            let entry = entry.with_context(|| format!("cannot list {}", lib.display()))?;
            let file_name = entry.file_name().to_string_lossy().into_owned();
            let Some(stem) = file_name.strip_suffix(".dist-info") else { continue };
            let name = stem.split_once('-').map_or(stem, |(n, _)| n);
            if keys.contains(&normalize(name)) && entry.path().is_dir() {
                found.push(read_old(scheme, &real_venv, &lib, &entry.path())?);
            }
        }
    }
    Ok(found)
}

fn read_old(scheme: &Scheme, real_venv: &Path, lib: &Path, dist_info: &Path) -> Result<OldDist> {
    let mut old = OldDist { dist_info: dist_info.to_path_buf(), files: BTreeSet::new() };
    let record = dist_info.join("RECORD");
    let Ok(text) = fs::read_to_string(&record) else { return Ok(old) };
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let fields = crate::record::split_csv(line).with_context(|| format!("{}", record.display()))?;
        let path = scheme::normalize(&lib.join(&fields[0]));
        // Only paths inside the venv, whatever the RECORD says.
        if !path.starts_with(&scheme.venv) || path == scheme.venv || path.starts_with(dist_info) {
            continue;
        }
        // Nor through a symlinked folder that leads out of it.
        let parent = path.parent().map(fs::canonicalize);
        if !parent.is_some_and(|p| p.is_ok_and(|p| p.starts_with(real_venv))) {
            continue;
        }
        if fs::symlink_metadata(&path).is_ok_and(|m| !m.is_dir()) {
            if let Some(stem) = path.extension().filter(|e| *e == "py").and(path.file_stem()) {
                add_pycs(&path, &stem.to_string_lossy(), &mut old.files);
            }
            old.files.insert(path);
        }
    }
    Ok(old)
}

/// `__pycache__/{stem}.*.pyc` beside a `.py` file, as pip uninstalls them.
fn add_pycs(py: &Path, stem: &str, files: &mut BTreeSet<PathBuf>) {
    let Some(cache) = py.parent().map(|p| p.join("__pycache__")) else { return };
    let Ok(dir) = fs::read_dir(&cache) else { return };
    let prefix = format!("{stem}.");
    for e in dir.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if n.starts_with(&prefix) && n.ends_with(".pyc") && n[prefix.len()..].matches('.').count() >= 1 {
            files.insert(e.path());
        }
    }
}

/// Refuses a set that would overwrite anything: two wheels of one
/// distribution or writing one path, or a path that exists in the venv and
/// is not owned by a distribution being replaced.
pub fn check_conflicts(staged: &[Staged], old: &[OldDist]) -> Result<()> {
    let mut by_key: BTreeMap<String, &Staged> = BTreeMap::new();
    let mut by_dest: BTreeMap<&Path, &Staged> = BTreeMap::new();
    for s in staged {
        if let Some(other) = by_key.insert(s.key(), s) {
            bail!("{} and {} are both {}", other.wheel.display(), s.wheel.display(), s.name);
        }
        for f in &s.files {
            if let Some(other) = by_dest.insert(&f.dest, s) {
                bail!(
                    "{} and {} both install {}",
                    other.wheel.display(),
                    s.wheel.display(),
                    f.dest.display()
                );
            }
        }
    }
    let owned = |p: &Path| old.iter().any(|o| o.files.contains(p) || p.starts_with(&o.dist_info));
    for (dest, s) in by_dest {
        if fs::symlink_metadata(dest).is_ok() && !owned(dest) {
            bail!(
                "{} (from {}) already exists in the virtualenv and belongs to no distribution being replaced",
                dest.display(),
                s.wheel.display()
            );
        }
    }
    Ok(())
}

/// One rename of the commit, undone by renaming back.
struct Step {
    from: PathBuf,
    to: PathBuf,
}

/// The log of a commit in progress.
pub struct Transaction<'a> {
    scheme: &'a Scheme,
    real_venv: PathBuf,
    aside: PathBuf,
    steps: Vec<Step>,
    /// Folders already known to exist and resolve inside the venv.
    checked: HashSet<PathBuf>,
    /// Folders the current wheel moved in whole: its files below are in place.
    placed: HashSet<PathBuf>,
}

impl<'a> Transaction<'a> {
    /// `aside` is the folder (in the staging folder) that old files move to.
    pub fn new(scheme: &'a Scheme, aside: PathBuf) -> Result<Self> {
        fs::create_dir_all(&aside).with_context(|| format!("cannot create {}", aside.display()))?;
        let real_venv = scheme.venv.canonicalize()?;
        let (checked, placed) = Default::default();
        Ok(Transaction { scheme, real_venv, aside, steps: Vec::new(), checked, placed })
    }

    fn rename(&mut self, from: &Path, to: &Path) -> Result<()> {
        wheelpipe::signals::check()?;
        fs::rename(from, to)
            .with_context(|| format!("cannot move {} to {}", from.display(), to.display()))?;
        self.steps.push(Step { from: from.to_path_buf(), to: to.to_path_buf() });
        Ok(())
    }

    /// Moves an old distribution's files and `.dist-info` aside.
    pub fn remove(&mut self, old: &OldDist) -> Result<()> {
        for file in old.files.iter().chain([&old.dist_info]) {
            let to = self.aside.join(format!("{}", self.steps.len()));
            self.rename(file, &to)?;
        }
        Ok(())
    }

    /// Fails unless `dir` (which exists) resolves inside the venv.
    fn check_inside(&mut self, dir: &Path) -> Result<()> {
        if self.checked.contains(dir) {
            return Ok(());
        }
        let real = dir.canonicalize().with_context(|| format!("cannot read {}", dir.display()))?;
        if !real.starts_with(&self.real_venv) {
            bail!("{} leads outside the virtualenv (to {})", dir.display(), real.display());
        }
        self.checked.insert(dir.to_path_buf());
        Ok(())
    }

    /// Starts the files of another wheel (whose staged tree is its own).
    pub fn next_wheel(&mut self) {
        self.placed.clear();
    }

    /// Moves a staged file into place; the destination must be free. When
    /// its folder is missing from the venv, the highest missing folder moves
    /// in whole from `tree` (the wheel's staged tree), with all of the
    /// wheel's files below it: one rename instead of one a file.
    pub fn install(&mut self, tree: &Path, staged: &Path, dest: &Path) -> Result<()> {
        if dest.ancestors().skip(1).any(|a| self.placed.contains(a)) {
            return Ok(());
        }
        let parent = dest.parent().context("a destination has a folder")?;
        if !self.checked.contains(parent) {
            let missing: Vec<&Path> =
                parent.ancestors().take_while(|p| fs::symlink_metadata(p).is_err()).collect();
            if let Some(top) = missing.last() {
                let above = top.parent().context("the venv exists")?;
                self.check_inside(above)?;
                let rel = top.strip_prefix(&self.scheme.venv).context("a destination is in the venv")?;
                self.rename(&tree.join(rel), top)?;
                self.placed.insert(top.to_path_buf());
                return Ok(());
            }
            self.check_inside(parent)?;
        }
        if fs::symlink_metadata(dest).is_ok() {
            bail!("{} appeared in the virtualenv during the install", dest.display());
        }
        self.rename(staged, dest)
    }

    /// Undoes every step, newest first. Best effort: reports what it could not undo.
    pub fn rollback(mut self, warn: &dyn Fn(String)) {
        while let Some(Step { from, to }) = self.steps.pop() {
            if let Err(e) = fs::rename(&to, &from) {
                warn(format!("rollback: cannot move {} back to {}: {e}", to.display(), from.display()));
            }
        }
    }

    /// Ends a commit that worked: removes folders that old files left empty.
    pub fn finish(self, old: &[OldDist]) {
        let s = self.scheme;
        let stops = [&s.venv, &s.purelib, &s.platlib, &s.scripts, &s.headers_base];
        for file in old.iter().flat_map(|o| &o.files) {
            for dir in file.ancestors().skip(1) {
                if stops.iter().any(|s| s.as_path() == dir) || !dir.starts_with(&s.venv) {
                    break;
                }
                if dir.file_name().is_some_and(|n| n == "__pycache__") {
                    let _ = fs::remove_dir(dir);
                    continue;
                }
                if fs::remove_dir(dir).is_err() {
                    break;
                }
            }
        }
    }
}

/// Commits the staged set: old versions aside, new files in, in order.
pub fn commit(
    scheme: &Scheme,
    staged: &[Staged],
    old: &[OldDist],
    aside: PathBuf,
    warn: &dyn Fn(String),
) -> Result<()> {
    let mut tx = Transaction::new(scheme, aside)?;
    let result = (|| -> Result<()> {
        for o in old {
            tx.remove(o).with_context(|| format!("cannot remove the installed {}", o.dist_info.display()))?;
        }
        for s in staged {
            tx.next_wheel();
            for f in &s.files {
                tx.install(&s.tree, &f.staged, &f.dest)
                    .with_context(|| format!("installing {}", s.wheel.display()))?;
            }
        }
        Ok(())
    })();
    match result {
        Ok(()) => {
            tx.finish(old);
            Ok(())
        }
        Err(e) => {
            tx.rollback(warn);
            Err(e)
        }
    }
}

#[cfg(test)]
#[path = "commit_tests.rs"]
mod tests;
