//! The credentials of the index URLs the configuration names (`--index-url`,
//! `PIP_INDEX_URL`, `PIP_EXTRA_INDEX_URL`, `PIP_FIND_LINKS`, pip's config
//! files) with `user:password@`, for every request of every tool, as pip's
//! `MultiDomainBasicAuth` gives them: first to a URL under an index URL
//! (same scheme, host and port, and its path as a prefix), then, as pip
//! learns them per host from the index pages it reads first, to any URL of
//! the same host and port (the files of an index usually live outside its
//! `/simple/` path). Never shown: `Debug` prints the URLs redacted.

use std::fmt;

/// Credentials by index URL.
#[derive(Clone, Default)]
pub struct IndexCredentials(Vec<Known>);

#[derive(Clone)]
struct Known {
    /// The index URL without credentials, ending in `/`.
    prefix: String,
    /// `host:port`.
    host: String,
    user: String,
    password: String,
}

impl fmt::Debug for IndexCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.iter().map(|k| &k.prefix)).finish()
    }
}

impl IndexCredentials {
    /// The credentials that `urls` carry; URLs without any are left out.
    pub fn from_urls<'a>(urls: impl IntoIterator<Item = &'a String>) -> IndexCredentials {
        let mut known = Vec::new();
        for url in urls {
            let Ok(mut parsed) = url::Url::parse(url) else { continue };
            if parsed.username().is_empty() && parsed.password().is_none() {
                continue;
            }
            let user = super::percent_decode(parsed.username());
            let password = super::percent_decode(parsed.password().unwrap_or(""));
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.set_fragment(None);
            parsed.set_query(None);
            let prefix = format!("{}/", parsed.as_str().trim_end_matches('/'));
            known.push(Known { prefix, host: super::host_key(&parsed), user, password });
        }
        IndexCredentials(known)
    }

    /// The user and password for `url` (given without credentials): those
    /// of the first index it is under, else of the first index of its host.
    pub fn lookup(&self, url: &url::Url) -> Option<(String, String)> {
        let host = super::host_key(url);
        let same_host = || self.0.iter().find(|k| k.host == host);
        let under = self.0.iter().find(|k| url.as_str().starts_with(&k.prefix));
        under.or_else(same_host).map(|k| (k.user.clone(), k.password.clone()))
    }

    /// The credentials of an index `url` is under (pip's first choice after the URL's own).
    pub fn under_index(&self, url: &url::Url) -> Option<(String, String)> {
        let under = self.0.iter().find(|k| url.as_str().starts_with(&k.prefix))?;
        Some((under.user.clone(), under.password.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> url::Url {
        url::Url::parse(text).unwrap()
    }

    #[test]
    fn an_index_url_lends_its_credentials_under_it_then_to_its_host() {
        let urls = [
            "http://127.0.0.1:9/simple".to_string(),
            "http://a:b@127.0.0.1:8/simple/".into(),
            "http://u:p%40ss@127.0.0.1:8/private/simple".into(),
        ];
        let creds = IndexCredentials::from_urls(&urls);
        let pair = |u: &str, p: &str| Some((u.to_string(), p.to_string()));
        assert_eq!(creds.lookup(&url("http://127.0.0.1:8/private/simple/x/")), pair("u", "p@ss"));
        assert_eq!(creds.under_index(&url("http://127.0.0.1:8/private/simple/x/")), pair("u", "p@ss"));
        assert_eq!(creds.lookup(&url("http://127.0.0.1:8/files/x-1.0.whl")), pair("a", "b"), "same host");
        assert_eq!(creds.under_index(&url("http://127.0.0.1:8/files/x-1.0.whl")), None);
        assert_eq!(creds.lookup(&url("http://127.0.0.1:9/files/x-1.0.whl")), None, "no credentials");
        assert_eq!(creds.lookup(&url("http://127.0.0.2:8/simple/")), None, "another host");
        assert_eq!(creds.lookup(&url("http://127.0.0.1/simple/")), None, "another port");
        let shown = format!("{creds:?}");
        assert!(!shown.contains("p%40ss") && !shown.contains("p@ss") && !shown.contains("a:b"), "{shown}");
    }
}
