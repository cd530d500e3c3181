//! Building wheels from sources (PEP 517, 518, 660), the one home for
//! building: `wheel-build` and `wheel-unpack` use it, and `wheel-resolve`
//! reads sdists' metadata with it ([`metadata`]). A build unpacks the sdist
//! into a temporary folder in the cache (removed on every way out; a killed
//! run's, by the next build: `workdir`), reads `[build-system]`
//! ([`project`]), gets its isolated environment from the cache or makes it
//! with our own tools ([`mod@env`]) from the run's indexes ([`index`]), calls the backend's hooks through a
//! small Python shim ([`hooks`]), in a process group that Ctrl-C stops
//! ([`process`]), checks the wheel as an index wheel (`check`) and keeps it
//! in the cache under the sdist's sha256, the interpreter and the config
//! settings.

mod check;
pub mod download;
pub mod env;
pub mod hooks;
pub mod index;
pub mod metadata;
pub mod process;
pub mod project;
pub mod source;
mod workdir;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::cache::Bucket;
use crate::cache::Cache;
use crate::hash::{hex, sha256_hex, sha256_reader, Sha256};
use crate::interpreter::Interpreter;

pub use check::{check_wheel, Checked};
pub use env::{BuildEnv, EnvMaker};
pub use hooks::Hooks;
pub use index::BuildIndex;
pub use metadata::{metadata_for, metadata_of};
pub use project::BuildSystem;
pub use source::Source;

/// How builds are run.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The target interpreter: the wheels are built for it.
    pub interpreter: Interpreter,
    pub cache: Cache,
    /// Build in an isolated environment (false: `--no-build-isolation`, in
    /// the target interpreter's own environment).
    pub isolation: bool,
    /// `-C KEY=VALUE` settings, as the backend gets them.
    pub config: BTreeMap<String, serde_json::Value>,
    pub envs: EnvMaker,
    /// Show the backends' output as it comes.
    pub echo: bool,
}

/// A wheel built (or found built in the cache).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Built {
    /// The wheel in the cache.
    pub wheel: PathBuf,
    pub name: String,
    pub version: String,
    pub requires_python: Option<String>,
    pub sha256: String,
    pub size: u64,
    /// True when the cache had it and nothing was built.
    pub cached: bool,
}

/// `-C` settings as PEP 517 `config_settings`: `KEY=VALUE` words, a key
/// given more than once gets the list of its values (as pip does).
pub fn config_settings(words: &[String]) -> Result<BTreeMap<String, serde_json::Value>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for word in words {
        let Some((key, value)) = word.split_once('=').filter(|(k, _)| !k.is_empty()) else {
            anyhow::bail!("invalid config setting {word:?}: KEY=VALUE expected");
        };
        map.entry(key.to_string()).or_default().push(value.to_string());
    }
    Ok(map
        .into_iter()
        .map(|(k, mut v)| (k, if v.len() == 1 { v.remove(0).into() } else { v.into() }))
        .collect())
}

/// What identifies an interpreter for the wheels built for it and the
/// environments made from it: its base installation, version and ABI (two
/// virtualenvs of one Python share them).
pub fn interpreter_key(i: &Interpreter) -> String {
    let facts = format!(
        "{}\n{:?}\n{}\n{:?}\n{:?}\n{}",
        i.base_prefix.display(),
        i.version,
        i.platform,
        i.soabi,
        i.base_executable,
        i.gil_disabled
    );
    sha256_hex(facts.as_bytes())
}

/// Builds the wheel of `source` (PEP 660 editable wheel when `editable`).
/// A failure names the source and shows the backend's last output lines.
pub fn build(settings: &Settings, source: &Source, editable: bool) -> Result<Built> {
    build_inner(settings, source, editable).with_context(|| source.shown())
}

fn build_inner(settings: &Settings, source: &Source, editable: bool) -> Result<Built> {
    let key = settings.wheel_key(source, editable)?;
    let dir = settings.cache.entry(Bucket::Built, &key);
    let reusable = matches!(source, Source::Sdist(_)) && !editable;
    if reusable {
        if let Some(built) = find_built(&dir)? {
            settings.cache.touch(&dir);
            return Ok(built);
        }
    }
    let _lock = env::lock_polling(&settings.cache, Bucket::Built, &key)?;
    if reusable {
        if let Some(built) = find_built(&dir)? {
            return Ok(built);
        }
    }
    let work = settings.work_dir()?;
    let root = match source {
        Source::Sdist(path) => {
            let unpacked = work.path().join("src");
            std::fs::create_dir(&unpacked)?;
            source::unpack_sdist(path, &unpacked)?
        }
        Source::Tree(path) => std::path::absolute(path)?,
    };
    let wheel = settings.run_backend(&root, work.path(), editable)?;
    let checked = check_wheel(&wheel)?;
    let file_name = wheel.file_name().context("the wheel has a name")?;
    std::fs::create_dir_all(&dir)?;
    for old in std::fs::read_dir(&dir)? {
        let _ = std::fs::remove_file(old?.path());
    }
    let kept = dir.join(file_name);
    std::fs::rename(&wheel, &kept).with_context(|| format!("cannot move the wheel to {}", kept.display()))?;
    let (sha256, size) = hash_file(&kept)?;
    Ok(Built {
        wheel: kept,
        name: checked.name,
        version: checked.version,
        requires_python: checked.requires_python,
        sha256,
        size,
        cached: false,
    })
}

impl Settings {
    /// The default settings for `interpreter` (isolated builds, no config
    /// settings, quiet), with `cache` holding environments and wheels.
    pub fn for_interpreter(interpreter: &Interpreter, cache: &Cache) -> Result<Settings> {
        let envs = EnvMaker {
            cache: cache.clone(),
            tools: EnvMaker::tools_dir()?,
            index: BuildIndex::configured(),
            echo: false,
        };
        Ok(Settings {
            interpreter: interpreter.clone(),
            cache: cache.clone(),
            isolation: true,
            config: BTreeMap::new(),
            envs,
            echo: false,
        })
    }

    /// The built-wheel cache key: the sdist's sha256 (a folder: its path,
    /// never reused), the interpreter, the settings and the isolation.
    fn wheel_key(&self, source: &Source, editable: bool) -> Result<Sha256> {
        let what = match source {
            Source::Sdist(path) => format!("sdist {}", hash_file(path)?.0),
            Source::Tree(path) => format!("tree {}", std::path::absolute(path)?.display()),
        };
        let config = serde_json::to_string(&self.config)?;
        let facts = format!(
            "built v1\n{what}\n{}\n{config}\n{}\n{editable}",
            interpreter_key(&self.interpreter),
            self.isolation
        );
        Ok(Sha256::of(facts.as_bytes()))
    }

    /// Gets the environment and builds into `work/out`, asking the backend
    /// for more requires in the same python start; when it names any the
    /// environment lacks, builds in a second one that has them too.
    fn run_backend(&self, root: &Path, work: &Path, editable: bool) -> Result<PathBuf> {
        let system = BuildSystem::read(root)?;
        let mut hooks = Hooks {
            python: self.interpreter.executable.clone(),
            env_root: None,
            source: root,
            system: &system,
            config: &self.config,
            work,
            echo: self.echo,
        };
        let out = work.join("out");
        std::fs::create_dir_all(&out)?;
        if self.isolation {
            let env = self.environment(&system.requires)?;
            (hooks.python, hooks.env_root) = (env.python(), Some(env.root));
            let have = env::normalized(&system.requires);
            let extra = match hooks.build_if_satisfied(&out, editable, Some(&have))? {
                Ok(wheel) => return Ok(wheel),
                Err(extra) => extra,
            };
            let all: Vec<String> = system.requires.iter().chain(&extra).cloned().collect();
            let env = self.environment(&all)?;
            (hooks.python, hooks.env_root) = (env.python(), Some(env.root));
        }
        hooks.build(&out, editable)
    }

    /// A new temporary folder for one build, in the cache's `tmp/`;
    /// removed when dropped, on every way out.
    fn work_dir(&self) -> Result<workdir::WorkDir> {
        workdir::WorkDir::new(&self.cache.tmp_dir()?)
    }

    fn environment(&self, requires: &[String]) -> Result<BuildEnv> {
        let key = interpreter_key(&self.interpreter);
        self.envs.ensure(&self.interpreter.executable, &key, requires)
    }
}

/// The wheel a finished build left in `dir`, if any.
fn find_built(dir: &Path) -> Result<Option<Built>> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(None) };
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "whl") {
            let checked = check_wheel(&path)?;
            let (sha256, size) = hash_file(&path)?;
            return Ok(Some(Built {
                wheel: path,
                name: checked.name,
                version: checked.version,
                requires_python: checked.requires_python,
                sha256,
                size,
                cached: true,
            }));
        }
    }
    Ok(None)
}

/// The file's sha256 (hex) and size; errors name it.
pub fn hash_file(path: &Path) -> Result<(String, u64)> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let (digest, size) = sha256_reader(std::io::BufReader::new(file))?;
    Ok((hex(&digest), size))
}

/// `; its last output lines:` and the lines, indented, for error messages.
fn shown_tail(tail: &[String]) -> String {
    if tail.is_empty() {
        return String::new();
    }
    let lines: Vec<String> = tail.iter().map(|l| format!("\n    {l}")).collect();
    format!("; its last output lines:{}", lines.concat())
}

#[cfg(test)]
mod tests {
    #[test]
    fn config_settings_are_key_value_and_repeat_into_lists() {
        let words = ["a=1", "b=x=y", "a=2", "c="].map(String::from);
        let got = serde_json::to_string(&super::config_settings(&words).unwrap()).unwrap();
        assert_eq!(got, r#"{"a":["1","2"],"b":"x=y","c":""}"#);
        assert!(super::config_settings(&["novalue".into()]).is_err());
        assert!(super::config_settings(&["=v".into()]).is_err());
    }
}
