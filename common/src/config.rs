//! Configuration like pip: command-line flags, then `PIP_*` environment
//! variables, then pip's configuration files, then pip's own default index
//! read from the target interpreter's pip. No index host is written here.

use std::path::PathBuf;

use anyhow::Result;

use crate::index::IndexUrls;
use crate::interpreter::Interpreter;

/// The index options a tool's command line can give (all optional).
#[derive(Clone, Debug, Default)]
pub struct IndexFlags {
    pub index_url: Option<String>,
    pub extra_index_urls: Vec<String>,
    pub find_links: Vec<String>,
    pub no_index: bool,
    pub cert: Option<PathBuf>,
}

/// The settings in force after every source was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub urls: IndexUrls,
    /// `--cert`, `PIP_CERT` or pip's `cert` option.
    pub cert: Option<PathBuf>,
    pub timeout: Option<u64>,
    pub retries: Option<u32>,
}

impl Settings {
    /// Reads flags, `PIP_*` variables, pip's config files (for the target
    /// interpreter's prefix, when it is a virtualenv) and, when no index URL
    /// was given anywhere, pip's built-in default from the interpreter.
    pub fn load(flags: &IndexFlags, interpreter: Option<&Interpreter>) -> Result<Settings> {
        todo!("{flags:?} {interpreter:?}")
    }

    /// [`crate::http::HttpOptions`] with this configuration's cert, timeout and retries.
    pub fn http_options(&self) -> crate::http::HttpOptions {
        let mut options = crate::http::HttpOptions::default();
        if let Some(c) = &self.cert {
            options.cert = Some(c.clone());
        }
        if let Some(t) = self.timeout {
            options.timeout = std::time::Duration::from_secs(t);
        }
        if let Some(r) = self.retries {
            options.retries = r;
        }
        options
    }
}
