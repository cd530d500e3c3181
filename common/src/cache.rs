//! The cache folder shared by every tool (`--cache-dir`, `WHEELPIPE_CACHE_DIR`,
//! else the XDG cache folder): files are written to a temporary name in the
//! same folder and renamed into place, so a reader never sees a partial file;
//! file locks keep two runs from doing the same work at once.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
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

    /// [`Cache::lock`] without waiting: `None` while another run holds it.
    pub fn try_lock(&self, name: &str) -> Result<Option<CacheLock>> {
        let (path, file) = self.lock_file(name)?;
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(lock) => Ok(Some(CacheLock { _lock: lock })),
            Err((_, nix::errno::Errno::EWOULDBLOCK)) => Ok(None),
            Err((_, e)) => Err(e).with_context(|| format!("cannot lock {}", path.display())),
        }
    }

    /// An exclusive lock named `name` (under `locks/`), waiting for another
    /// run that holds it.
    pub fn lock(&self, name: &str) -> Result<CacheLock> {
        let (path, file) = self.lock_file(name)?;
        let lock = Flock::lock(file, FlockArg::LockExclusive)
            .map_err(|(_, e)| e)
            .with_context(|| format!("cannot lock {}", path.display()))?;
        Ok(CacheLock { _lock: lock })
    }
}

/// The content-addressed wheel store: a file whose sha256 is `H` lives at
/// `wheels/sha256/{H[0..2]}/{H}/{filename}`. `wheel-fetch` fills it,
/// `wheel-unpack` reads from it.
impl Cache {
    /// Where the store keeps `filename` with the sha256 `sha256` (64 hex
    /// digits, any case). Fails on a malformed hash or a filename that is not
    /// one plain path component, so a record cannot point outside the cache.
    pub fn wheel_path(&self, sha256: &str, filename: &str) -> Result<PathBuf> {
        let hash = sha256.to_ascii_lowercase();
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            bail!("{filename}: invalid sha256 {sha256:?} (64 hex digits expected)");
        }
        check_file_name(filename)?;
        Ok(self.root.join("wheels").join("sha256").join(&hash[..2]).join(&hash).join(filename))
    }

    /// The stored file for `sha256` and `filename`, if the store has it.
    pub fn find_wheel(&self, sha256: &str, filename: &str) -> Option<PathBuf> {
        self.wheel_path(sha256, filename).ok().filter(|p| p.is_file())
    }

    /// The lock a run holds while it puts the file with this sha256 into the
    /// store, so two runs sharing a cache download it once.
    pub fn wheel_lock(&self, sha256: &str) -> Result<CacheLock> {
        self.lock(&format!("wheel-{}", sha256.to_ascii_lowercase()))
    }

    /// The wheel-store lock for `sha256` without blocking: `None` while
    /// another run holds it, so a caller can wait and still notice Ctrl-C.
    pub fn try_wheel_lock(&self, sha256: &str) -> Result<Option<CacheLock>> {
        self.try_lock(&format!("wheel-{}", sha256.to_ascii_lowercase()))
    }

    /// Where the unpacked-wheel cache keeps the files of the wheel whose
    /// sha256 is `sha256`: `unpacked/v1/{H[0..2]}/{H}/` (`wheel-unpack`).
    pub fn unpacked_dir(&self, sha256: &str) -> Result<PathBuf> {
        let hash = sha256.to_ascii_lowercase();
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            bail!("invalid sha256 {sha256:?} (64 hex digits expected)");
        }
        Ok(self.root.join("unpacked").join("v1").join(&hash[..2]).join(&hash))
    }

    /// Where the build environment keyed `key` (64 hex digits: the requires
    /// set and the interpreter) lives: `build-envs/v1/{K[0..2]}/{K}/`, a
    /// virtualenv filled by our own tools (`wheelpipe::build`).
    pub fn build_env_dir(&self, key: &str) -> Result<PathBuf> {
        self.bucket("build-envs", key)
    }

    /// Where a wheel built from a source keyed `key` (64 hex digits: the
    /// source's sha256, the interpreter, the config settings) is kept:
    /// `built/v1/{K[0..2]}/{K}/{wheel filename}`.
    pub fn built_wheel_dir(&self, key: &str) -> Result<PathBuf> {
        self.bucket("built", key)
    }

    /// Where a git checkout keyed `key` (64 hex digits: the repository's
    /// URL and the commit) is kept: `git/v1/{K[0..2]}/{K}/`.
    pub fn git_checkout_dir(&self, key: &str) -> Result<PathBuf> {
        self.bucket("git", key)
    }

    /// `{name}/v1/{K[0..2]}/{K}` for a 64-hex-digit key.
    fn bucket(&self, name: &str, key: &str) -> Result<PathBuf> {
        let key = key.to_ascii_lowercase();
        if key.len() != 64 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
            bail!("invalid cache key {key:?} (64 hex digits expected)");
        }
        Ok(self.root.join(name).join("v1").join(&key[..2]).join(&key))
    }

    /// The folder for files being written (`tmp/`, on the cache's file
    /// system so a finished file can be renamed into place).
    pub fn tmp_dir(&self) -> Result<PathBuf> {
        let dir = self.root.join("tmp");
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(dir)
    }

    /// A new temporary file in `tmp/` (same file system as the store, so a
    /// verified file is renamed into place); deleted when dropped.
    pub fn temp_file(&self, suffix: &str) -> Result<tempfile::NamedTempFile> {
        let dir = self.tmp_dir()?;
        tempfile::Builder::new()
            .prefix(".fetch-")
            .suffix(suffix)
            .tempfile_in(&dir)
            .with_context(|| format!("cannot create a temporary file in {}", dir.display()))
    }

    /// The lock file `locks/{name}.lock`, opened for locking.
    fn lock_file(&self, name: &str) -> Result<(PathBuf, File)> {
        let path = self.dir("locks").join(format!("{name}.lock"));
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open the lock file {}", path.display()))?;
        Ok((path, file))
    }
}

/// Accepts a file name only if it is one plain path component.
pub fn check_file_name(name: &str) -> Result<()> {
    let plain = !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\', '\0'])
        && Path::new(name).file_name().is_some_and(|f| f == name);
    if !plain {
        bail!("invalid file name {name:?}: it must be one plain path component");
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wheel_path_is_content_addressed_and_stays_in_the_cache() {
        let cache = Cache { root: PathBuf::from("/c") };
        let hash = "AB".repeat(32);
        assert_eq!(
            cache.wheel_path(&hash, "x-1-py3-none-any.whl").unwrap(),
            Path::new("/c/wheels/sha256/ab").join("ab".repeat(32)).join("x-1-py3-none-any.whl")
        );
        assert!(cache.wheel_path("abc", "x.whl").is_err());
        assert!(cache.wheel_path(&hash, "../x.whl").is_err());
        assert!(cache.wheel_path(&hash, "..").is_err());
        assert!(cache.wheel_path(&hash, "").is_err());
    }

    #[test]
    fn a_held_wheel_lock_is_not_taken_twice() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().to_path_buf()).unwrap();
        let hash = "ab".repeat(32);
        let held = cache.wheel_lock(&hash).unwrap();
        assert!(cache.try_wheel_lock(&hash).unwrap().is_none());
        drop(held);
        assert!(cache.try_wheel_lock(&hash).unwrap().is_some());
    }
}
