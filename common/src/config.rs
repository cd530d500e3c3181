//! Configuration like pip 23: command-line flags, then `PIP_*` environment
//! variables, then pip's configuration files, then pip's own default index
//! read from the target interpreter's pip. No index host is written here.
//!
//! The files, lowest priority first, as pip's `configuration.py` orders them:
//! the global files (`$XDG_CONFIG_DIRS/pip/pip.conf`, default
//! `/etc/xdg/pip/pip.conf`, then `/etc/pip.conf`), the user files
//! (`~/.pip/pip.conf`, then `$XDG_CONFIG_HOME/pip/pip.conf`; skipped when
//! `PIP_CONFIG_FILE` names a file that exists), the site file
//! `{sys.prefix}/pip.conf`, and last the file `PIP_CONFIG_FILE` names.
//! `PIP_CONFIG_FILE=/dev/null` means no files at all. In every file the
//! `[install]` section overrides `[global]` (whichever file it is in, as in
//! pip). List options (`extra-index-url`, `find-links`) are whitespace
//! separated, and the command line adds to them, as pip's does.
//!
//! This is the one place the environment is read for HTTP: `timeout` (pip's
//! seconds, fractions kept), `retries`, and `WHEELPIPE_RETRY_BACKOFF_MS`,
//! the first pause between tries (ours; pip has none).

mod ini;
mod install;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};

use crate::index::IndexUrls;
use crate::interpreter::Interpreter;

pub use ini::{normalize_key, parse as parse_ini, Entry};
pub use install::InstallOptions;

/// The index options a tool's command line can give (all optional).
#[derive(Clone, Debug, Default)]
pub struct IndexFlags {
    pub index_url: Option<String>,
    pub extra_index_urls: Vec<String>,
    pub find_links: Vec<String>,
    pub no_index: bool,
    pub cert: Option<PathBuf>,
    /// `--trusted-host` values (added to the configured ones).
    pub trusted_hosts: Vec<String>,
    /// `--proxy` (over the configured one).
    pub proxy: Option<String>,
}

/// The settings in force after every source was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub urls: IndexUrls,
    /// `--cert`, `PIP_CERT` or pip's `cert` option.
    pub cert: Option<PathBuf>,
    pub timeout: Option<Duration>,
    pub retries: Option<u32>,
    /// `--trusted-host`, `PIP_TRUSTED_HOST` or pip's `trusted-host`: hosts
    /// (`host` or `host:port`) whose TLS certificates are not checked.
    pub trusted_hosts: Vec<String>,
    /// `--proxy`, `PIP_PROXY` or pip's `proxy`, over `HTTPS_PROXY`.
    pub proxy: Option<String>,
    /// `pre`, `constraint`, `only-binary`, `no-binary`.
    pub install: InstallOptions,
    /// `WHEELPIPE_RETRY_BACKOFF_MS`: the first pause between tries.
    pub backoff: Option<Duration>,
}

/// A configuration file's text and where it came from.
#[derive(Clone, Debug)]
pub struct ConfigText {
    pub path: PathBuf,
    pub text: String,
}

/// What flags, environment and files say, before pip's default index is
/// filled in. `settings.urls.index_url` is `None` when nothing gave one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub settings: Settings,
    pub no_index: bool,
}

/// Whether the default index still has to be asked for.
impl Resolved {
    pub fn needs_default_index(&self) -> bool {
        !self.no_index && self.settings.urls.index_url.is_none()
    }
}

const DEVNULL: &str = "/dev/null";

impl Settings {
    /// Reads flags, `PIP_*` variables, pip's config files (the site file of
    /// the target interpreter's prefix included) and, when no index URL was
    /// given anywhere, pip's built-in default from the interpreter.
    pub fn load(flags: &IndexFlags, interpreter: Option<&Interpreter>) -> Result<Settings> {
        let env: BTreeMap<String, String> = std::env::vars().collect();
        let prefix = interpreter.map(|i| i.prefix.as_path());
        let files = read_files(&config_files(&env, prefix, &|p| p.exists()))?;
        let resolved = resolve(flags, &env, &files)?;
        let mut settings = resolved.settings.clone();
        if resolved.needs_default_index() {
            settings.urls.index_url = Some(default_index(interpreter)?);
        }
        Ok(settings)
    }

    /// The HTTP options alone (cert, timeout, retries) from `--cert`,
    /// `PIP_*` and pip's config files, for tools that need no index.
    pub fn http_only(cert: Option<PathBuf>) -> Result<crate::http::HttpOptions> {
        let flags = IndexFlags { cert, ..IndexFlags::default() };
        Ok(Settings::configured(&flags)?.settings.http_options())
    }

    /// What `flags`, `PIP_*` and pip's config files (not the site file of
    /// an interpreter) say, without pip's default index filled in.
    pub fn configured(flags: &IndexFlags) -> Result<Resolved> {
        let env: BTreeMap<String, String> = std::env::vars().collect();
        let files = read_files(&config_files(&env, None, &|p| p.exists()))?;
        resolve(flags, &env, &files)
    }

    /// [`crate::http::HttpOptions`] with this configuration's cert, timeout,
    /// retries, and the credentials of its index URLs.
    pub fn http_options(&self) -> crate::http::HttpOptions {
        let mut options = crate::http::HttpOptions::default();
        if let Some(c) = &self.cert {
            options.cert = Some(c.clone());
        }
        if let Some(t) = self.timeout {
            options.timeout = t;
        }
        if let Some(r) = self.retries {
            options.retries = r;
        }
        options.trusted_hosts.clone_from(&self.trusted_hosts);
        options.proxy.clone_from(&self.proxy);
        options.index_credentials = crate::http::IndexCredentials::from_urls(self.urls.all());
        if let Some(b) = self.backoff {
            options.backoff = b;
        }
        options
    }
}

/// The configuration files to read, lowest priority first, for the
/// environment `env` and the interpreter prefix `prefix` (for the site
/// file). `exists` says whether a path exists (the file system, in `load`).
/// Files that do not exist are left out.
pub fn config_files(
    env: &BTreeMap<String, String>,
    prefix: Option<&Path>,
    exists: &dyn Fn(&Path) -> bool,
) -> Vec<PathBuf> {
    let var = |name: &str| env.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    let env_file = env.get("PIP_CONFIG_FILE").filter(|v| !v.is_empty()).map(PathBuf::from);
    if env_file.as_deref() == Some(Path::new(DEVNULL)) {
        return Vec::new();
    }
    let mut files = Vec::new();
    let xdg_dirs = var("XDG_CONFIG_DIRS").unwrap_or("/etc/xdg");
    for dir in xdg_dirs.split(':').filter(|d| !d.is_empty()) {
        files.push(Path::new(dir).join("pip").join("pip.conf"));
    }
    files.push(PathBuf::from("/etc/pip.conf"));
    let env_file_exists = env_file.as_deref().is_some_and(exists);
    if let (Some(home), false) = (var("HOME"), env_file_exists) {
        files.push(Path::new(home).join(".pip").join("pip.conf"));
        let config_home =
            var("XDG_CONFIG_HOME").map_or_else(|| Path::new(home).join(".config"), PathBuf::from);
        files.push(config_home.join("pip").join("pip.conf"));
    }
    if let Some(prefix) = prefix {
        files.push(prefix.join("pip.conf"));
    }
    files.extend(env_file);
    files.retain(|f| exists(f));
    files
}

fn read_files(paths: &[PathBuf]) -> Result<Vec<ConfigText>> {
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the pip configuration file {}", path.display()))?;
            Ok(ConfigText { path: path.clone(), text })
        })
        .collect()
}

/// One option's value and where it was set, for errors.
struct Value {
    text: String,
    origin: String,
}

/// Combines flags, the `PIP_*` variables of `env` and the files' texts
/// (lowest priority first) the way pip does. Pure: no file system, no
/// process environment; [`Settings::load`] feeds it the real ones.
pub fn resolve(flags: &IndexFlags, env: &BTreeMap<String, String>, files: &[ConfigText]) -> Result<Resolved> {
    // "section.key" -> value; later files override earlier ones.
    let mut merged: BTreeMap<String, Value> = BTreeMap::new();
    for file in files {
        let origin = file.path.display().to_string();
        for e in ini::parse(&file.text, &origin)? {
            merged
                .insert(format!("{}.{}", e.section, e.key), Value { text: e.value, origin: origin.clone() });
        }
    }
    for (name, value) in env {
        if let Some(rest) = name.strip_prefix("PIP_") {
            let origin = format!("the environment variable {name}");
            merged.insert(format!(":env:.{}", normalize_key(rest)), Value { text: value.clone(), origin });
        }
    }
    // pip reads a command's options from [global], then [install], then the
    // environment, each overriding the one before; `--default-timeout` is
    // another spelling of `--timeout`.
    let lookup = |key: &str| -> Option<&Value> {
        let aliases: &[&str] = if key == "timeout" { &["timeout", "default-timeout"] } else { &[key] };
        [":env:", "install", "global"]
            .iter()
            .find_map(|section| aliases.iter().find_map(|k| merged.get(&format!("{section}.{k}"))))
    };
    let list = |key: &str| -> Vec<String> {
        lookup(key).map_or_else(Vec::new, |v| v.text.split_whitespace().map(str::to_string).collect())
    };

    let no_index =
        flags.no_index || lookup("no-index").map(|v| boolean(v, "no-index")).transpose()?.unwrap_or(false);
    let mut extra_index_urls = list("extra-index-url");
    extra_index_urls.extend(flags.extra_index_urls.iter().cloned());
    let mut find_links = list("find-links");
    find_links.extend(flags.find_links.iter().cloned());
    let index_url = flags
        .index_url
        .clone()
        .or_else(|| lookup("index-url").map(|v| v.text.trim().to_string()).filter(|u| !u.is_empty()));
    let cert = flags
        .cert
        .clone()
        .or_else(|| lookup("cert").map(|v| v.text.trim()).filter(|c| !c.is_empty()).map(PathBuf::from));
    let timeout = lookup("timeout").map(timeout_secs).transpose()?;
    let retries = lookup("retries")
        .map(|v| {
            v.text.trim().parse::<u32>().map_err(|_| {
                anyhow!("{}: retries must be a non-negative integer, not {:?}", v.origin, v.text)
            })
        })
        .transpose()?;
    let mut trusted_hosts = install::trusted_hosts(&lookup);
    trusted_hosts.extend(flags.trusted_hosts.iter().cloned());
    let proxy = flags.proxy.clone().or_else(|| install::proxy(&lookup));
    let install = install::read(&lookup)?;
    let backoff = match env.get("WHEELPIPE_RETRY_BACKOFF_MS") {
        Some(v) => Some(Duration::from_millis(v.trim().parse().map_err(|_| {
            anyhow!("WHEELPIPE_RETRY_BACKOFF_MS must be a number of milliseconds, not {v:?}")
        })?)),
        None => None,
    };
    let urls = if no_index {
        IndexUrls { index_url: None, extra_index_urls: Vec::new(), find_links }
    } else {
        IndexUrls { index_url, extra_index_urls, find_links }
    };
    let settings = Settings { urls, cert, timeout, retries, trusted_hosts, proxy, install, backoff };
    Ok(Resolved { settings, no_index })
}

/// pip's `strtobool`.
fn boolean(value: &Value, key: &str) -> Result<bool> {
    match value.text.trim().to_lowercase().as_str() {
        "y" | "yes" | "t" | "true" | "on" | "1" => Ok(true),
        "n" | "no" | "f" | "false" | "off" | "0" => Ok(false),
        other => bail!("{}: {key} must be true or false (yes/no, on/off, 1/0), not {other:?}", value.origin),
    }
}

/// pip's timeout is in seconds, fractions allowed (to the millisecond).
fn timeout_secs(value: &Value) -> Result<Duration> {
    match value.text.trim().parse::<f64>() {
        Ok(secs) if secs.is_finite() && (0.0..1e9).contains(&secs) => {
            Ok(Duration::from_millis((secs * 1000.0).ceil() as u64))
        }
        _ => bail!("{}: timeout must be a number of seconds, not {:?}", value.origin, value.text),
    }
}

const ASK_PIP: &str = "from pip._internal.models.index import PyPI; print(PyPI.simple_url)";

/// pip's built-in index URL: from the interpreter's answer, else from its
/// base interpreter's pip, else from the pip of `python3` on PATH.
fn default_index(interpreter: Option<&Interpreter>) -> Result<String> {
    default_index_with(interpreter, Path::new("python3"))
}

/// [`default_index`] with the last resort `fallback` instead of `python3`.
fn default_index_with(interpreter: Option<&Interpreter>, fallback: &Path) -> Result<String> {
    if let Some(url) = interpreter.and_then(|i| i.pip_default_index.clone()) {
        return Ok(url);
    }
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(i) = interpreter {
        candidates
            .push(i.base_executable.clone().unwrap_or_else(|| i.base_prefix.join("bin").join("python3")));
    }
    candidates.push(fallback.to_path_buf());
    candidates.into_iter().find_map(|python| ask_pip(&python)).ok_or_else(|| {
        let python =
            interpreter.map_or_else(|| "python3".to_string(), |i| i.executable.display().to_string());
        anyhow!(
            "no index URL: none was given (--index-url, PIP_INDEX_URL, pip.conf) and pip is not installed \
             for {python} to read its default from"
        )
    })
}

fn ask_pip(python: &Path) -> Option<String> {
    let out = Command::new(python).args(["-c", ASK_PIP]).env_remove("PYTHONPATH").output().ok()?;
    let url = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !url.is_empty()).then_some(url)
}

#[cfg(test)]
mod tests;
