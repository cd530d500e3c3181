//! Distribution names: PEP 503 normalization, and the form wheel filenames
//! and `.dist-info` folders use.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_like_pep_503() {
        assert_eq!(normalize("Foo.Bar__baz-"), "foo-bar-baz");
        assert_eq!(normalize("zope.interface"), "zope-interface");
        assert_eq!(escape("Zope.Interface"), "zope_interface");
    }
}
