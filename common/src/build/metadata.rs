//! The core metadata of a source, for a resolver (the order, as pip
//! and uv do): an sdist's PKG-INFO when it is Metadata 2.2 or newer and
//! none of the fields a resolver needs is `Dynamic`; else the backend's
//! `prepare_metadata_for_build_wheel`; else, for a backend without it, the
//! wheel itself, built (and so cached for the install).

use std::path::Path;

use anyhow::{Context, Result};

use super::{source, BuildSystem, Built, Settings, Source};
use crate::metadata::CoreMetadata;

/// Where the metadata came from (the `metadata` record's `from_source`).
pub use crate::records::MetadataFrom as From;

/// The fields a resolver reads; if any is `Dynamic` PKG-INFO is not enough.
const NEEDED: [&str; 3] = ["requires-dist", "requires-python", "provides-extra"];

/// The metadata of `source` for the target of `settings`.
pub fn metadata_of(settings: &Settings, src: &Source) -> Result<(CoreMetadata, From)> {
    metadata_for(settings, src, false)
}

/// [`metadata_of`], for an editable install when `editable` (PEP 660:
/// `prepare_metadata_for_build_editable`, else the editable wheel built).
pub fn metadata_for(settings: &Settings, src: &Source, editable: bool) -> Result<(CoreMetadata, From)> {
    inner(settings, src, editable, false).with_context(|| src.shown())
}

/// [`metadata_of`], with the isolated build environment of the sdist made
/// now even when its PKG-INFO is enough: a resolver that chose it to be
/// built makes it from the run's own indexes, and the build later finds it
/// ready in the cache (a stage downstream may not know those indexes).
pub fn metadata_and_env(settings: &Settings, src: &Source) -> Result<(CoreMetadata, From)> {
    inner(settings, src, false, true).with_context(|| src.shown())
}

fn inner(settings: &Settings, src: &Source, editable: bool, with_env: bool) -> Result<(CoreMetadata, From)> {
    let work = settings.work_dir()?;
    let root = match src {
        Source::Sdist(path) => {
            let unpacked = work.path().join("src");
            std::fs::create_dir(&unpacked)?;
            source::unpack_sdist(path, &unpacked)?
        }
        Source::Tree(path) => std::path::absolute(path)?,
    };
    if matches!(src, Source::Sdist(_)) {
        if let Some(meta) = static_pkg_info(&root)? {
            if with_env && settings.isolation {
                settings.environment(&BuildSystem::read(&root)?.requires)?;
            }
            return Ok((meta, From::PkgInfo));
        }
    }
    let system = BuildSystem::read(&root)?;
    let mut hooks = super::Hooks {
        python: settings.interpreter.executable.clone(),
        env_root: None,
        source: &root,
        system: &system,
        config: &settings.config,
        work: work.path(),
        echo: settings.echo,
    };
    if settings.isolation {
        let env = settings.environment(&system.requires)?;
        (hooks.python, hooks.env_root) = (env.python(), Some(env.root));
        let extra = hooks.requires_for(editable)?;
        let have = super::env::normalized(&system.requires);
        if !super::env::normalized(&extra).iter().all(|r| have.contains(r)) {
            let all: Vec<String> = system.requires.iter().chain(&extra).cloned().collect();
            let env = settings.environment(&all)?;
            (hooks.python, hooks.env_root) = (env.python(), Some(env.root));
        }
    }
    let out = work.path().join("metadata");
    std::fs::create_dir(&out)?;
    if let Some(dist_info) = hooks.prepare_metadata(&out, editable)? {
        let file = dist_info.join("METADATA");
        let text =
            std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
        return Ok((CoreMetadata::parse(&text, &file.display().to_string())?, From::PrepareHook));
    }
    drop(work);
    let Built { wheel, .. } = super::build(settings, src, editable)?;
    let file = std::fs::File::open(&wheel).with_context(|| format!("cannot open {}", wheel.display()))?;
    let name = wheel.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let meta =
        crate::metadata::read_wheel_file(std::io::BufReader::new(file), &name, &wheel.display().to_string())?;
    Ok((meta, From::BuiltWheel))
}

/// PKG-INFO at the sdist's root when it is Metadata 2.2+ with none of
/// [`NEEDED`] dynamic.
fn static_pkg_info(root: &Path) -> Result<Option<CoreMetadata>> {
    let file = root.join("PKG-INFO");
    let Ok(text) = std::fs::read_to_string(&file) else { return Ok(None) };
    let meta = CoreMetadata::parse(&text, &file.display().to_string())?;
    let version: Vec<u32> = meta.metadata_version.split('.').map(|p| p.trim().parse().unwrap_or(0)).collect();
    let reliable = version >= vec![2, 2] && !meta.dynamic.iter().any(|d| NEEDED.contains(&d.as_str()));
    Ok(reliable.then_some(meta))
}
