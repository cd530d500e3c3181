//! Fetching one wheel into the content-addressed store: use the stored file
//! when its sha256 is known and present, else stream the body through a
//! sha256 hasher into a temporary file in the cache, check the hash and the
//! length, and rename it into place. A per-hash lock makes two runs sharing
//! a cache download a file once.

use std::io::{ErrorKind, Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use tempfile::NamedTempFile;
use wheelpipe::cache::{check_file_name, Cache, CacheLock};
use wheelpipe::exit::Failure;
use wheelpipe::hash::{hex, HashingWriter};
use wheelpipe::http::{redact, Client};

use crate::input::Job;
use crate::store;

/// The size of the pieces a download is read in; cancellation is checked
/// between them.
const CHUNK: usize = 64 * 1024;

/// A wheel in the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    pub path: PathBuf,
    /// Lowercase hex.
    pub sha256: String,
    /// False when the store already had it.
    pub downloaded: bool,
}

/// Puts the job's wheel into the store and returns where it is. `cancel`
/// (or SIGINT / SIGTERM) stops a download between chunks; its temporary
/// file is then deleted and the error is [`Failure::interrupted`].
pub fn fetch_to_store(http: &Client, cache: &Cache, job: &Job, cancel: &AtomicBool) -> Result<Stored> {
    let artifact = &job.artifact;
    check_file_name(&artifact.filename).with_context(|| redact(&job.fetch_url))?;
    let Some(expected) = artifact.sha256().map(str::to_ascii_lowercase) else {
        let (tmp, actual) = download(http, cache, &job.fetch_url, cancel)?;
        let path = cache.wheel_path(&actual, &artifact.filename)?;
        if !path.is_file() {
            store::persist(tmp, &path)?;
        }
        return Ok(Stored { path, sha256: actual, downloaded: true });
    };
    let path = cache.wheel_path(&expected, &artifact.filename).with_context(|| redact(&job.fetch_url))?;
    if path.is_file() {
        return Ok(Stored { path, sha256: expected, downloaded: false });
    }
    let _lock = wait_for_lock(cache, &expected, cancel)?;
    // Another run may have stored it while we waited for the lock.
    if path.is_file() {
        return Ok(Stored { path, sha256: expected, downloaded: false });
    }
    let (tmp, actual) = download(http, cache, &job.fetch_url, cancel)?;
    if actual != expected {
        // Dropping `tmp` deletes the file.
        bail!("{}: sha256 mismatch: expected {expected}, got {actual}", redact(&job.fetch_url));
    }
    store::persist(tmp, &path)?;
    Ok(Stored { path, sha256: expected, downloaded: true })
}

/// The store lock for `sha256`, waiting while another run holds it (it is
/// downloading the same file), but not past a cancel or a signal.
fn wait_for_lock(cache: &Cache, sha256: &str, cancel: &AtomicBool) -> Result<CacheLock> {
    loop {
        if let Some(lock) = cache.try_wheel_lock(sha256)? {
            return Ok(lock);
        }
        if cancel.load(Ordering::Relaxed) {
            return Err(Failure::interrupted().into());
        }
        wheelpipe::signals::check()?;
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Streams `url` into a temporary file in the cache; returns it with its
/// sha256. The body must be as long as its `Content-Length` says.
fn download(http: &Client, cache: &Cache, url: &str, cancel: &AtomicBool) -> Result<(NamedTempFile, String)> {
    let shown = redact(url);
    // Identity: the bytes on the wire are the wheel, so Content-Length counts them.
    let response = http.get_ok(url, &[("Accept-Encoding", "identity")])?;
    let headers = response.headers();
    let expected_len: Option<u64> = if headers.contains_key("content-encoding") {
        None
    } else {
        headers.get("content-length").and_then(|v| v.to_str().ok()?.trim().parse().ok())
    };
    let tmp_dir = cache.tmp_dir()?;
    let tmp = tempfile::Builder::new()
        .prefix(".fetch-")
        .suffix(".part")
        .tempfile_in(&tmp_dir)
        .with_context(|| format!("cannot create a temporary file in {}", tmp_dir.display()))?;
    let tmp_path = tmp.path().to_path_buf();
    let mut out = HashingWriter::new(tmp);
    let mut body = response.into_body().into_reader();
    let mut buf = vec![0u8; CHUNK];
    let mut received: u64 = 0;
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(Failure::interrupted().into());
        }
        wheelpipe::signals::check()?;
        let n = match body.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("{shown}: the download broke off after {received} bytes"))
            }
        };
        out.write_all(&buf[..n]).with_context(|| format!("cannot write {}", tmp_path.display()))?;
        received += n as u64;
    }
    let (tmp, digest, len) = out.finish();
    if let Some(expected) = expected_len.filter(|&e| e != len) {
        bail!("{shown}: the download broke off: got {len} of {expected} bytes");
    }
    Ok((tmp, hex(&digest)))
}

#[cfg(test)]
#[path = "download_tests.rs"]
mod tests;
