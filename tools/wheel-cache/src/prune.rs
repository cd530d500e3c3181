//! `wheel-cache prune [--older-than DAYS]`: removes what no run should
//! need. `tmp/` is emptied only when no run holds it (every run that writes
//! there holds `locks/tmp.lock` shared); folders of other bucket versions
//! go whole (no tool of this build reads them); an entry left half made by
//! a killed run (a store folder without its file, an unpacked wheel without
//! its manifest, a build environment not marked ready, a built folder
//! without its wheel) goes once nobody holds its lock and it is an hour
//! old; with `--older-than`, so does every entry whose stamp (see
//! `Cache::touch`) is older, checked again under its lock; then the lock
//! files nobody holds.

use std::path::Path;
use std::time::{Duration, SystemTime};

use anyhow::Result;
use wheelpipe::cache::walk::last_used;
use wheelpipe::cache::{Bucket, Cache, Entry};

use crate::remove::{remove_all, remove_paths};
use crate::Removed;

/// How old a half-made entry or a temporary file of a bucket must be
/// before it counts as abandoned (writes take far less).
const ABANDONED: Duration = Duration::from_secs(3600);

pub fn prune(cache: &Cache, older_than_days: Option<u32>) -> Result<Vec<Removed>> {
    let mut removed = vec![tmp(cache)?, other_versions(cache)?];
    let age = older_than_days.map(|d| Duration::from_secs(u64::from(d) * 86_400));
    for bucket in Bucket::ALL {
        let mut leftovers = remove_paths(bucket.name(), cache.leftovers(bucket, ABANDONED))?;
        let doomed = |e: &Entry| {
            (!complete(e) && is_older(&e.path, ABANDONED)) || age.is_some_and(|a| is_older(&e.path, a))
        };
        let entries = cache.entries(bucket).into_iter().filter(|e| doomed(e));
        let entries = remove_all(cache, bucket.name(), entries, |path| {
            let entry = Entry { bucket, path: path.to_path_buf(), key: String::new() };
            doomed(&entry)
        })?;
        leftovers.entries += entries.entries;
        leftovers.bytes += entries.bytes;
        leftovers.busy += entries.busy;
        removed.push(leftovers);
    }
    removed.push(locks(cache));
    Ok(removed)
}

/// Empties `tmp/` when no run uses it.
pub fn tmp(cache: &Cache) -> Result<Removed> {
    let Some(_all_of_it) = cache.try_lock_tmp()? else {
        return Ok(Removed { busy: 1, ..Removed::named("tmp") });
    };
    let dir = cache.tmp_path();
    let children = std::fs::read_dir(&dir).into_iter().flatten().flatten().map(|e| e.path());
    remove_paths("tmp", children.collect::<Vec<_>>())
}

/// Removes the folders of every bucket's other versions.
pub fn other_versions(cache: &Cache) -> Result<Removed> {
    remove_paths("old", Bucket::ALL.iter().flat_map(|&b| cache.other_versions(b)))
}

/// Removes the lock files nobody holds.
pub fn locks(cache: &Cache) -> Removed {
    let mut done = Removed::named("locks");
    let files = std::fs::read_dir(cache.locks_dir()).into_iter().flatten().flatten();
    for file in files.map(|f| f.path()) {
        if cache.remove_lock_if_free(&file) {
            done.entries += 1;
        } else {
            done.busy += 1;
        }
    }
    done
}

/// False for an entry a run began and did not finish.
fn complete(entry: &Entry) -> bool {
    let path = &entry.path;
    let has = |wanted: &dyn Fn(&str) -> bool| {
        let files = std::fs::read_dir(path).into_iter().flatten().flatten();
        files.filter_map(|f| f.file_name().into_string().ok()).any(|n| !n.starts_with('.') && wanted(&n))
    };
    match entry.bucket {
        Bucket::Wheels => has(&|_| true),
        Bucket::Unpacked => path.join("manifest.json").is_file(),
        Bucket::BuildEnvs => wheelpipe::build::env::is_ready(path),
        Bucket::Built => has(&|n| n.ends_with(".whl")),
        Bucket::Git => path.join(".git").exists(),
        Bucket::Index | Bucket::Metadata | Bucket::Interpreters => true,
    }
}

fn is_older(path: &Path, age: Duration) -> bool {
    last_used(path).is_some_and(|t| SystemTime::now().duration_since(t).is_ok_and(|d| d > age))
}
