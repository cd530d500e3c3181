//! One wheel to read: what the input named (a URL, a path, an `artifact`
//! record) and how its metadata is read (PEP 658 file, else range requests,
//! else a full download for http and https URLs; in place for `file://`
//! URLs, paths and cached wheels). An sdist or a project folder goes to
//! [`crate::source`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Result};
use wheelpipe::cache::Cache;
use wheelpipe::http::{redact, Client};
use wheelpipe::metadata::{fetch_with, memo, read_local, RangeHosts};
use wheelpipe::records::{Artifact, Metadata, MetadataSource};

use wheelpipe::hash::Sha256;

/// What a run needs besides its input.
pub struct Settings {
    /// Worker threads, at least 1.
    pub jobs: usize,
    pub http: Client,
    /// The cache: a wheel store to read fetched wheels from, and metadata
    /// records kept from earlier runs.
    pub cache: Option<Cache>,
    /// Hosts found not to serve ranges during the run, shared by the workers.
    pub hosts: RangeHosts,
    /// `--no-pep658`: plain URLs go straight to range requests.
    pub no_pep658: bool,
    /// How sdists and project folders are read.
    pub builds: crate::source::Builds,
}

/// Where a wheel is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Job {
    /// An http, https or file URL, fragment removed, and the sha256 its
    /// `#sha256=` fragment named.
    Url { url: String, sha256: Option<Sha256> },
    /// A wheel on disk.
    Path(PathBuf),
    /// An artifact not yet fetched: its URL, its sha256 and filename (where
    /// the cache would keep it) and its `core_metadata` (whether the index
    /// serves a PEP 658 file, and that file's hashes).
    Artifact {
        url: String,
        sha256: Option<Sha256>,
        filename: String,
        core_metadata: Option<BTreeMap<String, String>>,
    },
}

impl Job {
    /// A plain word of input: a URL (http, https, file) or a path.
    pub fn from_word(word: &str) -> Result<Job> {
        match word.split_once("://") {
            Some(("http" | "https" | "file", _)) => {
                let mut url =
                    url::Url::parse(word).map_err(|e| anyhow!("{}: not a valid URL: {e}", redact(word)))?;
                let sha256 = url
                    .fragment()
                    .and_then(|f| f.strip_prefix("sha256="))
                    .and_then(|h| Sha256::parse(h).ok());
                url.set_fragment(None);
                match url.to_file_path() {
                    Ok(path) if url.scheme() == "file" && path.is_dir() => Ok(Job::Path(path)),
                    _ => Ok(Job::Url { url: url.to_string(), sha256 }),
                }
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
        match Job::from_word(&artifact.url)? {
            Job::Url { url, sha256 } => Ok(Job::Artifact {
                url,
                sha256: artifact.sha256_digest().ok().flatten().or(sha256),
                filename: artifact.filename.clone(),
                core_metadata: artifact.core_metadata.clone(),
            }),
            job => Ok(job),
        }
    }

    /// The URL or path, as errors and records show it (no credentials).
    pub fn shown(&self) -> String {
        match self {
            Job::Url { url, .. } | Job::Artifact { url, .. } => redact(url),
            Job::Path(path) => path.display().to_string(),
        }
    }

    /// Reads the wheel's metadata: from disk, from the cache's wheel store,
    /// from the cache's metadata records, else over the network (and then
    /// into the metadata records, when the wheel's sha256 is known).
    pub fn read(&self, settings: &Settings) -> Result<Metadata> {
        let cache = settings.cache.as_ref();
        let (url, sha256, pep658) = match self {
            Job::Path(path) if crate::source::is_source_path(path) => {
                return crate::source::read_path(&settings.builds, cache, path, self.shown())
            }
            Job::Path(path) => return local(path, self.shown()),
            Job::Artifact { url, sha256, filename, .. } if crate::source::is_source_name(filename) => {
                let (http, wanted) = (&settings.http, (url.as_str(), filename.as_str(), sha256.as_ref()));
                return crate::source::read_url(&settings.builds, (http, cache), wanted, self.shown());
            }
            Job::Url { url, sha256 } if crate::source::is_source_name(url) => {
                let filename = wheelpipe::metadata::url_filename(url);
                let (http, wanted) = (&settings.http, (url.as_str(), filename.as_str(), sha256.as_ref()));
                return crate::source::read_url(&settings.builds, (http, cache), wanted, self.shown());
            }
            Job::Artifact { url, sha256, filename, core_metadata } => {
                if let Some(path) = sha256.as_ref().and_then(|h| cache?.find_wheel(h, filename)) {
                    // The record names the URL it stands for; nothing went over the network.
                    return local(&path, self.shown());
                }
                // wheel-resolve says `core_metadata` whenever the index
                // announces a metadata file: without it, no probe.
                let pep658 = match core_metadata {
                    Some(hashes) => Pep658::Announced(hashes.get("sha256").cloned()),
                    None => Pep658::Skip,
                };
                (url, sha256, pep658)
            }
            Job::Url { url, sha256 } => {
                (url, sha256, if settings.no_pep658 { Pep658::Skip } else { Pep658::Probe })
            }
        };
        let key = sha256.as_ref().filter(|_| !url.starts_with("file:"));
        if let (Some(cache), Some(sha256)) = (cache, key) {
            if let Some(found) = memo::get(cache, url, sha256) {
                return Ok(Metadata { url: self.shown(), bytes: 0, requests: 0, ..found });
            }
        }
        let metadata = from_url(settings, url, &pep658)?;
        if let (Some(cache), Some(sha256)) = (cache, key) {
            if metadata.source != MetadataSource::Local {
                // A cache that cannot be written costs a later run requests, nothing more.
                let _ = memo::put(cache, url, sha256, &metadata);
            }
        }
        Ok(metadata)
    }
}

/// Whether to ask for the index's PEP 658 file.
enum Pep658 {
    /// Unknown: ask, and fall back on a 404.
    Probe,
    /// The index announced one, with this sha256 when it gave one.
    Announced(Option<String>),
    /// Known to be missing (or `--no-pep658`): go straight to ranges.
    Skip,
}

fn local(path: &Path, shown: String) -> Result<Metadata> {
    Ok(read_local(path)?.into_record(MetadataSource::Local, shown, 0, 0))
}

/// The PEP 658 file when it may be there (a 404 falls back to range
/// requests, then to the full download), for http(s).
fn from_url(settings: &Settings, url: &str, pep658: &Pep658) -> Result<Metadata> {
    let (http, hosts) = (&settings.http, &settings.hosts);
    let metadata_url = format!("{url}.metadata");
    match pep658 {
        _ if url.starts_with("file:") => fetch_with(http, url, None, None, hosts),
        Pep658::Skip => fetch_with(http, url, None, None, hosts),
        Pep658::Probe => fetch_with(http, url, Some(&metadata_url), None, hosts),
        Pep658::Announced(sha256) => fetch_with(http, url, Some(&metadata_url), sha256.as_deref(), hosts),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use wheelpipe::http::HttpOptions;

    fn settings(cache: Option<Cache>) -> Settings {
        let http = Client::new(HttpOptions { retries: 0, ..Default::default() }).unwrap();
        let builds = crate::source::Builds::new("python3".into(), Default::default());
        Settings { jobs: 1, http, cache, hosts: RangeHosts::new(), no_pep658: false, builds }
    }

    #[test]
    fn words_are_urls_or_paths() {
        assert_eq!(
            Job::from_word("http://127.0.0.1:9/x-1.0-py3-none-any.whl#sha256=ab").unwrap(),
            Job::Url { url: "http://127.0.0.1:9/x-1.0-py3-none-any.whl".into(), sha256: None }
        );
        let hash = "C".repeat(64);
        assert_eq!(
            Job::from_word(&format!("http://127.0.0.1:9/x-1.0-py3-none-any.whl#sha256={hash}")).unwrap(),
            Job::Url {
                url: "http://127.0.0.1:9/x-1.0-py3-none-any.whl".into(),
                sha256: Some(Sha256::parse(&"c".repeat(64)).unwrap())
            }
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
            hashes: [("sha256".to_string(), "a".repeat(64))].into(),
            ..Artifact::new(
                "x".into(),
                "1.0".into(),
                "x-1.0-py3-none-any.whl".into(),
                "http://127.0.0.1:9/x-1.0-py3-none-any.whl".into(),
            )
        };
        assert!(matches!(Job::from_artifact(&artifact).unwrap(), Job::Artifact { .. }));
        artifact.path = Some("/c/x-1.0-py3-none-any.whl".into());
        assert_eq!(Job::from_artifact(&artifact).unwrap(), Job::Path("/c/x-1.0-py3-none-any.whl".into()));
    }

    #[test]
    fn an_artifact_already_in_the_cache_is_read_there() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::at(tmp.path().to_path_buf()).unwrap();
        let (sha256, filename) =
            (Sha256::parse(&"b".repeat(64)).unwrap(), "x-1.0-py3-none-any.whl".to_string());
        let stored = cache.wheel_path(&sha256, &filename).unwrap();
        std::fs::create_dir_all(stored.parent().unwrap()).unwrap();
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&stored).unwrap());
        zip.start_file("x-1.0.dist-info/METADATA", zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut zip, b"Metadata-Version: 2.1\nName: x\nVersion: 1.0\n").unwrap();
        zip.finish().unwrap();
        // Port 9 has no server: reading over the network would fail.
        let url = "http://127.0.0.1:9/x-1.0-py3-none-any.whl".to_string();
        let job = Job::Artifact { url: url.clone(), sha256: Some(sha256), filename, core_metadata: None };
        let m = job.read(&settings(Some(cache))).unwrap();
        assert_eq!(
            (m.name.as_str(), m.source, m.url.as_str(), m.requests),
            ("x", MetadataSource::Local, url.as_str(), 0)
        );
        assert!(job.read(&settings(None)).is_err());
    }
}
