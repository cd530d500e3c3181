//! Requirements that name a project's source tree rather than a release on
//! an index, in pip's spellings: a folder (`./proj`, `/abs/proj`,
//! `path/to/proj`, a `file:` folder URL, `name @ file:///folder`), a git
//! repository (`git+file:///repo@rev#egg=name&subdirectory=sub`,
//! `git+https://...`, `name @ git+...`), each maybe editable (`-e`). As in
//! pip, a word is a path when it starts with `.` or `/` or holds a `/` (a
//! bare word is a name, but `-e WORD` is the folder WORD when there is
//! one). Relative paths are joined to the folder of the file that names
//! them (the current folder on the command line). This is the one place of
//! the parser that looks at the disk: whether a `file:` URL or `-e WORD`
//! is a folder.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use pep508_rs::{Requirement, VersionOrUrl};

/// Where a tree is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// A folder, absolute.
    Dir(PathBuf),
    /// A git repository: the URL git is given (no `git+`, revision or
    /// fragment) and the revision asked for.
    Git { url: String, rev: Option<String> },
}

/// One requirement of a source tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tree {
    pub place: Place,
    /// `#subdirectory=`: the project inside the tree.
    pub subdirectory: Option<String>,
    pub editable: bool,
    /// The name, when written (`name @ URL`, `#egg=name`).
    pub name: Option<String>,
    pub extras: Vec<String>,
    /// The environment marker, as written (`; python_version > "3.8"`).
    pub marker: Option<String>,
}

/// The tree `text` names, `None` when it names none (a name, a wheel or an
/// sdist), or an error for a tree that cannot be used (another VCS).
/// `base` is the folder relative paths start from.
pub fn parse(text: &str, base: &Path, editable: bool) -> Option<Result<Tree, String>> {
    // `-e` takes a path or a URL, never `name @ URL` (pip's rule).
    let named = if editable { None } else { Requirement::<pep508_rs::VerbatimUrl>::from_str(text).ok() };
    if let Some(req) = named {
        let Some(VersionOrUrl::Url(url)) = &req.version_or_url else { return None };
        let given = url.given().map(str::to_string).unwrap_or_else(|| url.to_string());
        let mut tree = match from_url(&given)? {
            Ok(tree) => tree,
            Err(e) => return Some(Err(e)),
        };
        tree.name = Some(req.name.to_string());
        tree.extras = req.extras.iter().map(ToString::to_string).collect();
        tree.marker = req.marker.contents().map(|m| m.to_string());
        tree.editable = editable;
        return Some(Ok(tree));
    }
    let (spec, marker) = match text.split_once(';') {
        Some((spec, marker)) => (spec.trim(), Some(marker.trim().to_string())),
        None => (text.trim(), None),
    };
    let (spec, extras) = split_extras(spec);
    let mut tree = if spec.contains("://") || spec.starts_with("file:") {
        match from_url(spec)? {
            Ok(tree) => tree,
            Err(e) => return Some(Err(e)),
        }
    } else {
        from_path(spec, base, editable)?
    };
    tree.extras = extras;
    tree.marker = marker;
    tree.editable = editable;
    Some(Ok(tree))
}

/// `path[extra1,extra2]` → (`path`, extras).
pub(super) fn split_extras(spec: &str) -> (&str, Vec<String>) {
    match spec.strip_suffix(']').and_then(|s| s.rsplit_once('[')) {
        Some((path, extras)) if !path.is_empty() => {
            (path, extras.split(',').map(|e| e.trim().to_string()).filter(|e| !e.is_empty()).collect())
        }
        _ => (spec, Vec::new()),
    }
}

/// The extensions of distribution files: such a path is a (local)
/// requirement, never a requirements file.
const DISTRIBUTIONS: &[&str] = &[".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tar"];

/// True for a path or URL that ends in a distribution's extension.
pub(super) fn is_distribution(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    DISTRIBUTIONS.iter().any(|e| lower.ends_with(e))
}

/// A folder given as a path: `./x`, `/x`, `x/y` and any word that is a
/// project folder; archives are not trees.
fn from_path(spec: &str, base: &Path, editable: bool) -> Option<Tree> {
    if is_distribution(spec) {
        return None;
    }
    let path = base.join(spec);
    let looks_like_path = spec.starts_with('.') || spec.starts_with('/') || spec.contains('/');
    // pip: a bare word is a name, but after -e a folder of that name is the folder.
    if !(looks_like_path || (editable && path.is_dir())) {
        return None;
    }
    let path = std::path::absolute(&path).unwrap_or(path);
    Some(dir_tree(super::normalize_path(&path)))
}

fn dir_tree(path: PathBuf) -> Tree {
    Tree {
        place: Place::Dir(path),
        subdirectory: None,
        editable: false,
        name: None,
        extras: Vec::new(),
        marker: None,
    }
}

/// A URL naming a tree: `git+...` or a `file:` folder.
fn from_url(text: &str) -> Option<Result<Tree, String>> {
    let (without, fragment) = match text.split_once('#') {
        Some((u, f)) => (u, Some(f)),
        None => (text, None),
    };
    let mut egg = None;
    let mut subdirectory = None;
    for pair in fragment.into_iter().flat_map(|f| f.split('&')) {
        match pair.split_once('=') {
            Some(("egg", v)) => egg = Some(v.to_string()),
            Some(("subdirectory", v)) if !v.is_empty() => subdirectory = Some(v.to_string()),
            _ => {}
        }
    }
    let scheme = without.split_once(':').map_or("", |(s, _)| s).to_ascii_lowercase();
    let mut tree = if let Some(rest) = scheme.strip_prefix("git+") {
        let url = &without[4..];
        let (url, rev) = split_revision(url, rest);
        let place = Place::Git { url, rev };
        Tree { place, ..dir_tree(PathBuf::new()) }
    } else if ["hg+", "svn+", "bzr+"].iter().any(|p| scheme.starts_with(p)) {
        return Some(Err(format!("`{text}`: only git repositories are supported (git+URL)")));
    } else if scheme == "file" {
        let path = url::Url::parse(without).ok()?.to_file_path().ok()?;
        if !path.is_dir() {
            return None; // a wheel or an sdist, or nothing: not a tree
        }
        dir_tree(super::normalize_path(&path))
    } else {
        return None;
    };
    tree.subdirectory = subdirectory;
    tree.name = egg.filter(|e| !e.is_empty());
    Some(Ok(tree))
}

/// `https://host/x.git@v1` → (`https://host/x.git`, `v1`): the revision
/// follows the last `@` of the path (an `@` before it is the user's).
fn split_revision(url: &str, scheme: &str) -> (String, Option<String>) {
    let after_scheme = scheme.len() + 1;
    let path_start = match url[after_scheme..].strip_prefix("//") {
        Some(rest) => after_scheme + 2 + rest.find('/').unwrap_or(rest.len()),
        None => after_scheme,
    };
    match url[path_start..].rfind('@') {
        Some(at) => {
            let at = path_start + at;
            (url[..at].to_string(), Some(url[at + 1..].to_string()).filter(|r| !r.is_empty()))
        }
        None => (url.to_string(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(text: &str, base: &Path) -> Tree {
        parse(text, base, false).unwrap().unwrap()
    }

    #[test]
    fn paths_are_folders_relative_to_the_base_and_archives_and_names_are_not_trees() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("sub/proj")).unwrap();
        std::fs::write(dir.path().join("sub/proj/setup.py"), "").unwrap();
        let base = dir.path().join("sub");
        assert_eq!(tree("./proj", &base).place, Place::Dir(base.join("proj")));
        assert!(parse("proj", &base, false).is_none(), "a bare word is a name, as in pip");
        let editable = parse("proj", &base, true).unwrap().unwrap();
        assert_eq!(
            editable.place,
            Place::Dir(base.join("proj")),
            "but -e WORD is a folder when there is one"
        );
        let with = tree("../sub/proj[a, b] ; python_version > '3'", &base);
        assert_eq!(with.place, Place::Dir(base.join("proj")));
        assert_eq!(
            (with.extras, with.marker.as_deref()),
            (vec!["a".into(), "b".into()], Some("python_version > '3'"))
        );
        assert!(parse("requests", &base, false).is_none(), "a name");
        assert!(parse("./dist/a-1.0.tar.gz", &base, false).is_none(), "an sdist");
        let url = format!("file://{}", base.join("proj").display());
        assert_eq!(tree(&url, Path::new("/")).place, Place::Dir(base.join("proj")));
        let named = tree(&format!("proj @ {url}"), Path::new("/"));
        assert_eq!(named.name.as_deref(), Some("proj"));
        assert!(parse(&format!("proj @ {url}/x-1.0.tar.gz"), &base, false).is_none());
    }

    #[test]
    fn git_urls_split_revision_egg_and_subdirectory() {
        let t = tree("git+https://git@host.example/x/y.git@v1.0#egg=y&subdirectory=py", Path::new("/"));
        let url = "https://git@host.example/x/y.git".to_string();
        assert_eq!(t.place, Place::Git { url, rev: Some("v1.0".into()) });
        assert_eq!((t.name.as_deref(), t.subdirectory.as_deref()), (Some("y"), Some("py")));
        let t = tree("git+file:///srv/repo", Path::new("/"));
        assert_eq!(t.place, Place::Git { url: "file:///srv/repo".into(), rev: None });
        let t = tree("y[x] @ git+ssh://git@host.example/y.git@main", Path::new("/"));
        assert_eq!(
            t.place,
            Place::Git { url: "ssh://git@host.example/y.git".into(), rev: Some("main".into()) }
        );
        assert_eq!((t.name.as_deref(), t.extras.as_slice()), (Some("y"), &["x".to_string()][..]));
        let err = parse("hg+https://host.example/r", Path::new("/"), false).unwrap().unwrap_err();
        assert!(err.contains("only git"), "{err}");
    }
}
