//! Core metadata (METADATA, as email headers): parsing, and reading it for a
//! wheel from the index's PEP 658 file, from a local wheel, by range
//! requests into the remote wheel, or from a full download. wheel-meta and
//! wheel-resolve both use this.

mod dist_info;
pub mod memo;
mod range;
mod read;
mod stream;
mod zip_tail;

use anyhow::{bail, Result};

use crate::records::{Metadata, MetadataSource};

pub use dist_info::{read_wheel_file, url_filename};
pub use range::RangeHosts;
pub use read::{fetch, fetch_with, has_zip_directory, read_local};

/// The newest major version of the metadata format this code reads (2.x,
/// through 2.4 at the time of writing; a newer minor version only adds fields).
const MAJOR_VERSION: u32 = 2;

/// The fields of a METADATA file the tools use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoreMetadata {
    pub metadata_version: String,
    pub name: String,
    pub version: String,
    pub requires_dist: Vec<String>,
    pub requires_python: Option<String>,
    pub provides_extra: Vec<String>,
    /// The `Dynamic` fields (Metadata 2.2+, sdists' PKG-INFO): lowercase
    /// names of the fields a build may fill in differently.
    pub dynamic: Vec<String>,
}

impl CoreMetadata {
    /// Parses METADATA text (RFC 822 style headers; continuation lines; the
    /// body after the first blank line is ignored). `origin` names the file
    /// or URL in errors.
    pub fn parse(text: &str, origin: &str) -> Result<CoreMetadata> {
        let mut meta = CoreMetadata::default();
        for (key, value) in headers(text.strip_prefix('\u{feff}').unwrap_or(text)) {
            match key.to_ascii_lowercase().as_str() {
                "metadata-version" => meta.metadata_version = value,
                "name" => meta.name = value,
                "version" => meta.version = value,
                "requires-python" => meta.requires_python = Some(value).filter(|v| !v.is_empty()),
                "requires-dist" if !value.is_empty() => meta.requires_dist.push(value),
                "provides-extra" if !value.is_empty() => meta.provides_extra.push(value),
                "dynamic" if !value.is_empty() => meta.dynamic.push(value.to_ascii_lowercase()),
                _ => {}
            }
        }
        let major = meta.metadata_version.split('.').next().and_then(|m| m.trim().parse::<u32>().ok());
        if major.is_some_and(|m| m > MAJOR_VERSION) {
            bail!(
                "{origin}: Metadata-Version {} is not supported (this reads up to {MAJOR_VERSION}.x)",
                meta.metadata_version
            );
        }
        for (field, value) in [("Name", &meta.name), ("Version", &meta.version)] {
            if value.is_empty() {
                bail!("{origin}: the metadata has no {field} field");
            }
        }
        Ok(meta)
    }

    pub fn into_record(self, source: MetadataSource, url: String, bytes: u64, requests: u32) -> Metadata {
        Metadata {
            name: self.name,
            version: self.version,
            requires_dist: self.requires_dist,
            requires_python: self.requires_python,
            provides_extra: self.provides_extra,
            source,
            url,
            bytes,
            requests,
            from_source: None,
        }
    }
}

/// The header fields of an email-style message, in order, up to the first
/// blank line; a line starting with a space or tab continues the field
/// before it (joined with one space). A line that is not a header ends the
/// headers, as in Python's email parser.
fn headers(text: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = fields.last_mut() {
                let more = line.trim();
                if !more.is_empty() {
                    if !value.is_empty() {
                        value.push(' ');
                    }
                    value.push_str(more);
                }
                continue;
            }
            break;
        }
        let Some((key, value)) = line.split_once(':') else { break };
        if key.is_empty() || key.contains(char::is_whitespace) {
            break;
        }
        fields.push((key.to_string(), value.trim().to_string()));
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_repeated_fields_and_ignores_the_body() {
        let text = "Metadata-Version: 2.4\nName: Demo.Pkg\nVersion: 1.0.post1\n\
                    Requires-Python: >=3.8\nRequires-Dist: six>=1.0\n\
                    Requires-Dist: idna; extra == \"net\"\nProvides-Extra: net\nProvides-Extra: dev\n\
                    License-Expression: MIT\n\nRequires-Dist: not-a-header\nName: body text\n";
        let m = CoreMetadata::parse(text, "demo/METADATA").unwrap();
        assert_eq!(m.metadata_version, "2.4");
        assert_eq!((m.name.as_str(), m.version.as_str()), ("Demo.Pkg", "1.0.post1"));
        assert_eq!(m.requires_python.as_deref(), Some(">=3.8"));
        assert_eq!(m.requires_dist, vec!["six>=1.0", "idna; extra == \"net\""]);
        assert_eq!(m.provides_extra, vec!["net", "dev"]);
    }

    #[test]
    fn header_names_are_case_insensitive_and_continuations_join() {
        let text = "metadata-version: 2.1\r\nNAME: x\r\nversion: 2\r\nrequires-dist: foo\r\n \
                    [bar] >=1\r\nSummary: one\r\n\ttwo\r\nREQUIRES-PYTHON: >=3.7\r\n";
        let m = CoreMetadata::parse(text, "x").unwrap();
        assert_eq!((m.name.as_str(), m.version.as_str()), ("x", "2"));
        assert_eq!(m.requires_dist, vec!["foo [bar] >=1"]);
        assert_eq!(m.requires_python.as_deref(), Some(">=3.7"));
    }

    #[test]
    fn missing_name_or_version_is_an_error_naming_the_origin() {
        let err =
            CoreMetadata::parse("Metadata-Version: 2.1\nVersion: 1\n", "http://127.0.0.1:9/a.whl.metadata")
                .unwrap_err()
                .to_string();
        assert_eq!(err, "http://127.0.0.1:9/a.whl.metadata: the metadata has no Name field");
        // A Name after the blank line is body text, not a header.
        let err = CoreMetadata::parse("Version: 1\n\nName: x\n", "w/METADATA").unwrap_err();
        assert!(err.to_string().contains("no Name field"), "{err}");
        let err = CoreMetadata::parse("Name: x\n", "w/METADATA").unwrap_err();
        assert!(err.to_string().contains("no Version field"), "{err}");
    }

    #[test]
    fn a_newer_major_metadata_version_is_refused() {
        let err = CoreMetadata::parse("Metadata-Version: 3.0\nName: x\nVersion: 1\n", "m").unwrap_err();
        assert!(err.to_string().contains("Metadata-Version 3.0 is not supported"), "{err}");
    }
}
