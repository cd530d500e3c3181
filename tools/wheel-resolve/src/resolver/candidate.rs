//! Reading one candidate: the best wheel of a version for the interpreter
//! (tags, Requires-Python, `--hash` values), its metadata from the cache,
//! the index's PEP 658 file, range reads or a full download, checked to
//! be that name and version, and its Requires-Dist parsed. When no wheel
//! fits (or `--no-binary` names the project) and `--only-binary` does not
//! forbid it, the version's sdist, whose metadata the build library reads
//! (PKG-INFO, else the backend's `prepare_metadata_for_build_wheel`).

use std::collections::HashMap;
use std::str::FromStr;

use anyhow::{anyhow, Result};
use pep440_rs::Version;
use pep508_rs::Requirement;
use wheelpipe::build::{download, Source};
use wheelpipe::hash::Sha256;
use wheelpipe::http::redact;
use wheelpipe::metadata::{self, memo};
use wheelpipe::records::{Artifact, ArtifactKind, Metadata, MetadataSource};

use super::fetcher::{Candidate, Fetcher, Unusable};
use super::project::Project;

/// Why a version with only source distributions is passed over.
pub const SDIST_ONLY: &str = "has only a source distribution";
use crate::pins::Pin;
use crate::requirements::Location;
use crate::select::{self, Choice};

impl Fetcher<'_> {
    /// `name` at `version` read now: a version without a fitting wheel, or
    /// whose metadata asks for another Python, is unusable (`Skip`); an
    /// sdist whose metadata fails is a candidate without dependencies that
    /// says why (the resolution goes on, and fails at its end); any other
    /// metadata read that fails stops the resolution (`Failed`).
    pub(super) fn read_candidate_now(&self, name: &str, version: &Version) -> Result<Candidate, Unusable> {
        let url_dep = self.url_deps.get(name);
        if let Some(super::url_deps::Source::Tree(tree)) = url_dep.as_ref().map(|f| &f.source) {
            return self.tree_candidate(name, version, tree);
        }
        if let Some(tree) = self.cx.trees.get(name) {
            return self.tree_candidate(name, version, tree);
        }
        if let Some((dist, installed)) = self.cx.installed.keepable(name).filter(|_| url_dep.is_none()) {
            if installed == version {
                let lines: &[String] = if self.cx.no_deps { &[] } else { &dist.requires_dist };
                let (requires, written) = self.parse_requires(name, version, lines);
                let provides_extra = dist.provides_extra.clone();
                return Ok(Candidate { choice: None, provides_extra, requires, written, unbuildable: None });
            }
        }
        let project = self.project(name);
        let project = project.as_ref().as_ref().map_err(Clone::clone)?;
        let pin = self.pin(name, version);
        let choice = self.choose(name, version, &pin, project)?;
        if self.cx.no_deps {
            return Ok(Candidate::bare(choice, None));
        }
        let mut choice = choice;
        let metadata = match choice.artifact.kind {
            ArtifactKind::Sdist => self.read_sdist_metadata(&mut choice.artifact),
            ArtifactKind::Wheel | ArtifactKind::Dir => self.read_metadata(&choice),
        };
        let metadata = match metadata {
            Ok(metadata) => metadata,
            Err(e) if choice.artifact.kind == ArtifactKind::Sdist => {
                return Ok(Candidate::bare(choice, Some(format!("{e:#}"))));
            }
            Err(e) => return Err(Unusable::Failed(format!("{e:#}"))),
        };
        if let Some(spec) = &metadata.requires_python {
            if self.cx.target.admits_python(spec) == Ok(false) {
                return Err(Unusable::Skip(format!(
                    "{name} {version} requires Python {spec} ({} is {})",
                    choice.artifact.filename, self.cx.target.description
                )));
            }
        }
        let (requires, written) = self.parse_requires(name, version, &metadata.requires_dist);
        let provides_extra = metadata.provides_extra;
        Ok(Candidate { choice: Some(choice), provides_extra, requires, written, unbuildable: None })
    }

    /// What a file of `name` at `version` must match: that version and the
    /// requirement's `--hash` values.
    pub(super) fn pin(&self, name: &str, version: &Version) -> Pin {
        Pin {
            name: name.to_string(),
            version: version.clone(),
            version_text: version.to_string(),
            arbitrary: false,
            hashes: self.cx.hashes.get(name).cloned().unwrap_or_default(),
            location: Location { file: String::new(), line: 0 },
        }
    }

    /// A prepared folder's one candidate: its artifact and the metadata its
    /// backend gave.
    fn tree_candidate(
        &self,
        name: &str,
        version: &Version,
        tree: &crate::trees::Prepared,
    ) -> Result<Candidate, Unusable> {
        if let Some(spec) = &tree.metadata.requires_python {
            if self.cx.target.admits_python(spec) == Ok(false) {
                return Err(Unusable::Skip(format!(
                    "{name} {version} requires Python {spec} ({} is {})",
                    tree.artifact.url, self.cx.target.description
                )));
            }
        }
        let lines: &[String] = if self.cx.no_deps { &[] } else { &tree.metadata.requires_dist };
        let (requires, written) = self.parse_requires(name, version, lines);
        Ok(Candidate {
            choice: Some(Choice { artifact: tree.artifact.clone(), yanked: None }),
            provides_extra: tree.metadata.provides_extra.clone(),
            requires,
            written,
            unbuildable: None,
        })
    }

    /// The file for `pin`: the best wheel; else, when `--only-binary` does
    /// not forbid it, the sdist; the sdist first with `--no-binary`.
    fn choose(
        &self,
        name: &str,
        version: &Version,
        pin: &Pin,
        project: &Project,
    ) -> Result<Choice, Unusable> {
        let format = self.cx.format;
        let source_ok = format.allows_source(name) && self.cx.build.is_some();
        if source_ok && format.wants_source(name) {
            if let Some(sdist) = select::choose_sdist(pin, &project.files, self.cx.target) {
                return sdist.map_err(Unusable::Skip);
            }
            return Err(Unusable::Skip(format!("{name} {version} has no source distribution (--no-binary)")));
        }
        if project.only_sdist(name, version) && !source_ok {
            self.note_sdist_only(name, version);
            return Err(Unusable::Skip(format!("{name} {version} {SDIST_ONLY}")));
        }
        match select::choose(pin, &project.files, self.cx.target) {
            Ok(choice) => Ok(choice),
            Err(why) => match select::choose_sdist(pin, &project.files, self.cx.target).filter(|_| source_ok)
            {
                Some(Ok(sdist)) => Ok(sdist),
                _ => Err(Unusable::Skip(why)),
            },
        }
    }

    /// The metadata of the chosen sdist: from the cache, else from the
    /// sdist (downloaded into the store wheel-fetch uses) by the build
    /// library; the artifact gets the sha256 of the download when the index
    /// gave none, and the name as the metadata spells it.
    fn read_sdist_metadata(&self, artifact: &mut Artifact) -> Result<Metadata> {
        let (cache, build) = (self.cx.cache, self.cx.build);
        let (Some(cache), Some(build)) = (cache, build) else {
            return Err(anyhow!("{}: reading an sdist's metadata needs a cache folder", artifact.filename));
        };
        let known = artifact.sha256_digest()?;
        // A backend may compute the metadata for the interpreter: memoized per interpreter.
        let memo_key =
            format!("{} for {}", artifact.url, wheelpipe::build::interpreter_key(&build.interpreter));
        if let Some(found) = known.as_ref().and_then(|sha256| memo::get(cache, &memo_key, sha256)) {
            artifact.name = found.name.clone();
            return Ok(found);
        }
        let path =
            download::sdist_in_store(self.cx.http, cache, &artifact.url, &artifact.filename, known.as_ref())?;
        let sha256 = match known {
            Some(sha256) => sha256,
            None => Sha256::parse(&wheelpipe::build::hash_file(&path)?.0)?,
        };
        artifact.hashes.insert("sha256".into(), sha256.to_string());
        // The build environment too: made now from this run's indexes, ready when wheel-unpack builds.
        let (core, _) = wheelpipe::build::metadata::metadata_and_env(build, &Source::Sdist(path))?;
        let found = core.into_record(MetadataSource::Local, redact(&artifact.url), 0, 0);
        if !wheelpipe::names::same_release((&found.name, &found.version), (&artifact.name, &artifact.version))
        {
            return Err(anyhow!(
                "{}: the metadata says {} {}, the file name {} {}",
                redact(&artifact.url),
                found.name,
                found.version,
                artifact.name,
                artifact.version
            ));
        }
        let _ = memo::put(cache, &memo_key, &sha256, &found);
        artifact.name = found.name.clone();
        Ok(found)
    }

    /// The Requires-Dist lines that parse, and each name as first written;
    /// a warning for each other line.
    fn parse_requires(
        &self,
        name: &str,
        version: &Version,
        lines: &[String],
    ) -> (Vec<Requirement>, HashMap<String, String>) {
        let (mut requires, mut written) = (Vec::new(), HashMap::new());
        for line in lines {
            match Requirement::from_str(line) {
                Ok(req) => {
                    let key = req.name.to_string();
                    if let Some(spelled) = wheelpipe::names::as_written(line, &key) {
                        written.entry(key).or_insert_with(|| spelled.to_string());
                    }
                    requires.push(req)
                }
                Err(e) => {
                    self.warn(format!("{name} {version}: ignoring the invalid Requires-Dist `{line}`: {e}"))
                }
            }
        }
        (requires, written)
    }

    /// The metadata of the chosen wheel: from the cache, PEP 658, ranges or
    /// a full download; checked to be the metadata of that name and version.
    fn read_metadata(&self, choice: &Choice) -> Result<Metadata> {
        let artifact = &choice.artifact;
        let sha256 = artifact.sha256_digest().ok().flatten();
        if let (Some(cache), Some(sha256)) = (self.cx.cache, &sha256) {
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
        if let (Some(cache), Some(sha256)) = (self.cx.cache, &sha256) {
            let _ = memo::put(cache, &artifact.url, sha256, &found);
        }
        Ok(found)
    }
}
