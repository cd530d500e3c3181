//! Backtracking resolution with PubGrub: the root requirements, the
//! index's versions and each candidate's metadata (read ahead in parallel
//! by [`fetcher`]) give the newest set of versions that fits together and
//! fits the target interpreter; or, when there is none, an explanation.

mod candidate;
mod direct;
mod early;
mod explain;
mod fetcher;
mod package;
mod project;
mod provider;
mod url_deps;

use std::collections::BTreeMap;

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::MarkerEnvironment;
use pubgrub::PubGrubError;
use wheelpipe::records::{Artifact, Satisfied};

pub use early::{Early, Sink};
pub use fetcher::Context;
pub use provider::Wanted;

use fetcher::{Fetcher, THREADS};
use package::Package;
use provider::Provider;

/// What resolution gives: one wheel a distribution, by normalized name.
#[derive(Debug)]
pub struct Resolution {
    pub artifacts: Vec<Artifact>,
    /// Installed distributions kept as they are.
    pub satisfied: Vec<Satisfied>,
    /// Yanked files used, invalid metadata lines ignored, missing extras.
    pub warnings: Vec<String>,
}

/// Why resolution failed.
#[derive(Debug)]
pub enum Failed {
    /// The requirements cannot all be met; the text says why, step by step.
    NoSolution(String),
    /// Reading the index or metadata failed, or the run was interrupted.
    Stopped(String),
}

/// Resolves `wanted` (with `constraints`) for the interpreter of `cx`.
pub fn resolve(
    cx: Context<'_>,
    env: &MarkerEnvironment,
    pre: bool,
    wanted: &[(String, Wanted)],
    constraints: &BTreeMap<String, VersionSpecifiers>,
) -> Result<Resolution, Failed> {
    let direct = cx.direct;
    let cx_installed = cx.installed;
    let fetcher = Fetcher::new(cx);
    for (name, w) in wanted {
        fetcher.prefetch_page(name, Some(w.specifiers.iter().cloned().collect()));
    }
    let (solved, provider) = solve(&fetcher, env, pre, wanted, constraints);
    let unbuildable = provider.unbuildable.take();
    let solution = match solved {
        Ok(solution) if unbuildable.is_empty() => solution,
        Ok(_) => return Err(Failed::Stopped(unbuildable_report(&unbuildable))),
        Err(e) => return Err(failure(*e, &fetcher, &provider, &unbuildable)),
    };
    let mut warnings = fetcher.take_warnings();
    let mut artifacts = Vec::new();
    let mut satisfied = Vec::new();
    for (package, version) in solution.iter() {
        let Package::Dist(name) = package else { continue };
        let requested = wanted.iter().any(|(n, _)| n == name);
        let candidate = fetcher.done_candidate(name, version).and_then(|c| match c.as_ref() {
            Ok(c) => Some(c.choice.as_ref().map(|c| (c.artifact.clone(), c.yanked.clone()))),
            Err(_) => None,
        });
        let (mut artifact, yanked) = match candidate {
            Some(Some(found)) => found,
            Some(None) => {
                let (dist, _) = cx_installed.keepable(name).expect("an installed candidate is keepable");
                satisfied.push(Satisfied {
                    name: dist.name.clone(),
                    version: dist.version.clone(),
                    requested,
                    location: dist.location.clone(),
                });
                continue;
            }
            None => return Err(Failed::Stopped(format!("{name} {version}: chosen without its metadata"))),
        };
        if let Some(reason) = yanked {
            let because = if reason.is_empty() { String::new() } else { format!(": {reason}") };
            warnings.push(format!("{} {} is yanked{because}", artifact.name, artifact.version));
        }
        artifact.requested = requested;
        artifact.direct = direct.contains_key(name.as_str()) || fetcher.url_deps.get(name).is_some();
        artifact.reinstall = cx_installed.reinstalls(name);
        artifact.requirement_name = provider.spelling(name);
        artifacts.push(artifact);
    }
    artifacts.sort_by_key(|a| wheelpipe::names::normalize(&a.name));
    satisfied.sort_by_key(|s| wheelpipe::names::normalize(&s.name));
    Ok(Resolution { artifacts, satisfied, warnings })
}

/// The sdists (by name and version) and folders or checkouts (by name and
/// `@ URL`) whose metadata could not be read, and why.
pub type Unbuildable = BTreeMap<(String, String), String>;

type Solved<'f, 'a> =
    Result<pubgrub::SelectedDependencies<Package, Version>, Box<PubGrubError<Provider<'f, 'a>>>>;

/// Runs the solver while the fetcher's threads read ahead; again, with
/// what was read kept, each time a dependency's URL changes a project the
/// solver had met.
fn solve<'f, 'a>(
    fetcher: &'f Fetcher<'a>,
    env: &'a MarkerEnvironment,
    pre: bool,
    wanted: &[(String, Wanted)],
    constraints: &BTreeMap<String, VersionSpecifiers>,
) -> (Solved<'f, 'a>, Provider<'f, 'a>) {
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| fetcher.work());
        }
        let (solved, provider) = loop {
            let provider = Provider::new(fetcher, env, pre, wanted.to_vec(), constraints.clone());
            let solved = pubgrub::resolve(&provider, Package::Root, provider.root_version.clone());
            if solved.is_err() && provider.restart.get() {
                continue;
            }
            break (solved, provider);
        };
        if solved.is_err() && fetcher.noted_sdist_only() {
            // The other sources read ahead: all of them in one error, not one a run.
            fetcher.drain();
        }
        fetcher.close();
        (solved.map_err(Box::new), provider)
    })
}

/// The sdists whose metadata could not be read: one with its whole
/// story (the backend's last lines included), several in one line each.
fn unbuildable_report(unbuildable: &Unbuildable) -> String {
    match unbuildable.iter().next() {
        // A folder's or checkout's story does not start with its name: the URL first.
        Some(((name, at), why)) if unbuildable.len() == 1 && at.starts_with('@') => {
            format!("{name} {at}: {why}")
        }
        Some((_, why)) if unbuildable.len() == 1 => why.clone(),
        _ => explain::sources(&BTreeMap::new(), unbuildable),
    }
}

/// What to tell the user when the resolution did not succeed (with the
/// sdists met whose metadata could not be read, if any).
fn failure(
    error: PubGrubError<Provider<'_, '_>>,
    fetcher: &Fetcher<'_>,
    provider: &Provider<'_, '_>,
    unbuildable: &Unbuildable,
) -> Failed {
    let with_sources = |why: String| {
        if unbuildable.is_empty() {
            why
        } else {
            format!("{}\n{why}", unbuildable_report(unbuildable))
        }
    };
    match error {
        PubGrubError::NoSolution(tree) => {
            let reasons = explain::reasons(&tree);
            let hashes: Vec<&String> =
                reasons.iter().filter(|r| r.contains(crate::select::NO_HASH_MATCHES)).collect();
            if !hashes.is_empty() {
                // What to fix is the hash: the derivation around it says nothing more.
                let hashes: Vec<&str> = hashes.into_iter().map(String::as_str).collect();
                Failed::Stopped(hashes.join("\n"))
            } else if reasons.iter().any(|r| r.ends_with(candidate::SDIST_ONLY)) {
                Failed::Stopped(explain::sources(&fetcher.sdist_only(), unbuildable))
            } else if unbuildable.is_empty() {
                Failed::NoSolution(explain::explain(&tree, &|p, r| provider.describe(p, r)))
            } else {
                let why = explain::explain(&tree, &|p, r| provider.describe(p, r));
                Failed::Stopped(with_sources(format!("and no set of versions fits the requirements:\n{why}")))
            }
        }
        PubGrubError::ErrorRetrievingDependencies { source, .. } => Failed::Stopped(with_sources(source.0)),
        PubGrubError::ErrorChoosingVersion { source, .. } => Failed::Stopped(with_sources(source.0)),
        PubGrubError::ErrorInShouldCancel(source) => Failed::Stopped(source.0),
    }
}
