//! One item of work: a path a user gave (an sdist, a project folder, a
//! wheel) or an sdist's `artifact` record; done, it is the `artifact` record
//! of a wheel.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use wheelpipe::build::{self, Built, Source};
use wheelpipe::records::{Artifact, ArtifactKind};

/// What a job needs besides itself.
pub struct Settings {
    pub build: build::Settings,
    /// `--dest`: where the wheels are copied.
    pub dest: Option<PathBuf>,
    /// `--editable`: PEP 660 wheels of project folders.
    pub editable: bool,
}

#[derive(Debug)]
pub enum Job {
    /// A path typed by a person: sdist, folder or wheel.
    Path(PathBuf),
    /// An sdist's artifact record, which must have its `path`.
    Sdist(Box<Artifact>),
}

impl Job {
    /// How errors name it.
    pub fn shown(&self) -> String {
        match self {
            Job::Path(p) => Source::from_path(p).map_or_else(|_| p.display().to_string(), |s| s.shown()),
            Job::Sdist(a) => format!("{} {}", a.name, a.version),
        }
    }

    pub fn run(&self, settings: &Settings) -> Result<(Artifact, bool)> {
        match self {
            Job::Path(path) if path.extension().is_some_and(|e| e == "whl") => {
                let checked = build::check_wheel(path)?;
                let built = Built {
                    wheel: path.clone(),
                    name: checked.name,
                    version: checked.version,
                    requires_python: checked.requires_python,
                    sha256: String::new(),
                    size: 0,
                    cached: true,
                };
                Ok((artifact_of(&built, settings.dest.as_deref(), None)?, true))
            }
            Job::Path(path) => {
                let source = Source::from_path(path)?;
                let editable = settings.editable && matches!(source, Source::Tree(_));
                let built = build::build(&settings.build, &source, editable)?;
                Ok((artifact_of(&built, settings.dest.as_deref(), None)?, built.cached))
            }
            Job::Sdist(artifact) => {
                let Some(path) = &artifact.path else {
                    bail!(
                        "{}: the sdist has no `path`: put wheel-fetch before wheel-build",
                        artifact.filename
                    );
                };
                let built = build::build(&settings.build, &Source::Sdist(path.clone()), false)?;
                Ok((artifact_of(&built, settings.dest.as_deref(), Some(artifact))?, built.cached))
            }
        }
    }
}

/// The record of a wheel (copied into `dest` when given); `from` is the
/// sdist's artifact, whose name spelling and flags it keeps.
fn artifact_of(built: &Built, dest: Option<&Path>, from: Option<&Artifact>) -> Result<Artifact> {
    let path = match dest {
        Some(dest) => copy_into(&built.wheel, dest)?,
        None => std::path::absolute(&built.wheel)?,
    };
    let filename = path.file_name().context("a wheel has a file name")?.to_string_lossy().into_owned();
    let url = url::Url::from_file_path(&path)
        .map_err(|()| anyhow::anyhow!("{}: not an absolute path", path.display()))?;
    let (sha256, size) =
        if built.sha256.is_empty() { build::hash_file(&path)? } else { (built.sha256.clone(), built.size) };
    let mut artifact = Artifact::new(built.name.clone(), built.version.clone(), filename, url.to_string());
    artifact.hashes.insert("sha256".into(), sha256);
    artifact.size = Some(size);
    artifact.requires_python = built.requires_python.clone();
    artifact.path = Some(path);
    if let Some(from) = from {
        artifact.name = from.name.clone();
        artifact.requested = from.requested;
        artifact.direct = from.direct;
        artifact.reinstall = from.reinstall;
        artifact.requirement_name = from.requirement_name.clone();
    }
    artifact.kind = ArtifactKind::Wheel;
    Ok(artifact)
}

/// Copies `wheel` into `dest` through a temporary name; the copy's path.
fn copy_into(wheel: &Path, dest: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(dest).with_context(|| format!("cannot create {}", dest.display()))?;
    let target = std::path::absolute(dest)?.join(wheel.file_name().context("a wheel has a file name")?);
    if target == std::path::absolute(wheel)? {
        return Ok(target);
    }
    let tmp = tempfile::NamedTempFile::new_in(dest)?;
    std::fs::copy(wheel, tmp.path()).with_context(|| format!("cannot copy {}", wheel.display()))?;
    tmp.persist(&target)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", target.display()))?;
    Ok(target)
}

/// The job for an input artifact: None for a wheel, passed on unchanged.
pub fn for_artifact(artifact: Artifact) -> Option<Job> {
    artifact.is_sdist().then(|| Job::Sdist(Box::new(artifact)))
}
