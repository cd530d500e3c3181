//! The fetcher's side of hints (`resolver::early`): when a project's page
//! is read, the wheel its exact root pin will use is written at once.

use wheelpipe::records::Hint;

use super::Fetcher;
use crate::resolver::project::{Prereleases, Project};
use crate::select;

impl Fetcher<'_> {
    /// Writes the hint of `name`'s exact pin once its page, `project`, is
    /// read, when the wheel the resolver will take is known from it.
    pub(super) fn hint_early(&self, name: &str, project: &Project) {
        let Some(early) = &self.cx.early else { return };
        let Some(specifiers) = early.pin(name) else { return };
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
            early.send(Hint::of(&choice.artifact));
        }
    }
}
