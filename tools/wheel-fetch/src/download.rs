//! Fetching one wheel into the content-addressed store: use the record's
//! `path` when it already holds the expected file, the stored file when its
//! sha256 is known and present, else get the bytes into a temporary file in
//! the cache (a download, resumed when it breaks, see [`crate::transfer`];
//! or a copy of a `file:` URL, see [`crate::local`]), check the hash (a
//! mismatch is downloaded again from scratch, [`DOWNLOADS`] times in all,
//! before it fails), and
//! rename it into place. A per-hash lock makes two runs sharing a cache
//! fetch a file once.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use tempfile::NamedTempFile;
use wheelpipe::cache::{check_file_name, Bucket, Cache, CacheLock};
use wheelpipe::exit::Failure;
use wheelpipe::hash::Sha256;
use wheelpipe::http::{redact, Client};
use wheelpipe::progress::Item;

use crate::input::Job;
use crate::local::Usable;
use crate::{local, split, store, transfer};

/// Downloads of a wheel whose bytes do not match its sha256, the first
/// included, before it fails: a proxy or a link that damages one body in
/// twenty-five damages two in a row of one file in a few runs of a set.
pub const DOWNLOADS: u32 = 3;

/// A wheel in the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    pub path: PathBuf,
    /// Lowercase hex.
    pub sha256: String,
    /// False when the store already had it.
    pub downloaded: bool,
}

/// What every fetch of a run shares: the HTTP client, the cache, the size
/// over which a file is fetched in parallel ranges when the server allows
/// (see [`crate::split`]), and the flag that cancels a download.
pub struct Fetcher<'a> {
    pub http: &'a Client,
    pub cache: &'a Cache,
    pub split_size: u64,
    pub cancel: &'a AtomicBool,
}

impl Fetcher<'_> {
    /// Puts the job's wheel into the store and returns where it is (or the
    /// record's own `path`, when that file has the expected sha256). `cancel`
    /// (or SIGINT / SIGTERM) stops a download between chunks; its temporary
    /// file is then deleted and the error is [`Failure::interrupted`]. The
    /// bytes are counted on `item` as they are written.
    pub fn fetch_to_store(&self, job: &Job, item: &Item) -> Result<Stored> {
        let (cache, artifact) = (self.cache, &job.artifact);
        check_file_name(&artifact.filename).with_context(|| redact(&job.fetch_url))?;
        let expected = artifact.sha256_digest().with_context(|| redact(&job.fetch_url))?;
        match local::usable_path(artifact.path.as_deref(), &artifact.filename, expected.as_ref()) {
            Some(Usable::Verified(path, sha256)) => {
                return Ok(Stored { path, sha256: sha256.to_string(), downloaded: false })
            }
            Some(Usable::Unverified(source)) => {
                let (tmp, actual) = local::copy_to_tmp(&source, cache, self.cancel, item)?;
                let path = cache.wheel_path(&actual, &artifact.filename)?;
                if !path.is_file() {
                    store::persist(tmp, &path)?;
                }
                return Ok(Stored { path, sha256: actual.to_string(), downloaded: false });
            }
            None => {}
        }
        let Some(expected) = expected else {
            let (tmp, actual) = self.fetch_bytes(job, item)?;
            let path = cache.wheel_path(&actual, &artifact.filename)?;
            if !path.is_file() {
                store::persist(tmp, &path)?;
            }
            return Ok(Stored { path, sha256: actual.to_string(), downloaded: true });
        };
        if let Some(path) = cache.find_wheel(&expected, &artifact.filename) {
            return Ok(Stored { path, sha256: expected.to_string(), downloaded: false });
        }
        let path = cache.wheel_path(&expected, &artifact.filename)?;
        let _lock = wait_for_lock(cache, &expected, self.cancel)?;
        // Another run may have stored it while we waited for the lock.
        if path.is_file() {
            return Ok(Stored { path, sha256: expected.to_string(), downloaded: false });
        }
        let mut fetched = self.fetch_bytes(job, item)?;
        for _ in 1..DOWNLOADS {
            if fetched.1 == expected {
                break;
            }
            // Bytes damaged on the way, or a body stitched from two versions
            // of the file: again from scratch (dropping the last temporary
            // file deletes it).
            item.restart();
            fetched = self.fetch_bytes(job, item)?;
        }
        let (tmp, actual) = fetched;
        if actual != expected {
            bail!(
                "{}: sha256 mismatch: expected {expected}, got {actual} ({DOWNLOADS} downloads, each from scratch)",
                redact(&job.fetch_url)
            );
        }
        store::persist(tmp, &path)?;
        Ok(Stored { path, sha256: expected.to_string(), downloaded: true })
    }

    /// The bytes of the job's URL in a temporary file in the cache, with
    /// their sha256: a copy for a `file:` URL, else a download: in parallel
    /// parts of half `split_size` when the size is known and over
    /// `split_size` and the server serves ranges, else one stream.
    fn fetch_bytes(&self, job: &Job, item: &Item) -> Result<(NamedTempFile, Sha256)> {
        let (http, cache, cancel, url) = (self.http, self.cache, self.cancel, job.fetch_url.as_str());
        if let Some(path) = local::file_url_path(url)? {
            return local::copy_to_tmp(&path, cache, cancel, item);
        }
        if let Some(size) = job.artifact.size.filter(|&s| s > self.split_size) {
            let part_size = self.split_size.div_ceil(2);
            if let split::Outcome::Done(tmp, sha256) =
                split::download(http, cache, url, size, part_size, cancel, item)?
            {
                return Ok((tmp, sha256));
            }
        }
        item.restart();
        transfer::download(http, cache, url, job.artifact.size, cancel, item)
    }
}

/// The store lock for `sha256`, waiting while another run holds it (it is
/// downloading the same file), but not past a cancel or a signal.
fn wait_for_lock(cache: &Cache, sha256: &Sha256, cancel: &AtomicBool) -> Result<CacheLock> {
    loop {
        if let Some(lock) = cache.try_lock_entry(Bucket::Wheels, sha256)? {
            return Ok(lock);
        }
        if cancel.load(Ordering::Relaxed) {
            return Err(Failure::interrupted().into());
        }
        wheelpipe::signals::check()?;
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(test)]
#[path = "download_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "split_tests.rs"]
mod split_tests;
