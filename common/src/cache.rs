//! The cache folder shared by every tool (`--cache-dir`, `WHEELPIPE_CACHE_DIR`,
//! else the XDG cache folder): files are written to a temporary name in the
//! same folder and renamed into place, so a reader never sees a partial file;
//! file locks keep two runs from doing the same work at once.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use nix::fcntl::{Flock, FlockArg};

/// The cache root.
#[derive(Clone, Debug)]
pub struct Cache {
    root: PathBuf,
}

/// Held while a run owns a piece of the cache; released on drop.
pub struct CacheLock {
    _lock: Flock<File>,
}

impl Cache {
    /// The cache named by a flag, else `WHEELPIPE_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/wheelpipe`, else `~/.cache/wheelpipe`.
    pub fn from_flag(flag: Option<&Path>) -> Result<Cache> {
        let root = match flag {
            Some(p) => p.to_path_buf(),
            None => default_root()
                .context("cannot find a cache folder: set --cache-dir or WHEELPIPE_CACHE_DIR")?,
        };
        Cache::at(root)
    }

    pub fn at(root: PathBuf) -> Result<Cache> {
        fs::create_dir_all(&root)
            .with_context(|| format!("cannot create the cache folder {}", root.display()))?;
        Ok(Cache { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A sub-folder of the cache, created if missing.
    pub fn dir(&self, name: &str) -> PathBuf {
        let dir = self.root.join(name);
        let _ = fs::create_dir_all(&dir);
        dir
    }

    /// Writes `bytes` to `path` through a temporary file in the same folder.
    pub fn write_atomic(&self, path: &Path, bytes: &[u8]) -> Result<()> {
        let dir = path.parent().context("a cache path has a parent folder")?;
        fs::create_dir_all(dir)?;
        let mut tmp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
        tmp.write_all(bytes)?;
        tmp.persist(path).map_err(|e| e.error).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
    }

    /// An exclusive lock named `name` (under `locks/`), waiting for another
    /// run that holds it.
    pub fn lock(&self, name: &str) -> Result<CacheLock> {
        let path = self.dir("locks").join(format!("{name}.lock"));
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open the lock file {}", path.display()))?;
        let lock = Flock::lock(file, FlockArg::LockExclusive)
            .map_err(|(_, e)| e)
            .with_context(|| format!("cannot lock {}", path.display()))?;
        Ok(CacheLock { _lock: lock })
    }
}

fn default_root() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("WHEELPIPE_CACHE_DIR").filter(|v| !v.is_empty()) {
        return Some(dir.into());
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(dir).join("wheelpipe"));
    }
    std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .map(|h| PathBuf::from(h).join(".cache").join("wheelpipe"))
}
