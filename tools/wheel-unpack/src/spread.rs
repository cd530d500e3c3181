//! Where new folder trees go on disk. A wheel's staged or cached tree is
//! created in a parent marked "top of unrelated trees" (ext2/3/4's
//! `FS_TOPDIR_FL`, `chattr +T`) under a random name, so the allocator puts each
//! tree in a block group of its own: otherwise it lands next to its parent,
//! where a virtualenv or cache deleted a moment ago leaves thousands of freed
//! inodes that ext4 without a journal scans past one by one for a minute
//! (`recently_deleted`), on every file and folder created (perf: up to 70 %
//! of an install's time). Elsewhere the mark is not kept and nothing changes.

use std::fs::{self, File};
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Creates `dir` (and its parents) and marks it as the parent of unrelated
/// trees, when the file system knows the mark.
pub fn make_parent(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    if let Ok(folder) = File::open(dir) {
        // Only a hint: a file system without the flag, or one that refuses
        // it, allocates as it would have.
        let _ = flags::add(&folder, flags::TOPDIR);
    }
    Ok(())
}

/// A new, empty folder in `parent` named `<prefix>-<random>`: the name seeds
/// where the allocator looks first, so a fixed name would lead it back to
/// the group that the previous run's tree of that name just freed.
pub fn new_tree(parent: &Path, prefix: &str) -> Result<PathBuf> {
    let dir = tempfile::Builder::new()
        .prefix(&format!("{prefix}-"))
        .tempdir_in(parent)
        .with_context(|| format!("cannot create a folder in {}", parent.display()))?;
    Ok(dir.keep())
}

/// A name for a new tree in `parent`, `<prefix>-<random>` as [`new_tree`]
/// gives, for a caller that makes the folder itself with its first `mkdir`:
/// `prefix` must be one no other tree in `parent` has (a run's own folder,
/// one prefix a wheel), the random part only seeds the allocator.
pub fn tree_name(parent: &Path, prefix: &str) -> PathBuf {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write(prefix.as_bytes());
    let mut bits = hasher.finish();
    const CHARS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let random: String = (0..6)
        .map(|_| {
            let c = CHARS[(bits % CHARS.len() as u64) as usize];
            bits /= CHARS.len() as u64;
            char::from(c)
        })
        .collect();
    parent.join(format!("{prefix}-{random}"))
}

/// Removes the trees [`new_tree`] made in `parent` whose prefix `abandoned`
/// says no run is working on (left by a run that was killed).
pub fn remove_trees(parent: &Path, abandoned: impl Fn(&str) -> bool) {
    let Ok(entries) = fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let prefix = name.to_str().and_then(|n| n.rsplit_once('-')).map(|(prefix, _)| prefix);
        if prefix.is_some_and(&abandoned) {
            let _ = wheelpipe::remove::remove_tree(&entry.path());
        }
    }
}

/// The inode flags ioctls (`FS_IOC_GETFLAGS` / `FS_IOC_SETFLAGS`).
#[allow(unsafe_code)]
mod flags {
    use super::*;
    use nix::libc::{c_int, c_long};

    /// `FS_TOPDIR_FL`: the top of a directory hierarchy.
    pub const TOPDIR: c_int = 0x0002_0000;

    // The ioctl numbers are declared with `long`, the kernel moves an `int`.
    nix::ioctl_read_bad!(get, nix::request_code_read!(b'f', 1, std::mem::size_of::<c_long>()), c_int);
    nix::ioctl_write_ptr_bad!(set, nix::request_code_write!(b'f', 2, std::mem::size_of::<c_long>()), c_int);

    pub fn read(file: &File) -> io::Result<c_int> {
        let mut value: c_int = 0;
        // SAFETY: the descriptor is open for the call and `value` is a valid
        // int for the kernel to write.
        unsafe { get(file.as_raw_fd(), &mut value) }.map_err(io::Error::from)?;
        Ok(value)
    }

    pub fn add(file: &File, flag: c_int) -> io::Result<()> {
        let old = read(file)?;
        if old & flag == 0 {
            let value = old | flag;
            // SAFETY: the descriptor is open for the call and `value` is a
            // valid int for the kernel to read.
            unsafe { set(file.as_raw_fd(), &value) }.map_err(io::Error::from)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trees_get_fresh_names_and_stale_ones_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let parent = dir.path().join("new");
        make_parent(&parent).unwrap();
        let a = new_tree(&parent, "0").unwrap();
        let b = new_tree(&parent, "0").unwrap();
        assert_ne!(a, b);
        assert!(a.is_dir() && b.is_dir());
        let other = new_tree(&parent, "1").unwrap();
        remove_trees(&parent, |prefix| prefix == "0");
        assert!(!a.exists() && !b.exists());
        assert!(other.is_dir(), "a tree of another prefix stays");
    }

    #[test]
    fn on_ext4_the_parent_is_marked_and_its_trees_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let ext4 = nix::sys::statfs::statfs(dir.path())
            .is_ok_and(|s| s.filesystem_type() == nix::sys::statfs::EXT4_SUPER_MAGIC);
        if !ext4 {
            eprintln!("skipped: {} is not on ext2/3/4", dir.path().display());
            return;
        }
        let parent = dir.path().join("new");
        make_parent(&parent).unwrap();
        let tree = new_tree(&parent, "0").unwrap();
        let topdir = |p: &Path| flags::read(&File::open(p).unwrap()).unwrap() & flags::TOPDIR != 0;
        assert!(topdir(&parent));
        assert!(!topdir(&tree), "the mark is not inherited: a tree moved into a venv carries none");
    }
}
