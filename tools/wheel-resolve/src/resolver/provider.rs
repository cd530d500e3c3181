//! The PubGrub dependency provider: which version to try next (the newest
//! in range, final releases before pre-releases as pip does), in which
//! order packages are decided (exact pins, then the most conflicted, then
//! the first met), and a version's dependencies from its metadata, with
//! markers evaluated for the target interpreter, extras as packages of
//! their own and constraints applied to every edge.

use std::cell::{Cell, RefCell};
use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap, HashSet};

use pep440_rs::{Operator, Version, VersionSpecifiers};
use pep508_rs::{ExtraName, MarkerEnvironment, VerbatimUrl, VersionOrUrl};
use pubgrub::{Dependencies, DependencyConstraints, DependencyProvider, PackageResolutionStatistics};
use wheelpipe::names::normalize;

use super::fetcher::{Fetcher, Unusable};
use super::package::Package;
use super::project::{Prereleases, Range};
use super::url_deps::{Met, UrlError};

/// A failure that stops resolution (network, index), as text.
#[derive(Debug)]
pub struct Stop(pub String);

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Stop {}

/// One requirement on a distribution, merged over all the lines naming it.
#[derive(Clone, Debug, Default)]
pub struct Wanted {
    pub specifiers: Vec<pep440_rs::VersionSpecifier>,
    pub extras: Vec<String>,
    /// The name as the first line naming it wrote it (not normalized);
    /// `None` for a line that names a wheel by its path or URL.
    pub spelling: Option<String>,
}

pub struct Provider<'f, 'a> {
    pub fetcher: &'f Fetcher<'a>,
    pub env: &'a MarkerEnvironment,
    /// `--pre`: pre-releases are as good as final releases.
    pub pre: bool,
    /// The root requirements by normalized name, in the order the files give
    /// them: pip decides them in that order, so the first gets its newest.
    pub roots: Vec<(String, Wanted)>,
    /// Constraints (`-c`) by normalized name.
    pub constraints: BTreeMap<String, VersionSpecifiers>,
    /// Names whose requirements mention a pre-release (pip then allows them).
    explicit_pre: RefCell<HashSet<String>>,
    /// Names some requirement gives a specifier (pip then never falls back to pre-releases).
    specified: RefCell<HashSet<String>>,
    /// Versions pinned with `==`: a yanked file may be used for them.
    exact: RefCell<HashSet<(String, Version)>>,
    /// The order packages were met in.
    met: RefCell<HashMap<Package, usize>>,
    /// Each edge's range as its requirement wrote it, for explanations.
    written: RefCell<HashMap<(Package, Range), String>>,
    /// Each normalized name as the first requirement met that names it
    /// wrote it (pip names a headers folder so).
    spellings: RefCell<HashMap<String, Option<String>>>,
    /// The sdists chosen whose metadata could not be read, and why: each
    /// was taken as having no dependencies, and the resolution fails at the end.
    pub unbuildable: RefCell<super::Unbuildable>,
    /// Set when a dependency's URL changed a project the solver had met:
    /// the solver starts again.
    pub restart: Cell<bool>,
    pub root_version: Version,
}

impl<'f, 'a> Provider<'f, 'a> {
    pub fn new(
        fetcher: &'f Fetcher<'a>,
        env: &'a MarkerEnvironment,
        pre: bool,
        roots: Vec<(String, Wanted)>,
        constraints: BTreeMap<String, VersionSpecifiers>,
    ) -> Self {
        Provider {
            fetcher,
            env,
            pre,
            roots,
            constraints,
            explicit_pre: RefCell::default(),
            specified: RefCell::default(),
            exact: RefCell::default(),
            met: RefCell::default(),
            written: RefCell::default(),
            spellings: RefCell::default(),
            unbuildable: RefCell::default(),
            restart: Cell::new(false),
            root_version: Version::new([0]),
        }
    }

    /// Notes what a requirement on `name` says about pre-releases and pins.
    fn note(&self, name: &str, specifiers: &[pep440_rs::VersionSpecifier]) {
        if !specifiers.is_empty() {
            self.specified.borrow_mut().insert(name.to_string());
        }
        for s in specifiers {
            if *s.operator() != Operator::NotEqual && s.version().any_prerelease() {
                self.explicit_pre.borrow_mut().insert(name.to_string());
            }
            if matches!(s.operator(), Operator::Equal | Operator::ExactEqual) {
                self.exact.borrow_mut().insert((name.to_string(), s.version().clone()));
            }
        }
    }

    /// `name` as the first requirement met that names it wrote it.
    pub fn spelling(&self, name: &str) -> Option<String> {
        self.spellings.borrow().get(name).cloned().flatten()
    }

    /// The edges to `name` (as a requirement wrote it: `spelled`) with
    /// `specifiers` (and its constraint) and its `extras`.
    fn edges(
        &self,
        (name, spelled): (&str, Option<&str>),
        specifiers: &[pep440_rs::VersionSpecifier],
        extras: &[String],
        into: &mut BTreeMap<Package, Range>,
    ) -> Result<(), Stop> {
        let project = self.fetcher.project(name);
        let project = project.as_ref().as_ref().map_err(|e| match e {
            Unusable::Skip(m) | Unusable::Failed(m) => Stop(m.clone()),
        })?;
        self.note(name, specifiers);
        self.spellings.borrow_mut().entry(name.to_string()).or_insert_with(|| spelled.map(String::from));
        let mut range = project.range(&specifiers.iter().cloned().collect());
        if let Some(constraint) = self.constraints.get(name) {
            self.note(name, constraint);
            range = range.intersection(&project.range(constraint));
        }
        let packages = std::iter::once(Package::Dist(name.to_string()))
            .chain(extras.iter().map(|e| Package::Extra(name.to_string(), e.clone())));
        let mut met = self.met.borrow_mut();
        let mut text: VersionSpecifiers = specifiers.iter().cloned().collect();
        if let Some(constraint) = self.constraints.get(name).filter(|c| !c.is_empty()) {
            text = text.iter().chain(constraint.iter()).cloned().collect();
        }
        for package in packages {
            let order = met.len();
            met.entry(package.clone()).or_insert(order);
            let merged = match into.get(&package) {
                Some(r) => r.intersection(&range),
                None => range.clone(),
            };
            if !into.contains_key(&package) {
                self.written
                    .borrow_mut()
                    .insert((package.clone(), merged.clone()), format!("{package}{text}"));
            }
            into.insert(package, merged);
        }
        Ok(())
    }

    fn root_dependencies(&self) -> Result<BTreeMap<Package, Range>, Stop> {
        let mut deps = BTreeMap::new();
        for (name, _) in &self.roots {
            self.fetcher.prefetch_page(name, None);
        }
        for (name, wanted) in &self.roots {
            self.edges((name, wanted.spelling.as_deref()), &wanted.specifiers, &wanted.extras, &mut deps)?;
            if self.matches_nothing(name, &deps) {
                return Err(Stop(self.no_version(name, &wanted.specifiers)));
            }
        }
        Ok(deps)
    }

    /// True when the edge to `name` in `deps` admits none of the versions the index has.
    fn matches_nothing(&self, name: &str, deps: &BTreeMap<Package, Range>) -> bool {
        let Some(range) = deps.get(&Package::Dist(name.to_string())) else { return false };
        let project = self.fetcher.project(name);
        project.as_ref().as_ref().is_ok_and(|p| !p.versions.iter().any(|v| range.contains(v)))
    }

    /// Why `name` with `specifiers` (and its constraint) matches nothing.
    fn no_version(&self, name: &str, specifiers: &[pep440_rs::VersionSpecifier]) -> String {
        let project = self.fetcher.project(name);
        let Ok(project) = project.as_ref() else { return format!("{name}: the index could not be read") };
        let asked: VersionSpecifiers = specifiers.iter().cloned().collect();
        let constraint = match self.constraints.get(name) {
            Some(c) if !c.is_empty() => format!(" (with the constraint {name}{c})"),
            _ => String::new(),
        };
        if let (Some(found), Some(version)) = (self.fetcher.url_deps.get(name), project.versions.first()) {
            return format!(
                "{name}{asked}{constraint} is not {name} {version}, which {} requires by URL ({name} @ {})",
                found.by, found.url
            );
        }
        if project.versions.is_empty() {
            let empty = self.fetcher.cx.index.empty_pages(name);
            if !empty.is_empty() {
                // Not "no such project": something answered, and it is not what an index says.
                return format!(
                    "{name}: the index answered with a page that lists no file: {}",
                    empty.join("; ")
                );
            }
            return format!("{name}: no such project on {}", self.fetcher.sources());
        }
        let on_index = project.versions.iter().rev().filter(|v| project.installed_only.as_ref() != Some(*v));
        let newest: Vec<String> = on_index.take(10).map(ToString::to_string).collect();
        if let Some(installed) = &project.installed_only {
            let has = if newest.is_empty() { "nothing".to_string() } else { newest.join(", ") };
            return format!(
                "{name}{asked}{constraint}: no such version; {installed} is installed, the index has {has}"
            );
        }
        format!("{name}{asked}{constraint}: no such version; the index has {}", newest.join(", "))
    }

    /// The dependencies of `name` at `version` (with `extra`, only what the extra adds).
    fn dist_dependencies(
        &self,
        name: &str,
        version: &Version,
        extra: Option<&str>,
    ) -> Result<Result<BTreeMap<Package, Range>, String>, Stop> {
        let candidate = self.fetcher.candidate(name, version);
        let candidate = match candidate.as_ref() {
            Ok(c) => c,
            Err(Unusable::Skip(why)) => return Ok(Err(why.clone())),
            Err(Unusable::Failed(why)) => return Err(Stop(why.clone())),
        };
        if let Some(why) = &candidate.unbuildable {
            self.unbuildable.borrow_mut().insert((name.to_string(), version.to_string()), why.clone());
        }
        if let Some(reason) = candidate.choice.as_ref().and_then(|c| c.yanked.as_ref()) {
            if !self.exact.borrow().contains(&(name.to_string(), version.clone())) {
                let because = if reason.is_empty() { String::new() } else { format!(" ({reason})") };
                return Ok(Err(format!("{name} {version} is yanked{because}")));
            }
        }
        let mut deps = BTreeMap::new();
        let extras: Vec<ExtraName> = match extra {
            None => Vec::new(),
            Some(extra) => {
                deps.insert(Package::Dist(name.to_string()), Range::singleton(version.clone()));
                let provided = candidate.provides_extra.iter().any(|e| normalize(e) == extra);
                if !provided && candidate.unbuildable.is_none() {
                    self.fetcher.warn(format!("{name} {version} does not provide the extra '{extra}'"));
                }
                ExtraName::new(extra.to_string()).into_iter().collect()
            }
        };
        let applying: Vec<_> = candidate
            .requires
            .iter()
            .filter(|req| req.evaluate_markers(self.env, &extras))
            // With an extra, what the distribution itself needs is its own edge.
            .filter(|req| extra.is_none() || !req.evaluate_markers(self.env, &[]))
            .collect();
        // Every page at once (an extra's dependencies are not read ahead),
        // instead of one after the other below.
        for req in applying.iter().filter(|r| !matches!(r.version_or_url, Some(VersionOrUrl::Url(_)))) {
            self.fetcher.prefetch_page(&normalize(req.name.as_ref()), None);
        }
        for req in applying {
            let specifiers = match &req.version_or_url {
                None => Vec::new(),
                Some(VersionOrUrl::VersionSpecifier(s)) => s.iter().cloned().collect(),
                Some(VersionOrUrl::Url(url)) => {
                    if !self.take_url(&format!("{name} {version}"), &normalize(req.name.as_ref()), url)? {
                        continue;
                    }
                    Vec::new()
                }
            };
            let dep_extras: Vec<String> = req.extras.iter().map(|e| normalize(e.as_ref())).collect();
            let dep = normalize(req.name.as_ref());
            self.edges(
                (&dep, candidate.written.get(&dep).map(String::as_str)),
                &specifiers,
                &dep_extras,
                &mut deps,
            )?;
            if self.matches_nothing(&dep, &deps) {
                let why = self.no_version(&dep, &specifiers);
                return Ok(Err(format!("{name} {version} requires {why}")));
            }
        }
        Ok(Ok(deps))
    }
}

impl Provider<'_, '_> {
    /// Takes in `dep @ url`, a dependency of `by`: the URL's artifact is
    /// `dep`'s one candidate. A new URL for a project already met asks for
    /// a restart; two URLs for one project stop the resolution. False
    /// when the URL's folder or checkout gives no metadata: kept for the
    /// error at the end, and the edge left out so resolution goes on.
    fn take_url(&self, by: &str, dep: &str, url: &VerbatimUrl) -> Result<bool, Stop> {
        let given = url.given().map_or_else(|| url.to_string(), str::to_string);
        match self.fetcher.url_dependency(dep, &given, by) {
            Ok(Met::New) if self.met.borrow().contains_key(&Package::Dist(dep.to_string())) => {
                self.restart.set(true);
                Err(Stop(format!("{by} requires {dep} by URL: resolving again")))
            }
            Ok(Met::New | Met::Known) => Ok(true),
            Err(UrlError::Stop(why)) => Err(Stop(why)),
            Err(UrlError::Unprepared(why)) => {
                let at = format!("@ {}", wheelpipe::http::redact(&given));
                self.unbuildable.borrow_mut().insert((dep.to_string(), at), why);
                Ok(false)
            }
        }
    }

    /// `package` with `range` in words: as a requirement wrote it when one
    /// did, else by the versions the index has in it (`a==2.0`,
    /// `a>=1.0,<=1.4 or ==2.0`).
    pub fn describe(&self, package: &Package, range: &Range) -> String {
        if let Some(text) = self.written.borrow().get(&(package.clone(), range.clone())) {
            return text.clone();
        }
        let Some(name) = package.name() else { return package.to_string() };
        let project = self.fetcher.project(name);
        let Ok(project) = project.as_ref() else { return format!("{package} {range}") };
        let all = project.versions.len();
        let runs = project.runs(|v| range.contains(v));
        if runs == [(0, all)] {
            return package.to_string();
        }
        let runs: Vec<String> = runs
            .into_iter()
            .map(|(start, end)| {
                let (low, high) = (&project.versions[start], &project.versions[end - 1]);
                match (start == 0, end == all) {
                    _ if low == high => format!("=={low}"),
                    (true, _) => format!("<={high}"),
                    (_, true) => format!(">={low}"),
                    _ => format!(">={low},<={high}"),
                }
            })
            .collect();
        if runs.is_empty() {
            return format!("{package} (no version the index has)");
        }
        format!("{package}{}", runs.join(" or "))
    }
}

fn constraints(deps: BTreeMap<Package, Range>) -> DependencyConstraints<Package, Range> {
    deps.into_iter().collect()
}

impl DependencyProvider for Provider<'_, '_> {
    type P = Package;
    type V = Version;
    type VS = Range;
    type M = String;
    type Err = Stop;
    type Priority = (bool, u32, Reverse<usize>);

    fn prioritize(
        &self,
        package: &Package,
        range: &Range,
        stats: &PackageResolutionStatistics,
    ) -> Self::Priority {
        let order = self.met.borrow().get(package).copied().unwrap_or(usize::MAX);
        (range.as_singleton().is_some(), stats.conflict_count(), Reverse(order))
    }

    fn choose_version(&self, package: &Package, range: &Range) -> Result<Option<Version>, Stop> {
        let Some(name) = package.name() else {
            return Ok(Some(self.root_version.clone()));
        };
        let project = self.fetcher.project(name);
        let project = match project.as_ref() {
            Ok(p) => p,
            Err(Unusable::Skip(m) | Unusable::Failed(m)) => return Err(Stop(m.clone())),
        };
        let pre = if self.pre || self.explicit_pre.borrow().contains(name) {
            Prereleases::Allow
        } else if self.specified.borrow().contains(name) {
            Prereleases::Never
        } else {
            Prereleases::IfNoFinal
        };
        // pip's default upgrade strategy: what is installed, when it still fits.
        if let Some(installed) = self.fetcher.cx.installed.preferred(name) {
            if range.contains(installed) && project.versions.contains(installed) {
                return Ok(Some(installed.clone()));
            }
        }
        if self.fetcher.cx.prefer_binary {
            // pip's --prefer-binary: the newest version with a wheel, before a newer source.
            if let Some(v) = project.best_in(&project.with_wheels(name, range), pre) {
                return Ok(Some(v.clone()));
            }
        }
        Ok(project.best_in(range, pre).cloned())
    }

    fn get_dependencies(
        &self,
        package: &Package,
        version: &Version,
    ) -> Result<Dependencies<Package, Range, String>, Stop> {
        let deps = match package {
            Package::Root => Ok(self.root_dependencies()?),
            Package::Dist(name) => self.dist_dependencies(name, version, None)?,
            Package::Extra(name, extra) => self.dist_dependencies(name, version, Some(extra))?,
        };
        Ok(match deps {
            Ok(deps) => Dependencies::Available(constraints(deps)),
            Err(why) => Dependencies::Unavailable(why),
        })
    }

    fn should_cancel(&self) -> Result<(), Stop> {
        if wheelpipe::signals::interrupted() {
            return Err(Stop("interrupted".into()));
        }
        Ok(())
    }
}
