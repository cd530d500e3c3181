//! A new virtualenv's facts without starting its python: a venv is its base
//! interpreter plus its root folder, so the answer for one venv, with that
//! root taken out, holds for every venv of the same base interpreter (same
//! file, same modification time) on the same kernel (markers name it), the
//! same pyvenv.cfg (its `command` line aside, which names the root) and the
//! same pip (pip's default index is read from its source). Every new venv
//! (one a run in the benchmarks, one a CI job) otherwise costs a python start
//! in each tool (about 20 ms).

use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Interpreter, Paths};
use crate::cache::{Bucket, Cache};
use crate::hash::sha256_hex;

/// A virtualenv's python, found by its pyvenv.cfg.
pub struct VenvPython {
    python: PathBuf,
    root: PathBuf,
    /// What the answer may depend on besides the root.
    key: String,
}

/// An answer with the root taken out of its paths.
#[derive(Serialize, Deserialize)]
struct Template {
    interpreter: Interpreter,
    /// The sha256 of pip's `_internal/models/index.py` in the venv, if any.
    pip: Option<String>,
}

impl VenvPython {
    /// `python` (absolute) when it is `ROOT/bin/NAME` with a `ROOT/pyvenv.cfg`
    /// that does not let in the system's site-packages; `mtime_ns` is the
    /// modification time of the file it links to, `kernel` names the running
    /// kernel.
    pub fn of(python: &Path, mtime_ns: u128, kernel: &str) -> Option<VenvPython> {
        // Python reports a normalized path (no `.` or `..`); ours must be one
        // for the two to agree.
        let plain = python.components().all(|c| matches!(c, Component::RootDir | Component::Normal(_)));
        if !plain {
            return None;
        }
        let root = python.parent()?.parent()?.to_path_buf();
        let cfg = std::fs::read_to_string(root.join("pyvenv.cfg")).ok()?;
        let mut lines: Vec<&str> = Vec::new();
        for line in cfg.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (key, value) = line.split_once('=').map_or((line, ""), |(k, v)| (k.trim(), v.trim()));
            if key.eq_ignore_ascii_case("include-system-site-packages")
                && !value.eq_ignore_ascii_case("false")
            {
                return None;
            }
            if !key.eq_ignore_ascii_case("command") {
                lines.push(line);
            }
        }
        let base = std::fs::canonicalize(python).ok()?;
        let name = python.strip_prefix(&root).ok()?;
        let facts = format!(
            "{}\n{}\n{mtime_ns}\n{kernel}\n{}\n{}",
            super::FORMAT,
            base.display(),
            name.display(),
            lines.join("\n")
        );
        let key = sha256_hex(facts.as_bytes())[..24].to_string();
        Some(VenvPython { python: python.to_path_buf(), root, key })
    }

    fn template_path(&self, cache: &Cache) -> PathBuf {
        let name = format!("venv-{}.json", self.key);
        cache.named_entry(Bucket::Interpreters, &name).expect("a hex key is a plain file name")
    }

    /// The answer for this venv from one for another venv like it, if the
    /// cache has one.
    pub fn derive(&self, cache: &Cache) -> Option<Interpreter> {
        let text = std::fs::read(self.template_path(cache)).ok()?;
        cache.touch(&self.template_path(cache));
        let template: Template = serde_json::from_slice(&text).ok()?;
        // Relative paths were inside the other venv; absolute ones are the
        // base interpreter's (a venv's `include` is).
        let interpreter = map_paths(template.interpreter, |p| match p.as_os_str().is_empty() {
            true => self.root.clone(),
            false => self.root.join(p),
        });
        (pip_fingerprint(&interpreter.paths.purelib) == template.pip).then_some(interpreter)
    }

    /// Keeps `interpreter` (this venv's answer) for other venvs like it, when
    /// its executable is the path it was asked by and its prefix the root,
    /// as a venv's are.
    pub fn remember(&self, cache: &Cache, interpreter: &Interpreter) {
        let executable_is_ours = interpreter.executable.as_os_str() == self.python.as_os_str();
        if !(executable_is_ours && interpreter.prefix.as_os_str() == self.root.as_os_str()) {
            return;
        }
        let pip = pip_fingerprint(&interpreter.paths.purelib);
        let relative =
            map_paths(interpreter.clone(), |p| p.strip_prefix(&self.root).unwrap_or(p).to_path_buf());
        if let Ok(bytes) = serde_json::to_vec(&Template { interpreter: relative, pip }) {
            // A cache that cannot be written only costs time.
            let _ = cache.write_atomic(&self.template_path(cache), &bytes);
        }
    }
}

/// `interpreter` with its executable, prefix, scheme paths and `sys.path` mapped by `map`.
fn map_paths(mut interpreter: Interpreter, map: impl Fn(&Path) -> PathBuf) -> Interpreter {
    let Paths { purelib, platlib, scripts, include, data } = &interpreter.paths;
    interpreter.paths = Paths {
        purelib: map(purelib),
        platlib: map(platlib),
        scripts: map(scripts),
        include: map(include),
        data: map(data),
    };
    interpreter.sys_path = interpreter.sys_path.iter().map(|p| map(p)).collect();
    interpreter.executable = map(&interpreter.executable);
    interpreter.prefix = map(&interpreter.prefix);
    interpreter
}

fn pip_fingerprint(purelib: &Path) -> Option<String> {
    let source = std::fs::read(purelib.join("pip/_internal/models/index.py")).ok()?;
    Some(sha256_hex(&source))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn venv(at: &Path) -> PathBuf {
        let ok = Command::new("python3").args(["-m", "venv", "--without-pip"]).arg(at).status().unwrap();
        assert!(ok.success());
        at.join("bin").join("python")
    }

    #[test]
    fn a_new_venv_is_answered_from_another_like_it_exactly_as_its_python_would() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().join("cache")).unwrap();
        let (one, two) = (venv(&dir.path().join("one")), venv(&dir.path().join("two")));
        let first = VenvPython::of(&one, 1, "k").expect("a venv");
        assert!(first.derive(&cache).is_none(), "nothing to derive from yet");
        first.remember(&cache, &Interpreter::ask(&one).unwrap());

        let rebooted = VenvPython::of(&two, 1, "another kernel").unwrap();
        assert!(rebooted.derive(&cache).is_none(), "markers name the kernel");
        let second = VenvPython::of(&two, 1, "k").unwrap();
        let derived = second.derive(&cache).expect("derived from the first venv");
        assert_eq!(derived, Interpreter::ask(&two).unwrap());
        assert_eq!(derived.prefix.as_os_str(), dir.path().join("two").as_os_str());
    }

    #[test]
    fn another_pip_or_system_site_packages_means_asking_python() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().join("cache")).unwrap();
        let (one, two) = (venv(&dir.path().join("one")), venv(&dir.path().join("two")));
        VenvPython::of(&one, 1, "k").unwrap().remember(&cache, &Interpreter::ask(&one).unwrap());

        // A pip in the second venv whose default index is another.
        let asked = Interpreter::ask(&two).unwrap();
        let models = asked.paths.purelib.join("pip/_internal/models");
        std::fs::create_dir_all(&models).unwrap();
        std::fs::write(asked.paths.purelib.join("pip/__init__.py"), "").unwrap();
        std::fs::write(models.join("index.py"), "PyPI = PackageIndex(\n    \"http://127.0.0.1:9/\"\n)\n")
            .unwrap();
        assert!(VenvPython::of(&two, 1, "k").unwrap().derive(&cache).is_none());
        let with_pip = Interpreter::ask(&two).unwrap();
        assert_eq!(with_pip.pip_default_index.as_deref(), Some("http://127.0.0.1:9/simple"));

        let cfg = dir.path().join("two/pyvenv.cfg");
        let text = std::fs::read_to_string(&cfg).unwrap().replace("= false", "= true");
        std::fs::write(&cfg, text).unwrap();
        assert!(VenvPython::of(&two, 1, "k").is_none(), "the system's site-packages can change the answer");
        assert!(
            VenvPython::of(&dir.path().join("two/../one/bin/python"), 1, "k").is_none(),
            "python would normalize"
        );
    }
}
