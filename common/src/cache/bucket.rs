//! The buckets of the cache, each a folder named with its layout's version
//! (`unpacked/v2`), as uv's `CacheBucket`: a bucket whose layout or format
//! changes gets a new version, and the old one is left for
//! `wheel-cache prune` to drop. Every path into the cache comes from here
//! and [`super::Cache`]; nothing else spells a bucket's name.

use std::path::PathBuf;

/// One kind of thing the cache keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Bucket {
    /// Downloaded wheels and sdists by sha256, `wheels/v1/{H[..2]}/{H}/{filename}`
    /// (wheel-fetch; v0 was `wheels/sha256/`).
    Wheels,
    /// Unpacked wheels by the wheel's sha256, `unpacked/v2/{H[..2]}/{H}/`
    /// (wheel-unpack: `manifest.json`, and `files/{k / 128}/{k % 128}` for
    /// the manifest's k-th entry; v1 kept the wheel's own tree under `files/`).
    Unpacked,
    /// Index project pages by the sha256 of their URL, `index/v1/{K}`.
    Index,
    /// `metadata` records by the sha256 of URL and wheel hash,
    /// `metadata/v1/{K[..2]}/{K}.json` (v0 had no version folder).
    Metadata,
    /// Build environments by requires set and interpreter,
    /// `build-envs/v1/{K[..2]}/{K}/` (a virtualenv).
    BuildEnvs,
    /// Wheels built from sources by source, interpreter and settings,
    /// `built/v1/{K[..2]}/{K}/{wheel filename}`.
    Built,
    /// The target interpreters' answers, `interpreters/v1/{name}.json`
    /// (v0 had no version folder).
    Interpreters,
    /// git checkouts by the repository's URL and the commit,
    /// `git/v1/{K[..2]}/{K}/` (moved in whole by a rename).
    Git,
}

/// What one entry of a bucket is on disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A folder `{K[..2]}/{K}/`, written under the entry's lock.
    ShardedFolder,
    /// A file `{K[..2]}/{K}.json`, written whole by a rename.
    ShardedFile,
    /// A file `{K}` directly in the bucket, written whole by a rename.
    File,
}

impl Bucket {
    pub const ALL: [Bucket; 8] = [
        Bucket::Wheels,
        Bucket::Unpacked,
        Bucket::Index,
        Bucket::Metadata,
        Bucket::BuildEnvs,
        Bucket::Built,
        Bucket::Interpreters,
        Bucket::Git,
    ];

    /// The bucket's folder under the root, without the version.
    pub fn name(self) -> &'static str {
        match self {
            Bucket::Wheels => "wheels",
            Bucket::Unpacked => "unpacked",
            Bucket::Index => "index",
            Bucket::Metadata => "metadata",
            Bucket::BuildEnvs => "build-envs",
            Bucket::Built => "built",
            Bucket::Interpreters => "interpreters",
            Bucket::Git => "git",
        }
    }

    /// The version of the bucket's layout and format.
    pub fn version(self) -> u32 {
        match self {
            Bucket::Unpacked => 2,
            _ => 1,
        }
    }

    /// `{name}/v{version}`, relative to the cache root.
    pub fn folder(self) -> PathBuf {
        PathBuf::from(self.name()).join(format!("v{}", self.version()))
    }

    pub fn shape(self) -> Shape {
        match self {
            Bucket::Wheels | Bucket::Unpacked | Bucket::BuildEnvs | Bucket::Built | Bucket::Git => {
                Shape::ShardedFolder
            }
            Bucket::Metadata => Shape::ShardedFile,
            Bucket::Index | Bucket::Interpreters => Shape::File,
        }
    }

    /// The prefix of an entry's lock, `locks/{prefix}-{K}.lock`; the names
    /// are those the tools have always taken, so runs of older builds that
    /// share a bucket still exclude each other. File entries need none: they
    /// are written and removed by one rename.
    pub(super) fn lock_prefix(self) -> Option<&'static str> {
        match self {
            Bucket::Wheels => Some("wheel"),
            Bucket::Unpacked => Some("unpacked"),
            Bucket::BuildEnvs => Some("build-env"),
            Bucket::Built => Some("built"),
            Bucket::Git => Some("git"),
            Bucket::Index | Bucket::Metadata | Bucket::Interpreters => None,
        }
    }
}
