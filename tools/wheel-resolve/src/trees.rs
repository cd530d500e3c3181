//! Source trees before resolution, as pip prepares them (all at once): each
//! folder or git requirement whose marker holds is made concrete (a git URL
//! checked out into the cache at the commit its revision names), its metadata read from
//! its backend through the build library (`prepare_metadata_for_build_wheel`
//! or PEP 660's `_editable`), and it becomes a `name @ file:///folder`
//! requirement whose only candidate is that tree: its `kind: dir` artifact
//! and its metadata's dependencies, resolved like any other.

use std::collections::BTreeMap;
use std::str::FromStr;

use anyhow::{anyhow, bail, Context, Result};
use pep508_rs::{MarkerEnvironment, MarkerTree, Requirement};
use wheelpipe::build::{self, Source};
use wheelpipe::cache::Cache;
use wheelpipe::names::normalize;
use wheelpipe::records::{Artifact, ArtifactKind, Metadata, MetadataSource, VcsInfo};

use crate::requirements::trees::Place;
use crate::requirements::{Entry, Requirements, TreeEntry};

/// A tree ready for the solver: its artifact and metadata.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub artifact: Artifact,
    pub metadata: Metadata,
}

/// Prepares every tree of `reqs` whose marker holds for `env`, all at once
/// (each backend runs in a process of its own), adding its requirement to
/// `reqs`; the trees by normalized name.
pub fn prepare(
    reqs: &mut Requirements,
    env: &MarkerEnvironment,
    cache: Option<&Cache>,
    settings: Option<&build::Settings>,
) -> Result<BTreeMap<String, Prepared>> {
    let hashing = reqs.options.require_hashes || reqs.requirements.iter().any(|e| !e.hashes.is_empty());
    if let (true, Some(entry)) = (hashing, reqs.trees.first()) {
        let why = format!(
            "{}: `{}`: a folder or VCS URL cannot be installed in hash-checking mode: there is no one file to hash",
            entry.location, entry.text
        );
        return Err(wheelpipe::exit::Failure::usage(why).into());
    }
    let wanted = applicable(std::mem::take(&mut reqs.trees), env)?;
    let Some(first) = wanted.first() else { return Ok(BTreeMap::new()) };
    let (Some(cache), Some(settings)) = (cache, settings) else {
        bail!("{}: `{}` needs a cache folder to be built (--cache-dir)", first.location, first.text);
    };
    let done: Vec<Result<Prepared>> = std::thread::scope(|scope| {
        let running: Vec<_> = wanted
            .iter()
            .map(|entry| {
                scope.spawn(move || {
                    prepare_one(entry, cache, settings).with_context(|| format!("{}", entry.location))
                })
            })
            .collect();
        running
            .into_iter()
            .map(|r| r.join().unwrap_or_else(|_| Err(anyhow!("a preparation panicked"))))
            .collect()
    });
    let mut prepared = BTreeMap::new();
    for (entry, one) in wanted.into_iter().zip(done) {
        add(reqs, &mut prepared, entry, one?)?;
    }
    Ok(prepared)
}

/// The trees whose marker holds; a folder that is not there is bad input.
fn applicable(trees: Vec<TreeEntry>, env: &MarkerEnvironment) -> Result<Vec<TreeEntry>> {
    let mut wanted = Vec::new();
    for entry in trees {
        if let Some(marker) = &entry.tree.marker {
            let tree = MarkerTree::from_str(marker).map_err(|e| anyhow!("{}: {e}", entry.location))?;
            if !tree.evaluate(env, &[]) {
                continue;
            }
        }
        if let Place::Dir(path) = &entry.tree.place {
            if !path.is_dir() {
                let why = format!("{}: `{}`: {} is not a folder", entry.location, entry.text, path.display());
                return Err(wheelpipe::exit::Failure::usage(why).into());
            }
        }
        wanted.push(entry);
    }
    Ok(wanted)
}

/// Adds the prepared tree as the requirement `name[extras] @ file:///folder`.
fn add(
    reqs: &mut Requirements,
    prepared: &mut BTreeMap<String, Prepared>,
    entry: TreeEntry,
    one: Prepared,
) -> Result<()> {
    let name = normalize(&one.metadata.name);
    let folder = one.artifact.path.as_ref().expect("a prepared tree has its folder");
    let url = url::Url::from_file_path(folder).map_err(|()| anyhow!("{}: not absolute", folder.display()))?;
    let extras = if entry.tree.extras.is_empty() {
        String::new()
    } else {
        format!("[{}]", entry.tree.extras.join(","))
    };
    let text = format!("{name}{extras} @ {url}");
    let requirement = Requirement::from_str(&text).map_err(|e| anyhow!("{}: {text}: {e}", entry.location))?;
    reqs.requirements.push(Entry {
        requirement,
        hashes: Vec::new(),
        location: entry.location,
        text: entry.text,
    });
    if let Some(first) = prepared.get(&name).map(|p| &p.artifact) {
        if *first != one.artifact {
            bail!("{name} is named twice, from {} and from {}", first.url, one.artifact.url);
        }
    }
    prepared.insert(name, one);
    Ok(())
}

/// The folder (checked out when it is git), its metadata and its artifact.
pub(crate) fn prepare_one(entry: &TreeEntry, cache: &Cache, settings: &build::Settings) -> Result<Prepared> {
    let tree = &entry.tree;
    let (top, url, vcs) = match &tree.place {
        Place::Dir(path) => (path.clone(), wheelpipe::file_url::of_path(path)?, None),
        Place::Git { url, rev } => {
            let checkout = wheelpipe::git::checkout(cache, url, rev.as_deref())?;
            let vcs =
                VcsInfo { vcs: "git".into(), commit_id: checkout.commit, requested_revision: rev.clone() };
            (checkout.root, wheelpipe::http::redact(url), Some(Box::new(vcs)))
        }
    };
    let root = match &tree.subdirectory {
        Some(sub) if sub.split('/').any(|p| p == "..") => {
            bail!("`{}`: the subdirectory leaves the tree", entry.text)
        }
        Some(sub) => top.join(sub),
        None => top,
    };
    let (core, _) = build::metadata_for(settings, &Source::Tree(root.clone()), tree.editable)?;
    let metadata = core.into_record(MetadataSource::Local, url.clone(), 0, 0);
    if let Some(given) = &tree.name {
        if normalize(given) != normalize(&metadata.name) {
            bail!("`{}`: the project there is {}, not {given}", entry.text, metadata.name);
        }
    }
    let filename = root.file_name().map_or_else(|| "project".into(), |n| n.to_string_lossy().into_owned());
    let mut artifact = Artifact::new(metadata.name.clone(), metadata.version.clone(), filename, url);
    artifact.kind = ArtifactKind::Dir;
    artifact.path = Some(root);
    artifact.editable = tree.editable;
    artifact.vcs = vcs;
    artifact.subdirectory = tree.subdirectory.clone();
    artifact.requires_python = metadata.requires_python.clone();
    artifact.direct = true;
    Ok(Prepared { artifact, metadata })
}
