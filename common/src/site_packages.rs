//! What a virtualenv has installed, read from its files as pip reads them:
//! every `*.dist-info` folder of its site-packages folders, with the name and
//! version from METADATA, INSTALLER, REQUESTED, PEP 610's `direct_url.json`
//! and the paths its RECORD lists. The one home of this reading:
//! wheel-unpack (what is already there, what a new version replaces),
//! wheel-list and wheel-remove all use it, and its folder scan
//! ([`info_entries`]) also finds what an interpreter sees on its `sys.path`.

use std::fs::{self, File};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::metadata::CoreMetadata;
use crate::names::normalize;

/// One installed distribution: a `*.dist-info` folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dist {
    /// As METADATA spells it (the folder's name when METADATA is unreadable).
    pub name: String,
    pub version: String,
    pub dist_info: PathBuf,
    /// The site-packages folder holding it.
    pub location: PathBuf,
}

/// PEP 610's `direct_url.json`: the distribution was installed from a URL
/// named directly (`name @ URL`, a path), not found on an index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectUrl {
    pub url: String,
    /// `archive_info`'s sha256, when it gives one.
    pub sha256: Option<String>,
    /// `dir_info.editable`.
    pub editable: bool,
    /// `vcs_info.commit_id`, for a checkout.
    pub commit_id: Option<String>,
}

impl Dist {
    /// The normalized name (PEP 503).
    pub fn key(&self) -> String {
        normalize(&self.name)
    }

    /// INSTALLER's first line (`pip`, `uv`, `wheelpipe`), when there is one.
    pub fn installer(&self) -> Option<String> {
        let text = fs::read_to_string(self.dist_info.join("INSTALLER")).ok()?;
        text.lines().next().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string)
    }

    /// True when REQUESTED is there: a user asked for it by name.
    pub fn requested(&self) -> bool {
        self.dist_info.join("REQUESTED").exists()
    }

    /// The `direct_url.json`, if any; an unreadable one is an error naming it.
    pub fn direct_url(&self) -> Result<Option<DirectUrl>> {
        let path = self.dist_info.join("direct_url.json");
        let Ok(text) = fs::read_to_string(&path) else { return Ok(None) };
        let v: serde_json::Value =
            serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
        let Some(url) = v.get("url").and_then(|u| u.as_str()) else {
            bail!("{} has no \"url\"", path.display());
        };
        let archive = v.get("archive_info");
        let sha256 = archive
            .and_then(|a| a.pointer("/hashes/sha256").and_then(|h| h.as_str()).map(str::to_string))
            .or_else(|| archive?.get("hash")?.as_str()?.strip_prefix("sha256=").map(str::to_string));
        let editable = v.pointer("/dir_info/editable").and_then(|e| e.as_bool()).unwrap_or(false);
        let commit_id = v.pointer("/vcs_info/commit_id").and_then(|c| c.as_str()).map(str::to_string);
        Ok(Some(DirectUrl { url: url.to_string(), sha256, editable, commit_id }))
    }

    /// The paths RECORD lists, as written (relative to [`Dist::location`],
    /// `/`-separated); `None` when there is no RECORD.
    pub fn record_paths(&self) -> Result<Option<Vec<String>>> {
        let record = self.dist_info.join("RECORD");
        let Ok(text) = fs::read_to_string(&record) else { return Ok(None) };
        let mut paths = Vec::new();
        for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let fields = split_csv(line).with_context(|| format!("{}:{}", record.display(), i + 1))?;
            paths.extend(fields.into_iter().next());
        }
        Ok(Some(paths))
    }
}

/// Every distribution in the site-packages `folders` (a folder given twice,
/// or once more through a symlink such as a venv's `lib64`, is read once; a
/// missing one holds nothing), sorted by normalized name.
pub fn scan(folders: &[&Path]) -> Result<Vec<Dist>> {
    let mut found = Vec::new();
    let mut seen = Vec::new();
    for lib in folders {
        let real = lib.canonicalize().unwrap_or_else(|_| lib.to_path_buf());
        if seen.contains(&real) {
            continue;
        }
        seen.push(real);
        for entry in info_entries(lib)? {
            if !entry.egg && entry.is_dir {
                found.push(read_dist(lib, &entry.path, &entry.stem));
            }
        }
    }
    found.sort_by_cached_key(|d| (d.key(), d.dist_info.clone()));
    Ok(found)
}

/// A distribution's metadata entry in a site-packages folder, as
/// `importlib.metadata` finds them: a `NAME-VERSION.dist-info` folder, or a
/// legacy `.egg-info` (a folder, or a file that is the PKG-INFO itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InfoEntry {
    pub path: PathBuf,
    /// The name without `.dist-info` or `.egg-info`.
    pub stem: String,
    pub egg: bool,
    pub is_dir: bool,
}

/// The `.dist-info` and `.egg-info` entries of `folder`, sorted by name (a
/// stable order when a broken install left two versions); a folder that
/// cannot be listed holds none. The one folder scan of both readers of
/// installed distributions: [`scan`] (a venv's `.dist-info` folders) and
/// what an interpreter sees on its `sys.path` (`.egg-info` too,
/// [`crate::interpreter::Interpreter::installed`]).
pub fn info_entries(folder: &Path) -> Result<Vec<InfoEntry>> {
    let Ok(dir) = fs::read_dir(folder) else { return Ok(Vec::new()) };
    let mut found = Vec::new();
    for entry in dir {
        let entry = entry.with_context(|| format!("cannot list {}", folder.display()))?;
        let Some(name) = entry.file_name().to_str().map(str::to_string) else { continue };
        let (stem, egg) = match (name.strip_suffix(".dist-info"), name.strip_suffix(".egg-info")) {
            (Some(stem), _) => (stem, false),
            (None, Some(stem)) => (stem, true),
            (None, None) => continue,
        };
        let path = entry.path();
        found.push(InfoEntry { is_dir: path.is_dir(), stem: stem.to_string(), egg, path });
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(found)
}

/// Name and version from METADATA's headers, read no further than the
/// first blank line; else from the folder's name (`{name}-{version}`).
fn read_dist(lib: &Path, dist_info: &Path, stem: &str) -> Dist {
    let from_metadata = File::open(dist_info.join("METADATA")).ok().and_then(|f| {
        let mut head = String::new();
        for line in BufReader::new(f).lines() {
            let line = line.ok()?;
            if line.trim().is_empty() {
                break;
            }
            head.push_str(&line);
            head.push('\n');
        }
        CoreMetadata::parse(&head, "METADATA").ok()
    });
    let (name, version) = match from_metadata {
        Some(m) => (m.name, m.version),
        None => {
            let (n, v) = stem.rsplit_once('-').unwrap_or((stem, ""));
            (n.to_string(), v.to_string())
        }
    };
    Dist { name, version, dist_info: dist_info.to_path_buf(), location: lib.to_path_buf() }
}

/// Splits one CSV line as Python's `csv` module writes it (RECORD's rows):
/// `,` separated, fields in double quotes when they hold a comma or a
/// quote (doubled).
pub fn split_csv(line: &str) -> Result<Vec<String>> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (false, '"') if field.is_empty() => quoted = true,
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (_, c) => field.push(c),
        }
    }
    if quoted {
        bail!("unterminated quote in {line:?}");
    }
    fields.push(field);
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dist_info(lib: &Path, folder: &str, files: &[(&str, &str)]) {
        let d = lib.join(folder);
        fs::create_dir_all(&d).unwrap();
        for (name, text) in files {
            fs::write(d.join(name), text).unwrap();
        }
    }

    #[test]
    fn reads_names_versions_and_the_files_beside_metadata() {
        let dir = tempfile::tempdir().unwrap();
        let lib = dir.path();
        let meta = "Metadata-Version: 2.1\nName: Zope.Interface\nVersion: 5.0\n\nName: not this\n";
        let direct = r#"{"archive_info": {"hash": "sha256=ab", "hashes": {"sha256": "ab"}}, "url": "file:///w/z.whl"}"#;
        dist_info(lib, "zope_interface-5.0.dist-info", &[("METADATA", meta), ("INSTALLER", "pip\n")]);
        dist_info(lib, "zope_interface-5.0.dist-info", &[("REQUESTED", ""), ("direct_url.json", direct)]);
        dist_info(lib, "b_legacy-name-2.0.dist-info", &[("RECORD", "\"a,b.py\",sha256=x,1\r\nc.py,,\r\n")]);
        fs::write(lib.join("not_a-1.0.dist-info"), "a file").unwrap();
        fs::create_dir_all(lib.join("pkg")).unwrap();
        std::os::unix::fs::symlink(lib, lib.join("lib64")).unwrap();
        let dists = scan(&[lib, &lib.join("lib64"), lib, &lib.join("missing")]).unwrap();
        let names: Vec<_> = dists.iter().map(|d| (d.name.as_str(), d.version.as_str())).collect();
        assert_eq!(names, [("b_legacy-name", "2.0"), ("Zope.Interface", "5.0")]);
        let (b, z) = (&dists[0], &dists[1]);
        assert_eq!(
            (z.key(), z.installer(), z.requested()),
            ("zope-interface".into(), Some("pip".into()), true)
        );
        let url = z.direct_url().unwrap().unwrap();
        assert_eq!(
            (url.url.as_str(), url.sha256.as_deref(), url.editable),
            ("file:///w/z.whl", Some("ab"), false)
        );
        assert_eq!((b.installer(), b.requested(), b.direct_url().unwrap()), (None, false, None));
        assert_eq!(b.record_paths().unwrap().unwrap(), ["a,b.py", "c.py"]);
        assert_eq!(z.record_paths().unwrap(), None);
        assert_eq!(z.location, lib);
    }

    #[test]
    fn a_broken_direct_url_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        dist_info(dir.path(), "x-1.dist-info", &[("direct_url.json", "{\"dir_info\": {}}")]);
        let dists = scan(&[dir.path()]).unwrap();
        let err = dists[0].direct_url().unwrap_err().to_string();
        assert!(err.contains("direct_url.json has no \"url\""), "{err}");
    }

    #[test]
    fn csv_fields_split_like_pythons() {
        assert_eq!(split_csv("a/b.py,sha256=x,12").unwrap(), ["a/b.py", "sha256=x", "12"]);
        assert_eq!(split_csv("\"a,\"\"b\"\".py\",,").unwrap(), ["a,\"b\".py", "", ""]);
        assert!(split_csv("\"open,1,2").is_err());
    }
}
