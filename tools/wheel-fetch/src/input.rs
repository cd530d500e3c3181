//! What wheel-fetch is asked to fetch: a plain URL (an argument or a line of
//! stdin) made into an `artifact` record, with the hash of a `#sha256=HEX`
//! fragment as the expected one and the credentials kept out of the record.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use wheelpipe::cache::check_file_name;
use wheelpipe::hash::Sha256;
use wheelpipe::http::redact;
use wheelpipe::records::Artifact;
use wheelpipe::wheel_name::WheelFilename;

/// One download: the record to enrich and the URL to ask, which may carry
/// credentials that the record must not.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    pub artifact: Artifact,
    pub fetch_url: String,
    /// A `hint`'s download, tentative until an artifact confirms it (see
    /// [`crate::pipeline::hints`]).
    pub hint: bool,
}

impl Job {
    /// A job for a record from upstream.
    pub fn from_artifact(artifact: Artifact) -> Job {
        let fetch_url = artifact.url.clone();
        Job { artifact, fetch_url, hint: false }
    }
}

/// A job for a plain URL: the filename is the last path segment,
/// percent-decoded; name and version come from the wheel filename; a
/// `sha256=HEX` fragment becomes the expected hash and leaves the URL.
pub fn job_from_url(text: &str) -> Result<Job> {
    let shown = redact(text);
    let url = url::Url::parse(text).with_context(|| format!("{shown}: not a URL"))?;
    let sha256s =
        url.fragment().into_iter().flat_map(|f| f.split('&')).filter_map(|p| p.strip_prefix("sha256="));
    if sha256s.into_iter().any(|hex| Sha256::parse(hex).is_err()) {
        bail!("{shown}: the #sha256= fragment is not 64 hex digits");
    }
    let mut hashes = BTreeMap::new();
    let (filename, fetch_url) = wheelpipe::index::split_file_url(url, &mut hashes);
    hashes.retain(|algorithm, _| algorithm == "sha256");
    check_file_name(&filename).with_context(|| format!("{shown}: no file name at the end of the URL"))?;
    let wheel = WheelFilename::parse(&filename).with_context(|| format!("{shown}: not a wheel"))?;
    let artifact =
        Artifact { hashes, ..Artifact::new(wheel.name, wheel.version, filename, redact(&fetch_url)) };
    Ok(Job { artifact, fetch_url, hint: false })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254";

    #[test]
    fn fragment_becomes_the_expected_hash_and_leaves_the_url() {
        let job =
            job_from_url(&format!("http://127.0.0.1:1/p/six-1.16.0-py2.py3-none-any.whl#sha256={HASH}"))
                .unwrap();
        let a = &job.artifact;
        assert_eq!(a.url, "http://127.0.0.1:1/p/six-1.16.0-py2.py3-none-any.whl");
        assert_eq!(job.fetch_url, a.url);
        assert_eq!(a.sha256(), Some(HASH));
        assert_eq!((a.name.as_str(), a.version.as_str()), ("six", "1.16.0"));
        assert_eq!(a.filename, "six-1.16.0-py2.py3-none-any.whl");
        assert!(a.requested);
    }

    #[test]
    fn filename_is_percent_decoded_and_credentials_stay_out_of_the_record() {
        let job = job_from_url("http://u:secret@127.0.0.1:1/local%2Bx-1.0%2Bab-py3-none-any.whl").unwrap();
        assert_eq!(job.artifact.filename, "local+x-1.0+ab-py3-none-any.whl");
        assert_eq!(job.artifact.version, "1.0+ab");
        assert!(!job.artifact.url.contains("secret"), "{}", job.artifact.url);
        assert!(job.fetch_url.contains("u:secret@"), "{}", job.fetch_url);
        assert!(job.artifact.hashes.is_empty());
    }

    #[test]
    fn bad_input_is_an_error_naming_it() {
        let err = job_from_url("six.whl").unwrap_err();
        assert!(format!("{err:#}").contains("six.whl: not a URL"), "{err:#}");
        let err = job_from_url("http://127.0.0.1:1/six-1.16.0.tar.gz").unwrap_err();
        assert!(format!("{err:#}").contains("not a wheel"), "{err:#}");
        let err = job_from_url("http://127.0.0.1:1/x-1-py3-none-any.whl#sha256=abc").unwrap_err();
        assert!(format!("{err:#}").contains("64 hex digits"), "{err:#}");
    }
}
