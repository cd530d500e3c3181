//! `--find-links` locations: a local folder (or `file://` URL) of
//! distributions, a local HTML file, or an http(s) page of links; each
//! listing filtered to one project by the normalized name in the filenames.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::{fetch_page, parse_html, DistFile};
use crate::http::{redact, Client};
use crate::names::normalize;
use crate::wheel_name::WheelFilename;

const EXTENSIONS: [&str; 6] = [".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar"];

/// The files of project `name` at one find-links location.
pub fn files(http: &Client, location: &str, name: &str) -> Result<Vec<DistFile>> {
    let files = if location.starts_with("http://") || location.starts_with("https://") {
        match fetch_page(http, location, "text/html")? {
            Some(listing) => listing.files,
            None => bail!("{}: HTTP 404 (a --find-links page)", redact(location)),
        }
    } else {
        let path = match url::Url::parse(location) {
            Ok(u) if u.scheme() == "file" => {
                u.to_file_path().map_err(|()| anyhow::anyhow!("{location}: not a local file URL"))?
            }
            _ => PathBuf::from(location),
        };
        local_files(&path).with_context(|| format!("cannot read the --find-links location {location}"))?
    };
    Ok(files.into_iter().filter(|f| is_for_project(&f.filename, name)).collect())
}

/// Every distribution in a folder, sorted by name; a single file; or the
/// links of a local HTML page.
fn local_files(path: &Path) -> Result<Vec<DistFile>> {
    let path = std::path::absolute(path)?;
    let meta = std::fs::metadata(&path)?;
    if meta.is_file() {
        let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
        if name.ends_with(".html") || name.ends_with(".htm") {
            let body = std::fs::read_to_string(&path)?;
            let base =
                url::Url::from_file_path(&path).map_err(|()| anyhow::anyhow!("not an absolute path"))?;
            return parse_html(&body, base.as_str());
        }
        return Ok(local_file(&path, meta.len()).into_iter().collect());
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&path)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        if meta.is_file() {
            out.extend(local_file(&entry.path(), meta.len()));
        }
    }
    out.sort_by(|a, b| a.filename.cmp(&b.filename));
    Ok(out)
}

fn local_file(path: &Path, size: u64) -> Option<DistFile> {
    let filename = path.file_name()?.to_str()?.to_string();
    if !EXTENSIONS.iter().any(|e| filename.to_ascii_lowercase().ends_with(e)) {
        return None;
    }
    Some(DistFile {
        url: url::Url::from_file_path(path).ok()?.to_string(),
        filename,
        hashes: Default::default(),
        requires_python: None,
        yanked: None,
        core_metadata: None,
        size: Some(size),
    })
}

/// A wheel by the name in its filename; a source distribution
/// (`name-version.ext`) when some dash splits it into the project's name
/// and something that starts like a version.
pub fn is_for_project(filename: &str, name: &str) -> bool {
    let wanted = normalize(name);
    if filename.ends_with(".whl") {
        return WheelFilename::parse(filename).is_ok_and(|w| normalize(&w.name) == wanted);
    }
    let lower = filename.to_ascii_lowercase();
    let Some(ext) = EXTENSIONS.iter().find(|e| lower.ends_with(*e)) else { return false };
    let stem = &filename[..filename.len() - ext.len()];
    stem.match_indices('-').any(|(i, _)| {
        let version = stem[i + 1..].trim_start_matches(['v', 'V']);
        normalize(&stem[..i]) == wanted && version.starts_with(|c: char| c.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_files_to_projects_by_normalized_name() {
        assert!(is_for_project("Foo_Bar-1.0-py3-none-any.whl", "foo.bar"));
        assert!(!is_for_project("foo_bar2-1.0-py3-none-any.whl", "foo-bar"));
        assert!(is_for_project("foo-bar-1.0.tar.gz", "Foo_Bar"));
        assert!(!is_for_project("foo-bar-1.0.tar.gz", "foo"));
        assert!(!is_for_project("foo-bar.txt", "foo"));
        assert!(!is_for_project("not-a-wheel.whl", "not"));
    }

    #[test]
    fn lists_a_local_folder_and_file_urls() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["demo-1.0-py3-none-any.whl", "demo-0.9.tar.gz", "other-1.0-py3-none-any.whl", "demo.txt"] {
            std::fs::write(dir.path().join(f), b"x").unwrap();
        }
        let http = Client::new(Default::default()).unwrap();
        let files = files(&http, dir.path().to_str().unwrap(), "DEMO").unwrap();
        let names: Vec<_> = files.iter().map(|f| f.filename.as_str()).collect();
        assert_eq!(names, ["demo-0.9.tar.gz", "demo-1.0-py3-none-any.whl"]);
        let expected = url::Url::from_file_path(dir.path().join("demo-1.0-py3-none-any.whl")).unwrap();
        assert_eq!(files[1].url, expected.as_str());
        assert!(files[1].hashes.is_empty());
        assert_eq!(files[1].size, Some(1));

        let as_url = url::Url::from_directory_path(dir.path()).unwrap();
        assert_eq!(super::files(&http, as_url.as_str(), "demo").unwrap(), files);
        let err = super::files(&http, "/nonexistent/wheels", "demo").unwrap_err();
        assert!(format!("{err:#}").contains("/nonexistent/wheels"), "{err:#}");
    }
}
