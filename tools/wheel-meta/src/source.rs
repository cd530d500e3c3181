//! Sources: an sdist or a project folder has no wheel to read, so its
//! metadata comes from the build library, as wheel-resolve reads it
//! (`wheelpipe::build::metadata`): an sdist's PKG-INFO when it is Metadata
//! 2.2+ with none of the fields needed `Dynamic`, else the backend's
//! `prepare_metadata_for_build_wheel` in a build environment (else the
//! wheel built). The build settings are made for the first source of a run
//! (a run of wheels never asks the interpreter); an sdist at an http(s)
//! URL is downloaded into the cache's store first, as wheel-fetch would.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{anyhow, Context, Result};
use wheelpipe::build::{self, BuildIndex, Source};
use wheelpipe::cache::Cache;
use wheelpipe::config::IndexFlags;
use wheelpipe::hash::Sha256;
use wheelpipe::http::Client;
use wheelpipe::interpreter::Interpreter;
use wheelpipe::records::{Metadata, MetadataSource};

/// What reading sources needs, the build settings made once, when needed.
pub struct Builds {
    pub python: PathBuf,
    /// `-C` settings and whether builds are isolated.
    pub config: std::collections::BTreeMap<String, serde_json::Value>,
    pub isolation: bool,
    /// The index options given on the command line, if any.
    pub flags: Option<IndexFlags>,
    /// Open to the input's `index` record when no flag was given.
    pub index: BuildIndex,
    settings: OnceLock<Result<build::Settings, String>>,
}

impl Builds {
    pub fn new(python: PathBuf, config: std::collections::BTreeMap<String, serde_json::Value>) -> Builds {
        Builds {
            python,
            config,
            isolation: true,
            flags: None,
            index: BuildIndex::configured(),
            settings: OnceLock::new(),
        }
    }

    /// The build settings, made on the first call (an error, once, is
    /// every later call's error too).
    fn settings(&self, cache: Option<&Cache>) -> Result<&build::Settings> {
        let made = self.settings.get_or_init(|| self.make(cache).map_err(|e| format!("{e:#}")));
        made.as_ref().map_err(|e| anyhow!("{e}"))
    }

    fn make(&self, cache: Option<&Cache>) -> Result<build::Settings> {
        let cache = cache.context("reading a source's metadata needs a cache folder (--cache-dir)")?;
        let interpreter = Interpreter::query(&self.python, Some(cache))?;
        let mut settings = build::Settings::for_interpreter(&interpreter, cache)?;
        (settings.config, settings.isolation) = (self.config.clone(), self.isolation);
        settings.envs.index = match &self.flags {
            Some(_) => BuildIndex::from_flags(self.flags.as_ref(), &interpreter)?,
            None => self.index.clone(),
        };
        Ok(settings)
    }
}

/// True for a path wheel-meta reads as a source: a folder, or a file named
/// as an sdist.
pub fn is_source_path(path: &Path) -> bool {
    path.is_dir() || is_source_name(&path.to_string_lossy())
}

/// True for a file name or URL path of an sdist (`.tar.gz`, `.zip`).
pub fn is_source_name(name: &str) -> bool {
    let last = name.rsplit('/').next().unwrap_or(name);
    build::source::is_sdist_name(last)
}

/// The metadata of the sdist or folder at `path`, shown as `shown`.
pub fn read_path(builds: &Builds, cache: Option<&Cache>, path: &Path, shown: String) -> Result<Metadata> {
    read(builds, cache, &Source::from_path(path)?, shown, (MetadataSource::Local, 0, 0))
}

/// The metadata of the sdist at `url` (file `filename`, `sha256` when
/// known): from the cache's store, else downloaded into it (a `file:` URL
/// is read in place).
pub fn read_url(
    builds: &Builds,
    (http, cache): (&Client, Option<&Cache>),
    (url, filename, sha256): (&str, &str, Option<&Sha256>),
    shown: String,
) -> Result<Metadata> {
    let store = cache.context("reading an sdist's metadata needs a cache folder (--cache-dir)")?;
    let (path, how) = match sha256.and_then(|h| store.find_wheel(h, filename)) {
        Some(path) => (path, (MetadataSource::Local, 0, 0)),
        None => {
            let path = build::download::sdist_in_store(http, store, url, filename, sha256)?;
            match url.starts_with("file:") {
                true => (path, (MetadataSource::Local, 0, 0)),
                false => {
                    let bytes = std::fs::metadata(&path)?.len();
                    (path, (MetadataSource::Full, bytes, 1))
                }
            }
        }
    };
    read(builds, cache, &Source::Sdist(path), shown, how)
}

fn read(
    builds: &Builds,
    cache: Option<&Cache>,
    source: &Source,
    shown: String,
    (how, bytes, requests): (MetadataSource, u64, u32),
) -> Result<Metadata> {
    let settings = builds.settings(cache)?;
    let (core, from) = build::metadata_of(settings, source)?;
    Ok(Metadata { from_source: Some(from), ..core.into_record(how, shown, bytes, requests) })
}
