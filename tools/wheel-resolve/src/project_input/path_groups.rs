//! `--group PATH:NAME`, pip's (25.1) and uv's form: the dependency group
//! NAME of the pyproject.toml at PATH, read alone, whatever the input is:
//! the group's requirements (its include-groups expanded), never the
//! project's dependencies. The value splits at its last `:` (a group name
//! has none), and PATH must name a file called `pyproject.toml`, as pip
//! requires; a relative PATH starts from the working folder.

use std::path::{Path, PathBuf};

use super::ProjectFile;
use crate::requirements::Entry;
use wheelpipe::names::normalize;

/// One `--group PATH:NAME`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathGroup {
    /// The value as given, for messages.
    pub given: String,
    pub path: PathBuf,
    /// Normalized.
    pub name: String,
}

impl PathGroup {
    /// `None` for a bare name (no `:`); an error for a path that is not a
    /// pyproject.toml or an empty name.
    pub fn parse(value: &str) -> Option<Result<PathGroup, String>> {
        let (path, name) = value.rsplit_once(':')?;
        let given = value.to_string();
        if Path::new(path).file_name().and_then(|n| n.to_str()) != Some("pyproject.toml") {
            return Some(Err(format!(
                "--group {given}: a group's path names a pyproject.toml ({path:?} does not)"
            )));
        }
        if name.trim().is_empty() {
            return Some(Err(format!("--group {given}: no group name after the `:`")));
        }
        Some(Ok(PathGroup { given, path: PathBuf::from(path), name: normalize(name.trim()) }))
    }

    /// The group's requirement entries; errors name the value, the file and
    /// the groups it has.
    pub fn entries(&self) -> Result<Vec<Entry>, String> {
        let given = &self.given;
        let file = ProjectFile::read(&self.path).map_err(|e| format!("--group {given}: {e}"))?;
        if !file.declared.groups.contains_key(&self.name) {
            let has: Vec<&str> = file.declared.groups.keys().map(String::as_str).collect();
            let has = if has.is_empty() { "none".to_string() } else { has.join(", ") };
            return Err(format!(
                "--group {given}: no such group in [dependency-groups] of {} (groups: {has})",
                self.path.display()
            ));
        }
        file.group_entries(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_value_splits_at_its_last_colon_and_the_path_names_a_pyproject() {
        assert!(PathGroup::parse("dev").is_none(), "a bare name");
        let g = PathGroup::parse("c:/x/sub/pyproject.toml:Dev_Tools").unwrap().unwrap();
        assert_eq!((g.path, g.name.as_str()), (PathBuf::from("c:/x/sub/pyproject.toml"), "dev-tools"));
        let err = PathGroup::parse("sub/setup.cfg:dev").unwrap().unwrap_err();
        assert!(err.contains("--group sub/setup.cfg:dev") && err.contains("pyproject.toml"), "{err}");
        assert!(PathGroup::parse("pyproject.toml:").unwrap().is_err());
    }
}
