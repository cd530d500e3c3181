//! One resolution of parsed requirements: the roots, what the target
//! environment has and may move (`-U`, `-P`, `--reinstall`), the solver,
//! then the checks on what it chose: in hash-checking mode every wheel to
//! install must be pinned.
//! A lock installed as locked keeps what is installed at its versions.

use std::collections::BTreeMap;
use std::str::FromStr;

use anyhow::Result;
use clap::ArgMatches;
use pep508_rs::MarkerEnvironment;
use wheelpipe::cache::Cache;
use wheelpipe::exit::Exit;
use wheelpipe::http::Client;
use wheelpipe::index::IndexClient;
use wheelpipe::interpreter::InstalledDist;
use wheelpipe::names::normalize;
use wheelpipe::progress::Reporter;
use wheelpipe::records::{Artifact, Satisfied};

use crate::installed::{Installed, Upgrade};
use crate::requirements::format_control::FormatControl;
use crate::requirements::Requirements;
use crate::{fail, resolver, roots, select};

/// Everything a resolution needs to know about the run.
pub struct Run<'a> {
    pub matches: &'a ArgMatches,
    pub progress: &'a Reporter,
    pub cache: Option<&'a Cache>,
    pub index: &'a IndexClient<'a>,
    pub client: &'a Client,
    pub target: &'a select::Target<'a>,
    pub env: &'a MarkerEnvironment,
    /// What the target environment has (empty when it is not looked at).
    pub installed: BTreeMap<String, InstalledDist>,
    /// Reads sdists' metadata; `None` without a cache folder.
    pub build: Option<&'a wheelpipe::build::Settings>,
    /// Where the `hint` records of exact pins go; `None`: none are written.
    pub hints: Option<resolver::Sink<'a>>,
}

/// What to install and what to keep.
pub struct Chosen {
    pub artifacts: Vec<Artifact>,
    pub satisfied: Vec<Satisfied>,
}

fn strings(matches: &ArgMatches, id: &str) -> Vec<String> {
    matches.get_many::<String>(id).into_iter().flatten().cloned().collect()
}

/// The installed distributions with what `-U`, `-P` and `--reinstall` let move.
fn installed(run: &Run<'_>, roots: &roots::Roots) -> Installed {
    let m = run.matches;
    let upgrade = match (m.get_flag("upgrade"), m.get_one::<String>("upgrade-strategy").map(String::as_str)) {
        (false, _) => Upgrade::None,
        (true, Some("eager")) => Upgrade::All,
        (true, _) => Upgrade::Requested,
    };
    Installed::new(run.installed.clone(), upgrade)
        .upgrade_packages(strings(m, "upgrade-package"))
        .reinstall(m.get_flag("reinstall"), strings(m, "reinstall-package"))
        .roots(roots.wanted.iter().map(|(n, _)| n), roots.direct.keys())
}

/// The wheels `reqs` resolve to and the installed distributions kept, or
/// an error saying why there are none.
pub fn resolve(run: &Run<'_>, reqs: &Requirements) -> Result<Chosen> {
    let mut reqs = reqs.clone();
    let trees = crate::trees::prepare(&mut reqs, run.env, run.cache, run.build).map_err(|e| {
        if e.is::<wheelpipe::exit::Failure>() {
            e
        } else {
            fail(vec![format!("{e:#}")], Exit::Failed)
        }
    })?;
    let reqs = &reqs;
    let roots = roots::collect(reqs, run.env)
        .map_err(|errors| fail(errors.iter().map(ToString::to_string).collect(), Exit::Usage))?;
    let installed = installed(run, &roots);
    let format = FormatControl::new(&reqs.options.binary);
    let cx = resolver::Context {
        index: run.index,
        http: run.client,
        cache: run.cache,
        target: run.target,
        env: run.env,
        hashes: &roots.hashes,
        direct: &roots.direct,
        no_deps: run.matches.get_flag("no-deps"),
        progress: run.progress,
        installed: &installed,
        format: &format,
        prefer_binary: reqs.options.prefer_binary,
        build: run.build,
        trees: &trees,
        early: run.hints.map(|send| {
            resolver::Early::new(
                roots.wanted.iter().map(|(n, w)| (n, &w.specifiers[..])),
                &roots.constraints,
                send,
            )
        }),
    };
    let pre = reqs.options.pre;
    let resolution =
        resolver::resolve(cx, run.env, pre, &roots.wanted, &roots.constraints).map_err(|e| match e {
            resolver::Failed::NoSolution(why) => {
                fail(vec![format!("no set of versions fits the requirements:\n{why}")], Exit::Failed)
            }
            resolver::Failed::Stopped(why) => fail(vec![why], Exit::Failed),
        })?;
    // Not shown with --quiet: the console knows.
    for warning in &resolution.warnings {
        wheelpipe::console::warn(warning);
    }
    if let Some(pins) = &roots.pins {
        let unpinned: Vec<String> = resolution
            .artifacts
            .iter()
            .filter(|a| !pins.iter().any(|p| p.name == normalize(&a.name)))
            .map(|a| {
                format!(
                    "{} {} is needed as a dependency but is not in the requirements: in hash-checking \
                     mode every distribution must be pinned with == and --hash",
                    a.name, a.version
                )
            })
            .collect();
        if !unpinned.is_empty() {
            return Err(fail(unpinned, Exit::Failed));
        }
    }
    Ok(Chosen { artifacts: resolution.artifacts, satisfied: resolution.satisfied })
}

/// A lock's wheels, less what the environment has at the locked version
/// (kept, a `satisfied` record) unless a reinstall is asked for it.
pub fn keep_locked(
    matches: &ArgMatches,
    artifacts: Vec<Artifact>,
    dists: BTreeMap<String, InstalledDist>,
) -> Chosen {
    let installed = Installed::new(dists, Upgrade::None)
        .reinstall(matches.get_flag("reinstall"), strings(matches, "reinstall-package"));
    let mut chosen = Chosen { artifacts: Vec::new(), satisfied: Vec::new() };
    for mut artifact in artifacts {
        let name = normalize(&artifact.name);
        let locked = pep440_rs::Version::from_str(&artifact.version).ok();
        match installed.keepable(&name) {
            Some((dist, version)) if locked.as_ref() == Some(version) => chosen.satisfied.push(Satisfied {
                name: dist.name.clone(),
                version: dist.version.clone(),
                requested: artifact.requested,
                location: dist.location.clone(),
            }),
            _ => {
                artifact.reinstall = installed.reinstalls(&name);
                chosen.artifacts.push(artifact);
            }
        }
    }
    chosen
}
