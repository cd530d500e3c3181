//! Where staging reads a wheel's files from: the zip itself (every entry
//! checked first, hashes checked while extracting), or the cache of
//! unpacked wheels (checked once, when it was filled); and how the planned
//! files get from there into the staging folder.

use std::fs;

use anyhow::{Context, Result};
use wheelpipe::cache::Cache;
use wheelpipe::records::LinkMode;

use crate::entries::{self, Entry};
use crate::extract::{self, Plan};
use crate::job::{Job, Warn};
use crate::link::{self, Linker};
use crate::scheme::Scheme;
use crate::unpacked::{self, Unpacked};
use crate::zipread::Zip;

/// A wheel's files: its zip, or its folder in the cache.
pub enum Contents {
    Zip(Zip),
    Cached(Unpacked),
}

impl Contents {
    /// The text of one file of the wheel, `None` when it has none.
    pub fn read_text(&mut self, name: &str) -> Result<Option<String>> {
        match self {
            Contents::Zip(archive) => entries::zip_text(archive, name),
            Contents::Cached(u) => {
                let Some(path) = u.path_of(name) else { return Ok(None) };
                let bytes = fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
                String::from_utf8(bytes).map(Some).with_context(|| format!("{name} is not UTF-8 text"))
            }
        }
    }
}

/// Where the wheel's files come from: the `cache` (unpacked into it now if
/// need be, checked when `verify`), else the zip itself.
pub fn open(
    job: &Job,
    cache: Option<&Cache>,
    verify: bool,
    names: (&str, &str),
    scheme: &Scheme,
    threads: usize,
) -> Result<(Contents, Vec<Entry>)> {
    let Some(cache) = cache else {
        let (archive, entries) = entries::open_zip(&job.wheel)?;
        return Ok((Contents::Zip(archive), entries));
    };
    let sha = job.sha256.as_deref();
    let result = unpacked::ensure(cache, &job.wheel, sha, names, scheme, verify, threads);
    let u = result.map_err(|mut e| {
        if let Some(u) = e.downcast_mut::<crate::trust::Untrusted>() {
            u.requested = job.requested;
        }
        e
    })?;
    let entries = u.entries();
    Ok((Contents::Cached(u), entries))
}

/// What [`place`] gives: each file's RECORD hash and size, how most came,
/// the entries unlike the wheel's RECORD, and whether the record's sha256
/// vouches for the wheel (see [`crate::trust`]).
pub type Placed = (Vec<(String, u64)>, LinkMode, Vec<String>, bool);

/// Extracts or links the planned files into the staging folder.
pub fn place(
    job: &Job,
    src: Contents,
    plans: &[Plan],
    python: &str,
    linker: &Linker,
    par: &link::Parallel,
    warn: &Warn,
) -> Result<Placed> {
    let is_record_sha = |h: &str| job.sha256.as_ref().is_some_and(|s| s.eq_ignore_ascii_case(h));
    Ok(match src {
        Contents::Zip(archive) => {
            let ex = extract::all(archive, plans, python, par.threads)?;
            // Hashing the wheel costs a read: only for a wheel that needs it.
            let vouched =
                !ex.mismatched.is_empty() && is_record_sha(&unpacked::wheel_sha256(&job.wheel, None)?);
            (ex.done, LinkMode::Copy, ex.mismatched, vouched)
        }
        Contents::Cached(u) => {
            let (done, how) = link::all(&u, plans, linker, python, par, warn)?;
            // The cache is keyed by the unpacked file's own sha256.
            let vouched = is_record_sha(&u.sha256);
            (done, how, u.manifest.mismatched, vouched)
        }
    })
}
