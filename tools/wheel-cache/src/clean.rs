//! `wheel-cache clean [NAME...]`: every entry of every bucket, or the
//! entries that belong to the named projects (read from each entry: its
//! file's name, an unpacked wheel's manifest, a metadata record's name, an
//! index page's URL). An entry a running tool holds is left and counted.

use std::collections::HashSet;
use std::path::Path;

use anyhow::Result;
use wheelpipe::build::source::sdist_name_version;
use wheelpipe::cache::walk::remove_path;
use wheelpipe::cache::{Bucket, Cache, Entry, Removal};
use wheelpipe::names::normalize;
use wheelpipe::wheel_name::WheelFilename;

use crate::Removed;

/// Removes the entries of `names`' projects, or everything when `names` is
/// empty (older bucket versions, `tmp/` when no run uses it, and free lock
/// files too).
pub fn clean(cache: &Cache, names: &[String]) -> Result<Vec<Removed>> {
    let wanted: HashSet<String> = names.iter().map(|n| normalize(n)).collect();
    let mut removed = Vec::new();
    for bucket in Bucket::ALL {
        let entries = cache.entries(bucket).into_iter();
        let chosen = entries.filter(|e| wanted.is_empty() || project(e).is_some_and(|p| wanted.contains(&p)));
        removed.push(remove_all(cache, bucket.name(), chosen, |_| true)?);
    }
    if wanted.is_empty() {
        removed.push(crate::prune::other_versions(cache)?);
        removed.push(crate::prune::tmp(cache)?);
        removed.push(crate::prune::locks(cache));
    }
    Ok(removed)
}

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

/// The normalized project an entry belongs to, when it has one.
pub fn project(entry: &Entry) -> Option<String> {
    let path = &entry.path;
    let name = match entry.bucket {
        Bucket::Wheels | Bucket::Built => {
            let files = std::fs::read_dir(path).ok()?.flatten();
            files.filter_map(|f| f.file_name().to_str().and_then(project_of_file)).next()
        }
        Bucket::Unpacked => {
            let manifest: serde_json::Value =
                serde_json::from_slice(&std::fs::read(path.join("manifest.json")).ok()?).ok()?;
            project_of_file(manifest.get("filename")?.as_str()?)
        }
        Bucket::Metadata => {
            let record: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
            record.get("name")?.as_str().map(str::to_string)
        }
        Bucket::Index => {
            // The entry's first line is its header, with the page's URL:
            // `.../simple/{project}/`.
            let text = std::fs::read(path).ok()?;
            let first = text.split(|&b| b == b'\n').next()?;
            let header: serde_json::Value = serde_json::from_slice(first).ok()?;
            let url = header.get("url")?.as_str()?;
            url.split(['/', '?', '#']).rfind(|s| !s.is_empty()).map(str::to_string)
        }
        Bucket::BuildEnvs | Bucket::Interpreters => None,
    };
    name.map(|n| normalize(&n))
}

/// The project of a wheel's or an sdist's file name.
fn project_of_file(file: &str) -> Option<String> {
    if let Ok(wheel) = WheelFilename::parse(file) {
        return Some(wheel.name);
    }
    sdist_name_version(file).map(|(name, _)| name.to_string())
}
