//! Build isolation made by our own tools, no pip: one virtualenv per
//! distinct requires set and interpreter, made by `python -m venv
//! --without-pip` and filled by `wheel-resolve | wheel-fetch | wheel-unpack`
//! (the binaries beside the running one, so no crate depends on another
//! tool), kept in the cache (`build-envs/v1/`) and reused by later builds
//! and runs. A lock per environment lets one run make it while the others
//! wait; a ready mark, written last, tells a finished one from a broken one.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use super::process;
use crate::cache::{Bucket, Cache, CacheLock};
use crate::hash::Sha256;

/// The file written last into a finished environment: its requires.
const READY: &str = "wheelpipe-build-env.txt";

/// What making environments needs.
#[derive(Clone, Debug)]
pub struct EnvMaker {
    pub cache: Cache,
    /// Where `wheel-resolve`, `wheel-fetch` and `wheel-unpack` are.
    pub tools: PathBuf,
    /// The indexes the requires come from (see [`super::index`]).
    pub index: super::BuildIndex,
    /// Show the tools' output as it comes.
    pub echo: bool,
}

/// A build environment ready for use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildEnv {
    pub root: PathBuf,
    /// True when this call made it (false: found in the cache).
    pub made: bool,
}

impl BuildEnv {
    pub fn python(&self) -> PathBuf {
        self.root.join("bin").join("python")
    }
}

/// The requires set as a key: trimmed, sorted, without duplicates.
pub fn normalized(requires: &[String]) -> Vec<String> {
    let mut set: Vec<String> =
        requires.iter().map(|r| r.trim().to_string()).filter(|r| !r.is_empty()).collect();
    set.sort();
    set.dedup();
    set
}

impl EnvMaker {
    /// The tools beside the running executable.
    pub fn tools_dir() -> Result<PathBuf> {
        let exe = std::env::current_exe().context("cannot find the running executable")?;
        Ok(exe.parent().context("the running executable has no folder")?.to_path_buf())
    }

    /// The environment for `requires` made from `python` (whose identity is
    /// `interpreter_key`), from the cache or made now.
    pub fn ensure(&self, python: &Path, interpreter_key: &str, requires: &[String]) -> Result<BuildEnv> {
        let requires = normalized(requires);
        let key = Sha256::of(format!("build-env v1\n{interpreter_key}\n{}", requires.join("\n")).as_bytes());
        let root = self.cache.entry(Bucket::BuildEnvs, &key);
        if is_ready(&root) {
            self.cache.touch(&root);
            return Ok(BuildEnv { root, made: false });
        }
        let _lock = lock_polling(&self.cache, Bucket::BuildEnvs, &key)?;
        if is_ready(&root) {
            return Ok(BuildEnv { root, made: false });
        }
        // A run that died while making it left it half made.
        if root.exists() {
            std::fs::remove_dir_all(&root).with_context(|| format!("cannot remove {}", root.display()))?;
        }
        let made = self.make(python, &root, &requires);
        if made.is_err() {
            let _ = std::fs::remove_dir_all(&root);
        }
        made.with_context(|| format!("cannot make the build environment for [{}]", requires.join(", ")))?;
        Ok(BuildEnv { root, made: true })
    }

    fn make(&self, python: &Path, root: &Path, requires: &[String]) -> Result<()> {
        let mut venv = Command::new(python);
        venv.args(["-m", "venv", "--without-pip"]).arg(root);
        check(process::run(vec![venv], self.echo)?, &format!("{} -m venv", python.display()))?;
        if !requires.is_empty() {
            let list = root.join("wheelpipe-requires.txt");
            std::fs::write(&list, requires.join("\n") + "\n")?;
            check(process::run(self.install_commands(root, &list), self.echo)?, "installing the requires")?;
        }
        let ready = root.join(READY);
        self.cache.write_atomic(&ready, (requires.join("\n") + "\n").as_bytes())
    }

    /// `wheel-resolve ... LIST | wheel-fetch | wheel-unpack --venv ROOT`.
    fn install_commands(&self, root: &Path, list: &Path) -> Vec<Command> {
        let tool = |name: &str| {
            let mut c = Command::new(self.tools.join(name));
            c.arg("--cache-dir").arg(self.cache.root()).arg("--quiet");
            c
        };
        let mut resolve = tool("wheel-resolve");
        resolve.arg("--python").arg(root.join("bin").join("python")).arg(list);
        self.index.apply(&mut resolve);
        let fetch = tool("wheel-fetch");
        let mut unpack = tool("wheel-unpack");
        unpack.arg("--venv").arg(root);
        vec![resolve, fetch, unpack]
    }
}

/// True for a finished environment (`wheel-cache prune` drops others nobody is making).
pub fn is_ready(root: &Path) -> bool {
    root.join(READY).is_file() && root.join("bin").join("python").exists()
}

/// Fails with the last output lines unless every process succeeded.
fn check(done: process::Finished, what: &str) -> Result<()> {
    if !done.success() {
        bail!("{what} failed{}", super::shown_tail(&done.tail));
    }
    Ok(())
}

/// The lock of the entry `key` of `bucket`, waiting for another run that
/// holds it, but not past Ctrl-C.
pub(super) fn lock_polling(cache: &Cache, bucket: Bucket, key: &Sha256) -> Result<CacheLock> {
    loop {
        if let Some(lock) = cache.try_lock_entry(bucket, key)? {
            return Ok(lock);
        }
        crate::signals::check()?;
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn requires_sets_are_keyed_in_order() {
        let got = super::normalized(&[" wheel".into(), "setuptools>=40".into(), "wheel".into(), "".into()]);
        assert_eq!(got, vec!["setuptools>=40".to_string(), "wheel".to_string()]);
    }
}
