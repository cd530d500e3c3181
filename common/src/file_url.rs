//! The `file://` URL of a local path as pip writes it (`path_to_url`: the
//! absolute, normalized path, percent-encoded as Python's
//! `urllib.parse.quote` does), for PEP 610's `direct_url.json` and the
//! records that say what it will hold: one spelling, so a URL written by
//! one tool compares equal to the one another tool reads back.

use std::path::{Component, Path, PathBuf};

/// `file:///abs/path` for `path` (relative paths from the current folder).
pub fn of_path(path: &Path) -> std::io::Result<String> {
    let abs = normalize(&std::path::absolute(path)?);
    Ok(format!("file://{}", quote(&abs.to_string_lossy())))
}

/// `a/./b/../c` → `a/c`, as `os.path.normpath` does, without touching the
/// disk (a `..` is not resolved through symlinks).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Percent-encodes a path as Python's `urllib.parse.quote` does (`/` kept).
fn quote(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/_.-~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn paths_are_normalized_and_quoted_as_python_does() {
        let url = super::of_path(std::path::Path::new("/srv/a b/./x+y@1/../proj")).unwrap();
        assert_eq!(url, "file:///srv/a%20b/proj");
        let url = super::of_path(std::path::Path::new("/srv/x+y@1~")).unwrap();
        assert_eq!(url, "file:///srv/x%2By%401~");
    }
}
