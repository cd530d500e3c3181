//! Removing cache entries under their locks, and plain paths, counting
//! what went: the one way `clean` and `prune` delete.

use std::path::Path;

use anyhow::Result;
use wheelpipe::cache::walk::remove_path;
use wheelpipe::cache::{Cache, Entry, Removal};

use crate::Removed;

/// Removes `entries` (each while `still` holds, under its lock), counting.
pub fn remove_all(
    cache: &Cache,
    bucket: &str,
    entries: impl Iterator<Item = Entry>,
    still: impl Fn(&Path) -> bool,
) -> Result<Removed> {
    let mut done = Removed::named(bucket);
    for entry in entries {
        match cache.remove_entry(&entry, &still)? {
            Removal::Removed(bytes) => (done.entries, done.bytes) = (done.entries + 1, done.bytes + bytes),
            Removal::Busy => done.busy += 1,
            Removal::Kept => {}
        }
    }
    Ok(done)
}

/// Removes plain paths (nothing locks them), counting.
pub fn remove_paths(bucket: &str, paths: impl IntoIterator<Item = std::path::PathBuf>) -> Result<Removed> {
    let mut done = Removed::named(bucket);
    for path in paths {
        let bytes = wheelpipe::cache::walk::size(&path);
        remove_path(&path)?;
        (done.entries, done.bytes) = (done.entries + 1, done.bytes + bytes);
    }
    Ok(done)
}
