//! Choosing the wheel for each pin among a project's files: same name, equal
//! version (PEP 440: `1.0` is `1.0.0`), Requires-Python admitting the
//! interpreter, tags that fit (best rank wins, then the highest build tag),
//! hashes matching the requirement's `--hash` values. When nothing is left,
//! the error says what was found and why it did not do.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifier, VersionSpecifiers};
use wheelpipe::index::DistFile;
use wheelpipe::names::normalize;
use wheelpipe::records::{Artifact, ArtifactKind};
use wheelpipe::wheel_name::WheelFilename;

use crate::pins::Pin;

/// What a wheel must fit.
pub struct Target<'a> {
    /// A wheel's tag rank for the interpreter (lower is better), `None` when it does not fit.
    pub rank: &'a (dyn Fn(&WheelFilename) -> Option<usize> + Sync),
    /// The interpreter's full version, for Requires-Python.
    pub python: Version,
    /// How messages name the interpreter: `CPython 3.11 (linux_x86_64)`.
    pub description: String,
    /// How messages name where files were looked for (URLs without credentials).
    pub sources: String,
}

impl Target<'_> {
    /// Whether the interpreter's version is in the Requires-Python `spec`;
    /// an error when `spec` cannot be read (index data then counts it as
    /// absent, as pip does; a lock file is refused).
    pub fn admits_python(&self, spec: &str) -> Result<bool, String> {
        let specifiers = VersionSpecifiers::from_str(spec).map_err(|e| e.to_string())?;
        Ok(specifiers.contains(&self.python))
    }
}

/// A wheel's tags' rank, then its build tag, highest first: lower is better.
pub(crate) type Preference = (usize, Reverse<Option<(u64, String)>>);

/// How much the interpreter wants `wheel`; `None` when its tags do not fit.
/// Every choice among wheels (index pages, lock files) goes by this.
pub(crate) fn preference(target: &Target<'_>, wheel: &WheelFilename) -> Option<Preference> {
    (target.rank)(wheel).map(|rank| (rank, Reverse(wheel.build.clone())))
}

/// The wheel chosen for a pin.
#[derive(Debug)]
pub struct Choice {
    pub artifact: Artifact,
    /// `Some(reason)` when the file is yanked (the reason may be empty).
    pub yanked: Option<String>,
}

/// The file's version when it is a source distribution of `name`.
pub(crate) fn sdist_version<'f>(filename: &'f str, name: &str) -> Option<&'f str> {
    let (project, version) = wheelpipe::wheel_name::sdist_name_version(filename)?;
    (normalize(project) == name).then_some(version)
}

fn version_matches(pin: &Pin, text: &str) -> bool {
    if pin.arbitrary {
        return text.eq_ignore_ascii_case(&pin.version_text);
    }
    Version::from_str(text).is_ok_and(|v| VersionSpecifier::equals_version(pin.version.clone()).contains(&v))
}

impl Choice {
    /// The choice of `file`, a wheel or an sdist (`kind`), as `name` and
    /// `version`, with its checked `hashes`; only a wheel's PEP 658 file is
    /// passed on (`core_metadata` speaks of a wheel's metadata).
    fn of(
        file: &DistFile,
        name: String,
        version: String,
        hashes: BTreeMap<String, String>,
        kind: ArtifactKind,
    ) -> Choice {
        let core_metadata = if kind == ArtifactKind::Sdist { None } else { file.core_metadata.clone() };
        let artifact = Artifact {
            hashes,
            size: file.size,
            requires_python: file.requires_python.clone(),
            core_metadata,
            kind,
            ..Artifact::new(name, version, file.filename.clone(), file.url.clone())
        };
        Choice { artifact, yanked: file.yanked.clone() }
    }
}

/// The hashes the artifact will carry, or why the file does not match the
/// requirement's `--hash` values.
fn checked_hashes(pin: &Pin, file: &DistFile) -> Result<BTreeMap<String, String>, String> {
    if pin.hashes.is_empty() {
        return Ok(file.hashes.clone());
    }
    if pin.hashes.iter().any(|h| file.hashes.get(&h.algorithm) == Some(&h.digest)) {
        return Ok(file.hashes.clone());
    }
    let known: Vec<String> = pin
        .hashes
        .iter()
        .filter_map(|h| file.hashes.get(&h.algorithm).map(|d| format!("{}:{d}", h.algorithm)))
        .collect();
    if !known.is_empty() {
        return Err(format!("{HASH_MISMATCH} {}", known.join(", ")));
    }
    // The index gives no hash to compare: with one sha256 expected,
    // wheel-fetch checks the download against it.
    match pin.hashes.as_slice() {
        [only] if only.algorithm == "sha256" => {
            let mut hashes = file.hashes.clone();
            hashes.insert("sha256".into(), only.digest.clone());
            Ok(hashes)
        }
        _ => Err("the index gives no hash to compare with the --hash values".into()),
    }
}

/// How a file whose hash is not among the `--hash` values is described.
const HASH_MISMATCH: &str = "has";

/// The start of the reason given when files exist but none has a `--hash` value.
pub const NO_HASH_MATCHES: &str = "no file matches the --hash values";

/// The best wheel for `pin` among `files`, or a message naming the pin and why none fits.
pub fn choose(pin: &Pin, files: &[DistFile], target: &Target<'_>) -> Result<Choice, String> {
    let mut other_versions = BTreeSet::new();
    let mut sdist = false;
    let mut rejected = Vec::new();
    let mut hash_mismatch = Vec::new();
    let mut candidates = Vec::new();
    for file in files {
        if !file.filename.ends_with(".whl") {
            match sdist_version(&file.filename, &pin.name) {
                Some(v) if version_matches(pin, v) => sdist = true,
                Some(v) => _ = other_versions.insert(v.to_string()),
                None => {}
            }
            continue;
        }
        let Ok(wheel) = WheelFilename::parse(&file.filename) else { continue };
        if normalize(&wheel.name) != pin.name {
            continue;
        }
        if !version_matches(pin, &wheel.version) {
            other_versions.insert(wheel.version.clone());
            continue;
        }
        if let Some(spec) = &file.requires_python {
            // pip ignores a Requires-Python it cannot parse; so do we.
            if target.admits_python(spec) == Ok(false) {
                rejected.push(format!("{} (Requires-Python {spec})", file.filename));
                continue;
            }
        }
        let Some(rank) = preference(target, &wheel) else {
            rejected.push(file.filename.clone());
            continue;
        };
        match checked_hashes(pin, file) {
            Ok(hashes) => candidates.push((file, wheel, rank, hashes)),
            Err(why) if why.starts_with(HASH_MISMATCH) => {
                hash_mismatch.push(format!("{} {why}", file.filename))
            }
            Err(why) => rejected.push(format!("{} ({why})", file.filename)),
        }
    }
    let best = candidates.into_iter().min_by_key(|(file, _, rank, _)| (file.yanked.is_some(), rank.clone()));
    let Some((file, wheel, _, hashes)) = best else {
        if rejected.is_empty() && !hash_mismatch.is_empty() {
            let expected: Vec<String> =
                pin.hashes.iter().map(|h| format!("{}:{}", h.algorithm, h.digest)).collect();
            return Err(format!(
                "{pin}: {NO_HASH_MATCHES} ({}): {}",
                expected.join(", "),
                hash_mismatch.join("; ")
            ));
        }
        return Err(no_candidate(pin, files, target, rejected, sdist, other_versions));
    };
    Ok(Choice::of(file, wheel.name, wheel.version, hashes, ArtifactKind::default()))
}

/// The source distribution of `pin` among `files` (a `.tar.gz` before
/// other archives, not yanked before yanked), when the wheels do not do or
/// `--no-binary` asks for a source: its Requires-Python and the `--hash`
/// values are checked as a wheel's are. `None` when there is no sdist of
/// that version; else the reason none fits.
pub fn choose_sdist(pin: &Pin, files: &[DistFile], target: &Target<'_>) -> Option<Result<Choice, String>> {
    let mut rejected = Vec::new();
    let mut candidates = Vec::new();
    // Only the archives the build library unpacks.
    let buildable = files.iter().filter(|f| wheelpipe::build::source::is_sdist_name(&f.filename));
    for file in buildable {
        let Some(version) = sdist_version(&file.filename, &pin.name) else { continue };
        if !version_matches(pin, version) {
            continue;
        }
        if let Some(spec) = &file.requires_python {
            if target.admits_python(spec) == Ok(false) {
                rejected.push(format!("{} (Requires-Python {spec})", file.filename));
                continue;
            }
        }
        match checked_hashes(pin, file) {
            Ok(hashes) => candidates.push((file, version, hashes)),
            Err(why) => rejected.push(format!("{} ({why})", file.filename)),
        }
    }
    if candidates.is_empty() && rejected.is_empty() {
        return None;
    }
    let best = candidates.into_iter().min_by_key(|(file, _, _)| {
        (file.yanked.is_some(), !file.filename.to_ascii_lowercase().ends_with(".tar.gz"))
    });
    let Some((file, version, hashes)) = best else {
        return Some(Err(format!("{pin}: no source distribution fits: found {}", rejected.join(", "))));
    };
    let name =
        wheelpipe::wheel_name::sdist_name_version(&file.filename).map_or(pin.name.as_str(), |(n, _)| n);
    Some(Ok(Choice::of(file, name.to_string(), version.to_string(), hashes, ArtifactKind::Sdist)))
}

fn no_candidate(
    pin: &Pin,
    files: &[DistFile],
    target: &Target<'_>,
    rejected: Vec<String>,
    sdist: bool,
    other_versions: BTreeSet<String>,
) -> String {
    const SDIST: &str = "source distributions are not supported";
    if !rejected.is_empty() {
        let tail = if sdist { format!("; {SDIST}") } else { String::new() };
        return format!("{pin}: no wheel fits {}: found {}{tail}", target.description, rejected.join(", "));
    }
    if sdist {
        return format!("{pin}: there is only a source distribution of this version; {SDIST}");
    }
    if files.is_empty() || other_versions.is_empty() {
        return format!("{pin}: no such project on {}", target.sources);
    }
    let mut versions: Vec<(Option<Version>, String)> =
        other_versions.into_iter().map(|v| (Version::from_str(&v).ok(), v)).collect();
    versions.sort();
    let newest: Vec<String> = versions.into_iter().rev().take(10).map(|(_, v)| v).collect();
    format!("{pin}: no such version; the index has {}", newest.join(", "))
}

#[cfg(test)]
#[path = "select_tests.rs"]
mod tests;
