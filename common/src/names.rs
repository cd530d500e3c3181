//! Distribution names: PEP 503 normalization, the form wheel filenames and
//! `.dist-info` folders use, and whether two name-version pairs are one
//! release.

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

#[cfg(test)]
mod tests {
    use super::*;

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
