//! An sdist from its URL into the cache's file store, where wheel-fetch
//! keeps what it downloads (`wheels/sha256/..`), so that reading an sdist's
//! metadata while resolving and fetching it for the install download it
//! once. The download is the one of every tool ([`crate::fetch`]: retries,
//! resume, verification, an atomic store entry). A `file:` URL is used in
//! place.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::Result;

use crate::cache::Cache;
use crate::fetch::{Fetch, Wanted};
use crate::hash::Sha256;
use crate::http::{redact, Client};
use crate::progress::{Role, StageProgress};

/// The local path of the sdist `filename` at `url`, downloaded into the
/// store unless it is there (by `sha256`, when the index gives one) or is
/// a local file; a download whose sha256 is not `sha256` is refused.
pub fn sdist_in_store(
    http: &Client,
    cache: &Cache,
    url: &str,
    filename: &str,
    sha256: Option<&Sha256>,
) -> Result<PathBuf> {
    if let Ok(parsed) = url::Url::parse(url) {
        if parsed.scheme() == "file" {
            return parsed
                .to_file_path()
                .map_err(|()| anyhow::anyhow!("{}: not a local file path", redact(url)));
        }
    }
    let cancel = AtomicBool::new(false);
    let fetch = Fetch { http, cache, cancel: &cancel, board: None };
    // Counted nowhere: the caller shows what it resolves or builds (a
    // retry is still drawn, see [`crate::fetch`]).
    let item = Arc::new(StageProgress::new("wheelpipe", Role::Silent).begin(filename, None));
    let wanted = Wanted { url, filename, sha256, size: None, watch: None };
    Ok(fetch.to_store(&wanted, &item)?.path)
}
