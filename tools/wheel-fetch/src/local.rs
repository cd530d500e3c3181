//! Wheels that are already on this machine: a `file:` URL (as `wheel-resolve
//! --find-links DIR` writes) is copied into a temporary file in the cache
//! while it is hashed, with no HTTP and no retries; a record whose `path`
//! already names the wheel with the expected sha256 needs nothing at all,
//! and one without a known sha256 is copied, never linked (see
//! [`usable_path`]).

use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{anyhow, Context, Result};
use tempfile::NamedTempFile;
use wheelpipe::cache::Cache;
use wheelpipe::exit::Failure;
use wheelpipe::hash::{sha256_reader, HashingWriter, Sha256};
use wheelpipe::http::redact;
use wheelpipe::progress::Item;
use wheelpipe::wheel_name::WheelFilename;

const CHUNK: usize = 64 * 1024;

/// The local path of a `file:` URL (percent-decoded), `None` for any other
/// scheme.
pub fn file_url_path(url: &str) -> Result<Option<PathBuf>> {
    let Ok(parsed) = url::Url::parse(url) else { return Ok(None) };
    if parsed.scheme() != "file" {
        return Ok(None);
    }
    let path = parsed.to_file_path().map_err(|()| anyhow!("{}: not a local file path", redact(url)))?;
    Ok(Some(path))
}

/// Copies `source` into a temporary file in the cache; returns it with its
/// sha256, counting the bytes on `item`. `cancel` or a
/// signal stops it between chunks.
pub fn copy_to_tmp(
    source: &Path,
    cache: &Cache,
    cancel: &AtomicBool,
    item: &Item,
) -> Result<(NamedTempFile, Sha256)> {
    let mut input = File::open(source).with_context(|| format!("cannot open {}", source.display()))?;
    let tmp = cache.temp_file(".part")?;
    let tmp_path = tmp.path().to_path_buf();
    let mut out = HashingWriter::new(tmp);
    let mut buf = vec![0u8; CHUNK];
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(Failure::interrupted().into());
        }
        wheelpipe::signals::check()?;
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", source.display())),
        };
        out.write_all(&buf[..n]).with_context(|| format!("cannot write {}", tmp_path.display()))?;
        item.add(n as u64);
    }
    let (tmp, digest, _) = out.finish();
    Ok((tmp, Sha256::from_digest(digest)))
}

/// A record's `path` that may stand for the wheel.
#[derive(Debug, PartialEq, Eq)]
pub enum Usable {
    /// Its sha256 is the one expected: use it as it is.
    Verified(PathBuf, Sha256),
    /// No sha256 was expected: only a copy of it may be used, never the
    /// file itself (a link to it would make whatever it is the wheel).
    Unverified(PathBuf),
}

/// The record's `path`, when it may stand for the wheel `filename`: a
/// regular file whose name is a wheel filename for the same release, with a
/// zip central directory, and the `expected` sha256 when one is known;
/// `None` when the wheel must be fetched.
pub fn usable_path(path: Option<&Path>, filename: &str, expected: Option<&Sha256>) -> Option<Usable> {
    let path = std::path::absolute(path?).ok()?;
    if !std::fs::metadata(&path).ok()?.is_file() {
        return None;
    }
    let own = WheelFilename::parse(&path.file_name()?.to_string_lossy()).ok()?;
    if let Ok(wanted) = WheelFilename::parse(filename) {
        if !wheelpipe::names::same_release((&own.name, &own.version), (&wanted.name, &wanted.version)) {
            return None;
        }
    }
    if !wheelpipe::metadata::has_zip_directory(&path) {
        return None;
    }
    let Some(expected) = expected else { return Some(Usable::Unverified(path)) };
    let file = File::open(&path).ok()?;
    let (digest, _) = sha256_reader(std::io::BufReader::new(file)).ok()?;
    let actual = Sha256::from_digest(digest);
    (*expected == actual).then_some(Usable::Verified(path, actual))
}
