//! The virtualenv's side of a run: the lock that keeps two runs apart, and
//! the staging folder inside the venv (same filesystem, so the commit is
//! renames) that is removed whatever happens.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};

use crate::journal::{self, Settled};
use crate::scheme::Scheme;

const STAGING_PREFIX: &str = ".wheelpipe-staging-";

/// Held for the whole run; released on drop.
pub struct VenvLock {
    _lock: Flock<File>,
}

/// Takes `{venv}/.wheelpipe.lock`, saying so on stderr when another run has
/// it and waiting (Ctrl-C still works while waiting).
pub fn lock(venv: &Path) -> Result<VenvLock> {
    let path = venv.join(".wheelpipe.lock");
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open the lock file {}", path.display()))?;
    let mut told = false;
    loop {
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(lock) => return Ok(VenvLock { _lock: lock }),
            Err((f, Errno::EWOULDBLOCK)) => {
                file = f;
                if !told {
                    wheelpipe::console::note(format_args!(
                        "waiting for another wheel-unpack on {}",
                        venv.display()
                    ));
                    told = true;
                }
                wheelpipe::signals::check()?;
                std::thread::sleep(Duration::from_millis(100));
            }
            Err((_, e)) => return Err(e).with_context(|| format!("cannot lock {}", path.display())),
        }
    }
}

/// True when a staging folder holds files moved aside from the venv: a
/// commit that did not finish and could not be undone. They are the only
/// copy of the old files, so they are never deleted automatically.
fn holds_old_files(root: &Path) -> bool {
    fs::read_dir(root.join("old")).is_ok_and(|mut d| d.next().is_some())
}

/// Staging folders left by a run that was killed: with the lock held, no
/// other run owns them. A commit it cut short is settled from its journal
/// first (see [`crate::journal`]).
pub fn remove_stale_staging(scheme: &Scheme, warn: &dyn Fn(String)) {
    let Ok(dir) = fs::read_dir(&scheme.venv) else { return };
    for e in dir.flatten() {
        if !e.file_name().to_string_lossy().starts_with(STAGING_PREFIX) {
            continue;
        }
        let settled = journal::recover(&e.path(), scheme, warn);
        let forward = matches!(settled, Ok(Settled::Forward));
        match &settled {
            Ok(Settled::Forward) => {
                warn(format!("{}: an earlier run was killed after its commit: kept it", e.path().display()))
            }
            Ok(Settled::Back(true)) => {
                warn(format!("{}: an earlier run was killed in its commit: undid it", e.path().display()))
            }
            Err(err) => warn(format!("cannot settle {}: {err:#}", e.path().display())),
            _ => {}
        }
        if holds_old_files(&e.path()) && !forward {
            wheelpipe::console::warn(format_args!(
                "{} holds files an interrupted commit moved aside; \
                 the venv may need a reinstall (remove the folder when done)",
                e.path().display()
            ));
        } else {
            warn(format!("removing {}, left by an earlier run that was killed", e.path().display()));
            let _ = fs::remove_dir_all(e.path());
        }
    }
}

/// The staging folder of this run, removed on drop unless it holds old
/// files that a failed rollback could not put back.
pub struct Staging {
    pub root: PathBuf,
}

impl Staging {
    pub fn create(venv: &Path) -> Result<Staging> {
        let root = venv.join(format!("{STAGING_PREFIX}{}", std::process::id()));
        fs::create_dir(&root)
            .with_context(|| format!("cannot create the staging folder {}", root.display()))?;
        Ok(Staging { root })
    }
}

impl Staging {
    /// After a successful commit: the old files in it are meant to go.
    pub fn finish(self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.root.exists() {
            return;
        }
        if holds_old_files(&self.root) {
            wheelpipe::console::warn(format_args!(
                "the rollback could not put everything back; the files it \
                 could not restore are in {}",
                self.root.join("old").display()
            ));
            return;
        }
        let _ = fs::remove_dir_all(&self.root);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_is_removed_on_drop_and_stale_ones_are_cleaned() {
        let venv = tempfile::tempdir().unwrap();
        let s = Staging::create(venv.path()).unwrap();
        fs::write(s.root.join("f"), "x").unwrap();
        let root = s.root.clone();
        drop(s);
        assert!(!root.exists());
        fs::create_dir_all(venv.path().join(".wheelpipe-staging-1/new")).unwrap();
        remove_stale_staging(&crate::scheme::for_tests(venv.path()), &|_| {});
        assert_eq!(fs::read_dir(venv.path()).unwrap().count(), 0);
    }

    #[test]
    fn old_files_that_could_not_be_put_back_are_never_deleted() {
        let venv = tempfile::tempdir().unwrap();
        let s = Staging::create(venv.path()).unwrap();
        fs::create_dir_all(s.root.join("old")).unwrap();
        fs::write(s.root.join("old/0"), "the only copy").unwrap();
        let kept = s.root.join("old/0");
        drop(s);
        assert!(kept.is_file());
        remove_stale_staging(&crate::scheme::for_tests(venv.path()), &|_| {});
        assert!(kept.is_file());
        Staging { root: kept.parent().unwrap().parent().unwrap().to_path_buf() }.finish();
        assert!(!kept.exists());
    }

    #[test]
    fn lock_is_exclusive_and_released_on_drop() {
        let venv = tempfile::tempdir().unwrap();
        let held = lock(venv.path()).unwrap();
        let file = File::open(venv.path().join(".wheelpipe.lock")).unwrap();
        assert!(Flock::lock(file, FlockArg::LockExclusiveNonblock).is_err());
        drop(held);
        let file = File::open(venv.path().join(".wheelpipe.lock")).unwrap();
        assert!(Flock::lock(file, FlockArg::LockExclusiveNonblock).is_ok());
    }
}
