//! The INI dialect of pip's configuration files, as Python's `RawConfigParser`
//! reads it: `[section]` headers, `key = value` or `key: value`, full-line
//! comments starting with `#` or `;`, and values continued on indented lines
//! (how `extra-index-url` and `find-links` list several locations).

use anyhow::{bail, Result};

/// One `key = value` of a file: section, normalized key, value (continuation
/// lines joined with `\n`, stripped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub section: String,
    pub key: String,
    pub value: String,
}

/// pip's key normalization: lowercase, `_` as `-`, no leading `--`.
pub fn normalize_key(name: &str) -> String {
    let name = name.trim().to_lowercase().replace('_', "-");
    name.strip_prefix("--").map(str::to_string).unwrap_or(name)
}

/// Parses a configuration file's text; `origin` (the file name) is in errors,
/// with the line number. Like pip, a malformed file is an error, not skipped.
pub fn parse(text: &str, origin: &str) -> Result<Vec<Entry>> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut section: Option<String> = None;
    let mut sections_seen: Vec<String> = Vec::new();
    // The entry a continuation line would extend, and its key's indentation.
    let mut open: Option<(usize, usize)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let indent = raw.len() - raw.trim_start().len();
        let stripped = raw.trim();
        if stripped.starts_with('#') || stripped.starts_with(';') {
            continue;
        }
        if stripped.is_empty() {
            // Blank lines may sit inside a value; they only separate words.
            continue;
        }
        if let Some((index, key_indent)) = open {
            if indent > key_indent {
                let value = &mut entries[index].value;
                if !value.is_empty() {
                    value.push('\n');
                }
                value.push_str(stripped);
                continue;
            }
        }
        open = None;
        if stripped.starts_with('[') {
            let Some(name) = stripped.strip_prefix('[').and_then(|s| s.strip_suffix(']')) else {
                bail!("{origin}:{line_no}: a section header must look like [name]");
            };
            if sections_seen.iter().any(|s| s == name) {
                bail!("{origin}:{line_no}: section [{name}] appears twice");
            }
            sections_seen.push(name.to_string());
            section = Some(name.to_string());
            continue;
        }
        let Some(section) = &section else {
            bail!("{origin}:{line_no}: a setting before the first [section] header");
        };
        let Some(at) = stripped.find(['=', ':']) else {
            bail!("{origin}:{line_no}: expected `key = value`, found {stripped:?}");
        };
        let key = normalize_key(&stripped[..at]);
        if key.is_empty() {
            bail!("{origin}:{line_no}: a setting without a name");
        }
        if entries.iter().any(|e| &e.section == section && e.key == key) {
            bail!("{origin}:{line_no}: {key} is set twice in [{section}]");
        }
        entries.push(Entry { section: section.clone(), key, value: stripped[at + 1..].trim().to_string() });
        open = Some((entries.len() - 1, indent));
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(section: &str, key: &str, value: &str) -> Entry {
        Entry { section: section.into(), key: key.into(), value: value.into() }
    }

    #[test]
    fn reads_sections_keys_comments_and_continuations() {
        let text = "# top\n[global]\nIndex_URL = http://127.0.0.1:1/simple\n; note\n\
                    [install]\nextra-index-url =\n    http://127.0.0.1:2/a\n\n    http://127.0.0.1:3/b\n\
                    timeout: 30\n";
        let got = parse(text, "pip.conf").unwrap();
        assert_eq!(
            got,
            vec![
                entry("global", "index-url", "http://127.0.0.1:1/simple"),
                entry("install", "extra-index-url", "http://127.0.0.1:2/a\nhttp://127.0.0.1:3/b"),
                entry("install", "timeout", "30"),
            ]
        );
    }

    #[test]
    fn malformed_files_are_errors_naming_file_and_line() {
        let err = parse("index-url = x\n", "/etc/pip.conf").unwrap_err().to_string();
        assert!(err.starts_with("/etc/pip.conf:1:"), "{err}");
        let err = parse("[global]\njust words\n", "a.conf").unwrap_err().to_string();
        assert!(err.starts_with("a.conf:2:"), "{err}");
        let err = parse("[global]\ntimeout=1\n--timeout=2\n", "a.conf").unwrap_err().to_string();
        assert!(err.contains("timeout is set twice"), "{err}");
    }
}
