//! The cache folder shared by every tool (`--cache-dir`, `WHEELPIPE_CACHE_DIR`,
//! else the XDG cache folder), and its one layout: a versioned folder per
//! [`Bucket`], entries keyed by [`Sha256`], `locks/` and `tmp/`. Files are
//! written to a temporary name in the same folder and renamed into place, so
//! a reader never sees a partial file; file locks keep two runs from doing
//! the same work at once; a run that uses an entry stamps it
//! ([`Cache::touch`]), so `wheel-cache prune --older-than` keeps what is used.

mod bucket;
mod lock;
pub mod walk;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use anyhow::{bail, Context, Result};

pub use self::bucket::{Bucket, Shape};
pub use self::lock::CacheLock;
pub use self::walk::{Entry, Removal};
use crate::hash::Sha256;

/// The cache root.
#[derive(Clone)]
pub struct Cache {
    root: PathBuf,
    /// The shared lock on `tmp/`, taken the first time it is used.
    tmp_lock: Arc<OnceLock<CacheLock>>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").field("root", &self.root).finish()
    }
}

/// The root a flag names, else `WHEELPIPE_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/wheelpipe`, else `~/.cache/wheelpipe`: how every tool
/// finds the cache. Always absolute: the paths it gives are handed to
/// processes that run in other folders (build backends in a project's).
pub fn root_from_flag(flag: Option<&Path>) -> Result<PathBuf> {
    let root = match flag {
        Some(p) => p.to_path_buf(),
        None => {
            default_root().context("cannot find a cache folder: set --cache-dir or WHEELPIPE_CACHE_DIR")?
        }
    };
    std::path::absolute(&root).with_context(|| format!("cannot find the cache folder {}", root.display()))
}

impl Cache {
    /// The cache at [`root_from_flag`], created if missing.
    pub fn from_flag(flag: Option<&Path>) -> Result<Cache> {
        Cache::at(root_from_flag(flag)?)
    }

    pub fn at(root: PathBuf) -> Result<Cache> {
        let root = std::path::absolute(&root).unwrap_or(root);
        fs::create_dir_all(&root)
            .with_context(|| format!("cannot create the cache folder {}", root.display()))?;
        Ok(Cache { root, tmp_lock: Arc::default() })
    }

    /// The cache at `root` as it is, not created: for looking only
    /// (`wheel-cache info` of a cache no tool has made yet).
    pub fn look_at(root: PathBuf) -> Cache {
        let root = std::path::absolute(&root).unwrap_or(root);
        Cache { root, tmp_lock: Arc::default() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The bucket's folder (`{root}/{name}/v{version}`), not created.
    pub fn bucket(&self, bucket: Bucket) -> PathBuf {
        self.root.join(bucket.folder())
    }

    /// The entry keyed `key` in `bucket`: a folder `{K[..2]}/{K}`, a file
    /// `{K[..2]}/{K}.json` or a file `{K}`, as the bucket's [`Shape`] says.
    pub fn entry(&self, bucket: Bucket, key: &Sha256) -> PathBuf {
        let key = key.to_string();
        let dir = self.bucket(bucket);
        match bucket.shape() {
            Shape::ShardedFolder => dir.join(&key[..2]).join(key),
            Shape::ShardedFile => dir.join(&key[..2]).join(format!("{key}.json")),
            Shape::File => dir.join(key),
        }
    }

    /// The entry named `name` (one plain file name) in a bucket of files
    /// named by their owner (the interpreters').
    pub fn named_entry(&self, bucket: Bucket, name: &str) -> Result<PathBuf> {
        check_file_name(name)?;
        Ok(self.bucket(bucket).join(name))
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

    /// Stamps the entry at `path` (a file or an entry's folder) as used
    /// now, when its stamp is over an hour old: `wheel-cache prune
    /// --older-than` goes by it. A cache that cannot be written is no error.
    pub fn touch(&self, path: &Path) {
        const FRESH: Duration = Duration::from_secs(3600);
        let Ok(modified) = fs::metadata(path).and_then(|m| m.modified()) else { return };
        let now = SystemTime::now();
        if now.duration_since(modified).is_ok_and(|age| age > FRESH) {
            let _ = fs::File::open(path).and_then(|f| f.set_modified(now));
        }
    }
}

/// The content-addressed file store: a file whose sha256 is `H` lives at
/// `wheels/v1/{H[0..2]}/{H}/{filename}`. `wheel-fetch` fills it,
/// `wheel-unpack`, `wheel-meta` and the builds read from it.
impl Cache {
    /// Where the store keeps `filename` with the sha256 `sha256`. Fails on
    /// a filename that is not one plain path component, so a record cannot
    /// point outside the cache.
    pub fn wheel_path(&self, sha256: &Sha256, filename: &str) -> Result<PathBuf> {
        check_file_name(filename)?;
        Ok(self.entry(Bucket::Wheels, sha256).join(filename))
    }

    /// The stored file for `sha256` and `filename`, if the store has it
    /// (stamped as used).
    pub fn find_wheel(&self, sha256: &Sha256, filename: &str) -> Option<PathBuf> {
        let path = self.wheel_path(sha256, filename).ok().filter(|p| p.is_file())?;
        self.touch(&self.entry(Bucket::Wheels, sha256));
        Some(path)
    }
}

/// Locks and temporary files.
impl Cache {
    /// The lock a run holds while it writes the entry `key` of `bucket`
    /// (or removes it), waiting for another run that holds it.
    pub fn lock_entry(&self, bucket: Bucket, key: &Sha256) -> Result<CacheLock> {
        self.lock(&entry_lock_name(bucket, key)?)
    }

    /// [`Cache::lock_entry`] without waiting: `None` while another run
    /// holds it, so a caller can wait and still notice Ctrl-C.
    pub fn try_lock_entry(&self, bucket: Bucket, key: &Sha256) -> Result<Option<CacheLock>> {
        self.try_lock(&entry_lock_name(bucket, key)?)
    }

    /// An exclusive lock named `name` (under `locks/`), waiting for another
    /// run that holds it.
    pub fn lock(&self, name: &str) -> Result<CacheLock> {
        let taken = lock::take(&self.root, name, lock::Mode::Exclusive { wait: true })?;
        Ok(taken.expect("a waiting lock is taken"))
    }

    /// [`Cache::lock`] without waiting: `None` while another run holds it.
    pub fn try_lock(&self, name: &str) -> Result<Option<CacheLock>> {
        lock::take(&self.root, name, lock::Mode::Exclusive { wait: false })
    }

    /// The lock on all of `tmp/` without waiting (`wheel-cache prune`):
    /// `None` while any run uses it. Not for a cache whose own `tmp/` is in use.
    pub fn try_lock_tmp(&self) -> Result<Option<CacheLock>> {
        lock::take(&self.root, TMP_LOCK, lock::Mode::Exclusive { wait: false })
    }

    /// The folder of the lock files.
    pub fn locks_dir(&self) -> PathBuf {
        lock::folder(&self.root)
    }

    /// Removes the lock file `path` (in [`Cache::locks_dir`]) if nobody
    /// holds it; true when removed. Safe against a run that opens it at the
    /// same moment.
    pub fn remove_lock_if_free(&self, path: &Path) -> bool {
        path.parent() == Some(&self.locks_dir()) && lock::remove_if_free(path)
    }

    /// The folder for files being written (`tmp/`, on the cache's file
    /// system so a finished file can be renamed into place). This run holds
    /// `tmp/` (a shared lock) from the first call until the cache is
    /// dropped, so `wheel-cache prune` leaves it alone meanwhile.
    pub fn tmp_dir(&self) -> Result<PathBuf> {
        let dir = self.tmp_path();
        if self.tmp_lock.get().is_none() {
            let held = lock::take(&self.root, TMP_LOCK, lock::Mode::Shared)?;
            // Made once: nothing removes it while the lock is held.
            fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
            let _ = self.tmp_lock.set(held.expect("a waiting lock is taken"));
        }
        Ok(dir)
    }

    /// `tmp/`, neither created nor held.
    pub fn tmp_path(&self) -> PathBuf {
        self.root.join("tmp")
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
}

/// The lock every run holds shared while it writes in `tmp/`.
const TMP_LOCK: &str = "tmp";

/// `{prefix}-{K}`: the names the tools have always locked entries by.
fn entry_lock_name(bucket: Bucket, key: &Sha256) -> Result<String> {
    match bucket.lock_prefix() {
        Some(prefix) => Ok(format!("{prefix}-{key}")),
        None => bail!("the {} bucket's entries are written by a rename, not under a lock", bucket.name()),
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

    fn sha(text: &str) -> Sha256 {
        Sha256::parse(text).unwrap()
    }

    #[test]
    fn every_bucket_has_a_versioned_folder_and_entries_stay_in_it() {
        let cache = Cache { root: PathBuf::from("/c"), tmp_lock: Arc::default() };
        let hash = sha(&"AB".repeat(32));
        let h = "ab".repeat(32);
        assert_eq!(
            cache.wheel_path(&hash, "x-1-py3-none-any.whl").unwrap(),
            Path::new("/c/wheels/v1/ab").join(&h).join("x-1-py3-none-any.whl")
        );
        assert!(cache.wheel_path(&hash, "../x.whl").is_err());
        assert!(cache.wheel_path(&hash, "..").is_err());
        assert!(cache.wheel_path(&hash, "").is_err());
        assert_eq!(cache.entry(Bucket::Unpacked, &hash), Path::new("/c/unpacked/v2/ab").join(&h));
        assert_eq!(cache.entry(Bucket::Index, &hash), Path::new("/c/index/v1").join(&h));
        assert_eq!(
            cache.entry(Bucket::Metadata, &hash),
            Path::new("/c/metadata/v1/ab").join(format!("{h}.json"))
        );
        assert!(cache.named_entry(Bucket::Interpreters, "../x").is_err());
        let folders: std::collections::HashSet<_> = Bucket::ALL.iter().map(|b| b.name()).collect();
        assert_eq!(folders.len(), Bucket::ALL.len(), "one folder a bucket");
    }

    #[test]
    fn a_held_entry_lock_is_not_taken_twice_and_a_removed_lock_file_is_not_shared() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().to_path_buf()).unwrap();
        let hash = sha(&"ab".repeat(32));
        let held = cache.lock_entry(Bucket::Wheels, &hash).unwrap();
        assert!(cache.try_lock_entry(Bucket::Wheels, &hash).unwrap().is_none());
        let file = cache.locks_dir().join(format!("wheel-{hash}.lock"));
        assert!(!cache.remove_lock_if_free(&file), "a held lock file stays");
        drop(held);
        assert!(cache.remove_lock_if_free(&file) && !file.exists());
        let again = cache.try_lock_entry(Bucket::Wheels, &hash).unwrap();
        assert!(again.is_some() && file.exists());
        assert!(cache.try_lock_entry(Bucket::Index, &hash).is_err(), "file entries have no lock");
    }

    #[test]
    fn a_run_using_tmp_keeps_prune_out() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().to_path_buf()).unwrap();
        let other = Cache::at(dir.path().to_path_buf()).unwrap();
        assert!(other.try_lock_tmp().unwrap().is_some(), "nobody uses tmp yet");
        let _file = cache.temp_file(".part").unwrap();
        assert!(other.try_lock_tmp().unwrap().is_none());
        drop(cache);
        assert!(other.try_lock_tmp().unwrap().is_some());
    }
}
