//! An sdist from its URL into the cache's file store, where wheel-fetch
//! keeps what it downloads (the wheels bucket), so that reading an sdist's
//! metadata while resolving and fetching it for the install download it
//! once. A `file:` URL is used in place.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};

use crate::cache::{Bucket, Cache};
use crate::hash::Sha256;
use crate::http::{redact, Client};

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
    if let Some(found) = sha256.and_then(|h| cache.find_wheel(h, filename)) {
        return Ok(found);
    }
    let _lock = match sha256 {
        Some(h) => Some(cache.lock_entry(Bucket::Wheels, h)?),
        None => None,
    };
    if let Some(found) = sha256.and_then(|h| cache.find_wheel(h, filename)) {
        return Ok(found);
    }
    let shown = redact(url);
    let response = http.get_ok(url, &[("Accept-Encoding", "identity")]).with_context(|| shown.clone())?;
    let mut tmp = cache.temp_file(".part")?;
    std::io::copy(&mut response.into_body().into_reader(), tmp.as_file_mut())
        .with_context(|| format!("{shown}: the download broke off"))?;
    let (actual, _) = super::hash_file(tmp.path())?;
    let actual = Sha256::parse(&actual)?;
    if let Some(expected) = sha256 {
        if actual != *expected {
            bail!("{shown}: sha256 mismatch: expected {expected}, got {actual}");
        }
    }
    let path = cache.wheel_path(&actual, filename)?;
    if !path.is_file() {
        let parent = path.parent().context("a store path has a folder")?;
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        tmp.persist(&path).with_context(|| format!("cannot store {}", path.display()))?;
    }
    Ok(path)
}
