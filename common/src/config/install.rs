//! The options of `pip install` besides the index that pip also takes from
//! `PIP_*` variables and its configuration files, read as pip reads them:
//! `pre` is a boolean (`PIP_PRE=1`, `yes`, `true`, ...); `constraint` and
//! `trusted-host` are lists split on whitespace (pip's `append` options);
//! `only-binary` and `no-binary` are comma lists (`:all:`, `:none:` or
//! names), as pip's `FormatControl` splits them; `proxy` is one URL. What the
//! command line gives adds to these, as pip's does.

use anyhow::Result;

use super::{boolean, Value};

/// What `pip install`'s configuration says beyond the index.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InstallOptions {
    /// `--pre`.
    pub pre: bool,
    /// `--constraint` files, relative to the current folder.
    pub constraints: Vec<String>,
    /// `--only-binary` values, each a name, `:all:` or `:none:`.
    pub only_binary: Vec<String>,
    /// `--no-binary` values, likewise.
    pub no_binary: Vec<String>,
}

/// Reads the options through `lookup` (environment, then `[install]`, then
/// `[global]`).
pub(super) fn read<'v>(lookup: &dyn Fn(&str) -> Option<&'v Value>) -> Result<InstallOptions> {
    let words = |key: &str| -> Vec<String> {
        lookup(key).map_or_else(Vec::new, |v| v.text.split_whitespace().map(str::to_string).collect())
    };
    let commas = |key: &str| -> Vec<String> {
        lookup(key).map_or_else(Vec::new, |v| {
            v.text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
        })
    };
    Ok(InstallOptions {
        pre: lookup("pre").map(|v| boolean(v, "pre")).transpose()?.unwrap_or(false),
        constraints: words("constraint"),
        only_binary: commas("only-binary"),
        no_binary: commas("no-binary"),
    })
}

/// `trusted-host`: host or host:port words.
pub(super) fn trusted_hosts<'v>(lookup: &dyn Fn(&str) -> Option<&'v Value>) -> Vec<String> {
    lookup("trusted-host").map_or_else(Vec::new, |v| v.text.split_whitespace().map(str::to_string).collect())
}

/// `proxy`: `scheme://[user:pass@]host:port`, empty meaning none.
pub(super) fn proxy<'v>(lookup: &dyn Fn(&str) -> Option<&'v Value>) -> Option<String> {
    lookup("proxy").map(|v| v.text.trim().to_string()).filter(|p| !p.is_empty())
}
