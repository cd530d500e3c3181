//! Calling a PEP 517/660 hook: the shim (shim.py) is written into the
//! build's temporary folder and run by the build environment's python (or
//! the target's, without isolation) in the source tree, in a process group
//! of its own; its answer comes back as a JSON file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use super::process;
use super::project::BuildSystem;

const SHIM: &str = include_str!("shim.py");

/// A source tree and how to call its backend.
pub struct Hooks<'a> {
    /// The python that runs the backend.
    pub python: PathBuf,
    /// The build environment's root, put first on PATH (None: no isolation).
    pub env_root: Option<PathBuf>,
    /// The project's root, the hooks' working folder.
    pub source: &'a Path,
    pub system: &'a BuildSystem,
    /// `-C` settings: one value a key, or a list when given more than once.
    pub config: &'a BTreeMap<String, serde_json::Value>,
    /// The build's temporary folder (shim, answers, output).
    pub work: &'a Path,
    /// Show the backend's output as it comes.
    pub echo: bool,
}

/// A hook's answer.
#[derive(Debug, PartialEq)]
pub enum Answer {
    Value(serde_json::Value),
    /// An optional hook the backend does not have.
    Unsupported,
    /// A build asked for with the requires at hand, refused: the backend's
    /// get_requires hook named these, some of which the environment lacks.
    Requires(Vec<String>),
}

#[derive(Deserialize)]
struct Reply {
    #[serde(rename = "return")]
    value: Option<serde_json::Value>,
    #[serde(default)]
    unsupported: bool,
    requires: Option<Vec<String>>,
    error: Option<String>,
}

impl Hooks<'_> {
    /// Calls `hook`; `out_dir` is where it writes (wheel or metadata).
    pub fn call(&self, hook: &str, out_dir: &Path) -> Result<Answer> {
        self.call_with(hook, out_dir, None)
    }

    /// [`Hooks::call`]; with `have` (the requires at hand) a build hook runs
    /// only when the backend's get_requires hook, called first in the same
    /// process, names nothing else ([`Answer::Requires`] otherwise).
    fn call_with(&self, hook: &str, out_dir: &Path, have: Option<&[String]>) -> Result<Answer> {
        let shim = self.work.join("wheelpipe_pep517_shim.py");
        if !shim.exists() {
            std::fs::write(&shim, SHIM).with_context(|| format!("cannot write {}", shim.display()))?;
        }
        let result = self.work.join(format!("{hook}.json"));
        let _ = std::fs::remove_file(&result);
        let backend_path: Vec<String> =
            self.system.backend_path.iter().map(|p| p.display().to_string()).collect();
        let mut cmd = Command::new(&self.python);
        cmd.arg(&shim)
            .arg(hook)
            .arg(&self.system.backend)
            .arg(serde_json::to_string(&backend_path)?)
            .arg(serde_json::to_string(self.config)?)
            .arg(out_dir)
            .arg(&result)
            .current_dir(self.source);
        if let Some(have) = have {
            cmd.arg(serde_json::to_string(have)?);
        }
        if let Some(root) = &self.env_root {
            let path = std::env::var_os("PATH").unwrap_or_default();
            let mut dirs = vec![root.join("bin")];
            dirs.extend(std::env::split_paths(&path));
            cmd.env("PATH", std::env::join_paths(dirs)?)
                .env("PYTHONNOUSERSITE", "1")
                .env_remove("PYTHONPATH")
                .env_remove("PYTHONHOME");
        }
        let done = process::run(vec![cmd], self.echo)?;
        let reply: Option<Reply> = std::fs::read(&result).ok().and_then(|b| serde_json::from_slice(&b).ok());
        match reply {
            Some(Reply { error: Some(error), .. }) => {
                bail!("{error} (backend {}){}", self.system.backend, super::shown_tail(&done.tail))
            }
            Some(Reply { unsupported: true, .. }) => Ok(Answer::Unsupported),
            Some(Reply { requires: Some(requires), .. }) => Ok(Answer::Requires(requires)),
            Some(Reply { value: Some(value), .. }) if done.success() => Ok(Answer::Value(value)),
            _ => bail!(
                "{hook} failed: the backend's process ended with {} (backend {}){}",
                done.statuses[0],
                self.system.backend,
                super::shown_tail(&done.tail)
            ),
        }
    }

    /// `get_requires_for_build_wheel` (or `_editable`): the extra requires.
    pub fn requires_for(&self, editable: bool) -> Result<Vec<String>> {
        let hook = if editable { "get_requires_for_build_editable" } else { "get_requires_for_build_wheel" };
        match self.call(hook, self.work)? {
            Answer::Value(serde_json::Value::Array(items)) => items
                .into_iter()
                .map(|v| v.as_str().map(str::to_string).context(format!("{hook} returned a non-string")))
                .collect(),
            Answer::Value(other) => bail!("{hook} returned {other}, not a list of requirements"),
            Answer::Unsupported | Answer::Requires(_) => Ok(Vec::new()),
        }
    }

    /// `prepare_metadata_for_build_wheel` (or PEP 660's `_editable`) into
    /// `out_dir`: the `.dist-info` folder it made, or None when the backend
    /// lacks the hook.
    pub fn prepare_metadata(&self, out_dir: &Path, editable: bool) -> Result<Option<PathBuf>> {
        let hook =
            if editable { "prepare_metadata_for_build_editable" } else { "prepare_metadata_for_build_wheel" };
        match self.call(hook, out_dir)? {
            Answer::Value(v) => Ok(Some(out_dir.join(plain_name(&v, hook)?))),
            Answer::Unsupported | Answer::Requires(_) => Ok(None),
        }
    }

    /// `build_wheel` (or PEP 660 `build_editable`) into `out_dir`: the
    /// wheel's path.
    pub fn build(&self, out_dir: &Path, editable: bool) -> Result<PathBuf> {
        self.build_if_satisfied(out_dir, editable, None)?
            .map_err(|r| anyhow::anyhow!("the shim asked for requires {r:?} when told not to"))
    }

    /// [`Hooks::build`] when the backend's get_requires hook names nothing
    /// beyond `have` (one python start for both); else `Err` with what it
    /// named, and nothing built. `have: None` builds without asking.
    pub fn build_if_satisfied(
        &self,
        out_dir: &Path,
        editable: bool,
        have: Option<&[String]>,
    ) -> Result<std::result::Result<PathBuf, Vec<String>>> {
        let hook = if editable { "build_editable" } else { "build_wheel" };
        match self.call_with(hook, out_dir, have)? {
            Answer::Value(v) => Ok(Ok(out_dir.join(plain_name(&v, hook)?))),
            Answer::Requires(requires) => Ok(Err(requires)),
            Answer::Unsupported => bail!("the backend {} has no {hook} hook (PEP 660)", self.system.backend),
        }
    }
}

/// A hook's returned basename, refused unless it is one plain file name.
fn plain_name(value: &serde_json::Value, hook: &str) -> Result<String> {
    let name = value.as_str().with_context(|| format!("{hook} returned {value}, not a file name"))?;
    crate::cache::check_file_name(name).with_context(|| format!("{hook} returned a bad name"))?;
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A backend with `prepare_metadata_for_build_wheel` and requires, and
    /// none of the optional editable hooks.
    const BACKEND: &str = r#"
import os
def get_requires_for_build_wheel(config_settings=None):
    return ["extra-tool>=1"] + ([config_settings["more"]] if config_settings else [])
def prepare_metadata_for_build_wheel(directory, config_settings=None):
    os.makedirs(os.path.join(directory, "m-1.dist-info"))
    open(os.path.join(directory, "m-1.dist-info", "METADATA"), "w").write("Name: m\nVersion: 1\n")
    return "m-1.dist-info"
def build_wheel(directory, config_settings=None, metadata_directory=None):
    return "../escape.whl"
"#;

    fn call<T>(config: serde_json::Value, f: impl FnOnce(&Hooks) -> T) -> T {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("be")).unwrap();
        std::fs::write(dir.path().join("be/mybackend.py"), BACKEND).unwrap();
        let system = BuildSystem {
            requires: Vec::new(),
            backend: "mybackend".into(),
            backend_path: vec![dir.path().join("be")],
        };
        let config = serde_json::from_value(config).unwrap();
        let hooks = Hooks {
            python: "python3".into(),
            env_root: None,
            source: dir.path(),
            system: &system,
            config: &config,
            work: dir.path(),
            echo: false,
        };
        f(&hooks)
    }

    #[test]
    fn metadata_requires_and_missing_optional_hooks() {
        let got = call(serde_json::json!({"more": "x"}), |h| h.requires_for(false).unwrap());
        assert_eq!(got, ["extra-tool>=1", "x"]);
        call(serde_json::json!({}), |h| {
            let dist_info = h.prepare_metadata(h.work, false).unwrap().unwrap();
            assert!(std::fs::read_to_string(dist_info.join("METADATA")).unwrap().contains("Name: m"));
            assert_eq!(h.requires_for(true).unwrap(), Vec::<String>::new(), "an absent get_requires is []");
            assert_eq!(h.prepare_metadata(h.work, true).unwrap(), None, "no editable metadata hook");
            let err = format!("{:#}", h.build(h.work, true).unwrap_err());
            assert!(err.contains("has no build_editable hook"), "{err}");
            let have = ["other".to_string()];
            let asked = h.build_if_satisfied(h.work, false, Some(&have)).unwrap();
            assert_eq!(asked, Err(vec!["extra-tool>=1".to_string()]), "nothing built, the requires named");
            let err = format!("{:#}", h.build(h.work, false).unwrap_err());
            assert!(err.contains("build_wheel returned a bad name"), "{err}");
        });
    }
}
