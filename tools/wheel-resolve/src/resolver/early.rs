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

use pep440_rs::{Operator, VersionSpecifiers};
use wheelpipe::records::Hint;

use super::fetcher::Fetcher;
use super::project::{Prereleases, Project};
use super::provider::Wanted;
use crate::select;

/// Where hints go: the writer of the stage's stdout.
pub type Sink<'a> = &'a (dyn Fn(Hint) + Sync);

/// The exact root pins, and where their hints go.
pub struct Early<'a> {
    /// By normalized name: the root's specifiers and the constraints'.
    pins: HashMap<String, VersionSpecifiers>,
    send: Sink<'a>,
}

impl<'a> Early<'a> {
    /// The roots of `wanted` that pin one version with `==` (no wildcard)
    /// or `===`, with their `constraints`.
    pub fn new(
        wanted: &[(String, Wanted)],
        constraints: &BTreeMap<String, VersionSpecifiers>,
        send: Sink<'a>,
    ) -> Early<'a> {
        let exact = |w: &Wanted| {
            w.specifiers.iter().any(|s| matches!(s.operator(), Operator::Equal | Operator::ExactEqual))
        };
        let pins = wanted
            .iter()
            .filter(|(_, w)| exact(w))
            .map(|(name, w)| {
                let constrained = constraints.get(name).into_iter().flat_map(|c| c.iter());
                (name.clone(), w.specifiers.iter().chain(constrained).cloned().collect())
            })
            .collect();
        Early { pins, send }
    }
}

impl Fetcher<'_> {
    /// Writes the hint of `name`'s exact pin once its page, `project`, is
    /// read, when the wheel the resolver will take is known from it.
    pub(super) fn hint_early(&self, name: &str, project: &Project) {
        let Some(early) = &self.cx.early else { return };
        let Some(specifiers) = early.pins.get(name) else { return };
        let cx = &self.cx;
        if cx.trees.contains_key(name) || cx.direct.contains_key(name) || cx.format.wants_source(name) {
            return;
        }
        // The version the solver takes: the newest the pin admits (`==1.0`
        // admits `1.0+local`).
        let Some(version) = project.best_in(&project.range(specifiers), Prereleases::IfNoFinal) else {
            return;
        };
        if cx.installed.keepable(name).is_some_and(|(_, kept)| kept == version) {
            return;
        }
        if let Ok(choice) = select::choose(&self.pin(name, version), &project.files, cx.target) {
            (early.send)(Hint::of(&choice.artifact));
        }
    }
}
