//! Index project pages kept in the shared cache, so a warm run asks the
//! index nothing or only "has it changed?". An entry is the index bucket's
//! file under the sha256 of the page URL: one JSON line (final URL, content
//! type, ETag, Last-Modified, when it was stored, Cache-Control max-age and
//! no-cache, body length) followed by the body. A page still fresh by its
//! max-age is used without a request (a page without one, like a static
//! file server's, stays fresh for a tenth of the time since its
//! Last-Modified, at most ten minutes: RFC 9111's heuristic freshness, as
//! browsers and uv apply it); a stale one is revalidated with
//! If-None-Match / If-Modified-Since and its body reused on 304. `no-store`
//! pages are never written. An unreadable or corrupt entry counts as absent;
//! so does one that does not parse as a page, and nothing is written before
//! the page was received whole and parsed: a page cut short never poisons
//! the cache.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, Result};
use serde::{Deserialize, Serialize};

use super::{page_from_whole, Listing, Page, PAGE_LIMIT};
use crate::cache::{Bucket, Cache};
use crate::hash::Sha256;
use crate::http::{redact, Attempt, Client, Whole};

/// The longest a page stays fresh by heuristic: what the public index
/// itself gives its pages with max-age.
const HEURISTIC_LIMIT: u64 = 600;

/// Project pages cached under a [`Cache`] root.
#[derive(Clone, Debug)]
pub struct PageCache {
    cache: Cache,
}

/// What is known of a cached page besides its body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Header {
    /// The final URL (after redirects, without credentials): relative links resolve against it.
    url: String,
    content_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_modified: Option<String>,
    /// When the response was generated, in seconds since the Unix epoch
    /// (the time it was stored less its `Age`).
    stored: u64,
    /// Cache-Control `max-age`, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_age: Option<u64>,
    /// Without a max-age: how long the page stays fresh by heuristic.
    #[serde(default)]
    heuristic: u64,
    /// Cache-Control `no-cache`: always revalidate.
    #[serde(default)]
    no_cache: bool,
    /// The body's length in bytes, to tell a cut entry from a whole one.
    body_len: usize,
}

/// A page read back from the cache, and its files.
#[derive(Clone)]
struct Entry {
    header: Header,
    body: String,
    listing: Listing,
}

/// What a response's Cache-Control (and Age) headers say.
#[derive(Debug, Default, PartialEq, Eq)]
struct Freshness {
    max_age: Option<u64>,
    no_cache: bool,
    no_store: bool,
    age: u64,
}

impl PageCache {
    pub fn new(cache: Cache) -> PageCache {
        PageCache { cache }
    }

    /// The entry's file for the page at `url` (credentials included in the
    /// hash, so two logins never share an entry; the name reveals nothing).
    pub fn entry_path(&self, url: &str) -> PathBuf {
        self.cache.entry(Bucket::Index, &Sha256::of(url.as_bytes()))
    }

    /// GET `url` through the cache and parse it: `None` on 404, an error
    /// naming the URL on any other failure. The cache itself never makes a
    /// request fail. Nothing is stored before the body is whole (its length
    /// checked) and parsed; an entry that does not parse counts as absent,
    /// so it is neither used nor revalidated. A body that breaks off or does
    /// not parse is asked for again (the client's retries and backoff).
    pub(crate) fn fetch(&self, http: &Client, url: &str, accept: &str) -> Result<Option<Listing>> {
        let mut cached = self.load(url);
        let now = now();
        if let Some(entry) = cached.take_if(|e| e.header.is_fresh(now)) {
            return Ok(Some(entry.listing));
        }
        http.options().retry(crate::http::sleep, |_| self.ask(http, url, accept, cached.as_ref(), now))
    }

    /// One conditional GET (when `cached`), its answer parsed and stored.
    fn ask(
        &self,
        http: &Client,
        url: &str,
        accept: &str,
        cached: Option<&Entry>,
        now: u64,
    ) -> Result<Option<Listing>, Attempt<anyhow::Error>> {
        let mut headers = vec![("Accept", accept)];
        if let Some(entry) = cached {
            if let Some(etag) = &entry.header.etag {
                headers.push(("If-None-Match", etag));
            }
            if let Some(date) = &entry.header.last_modified {
                headers.push(("If-Modified-Since", date));
            }
        }
        let whole = http.get_whole(url, &headers, PAGE_LIMIT)?;
        let freshness = Freshness::of(&whole);
        if whole.status == 304 {
            let Some(entry) = cached else {
                let message = format!("{}: HTTP 304 to a request that was not conditional", redact(url));
                return Err(Attempt::Stop(anyhow!(message)));
            };
            return Ok(Some(self.revalidated(url, entry.clone(), &whole, &freshness, now)));
        }
        let etag = whole.header("etag").map(str::to_string);
        let last_modified = whole.header("last-modified").map(str::to_string);
        let Some(page) = page_from_whole(url, whole).map_err(Attempt::Stop)? else {
            self.remove(url);
            return Ok(None);
        };
        let listing = page.listing().map_err(Attempt::Again)?;
        if freshness.no_store || (etag.is_none() && last_modified.is_none() && freshness.max_age.is_none()) {
            // Nothing would let a later run use it without fetching it again.
            self.remove(url);
            return Ok(Some(listing));
        }
        let header = Header {
            url: page.url.clone(),
            content_type: page.content_type.clone(),
            etag,
            heuristic: heuristic(last_modified.as_deref(), now),
            last_modified,
            stored: now.saturating_sub(freshness.age),
            max_age: freshness.max_age,
            no_cache: freshness.no_cache,
            body_len: page.body.len(),
        };
        self.store(url, &header, &page.body);
        Ok(Some(listing))
    }

    /// A 304's headers update the stored ones (RFC 9111 4.3.4).
    fn revalidated(
        &self,
        url: &str,
        mut entry: Entry,
        whole: &Whole,
        fresh: &Freshness,
        now: u64,
    ) -> Listing {
        entry.header.stored = now.saturating_sub(fresh.age);
        if fresh.max_age.is_some() || fresh.no_cache {
            entry.header.max_age = fresh.max_age;
            entry.header.no_cache = fresh.no_cache;
        }
        if let Some(etag) = whole.header("etag") {
            entry.header.etag = Some(etag.to_string());
        }
        if let Some(date) = whole.header("last-modified") {
            entry.header.last_modified = Some(date.to_string());
        }
        entry.header.heuristic = heuristic(entry.header.last_modified.as_deref(), now);
        if fresh.no_store {
            self.remove(url);
        } else {
            self.store(url, &entry.header, &entry.body);
        }
        entry.listing
    }

    /// The entry for `url`, or `None` when there is none or it cannot be read.
    fn load(&self, url: &str) -> Option<Entry> {
        let mut bytes = std::fs::read(self.entry_path(url)).ok()?;
        let newline = bytes.iter().position(|&b| b == b'\n')?;
        let body = bytes.split_off(newline + 1);
        let header: Header = serde_json::from_slice(&bytes[..newline]).ok()?;
        if body.len() != header.body_len {
            return None;
        }
        let body = String::from_utf8(body).ok()?;
        let page = Page { body, url: header.url.clone(), content_type: header.content_type.clone() };
        match page.listing() {
            Ok(listing) => {
                self.cache.touch(&self.entry_path(url));
                Some(Entry { header, body: page.body, listing })
            }
            Err(_) => {
                // A page stored whole that does not parse (written by an
                // older version, before pages were checked) is dropped.
                self.remove(url);
                None
            }
        }
    }

    /// Writes the entry atomically. A cache that cannot be written (full or
    /// read-only disk) only costs the next run a request, so failures pass.
    fn store(&self, url: &str, header: &Header, body: &str) {
        let mut bytes = serde_json::to_vec(header).expect("a page header always serializes");
        bytes.push(b'\n');
        bytes.extend_from_slice(body.as_bytes());
        let _ = self.cache.write_atomic(&self.entry_path(url), &bytes);
    }

    fn remove(&self, url: &str) {
        let _ = std::fs::remove_file(self.entry_path(url));
    }
}

impl Header {
    /// True while the page may be used without asking the index.
    fn is_fresh(&self, now: u64) -> bool {
        let lifetime = match self.max_age {
            _ if self.no_cache => return false,
            Some(max_age) => max_age,
            None => self.heuristic,
        };
        now >= self.stored && now - self.stored < lifetime
    }
}

/// RFC 9111 4.2.2: a tenth of the time since the page last changed, at
/// most [`HEURISTIC_LIMIT`]; nothing without a Last-Modified date.
fn heuristic(last_modified: Option<&str>, now: u64) -> u64 {
    let Some(changed) = last_modified.and_then(|d| httpdate::parse_http_date(d).ok()) else { return 0 };
    let changed = changed.duration_since(UNIX_EPOCH).map_or(now, |d| d.as_secs());
    (now.saturating_sub(changed) / 10).min(HEURISTIC_LIMIT)
}

#[cfg(test)]
mod heuristic_tests {
    use super::*;

    #[test]
    fn a_tenth_of_the_age_by_last_modified_at_most_ten_minutes() {
        let now = 1_800_000_000;
        let date = |secs: u64| httpdate::fmt_http_date(UNIX_EPOCH + std::time::Duration::from_secs(secs));
        assert_eq!(heuristic(Some(&date(now - 1000)), now), 100);
        assert_eq!(heuristic(Some(&date(now - 86_400)), now), HEURISTIC_LIMIT);
        assert_eq!(heuristic(Some(&date(now + 50)), now), 0, "a date in the future gives nothing");
        assert_eq!(heuristic(Some("not a date"), now), 0);
        assert_eq!(heuristic(None, now), 0);
        let header = |max_age, no_cache| Header {
            url: String::new(),
            content_type: String::new(),
            etag: None,
            last_modified: Some(date(now - 86_400)),
            stored: now,
            max_age,
            heuristic: HEURISTIC_LIMIT,
            no_cache,
            body_len: 0,
        };
        assert!(header(None, false).is_fresh(now + 599));
        assert!(!header(None, false).is_fresh(now + 600));
        assert!(!header(Some(0), false).is_fresh(now + 1), "an explicit max-age wins");
        assert!(!header(None, true).is_fresh(now), "no-cache always revalidates");
    }
}

impl Freshness {
    fn of(whole: &Whole) -> Freshness {
        let mut freshness = Freshness {
            age: whole.header("age").and_then(|a| a.parse().ok()).unwrap_or(0),
            ..Freshness::default()
        };
        for value in whole.headers.get_all("cache-control") {
            freshness.add(value.to_str().unwrap_or(""));
        }
        freshness
    }

    /// Adds the directives of one Cache-Control header value.
    fn add(&mut self, value: &str) {
        for directive in value.split(',') {
            let (name, arg) = match directive.split_once('=') {
                Some((n, a)) => (n.trim(), Some(a.trim().trim_matches('"'))),
                None => (directive.trim(), None),
            };
            match name.to_ascii_lowercase().as_str() {
                // A malformed max-age makes the page stale (RFC 9111 4.2.1).
                "max-age" => self.max_age = Some(arg.and_then(|a| a.parse().ok()).unwrap_or(0)),
                "no-cache" => self.no_cache = true,
                "no-store" => self.no_store = true,
                _ => {}
            }
        }
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
#[path = "page_cache_tests.rs"]
mod tests;
