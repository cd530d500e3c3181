//! The fetcher's side of a dependency's URL (`Requires-Dist: name @ URL`):
//! taken in as the project's one candidate, or refused naming both requirers
//! (the bookkeeping lives in `resolver::url_deps`).

use wheelpipe::http::redact;

use super::Fetcher;
use crate::requirements::trees::Tree;
use crate::requirements::{Location, TreeEntry};
use crate::resolver::url_deps::{parse, prepared_key, Kind, Met, Source, UrlError};
use crate::trees::Prepared;

impl Fetcher<'_> {
    /// Takes in a dependency `name @ url` of `by` (`name version`): the
    /// same candidate as before, a new one, or an error naming both
    /// requirers of two different URLs (or why the URL cannot be used).
    pub(in crate::resolver) fn url_dependency(
        &self,
        name: &str,
        url: &str,
        by: &str,
    ) -> Result<Met, UrlError> {
        let shown = redact(url);
        let (key, kind) = parse(name, url).map_err(UrlError::Stop)?;
        let conflict = |other: &str, url: &str| {
            format!(
                "{name} is required from two different URLs: {by} requires {name} @ {shown}, \
                 {other} {name} @ {url}"
            )
        };
        if let Some(tree) = self.cx.trees.get(name) {
            if prepared_key(tree) == key {
                return Ok(Met::Known);
            }
            return Err(UrlError::Stop(conflict("the requirements ask for", &tree.artifact.url)));
        }
        if let Some(top) = self.cx.direct.get(name) {
            if parse(name, top).is_ok_and(|(k, _)| k == key) {
                return Ok(Met::Known);
            }
            return Err(UrlError::Stop(conflict("the requirements ask for", &redact(top))));
        }
        if let Some(found) = self.url_deps.get(name) {
            if found.key == key {
                return Ok(Met::Known);
            }
            return Err(UrlError::Stop(conflict(&format!("{} requires", found.by), &found.url)));
        }
        if let Some(why) = self.url_deps.failure(&key) {
            return Err(UrlError::Unprepared(why));
        }
        let source = match kind {
            Kind::File(file) => Source::File(file),
            Kind::Tree(tree) => match self.prepare_tree(name, tree, &shown, by) {
                Ok(prepared) => Source::Tree(Box::new(prepared)),
                Err(why) => {
                    self.url_deps.failed(key, why.clone());
                    return Err(UrlError::Unprepared(why));
                }
            },
        };
        self.url_deps.found(name, shown, key, by, source);
        self.forget(name);
        Ok(Met::New)
    }

    /// A dependency's folder or git URL, checked out and its metadata read,
    /// as a tree the requirements name is.
    fn prepare_tree(&self, name: &str, tree: Tree, shown: &str, by: &str) -> Result<Prepared, String> {
        let text = format!("{name} @ {shown}");
        let (Some(cache), Some(settings)) = (self.cx.cache, self.cx.build) else {
            return Err(format!(
                "{by} requires `{text}`, which needs a cache folder to be built (--cache-dir)"
            ));
        };
        let entry = TreeEntry { tree, location: Location { file: by.to_string(), line: 0 }, text };
        crate::trees::prepare_one(&entry, cache, settings).map_err(|e| {
            let why = format!("{e:#}");
            // The URL names the folder already: not its path again.
            let why =
                why.split_once(": ").filter(|(head, _)| head.starts_with('/')).map_or(&*why, |(_, r)| r);
            format!("required by {by}: {why}")
        })
    }
}
