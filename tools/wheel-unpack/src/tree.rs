//! Project folders in the plain pipeline (`artifact` records of `kind:
//! "dir"`: a path, a `file:` folder, a git checkout, maybe editable): built
//! here by the build library for the venv's interpreter (PEP 660
//! `build_editable` for an editable), never taken from the built-wheel
//! cache since a folder's contents change; installed with pip's
//! `direct_url.json` (`dir_info`, `{"editable": true}` for an editable,
//! `vcs_info` for a checkout); and kept as "already satisfied" only where
//! that is safe: an editable of the same folder and version whose
//! pyproject.toml, setup.py and setup.cfg did not change since it was
//! installed (uv's rule: edits to the code need no reinstall, a change of
//! metadata does), or a checkout of the same URL at the same commit. A
//! plain folder is installed again every time, as pip does.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use wheelpipe::build::{self, Source};
use wheelpipe::names::{normalize, same_release};
use wheelpipe::records::{Artifact, Satisfied, VcsInfo};

use crate::keep::{Keep, Wanted};
use crate::stage::{Direct, Job};

/// What a folder's artifact says about where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeInfo {
    /// What `direct_url.json` records: `file:///folder`, or the repository.
    pub url: String,
    pub editable: bool,
    pub vcs: Option<VcsInfo>,
    pub subdirectory: Option<String>,
    pub name: String,
    pub version: String,
}

impl TreeInfo {
    pub fn of(artifact: &Artifact) -> TreeInfo {
        TreeInfo {
            url: artifact.url.clone(),
            editable: artifact.editable,
            vcs: artifact.vcs.as_deref().cloned(),
            subdirectory: artifact.subdirectory.clone(),
            name: artifact.name.clone(),
            version: artifact.version.clone(),
        }
    }

    /// PEP 610's `direct_url.json`, byte for byte as pip writes it
    /// (`json.dumps(..., sort_keys=True)`).
    pub fn direct_url_json(&self) -> Result<String> {
        let q = |s: &str| serde_json::to_string(s);
        let mut fields: Vec<(&str, String)> = vec![("url", q(&self.url)?)];
        if let Some(sub) = &self.subdirectory {
            fields.push(("subdirectory", q(sub)?));
        }
        match &self.vcs {
            Some(vcs) => {
                let mut info = vec![("commit_id", q(&vcs.commit_id)?), ("vcs", q(&vcs.vcs)?)];
                if let Some(rev) = &vcs.requested_revision {
                    info.push(("requested_revision", q(rev)?));
                }
                fields.push(("vcs_info", object(info)));
            }
            None if self.editable => fields.push(("dir_info", "{\"editable\": true}".to_string())),
            None => fields.push(("dir_info", "{}".to_string())),
        }
        Ok(object(fields))
    }
}

/// `{"a": 1, "b": 2}` with the keys sorted, as Python's json.dumps writes it.
fn object(mut fields: Vec<(&str, String)>) -> String {
    fields.sort();
    let parts: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
    format!("{{{}}}", parts.join(", "))
}

/// The job of the wheel built from the folder `job.wheel`.
pub fn wheel_of(job: Job, info: &TreeInfo, settings: Option<&build::Settings>) -> Result<Job> {
    let Some(settings) = settings else {
        anyhow::bail!(
            "{}: a project folder, and building it needs a cache folder (--cache-dir)",
            job.wheel.display()
        );
    };
    let built = build::build(settings, &Source::Tree(job.wheel.clone()), info.editable)?;
    Ok(Job { wheel: built.wheel, sha256: Some(built.sha256), ..job })
}

/// The `satisfied` record when the venv has the folder's project in a way
/// that may be kept (see the module's comment).
pub fn keep(keep: &Keep, info: &TreeInfo, w: &Wanted) -> Result<Option<Satisfied>> {
    let key = normalize(&info.name);
    if w.reinstall || keep.reinstalls(&key) {
        return Ok(None);
    }
    let mut same = keep.present.iter().filter(|d| d.key() == key);
    let (Some(dist), None) = (same.next(), same.next()) else { return Ok(None) };
    if !same_release((&dist.name, &dist.version), (&info.name, &info.version)) {
        return Ok(None);
    }
    let Some(installed) = dist.direct_url().ok().flatten() else { return Ok(None) };
    if installed.url != info.url || installed.editable != info.editable {
        return Ok(None);
    }
    let kept = match &info.vcs {
        Some(vcs) => installed.commit_id.as_deref() == Some(vcs.commit_id.as_str()),
        None => info.editable && !metadata_changed(w.wheel, &dist.dist_info.join("direct_url.json")),
    };
    Ok(kept.then(|| crate::keep::satisfied(dist, w.requested)))
}

/// True when a file that holds a project's metadata in `folder` is newer
/// than `installed` (or either cannot be read).
fn metadata_changed(folder: &Path, installed: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let Some(when) = modified(installed) else { return true };
    ["pyproject.toml", "setup.py", "setup.cfg"]
        .iter()
        .filter_map(|f| modified(&folder.join(f)))
        .any(|changed| changed > when)
}

/// The job for a folder named directly as an argument or plain line
/// (`wheel-unpack --venv V ./proj`): built, its `file://` URL recorded.
pub fn direct_for_path(path: &Path) -> Result<Option<Direct>> {
    if !path.is_dir() {
        return Ok(None);
    }
    let abs: PathBuf = std::path::absolute(path).with_context(|| path.display().to_string())?;
    let name = abs.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let info = TreeInfo {
        url: Direct::Path.url(&abs)?,
        editable: false,
        vcs: None,
        subdirectory: None,
        name,
        version: String::new(),
    };
    Ok(Some(Direct::Tree(Box::new(info))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(editable: bool, vcs: Option<VcsInfo>, sub: Option<&str>) -> TreeInfo {
        TreeInfo {
            url: "file:///src/proj".into(),
            editable,
            vcs,
            subdirectory: sub.map(String::from),
            name: "proj".into(),
            version: "1.0".into(),
        }
    }

    #[test]
    fn direct_url_json_is_what_pip_writes() {
        let got = info(true, None, None).direct_url_json().unwrap();
        assert_eq!(got, r#"{"dir_info": {"editable": true}, "url": "file:///src/proj"}"#);
        let got = info(false, None, Some("py")).direct_url_json().unwrap();
        assert_eq!(got, r#"{"dir_info": {}, "subdirectory": "py", "url": "file:///src/proj"}"#);
        let vcs =
            VcsInfo { vcs: "git".into(), commit_id: "ab12".into(), requested_revision: Some("v1".into()) };
        let got = info(false, Some(vcs), None).direct_url_json().unwrap();
        assert_eq!(
            got,
            r#"{"url": "file:///src/proj", "vcs_info": {"commit_id": "ab12", "requested_revision": "v1", "vcs": "git"}}"#
        );
    }
}
