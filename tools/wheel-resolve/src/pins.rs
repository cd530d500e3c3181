//! From parsed requirement lines to pins: each requirement's marker is
//! evaluated for the target interpreter, the ones that apply must be pinned
//! with `==` (or `===`), once, agreeing with the constraints, and carry
//! hashes when hash checking is on. Every problem is an error naming the
//! file and line.

use std::collections::BTreeMap;
use std::str::FromStr;

use anyhow::{Context, Result};
use pep440_rs::{Operator, Version};
use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder, VersionOrUrl};
use wheelpipe::interpreter::Interpreter;
use wheelpipe::names::normalize;

use crate::requirements::{Entry, Hash, Location, ParseError, Requirements};

/// One distribution to install at one version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pin {
    /// PEP 503 normalized.
    pub name: String,
    pub version: Version,
    /// The version as written after `==`.
    pub version_text: String,
    /// Pinned with `===`: the file's version must be the same text.
    pub arbitrary: bool,
    pub hashes: Vec<Hash>,
    pub location: Location,
}

impl std::fmt::Display for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let op = if self.arbitrary { "===" } else { "==" };
        write!(f, "{}{op}{}", self.name, self.version_text)
    }
}

/// The PEP 508 environment of the target interpreter.
pub fn marker_environment(interpreter: &Interpreter) -> Result<MarkerEnvironment> {
    let m = |key: &str| interpreter.markers.get(key).map_or("", String::as_str);
    let (major, minor, micro) = interpreter.version;
    let full = format!("{major}.{minor}.{micro}");
    let short = format!("{major}.{minor}");
    // A development build says `3.13.0+`, which is no PEP 440 version.
    let full_marker =
        Some(m("python_full_version")).filter(|v| Version::from_str(v).is_ok()).unwrap_or(&full);
    let implementation_version =
        Some(m("implementation_version")).filter(|v| Version::from_str(v).is_ok()).unwrap_or(&full);
    MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: m("implementation_name"),
        implementation_version,
        os_name: m("os_name"),
        platform_machine: m("platform_machine"),
        platform_python_implementation: m("platform_python_implementation"),
        platform_release: m("platform_release"),
        platform_system: m("platform_system"),
        platform_version: m("platform_version"),
        python_full_version: full_marker,
        python_version: &short,
        sys_platform: m("sys_platform"),
    })
    .with_context(|| format!("the markers of {} are not valid", interpreter.executable.display()))
}

pub(crate) fn error(location: &Location, message: String) -> ParseError {
    ParseError { location: location.clone(), message }
}

/// The exact version an entry pins, or why it does not pin one.
fn pinned_version(entry: &Entry) -> Result<(Version, String, bool), ParseError> {
    let name = &entry.requirement.name;
    let not_pinned = || {
        error(&entry.location, format!("{name} is not pinned with ==: full resolution is not supported yet"))
    };
    let Some(VersionOrUrl::VersionSpecifier(specifiers)) = &entry.requirement.version_or_url else {
        return Err(not_pinned());
    };
    let mut iter = specifiers.iter();
    let (Some(only), None) = (iter.next(), iter.next()) else {
        return Err(not_pinned());
    };
    let text = entry.text.split_once("==").map(|(_, v)| v.trim_start_matches('=').trim_start());
    let text = text.and_then(|t| t.split([';', ' ', ',']).next()).unwrap_or("").trim().to_string();
    match only.operator() {
        Operator::Equal => Ok((
            only.version().clone(),
            if text.is_empty() { only.version().to_string() } else { text },
            false,
        )),
        Operator::ExactEqual => Ok((only.version().clone(), text, true)),
        _ => Err(not_pinned()),
    }
}

/// The pins of the requirements that apply to `env`, sorted by name; all
/// the problems found otherwise.
pub fn collect(reqs: &Requirements, env: &MarkerEnvironment) -> Result<Vec<Pin>, Vec<ParseError>> {
    let mut errors = Vec::new();
    let mut pins: BTreeMap<String, Pin> = BTreeMap::new();
    for entry in reqs.requirements.iter().filter(|e| e.requirement.evaluate_markers(env, &[])) {
        let (version, version_text, arbitrary) = match pinned_version(entry) {
            Ok(v) => v,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let name = normalize(entry.requirement.name.as_ref());
        let pin = Pin {
            name: name.clone(),
            version,
            version_text,
            arbitrary,
            hashes: entry.hashes.clone(),
            location: entry.location.clone(),
        };
        match pins.get_mut(&name) {
            None => {
                pins.insert(name, pin);
            }
            Some(first) if first.version != pin.version || first.arbitrary != pin.arbitrary => errors
                .push(error(&pin.location, format!("{pin} conflicts with {first} at {}", first.location))),
            Some(first) => {
                if let Err(message) = merge_hashes(&mut first.hashes, &pin.hashes) {
                    errors
                        .push(error(&pin.location, format!("{pin} (also at {}): {message}", first.location)));
                }
            }
        }
    }
    for constraint in reqs.constraints.iter().filter(|e| e.requirement.evaluate_markers(env, &[])) {
        let Some(pin) = pins.get_mut(&normalize(constraint.requirement.name.as_ref())) else { continue };
        if let Some(VersionOrUrl::VersionSpecifier(specifiers)) = &constraint.requirement.version_or_url {
            if !specifiers.contains(&pin.version) {
                let message =
                    format!("the constraint `{}` excludes {pin} (at {})", constraint.text, pin.location);
                errors.push(error(&constraint.location, message));
                continue;
            }
        }
        if let Err(message) = merge_hashes(&mut pin.hashes, &constraint.hashes) {
            errors.push(error(&constraint.location, format!("{pin} (at {}): {message}", pin.location)));
        }
    }
    let hashing = reqs.options.require_hashes || pins.values().any(|p| !p.hashes.is_empty());
    for pin in pins.values().filter(|p| hashing && p.hashes.is_empty()) {
        let why = if reqs.options.require_hashes {
            "--require-hashes is set"
        } else {
            "other requirements have one"
        };
        errors.push(error(&pin.location, format!("{pin} has no --hash, but hashes are required ({why})")));
    }
    if errors.is_empty() {
        Ok(pins.into_values().collect())
    } else {
        errors.sort_by(|a, b| (&a.location.file, a.location.line).cmp(&(&b.location.file, b.location.line)));
        Err(errors)
    }
}

/// Two hash lists for the same distribution: pip keeps the ones both allow.
fn merge_hashes(kept: &mut Vec<Hash>, more: &[Hash]) -> Result<(), String> {
    if more.is_empty() {
        return Ok(());
    }
    if kept.is_empty() {
        kept.extend(more.iter().cloned());
        return Ok(());
    }
    kept.retain(|h| more.contains(h));
    if kept.is_empty() {
        return Err("the --hash values of the two lines have nothing in common".into());
    }
    Ok(())
}

#[cfg(test)]
#[path = "pins_tests.rs"]
mod tests;
