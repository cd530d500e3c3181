//! The commit: check the staged set against itself and the virtualenv, plan
//! every rename (old versions aside, staged files and whole new folders in),
//! journal the plan, then do it; a failure (or Ctrl-C) puts everything back
//! as it was, and a kill is settled by the next run from the journal.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use wheelpipe::site_packages::{self, Dist};

use crate::job::Staged;
use crate::journal::{self, Step};
use crate::scheme::{self, Scheme};

/// A distribution already in the virtualenv that the run replaces.
#[derive(Debug, Default)]
pub struct OldDist {
    pub dist_info: PathBuf,
    /// Its files outside the `.dist-info`, from its RECORD, that exist.
    pub files: BTreeSet<PathBuf>,
}

/// Finds the installed distributions whose normalized names are in `keys`.
pub fn find_installed(scheme: &Scheme, keys: &BTreeSet<String>) -> Result<Vec<OldDist>> {
    old_dists(scheme, &site_packages::scan(&scheme.libs())?, keys)
}

/// The distributions of `dists` (read from the venv) whose normalized names
/// are in `keys`, with the files each would leave behind.
pub fn old_dists(scheme: &Scheme, dists: &[Dist], keys: &BTreeSet<String>) -> Result<Vec<OldDist>> {
    let real_venv =
        scheme.venv.canonicalize().with_context(|| format!("cannot read {}", scheme.venv.display()))?;
    dists.iter().filter(|d| keys.contains(&d.key())).map(|d| read_old(scheme, &real_venv, d)).collect()
}

fn read_old(scheme: &Scheme, real_venv: &Path, dist: &Dist) -> Result<OldDist> {
    let dist_info = &dist.dist_info;
    let mut old = OldDist { dist_info: dist_info.clone(), files: BTreeSet::new() };
    for rel in dist.record_paths()?.unwrap_or_default() {
        let path = scheme::normalize(&dist.location.join(&rel));
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

/// Works out every rename of a commit, in order, before the first: the
/// venv as it will be is the venv as it is plus the folders moved in whole.
struct Planner<'a> {
    scheme: &'a Scheme,
    real_venv: PathBuf,
    steps: Vec<Step>,
    /// Folders known to exist (or to be moved in) inside the venv.
    checked: HashSet<PathBuf>,
    /// Folders moved in whole, and the staged tree each comes from.
    placed: HashMap<PathBuf, PathBuf>,
    /// The ones the current wheel moves in (a few): its files below are in
    /// place. A list, not a set: asked for each of a wheel's files, a look
    /// at a few prefixes costs less than hashing every folder above the file.
    this: Vec<PathBuf>,
    /// Files of the venv planned to move aside.
    gone: HashSet<PathBuf>,
    /// Files planned to move in one by one.
    arriving: HashSet<PathBuf>,
    overwrite: bool,
    aside: PathBuf,
}

impl Planner<'_> {
    /// The folder moved in whole that holds `p`, with its tree.
    fn placed_above(&self, p: &Path) -> Option<(&Path, &Path)> {
        p.ancestors().find_map(|a| self.placed.get_key_value(a)).map(|(k, v)| (k.as_path(), v.as_path()))
    }

    /// Whether `p` exists once the renames planned so far are done. A path
    /// below a folder that moves aside (an old `.dist-info` and its
    /// `licenses/`) goes with it, and one below a folder that moves in whole
    /// is whatever the staged tree holds there.
    fn will_exist(&self, p: &Path) -> bool {
        if self.arriving.contains(p) {
            return true;
        }
        if let Some((_, tree)) = self.placed_above(p) {
            return self.scheme.staged(tree, p).is_some_and(|s| s.exists());
        }
        fs::symlink_metadata(p).is_ok() && !p.ancestors().any(|a| self.gone.contains(a))
    }

    /// Fails unless `dir` resolves inside the venv.
    fn check_inside(&mut self, dir: &Path) -> Result<()> {
        if self.checked.contains(dir) || self.placed_above(dir).is_some() {
            return Ok(());
        }
        let real = dir.canonicalize().with_context(|| format!("cannot read {}", dir.display()))?;
        if !real.starts_with(&self.real_venv) {
            bail!("{} leads outside the virtualenv (to {})", dir.display(), real.display());
        }
        self.checked.insert(dir.to_path_buf());
        Ok(())
    }

    /// Moves an old distribution's files and `.dist-info` aside; a file that
    /// two of them list (an overlap pip let through) goes once.
    fn remove(&mut self, old: &OldDist) {
        for file in old.files.iter().chain([&old.dist_info]) {
            if !self.gone.contains(file) {
                self.move_aside(file);
            }
        }
    }

    fn move_aside(&mut self, file: &Path) {
        let to = self.aside.join(format!("{}", self.steps.len()));
        self.steps.push(Step { from: file.to_path_buf(), to });
        self.gone.insert(file.to_path_buf());
    }

    /// A staged file into place. When its folder is missing from the venv,
    /// the highest missing folder moves in whole from `tree` (the wheel's
    /// staged tree), with all of the wheel's files below it: one rename
    /// instead of one a file.
    fn install(&mut self, tree: &Path, staged: &Path, dest: &Path) -> Result<()> {
        if self.this.iter().any(|top| dest != top && dest.starts_with(top)) {
            return Ok(());
        }
        let parent = dest.parent().context("a destination has a folder")?;
        if !self.checked.contains(parent) {
            let missing: Vec<&Path> = parent.ancestors().take_while(|p| !self.will_exist(p)).collect();
            if let Some(top) = missing.last() {
                let above = top.parent().context("the venv exists")?;
                self.check_inside(above)?;
                if let Some(base) = self.scheme.base_within(top) {
                    bail!("the virtualenv has no {}", base.display());
                }
                let from = self.scheme.staged(tree, top).context("a destination is in the venv")?;
                self.steps.push(Step { from, to: top.to_path_buf() });
                self.this.push(top.to_path_buf());
                self.placed.insert(top.to_path_buf(), tree.to_path_buf());
                return Ok(());
            }
            self.check_inside(parent)?;
        }
        if self.overwrite && self.will_exist(dest) {
            // Checked before: a file of another distribution, or of an earlier wheel.
            self.move_aside(dest);
        }
        self.arriving.insert(dest.to_path_buf());
        self.steps.push(Step { from: staged.to_path_buf(), to: dest.to_path_buf() });
        Ok(())
    }
}

/// Plans the commit of the staged set: old versions aside, new files in.
fn plan(
    scheme: &Scheme,
    staged: &[Staged],
    old: &[OldDist],
    aside: &Path,
    overwrite: bool,
) -> Result<Vec<Step>> {
    let real_venv = scheme.venv.canonicalize()?;
    let (checked, placed, this, gone, arriving) = Default::default();
    let aside = aside.to_path_buf();
    let mut p = Planner {
        scheme,
        real_venv,
        steps: Vec::new(),
        checked,
        placed,
        this,
        gone,
        arriving,
        overwrite,
        aside,
    };
    for o in old {
        p.remove(o);
    }
    for s in staged {
        p.this.clear();
        for f in &s.files {
            p.install(&s.tree, &f.staged, &f.dest)
                .with_context(|| format!("installing {}", s.wheel.display()))?;
        }
    }
    Ok(p.steps)
}

/// Commits the staged set with renames journaled in `root` (the staging
/// folder), undone if one fails or the run is interrupted. With
/// `overwrite`, files in the way (checked by [`check_conflicts`]) go aside.
pub fn commit(
    scheme: &Scheme,
    staged: &[Staged],
    old: &[OldDist],
    root: &Path,
    overwrite: bool,
    warn: &dyn Fn(String),
) -> Result<()> {
    let aside = root.join("old");
    fs::create_dir_all(&aside).with_context(|| format!("cannot create {}", aside.display()))?;
    let steps = plan(scheme, staged, old, &aside, overwrite)?;
    journal::write(root, &steps)?;
    let mut done = 0;
    let result = (|| -> Result<()> {
        for Step { from, to } in &steps {
            wheelpipe::signals::check()?;
            journal::test_pause(done);
            match rename_new(from, to) {
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    bail!("{} appeared in the virtualenv during the install", to.display())
                }
                done => {
                    done.with_context(|| format!("cannot move {} to {}", from.display(), to.display()))?
                }
            }
            done += 1;
        }
        Ok(())
    })();
    match result {
        Ok(()) => {
            journal::mark_committed(root);
            journal::prune(scheme, old.iter().flat_map(|o| &o.files).map(PathBuf::as_path));
            Ok(())
        }
        Err(e) => {
            journal::undo(&steps[..done], warn);
            journal::remove(root);
            Err(e)
        }
    }
}

/// Renames `from` to `to` unless `to` exists (even an empty folder, which
/// a plain rename would replace): one call where the file system can
/// (`RENAME_NOREPLACE`), else a look then a rename.
fn rename_new(from: &Path, to: &Path) -> io::Result<()> {
    use nix::errno::Errno;
    use nix::fcntl::{renameat2, RenameFlags};
    match renameat2(None, from, None, to, RenameFlags::RENAME_NOREPLACE) {
        Err(Errno::EINVAL | Errno::ENOSYS | Errno::EOPNOTSUPP) => {
            if fs::symlink_metadata(to).is_ok() {
                return Err(io::ErrorKind::AlreadyExists.into());
            }
            fs::rename(from, to)
        }
        done => done.map_err(io::Error::from),
    }
}

#[cfg(test)]
#[path = "commit_tests.rs"]
mod tests;
