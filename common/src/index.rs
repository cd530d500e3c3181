//! The package index client: PEP 691 JSON (by Accept negotiation) and PEP 503
//! HTML project pages, relative URLs, `#sha256=` fragments,
//! `data-requires-python`, yanked files, PEP 658/714 metadata attributes,
//! normalized names; `--find-links` folders and pages; several indexes.

use std::collections::BTreeMap;

use anyhow::Result;

use crate::http::Client;

/// One file of a project, as an index lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DistFile {
    pub filename: String,
    /// Absolute URL (or `file://` URL for a find-links folder), fragment removed.
    pub url: String,
    /// Algorithm to lowercase hex digest.
    pub hashes: BTreeMap<String, String>,
    pub requires_python: Option<String>,
    /// `Some(reason)` when yanked (PEP 592); the reason may be empty.
    pub yanked: Option<String>,
    /// PEP 658/714: the hashes of the `.metadata` file when the index serves
    /// one (an empty map when it serves one without a hash).
    pub core_metadata: Option<BTreeMap<String, String>>,
    pub size: Option<u64>,
}

impl DistFile {
    /// The URL of the PEP 658 metadata file, when the index has one.
    pub fn metadata_url(&self) -> Option<String> {
        self.core_metadata.as_ref().map(|_| format!("{}.metadata", self.url))
    }
}

/// Where to look for distributions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndexUrls {
    /// The main index (`--index-url`); `None` with `--no-index`.
    pub index_url: Option<String>,
    pub extra_index_urls: Vec<String>,
    /// `--find-links`: local folders, `file://` URLs or HTML pages.
    pub find_links: Vec<String>,
}

/// Reads project pages from the configured indexes.
pub struct IndexClient<'a> {
    http: &'a Client,
    urls: IndexUrls,
}

impl<'a> IndexClient<'a> {
    pub fn new(http: &'a Client, urls: IndexUrls) -> Self {
        IndexClient { http, urls }
    }

    pub fn urls(&self) -> &IndexUrls {
        &self.urls
    }

    /// Every file of the project `name` (any spelling) on every index and
    /// find-links location, in the order the indexes are given. A project
    /// no index knows (404 everywhere) is an empty list; a server or
    /// network failure is an error naming the URL.
    pub fn project_files(&self, name: &str) -> Result<Vec<DistFile>> {
        let _ = self.http;
        todo!("{name}")
    }
}
