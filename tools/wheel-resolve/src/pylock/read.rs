//! Reading a `pylock.toml` to install it as locked, following PEP 751's
//! installation steps: the lock-version's major must be 1 (a newer minor
//! warns), Requires-Python and `environments` must admit the interpreter,
//! a package whose `marker` is false is skipped (the default install: no
//! extras, the lock's `default-groups`), and each remaining package gets
//! its best-ranked wheel. Packages that only give an sdist, a VCS
//! checkout, a directory or an archive are not supported yet. Every error
//! names the lock file and, where there is one, the package.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use anyhow::{anyhow, bail, Context, Result};
use pep440_rs::Version;
use pep508_rs::{MarkerEnvironment, MarkerTree};
use serde::Deserialize;
use wheelpipe::names::normalize;
use wheelpipe::records::Artifact;
use wheelpipe::wheel_name::WheelFilename;

use crate::select::{preference, Preference, Target};

/// The keys of a lock this reader uses; others (`extras`, `[tool]`,
/// `dependencies`, attestations, ...) are ignored.
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Lock {
    lock_version: String,
    #[serde(default)]
    environments: Option<Vec<String>>,
    requires_python: Option<String>,
    #[serde(default)]
    default_groups: Vec<String>,
    #[serde(default)]
    packages: Vec<Package>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Package {
    name: String,
    version: Option<String>,
    marker: Option<String>,
    requires_python: Option<String>,
    #[serde(default)]
    wheels: Vec<Wheel>,
    sdist: Option<toml::Value>,
    vcs: Option<toml::Value>,
    directory: Option<toml::Value>,
    archive: Option<toml::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Wheel {
    name: Option<String>,
    url: Option<String>,
    path: Option<String>,
    size: Option<u64>,
    #[serde(default)]
    hashes: BTreeMap<String, String>,
}

/// The wheels to install from the lock at `path` for the interpreter that
/// `env` and `target` describe, sorted by normalized name, all `requested`.
pub fn read(path: &Path, env: &MarkerEnvironment, target: &Target<'_>) -> Result<Vec<Artifact>> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the lock file {shown}"))?;
    let lock: Lock = toml::from_str(&text).with_context(|| format!("{shown} is not a valid pylock.toml"))?;
    check_version(&lock.lock_version).with_context(|| format!("{shown}"))?;
    if let Some(spec) = &lock.requires_python {
        check_python(spec, target).with_context(|| format!("{shown}"))?;
    }
    if let Some(environments) = &lock.environments {
        let mut any = false;
        for marker in environments {
            any |=
                holds(marker, env, &lock.default_groups).with_context(|| format!("{shown}: environments"))?;
        }
        if !any {
            bail!(
                "{shown}: the lock is for {}, and {} is none of them",
                environments.join(" or "),
                target.description
            );
        }
    }
    let base = path.parent().map_or_else(|| Path::new(".").to_path_buf(), Path::to_path_buf);
    let mut artifacts = Vec::new();
    for package in &lock.packages {
        let name = &package.name;
        let version = package.version.as_deref().map_or(String::new(), |v| format!(" {v}"));
        let artifact = (|| {
            if let Some(marker) = &package.marker {
                if !holds(marker, env, &lock.default_groups)? {
                    return Ok(None);
                }
            }
            if let Some(spec) = &package.requires_python {
                check_python(spec, target)?;
            }
            choose(package, &base, target).map(Some)
        })();
        match artifact.with_context(|| format!("{shown}: package {name}{version}"))? {
            Some(artifact) => artifacts.push(artifact),
            None => continue,
        }
    }
    artifacts.sort_by_key(|a| normalize(&a.name));
    Ok(artifacts)
}

/// Accepts `1.x`; warns when `x` is newer than what this code writes.
fn check_version(text: &str) -> Result<()> {
    let parse = || -> Option<(u64, u64)> {
        let (major, minor) = text.trim().split_once('.')?;
        Some((major.parse().ok()?, minor.parse().ok()?))
    };
    match parse() {
        Some((1, minor)) => {
            if minor > 0 {
                wheelpipe::console::warn(format_args!(
                    "lock-version {text} is newer than {}; reading what version 1.0 defines",
                    super::LOCK_VERSION
                ));
            }
            Ok(())
        }
        _ => bail!("lock-version {text:?} is not supported (this reads lock-version 1.x)"),
    }
}

/// Fails unless the interpreter's version is in `spec`.
fn check_python(spec: &str, target: &Target<'_>) -> Result<()> {
    let admitted =
        target.admits_python(spec).map_err(|e| anyhow!("requires-python {spec:?} cannot be read: {e}"))?;
    if !admitted {
        bail!("requires Python {spec}, and {} is Python {}", target.description, target.python);
    }
    Ok(())
}

/// Whether the marker holds in `env` when no extras and the dependency
/// groups `groups` are installed.
fn holds(marker: &str, env: &MarkerEnvironment, groups: &[String]) -> Result<bool> {
    let decided = super::markers::decide_sets(marker, &[], groups);
    let tree =
        MarkerTree::from_str(&decided).map_err(|e| anyhow!("marker {marker:?} cannot be read: {e}"))?;
    Ok(tree.evaluate(env, &[]))
}

/// The package's best wheel for the target, as an artifact.
fn choose(package: &Package, base: &Path, target: &Target<'_>) -> Result<Artifact> {
    if package.wheels.is_empty() {
        let kinds = [
            ("a source distribution", package.sdist.is_some()),
            ("a VCS checkout", package.vcs.is_some()),
            ("a directory", package.directory.is_some()),
            ("an archive", package.archive.is_some()),
        ];
        match kinds.iter().find(|(_, present)| *present) {
            Some((kind, _)) => {
                bail!("the lock gives {kind} but no wheel; installing that is not supported yet")
            }
            None => bail!("the lock gives no file to install"),
        }
    }
    let locked_version = package.version.as_deref().map(Version::from_str).transpose().ok().flatten();
    let mut found = Vec::new();
    let mut best: Option<(Preference, &Wheel, WheelFilename, String, String)> = None;
    for wheel in &package.wheels {
        let (filename, url) = locate(wheel, base)?;
        let parsed = WheelFilename::parse(&filename)?;
        if normalize(&parsed.name) != normalize(&package.name) {
            bail!("{filename} is not a wheel of {}", package.name);
        }
        if let (Some(locked), Ok(own)) = (&locked_version, Version::from_str(&parsed.version)) {
            if *locked != own {
                bail!("{filename} is not version {locked}");
            }
        }
        if wheel.hashes.is_empty() {
            bail!("{filename} has no hashes; a lock must give them");
        }
        found.push(filename.clone());
        let Some(preferred) = preference(target, &parsed) else { continue };
        if best.as_ref().is_none_or(|(p, ..)| preferred < *p) {
            best = Some((preferred, wheel, parsed, filename, url));
        }
    }
    let Some((_, wheel, parsed, filename, url)) = best else {
        bail!("no wheel in the lock fits {}: found {}", target.description, found.join(", "));
    };
    let mut artifact = Artifact::new(parsed.name, parsed.version, filename, url);
    artifact.hashes =
        wheel.hashes.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.to_ascii_lowercase())).collect();
    artifact.size = wheel.size;
    artifact.requires_python = package.requires_python.clone();
    Ok(artifact)
}

/// The wheel's file name and URL: `url`, else `path` (relative to the lock
/// file's folder) as a `file://` URL; the name is `name`, else the URL's or
/// path's last segment.
fn locate(wheel: &Wheel, base: &Path) -> Result<(String, String)> {
    let url = match (&wheel.url, &wheel.path) {
        (Some(url), _) => {
            url::Url::parse(url).map_err(|e| anyhow!("wheel URL {url:?} cannot be read: {e}"))?
        }
        (None, Some(path)) => {
            let full = std::path::absolute(base.join(path))?;
            url::Url::from_file_path(&full)
                .map_err(|()| anyhow!("wheel path {path:?} cannot be made a URL"))?
        }
        (None, None) => bail!("a wheel has neither url nor path"),
    };
    let (from_url, url) = wheelpipe::index::split_file_url(url, &mut Default::default());
    Ok((wheel.name.clone().unwrap_or(from_url), url))
}
