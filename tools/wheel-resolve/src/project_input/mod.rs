//! A project's own file given as the requirements input (`pyproject.toml`,
//! `setup.cfg`, `setup.py`, positional or `-r`), read as `uv pip install -r
//! pyproject.toml` reads it: the project's dependencies, the extras that
//! `--extra` and `--all-extras` select, and the PEP 735 groups `--group`
//! names; the project itself is not installed. What the file leaves to its
//! build backend (`dynamic` lists, a setup.py) comes from the backend's
//! `prepare_metadata_for_build_wheel`, through the build library, once the
//! target interpreter is known.

mod collect;
mod declared;
mod path_groups;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use pep508_rs::{ExtraName, MarkerEnvironment, MarkerTree, Requirement};
use wheelpipe::metadata::CoreMetadata;
use wheelpipe::names::normalize;

use crate::requirements::{Entry, Location};
pub use collect::Projects;
pub use declared::Declared;
pub use path_groups::PathGroup;

/// What the command line selects of the project files: `--extra`,
/// `--all-extras`, `--group NAME` (names normalized), and the
/// `--group PATH:NAME` values as given ([`PathGroup`]).
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub extras: Vec<String>,
    pub all_extras: bool,
    pub groups: Vec<String>,
    pub path_groups: Vec<String>,
}

/// The file names read as a project rather than as a requirements file.
const NAMES: [&str; 3] = ["pyproject.toml", "setup.cfg", "setup.py"];

/// True for a path whose file name is one of a project's own files.
pub fn is_project_file(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| NAMES.contains(&n))
}

/// One project file, read.
#[derive(Clone, Debug)]
pub struct ProjectFile {
    pub path: PathBuf,
    pub declared: Declared,
}

/// One requirement a project file gives, before selection.
struct Dep {
    requirement: Requirement,
    /// As written.
    text: String,
    key: String,
    /// The extra a static list belongs to (`None`: always).
    extra: Option<String>,
    /// From the backend's metadata: its markers say which extras want it.
    from_metadata: bool,
}

impl ProjectFile {
    /// Reads and parses `path` (a setup.py is left to the backend); errors
    /// name the file and the key.
    pub fn read(path: &Path) -> Result<ProjectFile, String> {
        let file = path.display().to_string();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let text = || std::fs::read_to_string(path).map_err(|e| format!("{file}: cannot read: {e}"));
        let declared = match name {
            "pyproject.toml" => {
                let mut declared = declared::pyproject(&text()?, &file)?;
                // Only tool settings, beside a setup.py (as pip and uv read it): a setup.py project.
                if declared.no_project && path.with_file_name("setup.py").is_file() {
                    declared = Declared { only_backend: true, ..declared };
                }
                declared
            }
            "setup.cfg" => declared::setup_cfg(&text()?, &file)?,
            _ => {
                if !path.is_file() {
                    return Err(format!("{file}: no such file"));
                }
                Declared { only_backend: true, ..Declared::default() }
            }
        };
        Ok(ProjectFile { path: path.to_path_buf(), declared })
    }

    /// The folder whose backend is asked.
    pub fn root(&self) -> PathBuf {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    /// True when what `selection` asks of this file needs the backend's metadata.
    pub fn needs_backend(&self, selection: &Selection) -> bool {
        let d = &self.declared;
        let extras = selection.all_extras || !selection.extras.is_empty();
        d.only_backend || d.dependencies.is_none() || (extras && d.optional.is_none())
    }

    /// The extras this file's project provides.
    pub fn extras(&self, metadata: Option<&CoreMetadata>) -> BTreeSet<String> {
        match (metadata, &self.declared.optional) {
            (Some(m), _) => m.provides_extra.iter().map(|e| normalize(e)).collect(),
            (None, Some(optional)) => optional.keys().cloned().collect(),
            (None, None) => BTreeSet::new(),
        }
    }

    /// The requirement entries `selection` gives, in the file's order:
    /// dependencies, the selected extras' (a project's extra naming the
    /// project itself brings in that extra), then the groups.
    pub fn entries(
        &self,
        selection: &Selection,
        metadata: Option<&CoreMetadata>,
        env: &MarkerEnvironment,
    ) -> Result<Vec<Entry>, String> {
        let file = self.path.display().to_string();
        let deps = self.deps(metadata)?;
        let project = match metadata {
            Some(m) => Some(normalize(&m.name)),
            None => self.declared.name.clone(),
        };
        let mut extras: BTreeSet<String> = match selection.all_extras {
            true => self.extras(metadata),
            false => {
                selection.extras.iter().filter(|e| self.extras(metadata).contains(*e)).cloned().collect()
            }
        };
        let is_self = |d: &Dep| project.as_deref() == Some(&*normalize(d.requirement.name.as_ref()));
        // An extra that names the project's own extras (`all = ["me[a,b]"]`) brings them in.
        loop {
            let more: Vec<String> = deps
                .iter()
                .filter(|d| is_self(d) && active(d, &extras, env))
                .flat_map(|d| d.requirement.extras.iter().map(|e| normalize(e.as_ref())))
                .filter(|e| !extras.contains(e))
                .collect();
            if more.is_empty() {
                break;
            }
            extras.extend(more);
        }
        let mut entries = Vec::new();
        for dep in deps.into_iter().filter(|d| !is_self(d) && active(d, &extras, env)) {
            let (mut requirement, mut text) = (dep.requirement, dep.text);
            if dep.from_metadata {
                // Evaluated here with the extras; what is kept applies.
                requirement.marker = MarkerTree::TRUE;
                text = requirement.to_string();
            }
            entries.push(entry(requirement, text, &file, &dep.key));
        }
        for group in &selection.groups {
            if self.declared.groups.contains_key(group) {
                entries.extend(self.group_entries(group)?);
            }
        }
        Ok(entries)
    }

    /// The requirement entries of the dependency group `group` (normalized),
    /// its include-groups expanded.
    pub fn group_entries(&self, group: &str) -> Result<Vec<Entry>, String> {
        let file = self.path.display().to_string();
        let key = format!("[dependency-groups] {group}");
        let mut entries = Vec::new();
        for text in declared::group_requirements(&self.declared, group, &file)? {
            let requirement = parse(&text, &file, &key)?;
            entries.push(entry(requirement, text, &file, &key));
        }
        Ok(entries)
    }

    /// Every requirement the file (or the backend's metadata) lists.
    fn deps(&self, metadata: Option<&CoreMetadata>) -> Result<Vec<Dep>, String> {
        let file = self.path.display().to_string();
        if let Some(m) = metadata {
            let key = "Requires-Dist (from its build backend's metadata)";
            return m
                .requires_dist
                .iter()
                .map(|text| {
                    let requirement = parse(text, &file, key)?;
                    Ok(Dep {
                        requirement,
                        text: text.clone(),
                        key: key.into(),
                        extra: None,
                        from_metadata: true,
                    })
                })
                .collect();
        }
        let (deps_key, extras_key) = match self.path.file_name().and_then(|n| n.to_str()) {
            Some("setup.cfg") => ("[options] install_requires", "[options.extras_require]"),
            _ => ("[project] dependencies", "[project.optional-dependencies]"),
        };
        let mut out = Vec::new();
        for text in self.declared.dependencies.iter().flatten() {
            let requirement = parse(text, &file, deps_key)?;
            let text = text.clone();
            out.push(Dep { requirement, text, key: deps_key.into(), extra: None, from_metadata: false });
        }
        for (extra, list) in self.declared.optional.iter().flatten() {
            let key = format!("{extras_key} {extra}");
            for text in list {
                let requirement = parse(text, &file, &key)?;
                let (text, key, extra) = (text.clone(), key.clone(), Some(extra.clone()));
                out.push(Dep { requirement, text, key, extra, from_metadata: false });
            }
        }
        Ok(out)
    }
}

fn active(dep: &Dep, extras: &BTreeSet<String>, env: &MarkerEnvironment) -> bool {
    if dep.from_metadata {
        let names: Vec<ExtraName> = extras.iter().filter_map(|e| ExtraName::new(e.clone()).ok()).collect();
        return dep.requirement.evaluate_markers(env, &names);
    }
    dep.extra.as_ref().is_none_or(|e| extras.contains(e))
}

/// A requirement as a requirements file line would be read (so the same
/// kinds are supported), an error naming the file and key.
fn parse(text: &str, file: &str, key: &str) -> Result<Requirement, String> {
    crate::requirements::parse_requirement(text).map_err(|e| format!("{file}: {key}: {e}"))
}

fn entry(requirement: Requirement, text: String, file: &str, key: &str) -> Entry {
    Entry {
        requirement,
        hashes: Vec::new(),
        location: Location { file: format!("{file} {key}"), line: 0 },
        text,
    }
}
