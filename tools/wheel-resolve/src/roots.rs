//! From parsed requirement files to what the solver starts from: the
//! requirements whose markers hold for the target interpreter, merged by
//! name (specifiers joined, extras united), the constraints (`-c`) that do
//! apply, and the `--hash` values. In hash-checking mode every requirement
//! must be pinned and hashed, as pip demands ([`crate::pins`] checks that).

use std::collections::BTreeMap;

use pep440_rs::VersionSpecifiers;
use pep508_rs::{MarkerEnvironment, VersionOrUrl};
use wheelpipe::names::normalize;

use crate::pins::{self, Pin};
use crate::requirements::{Hash, ParseError, Requirements};
use crate::resolver::Wanted;

/// The start of a resolution.
#[derive(Debug, Default)]
pub struct Roots {
    /// By normalized name, in the order first met.
    pub wanted: Vec<(String, Wanted)>,
    pub constraints: BTreeMap<String, VersionSpecifiers>,
    /// `name @ URL` requirements (wheels) by normalized name.
    pub direct: BTreeMap<String, String>,
    /// `--hash` values by normalized name.
    pub hashes: BTreeMap<String, Vec<Hash>>,
    /// Hash-checking mode: the pins every resolved distribution must be among.
    pub pins: Option<Vec<Pin>>,
}

fn specifiers(version_or_url: &Option<VersionOrUrl>) -> Vec<pep440_rs::VersionSpecifier> {
    match version_or_url {
        Some(VersionOrUrl::VersionSpecifier(s)) => s.iter().cloned().collect(),
        _ => Vec::new(),
    }
}

/// The roots of `reqs` for `env`, or every problem found, each naming its file and line.
pub fn collect(reqs: &Requirements, env: &MarkerEnvironment) -> Result<Roots, Vec<ParseError>> {
    let hashing = reqs.options.require_hashes
        || reqs.requirements.iter().chain(&reqs.constraints).any(|e| !e.hashes.is_empty());
    let mut roots = Roots::default();
    if hashing {
        let pins = pins::collect(reqs, env)?;
        for pin in &pins {
            roots.hashes.insert(pin.name.clone(), pin.hashes.clone());
        }
        roots.pins = Some(pins);
    }
    let mut direct_conflicts = Vec::new();
    for entry in reqs.requirements.iter().filter(|e| e.requirement.evaluate_markers(env, &[])) {
        let name = normalize(entry.requirement.name.as_ref());
        let at = match roots.wanted.iter().position(|(n, _)| *n == name) {
            Some(at) => at,
            None => {
                let spelling = wheelpipe::names::as_written(&entry.text, &name).map(String::from);
                roots.wanted.push((name.clone(), Wanted { spelling, ..Wanted::default() }));
                roots.wanted.len() - 1
            }
        };
        let wanted = &mut roots.wanted[at].1;
        wanted.specifiers.extend(specifiers(&entry.requirement.version_or_url));
        for extra in &entry.requirement.extras {
            let extra = normalize(extra.as_ref());
            if !wanted.extras.contains(&extra) {
                wanted.extras.push(extra);
            }
        }
        if let Some(VersionOrUrl::Url(url)) = &entry.requirement.version_or_url {
            let url = url.to_string();
            match roots.direct.get(&name) {
                Some(first) if *first != url => direct_conflicts.push(pins::error(
                    &entry.location,
                    format!("{name} @ {url} conflicts with {name} @ {first} given before"),
                )),
                _ => _ = roots.direct.insert(name.clone(), url),
            }
        }
    }
    for entry in reqs.constraints.iter().filter(|e| e.requirement.evaluate_markers(env, &[])) {
        let name = normalize(entry.requirement.name.as_ref());
        let kept = roots.constraints.entry(name).or_insert_with(|| VersionSpecifiers::from_iter([]));
        *kept = kept.iter().cloned().chain(specifiers(&entry.requirement.version_or_url)).collect();
    }
    if !direct_conflicts.is_empty() {
        return Err(direct_conflicts);
    }
    Ok(roots)
}
