//! Listing and removing what the cache holds, for `wheel-cache`: the
//! entries of a bucket as its [`Shape`] lays them out, the folders of its
//! older versions, and the removal of one entry under the lock its writers
//! take, by one rename out of its place (a reader finds it whole or not at
//! all) before it is deleted.

use std::collections::HashSet;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::{Bucket, Cache, Shape};
use crate::hash::Sha256;

/// One entry of a bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub bucket: Bucket,
    pub path: PathBuf,
    /// The key its path spells (a sha256, or an interpreter entry's name).
    pub key: String,
}

/// What [`Cache::remove_entry`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Removal {
    /// Removed; its bytes.
    Removed(u64),
    /// A run holds its lock: left alone.
    Busy,
    /// `still` said no once the lock was held (it was used meanwhile).
    Kept,
}

/// The prefix of a name an entry is renamed to while it is deleted.
const DELETING: &str = ".del-";

impl Cache {
    /// The entries of `bucket` (names starting with `.` are temporary and
    /// left out), in the order of their paths.
    pub fn entries(&self, bucket: Bucket) -> Vec<Entry> {
        let dir = self.bucket(bucket);
        let shards = match bucket.shape() {
            Shape::File => vec![dir],
            Shape::ShardedFolder | Shape::ShardedFile => children(&dir),
        };
        let mut entries: Vec<Entry> = shards
            .iter()
            .flat_map(|shard| children(shard))
            .filter_map(|path| {
                let name = path.file_name()?.to_str()?;
                let key = name.strip_suffix(".json").filter(|_| bucket.shape() == Shape::ShardedFile);
                Some(Entry { bucket, key: key.unwrap_or(name).to_string(), path: path.clone() })
            })
            .collect();
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        entries
    }

    /// What `{name}/` holds besides the current version's folder: the
    /// layouts older (or newer) builds wrote.
    pub fn other_versions(&self, bucket: Bucket) -> Vec<PathBuf> {
        let current = self.bucket(bucket);
        let all = children(&self.root.join(bucket.name()));
        all.into_iter().filter(|p| *p != current).collect()
    }

    /// The files being deleted or written in a bucket's folders that a run
    /// left when it was killed (`.del-*`, `.tmp-*`) and that are older than
    /// `min_age` (a write takes milliseconds).
    pub fn leftovers(&self, bucket: Bucket, min_age: std::time::Duration) -> Vec<PathBuf> {
        let dir = self.bucket(bucket);
        let mut folders = vec![dir.clone()];
        if bucket.shape() != Shape::File {
            folders.extend(children(&dir));
        }
        let old =
            |p: &Path| fs::symlink_metadata(p).and_then(|m| m.modified()).is_ok_and(|t| older(t, min_age));
        let hidden = |p: &PathBuf| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'));
        let found = folders.iter().flat_map(|f| read_all(f)).filter(hidden);
        found.filter(|p| old(p)).collect()
    }

    /// Removes `entry` unless a run holds it: under its lock (for a folder
    /// entry), and only when `still` (asked again under the lock) says so.
    pub fn remove_entry(&self, entry: &Entry, still: impl Fn(&Path) -> bool) -> Result<Removal> {
        let _lock = match entry.bucket.lock_prefix() {
            Some(_) => match Sha256::parse(&entry.key) {
                Ok(key) => match self.try_lock_entry(entry.bucket, &key)? {
                    Some(lock) => Some(lock),
                    None => return Ok(Removal::Busy),
                },
                // No run locks a name that is not a key: nobody writes it.
                Err(_) => None,
            },
            None => None,
        };
        if !entry.path.exists() {
            return Ok(Removal::Removed(0));
        }
        if !still(&entry.path) {
            return Ok(Removal::Kept);
        }
        let bytes = size(&entry.path);
        remove_path(&entry.path)?;
        Ok(Removal::Removed(bytes))
    }
}

/// Removes a file or folder: renamed aside first (to `.del-*` beside it),
/// so nobody sees it half deleted.
pub fn remove_path(path: &Path) -> Result<()> {
    let name = path.file_name().context("a cache path has a name")?.to_string_lossy();
    let aside = path.with_file_name(format!("{DELETING}{name}-{}", std::process::id()));
    let doomed = match fs::rename(path, &aside) {
        Ok(()) => aside,
        Err(_) => path.to_path_buf(),
    };
    let removed = match fs::symlink_metadata(&doomed) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(&doomed),
        Ok(_) => fs::remove_file(&doomed),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    };
    removed.with_context(|| format!("cannot remove {}", path.display()))
}

/// The bytes of the files under `path` (itself when a file), each inode
/// counted once (a hard-linked file is one file).
pub fn size(path: &Path) -> u64 {
    let mut seen = HashSet::new();
    let mut total = 0;
    let mut stack = vec![path.to_path_buf()];
    while let Some(p) = stack.pop() {
        let Ok(m) = fs::symlink_metadata(&p) else { continue };
        if m.is_dir() {
            stack.extend(read_all(&p));
        } else if m.nlink() < 2 || seen.insert((m.dev(), m.ino())) {
            total += m.len();
        }
    }
    total
}

/// When `path` was last used: its stamp (see [`Cache::touch`]), else its
/// modification time.
pub fn last_used(path: &Path) -> Option<std::time::SystemTime> {
    fs::symlink_metadata(path).and_then(|m| m.modified()).ok()
}

fn older(t: std::time::SystemTime, age: std::time::Duration) -> bool {
    t.elapsed().is_ok_and(|elapsed| elapsed > age)
}

/// The paths in `dir`, none when it cannot be read.
fn read_all(dir: &Path) -> Vec<PathBuf> {
    let Ok(read) = fs::read_dir(dir) else { return Vec::new() };
    read.flatten().map(|e| e.path()).collect()
}

/// The paths in `dir` whose names do not start with `.`.
fn children(dir: &Path) -> Vec<PathBuf> {
    let visible = |p: &PathBuf| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| !n.starts_with('.'));
    read_all(dir).into_iter().filter(visible).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_listed_by_shape_and_a_held_one_is_not_removed() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().to_path_buf()).unwrap();
        let (a, b) = (Sha256::of(b"a"), Sha256::of(b"b"));
        for key in [&a, &b] {
            let wheel = cache.wheel_path(key, "x-1-py3-none-any.whl").unwrap();
            fs::create_dir_all(wheel.parent().unwrap()).unwrap();
            fs::write(&wheel, b"12345").unwrap();
        }
        cache.write_atomic(&cache.entry(Bucket::Metadata, &a), b"{}").unwrap();
        fs::create_dir_all(dir.path().join("wheels/sha256/ab")).unwrap();
        let keys: Vec<_> = cache.entries(Bucket::Wheels).into_iter().map(|e| e.key).collect();
        let mut want = vec![a.to_string(), b.to_string()];
        want.sort_by_key(|k| cache.entry(Bucket::Wheels, &Sha256::parse(k).unwrap()));
        assert_eq!(keys, want);
        assert_eq!(cache.entries(Bucket::Metadata)[0].key, a.to_string());
        assert_eq!(cache.other_versions(Bucket::Wheels), [dir.path().join("wheels/sha256")]);

        let entry = cache.entries(Bucket::Wheels).into_iter().find(|e| e.key == a.to_string()).unwrap();
        let held = cache.lock_entry(Bucket::Wheels, &a).unwrap();
        assert_eq!(cache.remove_entry(&entry, |_| true).unwrap(), Removal::Busy);
        drop(held);
        assert_eq!(cache.remove_entry(&entry, |_| false).unwrap(), Removal::Kept);
        assert_eq!(cache.remove_entry(&entry, |_| true).unwrap(), Removal::Removed(5));
        assert!(!entry.path.exists());
        assert_eq!(cache.entries(Bucket::Wheels).len(), 1);
        assert!(read_all(entry.path.parent().unwrap()).is_empty(), "nothing left aside");
    }
}
