//! One wheel to read: what the input named (a URL, a path, an `artifact`
//! record) and how its metadata is read (PEP 658 file, else range requests,
//! else a full download for http and https URLs; in place for `file://`
//! URLs, paths and cached wheels).

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Result};
use wheelpipe::cache::Cache;
use wheelpipe::http::{redact, Client};
use wheelpipe::metadata::{fetch_with, read_local, RangeHosts};
use wheelpipe::records::{Artifact, Metadata, MetadataSource};

/// Where a wheel is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Job {
    /// An http, https or file URL, fragment removed.
    Url(String),
    /// A wheel on disk.
    Path(PathBuf),
    /// An artifact not yet fetched: its URL, and where the cache would keep it.
    Artifact { url: String, sha256: String, filename: String },
}

impl Job {
    /// A plain word of input: a URL (http, https, file) or a path.
    pub fn from_word(word: &str) -> Result<Job> {
        match word.split_once("://") {
            Some(("http" | "https" | "file", _)) => {
                let url =
                    url::Url::parse(word).map_err(|e| anyhow!("{}: not a valid URL: {e}", redact(word)))?;
                Ok(Job::Url(without_fragment(url)))
            }
            Some((scheme, _)) if !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphanumeric()) => {
                bail!("{}: unsupported URL scheme {scheme:?} (http, https or file)", redact(word))
            }
            _ => Ok(Job::Path(PathBuf::from(word))),
        }
    }

    /// An `artifact` record: its `path` once fetched, else its `url`.
    pub fn from_artifact(artifact: &Artifact) -> Result<Job> {
        if let Some(path) = &artifact.path {
            return Ok(Job::Path(path.clone()));
        }
        match (Job::from_word(&artifact.url)?, artifact.sha256()) {
            (Job::Url(url), Some(sha256)) => {
                Ok(Job::Artifact { url, sha256: sha256.to_string(), filename: artifact.filename.clone() })
            }
            (job, _) => Ok(job),
        }
    }

    /// The URL or path, as errors and records show it (no credentials).
    pub fn shown(&self) -> String {
        match self {
            Job::Url(url) | Job::Artifact { url, .. } => redact(url),
            Job::Path(path) => path.display().to_string(),
        }
    }

    /// Reads the wheel's metadata; `hosts` is the run's memory of hosts
    /// that do not serve ranges.
    pub fn read(&self, http: &Client, cache: Option<&Cache>, hosts: &RangeHosts) -> Result<Metadata> {
        match self {
            Job::Path(path) => local(path, self.shown()),
            Job::Artifact { url, sha256, filename } => {
                let cached = cache.and_then(|c| c.wheel_path(sha256, filename).ok()).filter(|p| p.is_file());
                match cached {
                    // The record names the URL it stands for; nothing went over the network.
                    Some(path) => local(&path, self.shown()),
                    None => from_url(http, url, hosts),
                }
            }
            Job::Url(url) => from_url(http, url, hosts),
        }
    }
}

fn local(path: &Path, shown: String) -> Result<Metadata> {
    Ok(read_local(path)?.into_record(MetadataSource::Local, shown, 0, 0))
}

/// PEP 658 first (a 404 falls back to range requests, then to the full
/// download), for http(s). Records carry nothing that says whether the
/// index has the file, so it is always asked for: one small request.
fn from_url(http: &Client, url: &str, hosts: &RangeHosts) -> Result<Metadata> {
    if url.starts_with("file:") {
        return fetch_with(http, url, None, None, hosts);
    }
    fetch_with(http, url, Some(&format!("{url}.metadata")), None, hosts)
}

fn without_fragment(mut url: url::Url) -> String {
    url.set_fragment(None);
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_urls_or_paths() {
        assert_eq!(
            Job::from_word("http://127.0.0.1:9/x-1.0-py3-none-any.whl#sha256=ab").unwrap(),
            Job::Url("http://127.0.0.1:9/x-1.0-py3-none-any.whl".into())
        );
        assert_eq!(
            Job::from_word("dist/x-1.0-py3-none-any.whl").unwrap(),
            Job::Path("dist/x-1.0-py3-none-any.whl".into())
        );
        let err = Job::from_word("ftp://u:secret@127.0.0.1/x.whl").unwrap_err().to_string();
        assert!(err.contains("unsupported URL scheme \"ftp\"") && !err.contains("secret"), "{err}");
    }

    #[test]
    fn an_artifact_with_a_path_is_read_from_the_path() {
        let mut artifact = Artifact {
            name: "x".into(),
            version: "1.0".into(),
            filename: "x-1.0-py3-none-any.whl".into(),
            url: "http://127.0.0.1:9/x-1.0-py3-none-any.whl".into(),
            hashes: [("sha256".to_string(), "a".repeat(64))].into(),
            size: None,
            requires_python: None,
            requested: true,
            core_metadata: None,
            path: None,
        };
        assert!(matches!(Job::from_artifact(&artifact).unwrap(), Job::Artifact { .. }));
        artifact.path = Some("/c/x-1.0-py3-none-any.whl".into());
        assert_eq!(Job::from_artifact(&artifact).unwrap(), Job::Path("/c/x-1.0-py3-none-any.whl".into()));
    }

    #[test]
    fn an_artifact_already_in_the_cache_is_read_there() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::at(tmp.path().to_path_buf()).unwrap();
        let (sha256, filename) = ("b".repeat(64), "x-1.0-py3-none-any.whl".to_string());
        let stored = cache.wheel_path(&sha256, &filename).unwrap();
        std::fs::create_dir_all(stored.parent().unwrap()).unwrap();
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&stored).unwrap());
        zip.start_file("x-1.0.dist-info/METADATA", zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut zip, b"Metadata-Version: 2.1\nName: x\nVersion: 1.0\n").unwrap();
        zip.finish().unwrap();
        // Port 9 has no server: reading over the network would fail.
        let url = "http://127.0.0.1:9/x-1.0-py3-none-any.whl".to_string();
        let job = Job::Artifact { url: url.clone(), sha256, filename };
        let http = Client::new(wheelpipe::http::HttpOptions { retries: 0, ..Default::default() }).unwrap();
        let m = job.read(&http, Some(&cache), &RangeHosts::new()).unwrap();
        assert_eq!(
            (m.name.as_str(), m.source, m.url.as_str(), m.requests),
            ("x", MetadataSource::Local, url.as_str(), 0)
        );
        assert!(job.read(&http, None, &RangeHosts::new()).is_err());
    }
}
