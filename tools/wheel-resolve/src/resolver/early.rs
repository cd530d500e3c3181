//! Hints: as soon as a project's page is read, the wheel an exact root pin
//! (`name==1.0`, `name===1.0`) will use is written as a `hint` record, so a
//! downstream wheel-fetch starts downloading it while the resolution goes
//! on (with a fully pinned requirements file, every download can start
//! before the last metadata is read). The file is the one the resolver
//! chooses for that version ([`select::choose`]: the interpreter's tags,
//! Requires-Python, `--hash` values); no hint when the resolver may choose
//! otherwise: a source distribution (`--no-binary`, no fitting wheel), a
//! folder, a `name @ URL`, or the installed distribution kept as it is.

use std::collections::{BTreeMap, HashMap};

use pep440_rs::{Operator, VersionSpecifier, VersionSpecifiers};
use wheelpipe::records::Hint;

/// Where hints go: the writer of the stage's stdout.
pub type Sink<'a> = &'a (dyn Fn(Hint) + Sync);

/// The exact root pins, and where their hints go.
pub struct Early<'a> {
    /// By normalized name: the root's specifiers and the constraints'.
    pins: HashMap<String, VersionSpecifiers>,
    send: Sink<'a>,
}

impl<'a> Early<'a> {
    /// The roots (normalized name, specifiers) that pin one version with
    /// `==` (no wildcard) or `===`, with their `constraints`.
    pub fn new<'r>(
        roots: impl Iterator<Item = (&'r String, &'r [VersionSpecifier])>,
        constraints: &BTreeMap<String, VersionSpecifiers>,
        send: Sink<'a>,
    ) -> Early<'a> {
        let exact = |specifiers: &[VersionSpecifier]| {
            specifiers.iter().any(|s| matches!(s.operator(), Operator::Equal | Operator::ExactEqual))
        };
        let pins = roots
            .filter(|(_, specifiers)| exact(specifiers))
            .map(|(name, specifiers)| {
                let constrained = constraints.get(name).into_iter().flat_map(|c| c.iter());
                (name.clone(), specifiers.iter().chain(constrained).cloned().collect())
            })
            .collect();
        Early { pins, send }
    }

    /// The specifiers of `name`'s exact pin, if it has one.
    pub fn pin(&self, name: &str) -> Option<&VersionSpecifiers> {
        self.pins.get(name)
    }

    /// Writes `hint`.
    pub fn send(&self, hint: Hint) {
        (self.send)(hint)
    }
}
