//! Core metadata (METADATA, as email headers): parsing, and reading it for a
//! wheel from the index's PEP 658 file, from a local wheel, or from a full
//! download. wheel-meta and wheel-resolve both use this.

use std::path::Path;

use anyhow::Result;

use crate::http::Client;
use crate::records::{Metadata, MetadataSource};

/// The fields of a METADATA file the tools use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoreMetadata {
    pub metadata_version: String,
    pub name: String,
    pub version: String,
    pub requires_dist: Vec<String>,
    pub requires_python: Option<String>,
    pub provides_extra: Vec<String>,
}

impl CoreMetadata {
    /// Parses METADATA text (RFC 822 style headers; continuation lines; the
    /// body after the first blank line is ignored). `origin` names the file
    /// or URL in errors.
    pub fn parse(text: &str, origin: &str) -> Result<CoreMetadata> {
        todo!("{text} {origin}")
    }

    pub fn into_record(self, source: MetadataSource, url: String, bytes: u64, requests: u32) -> Metadata {
        Metadata {
            name: self.name,
            version: self.version,
            requires_dist: self.requires_dist,
            requires_python: self.requires_python,
            provides_extra: self.provides_extra,
            source,
            url,
            bytes,
            requests,
        }
    }
}

/// The `.dist-info/METADATA` of a wheel file on disk.
pub fn read_local(path: &Path) -> Result<CoreMetadata> {
    todo!("{path:?}")
}

/// A wheel's metadata from a URL: the PEP 658 file when `metadata_url` is
/// given (its sha256 checked when `metadata_sha256` is), else a full download.
pub fn fetch(
    http: &Client,
    wheel_url: &str,
    metadata_url: Option<&str>,
    metadata_sha256: Option<&str>,
) -> Result<Metadata> {
    todo!("{wheel_url} {metadata_url:?} {metadata_sha256:?} {}", http.options().retries)
}
