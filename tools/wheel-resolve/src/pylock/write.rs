//! Writing a `pylock.toml`: the header keys, then one `[[packages]]` table
//! per artifact, sorted by normalized name, each with its wheel inline as
//! PEP 751's example writes them. The file goes to a temporary name beside
//! the target and is renamed into place, so a failed run never leaves half
//! a lock. A wheel without a hash is hashed when it is a local file;
//! otherwise the lock cannot be written (PEP 751 requires hashes).

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context, Result};
use wheelpipe::hash::{hex, HashingWriter};
use wheelpipe::http::redact;
use wheelpipe::names::normalize;
use wheelpipe::records::{Artifact, ArtifactKind};

use super::{CREATED_BY, LOCK_VERSION};

/// Writes the lock for `artifacts` to `path` atomically. `requires_python`
/// is the lock's Python requirement (for instance `==3.11.*`), `index_url`
/// the index the wheels came from (shown without credentials; not written
/// for local files).
pub fn write(
    path: &Path,
    artifacts: &[Artifact],
    requires_python: Option<&str>,
    index_url: Option<&str>,
) -> Result<()> {
    let text = render(artifacts, requires_python, index_url)
        .with_context(|| format!("cannot write the lock file {}", path.display()))?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let write = || -> Result<()> {
        let mut tmp = tempfile::Builder::new().prefix(".pylock-").suffix(".tmp").tempfile_in(dir)?;
        tmp.write_all(text.as_bytes())?;
        tmp.as_file().sync_all()?;
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    };
    write().with_context(|| format!("cannot write the lock file {}", path.display()))
}

/// The lock's text.
pub(super) fn render(
    artifacts: &[Artifact],
    requires_python: Option<&str>,
    index_url: Option<&str>,
) -> Result<String> {
    let mut sorted: Vec<&Artifact> = artifacts.iter().collect();
    sorted.sort_by_key(|a| (normalize(&a.name), a.version.clone(), a.filename.clone()));
    let mut out = String::new();
    out += &format!("lock-version = {}\n", quote(LOCK_VERSION));
    out += &format!("created-by = {}\n", quote(CREATED_BY));
    if let Some(spec) = requires_python {
        out += &format!("requires-python = {}\n", quote(spec));
    }
    let index = index_url.map(redact);
    for artifact in sorted {
        out += "\n[[packages]]\n";
        out += &format!("name = {}\n", quote(&normalize(&artifact.name)));
        out += &format!("version = {}\n", quote(&artifact.version));
        if let Some(spec) = &artifact.requires_python {
            out += &format!("requires-python = {}\n", quote(spec));
        }
        let local = artifact.url.starts_with("file:");
        if let (Some(index), false) = (&index, local) {
            out += &format!("index = {}\n", quote(index));
        }
        if artifact.kind == ArtifactKind::Dir {
            out += &tree(artifact);
        } else if artifact.is_sdist() {
            // PEP 751's `sdist` table: the same fields as a wheel's.
            out += &format!("sdist = {}\n", wheel(artifact)?);
        } else {
            out += &format!("wheels = [\n  {},\n]\n", wheel(artifact)?);
        }
    }
    Ok(out)
}

/// PEP 751's `vcs` table for a checkout, else its `directory` table.
fn tree(artifact: &Artifact) -> String {
    let mut fields = Vec::new();
    match &artifact.vcs {
        Some(vcs) => {
            fields.push(format!("type = {}", quote(&vcs.vcs)));
            fields.push(format!("url = {}", quote(&redact(&artifact.url))));
            if let Some(rev) = &vcs.requested_revision {
                fields.push(format!("requested-revision = {}", quote(rev)));
            }
            fields.push(format!("commit-id = {}", quote(&vcs.commit_id)));
        }
        None => {
            let path = artifact.path.as_ref().map_or_else(String::new, |p| p.display().to_string());
            fields.push(format!("path = {}", quote(&path)));
            if artifact.editable {
                fields.push("editable = true".into());
            }
        }
    }
    if let (Some(sub), Some(_)) = (&artifact.subdirectory, &artifact.vcs) {
        fields.push(format!("subdirectory = {}", quote(sub)));
    }
    let table = if artifact.vcs.is_some() { "vcs" } else { "directory" };
    format!("{table} = {{ {} }}\n", fields.join(", "))
}

/// The file's inline table (a wheel's, or an sdist's).
fn wheel(artifact: &Artifact) -> Result<String> {
    let mut fields = vec![format!("name = {}", quote(&artifact.filename))];
    fields.push(format!("url = {}", quote(&redact(&artifact.url))));
    if let Some(size) = artifact.size {
        fields.push(format!("size = {size}"));
    }
    let mut hashes = artifact.hashes.clone();
    if hashes.is_empty() {
        hashes.insert("sha256".into(), local_sha256(artifact)?);
    }
    let hashes: Vec<String> =
        hashes.iter().map(|(algo, digest)| format!("{} = {}", key(algo), quote(digest))).collect();
    fields.push(format!("hashes = {{ {} }}", hashes.join(", ")));
    Ok(format!("{{ {} }}", fields.join(", ")))
}

/// The sha256 of a local wheel that came without one (a find-links folder).
fn local_sha256(artifact: &Artifact) -> Result<String> {
    let name = &artifact.name;
    let path = match url::Url::parse(&artifact.url) {
        Ok(u) if u.scheme() == "file" => u.to_file_path().ok(),
        _ => None,
    };
    let Some(path) = path else {
        bail!("{name}: the index gives no hash for {}, and a lock must record one", artifact.filename);
    };
    let hash = || -> std::io::Result<String> {
        let mut writer = HashingWriter::new(std::io::sink());
        std::io::copy(&mut std::fs::File::open(&path)?, &mut writer)?;
        Ok(hex(&writer.finish().1))
    };
    hash().with_context(|| format!("{name}: cannot hash {}", path.display()))
}

/// A TOML basic string, escaped by the toml crate.
fn quote(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// A TOML key: bare when it can be, quoted otherwise.
fn key(text: &str) -> String {
    let bare = !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if bare {
        text.to_string()
    } else {
        quote(text)
    }
}
