//! What staging works on: a [`Job`] (a wheel to install, and how it was
//! named) goes in, a [`Staged`] wheel (its files in the staging folder, and
//! where each goes) comes out; [`Warn`] is how the steps between report.

use std::path::{Path, PathBuf};

use anyhow::Result;
use wheelpipe::names::normalize;
use wheelpipe::records::LinkMode;

/// Something that prints a warning (stderr, unless `--quiet`).
pub type Warn = dyn Fn(String) + Sync;

/// A wheel to install.
#[derive(Clone, Debug)]
pub struct Job {
    pub wheel: PathBuf,
    pub requested: bool,
    /// The name the `artifact` record gave, checked against the wheel.
    pub expected_name: Option<String>,
    /// The wheel's sha256 (hex) when the record says it.
    pub sha256: Option<String>,
    /// A direct URL requirement, whose `.dist-info` gets PEP 610's
    /// `direct_url.json` as pip writes it.
    pub direct: Option<Direct>,
    /// The project's name as the requirement spelled it
    /// (`artifact.requirement_name`): the folder of its headers.
    pub requirement_name: Option<String>,
}

impl Job {
    /// A wheel named by its path (an argument or a plain input line), as in
    /// `pip install ./x.whl`.
    pub fn path(wheel: PathBuf) -> Job {
        let direct = Some(Direct::Path);
        Job { wheel, requested: true, expected_name: None, sha256: None, direct, requirement_name: None }
    }
}

/// How a wheel was named directly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Direct {
    /// By its path (an argument or a plain line), as in `pip install ./x.whl`.
    Path,
    /// By a `name @ URL` requirement (`artifact.direct`): this URL.
    Url(String),
    /// A wheel built from an sdist that was named directly: as pip does,
    /// `direct_url.json` names the sdist (`how` it was named, its `path`
    /// here) and the sdist's sha256.
    Sdist { how: Box<Direct>, path: PathBuf, sha256: String },
    /// A project folder, a checkout or an editable (`crate::tree`).
    Tree(Box<crate::tree_info::TreeInfo>),
}

impl Direct {
    /// The URL `direct_url.json` records for `wheel`: its `file://` URL for
    /// a path, the named URL without its fragment.
    pub fn url(&self, wheel: &Path) -> Result<String> {
        Ok(match self {
            Direct::Path => wheelpipe::file_url::of_path(wheel)?,
            Direct::Url(url) => url.split('#').next().unwrap_or(url).to_string(),
            // The sdist, as it was named: what pip records for a built wheel.
            Direct::Sdist { how, path, .. } => how.url(path)?,
            Direct::Tree(info) => info.url.clone(),
        })
    }
}

/// A file ready in the staging folder, and where it goes.
#[derive(Clone, Debug)]
pub struct StagedFile {
    pub staged: PathBuf,
    pub dest: PathBuf,
}

/// A wheel whose files are all staged.
#[derive(Debug)]
pub struct Staged {
    pub wheel: PathBuf,
    /// As METADATA spells it.
    pub name: String,
    pub version: String,
    /// The `.dist-info` folder's destination.
    pub dist_info: PathBuf,
    pub files: Vec<StagedFile>,
    /// The wheel's staged tree: it and its siblings hold every staged
    /// file ([`Scheme::staged`]); none of them need exist.
    pub tree: PathBuf,
    /// How the files came from the cache.
    pub how: LinkMode,
    /// The normalized names its METADATA's `Requires-Dist` lines name
    /// (whatever their markers), for pip's install order.
    pub requires: Vec<String>,
}

impl Staged {
    pub fn key(&self) -> String {
        normalize(&self.name)
    }
}
