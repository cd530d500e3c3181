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

use crate::job::{Direct, Job};
use crate::tree_info::TreeInfo;

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
