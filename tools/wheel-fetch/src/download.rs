//! Fetching one wheel into the content-addressed store: use the record's
//! `path` when it already holds the expected file, the stored file when its
//! sha256 is known and present; a `file:` URL is copied (see
//! [`crate::local`]); anything else is downloaded by common's one download
//! path ([`wheelpipe::fetch`]: retries, resume, ranges shared over the run's
//! connections, verification, an atomic store entry).

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use wheelpipe::cache::{check_file_name, Cache};
use wheelpipe::fetch::{persist, Board, Fetch, Wanted};
use wheelpipe::hash::Sha256;
use wheelpipe::http::{redact, Client};
use wheelpipe::progress::Item;

pub use wheelpipe::fetch::Stored;

use crate::input::Job;
use crate::local::{self, Usable};

/// What every fetch of a run shares: the HTTP client, the cache, the board
/// through which idle connections take over parts of running downloads
/// (none: one connection a download), and the flag that cancels a download.
pub struct Fetcher<'a> {
    pub http: &'a Client,
    pub cache: &'a Cache,
    pub board: Option<&'a Board>,
    pub cancel: &'a AtomicBool,
    /// Makes the watch that writes `arriving` records (none: no records).
    pub announce: Option<&'a crate::arriving::Announce>,
}

impl Fetcher<'_> {
    /// Puts the job's wheel into the store and returns where it is (or the
    /// record's own `path`, when that file has the expected sha256). `cancel`
    /// (or SIGINT / SIGTERM) stops a download between chunks; its temporary
    /// file is then deleted and the error is
    /// [`wheelpipe::exit::Failure::interrupted`]. The bytes are counted on
    /// `item` as they are written.
    pub fn fetch_to_store(&self, job: &Job, item: &Arc<Item>) -> Result<Stored> {
        let (cache, artifact) = (self.cache, &job.artifact);
        check_file_name(&artifact.filename).with_context(|| redact(&job.fetch_url))?;
        let expected = artifact.sha256_digest().with_context(|| redact(&job.fetch_url))?;
        match local::usable_path(artifact.path.as_deref(), &artifact.filename, expected.as_ref()) {
            Some(Usable::Verified(path, sha256)) => {
                return Ok(Stored { path, sha256: sha256.to_string(), downloaded: false })
            }
            Some(Usable::Unverified(source)) => return self.copy(&source, None, &artifact.filename, item),
            None => {}
        }
        if let Some(source) = local::file_url_path(&job.fetch_url)? {
            if let Some(path) = expected.and_then(|h| cache.find_wheel(&h, &artifact.filename)) {
                let sha256 = expected.map(|h| h.to_string()).unwrap_or_default();
                return Ok(Stored { path, sha256, downloaded: false });
            }
            return Ok(Stored {
                downloaded: true,
                ..self.copy(&source, expected.as_ref(), &artifact.filename, item)?
            });
        }
        let fetch = Fetch { http: self.http, cache, cancel: self.cancel, board: self.board };
        let wanted = Wanted {
            url: &job.fetch_url,
            filename: &artifact.filename,
            sha256: expected.as_ref(),
            size: artifact.size,
            watch: self
                .announce
                .zip(expected.as_ref())
                .zip(artifact.size)
                .and_then(|((announce, sha256), size)| announce.watch(&artifact.filename, sha256, size)),
        };
        fetch.to_store(&wanted, item)
    }

    /// A local file copied into the store, checked against `expected`.
    fn copy(&self, source: &Path, expected: Option<&Sha256>, filename: &str, item: &Item) -> Result<Stored> {
        let (tmp, actual) = local::copy_to_tmp(source, self.cache, self.cancel, item)?;
        if let Some(expected) = expected.filter(|&&e| e != actual) {
            bail!("{}: sha256 mismatch: expected {expected}, got {actual}", source.display());
        }
        let path = self.cache.wheel_path(&actual, filename)?;
        if !path.is_file() {
            persist(tmp, &path)?;
        }
        Ok(Stored { path, sha256: actual.to_string(), downloaded: false })
    }
}

#[cfg(test)]
#[path = "download_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "split_tests.rs"]
mod split_tests;
