//! Reading one candidate: the best wheel of a version for the interpreter
//! (tags, Requires-Python, `--hash` values), its metadata from the cache,
//! the index's PEP 658 file, range reads or a full download, checked to
//! be that name and version, and its Requires-Dist parsed.

use std::str::FromStr;

use anyhow::{anyhow, Result};
use pep440_rs::Version;
use pep508_rs::Requirement;
use wheelpipe::metadata::{self, memo};
use wheelpipe::records::Metadata;

use super::fetcher::{Candidate, Fetcher, Unusable};

/// Why a version with only source distributions is passed over.
pub const SDIST_ONLY: &str = "has only a source distribution";
use crate::pins::Pin;
use crate::requirements::Location;
use crate::select::{self, Choice};

impl Fetcher<'_> {
    /// `name` at `version` read now: a version without a fitting wheel, or
    /// whose metadata asks for another Python, is unusable (`Skip`); a
    /// metadata read that fails stops the resolution (`Failed`).
    pub(super) fn read_candidate_now(&self, name: &str, version: &Version) -> Result<Candidate, Unusable> {
        if let Some((dist, installed)) = self.cx.installed.keepable(name) {
            if installed == version {
                let lines: &[String] = if self.cx.no_deps { &[] } else { &dist.requires_dist };
                let requires = self.parse_requires(name, version, lines);
                return Ok(Candidate { choice: None, provides_extra: dist.provides_extra.clone(), requires });
            }
        }
        let project = self.project(name);
        let project = project.as_ref().as_ref().map_err(Clone::clone)?;
        let pin = Pin {
            name: name.to_string(),
            version: version.clone(),
            version_text: version.to_string(),
            arbitrary: false,
            hashes: self.cx.hashes.get(name).cloned().unwrap_or_default(),
            location: Location { file: String::new(), line: 0 },
        };
        if project.only_sdist(name, version) {
            self.note_sdist_only(name, version);
            return Err(Unusable::Skip(format!("{name} {version} {SDIST_ONLY}")));
        }
        let choice = select::choose(&pin, &project.files, self.cx.target).map_err(Unusable::Skip)?;
        if self.cx.no_deps {
            return Ok(Candidate { choice: Some(choice), provides_extra: Vec::new(), requires: Vec::new() });
        }
        let metadata = self.read_metadata(&choice).map_err(|e| Unusable::Failed(format!("{e:#}")))?;
        if let Some(spec) = &metadata.requires_python {
            if self.cx.target.admits_python(spec) == Ok(false) {
                return Err(Unusable::Skip(format!(
                    "{name} {version} requires Python {spec} ({} is {})",
                    choice.artifact.filename, self.cx.target.description
                )));
            }
        }
        let requires = self.parse_requires(name, version, &metadata.requires_dist);
        Ok(Candidate { choice: Some(choice), provides_extra: metadata.provides_extra, requires })
    }

    /// The Requires-Dist lines that parse; a warning for each other one.
    fn parse_requires(&self, name: &str, version: &Version, lines: &[String]) -> Vec<Requirement> {
        let mut requires = Vec::new();
        for line in lines {
            match Requirement::from_str(line) {
                Ok(req) => requires.push(req),
                Err(e) => {
                    self.warn(format!("{name} {version}: ignoring the invalid Requires-Dist `{line}`: {e}"))
                }
            }
        }
        requires
    }

    /// The metadata of the chosen wheel: from the cache, PEP 658, ranges or
    /// a full download; checked to be the metadata of that name and version.
    fn read_metadata(&self, choice: &Choice) -> Result<Metadata> {
        let artifact = &choice.artifact;
        let sha256 = artifact.hashes.get("sha256");
        if let (Some(cache), Some(sha256)) = (self.cx.cache, sha256) {
            if let Some(found) = memo::get(cache, &artifact.url, sha256) {
                return Ok(found);
            }
        }
        let metadata_url = artifact.core_metadata.as_ref().map(|_| format!("{}.metadata", artifact.url));
        let metadata_sha256 = artifact.core_metadata.as_ref().and_then(|h| h.get("sha256"));
        let found = metadata::fetch_with(
            self.cx.http,
            &artifact.url,
            metadata_url.as_deref(),
            metadata_sha256.map(String::as_str),
            &self.hosts,
        )?;
        if !wheelpipe::names::same_release((&found.name, &found.version), (&artifact.name, &artifact.version))
        {
            return Err(anyhow!(
                "{}: the metadata says {} {}, the file name {} {}",
                wheelpipe::http::redact(&artifact.url),
                found.name,
                found.version,
                artifact.name,
                artifact.version
            ));
        }
        if let (Some(cache), Some(sha256)) = (self.cx.cache, sha256) {
            let _ = memo::put(cache, &artifact.url, sha256, &found);
        }
        Ok(found)
    }
}
