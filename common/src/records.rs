//! The record types of the pipe protocol v1 (see PROTOCOL.md), defined once.
//!
//! Every record is one JSON object on one line with a `"type"` field. Readers
//! ignore fields they do not know, and a stage passes through unchanged every
//! record whose type it does not own, unknown types included: that is what
//! [`Line::Other`] is for.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::hash::{InvalidSha256, Sha256};

/// The protocol version this code speaks; see PROTOCOL.md for the policy.
pub const PROTOCOL_VERSION: u32 = 1;

/// A distribution's `name` is written in its PEP 503 normalized form
/// (`charset-normalizer`, `django`), whatever the wheel's filename or its
/// METADATA wrote (`charset_normalizer`, `Django`): one distribution, one
/// name, in every record. Names read are taken as they come.
#[allow(clippy::ptr_arg)]
fn normalized<S: serde::Serializer>(name: &String, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&crate::names::normalize(name))
}

/// A wheel chosen to be installed. `wheel-resolve` writes it, `wheel-fetch`
/// adds `path`, `wheel-unpack` consumes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    /// The distribution's name as the index spells it.
    #[serde(serialize_with = "normalized")]
    pub name: String,
    pub version: String,
    pub filename: String,
    /// Where the wheel can be downloaded. Never carries credentials.
    pub url: String,
    /// Hash algorithm to lowercase hex digest; `sha256` whenever known.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hashes: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_python: Option<String>,
    /// True for a top-level requirement, false for a dependency.
    #[serde(default)]
    pub requested: bool,
    /// True when a `name @ URL` requirement named this wheel's URL: the
    /// installer writes PEP 610 `direct_url.json` for it, as pip does.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub direct: bool,
    /// Present when the index serves a PEP 658/714 metadata file at
    /// `{url}.metadata`: its hashes (algorithm to hex digest, possibly none).
    /// Absent when nobody knows (plain URLs, find-links folders, older writers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub core_metadata: Option<BTreeMap<String, String>>,
    /// The verified local file, once `wheel-fetch` has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// True when the installer must install this wheel even though the same
    /// version is installed already (`--reinstall`, `--reinstall-package`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reinstall: bool,
    /// What the file is: a wheel (the default, left out) or a source
    /// distribution that a build turns into one.
    #[serde(default, skip_serializing_if = "ArtifactKind::is_wheel")]
    pub kind: ArtifactKind,
    /// For `kind: "dir"`: install it as a PEP 660 editable (`-e`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub editable: bool,
    /// For `kind: "dir"` checked out of a version control system: what
    /// PEP 610's `vcs_info` records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vcs: Option<Box<VcsInfo>>,
    /// For `kind: "dir"`: the project's folder inside the URL's tree
    /// (`#subdirectory=`), as PEP 610 records it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdirectory: Option<String>,
    /// The project's name as the requirement that brought it in wrote it
    /// (`Edge_Pkg`, not normalized): pip names the folder of a wheel's
    /// headers so. Left out when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirement_name: Option<String>,
}

/// A checkout's identity, as PEP 610's `vcs_info` holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VcsInfo {
    /// `git`.
    pub vcs: String,
    /// The full commit the revision resolved to.
    pub commit_id: String,
    /// The revision the requirement named (`@v1.0`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_revision: Option<String>,
}

/// An artifact's kind of file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArtifactKind {
    #[default]
    Wheel,
    /// A source distribution (`.tar.gz`, `.zip`): built into a wheel by
    /// `wheelpipe::build` before it is installed.
    Sdist,
    /// A project folder on this machine (a path, a `file:` folder URL, or a
    /// VCS checkout): `path` names it and a build makes its wheel.
    Dir,
}

impl ArtifactKind {
    pub fn is_wheel(&self) -> bool {
        *self == ArtifactKind::Wheel
    }
}

impl Artifact {
    /// A requested artifact with only what every artifact has; the optional
    /// fields start empty.
    pub fn new(name: String, version: String, filename: String, url: String) -> Artifact {
        Artifact {
            name,
            version,
            filename,
            url,
            hashes: BTreeMap::new(),
            size: None,
            requires_python: None,
            requested: true,
            direct: false,
            core_metadata: None,
            path: None,
            reinstall: false,
            kind: ArtifactKind::Wheel,
            editable: false,
            vcs: None,
            subdirectory: None,
            requirement_name: None,
        }
    }

    /// True for a source distribution: its `kind` says so, or, from a
    /// writer older than `kind`, its filename does.
    pub fn is_sdist(&self) -> bool {
        self.kind == ArtifactKind::Sdist
            || (self.kind != ArtifactKind::Dir && crate::wheel_name::is_sdist_name(&self.filename))
    }

    /// The `sha256` of `hashes`, as written.
    pub fn sha256(&self) -> Option<&str> {
        self.hashes.get("sha256").map(String::as_str)
    }

    /// The `sha256` of `hashes`, checked: an error when it is not 64 hex
    /// digits. What a path into the cache or a hash check is made from.
    pub fn sha256_digest(&self) -> Result<Option<Sha256>, InvalidSha256> {
        self.sha256().map(Sha256::parse).transpose()
    }
}

/// A wheel a downstream `wheel-fetch` may start downloading before the
/// resolution ends: `wheel-resolve` writes one as soon as it knows the file
/// an exact pin (`==1.0`, `===1.0`) will use. Only a promise: the `artifact`
/// that confirms it (same `url` or sha256) may come, or not (the resolution
/// failed); a fetch drops what no artifact confirmed. The fields mean what
/// an artifact's do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hint {
    #[serde(serialize_with = "normalized")]
    pub name: String,
    pub version: String,
    pub filename: String,
    /// Where the wheel can be downloaded. Never carries credentials.
    pub url: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hashes: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

impl Hint {
    /// The hint of the wheel `artifact` will name.
    pub fn of(artifact: &Artifact) -> Hint {
        Hint {
            name: artifact.name.clone(),
            version: artifact.version.clone(),
            filename: artifact.filename.clone(),
            url: artifact.url.clone(),
            hashes: artifact.hashes.clone(),
            size: artifact.size,
        }
    }

    /// The artifact this hint announces, as a fetch works on it (not
    /// requested, no optional field but the hashes and size).
    pub fn to_artifact(&self) -> Artifact {
        Artifact {
            hashes: self.hashes.clone(),
            size: self.size,
            requested: false,
            ..Artifact::new(self.name.clone(), self.version.clone(), self.filename.clone(), self.url.clone())
        }
    }
}

/// A wheel being downloaded: the temporary file its bytes go to and how many
/// of its first bytes are written for good, so that a later stage may read
/// it while it arrives (`wheel-unpack` unpacks it). Written by `wheel-fetch`
/// only when its stdout is a pipe, again as `ready` grows; the `artifact`
/// record still comes once the file is whole and verified, and nothing read
/// before it may be trusted until checked against that file. A new `file`,
/// or a `ready` below an earlier one, voids what was read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Arriving {
    pub filename: String,
    /// The sha256 the file must have (lowercase hex).
    pub sha256: String,
    pub size: u64,
    /// The temporary file, renamed into the store once verified.
    pub file: PathBuf,
    /// The first `ready` bytes of `file` are written and stay as they are.
    pub ready: u64,
}

/// Where a `metadata` record's contents came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetadataSource {
    /// The index's PEP 658 `.metadata` file.
    Pep658,
    /// HTTP range requests into the wheel.
    Range,
    /// The whole wheel was downloaded.
    Full,
    /// A wheel on the local disk.
    Local,
}

/// How the metadata of a source (an sdist or a project folder) was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetadataFrom {
    /// The sdist's PKG-INFO: Metadata 2.2 or newer, the fields a resolver
    /// reads not `Dynamic`.
    PkgInfo,
    /// The backend's `prepare_metadata_for_build_wheel` (or `_editable`).
    PrepareHook,
    /// The wheel built, for a backend without that hook.
    BuiltWheel,
}

/// A wheel's core metadata, as `wheel-meta` reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    #[serde(serialize_with = "normalized")]
    pub name: String,
    pub version: String,
    #[serde(default)]
    pub requires_dist: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_python: Option<String>,
    #[serde(default)]
    pub provides_extra: Vec<String>,
    pub source: MetadataSource,
    /// The URL or path the metadata was read for.
    pub url: String,
    /// Bytes received over the network to read it (0 for local files).
    #[serde(default)]
    pub bytes: u64,
    /// HTTP requests made to read it.
    #[serde(default)]
    pub requests: u32,
    /// For an sdist or a project folder: how its metadata was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_source: Option<MetadataFrom>,
}

/// How a file reached the virtualenv.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkMode {
    Link,
    Clone,
    Copy,
}

/// A distribution installed into the virtualenv by `wheel-unpack`, or
/// found in it by `wheel-list`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Installed {
    #[serde(serialize_with = "normalized")]
    pub name: String,
    pub version: String,
    /// Number of files written, RECORD included (for `wheel-list`: the
    /// rows of RECORD).
    pub files: u64,
    /// How the files came; `wheel-unpack` always says, `wheel-list` cannot
    /// know and leaves it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub how: Option<LinkMode>,
    /// INSTALLER's first line (`pip`, `uv`, `wheelpipe`), from `wheel-list`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installer: Option<String>,
    /// Whether REQUESTED is there (a user asked for it by name), from `wheel-list`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested: Option<bool>,
    /// The URL of PEP 610's `direct_url.json`, from `wheel-list`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct_url: Option<String>,
}

/// Where the run's build environments get their requirements: the index
/// settings `wheel-resolve` used, written once, before its first artifact,
/// when an artifact it writes is to be built (an sdist or a folder). A
/// later stage that builds (`wheel-build`, `wheel-unpack`, `wheel-meta`)
/// resolves build requirements from these instead of its own configuration
/// (unless its own command line names an index), and passes the record on.
/// URLs never carry credentials: a stage finds them as `wheel-resolve`
/// did (see [`crate::build::index`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    /// The main index; absent with `--no-index`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_url: Option<String>,
    #[serde(default)]
    pub extra_index_urls: Vec<String>,
    /// Folders (absolute paths) and URLs of `--find-links`.
    #[serde(default)]
    pub find_links: Vec<String>,
}

/// A distribution the target environment already has at a version that
/// satisfies the requirements, kept as it is: nothing to fetch or install.
/// `wheel-resolve` writes it, `wheel-fetch` passes it on, `wheel-unpack`
/// consumes it (it belongs to the set, e.g. for `--exact`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Satisfied {
    #[serde(serialize_with = "normalized")]
    pub name: String,
    pub version: String,
    /// True for a top-level requirement, false for a dependency.
    #[serde(default)]
    pub requested: bool,
    /// The site-packages folder that holds it: the venv's own, or the base
    /// interpreter's for a venv made with `--system-site-packages`.
    pub location: PathBuf,
}

/// A distribution removed from the virtualenv, by `wheel-remove` or by
/// `wheel-unpack --exact`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removed {
    #[serde(serialize_with = "normalized")]
    pub name: String,
    pub version: String,
    /// Files removed, its `.dist-info` and `__pycache__` files included.
    pub files: u64,
}

/// Where a stage is. Rate-limited by the writer; forwarded downstream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub tool: String,
    pub done: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    #[serde(default)]
    pub bytes_done: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_total: Option<u64>,
    /// What is being worked on now (file names), for the display.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub active: Vec<String>,
    /// True on the stage's last `progress` record, written before its `end`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub finished: bool,
    /// What `done` and `total` count (`wheels`, `pages and metadata`), for
    /// the display; stages counting the same unit count the same items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// How grave a [`Message`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Error,
    Warning,
    Note,
}

/// A line for a person, sent downstream by a stage whose stdout is a pipe
/// and whose stderr is a terminal, so that the stage drawing the display
/// prints it above the lines instead of two processes writing over each
/// other (see PROTOCOL.md).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub tool: String,
    pub level: Level,
    pub text: String,
}

/// The last line of every stream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct End {
    pub tool: String,
    pub ok: bool,
    /// Records this tool produced (not counting passed-through ones).
    pub count: u64,
    #[serde(default = "default_version")]
    pub protocol: u32,
}

fn default_version() -> u32 {
    PROTOCOL_VERSION
}

impl End {
    pub fn new(tool: &str, ok: bool, count: u64) -> End {
        End { tool: tool.to_string(), ok, count, protocol: PROTOCOL_VERSION }
    }
}

/// A record of a type this code knows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    Artifact(Artifact),
    Hint(Hint),
    Arriving(Arriving),
    Metadata(Metadata),
    Installed(Installed),
    Satisfied(Satisfied),
    Index(Index),
    Removed(Removed),
    Progress(Progress),
    Message(Message),
    End(End),
}

/// One line of input: a known record, or any other JSON object, kept as its
/// original text so it can be passed through unchanged. Lines are read and
/// handed on one at a time, never kept by the thousand, so a record's size
/// (an artifact's is the largest) costs nothing worth a box at every match.
#[derive(Clone, Debug, PartialEq)]
#[allow(
    clippy::large_enum_variant,
    reason = "one line is parsed and handled at a time, never held in bulk: a box would cost an allocation a record"
)]
pub enum Line {
    Known(Record),
    Other(String),
}

impl Record {
    /// The record as one line of JSON, without the newline.
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).expect("records always serialize")
    }
}
