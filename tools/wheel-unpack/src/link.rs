//! Putting a file of the unpacked-wheel cache into the staging folder:
//! reflink (a copy-on-write clone, FICLONE), else a hard link, else a copy.
//! The first refusal of a kind by the file system (EOPNOTSUPP, EXDEV...)
//! moves the whole run down to the next kind, so a failing call is tried once.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

use anyhow::{Context, Result};
use wheelpipe::records::LinkMode;

use crate::extract::{self, Plan};
use crate::job::Warn;
use crate::scripts;
use crate::unpacked::Unpacked;

/// What `--link-mode` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pref {
    /// Reflink, else hard link, else copy.
    Auto,
    Reflink,
    Hardlink,
    Copy,
}

impl Pref {
    pub fn parse(text: &str) -> Option<Pref> {
        Some(match text {
            "auto" => Pref::Auto,
            "reflink" => Pref::Reflink,
            "hardlink" => Pref::Hardlink,
            "copy" => Pref::Copy,
            _ => return None,
        })
    }
}

const REFLINK: u8 = 0;
const HARDLINK: u8 = 1;
const COPY: u8 = 2;

/// Links files for one run, remembering which kinds the file system refused.
pub struct Linker {
    pref: Pref,
    level: AtomicU8,
    warned: AtomicU8,
}

impl Linker {
    pub fn new(pref: Pref) -> Linker {
        let level = match pref {
            Pref::Auto | Pref::Reflink => REFLINK,
            Pref::Hardlink => HARDLINK,
            Pref::Copy => COPY,
        };
        Linker { pref, level: AtomicU8::new(level), warned: AtomicU8::new(0) }
    }

    /// Whether files the run writes itself may be hard links of one
    /// another: not when the run asks for copies or reflinks.
    pub fn may_share(&self) -> bool {
        matches!(self.pref, Pref::Auto | Pref::Hardlink)
    }

    /// Gives up on `level` for the rest of the run; an explicit choice
    /// that fails is worth a warning (once).
    fn refused(&self, level: u8, why: &io::Error, warn: &Warn) {
        self.level.fetch_max(level + 1, Ordering::Relaxed);
        let asked = matches!((self.pref, level), (Pref::Reflink, REFLINK) | (Pref::Hardlink, HARDLINK));
        if asked && self.warned.swap(1, Ordering::Relaxed) == 0 {
            let kind = if level == REFLINK { "reflinks" } else { "hard links" };
            warn(format!("the file system refuses {kind} ({why}); falling back"));
        }
    }

    /// Makes `dest` (which must not exist) a file with the contents of
    /// `src` and the permissions `mode`; says how.
    /// `src_mode` is the source's permissions (from the cache's manifest).
    pub fn link(&self, src: &Path, src_mode: u32, dest: &Path, mode: u32, warn: &Warn) -> Result<LinkMode> {
        self.link_inner(src, src_mode, dest, mode, warn)
            .with_context(|| format!("cannot put {} at {}", src.display(), dest.display()))
    }

    fn link_inner(&self, src: &Path, src_mode: u32, dest: &Path, mode: u32, warn: &Warn) -> Result<LinkMode> {
        if self.level.load(Ordering::Relaxed) == REFLINK {
            match reflink(src, dest, mode) {
                Ok(()) => return Ok(LinkMode::Clone),
                Err(e) if unsupported(&e) => self.refused(REFLINK, &e, warn),
                Err(e) => return Err(e.into()),
            }
        }
        if self.level.load(Ordering::Relaxed) == HARDLINK {
            // A hard link shares the cached file's mode: only when it is right.
            if src_mode == mode {
                match fs::hard_link(src, dest) {
                    Ok(()) => return Ok(LinkMode::Link),
                    Err(e) if unsupported(&e) => self.refused(HARDLINK, &e, warn),
                    // Too many links to this inode: this one file is copied.
                    Err(e) if e.raw_os_error() == Some(nix::libc::EMLINK) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        copy(src, dest, mode)?;
        Ok(LinkMode::Copy)
    }
}

/// How many threads put a wheel's files in place, and when each file's
/// folder is ready: `ready(i)` returns once the folder of `plans[i]` is made
/// (folders may be made while files are linked, see `crate::staging`).
pub struct Parallel<'a> {
    pub threads: usize,
    pub ready: &'a (dyn Fn(usize) -> Result<()> + Sync),
}

/// Files a thread takes at a time: the threads follow the folders being
/// made in order, side by side.
const BATCH: usize = 32;

/// Puts every planned file of a cached wheel into the staging folder; returns
/// each one's RECORD hash and size, in order, and how most were linked.
/// Scripts whose `#!python` is rewritten are written afresh, never linked.
pub fn all(
    u: &Unpacked,
    plans: &[Plan],
    linker: &Linker,
    python: &str,
    par: &Parallel,
    warn: &Warn,
) -> Result<(Vec<(String, u64)>, LinkMode)> {
    let one = |plan: &Plan| -> Result<((String, u64), Option<LinkMode>)> {
        wheelpipe::signals::check()?;
        let src = u.path(plan.index);
        let cached = &u.manifest.entries[plan.index];
        if plan.script {
            let bytes = fs::read(&src).with_context(|| format!("cannot read {}", src.display()))?;
            if let Some(line) = scripts::fix_shebang(&bytes, python) {
                let end = bytes.iter().position(|&b| b == b'\n').map_or(bytes.len(), |p| p + 1);
                let fixed = [line.as_slice(), &bytes[end..]].concat();
                return Ok((extract::write_new(&plan.staged, plan.mode, &fixed)?, None));
            }
        }
        let how = linker.link(&src, cached.mode, &plan.staged, plan.mode, warn)?;
        Ok(((cached.hash.clone(), cached.size), Some(how)))
    };
    // A thread for each 128 files, up to `threads`, taking batches in order.
    let next = AtomicUsize::new(0);
    let work = || -> Result<Vec<(usize, _)>> {
        let mut done = Vec::new();
        loop {
            let start = next.fetch_add(BATCH, Ordering::Relaxed);
            for (i, plan) in plans.iter().enumerate().skip(start).take(BATCH) {
                (par.ready)(i)?;
                done.push((i, one(plan)?));
            }
            if start + BATCH >= plans.len() {
                return Ok(done);
            }
        }
    };
    let threads = plans.len().div_ceil(128).clamp(1, par.threads.max(1));
    let parts: Vec<Result<Vec<_>>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads).map(|_| s.spawn(work)).collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("a link thread panicked"))))
            .collect()
    });
    let mut out = vec![None; plans.len()];
    let mut counts = [0usize; 3];
    for part in parts {
        for (i, (r, how)) in part? {
            if let Some(how) = how {
                counts[how as usize] += 1;
            }
            out[i] = Some(r);
        }
    }
    let out: Vec<(String, u64)> = out.into_iter().collect::<Option<_>>().context("a file was not placed")?;
    let most = [LinkMode::Link, LinkMode::Clone, LinkMode::Copy];
    let how = most
        .into_iter()
        .max_by_key(|m| (counts[*m as usize], *m == LinkMode::Copy))
        .unwrap_or(LinkMode::Copy);
    Ok((out, how))
}

/// Errors that say the file system does not do this kind of link at all.
fn unsupported(e: &io::Error) -> bool {
    use nix::libc::*;
    matches!(e.raw_os_error(), Some(EOPNOTSUPP | EXDEV | EINVAL | ENOTTY | EPERM | ENOSYS | EBADF))
}

fn create(dest: &Path, mode: u32) -> io::Result<File> {
    OpenOptions::new().write(true).create_new(true).mode(mode).open(dest)
}

fn reflink(src: &Path, dest: &Path, mode: u32) -> io::Result<()> {
    let from = File::open(src)?;
    let to = create(dest, mode)?;
    if let Err(e) = ficlone::clone(&to, &from) {
        drop(to);
        let _ = fs::remove_file(dest);
        return Err(e);
    }
    fs::set_permissions(dest, fs::Permissions::from_mode(mode))
}

/// A plain copy (the kernel may still share blocks: copy_file_range).
pub fn copy(src: &Path, dest: &Path, mode: u32) -> io::Result<()> {
    let mut from = File::open(src)?;
    let mut to = create(dest, mode)?;
    io::copy(&mut from, &mut to)?;
    fs::set_permissions(dest, fs::Permissions::from_mode(mode))
}

/// The FICLONE ioctl (unsafe, as spread.rs's flags are): it takes two open
/// file descriptors and no pointers.
#[allow(unsafe_code)]
mod ficlone {
    use std::fs::File;
    use std::io;
    use std::os::fd::AsRawFd;

    nix::ioctl_write_int!(ficlone, 0x94, 9);

    pub fn clone(to: &File, from: &File) -> io::Result<()> {
        // SAFETY: both descriptors are open for the duration of the call and
        // FICLONE reads no memory from the caller.
        unsafe { ficlone(to.as_raw_fd(), from.as_raw_fd() as _) }.map(|_| ()).map_err(io::Error::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn links_or_copies_with_the_asked_mode_and_says_how() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        fs::write(&src, "data").unwrap();
        fs::set_permissions(&src, fs::Permissions::from_mode(0o644)).unwrap();
        let none = |_: String| {};
        let auto = Linker::new(Pref::Auto);
        let how = auto.link(&src, 0o644, &dir.path().join("a"), 0o644, &none).unwrap();
        assert_ne!(how, LinkMode::Copy, "ext4 hard links, btrfs/xfs reflink");
        assert_eq!(fs::read_to_string(dir.path().join("a")).unwrap(), "data");
        // A mode unlike the cached file's is never a hard link.
        let how = Linker::new(Pref::Hardlink).link(&src, 0o644, &dir.path().join("b"), 0o755, &none).unwrap();
        assert_eq!(how, LinkMode::Copy);
        assert_eq!(fs::metadata(dir.path().join("b")).unwrap().mode() & 0o777, 0o755);
        assert_eq!(fs::metadata(&src).unwrap().mode() & 0o777, 0o644, "the source keeps its mode");
        let how = Linker::new(Pref::Copy).link(&src, 0o644, &dir.path().join("c"), 0o644, &none).unwrap();
        assert_eq!(how, LinkMode::Copy);
        assert_eq!(fs::metadata(dir.path().join("c")).unwrap().nlink(), 1);
        assert!(auto.link(&src, 0o644, &dir.path().join("c"), 0o644, &none).is_err(), "never overwrites");
    }
}
