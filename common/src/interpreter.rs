//! The target interpreter: one `python` call (interpreter.py) that returns its
//! markers, sysconfig paths and what wheel tags need, cached by the
//! interpreter's path and modification time, and for a new virtualenv derived
//! from another like it (venv.rs).

mod installed;
mod venv;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::UNIX_EPOCH;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::cache::{Bucket, Cache};
use crate::exit::Failure;

pub use installed::InstalledDist;

const SCRIPT: &str = include_str!("interpreter.py");

/// The version of the answer's shape: cached answers of another are asked again.
const FORMAT: u32 = 2;

/// The installation scheme's folders, absolute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paths {
    pub purelib: PathBuf,
    pub platlib: PathBuf,
    pub scripts: PathBuf,
    pub include: PathBuf,
    pub data: PathBuf,
}

/// What the tools know of a Python interpreter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interpreter {
    pub executable: PathBuf,
    pub prefix: PathBuf,
    pub base_prefix: PathBuf,
    pub base_executable: Option<PathBuf>,
    /// major, minor, micro
    pub version: (u32, u32, u32),
    /// PEP 508 environment markers, by marker name.
    pub markers: BTreeMap<String, String>,
    pub paths: Paths,
    pub soabi: Option<String>,
    pub ext_suffix: Option<String>,
    pub py_debug: bool,
    pub gil_disabled: bool,
    /// `sysconfig.get_platform()`, e.g. `linux-x86_64`.
    pub platform: String,
    /// The glibc version, e.g. `2.36`, on glibc systems.
    pub glibc: Option<String>,
    /// The musl version on musl systems.
    pub musl: Option<String>,
    pub pointer_bits: u32,
    /// pip's built-in default index, when pip is importable there.
    pub pip_default_index: Option<String>,
    /// The absolute folders of `sys.path` (as `python -I` has it), in order.
    #[serde(default)]
    pub sys_path: Vec<PathBuf>,
}

#[derive(Serialize, Deserialize)]
struct CacheEntry {
    path: PathBuf,
    mtime_ns: u128,
    /// [`kernel`] when asked: markers name the kernel's release and version.
    #[serde(default)]
    kernel: String,
    /// The `pyvenv.cfg` beside the executable's folder, if any: whether the
    /// system's site-packages are on `sys.path` is written there.
    #[serde(default)]
    venv_cfg: String,
    interpreter: Interpreter,
}

/// The text of `ROOT/pyvenv.cfg` for `ROOT/bin/python` (empty if none).
fn venv_cfg(python: &Path) -> String {
    let cfg = python.parent().and_then(Path::parent).map(|root| root.join("pyvenv.cfg"));
    cfg.and_then(|c| std::fs::read_to_string(c).ok()).unwrap_or_default()
}

/// The running kernel's release and version (`platform_release` and
/// `platform_version` of the markers), where /proc tells them.
fn kernel() -> String {
    ["osrelease", "version"]
        .map(|f| std::fs::read_to_string(format!("/proc/sys/kernel/{f}")).unwrap_or_default())
        .join("")
}

impl Interpreter {
    /// Asks `python` (a path or a name on PATH) about itself; with a cache
    /// folder, reuses the answer while the executable is unchanged.
    pub fn query(python: &Path, cache: Option<&Cache>) -> Result<Interpreter> {
        let resolved = which(python)
            .with_context(|| format!("cannot find the Python interpreter {}", python.display()))?;
        let mtime_ns = std::fs::metadata(&resolved)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let entry_path = cache.and_then(|c| {
            let name = &crate::hash::sha256_hex(resolved.as_os_str().as_encoded_bytes())[..24];
            c.named_entry(Bucket::Interpreters, &format!("{name}-{FORMAT}.json")).ok()
        });
        let kernel = kernel();
        let venv_cfg = venv_cfg(&resolved);
        if let Some(p) = &entry_path {
            if let Ok(text) = std::fs::read(p) {
                if let Ok(entry) = serde_json::from_slice::<CacheEntry>(&text) {
                    let same = entry.path == resolved
                        && entry.mtime_ns == mtime_ns
                        && entry.kernel == kernel
                        && entry.venv_cfg == venv_cfg;
                    if same && mtime_ns != 0 {
                        cache.inspect(|c| c.touch(p));
                        return Ok(entry.interpreter);
                    }
                }
            }
        }
        // Without a modification time nothing is reused.
        let venv =
            cache.filter(|_| mtime_ns != 0).and_then(|_| venv::VenvPython::of(&resolved, mtime_ns, &kernel));
        let derived = venv.as_ref().zip(cache).and_then(|(v, c)| v.derive(c));
        let asked = derived.is_none();
        let interpreter = match derived {
            Some(interpreter) => interpreter,
            None => Self::ask(&resolved)?,
        };
        if let (Some(p), Some(cache)) = (entry_path, cache) {
            if asked {
                if let Some(v) = &venv {
                    v.remember(cache, &interpreter);
                }
            }
            let entry =
                CacheEntry { path: resolved, mtime_ns, kernel, venv_cfg, interpreter: interpreter.clone() };
            // A cache that cannot be written only costs time.
            let _ = cache.write_atomic(&p, &serde_json::to_vec(&entry)?);
        }
        Ok(interpreter)
    }

    fn ask(python: &Path) -> Result<Interpreter> {
        let out = Command::new(python)
            .args(["-I", "-c", SCRIPT])
            .env_remove("PYTHONPATH")
            .output()
            .with_context(|| format!("cannot run the Python interpreter {}", python.display()))?;
        let answer = if out.status.success() { serde_json::from_slice(&out.stdout).ok() } else { None };
        answer.ok_or_else(|| query_failed(python, &out))
    }
    /// `X.Y`
    pub fn short_version(&self) -> String {
        format!("{}.{}", self.version.0, self.version.1)
    }

    /// The distributions this interpreter sees on its `sys.path`, by
    /// normalized name, read from the disk now.
    pub fn installed(&self) -> std::collections::BTreeMap<String, InstalledDist> {
        installed::scan(&self.sys_path)
    }

    /// True when this interpreter runs inside a virtualenv.
    pub fn is_venv(&self) -> bool {
        self.prefix != self.base_prefix
    }
}

/// Why `python` is no interpreter this code can use: its path, its exit
/// status and what it printed (the start of it).
fn query_failed(python: &Path, out: &std::process::Output) -> anyhow::Error {
    let said = |bytes: &[u8], stream: &str| {
        let text = String::from_utf8_lossy(bytes);
        let text = text.trim();
        match text.chars().count() {
            0 => format!("nothing on {stream}"),
            n if n > 300 => format!("on {stream}: {}...", text.chars().take(300).collect::<String>()),
            _ => format!("on {stream}: {text}"),
        }
    };
    anyhow::anyhow!(
        "the Python interpreter {} could not be queried ({}): it printed {} and {}; is it Python 3?",
        python.display(),
        out.status,
        said(&out.stdout, "stdout"),
        said(&out.stderr, "stderr")
    )
}

/// Opens the virtualenv `venv` (as the user gave it): its absolute path and
/// its interpreter's answer (cached in `cache`). Not a venv (no
/// `bin/python`, or a base interpreter) is a usage error naming it.
pub fn open_venv(venv_arg: &Path, cache: Option<&Cache>) -> Result<(PathBuf, Interpreter)> {
    let venv = std::path::absolute(venv_arg)?;
    let python = venv.join("bin").join("python");
    if !python.exists() {
        let why = match venv.exists() {
            true => "it has no bin/python",
            false => "it does not exist",
        };
        let hint = format!("create one with `python3 -m venv {}`", venv_arg.display());
        return Err(Failure::usage(format!("{} is not a virtualenv: {why}; {hint}", venv.display())).into());
    }
    let interpreter = Interpreter::query(&python, cache)?;
    if !interpreter.is_venv() {
        let why = format!("{} is not a virtualenv: its python is the base interpreter", venv.display());
        return Err(Failure::usage(why).into());
    }
    Ok((venv, interpreter))
}

/// A path with a folder part as it is; a bare name looked up on PATH.
pub fn which(python: &Path) -> Result<PathBuf> {
    if python.components().count() > 1 {
        if python.exists() {
            return Ok(std::path::absolute(python)?);
        }
        bail!("no such file");
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(python))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| anyhow::anyhow!("not found on PATH"))
}
