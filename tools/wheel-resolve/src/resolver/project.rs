//! One project as the index lists it: its files and the versions they
//! carry (wheels and source distributions alike, so that a version with
//! only an sdist is known, and refused with a reason, not silently absent).
//! Version specifiers become PubGrub ranges over these known versions: a
//! run of matching versions is one interval bounded by the neighbours that
//! do not match, so the ranges are exact for every version that exists.

use std::ops::Bound;
use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};
use pubgrub::Ranges;
use wheelpipe::index::DistFile;
use wheelpipe::names::normalize;
use wheelpipe::wheel_name::WheelFilename;

use crate::select::sdist_version;

/// A set of versions, as the solver sees it.
pub type Range = Ranges<Version>;

/// When pre-releases (and development releases) may be chosen, as pip
/// decides it: with `--pre` or when a specifier on the project names one;
/// when no specifier at all constrains it, only if no final release fits;
/// otherwise never (a specifier that names none excludes them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prereleases {
    Allow,
    IfNoFinal,
    Never,
}

/// A project's files and its known versions, ascending.
#[derive(Debug, Default)]
pub struct Project {
    pub files: Vec<DistFile>,
    pub versions: Vec<Version>,
    /// An installed version no file of the index carries.
    pub installed_only: Option<Version>,
}

impl Project {
    pub fn new(name: &str, files: Vec<DistFile>) -> Project {
        let mut versions: Vec<Version> =
            files.iter().filter_map(|f| file_version(name, &f.filename)).collect();
        versions.sort();
        versions.dedup();
        Project { files, versions, installed_only: None }
    }

    /// True when the files of `version` are source distributions only.
    pub fn only_sdist(&self, name: &str, version: &Version) -> bool {
        let of_version = |f: &&DistFile| file_version(name, &f.filename).as_ref() == Some(version);
        let mut files = self.files.iter().filter(of_version).peekable();
        files.peek().is_some() && files.all(|f| !f.filename.ends_with(".whl"))
    }

    /// The versions in `range` that have a wheel (`--prefer-binary`).
    pub fn with_wheels(&self, name: &str, range: &Range) -> Range {
        let wheels: Vec<Version> = self
            .files
            .iter()
            .filter(|f| f.filename.ends_with(".whl"))
            .filter_map(|f| file_version(name, &f.filename))
            .filter(|v| range.contains(v))
            .collect();
        wheels.into_iter().fold(Range::empty(), |all, v| all.union(&Range::singleton(v)))
    }

    /// True when the index lists files of this project but not one wheel.
    pub fn no_wheel_at_all(&self) -> bool {
        !self.files.is_empty() && !self.files.iter().any(|f| f.filename.ends_with(".whl"))
    }

    /// Knows `version` too (an installed one the index may not have).
    pub fn add_version(&mut self, version: Version) {
        if let Err(at) = self.versions.binary_search(&version) {
            self.versions.insert(at, version.clone());
            self.installed_only = Some(version);
        }
    }

    /// The versions `specifiers` admit, as a range over the known versions.
    pub fn range(&self, specifiers: &VersionSpecifiers) -> Range {
        if specifiers.is_empty() {
            return Range::full();
        }
        let mut range = Range::empty();
        for (start, end) in self.runs(|v| specifiers.contains(v)) {
            let lower =
                if start == 0 { Bound::Unbounded } else { Bound::Included(self.versions[start].clone()) };
            let upper = match self.versions.get(end) {
                Some(next) => Bound::Excluded(next.clone()),
                None => Bound::Unbounded,
            };
            range = range.union(&Range::from_range_bounds((lower, upper)));
        }
        range
    }

    /// The runs of consecutive known versions that `inside` admits, as
    /// index ranges `start..end` into [`Project::versions`].
    pub fn runs(&self, inside: impl Fn(&Version) -> bool) -> Vec<(usize, usize)> {
        let mut runs = Vec::new();
        let mut start = None;
        for (i, v) in self.versions.iter().enumerate() {
            match (inside(v), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    runs.push((s, i));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            runs.push((s, self.versions.len()));
        }
        runs
    }

    /// The highest version in `range` that `pre` admits.
    pub fn best_in(&self, range: &Range, pre: Prereleases) -> Option<&Version> {
        let mut in_range = self.versions.iter().rev().filter(|v| range.contains(*v));
        let mut first_pre = None;
        for v in in_range.by_ref() {
            if pre == Prereleases::Allow || !v.any_prerelease() {
                return Some(v);
            }
            first_pre.get_or_insert(v);
        }
        first_pre.filter(|_| pre == Prereleases::IfNoFinal)
    }
}

/// The version a file of project `name` carries, if it is a wheel or an sdist of it.
fn file_version(name: &str, filename: &str) -> Option<Version> {
    let text = if filename.ends_with(".whl") {
        let wheel = WheelFilename::parse(filename).ok()?;
        if normalize(&wheel.name) != name {
            return None;
        }
        wheel.version
    } else {
        sdist_version(filename, name)?.to_string()
    };
    Version::from_str(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(versions: &[&str]) -> Project {
        let files = versions
            .iter()
            .map(|v| DistFile {
                filename: format!("a-{v}-py3-none-any.whl"),
                url: format!("http://127.0.0.1:9/a-{v}-py3-none-any.whl"),
                hashes: Default::default(),
                requires_python: None,
                yanked: None,
                core_metadata: None,
                size: None,
            })
            .collect();
        Project::new("a", files)
    }

    fn admitted(p: &Project, spec: &str) -> Vec<String> {
        let range = p.range(&VersionSpecifiers::from_str(spec).unwrap());
        p.versions.iter().filter(|v| range.contains(*v)).map(ToString::to_string).collect()
    }

    #[test]
    fn ranges_admit_exactly_the_matching_versions() {
        let p = project(&["0.9", "1.0", "1.5", "2.0b1", "2.0", "2.1", "3.0"]);
        assert_eq!(admitted(&p, ">=1.0,<2"), ["1.0", "1.5"], "<2 excludes 2.0b1, as PEP 440 says");
        assert_eq!(admitted(&p, "!=1.5"), ["0.9", "1.0", "2.0b1", "2.0", "2.1", "3.0"]);
        assert_eq!(admitted(&p, "~=2.0"), ["2.0", "2.1"]);
        assert_eq!(admitted(&p, "==2.*"), ["2.0b1", "2.0", "2.1"]);
        assert_eq!(admitted(&p, ">=5").len(), 0);
        assert_eq!(p.range(&VersionSpecifiers::from_str(">=5").unwrap()), Range::empty());
    }

    #[test]
    fn ranges_read_like_the_specifiers() {
        let p = project(&["0.9", "1.0", "1.5", "2.0"]);
        let shown = |spec: &str| p.range(&VersionSpecifiers::from_str(spec).unwrap()).to_string();
        assert_eq!(shown("<1.5"), "<1.5");
        assert_eq!(shown(">=1.0"), ">=1.0");
        assert_eq!(shown(""), "*");
    }

    #[test]
    fn pre_releases_only_when_allowed_or_nothing_else_fits() {
        let p = project(&["1.0", "1.9", "2.0b1"]);
        let all = Range::full();
        assert_eq!(p.best_in(&all, Prereleases::Never).unwrap().to_string(), "1.9");
        assert_eq!(p.best_in(&all, Prereleases::IfNoFinal).unwrap().to_string(), "1.9");
        assert_eq!(p.best_in(&all, Prereleases::Allow).unwrap().to_string(), "2.0b1");
        let high = p.range(&VersionSpecifiers::from_str(">1.9").unwrap());
        assert_eq!(p.best_in(&high, Prereleases::IfNoFinal).unwrap().to_string(), "2.0b1");
        assert_eq!(p.best_in(&high, Prereleases::Never), None);
    }
}
