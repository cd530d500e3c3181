//! The package index client: PEP 691 JSON (by Accept negotiation) and PEP 503
//! HTML project pages, relative URLs, `#sha256=` fragments,
//! `data-requires-python`, yanked files, PEP 658/714 metadata attributes,
//! normalized names; `--find-links` folders and pages; several indexes;
//! project pages cached and revalidated (see [`PageCache`]).

use std::collections::BTreeMap;
use std::sync::Mutex;

use anyhow::{bail, Context, Result};

use crate::cache::Cache;
use crate::http::{redact, Attempt, Client, Whole};
use crate::names::normalize;

mod find_links;
mod html;
mod json;
mod page_cache;
#[cfg(test)]
mod tests;

pub use find_links::is_for_project;
pub use html::parse_html;
pub use json::parse_json;
pub use page_cache::PageCache;

/// What an index is asked for: PEP 691 JSON first, HTML as a fallback.
pub const ACCEPT: &str =
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";

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

    /// True for a wheel (`.whl`), as opposed to a source distribution.
    pub fn is_wheel(&self) -> bool {
        self.filename.ends_with(".whl")
    }
}

/// Where to look for distributions. Its `Debug` hides the URLs'
/// passwords, as every message does.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct IndexUrls {
    /// The main index (`--index-url`); `None` with `--no-index`.
    pub index_url: Option<String>,
    pub extra_index_urls: Vec<String>,
    /// `--find-links`: local folders, `file://` URLs or HTML pages.
    pub find_links: Vec<String>,
}

impl std::fmt::Debug for IndexUrls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |urls: &[String]| urls.iter().map(|u| crate::http::redact(u)).collect::<Vec<_>>();
        f.debug_struct("IndexUrls")
            .field("index_url", &self.index_url.as_deref().map(crate::http::redact))
            .field("extra_index_urls", &shown(&self.extra_index_urls))
            .field("find_links", &shown(&self.find_links))
            .finish()
    }
}

impl IndexUrls {
    /// Every URL and folder: the index, the extra indexes, the find-links.
    pub fn all(&self) -> impl Iterator<Item = &String> {
        self.index_url.iter().chain(&self.extra_index_urls).chain(&self.find_links)
    }
}

/// Reads project pages from the configured indexes.
pub struct IndexClient<'a> {
    http: &'a Client,
    urls: IndexUrls,
    pages: Option<PageCache>,
    /// By normalized project name: the pages that answered without a file.
    empty: Mutex<BTreeMap<String, Vec<String>>>,
}

impl<'a> IndexClient<'a> {
    /// A client that asks the index every time.
    pub fn new(http: &'a Client, urls: IndexUrls) -> Self {
        IndexClient { http, urls, pages: None, empty: Mutex::default() }
    }

    /// Keeps project pages in `cache` (`index/v1/`) and revalidates them
    /// (Cache-Control, ETag, Last-Modified) instead of fetching them again.
    /// Find-links pages are always fetched.
    pub fn with_cache(mut self, cache: Cache) -> Self {
        self.pages = Some(PageCache::new(cache));
        self
    }

    pub fn urls(&self) -> &IndexUrls {
        &self.urls
    }

    /// Every file of the project `name` (any spelling) on every index and
    /// find-links location, in the order the indexes are given. A project
    /// no index knows (404 everywhere) is an empty list; a server or
    /// network failure is an error naming the URL; so is a name no index
    /// can hold ([`crate::names::check`]), before any request.
    pub fn project_files(&self, name: &str) -> Result<Vec<DistFile>> {
        crate::names::check(name).map_err(anyhow::Error::msg)?;
        let mut files = Vec::new();
        for index in self.urls.index_url.iter().chain(&self.urls.extra_index_urls) {
            files.extend(self.index_page(index, name)?);
        }
        for location in &self.urls.find_links {
            files.extend(find_links::files(self.http, location, name)?);
        }
        Ok(files)
    }

    /// The project's page on one index; empty when the index answers 404.
    pub fn index_page(&self, index: &str, name: &str) -> Result<Vec<DistFile>> {
        let url = project_url(index, name);
        let listing = match &self.pages {
            Some(pages) => pages.fetch(self.http, &url, ACCEPT)?,
            None => fetch_page(self.http, &url, ACCEPT)?,
        };
        let Some(listing) = listing else { return Ok(Vec::new()) };
        if let Some(what) = listing.empty {
            self.empty
                .lock()
                .expect("no thread panics holding the lock")
                .entry(normalize(name))
                .or_default()
                .push(what);
        }
        Ok(listing.files)
    }

    /// The pages that answered for project `name` with no file at all (a
    /// gateway's or a login's page served with 200 looks like that), for a
    /// message that would otherwise only say there is no such project.
    pub fn empty_pages(&self, name: &str) -> Vec<String> {
        let empty = self.empty.lock().expect("no thread panics holding the lock");
        empty.get(&normalize(name)).cloned().unwrap_or_default()
    }
}

/// `{index}/{normalized-name}/`.
pub fn project_url(index: &str, name: &str) -> String {
    format!("{}/{}/", index.trim_end_matches('/'), normalize(name))
}

/// Index and find-links pages larger than this are not pages.
pub(crate) const PAGE_LIMIT: u64 = 256 * 1024 * 1024;

/// A fetched page: its body, final (redacted) URL and content type.
pub(crate) struct Page {
    pub body: String,
    pub url: String,
    pub content_type: String,
}

impl Page {
    /// PEP 691 JSON or PEP 503 HTML, by the Content-Type (or, without one
    /// of those, by the body's first character). Anything else, a JSON page that does
    /// not parse, or an HTML page that opens `<html>` and does not close it,
    /// is an error that says what came back: a page cut short by a wrong
    /// Content-Length, a proxy's or server's error page.
    pub fn parse(&self) -> Result<Vec<DistFile>> {
        let ct = self.content_type.to_ascii_lowercase();
        let start = self.body.trim_start();
        // Static hosts may serve a page as octet-stream: then the body decides.
        let is_json = if ct.contains("json") || (!ct.contains("html") && start.starts_with('{')) {
            true
        } else if ct.contains("html") || start.is_empty() || start.starts_with('<') {
            false
        } else {
            bail!(
                "{}: not an index page: Content-Type {}, beginning {:?}",
                self.url,
                if ct.trim().is_empty() { "(none)" } else { self.content_type.trim() },
                crate::names::shorten(start, 60)
            )
        };
        if !is_json {
            let lower = self.body.to_ascii_lowercase();
            if lower.contains("<html") && !lower.contains("</html>") {
                bail!(
                    "{}: the page ends before its </html> ({} bytes): cut short",
                    self.url,
                    self.body.len()
                );
            }
        }
        if is_json { parse_json(&self.body, &self.url) } else { parse_html(&self.body, &self.url) }
            .with_context(|| format!("cannot read the index page {}", self.url))
    }
}

/// A page's files and, when it lists none, what the page was.
#[derive(Clone, Debug)]
pub(crate) struct Listing {
    pub files: Vec<DistFile>,
    /// For a page without files: its URL, content type and title or start.
    pub empty: Option<String>,
}

impl Page {
    /// [`Page::parse`], and what the page was when it lists no file.
    pub fn listing(&self) -> Result<Listing> {
        let files = self.parse()?;
        let empty = files.is_empty().then(|| self.summary());
        Ok(Listing { files, empty })
    }

    /// `URL (Content-Type T, title "...")`, or the body's start for a page
    /// without a title.
    fn summary(&self) -> String {
        let lower = self.body.to_ascii_lowercase();
        let title = lower.find("<title>").and_then(|at| {
            let rest = &self.body[at + 7..];
            rest.to_ascii_lowercase().find("</title>").map(|end| rest[..end].trim().to_string())
        });
        let shown = match title {
            Some(t) => format!("title {:?}", crate::names::shorten(&t, 60)),
            None => format!("beginning {:?}", crate::names::shorten(self.body.trim_start(), 60)),
        };
        format!("{} (Content-Type {}, {shown})", self.url, self.content_type.trim())
    }
}

/// GET `url` and parse it as a page; `None` on 404 or 410, an error naming
/// the URL on any other failure. A body that breaks off or does not parse
/// is asked for again (the client's retries and backoff).
pub(crate) fn fetch_page(http: &Client, url: &str, accept: &str) -> Result<Option<Listing>> {
    http.options().retry(crate::http::sleep, |_| {
        let whole = http.get_whole(url, &[("Accept", accept)], PAGE_LIMIT)?;
        match page_from_whole(url, whole).map_err(Attempt::Stop)? {
            None => Ok(None),
            Some(page) => page.listing().map(Some).map_err(Attempt::Again),
        }
    })
}

/// The page a whole answer to a GET of `url` carries; `None` on 404 and
/// 410, an error naming the URL on any other status but 2xx.
pub(crate) fn page_from_whole(url: &str, whole: Whole) -> Result<Option<Page>> {
    if matches!(whole.status, 404 | 410) {
        return Ok(None);
    }
    if !(200..300).contains(&whole.status) {
        return Err(crate::http::HttpError::Status { url: redact(url), status: whole.status }.into());
    }
    let content_type = whole.header("content-type").unwrap_or("").to_string();
    let body =
        String::from_utf8(whole.body).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    // After redirects, relative links are relative to where we ended up.
    Ok(Some(Page { body, url: whole.final_url, content_type }))
}

/// Resolves `href` against `base`, splits a `#sha256=...` fragment into
/// `hashes`, and names the file after the URL's last path segment.
pub(crate) fn resolve_file_url(
    base: &url::Url,
    href: &str,
    hashes: &mut BTreeMap<String, String>,
) -> Result<(String, String)> {
    let url = base.join(href.trim()).with_context(|| format!("bad link {href:?}"))?;
    let (filename, url) = split_file_url(url, hashes);
    Ok((filename, url))
}

/// A file's URL taken apart: its file name (the last path segment,
/// percent-decoded) and the URL without its fragment; the fragment's
/// `ALGO=HEX` hashes go into `hashes` (those already there win).
pub fn split_file_url(mut url: url::Url, hashes: &mut BTreeMap<String, String>) -> (String, String) {
    if let Some(fragment) = url.fragment() {
        for (algo, digest) in fragment.split('&').filter_map(|part| part.split_once('=')) {
            let algo = algo.to_ascii_lowercase();
            let known = ["md5", "sha1", "sha224", "sha256", "sha384", "sha512"];
            if known.contains(&algo.as_str()) && digest.bytes().all(|b| b.is_ascii_hexdigit()) {
                hashes.entry(algo).or_insert_with(|| digest.to_ascii_lowercase());
            }
        }
    }
    url.set_fragment(None);
    let last = url.path_segments().and_then(|mut s| s.next_back()).unwrap_or("");
    let filename = percent_encoding::percent_decode_str(last).decode_utf8_lossy().into_owned();
    (filename, url.to_string())
}
