//! RECORD files (PEP 376 / binary distribution format): reading a wheel's
//! RECORD (CSV rows of path, `algo=urlsafe-b64-digest`, size) to check every
//! file as it is extracted, and writing the installed RECORD that pip
//! uninstalls from.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use base64::Engine;
use sha2::Digest;

/// The hash a wheel's RECORD promises for one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    pub algorithm: String,
    /// The raw digest.
    pub digest: Vec<u8>,
    pub size: Option<u64>,
}

pub use wheelpipe::site_packages::split_csv;

/// Quotes a field the way Python's `csv.writer` does (QUOTE_MINIMAL).
pub fn quote_csv(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

/// Parses a wheel's RECORD: path to its expected hash (`None` for rows
/// without one, like RECORD itself).
pub fn parse(text: &str) -> Result<BTreeMap<String, Option<Expected>>> {
    let mut rows = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fields = split_csv(line).with_context(|| format!("RECORD line {}", i + 1))?;
        let path = fields[0].clone();
        let hash = fields.get(1).map(String::as_str).unwrap_or("");
        let expected = if hash.is_empty() {
            None
        } else {
            let (algorithm, b64) = hash
                .split_once('=')
                .with_context(|| format!("RECORD line {}: hash {hash:?} is not `algorithm=digest`", i + 1))?;
            let digest = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(b64.trim_end_matches('='))
                .with_context(|| {
                format!("RECORD line {}: hash of {path} is not urlsafe base64", i + 1)
            })?;
            let size = match fields.get(2).map(|s| s.trim()).filter(|s| !s.is_empty()) {
                Some(s) => Some(s.parse().with_context(|| format!("RECORD line {}: bad size {s:?}", i + 1))?),
                None => None,
            };
            Some(Expected { algorithm: algorithm.to_ascii_lowercase(), digest, size })
        };
        rows.insert(path, expected);
    }
    Ok(rows)
}

/// A hasher for one of the algorithms a RECORD may name.
pub enum Hasher {
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
}

impl Hasher {
    pub fn new(algorithm: &str) -> Result<Hasher> {
        Ok(match algorithm {
            "sha256" => Hasher::Sha256(sha2::Sha256::new()),
            "sha384" => Hasher::Sha384(sha2::Sha384::new()),
            "sha512" => Hasher::Sha512(sha2::Sha512::new()),
            other => bail!("unsupported hash algorithm {other:?} (sha256, sha384 or sha512 expected)"),
        })
    }

    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(bytes),
            Hasher::Sha384(h) => h.update(bytes),
            Hasher::Sha512(h) => h.update(bytes),
        }
    }

    pub fn finish(self) -> Vec<u8> {
        match self {
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Sha384(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

/// One row of an installed RECORD.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Row {
    /// Relative to the folder holding the `.dist-info`, `/`-separated.
    pub path: String,
    /// `sha256=...`, empty for RECORD itself.
    pub hash: String,
    pub size: Option<u64>,
}

/// The installed RECORD's text: rows sorted by path, plus the row for
/// RECORD itself without hash or size, each line ending in `\r\n` (pip
/// writes it with Python's `csv.writer`, whose line terminator that is).
pub fn render(rows: &[Row], record_path: &str) -> String {
    let mut all: Vec<Row> = rows.to_vec();
    all.push(Row { path: record_path.to_string(), hash: String::new(), size: None });
    all.sort();
    let mut out = String::new();
    for row in all {
        let size = row.size.map(|s| s.to_string()).unwrap_or_default();
        out.push_str(&format!("{},{},{}\r\n", quote_csv(&row.path), row.hash, size));
    }
    out
}

/// `path` relative to `base`, both absolute and lexically normal, with `..`
/// as needed and `/` separators, as pip writes RECORD paths for scripts.
pub fn relative(path: &std::path::Path, base: &std::path::Path) -> String {
    let p: Vec<_> = path.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); b.len() - common];
    parts.extend(p[common..].iter().map(|c| c.as_os_str().to_string_lossy().into_owned()));
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn csv_round_trip_with_commas_and_quotes() {
        assert_eq!(split_csv("a/b.py,sha256=x,12").unwrap(), ["a/b.py", "sha256=x", "12"]);
        assert_eq!(split_csv("\"a,\"\"b\"\".py\",,").unwrap(), ["a,\"b\".py", "", ""]);
        assert_eq!(quote_csv("a,\"b\".py"), "\"a,\"\"b\"\".py\"");
        assert_eq!(split_csv(&quote_csv("x,y")).unwrap(), ["x,y"]);
        assert!(split_csv("\"open,1,2").is_err());
    }

    #[test]
    fn parse_reads_hashes_and_rows_without_hash() {
        let text = "six.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\nsix-1.dist-info/RECORD,,\n";
        let rows = parse(text).unwrap();
        let six = rows["six.py"].as_ref().unwrap();
        assert_eq!(six.algorithm, "sha256");
        assert_eq!(six.digest.len(), 32);
        assert_eq!(six.size, Some(0));
        assert_eq!(rows["six-1.dist-info/RECORD"], None);
        assert!(parse("x.py,sha256,1\n").is_err());
    }

    #[test]
    fn render_sorts_rows_and_ends_with_record_row() {
        let rows = vec![
            Row { path: "../../../bin/foo".into(), hash: "sha256=b".into(), size: Some(3) },
            Row { path: "foo/__init__.py".into(), hash: "sha256=a".into(), size: Some(1) },
        ];
        let text = render(&rows, "foo-1.dist-info/RECORD");
        assert_eq!(
            text,
            "../../../bin/foo,sha256=b,3\r\nfoo-1.dist-info/RECORD,,\r\nfoo/__init__.py,sha256=a,1\r\n"
        );
    }

    #[test]
    fn relative_paths_climb_like_pip() {
        let lib = Path::new("/v/lib/python3.11/site-packages");
        assert_eq!(relative(Path::new("/v/bin/foo"), lib), "../../../bin/foo");
        assert_eq!(relative(Path::new("/v/lib/python3.11/site-packages/a/b.py"), lib), "a/b.py");
        assert_eq!(
            relative(Path::new("/v/include/site/python3.11/x/h.h"), lib),
            "../../../include/site/python3.11/x/h.h"
        );
    }

    #[test]
    fn hashers_match_known_digests() {
        let mut h = Hasher::new("sha256").unwrap();
        h.update(b"");
        assert_eq!(wheelpipe::hash::hex(&h.finish())[..8], *"e3b0c442");
        assert!(Hasher::new("md5").is_err());
    }
}
