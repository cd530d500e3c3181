//! The virtualenv's side of a run: the lock that keeps two runs apart, and
//! the staging folder inside the venv (same filesystem, so the commit is
//! renames) that is removed whatever happens.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use wheelpipe::cache::{Cache, CacheLock};

use crate::journal::{self, Settled};
use crate::scheme::Scheme;

const STAGING_PREFIX: &str = ".wheelpipe-staging-";

/// Held for the whole run; released on drop.
pub struct VenvLock {
    _held: Held,
}

/// Kept for its drop, which unlocks.
#[allow(dead_code)]
enum Held {
    Folder(Flock<File>),
    Cache(CacheLock),
}

/// The name of the lock file in the cache's locks folder of the virtualenv
/// whose real path is `real`.
fn lock_name(real: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    format!("venv-{}", wheelpipe::hash::sha256_hex(real.as_os_str().as_bytes()))
}

/// Locks the virtualenv for the run: a lock on the venv's folder itself, so
/// nothing is left in it (pip leaves nothing there) and runs with different
/// caches still take turns; where the file system refuses locks on folders
/// (NFS), `locks/venv-{sha256 of its real path}.lock` in the cache. Says so
/// on stderr while another run has it, and waits (Ctrl-C still works).
pub fn lock(venv: &Path, cache: Option<&Cache>) -> Result<VenvLock> {
    let real = venv.canonicalize().with_context(|| format!("cannot read {}", venv.display()))?;
    let refused = match wait(venv, || lock_folder(&real)) {
        Ok(lock) => return Ok(lock),
        Err(e) if e.downcast_ref::<Errno>().is_some() => e,
        Err(e) => return Err(e),
    };
    let Some(cache) = cache else {
        return Err(refused)
            .with_context(|| format!("cannot lock {} (and no cache to lock in)", venv.display()));
    };
    let name = lock_name(&real);
    wait(venv, || Ok(cache.try_lock(&name)?.map(|l| VenvLock { _held: Held::Cache(l) })))
}

/// The lock on the folder `real`, `None` while another run has it.
fn lock_folder(real: &Path) -> Result<Option<VenvLock>> {
    let dir = File::open(real).with_context(|| format!("cannot open {}", real.display()))?;
    match Flock::lock(dir, FlockArg::LockExclusiveNonblock) {
        Ok(lock) => Ok(Some(VenvLock { _held: Held::Folder(lock) })),
        Err((_, Errno::EWOULDBLOCK)) => Ok(None),
        Err((_, e)) => Err(e.into()),
    }
}

/// Tries `take` every tenth of a second until it gets the lock.
fn wait(venv: &Path, mut take: impl FnMut() -> Result<Option<VenvLock>>) -> Result<VenvLock> {
    let mut told = false;
    loop {
        if let Some(lock) = take()? {
            // Earlier versions left a lock file in the venv's root.
            let _ = fs::remove_file(venv.join(".wheelpipe.lock"));
            return Ok(lock);
        }
        if !told {
            wheelpipe::console::note(format_args!("waiting for another wheel-unpack on {}", venv.display()));
            told = true;
        }
        wheelpipe::signals::check()?;
        std::thread::sleep(Duration::from_millis(100));
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
            remove_staging(&e.path());
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
        remove_staging(&self.root);
    }
}

/// Deletes a staging folder whose commit stands or never started: its
/// trees and old files first, its journal or `committed` marker last, so
/// that a kill on the way leaves a folder the next run still knows to be
/// committed (and deletes), never old files without their marker.
pub fn remove_staging(root: &Path) {
    let markers = [journal::NAME, journal::COMMITTED];
    let mut children: Vec<PathBuf> = match fs::read_dir(root) {
        Ok(dir) => dir.flatten().map(|e| e.path()).collect(),
        Err(_) => return,
    };
    children.retain(|p| !p.file_name().is_some_and(|n| markers.iter().any(|m| n == *m)));
    // `old/` last of the trees: the test hook pauses with it still there.
    children.sort_by_key(|p| p.file_name().is_some_and(|n| n == "old"));
    for child in children {
        if child.file_name().is_some_and(|n| n == "old") {
            journal::test_pause_at("cleanup");
        }
        let _ = wheelpipe::remove::remove_tree(&child);
    }
    let _ = wheelpipe::remove::remove_tree(root);
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
        let _ = wheelpipe::remove::remove_tree(&self.root);
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
    fn lock_is_exclusive_released_on_drop_and_leaves_no_file() {
        let venv = tempfile::tempdir().unwrap();
        let real = venv.path().canonicalize().unwrap();
        let held = lock(venv.path(), None).unwrap();
        assert!(lock_folder(&real).unwrap().is_none(), "a second lock waits");
        assert_eq!(fs::read_dir(venv.path()).unwrap().count(), 0, "nothing in the venv");
        drop(held);
        assert!(lock_folder(&real).unwrap().is_some());
    }

    #[test]
    fn the_cache_lock_is_keyed_by_the_real_path() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().canonicalize().unwrap().join("venv");
        fs::create_dir(&real).unwrap();
        std::os::unix::fs::symlink(&real, dir.path().join("link")).unwrap();
        let by_link = dir.path().join("link").canonicalize().unwrap();
        assert_eq!(lock_name(&by_link), lock_name(&real));
        assert_ne!(lock_name(&real), lock_name(dir.path()));
    }
}
