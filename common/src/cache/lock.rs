//! The cache's file locks, `locks/{name}.lock` (flock): an exclusive lock
//! per entry being written (`wheel-{H}`, `unpacked-{H}`, `built-{K}`,
//! `build-env-{K}`), a few of the tools' own (a venv's on NFS), and
//! `tmp.lock`, held shared by every run that writes in `tmp/` and taken
//! exclusively by `wheel-cache prune` to empty it. Prune also removes lock
//! files nobody holds; a lock is therefore only taken once the file locked
//! is still the one at its path (else it is opened again), the usual
//! answer to a lock file unlinked between its open and its flock.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};

/// Held while a run owns a piece of the cache; released on drop.
pub struct CacheLock {
    _lock: Flock<File>,
}

/// How to take a lock.
#[derive(Clone, Copy)]
pub(super) enum Mode {
    Exclusive { wait: bool },
    Shared,
}

/// The folder of the lock files under `root`.
pub(super) fn folder(root: &Path) -> PathBuf {
    root.join("locks")
}

/// Takes the lock `name` in `root`'s locks folder: `None` when another run
/// holds it and `mode` does not wait.
pub(super) fn take(root: &Path, name: &str, mode: Mode) -> Result<Option<CacheLock>> {
    let dir = folder(root);
    let path = dir.join(format!("{name}.lock"));
    let open = || OpenOptions::new().create(true).truncate(false).write(true).open(&path);
    loop {
        // The folder is made when missing, not tried before every lock.
        let file = match open() {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
                open()
            }
            opened => opened,
        };
        let file = file.with_context(|| format!("cannot open the lock file {}", path.display()))?;
        let arg = match mode {
            Mode::Exclusive { wait: true } => FlockArg::LockExclusive,
            Mode::Exclusive { wait: false } => FlockArg::LockExclusiveNonblock,
            Mode::Shared => FlockArg::LockShared,
        };
        let lock = match Flock::lock(file, arg) {
            Ok(lock) => lock,
            Err((_, Errno::EWOULDBLOCK)) => return Ok(None),
            Err((_, e)) => return Err(e).with_context(|| format!("cannot lock {}", path.display())),
        };
        if still_there(&lock, &path) {
            return Ok(Some(CacheLock { _lock: lock }));
        }
    }
}

/// True when `path` still names the file `lock` holds (prune did not
/// remove it meanwhile).
fn still_there(lock: &Flock<File>, path: &Path) -> bool {
    match (lock.metadata(), std::fs::metadata(path)) {
        (Ok(held), Ok(now)) => held.dev() == now.dev() && held.ino() == now.ino(),
        _ => false,
    }
}

/// Removes the lock file `path` if nobody holds it; true when removed.
pub(super) fn remove_if_free(path: &Path) -> bool {
    let Ok(file) = OpenOptions::new().write(true).open(path) else { return false };
    match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
        // Removed while locked: whoever opened it meanwhile sees that it is
        // gone once it gets the lock, and opens a new one.
        Ok(lock) => still_there(&lock, path) && std::fs::remove_file(path).is_ok(),
        Err(_) => false,
    }
}
