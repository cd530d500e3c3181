//! PEP 751's additions to marker expressions: `'name' in extras` and
//! `'group' in dependency_groups` (and `not in`), which PEP 508 parsers do
//! not know. Before a lock's marker is parsed, each such test is replaced by
//! a comparison that is always true or always false, according to the
//! extras and dependency groups being installed.

use wheelpipe::names::normalize;

const TRUE: &str = "python_full_version >= '0'";
const FALSE: &str = "python_full_version < '0'";

/// `marker` with every `'x' [not] in extras|dependency_groups` decided by
/// `extras` and `groups` (names compared normalized).
pub(super) fn decide_sets(marker: &str, extras: &[String], groups: &[String]) -> String {
    let mut out = String::with_capacity(marker.len());
    let mut rest = marker;
    while let Some(start) = rest.find(['\'', '"']) {
        out.push_str(&rest[..start]);
        let quote = rest[start..].chars().next().expect("found a quote");
        let Some(len) = rest[start + 1..].find(quote) else {
            // An unterminated string: left for the marker parser to report.
            out.push_str(&rest[start..]);
            return out;
        };
        let literal = &rest[start + 1..start + 1 + len];
        let after = &rest[start + len + 2..];
        match set_test(after) {
            Some((negated, set, consumed)) => {
                let names = if set == "extras" { extras } else { groups };
                let member = names.iter().any(|n| normalize(n) == normalize(literal));
                out.push('(');
                out.push_str(if member != negated { TRUE } else { FALSE });
                out.push(')');
                rest = &after[consumed..];
            }
            None => {
                out.push_str(&rest[start..start + len + 2]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// After a string literal: `[not] in extras|dependency_groups`, as
/// (negated, set name, bytes consumed).
fn set_test(text: &str) -> Option<(bool, &'static str, usize)> {
    let word = |s: &str| -> (usize, usize) {
        let skipped = s.len() - s.trim_start().len();
        let len = s[skipped..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(s.len() - skipped);
        (skipped, len)
    };
    let mut pos = 0;
    let (skip, len) = word(text);
    let mut negated = false;
    if &text[skip..skip + len] == "not" {
        negated = true;
        pos = skip + len;
    }
    let (skip, len) = word(&text[pos..]);
    if &text[pos + skip..pos + skip + len] != "in" {
        return None;
    }
    pos += skip + len;
    let (skip, len) = word(&text[pos..]);
    let set = match &text[pos + skip..pos + skip + len] {
        "extras" => "extras",
        "dependency_groups" => "dependency_groups",
        _ => return None,
    };
    Some((negated, set, pos + skip + len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_tests_become_constant_comparisons() {
        let groups = ["Dev".to_string()];
        let t = format!("({TRUE})");
        let f = format!("({FALSE})");
        assert_eq!(decide_sets("'dev' in dependency_groups", &[], &groups), t);
        assert_eq!(
            decide_sets("\"cli\" in extras and os_name == 'posix'", &[], &groups),
            format!("{f} and os_name == 'posix'")
        );
        assert_eq!(decide_sets("'cli' not  in extras", &[], &groups), t);
        // Ordinary markers, and strings that only look alike, are untouched.
        for same in
            ["extra == 'cli'", "'in' in platform_version", "'a' in extras_other", "sys_platform == 'linux"]
        {
            assert_eq!(decide_sets(same, &[], &groups), same);
        }
    }
}
