//! `wheel-cache info`: each bucket's entries and bytes, then what `prune`
//! would look at besides (older bucket versions, `tmp/`, lock files).

use std::path::Path;

use indicatif::HumanBytes;
use serde_json::json;
use wheelpipe::cache::walk::size;
use wheelpipe::cache::{Bucket, Cache};

/// What one bucket (or `tmp`, `locks`, `old`) holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Count {
    pub bucket: String,
    /// Relative to the root (`wheels/v1`).
    pub folder: String,
    pub entries: u64,
    pub bytes: u64,
}

/// Counts every bucket, then older versions, `tmp/` and `locks/`.
pub fn count(cache: &Cache) -> Vec<Count> {
    let mut counts: Vec<Count> = Bucket::ALL
        .iter()
        .map(|&b| {
            let entries = cache.entries(b);
            let bytes = entries.iter().map(|e| size(&e.path)).sum();
            let folder = b.folder().display().to_string();
            Count { bucket: b.name().to_string(), folder, entries: entries.len() as u64, bytes }
        })
        .collect();
    let old: Vec<_> = Bucket::ALL.iter().flat_map(|&b| cache.other_versions(b)).collect();
    counts.push(Count {
        bucket: "old".into(),
        folder: "*/(other versions)".into(),
        entries: old.len() as u64,
        bytes: old.iter().map(|p| size(p)).sum(),
    });
    for (name, dir) in [("tmp", cache.tmp_path()), ("locks", cache.locks_dir())] {
        let children: Vec<_> =
            std::fs::read_dir(&dir).into_iter().flatten().flatten().map(|e| e.path()).collect();
        let bytes = children.iter().map(|p| size(p)).sum();
        counts.push(Count {
            bucket: name.into(),
            folder: name.into(),
            entries: children.len() as u64,
            bytes,
        });
    }
    counts
}

/// JSON lines, or for people a table under the cache's path.
pub fn lines(root: &Path, counts: &[Count], people: bool) -> Vec<String> {
    if !people {
        let line = |c: &Count| {
            let (bucket, folder, entries, bytes) = (&c.bucket, &c.folder, c.entries, c.bytes);
            json!({"type": "cache_bucket", "bucket": bucket, "folder": folder, "entries": entries, "bytes": bytes})
                .to_string()
        };
        return counts.iter().map(line).collect();
    }
    let mut lines =
        vec![format!("Cache: {}", root.display()), format!("{:<16} {:>7} {:>11}", "", "entries", "bytes")];
    for c in counts {
        let what = match c.bucket.as_str() {
            "old" => "older bucket versions (prune removes them)",
            "tmp" => "files being written, or left by killed runs",
            "locks" => "lock files",
            _ => "",
        };
        let name = if what.is_empty() { c.folder.as_str() } else { c.bucket.as_str() };
        let bytes = HumanBytes(c.bytes).to_string();
        lines.push(format!("{name:<16} {:>7} {bytes:>11}  {what}", c.entries).trim_end().to_string());
    }
    let total: u64 = counts.iter().map(|c| c.bytes).sum();
    lines.push(format!("{:<16} {:>7} {:>11}", "total", "", HumanBytes(total).to_string()));
    lines
}
