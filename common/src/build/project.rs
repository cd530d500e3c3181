//! What a source tree says about how to build it (PEP 517, 518): the
//! `[build-system]` table of its pyproject.toml, or for a legacy project
//! with only setup.py, what pip assumes (setuptools' `__legacy__` backend).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

/// The backend pip falls back to for a setup.py project.
pub const LEGACY_BACKEND: &str = "setuptools.build_meta:__legacy__";
/// What pip installs for such a project.
pub const LEGACY_REQUIRES: &str = "setuptools>=40.8.0";

/// How to build one source tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildSystem {
    /// The `requires` list, as written.
    pub requires: Vec<String>,
    /// `module` or `module:object`.
    pub backend: String,
    /// `backend-path` folders, absolute, each inside the source tree.
    pub backend_path: Vec<PathBuf>,
}

#[derive(Deserialize)]
struct PyProject {
    #[serde(rename = "build-system")]
    build_system: Option<Table>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Table {
    requires: Option<Vec<String>>,
    build_backend: Option<String>,
    #[serde(default)]
    backend_path: Vec<String>,
}

impl BuildSystem {
    /// Reads `root/pyproject.toml`, else assumes a setup.py project; errors
    /// name the file.
    pub fn read(root: &Path) -> Result<BuildSystem> {
        let file = root.join("pyproject.toml");
        let legacy = || BuildSystem {
            requires: vec![LEGACY_REQUIRES.to_string()],
            backend: LEGACY_BACKEND.to_string(),
            backend_path: Vec::new(),
        };
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if !root.join("setup.py").is_file() {
                    bail!(
                        "{}: neither pyproject.toml nor setup.py found: not a Python project",
                        root.display()
                    );
                }
                return Ok(legacy());
            }
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", file.display())),
        };
        let project: PyProject =
            toml::from_str(&text).with_context(|| format!("{}: invalid TOML", file.display()))?;
        let Some(table) = project.build_system else { return Ok(legacy()) };
        let Some(requires) = table.requires else {
            bail!("{}: [build-system] has no `requires` list (PEP 518)", file.display());
        };
        // pip: a build-system without a backend is a setuptools project.
        let Some(backend) = table.build_backend else {
            return Ok(BuildSystem { requires, ..legacy() });
        };
        let backend_path = table
            .backend_path
            .iter()
            .map(|p| inside(root, p).with_context(|| format!("{}: backend-path {p:?}", file.display())))
            .collect::<Result<_>>()?;
        Ok(BuildSystem { requires, backend, backend_path })
    }
}

/// `root/rel`, refused when it leaves `root` (PEP 517: backend-path entries
/// are inside the source tree).
fn inside(root: &Path, rel: &str) -> Result<PathBuf> {
    let joined = root.join(rel);
    let (Ok(real_root), Ok(real)) = (root.canonicalize(), joined.canonicalize()) else {
        bail!("not a folder of the source tree");
    };
    if !real.starts_with(&real_root) {
        bail!("leaves the source tree");
    }
    Ok(real)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(pyproject: Option<&str>, setup_py: bool) -> (tempfile::TempDir, Result<BuildSystem>) {
        let dir = tempfile::tempdir().unwrap();
        if let Some(text) = pyproject {
            std::fs::write(dir.path().join("pyproject.toml"), text).unwrap();
        }
        if setup_py {
            std::fs::write(dir.path().join("setup.py"), "").unwrap();
        }
        std::fs::create_dir(dir.path().join("be")).unwrap();
        let read = BuildSystem::read(dir.path());
        (dir, read)
    }

    #[test]
    fn legacy_and_backendless_projects_use_setuptools_legacy() {
        let (_d, got) = project(None, true);
        assert_eq!(got.unwrap().backend, LEGACY_BACKEND);
        let (_d, got) = project(Some("[build-system]\nrequires = [\"setuptools\", \"cython\"]\n"), false);
        let got = got.unwrap();
        assert_eq!((got.backend.as_str(), got.requires.len()), (LEGACY_BACKEND, 2));
        let (_d, got) = project(Some("[project]\nname = \"x\"\n"), true);
        assert_eq!(got.unwrap().requires, vec![LEGACY_REQUIRES.to_string()]);
    }

    #[test]
    fn backend_path_stays_inside_and_errors_name_the_file() {
        let text = "[build-system]\nrequires = []\nbuild-backend = \"b\"\nbackend-path = [\"be\"]\n";
        let (dir, got) = project(Some(text), false);
        assert_eq!(got.unwrap().backend_path, vec![dir.path().canonicalize().unwrap().join("be")]);
        let (_d, got) = project(Some(&text.replace("\"be\"", "\"..\"")), false);
        assert!(format!("{:#}", got.unwrap_err()).contains("leaves the source tree"));
        let (_d, got) = project(Some("[build-system]\nbuild-backend = \"b\"\n"), false);
        assert!(
            format!("{:#}", got.unwrap_err()).contains("pyproject.toml: [build-system] has no `requires`")
        );
        let (_d, got) = project(None, false);
        assert!(format!("{:#}", got.unwrap_err()).contains("neither pyproject.toml nor setup.py"));
    }
}
