//! Removing distributions as pip uninstalls them, in the same journaled
//! commit as an install: each one's RECORD files inside the venv (launchers
//! included), the `__pycache__` files of its modules, its `.dist-info`, and
//! the folders they leave empty (see [`crate::commit`]). Used by
//! `wheel-unpack --exact` and by wheel-remove.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use anyhow::{bail, Result};
use wheelpipe::names::normalize;
use wheelpipe::records::Removed;
use wheelpipe::site_packages::Dist;

use crate::commit::OldDist;

/// The distributions `--exact` never removes unless they are in the set:
/// the installers `python -m venv` and virtualenv seed a venv with, as
/// pip-sync keeps them, so that a venv made with pip can still run it.
pub const SEEDS: [&str; 3] = ["pip", "setuptools", "wheel"];

/// The normalized names of the distributions of `present` that are not in
/// `set` (normalized names), seeds aside: what `--exact` removes.
pub fn extra(present: &[Dist], set: &BTreeSet<String>) -> BTreeSet<String> {
    present.iter().map(Dist::key).filter(|k| !set.contains(k) && !SEEDS.contains(&k.as_str())).collect()
}

/// Refuses to remove a distribution whose `.dist-info` has no RECORD, as pip
/// does: without it, its files are unknown and would be left behind.
pub fn check_removable(present: &[Dist], keys: &BTreeSet<String>) -> Result<()> {
    for d in present.iter().filter(|d| keys.contains(&d.key())) {
        if !d.dist_info.join("RECORD").is_file() {
            bail!(
                "cannot remove {} {}: {} has no RECORD to say which files are its own",
                d.name,
                d.version,
                d.dist_info.display()
            );
        }
    }
    Ok(())
}

/// The `removed` records of the distributions of `old` whose names are in
/// `keys` (the others of `old` are replaced, not removed), by name.
pub fn records(present: &[Dist], old: &[OldDist], keys: &BTreeSet<String>) -> Vec<Removed> {
    let mut out: Vec<Removed> = present
        .iter()
        .filter(|d| keys.contains(&normalize(&d.name)))
        .filter_map(|d| {
            let o = old.iter().find(|o| o.dist_info == d.dist_info)?;
            let files = o.files.len() as u64 + count_files(&o.dist_info);
            Some(Removed { name: d.name.clone(), version: d.version.clone(), files })
        })
        .collect();
    out.sort_by_key(|r| normalize(&r.name));
    out
}

/// The files under `dir`, in all its folders.
fn count_files(dir: &Path) -> u64 {
    let Ok(entries) = fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => count_files(&e.path()),
            _ => 1,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dist(lib: &Path, name: &str) -> Dist {
        let dist_info = lib.join(format!("{name}-1.0.dist-info"));
        fs::create_dir_all(dist_info.join("licenses")).unwrap();
        fs::write(dist_info.join("METADATA"), "").unwrap();
        fs::write(dist_info.join("licenses/LICENSE"), "").unwrap();
        Dist { name: name.into(), version: "1.0".into(), dist_info, location: lib.to_path_buf() }
    }

    #[test]
    fn extras_spare_the_seeds_and_records_count_every_file() {
        let dir = tempfile::tempdir().unwrap();
        let present: Vec<Dist> = ["Alpha", "pip", "Beta", "setuptools"].map(|n| dist(dir.path(), n)).into();
        let set: BTreeSet<String> = ["alpha".to_string()].into();
        assert_eq!(extra(&present, &set), ["beta".to_string()].into());
        let old: Vec<OldDist> = present
            .iter()
            .map(|d| OldDist { dist_info: d.dist_info.clone(), files: [dir.path().join("x.py")].into() })
            .collect();
        let keys = ["beta".to_string(), "alpha".to_string()].into();
        let err = check_removable(&present, &keys).unwrap_err().to_string();
        assert!(
            err.starts_with("cannot remove Alpha 1.0: ")
                && err.ends_with("has no RECORD to say which files are its own"),
            "{err}"
        );
        fs::write(present[0].dist_info.join("RECORD"), "").unwrap();
        fs::write(present[2].dist_info.join("RECORD"), "").unwrap();
        check_removable(&present, &keys).unwrap();
        let removed = records(&present, &old, &keys);
        let names: Vec<_> = removed.iter().map(|r| (r.name.as_str(), r.files)).collect();
        assert_eq!(names, [("Alpha", 4), ("Beta", 4)]);
    }
}
