//! The virtualenv's side of a run: the lock that keeps two runs apart, and
//! the staging folder inside the venv (same filesystem, so the commit is
//! renames) that is removed whatever happens.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};

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
                    eprintln!("wheel-unpack: waiting for another wheel-unpack on {}", venv.display());
                    told = true;
                }
                wheelpipe::signals::check()?;
                std::thread::sleep(Duration::from_millis(100));
            }
            Err((_, e)) => return Err(e).with_context(|| format!("cannot lock {}", path.display())),
        }
    }
}

/// Staging folders left by a run that was killed: with the lock held, no
/// other run owns them.
pub fn remove_stale_staging(venv: &Path, warn: &dyn Fn(String)) {
    let Ok(dir) = fs::read_dir(venv) else { return };
    for e in dir.flatten() {
        if e.file_name().to_string_lossy().starts_with(STAGING_PREFIX) {
            warn(format!("removing {} left by an earlier run that was killed", e.path().display()));
            let _ = fs::remove_dir_all(e.path());
        }
    }
}

/// The staging folder of this run, removed on drop.
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

impl Drop for Staging {
    fn drop(&mut self) {
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
        remove_stale_staging(venv.path(), &|_| {});
        assert_eq!(fs::read_dir(venv.path()).unwrap().count(), 0);
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
