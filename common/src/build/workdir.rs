//! A build's temporary folder in the cache's `tmp/`, locked (flock on the
//! folder itself) while its build runs, so that the folders of runs that
//! died without cleaning up (SIGKILL, a crash) are told from live ones and
//! removed by the next build.

use std::fs::File;
use std::path::Path;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use nix::fcntl::{Flock, FlockArg};

/// How old an unlocked folder must be before it is taken for a dead run's:
/// a new folder is unlocked for the moment between its creation and its lock.
const GRACE: Duration = Duration::from_secs(60);

/// The folder, removed when dropped.
pub struct WorkDir {
    // Declared first, dropped first: the folder goes, then the lock.
    dir: tempfile::TempDir,
    _lock: Flock<File>,
}

impl WorkDir {
    /// A new folder `tmp/build-*`, after removing dead runs' ones.
    pub fn new(tmp: &Path) -> Result<WorkDir> {
        sweep(tmp);
        let dir = tempfile::Builder::new()
            .prefix("build-")
            .tempdir_in(tmp)
            .context("cannot create the build's temporary folder")?;
        let file = File::open(dir.path()).with_context(|| format!("cannot open {}", dir.path().display()))?;
        let lock = Flock::lock(file, FlockArg::LockExclusiveNonblock)
            .map_err(|(_, e)| e)
            .with_context(|| format!("cannot lock {}", dir.path().display()))?;
        Ok(WorkDir { dir, _lock: lock })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Removes the `build-*` folders in `tmp` that no live build holds.
fn sweep(tmp: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let ours = entry.file_name().to_string_lossy().starts_with("build-");
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| SystemTime::now().duration_since(t).unwrap_or_default() > GRACE);
        if !(ours && old) {
            continue;
        }
        let Ok(file) = File::open(&path) else { continue };
        if let Ok(_held) = Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_runs_folder_goes_and_a_live_ones_stays() {
        let tmp = tempfile::tempdir().unwrap();
        let live = WorkDir::new(tmp.path()).unwrap();
        let dead = tmp.path().join("build-dead");
        std::fs::create_dir(&dead).unwrap();
        std::fs::write(dead.join("left.txt"), "x").unwrap();
        let long_ago = SystemTime::now() - Duration::from_secs(3600);
        for dir in [&dead, &live.path().to_path_buf()] {
            File::open(dir).unwrap().set_modified(long_ago).unwrap();
        }
        let other = WorkDir::new(tmp.path()).unwrap();
        assert!(!dead.exists(), "a folder nobody holds is removed");
        assert!(live.path().exists() && other.path().exists(), "held folders stay");
        let gone = other.path().to_path_buf();
        drop(other);
        assert!(!gone.exists());
    }
}
