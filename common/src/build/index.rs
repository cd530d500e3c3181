//! Which indexes a build environment's requirements come from. The
//! environments are filled by `wheel-resolve | wheel-fetch | wheel-unpack`
//! child processes; this tells that `wheel-resolve` the index settings of
//! the run through `PIP_INDEX_URL`, `PIP_EXTRA_INDEX_URL`, `PIP_FIND_LINKS`
//! and `PIP_NO_INDEX` (which override pip's config files, and keep
//! credentials off command lines). The settings are, in order: the index
//! flags on the stage's own command line; else the stream's `index` record
//! (what the `wheel-resolve` at the head of the pipeline used); else
//! nothing set, and the child reads `PIP_*` and pip's config itself.
//!
//! The record carries no credentials. A stage puts back those of a URL
//! that its own `PIP_*` variables or pip config files give with userinfo
//! (the same URL once redacted), as the first `wheel-resolve` found them;
//! else the child's HTTP client finds them in `~/.netrc`, as every tool
//! does. A password typed on `wheel-resolve`'s command line reaches no
//! later stage.

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, RwLock};

use anyhow::Result;

use crate::config::{IndexFlags, Settings};
use crate::http::redact;
use crate::index::IndexUrls;
use crate::interpreter::Interpreter;
use crate::records::Index;

/// The index settings of a run's build environments, shared by the
/// stage's reader (which may learn them from the stream) and its builders.
#[derive(Clone, Debug, Default)]
pub struct BuildIndex(Arc<RwLock<Chosen>>);

#[derive(Clone, Debug, Default)]
struct Chosen {
    urls: Option<IndexUrls>,
    /// Given on the command line (or the resolver's own): a stream's
    /// record does not replace them.
    fixed: bool,
}

impl BuildIndex {
    /// Nothing chosen yet: the stream's record may set them.
    pub fn configured() -> BuildIndex {
        BuildIndex::default()
    }

    /// `urls`, whatever the stream says.
    pub fn fixed(urls: IndexUrls) -> BuildIndex {
        BuildIndex(Arc::new(RwLock::new(Chosen { urls: Some(urls), fixed: true })))
    }

    /// [`BuildIndex::fixed`] to what `flags` and the configuration make of
    /// them when the command line named an index (read as `wheel-resolve`
    /// reads them), else [`BuildIndex::configured`].
    pub fn from_flags(flags: Option<&IndexFlags>, interpreter: &Interpreter) -> Result<BuildIndex> {
        match flags {
            Some(flags) => Ok(BuildIndex::fixed(Settings::load(flags, Some(interpreter))?.urls)),
            None => Ok(BuildIndex::configured()),
        }
    }

    /// Takes a stream's `index` record, unless the settings are fixed; the
    /// URLs get back the credentials the configuration gives them.
    pub fn adopt(&self, record: &Index) {
        self.adopt_with(record, &known_urls());
    }

    /// [`BuildIndex::adopt`], the credentials taken from `known` URLs.
    fn adopt_with(&self, record: &Index, known: &[String]) {
        let restore =
            |url: &String| known.iter().find(|k| redact(k) == *url && *k != url).unwrap_or(url).clone();
        let urls = IndexUrls {
            index_url: record.index_url.as_ref().map(restore),
            extra_index_urls: record.extra_index_urls.iter().map(restore).collect(),
            find_links: record.find_links.iter().map(restore).collect(),
        };
        let mut chosen = self.0.write().expect("no thread panics holding the lock");
        if !chosen.fixed {
            chosen.urls = Some(urls);
        }
    }

    /// The settings in force, `None` when the configuration decides.
    pub fn urls(&self) -> Option<IndexUrls> {
        self.0.read().expect("no thread panics holding the lock").urls.clone()
    }

    /// Sets the child `wheel-resolve`'s environment to the settings in force.
    pub fn apply(&self, command: &mut Command) {
        let Some(urls) = self.urls() else { return };
        match &urls.index_url {
            Some(url) => command.env("PIP_INDEX_URL", url).env("PIP_NO_INDEX", "0"),
            None => command.env("PIP_NO_INDEX", "1"),
        };
        command.env("PIP_EXTRA_INDEX_URL", urls.extra_index_urls.join(" "));
        command.env("PIP_FIND_LINKS", urls.find_links.join(" "));
    }
}

/// [`BuildIndex::adopt`] for an input line that is an `index` record;
/// other lines are left alone.
pub fn adopt_line(index: &BuildIndex, line: &str) {
    if !line.contains("\"index\"") {
        return;
    }
    if let Ok(crate::records::Line::Known(crate::records::Record::Index(record))) =
        crate::stream::parse_line(line)
    {
        index.adopt(&record);
    }
}

/// The `index` record for `urls`: no credentials, and find-links folders
/// absolute (a later stage may run elsewhere).
pub fn record(urls: &IndexUrls) -> Index {
    let link = |l: &String| {
        if l.contains("://") {
            return redact(l);
        }
        std::path::absolute(Path::new(l)).map_or_else(|_| l.clone(), |p| p.display().to_string())
    };
    Index {
        index_url: urls.index_url.as_deref().map(redact),
        extra_index_urls: urls.extra_index_urls.iter().map(|u| redact(u)).collect(),
        find_links: urls.find_links.iter().map(link).collect(),
    }
}

/// The index URLs `PIP_*` and pip's config files name, credentials and all.
fn known_urls() -> Vec<String> {
    let Ok(resolved) = Settings::configured(&IndexFlags::default()) else { return Vec::new() };
    resolved.settings.urls.all().cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_has_no_credentials_and_absolute_folders() {
        let urls = IndexUrls {
            index_url: Some("http://u:secret@127.0.0.1:1/simple/".into()),
            extra_index_urls: vec!["http://127.0.0.1:2/simple/".into()],
            find_links: vec!["wheels".into(), "http://t:tok@127.0.0.1:3/links/".into()],
        };
        let got = record(&urls);
        assert_eq!(got.index_url.as_deref(), Some("http://127.0.0.1:1/simple/"));
        assert_eq!(got.extra_index_urls, vec!["http://127.0.0.1:2/simple/".to_string()]);
        assert!(Path::new(&got.find_links[0]).is_absolute() && got.find_links[0].ends_with("wheels"));
        assert_eq!(got.find_links[1], "http://127.0.0.1:3/links/");
    }

    #[test]
    fn fixed_settings_ignore_the_stream_and_others_take_it() {
        let record = Index { index_url: None, extra_index_urls: vec![], find_links: vec!["/w".into()] };
        let mine = IndexUrls { index_url: Some("http://127.0.0.1:1/simple/".into()), ..IndexUrls::default() };
        let fixed = BuildIndex::fixed(mine.clone());
        fixed.adopt(&record);
        assert_eq!(fixed.urls(), Some(mine));
        let open = BuildIndex::configured();
        assert_eq!(open.urls(), None);
        let known = ["http://127.0.0.1:1/simple/".to_string(), "file:///w".into()];
        open.clone().adopt_with(&record, &known);
        assert_eq!(open.urls().unwrap().find_links, vec!["/w".to_string()]);
        let mut child = Command::new("true");
        open.apply(&mut child);
        let envs: Vec<_> = child.get_envs().map(|(k, v)| (k.to_owned(), v.map(|v| v.to_owned()))).collect();
        assert!(envs.contains(&("PIP_NO_INDEX".into(), Some("1".into()))), "{envs:?}");
        assert!(envs.contains(&("PIP_FIND_LINKS".into(), Some("/w".into()))), "{envs:?}");
    }

    #[test]
    fn credentials_come_back_from_the_configured_urls() {
        let record = Index {
            index_url: Some("http://127.0.0.1:1/simple/".into()),
            extra_index_urls: vec!["http://127.0.0.1:2/simple/".into()],
            find_links: vec![],
        };
        let known =
            ["http://127.0.0.1:9/simple/".to_string(), "http://u:s%40cret@127.0.0.1:2/simple/".into()];
        let index = BuildIndex::configured();
        index.adopt_with(&record, &known);
        let urls = index.urls().unwrap();
        assert_eq!(urls.index_url.as_deref(), Some("http://127.0.0.1:1/simple/"));
        assert_eq!(urls.extra_index_urls, vec!["http://u:s%40cret@127.0.0.1:2/simple/".to_string()]);
    }
}
