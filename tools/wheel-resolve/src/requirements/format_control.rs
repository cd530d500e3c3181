//! pip's format control: which distributions `--no-binary` and
//! `--only-binary` ask to build from source, with pip's rules. The values
//! are applied in the order given (each a comma list of names, `:all:` or
//! `:none:`): naming a distribution in one removes it from the other,
//! `:all:` empties both and then covers every name, `:none:` empties its own
//! list; a name in `--only-binary` wins over one in `--no-binary`, then
//! `:all:` in `--only-binary` over `:all:` in `--no-binary`.

use std::collections::BTreeSet;

use wheelpipe::names::normalize;

/// One `--no-binary` or `--only-binary` value, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Binary {
    No(String),
    Only(String),
}

/// The format control after every value was applied.
#[derive(Debug, Default)]
pub struct FormatControl {
    no_binary: BTreeSet<String>,
    only_binary: BTreeSet<String>,
}

impl FormatControl {
    pub fn new(values: &[Binary]) -> FormatControl {
        let mut control = FormatControl::default();
        for value in values {
            match value {
                Binary::No(v) => apply(v, &mut control.no_binary, &mut control.only_binary),
                Binary::Only(v) => apply(v, &mut control.only_binary, &mut control.no_binary),
            }
        }
        control
    }

    /// True when `name` (normalized) may not be installed from a wheel.
    pub fn wants_source(&self, name: &str) -> bool {
        if self.only_binary.contains(name) {
            return false;
        }
        self.no_binary.contains(name)
            || (!self.only_binary.contains(":all:") && self.no_binary.contains(":all:"))
    }

    /// False when `--only-binary` forbids building `name` (normalized) from source.
    pub fn allows_source(&self, name: &str) -> bool {
        if self.no_binary.contains(name) {
            return true;
        }
        !self.only_binary.contains(name) && !self.only_binary.contains(":all:")
    }
}

/// pip's `FormatControl.handle_mutual_excludes`.
fn apply(value: &str, target: &mut BTreeSet<String>, other: &mut BTreeSet<String>) {
    let mut names: Vec<&str> = value.split(',').map(str::trim).filter(|n| !n.is_empty()).collect();
    while let Some(at) = names.iter().position(|n| *n == ":all:") {
        other.clear();
        target.clear();
        target.insert(":all:".to_string());
        names.drain(..=at);
        if !names.contains(&":none:") {
            return;
        }
    }
    for name in names {
        if name == ":none:" {
            target.clear();
            continue;
        }
        let name = normalize(name);
        other.remove(&name);
        target.insert(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(values: &[Binary], name: &str) -> bool {
        FormatControl::new(values).wants_source(name)
    }

    #[test]
    fn pips_rules() {
        use Binary::{No, Only};
        assert!(source(&[No("Dep_A".into())], "dep-a"));
        assert!(!source(&[No("a".into()), Only("a".into())], "a"), "the later one wins");
        assert!(source(&[Only("a".into()), No("a".into())], "a"));
        assert!(source(&[No(":all:".into())], "x"));
        assert!(!source(&[No(":all:".into()), Only("x".into())], "x"));
        assert!(!source(&[No(":all:".into()), Only(":all:".into())], "x"), ":all: empties the other");
        assert!(!source(&[No("a".into()), No(":none:".into())], "a"));
        assert!(source(&[Only(":all:".into()), No("a".into())], "a"), "a name beats :all:");
        assert!(source(&[No(":all:,:none:,b".into())], "b") && !source(&[No(":all:,:none:,b".into())], "c"));
        let allows = |values: &[Binary], name: &str| FormatControl::new(values).allows_source(name);
        assert!(allows(&[], "a"), "pip builds from source when no wheel fits");
        assert!(!allows(&[Only(":all:".into())], "a") && !allows(&[Only("a".into())], "a"));
        assert!(allows(&[Only(":all:".into()), No("a".into())], "a") && allows(&[Only("b".into())], "a"));
    }
}
