//! The cache's metadata records, shared by wheel-meta and wheel-resolve:
//! each `metadata` record read over the network for a wheel whose sha256 is
//! known, kept in the metadata bucket under the sha256 of url, "\n", wheel sha256,
//! so a later run for the same URL and hash answers without a request. A URL
//! alone is never a key: the file behind it may change, its hash may not.

use std::path::PathBuf;

use crate::cache::{Bucket, Cache};
use crate::hash::Sha256;
use crate::records::Metadata;
use anyhow::{Context, Result};

/// Where the record for `url` with wheel hash `sha256` is kept.
fn path(cache: &Cache, url: &str, sha256: &Sha256) -> PathBuf {
    cache.entry(Bucket::Metadata, &Sha256::of(format!("{url}\n{sha256}").as_bytes()))
}

/// The record kept for this URL and hash; `None` when there is none or it
/// cannot be read (it is then read again over the network).
pub fn get(cache: &Cache, url: &str, sha256: &Sha256) -> Option<Metadata> {
    let path = path(cache, url, sha256);
    let text = std::fs::read(&path).ok()?;
    let found = serde_json::from_slice(&text).ok()?;
    cache.touch(&path);
    Some(found)
}

/// Keeps `metadata` for this URL and hash (written whole or not at all).
pub fn put(cache: &Cache, url: &str, sha256: &Sha256, metadata: &Metadata) -> Result<()> {
    let path = path(cache, url, sha256);
    let json = serde_json::to_vec(metadata).context("a metadata record serializes")?;
    cache.write_atomic(&path, &json).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::MetadataSource;

    #[test]
    fn a_record_is_found_by_url_and_hash_only() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::at(tmp.path().to_path_buf()).unwrap();
        let url = "http://127.0.0.1:9/x-1.0-py3-none-any.whl";
        let (a, b) = (Sha256::parse(&"a".repeat(64)).unwrap(), Sha256::parse(&"b".repeat(64)).unwrap());
        let record = Metadata {
            name: "x".into(),
            version: "1.0".into(),
            requires_dist: vec!["six".into()],
            requires_python: None,
            provides_extra: vec![],
            source: MetadataSource::Range,
            url: url.into(),
            bytes: 900,
            requests: 2,
            from_source: None,
        };
        assert_eq!(get(&cache, url, &a), None);
        put(&cache, url, &a, &record).unwrap();
        assert_eq!(get(&cache, url, &a), Some(record));
        assert_eq!(get(&cache, url, &b), None, "another hash is another file");
        assert_eq!(get(&cache, "http://127.0.0.1:9/y-1.0-py3-none-any.whl", &a), None);
        let stored = path(&cache, url, &a);
        assert!(
            stored.starts_with(cache.bucket(Bucket::Metadata)) && stored.is_file(),
            "{}",
            stored.display()
        );
    }
}
