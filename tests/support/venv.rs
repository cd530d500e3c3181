//! The sandbox each end-to-end test runs in: a temporary folder with its own
//! HOME and cache, subprocesses with a cleared environment (PATH, HOME and
//! what the test adds, nothing else, so the machine's pip configuration
//! cannot leak in), real virtualenvs made by `python3 -m venv`, the real
//! binaries chained with real pipes, system pip to check the result, and
//! snapshots of a folder tree to prove that a failure changed nothing.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use wheelpipe::hash::sha256_hex;

/// The real python3 (not a version-manager shim), found once with the
/// test's own environment.
pub fn python3() -> &'static Path {
    static PY: OnceLock<PathBuf> = OnceLock::new();
    PY.get_or_init(|| {
        let out = Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .expect("python3 must be on PATH for the end-to-end tests");
        assert!(out.status.success(), "python3 failed: {}", String::from_utf8_lossy(&out.stderr));
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    })
}

/// A test's temporary folder, HOME, cache and environment.
pub struct Sandbox {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::Builder::new().prefix("wheelpipe-test-").tempdir().expect("a temporary folder");
        fs::create_dir_all(dir.path().join("home")).unwrap();
        Sandbox { dir, env: Vec::new() }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn home(&self) -> PathBuf {
        self.path().join("home")
    }

    pub fn cache(&self) -> PathBuf {
        self.path().join("cache")
    }

    /// Adds a variable to every command this sandbox makes from now on.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.push((key.to_string(), value.to_string()));
    }

    /// Writes a file under the sandbox and returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path().join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, text).unwrap();
        p
    }

    /// A command with a cleared environment: PATH, HOME, the cache,
    /// `PIP_CONFIG_FILE=/dev/null` and the sandbox's own variables.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut c = Command::new(program);
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("WHEELPIPE_CACHE_DIR", self.cache())
            .env("PIP_CONFIG_FILE", "/dev/null")
            .current_dir(self.path());
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    /// `wheel-resolve --index-url URL --python V/bin/python --cache-dir C REQS...`.
    pub fn resolve(&self, index_url: &str, venv: &Venv, reqs: &[&Path]) -> Command {
        let mut c = self.command(env!("CARGO_BIN_EXE_wheel-resolve"));
        c.arg("--index-url").arg(index_url).arg("--python").arg(venv.python());
        c.arg("--cache-dir").arg(self.cache()).args(reqs);
        c
    }

    /// `wheel-resolve --python V/bin/python --cache-dir C ARGS...`: the index
    /// comes from ARGS, the environment or pip's configuration.
    pub fn resolve_with(&self, venv: &Venv, args: &[&OsStr]) -> Command {
        let mut c = self.command(env!("CARGO_BIN_EXE_wheel-resolve"));
        c.arg("--python").arg(venv.python()).arg("--cache-dir").arg(self.cache()).args(args);
        c
    }

    /// `wheel-fetch --cache-dir C`.
    pub fn fetch(&self) -> Command {
        let mut c = self.command(env!("CARGO_BIN_EXE_wheel-fetch"));
        c.arg("--cache-dir").arg(self.cache());
        c
    }

    /// `wheel-unpack --venv V --cache-dir C`.
    pub fn unpack(&self, venv: &Venv) -> Command {
        let mut c = self.command(env!("CARGO_BIN_EXE_wheel-unpack"));
        c.arg("--venv").arg(&venv.root).arg("--cache-dir").arg(self.cache());
        c
    }

    pub fn meta(&self) -> Command {
        self.command(env!("CARGO_BIN_EXE_wheel-meta"))
    }

    /// A fresh virtualenv without pip at `name` under the sandbox.
    pub fn venv(&self, name: &str) -> Venv {
        let root = self.path().join(name);
        let out = self.command(python3()).args(["-m", "venv", "--without-pip"]).arg(&root).output().unwrap();
        assert!(out.status.success(), "python3 -m venv failed: {}", String::from_utf8_lossy(&out.stderr));
        Venv { root }
    }

    /// System pip run against the venv: `python3 -m pip --python V/bin/python ARGS`.
    pub fn pip(&self, venv: &Venv, args: &[&str]) -> Output {
        self.command(python3())
            .args(["-m", "pip", "--python"])
            .arg(venv.python())
            .args(["--disable-pip-version-check", "--no-input"])
            .args(args)
            .output()
            .unwrap()
    }

    /// Like [`Sandbox::pip`], failing the test unless pip succeeds; returns stdout.
    pub fn pip_ok(&self, venv: &Venv, args: &[&str]) -> String {
        let out = self.pip(venv, args);
        assert!(
            out.status.success(),
            "pip {args:?} failed ({}):\nstdout:\n{}\nstderr:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// `pip list --format json` as (name, version) pairs.
    pub fn pip_list(&self, venv: &Venv) -> BTreeMap<String, String> {
        let out = self.pip_ok(venv, &["list", "--format", "json"]);
        let v: Vec<serde_json::Value> = serde_json::from_str(&out).expect("pip list prints JSON");
        v.iter()
            .map(|p| (p["name"].as_str().unwrap().to_string(), p["version"].as_str().unwrap().to_string()))
            .collect()
    }
}

/// A virtualenv.
pub struct Venv {
    pub root: PathBuf,
}

impl Venv {
    pub fn python(&self) -> PathBuf {
        self.root.join("bin/python")
    }

    pub fn bin(&self, name: &str) -> PathBuf {
        self.root.join("bin").join(name)
    }

    /// `lib/pythonX.Y/site-packages`.
    pub fn site_packages(&self) -> PathBuf {
        let lib = self.root.join("lib");
        let py = fs::read_dir(&lib)
            .unwrap()
            .flatten()
            .find(|e| e.file_name().to_string_lossy().starts_with("python"));
        py.expect("lib/pythonX.Y in the venv").path().join("site-packages")
    }

    /// A snapshot of site-packages that two venvs holding the same
    /// distributions share: RECORD rows of the scripts in `bin/` lose their
    /// hash, since a script's shebang names its own venv.
    pub fn site_snapshot(&self) -> BTreeMap<String, String> {
        let site = self.site_packages();
        let mut snap = snapshot(&site);
        for (path, value) in snap.iter_mut() {
            if path.ends_with(".dist-info/RECORD") {
                let text = fs::read_to_string(site.join(path)).unwrap();
                let mut rows: Vec<String> = text
                    .lines()
                    .map(|l| {
                        if l.contains("/bin/") {
                            l.split(',').next().unwrap().to_string()
                        } else {
                            l.into()
                        }
                    })
                    .collect();
                rows.sort();
                *value = format!("record {}", rows.join(" | "));
            }
        }
        snap
    }

    /// The distributions the venv's python sees (name to version), read with
    /// importlib.metadata: the quick check; `pip list` costs a second a call.
    pub fn dists(&self, sandbox: &Sandbox) -> BTreeMap<String, String> {
        let code = "import importlib.metadata as m, json; \
                    print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))";
        let out = self.run_python(sandbox, code);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Runs the venv's python with `-c CODE` in the sandbox's environment.
    pub fn run_python(&self, sandbox: &Sandbox, code: &str) -> Output {
        sandbox.command(self.python()).args(["-c", code]).output().unwrap()
    }
}

/// Every path under `root` with its kind, mode and content hash (symlinks by
/// target), to compare a tree before and after.
pub fn snapshot(root: &Path) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(root).unwrap().to_string_lossy().into_owned();
        let meta = fs::symlink_metadata(entry.path()).unwrap();
        let mode = meta.permissions().mode() & 0o7777;
        let what = if meta.file_type().is_symlink() {
            format!("link -> {}", fs::read_link(entry.path()).unwrap().display())
        } else if meta.is_dir() {
            format!("dir {mode:o}")
        } else {
            format!("file {mode:o} {}", sha256_hex(&fs::read(entry.path()).unwrap()))
        };
        map.insert(rel, what);
    }
    map
}

/// Every path under `root`, `root` itself included, with its inode, size
/// and modification and change times (ns): what "nothing was touched"
/// compares. Nothing is skipped.
pub fn stat_snapshot(root: &Path) -> BTreeMap<String, String> {
    use std::os::unix::fs::MetadataExt;
    let mut map = BTreeMap::new();
    for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(root).unwrap().to_string_lossy().into_owned();
        let m = fs::symlink_metadata(entry.path()).unwrap();
        let times = (m.mtime(), m.mtime_nsec(), m.ctime(), m.ctime_nsec());
        map.insert(
            rel,
            format!(
                "ino {} size {} mtime {}.{} ctime {}.{}",
                m.ino(),
                m.size(),
                times.0,
                times.1,
                times.2,
                times.3
            ),
        );
    }
    map
}

/// Fails the test listing every difference between two snapshots.
pub fn assert_same_tree(before: &BTreeMap<String, String>, after: &BTreeMap<String, String>, what: &str) {
    let mut diff = Vec::new();
    for (k, v) in before {
        match after.get(k) {
            None => diff.push(format!("removed: {k}")),
            Some(w) if w != v => diff.push(format!("changed: {k} ({v} -> {w})")),
            _ => {}
        }
    }
    for k in after.keys().filter(|k| !before.contains_key(*k)) {
        diff.push(format!("added: {k}"));
    }
    assert!(diff.is_empty(), "{what} changed:\n{}", diff.join("\n"));
}

/// Every file under `root` whose name is `name`.
pub fn find_named(root: &Path, name: &str) -> Vec<PathBuf> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .flatten()
        .filter(|e| e.file_name() == name)
        .map(|e| e.path().to_path_buf())
        .collect()
}
