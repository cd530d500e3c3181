//! Cached files that a venv edited in place must not reach later venvs: a
//! file hard-linked from the cache is the cache's own inode, so `echo x >>
//! v/lib/.../__init__.py` edits the cache too. Each cached file's size,
//! mtime and mode are recorded when it is unpacked; before a wheel is
//! linked from the cache they are compared (one stat a file), and a file
//! that changed is extracted again from the wheel, checked against the hash
//! the cache recorded, and renamed over the cached one: the edited venv
//! keeps its inode, now its own, and later venvs get the wheel's bytes.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use wheelpipe::cache::Cache;

use super::{CachedFile, Unpacked};
use crate::extract::{self, Plan, Stamp};

pub use crate::extract::Mtime;

/// True when the cached `k`-th file is as it was unpacked (size, mtime, mode).
fn intact(u: &Unpacked, k: usize, f: &CachedFile) -> bool {
    let Some(stamp) = f.mtime else { return false };
    fs::symlink_metadata(u.path(k)).is_ok_and(|m| {
        m.is_file()
            && m.len() == f.size
            && (m.mtime(), m.mtime_nsec()) == stamp
            && m.permissions().mode() & 0o7777 == f.mode
    })
}

/// Below this many files a wheel's files are checked by one thread.
const PARALLEL_FILES: usize = 2048;

/// The indexes of the cached files that changed since they were unpacked;
/// a big wheel's are checked by up to `threads` threads.
pub fn changed(u: &Unpacked, threads: usize) -> Vec<usize> {
    let entries = &u.manifest.entries;
    let threads = threads.min(entries.len() / PARALLEL_FILES).max(1);
    let chunk = entries.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let parts: Vec<_> = entries
            .chunks(chunk)
            .enumerate()
            .map(|(k, part)| {
                let check = move || {
                    let part = part.iter().enumerate().map(|(i, f)| (k * chunk + i, f));
                    part.filter(|&(i, f)| !intact(u, i, f)).map(|(i, _)| i).collect::<Vec<_>>()
                };
                (k, s.spawn(check))
            })
            .collect();
        // A thread that failed counts all of its files as changed.
        let all = |k: usize| (k * chunk..((k + 1) * chunk).min(entries.len())).collect();
        parts.into_iter().flat_map(|(k, h)| h.join().unwrap_or_else(|_| all(k))).collect()
    })
}

/// Extracts the changed files of `u` again from `wheel` and renames them
/// over the cached ones, then rewrites the manifest. The caller holds the
/// wheel's cache lock.
pub fn repair(u: &mut Unpacked, wheel: &Path, cache: &Cache, threads: usize) -> Result<()> {
    let changed = changed(u, threads);
    if changed.is_empty() {
        return Ok(());
    }
    let (archive, entries) = crate::entries::open_zip(wheel)?;
    // Under tmp/unpack with the wheel's hash, so a killed run's tree is
    // removed by a later run (see `unpacked::new_tree`).
    let tmp = super::new_tree(cache, &wheelpipe::hash::Sha256::parse(&u.sha256)?)?;
    let result = (|| -> Result<()> {
        let mut plans = Vec::with_capacity(changed.len());
        for (k, &i) in changed.iter().enumerate() {
            let f = &u.manifest.entries[i];
            let Some(e) = entries.iter().find(|e| e.name == f.name) else {
                bail!("{} has no {}, which its unpacked copy has", wheel.display(), f.name);
            };
            let (staged, dest) = (tmp.join(k.to_string()), PathBuf::new());
            let (index, entry, mode, size) = (e.index, f.name.clone(), f.mode, e.size);
            plans.push(Plan { index, entry, want: None, staged, dest, mode, script: false, size });
        }
        // Extracted with the cached mode, its mtime read from the written handle.
        let ex = extract::stamped(archive, &plans, "", threads, Stamp::Mtime)?;
        for (((plan, (hash, _)), mtime), &i) in plans.iter().zip(ex.done).zip(ex.mtimes).zip(&changed) {
            let f = &mut u.manifest.entries[i];
            if hash != f.hash {
                bail!("{}: {} is not the file its unpacked copy was made from", wheel.display(), f.name);
            }
            f.mtime = Some(mtime);
            let cached = u.path(i);
            fs::rename(&plan.staged, &cached)
                .with_context(|| format!("cannot replace {}", cached.display()))?;
        }
        let dir = u.files.parent().context("a cached wheel has a folder")?;
        let manifest = dir.join("manifest.json");
        cache.write_atomic(&manifest, &serde_json::to_vec(&u.manifest)?)
    })();
    let _ = fs::remove_dir_all(&tmp);
    result
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::os::unix::fs::MetadataExt;

    use super::*;

    #[test]
    fn a_big_wheel_is_checked_by_several_threads_and_every_change_found() {
        let tmp = tempfile::tempdir().unwrap();
        let files = tmp.path().join("files");
        fs::create_dir(&files).unwrap();
        let entries = (0..5000)
            .map(|i| {
                let (name, path) = (format!("f{i}"), super::super::stored(&files, i));
                fs::create_dir_all(path.parent().unwrap()).unwrap();
                fs::write(&path, "x").unwrap();
                fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
                let (hash, size, executable, mode) = (String::new(), 1, false, 0o644);
                let meta = fs::metadata(&path).unwrap();
                let mtime = Some((meta.mtime(), meta.mtime_nsec()));
                CachedFile { name, hash, size, executable, mode, mtime }
            })
            .collect();
        let manifest = crate::unpacked::Manifest {
            filename: "x".into(),
            verified: true,
            mismatched: Vec::new(),
            entries,
        };
        let u = Unpacked { files: files.clone(), manifest, sha256: String::new() };
        assert!(changed(&u, 4).is_empty());
        fs::write(u.path_of("f4321").unwrap(), "xy").unwrap();
        fs::set_permissions(u.path(7), fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(changed(&u, 4), [7, 4321]);
        assert_eq!(changed(&u, 1), [7, 4321]);
    }

    #[test]
    fn a_cached_file_edited_through_a_link_is_extracted_again() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let wheel = crate::staging::tests::build(dir, &[("demo/a.py", b"x = 1\n", 0o644)], |r| r);
        let cache = Cache::at(dir.join("cache")).unwrap();
        let scheme = crate::scheme::for_tests(dir);
        let ensure =
            || crate::unpacked::ensure(&cache, &wheel, None, ("demo", "1.0"), &scheme, true, 1).unwrap();
        let u = ensure();
        assert!(changed(&u, 2).is_empty());
        // A venv's hard link, edited in place.
        let venv_file = dir.join("linked.py");
        fs::hard_link(u.path_of("demo/a.py").unwrap(), &venv_file).unwrap();
        fs::OpenOptions::new().append(true).open(&venv_file).unwrap().write_all(b"edited\n").unwrap();
        assert_eq!(changed(&u, 2).len(), 1);

        let u = ensure();
        assert!(changed(&u, 2).is_empty(), "repaired, and the manifest knows its new mtime");
        assert_eq!(fs::read_to_string(u.path_of("demo/a.py").unwrap()).unwrap(), "x = 1\n");
        assert_eq!(fs::read_to_string(&venv_file).unwrap(), "x = 1\nedited\n", "the venv keeps its edit");
        assert_eq!(fs::metadata(&venv_file).unwrap().nlink(), 1, "and no longer shares the cache's inode");
        assert!(
            fs::read_dir(cache.tmp_dir().unwrap().join("unpack")).unwrap().next().is_none(),
            "no leftovers"
        );
    }
}
