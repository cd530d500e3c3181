//! `wheel-cache clean [NAME...]`: every entry of every bucket, or the
//! entries that belong to the named projects (read from each entry: its
//! file's name, an unpacked wheel's manifest, a metadata record's name, an
//! index page's URL). An entry a running tool holds is left and counted.

use std::collections::HashSet;

use anyhow::Result;
use wheelpipe::build::source::sdist_name_version;
use wheelpipe::cache::{Bucket, Cache, Entry};
use wheelpipe::names::normalize;
use wheelpipe::wheel_name::WheelFilename;

use crate::remove::remove_all;
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
        Bucket::BuildEnvs | Bucket::Interpreters | Bucket::Git => None,
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
