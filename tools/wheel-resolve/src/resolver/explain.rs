//! Why there is no solution, in words a person can follow: PubGrub's
//! derivation, one numbered step a line, with requirements written as they
//! were given (`b>=1`) where a step is one requirement, else as the versions
//! the index has (`a==2.0`, `a>=1.0,<=1.4`), and the root called "the
//! requirements".

use pubgrub::{
    DefaultStringReporter, DerivationTree, Derived, External, Map, ReportFormatter, Reporter, Term,
};

use std::collections::BTreeMap;

use pep440_rs::Version;

use super::package::Package;
use super::project::Range;

type Tree = DerivationTree<Package, Range, String>;
type Ext = External<Package, Range, String>;
type Terms = Map<Package, Term<Range>>;

/// Writes a package with a range as a person reads it: `a`, `b>=1`, `a==2.0`.
pub type Describe<'d> = &'d dyn Fn(&Package, &Range) -> String;

/// The whole explanation of a failed resolution.
pub fn explain(tree: &Tree, describe: Describe<'_>) -> String {
    let mut tree = tree.clone();
    tree.collapse_no_versions();
    DefaultStringReporter::report_with_formatter(&tree, &Plain { describe })
}

/// Every reason a version could not be used (`External::Custom`) in the tree.
pub fn reasons(tree: &Tree) -> Vec<String> {
    match tree {
        DerivationTree::External(External::Custom(_, _, reason)) => vec![reason.clone()],
        DerivationTree::External(_) => Vec::new(),
        DerivationTree::Derived(d) => {
            let mut all = reasons(&d.cause1);
            all.extend(reasons(&d.cause2));
            all
        }
    }
}

/// The error when source distributions stand in the way, each on one
/// line: those that only source distributions would fit and that may not
/// be built (`--only-binary`, or no cache folder to build in), with the
/// versions tried (none listed: no wheel of any); and those whose metadata
/// could not be read, with the reason in one line.
pub fn sources(sdist_only: &BTreeMap<String, Vec<Version>>, unbuildable: &super::Unbuildable) -> String {
    let mut parts = Vec::new();
    if !sdist_only.is_empty() {
        let lines: Vec<String> = sdist_only
            .iter()
            .map(|(name, versions)| {
                let shown: Vec<String> = versions.iter().take(5).map(ToString::to_string).collect();
                let more = versions.len().saturating_sub(5);
                match (shown.is_empty(), more) {
                    (true, _) => format!("    {name}: no wheel of any version"),
                    (false, 0) => format!("    {name} {}: no wheel", shown.join(", ")),
                    (false, n) => format!("    {name} {} and {n} older: no wheel", shown.join(", ")),
                }
            })
            .collect();
        parts.push(format!(
            "no set of versions fits with wheels alone; these have only source distributions, which \
             --only-binary (or a missing cache folder) forbids building:\n{}",
            lines.join("\n")
        ));
    }
    if !unbuildable.is_empty() {
        let lines: Vec<String> = unbuildable
            .iter()
            .map(|((name, version), why)| format!("    {name} {version}: {}", one_line(name, why)))
            .collect();
        parts.push(format!(
            "the metadata of {} source distribution{} could not be read (wheel-build DIST shows a build's whole output):\n{}",
            unbuildable.len(),
            if unbuildable.len() == 1 { "" } else { "s" },
            lines.join("\n")
        ));
    }
    parts.join("\n")
}

/// A build error in one line: its first line (less the `name version: `
/// the build library starts it with) and the backend's last output line.
fn one_line(name: &str, message: &str) -> String {
    let mut lines = message.lines();
    let first = lines.next().unwrap_or_default();
    let first = first.strip_suffix("; its last output lines:").unwrap_or(first);
    let named =
        |head: &str| head.rsplit_once(' ').is_some_and(|(n, _)| wheelpipe::names::normalize(n) == name);
    let first = match first.split_once(": ") {
        Some((head, rest)) if named(head) => rest,
        _ => first,
    };
    // A bare exit status (`SystemExit(1)`) says nothing: the line before does.
    let said = |l: &&str| !l.is_empty() && !l.chars().all(|c| c.is_ascii_digit());
    match lines.map(str::trim).rfind(said) {
        Some(last) => format!("{first}: {last}"),
        None => first.to_string(),
    }
}

impl Plain<'_> {
    fn spec(&self, package: &Package, range: &Range) -> String {
        (self.describe)(package, range)
    }

    fn external(&self, e: &Ext) -> String {
        match e {
            External::NotRoot(package, _) => format!("{package} are what is resolved"),
            External::NoVersions(package, range) if *range == Range::full() => {
                format!("there is no usable version of {package}")
            }
            External::NoVersions(package, range) => {
                format!("no version of {} exists", self.spec(package, range))
            }
            External::Custom(package, range, reason) => {
                format!("{} cannot be used: {reason}", self.spec(package, range))
            }
            External::FromDependencyOf(Package::Root, _, dep, dep_range) => {
                format!("the requirements ask for {}", self.spec(dep, dep_range))
            }
            External::FromDependencyOf(package, range, dep, dep_range) => {
                format!("{} depends on {}", self.spec(package, range), self.spec(dep, dep_range))
            }
        }
    }

    fn terms(&self, terms: &Terms) -> String {
        // The root is always chosen: a term saying so adds nothing to read.
        let list: Vec<_> =
            terms.iter().filter(|(p, t)| !(**p == Package::Root && matches!(t, Term::Positive(_)))).collect();
        match list.as_slice() {
            [] | [(Package::Root, _)] => "the requirements cannot be met".into(),
            [(package, Term::Positive(range))] => format!("{} cannot be used", self.spec(package, range)),
            [(package, Term::Negative(range))] => format!("{} is required", self.spec(package, range)),
            [(p1, Term::Positive(r1)), (p2, Term::Negative(r2))] => self
                .external(&External::FromDependencyOf((*p1).clone(), r1.clone(), (*p2).clone(), r2.clone())),
            [(p1, Term::Negative(r1)), (p2, Term::Positive(r2))] => self
                .external(&External::FromDependencyOf((*p2).clone(), r2.clone(), (*p1).clone(), r1.clone())),
            many => {
                let each: Vec<String> = many
                    .iter()
                    .map(|(p, t)| match t {
                        Term::Positive(r) => self.spec(p, r),
                        Term::Negative(r) => format!("not {}", self.spec(p, r)),
                    })
                    .collect();
                format!("{} cannot be used together", each.join(", "))
            }
        }
    }
}

struct Plain<'d> {
    describe: Describe<'d>,
}

impl ReportFormatter<Package, Range, String> for Plain<'_> {
    type Output = String;

    fn format_external(&self, e: &Ext) -> String {
        self.external(e)
    }

    fn format_terms(&self, t: &Terms) -> String {
        self.terms(t)
    }

    fn explain_both_external(&self, e1: &Ext, e2: &Ext, now: &Terms) -> String {
        format!("Because {} and {}, {}.", self.external(e1), self.external(e2), self.terms(now))
    }

    fn explain_both_ref(
        &self,
        id1: usize,
        d1: &Derived<Package, Range, String>,
        id2: usize,
        d2: &Derived<Package, Range, String>,
        now: &Terms,
    ) -> String {
        format!(
            "Because {} ({id1}) and {} ({id2}), {}.",
            self.terms(&d1.terms),
            self.terms(&d2.terms),
            self.terms(now)
        )
    }

    fn explain_ref_and_external(
        &self,
        id: usize,
        d: &Derived<Package, Range, String>,
        e: &Ext,
        now: &Terms,
    ) -> String {
        format!("Because {} ({id}) and {}, {}.", self.terms(&d.terms), self.external(e), self.terms(now))
    }

    fn and_explain_external(&self, e: &Ext, now: &Terms) -> String {
        format!("And because {}, {}.", self.external(e), self.terms(now))
    }

    fn and_explain_ref(&self, id: usize, d: &Derived<Package, Range, String>, now: &Terms) -> String {
        format!("And because {} ({id}), {}.", self.terms(&d.terms), self.terms(now))
    }

    fn and_explain_prior_and_external(&self, prior: &Ext, e: &Ext, now: &Terms) -> String {
        format!("And because {} and {}, {}.", self.external(prior), self.external(e), self.terms(now))
    }
}
