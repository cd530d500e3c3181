//! The project files of one command line: read when the command line is,
//! then, once the interpreter and the build settings are known, turned into
//! requirement entries at the place the file was given (asking the build
//! backend where the file says to), with `--extra` and `--group` checked
//! against what the files provide.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Result;
use pep508_rs::MarkerEnvironment;
use wheelpipe::build::{metadata_of, Settings, Source};
use wheelpipe::exit::Failure;

use super::{ProjectFile, Selection};
use crate::requirements::Requirements;

/// The project files given, each with where its entries go among the requirements.
#[derive(Debug, Default)]
pub struct Projects {
    files: Vec<(usize, ProjectFile)>,
}

impl Projects {
    /// Reads `path`, whose entries go at `position`; a bad file is a usage error.
    pub fn add(&mut self, path: &Path, position: usize) -> Result<()> {
        let file = ProjectFile::read(path).map_err(Failure::usage)?;
        self.files.push((position, file));
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Puts every file's entries into `reqs`; the backend is asked where a
    /// file needs it (`build`: `None` without a cache folder). An extra or
    /// group no file has is a usage error.
    pub fn complete(
        self,
        reqs: &mut Requirements,
        selection: &Selection,
        build: Option<&Settings>,
        env: &MarkerEnvironment,
    ) -> Result<()> {
        if self.files.is_empty() {
            if selection.all_extras || !selection.extras.is_empty() {
                return Err(Failure::usage(
                    "--extra and --all-extras need a pyproject.toml, setup.cfg or setup.py as the requirements input",
                )
                .into());
            }
            return Ok(());
        }
        let names: Vec<String> = self.files.iter().map(|(_, f)| f.path.display().to_string()).collect();
        let files = names.join(", ");
        let (mut extras, mut groups) = (BTreeSet::new(), BTreeSet::new());
        // Last first, so that the positions of the earlier ones stay right.
        for (position, file) in self.files.into_iter().rev() {
            let metadata = match file.needs_backend(selection) {
                true => Some(backend_metadata(&file, build)?),
                false => None,
            };
            extras.extend(file.extras(metadata.as_ref()));
            groups.extend(file.declared.groups.keys().cloned());
            let entries = file.entries(selection, metadata.as_ref(), env).map_err(Failure::usage)?;
            reqs.requirements.splice(position..position, entries);
        }
        if let Some(missing) = selection.extras.iter().find(|e| !extras.contains(*e)) {
            let has = listed(&extras);
            return Err(Failure::usage(format!(
                "--extra {missing}: no such extra in {files} (extras: {has})"
            ))
            .into());
        }
        if let Some(missing) = selection.groups.iter().find(|g| !groups.contains(*g)) {
            let has = listed(&groups);
            return Err(Failure::usage(format!(
                "--group {missing}: no such group in [dependency-groups] of {files} (groups: {has})"
            ))
            .into());
        }
        Ok(())
    }
}

/// The project's metadata from its build backend (`prepare_metadata_for_build_wheel`).
fn backend_metadata(
    file: &ProjectFile,
    build: Option<&Settings>,
) -> Result<wheelpipe::metadata::CoreMetadata> {
    let shown = file.path.display();
    let why = if file.declared.only_backend {
        "its dependencies come from its build backend"
    } else {
        "its dependencies are dynamic"
    };
    let Some(build) = build else {
        return Err(
            Failure::failed(format!("{shown}: {why}, and asking the backend needs a cache folder")).into()
        );
    };
    match metadata_of(build, &Source::Tree(file.root())) {
        Ok((metadata, _)) => Ok(metadata),
        Err(e) => Err(Failure::failed(format!(
            "{shown}: {why}, and the backend's metadata could not be read: {e:#}"
        ))
        .into()),
    }
}

/// `a, b` or `none`, for messages.
fn listed(names: &BTreeSet<String>) -> String {
    if names.is_empty() {
        return "none".to_string();
    }
    names.iter().map(String::as_str).collect::<Vec<_>>().join(", ")
}
