//! Distribution names: PEP 503 normalization, the form wheel filenames and
//! `.dist-info` folders use, whether two name-version pairs are one
//! release, the longest name asked of an index, and text shortened for
//! messages.

/// The longest project name asked of an index (the public index's longest
/// names are under a hundred characters).
pub const MAX_NAME_LEN: usize = 200;

/// PEP 503: lowercase, runs of `-`, `_`, `.` become one `-`.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// The escaped form used in wheel filenames and `.dist-info` folder names
/// (binary distribution format): normalized, with `_` for `-`.
pub fn escape(name: &str) -> String {
    normalize(name).replace('-', "_")
}

/// Refuses a project name no index can hold, before any request: longer
/// than [`MAX_NAME_LEN`] or not PEP 508's letters, digits, `-`, `_`, `.`
/// (starting and ending with a letter or digit). The error shows the name
/// shortened.
pub fn check(name: &str) -> Result<(), String> {
    let ok_ends = name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    let ok_chars = name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if name.len() > MAX_NAME_LEN {
        return Err(format!(
            "{}: not a project name: {} bytes long, more than {MAX_NAME_LEN}",
            shorten(name, 40),
            name.len()
        ));
    }
    if !ok_ends || !ok_chars {
        return Err(format!("{}: not a project name (letters, digits, -, _ and . only)", shorten(name, 40)));
    }
    Ok(())
}

/// `text` for a one-line message: at most `max` characters, the rest
/// replaced by `...` and its length in bytes; control characters escaped.
pub fn shorten(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).flat_map(char::escape_debug).collect();
    if text.chars().nth(max).is_some() {
        let kept: usize = text.chars().take(max).map(char::len_utf8).sum();
        out.push_str(&format!("... ({} more bytes)", text.len() - kept));
    }
    out
}

/// True when two version strings mean the same PEP 440 version (plain
/// equality when either does not parse).
fn same_version(a: &str, b: &str) -> bool {
    match (a.parse::<pep440_rs::Version>(), b.parse::<pep440_rs::Version>()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// True when `(name, version)` pairs name one release: names normalized,
/// versions compared as PEP 440 versions (`1.0` is `1.0.0`).
pub fn same_release(a: (&str, &str), b: (&str, &str)) -> bool {
    normalize(a.0) == normalize(b.0) && same_version(a.1, b.1)
}

/// The project name at the start of a PEP 508 requirement, as written
/// (`Foo_Bar` of `Foo_Bar[x]>=1`); `None` when the text does not start with
/// one that normalizes to `name` (a path or a URL naming a wheel).
pub fn as_written<'a>(requirement: &'a str, name: &str) -> Option<&'a str> {
    let text = requirement.trim_start();
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(text.len());
    Some(&text[..end]).filter(|w| !w.is_empty() && normalize(w) == normalize(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_requirement_name_is_read_as_written() {
        assert_eq!(as_written("  Edge_Pkg[x] >=1 ; python_version>'3'", "edge-pkg"), Some("Edge_Pkg"));
        assert_eq!(as_written("Zope.Interface", "zope-interface"), Some("Zope.Interface"));
        assert_eq!(as_written("./dist/edge_pkg-1.0-py3-none-any.whl", "edge-pkg"), None);
        assert_eq!(as_written("other==1", "edge-pkg"), None);
    }

    #[test]
    fn absurd_names_are_refused_and_shown_short() {
        assert_eq!(check("Foo_bar.baz-2"), Ok(()));
        let long = "a".repeat(100_000);
        let err = check(&long).unwrap_err();
        assert!(err.len() < 150, "{err}");
        assert!(err.contains("99960 more bytes") && err.contains("100000 bytes long"), "{err}");
        assert!(check("six/../x").is_err());
        assert!(check("-six").is_err());
        assert_eq!(shorten("ab\ncd", 10), "ab\\ncd");
        assert_eq!(shorten("abcdef", 3), "abc... (3 more bytes)");
    }

    #[test]
    fn normalizes_like_pep_503() {
        assert_eq!(normalize("Foo.Bar__baz-"), "foo-bar-baz");
        assert_eq!(normalize("zope.interface"), "zope-interface");
        assert_eq!(escape("Zope.Interface"), "zope_interface");
    }

    #[test]
    fn one_release_whatever_the_spelling() {
        assert!(same_release(("Zope.Interface", "1.0"), ("zope_interface", "1.0.0")));
        assert!(same_release(("demo", "1.0rc1"), ("demo", "1.0.0-rc.1")));
        assert!(!same_release(("demo", "1.0"), ("demo", "1.0.post1")));
        assert!(!same_release(("demo", "1.0"), ("demo2", "1.0")));
        assert!(same_release(("demo", "not a version"), ("demo", "not a version")));
        assert!(!same_release(("demo", "not a version"), ("demo", "1.0")));
    }
}
