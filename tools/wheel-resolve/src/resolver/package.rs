//! What the solver chooses versions for: the root (the requirement files),
//! a distribution, or a distribution with one extra. An extra is its own
//! package whose version must equal the distribution's, so `a[x]` and `a`
//! always resolve to one version of `a` (the usual PubGrub encoding).

use std::fmt;

/// A package of the PubGrub problem; names are PEP 503 normalized.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Package {
    Root,
    Dist(String),
    Extra(String, String),
}

impl Package {
    /// The distribution's normalized name (none for the root).
    pub fn name(&self) -> Option<&str> {
        match self {
            Package::Root => None,
            Package::Dist(name) | Package::Extra(name, _) => Some(name),
        }
    }
}

impl fmt::Display for Package {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Package::Root => write!(f, "the requirements"),
            Package::Dist(name) => write!(f, "{name}"),
            Package::Extra(name, extra) => write!(f, "{name}[{extra}]"),
        }
    }
}
