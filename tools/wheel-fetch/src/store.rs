//! Putting a stored wheel into the `--dest` folder (hard link, else copy),
//! through a temporary name so nobody sees a partial file. (Into the store
//! itself: [`wheelpipe::fetch::persist`].)

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result};
use wheelpipe::cache::check_file_name;

/// Puts `stored` into `dest` as `filename`, replacing a file of that name:
/// a hard link when the store and `dest` share a file system, else a copy.
pub fn place_in_dest(stored: &Path, dest: &Path, filename: &str) -> Result<PathBuf> {
    check_file_name(filename)?;
    let target = dest.join(filename);
    if same_file(stored, &target) {
        return Ok(target);
    }
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = dest.join(format!(".{filename}.{}-{n}.tmp", std::process::id()));
    let placed = fs::hard_link(stored, &tmp)
        .or_else(|_| fs::copy(stored, &tmp).map(drop))
        .with_context(|| format!("cannot copy {} to {}", stored.display(), tmp.display()))
        .and_then(|()| {
            fs::rename(&tmp, &target).with_context(|| format!("cannot write {}", target.display()))
        });
    if placed.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    placed.map(|()| target)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::metadata(a), fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dest_gets_the_file_and_an_old_one_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let stored = dir.path().join("store.whl");
        fs::write(&stored, b"new").unwrap();
        let dest = dir.path().join("dest");
        fs::create_dir(&dest).unwrap();
        fs::write(dest.join("a-1-py3-none-any.whl"), b"old").unwrap();
        let placed = place_in_dest(&stored, &dest, "a-1-py3-none-any.whl").unwrap();
        assert_eq!(fs::read(&placed).unwrap(), b"new");
        assert!(same_file(&stored, &placed), "a hard link on one file system");
        // Again: nothing changes, no temporary file stays.
        place_in_dest(&stored, &dest, "a-1-py3-none-any.whl").unwrap();
        let names: Vec<_> = fs::read_dir(&dest).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["a-1-py3-none-any.whl"]);
    }

    #[test]
    fn a_filename_with_a_slash_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let stored = dir.path().join("s");
        fs::write(&stored, b"x").unwrap();
        assert!(place_in_dest(&stored, dir.path(), "../evil.whl").is_err());
    }
}
