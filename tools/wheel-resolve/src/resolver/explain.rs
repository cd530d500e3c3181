//! Why there is no solution, in words a person can follow: PubGrub's
//! derivation, one numbered step a line, with requirements written as pip
//! writes them (`b>=1.0`, `a==2.0`) and the root called "the requirements".

use pubgrub::{
    DefaultStringReporter, DerivationTree, Derived, External, Map, ReportFormatter, Reporter, Term,
};

use super::package::Package;
use super::project::Range;

type Tree = DerivationTree<Package, Range, String>;
type Ext = External<Package, Range, String>;
type Terms = Map<Package, Term<Range>>;

/// The whole explanation of a failed resolution.
pub fn explain(tree: &Tree) -> String {
    let mut tree = tree.clone();
    tree.collapse_no_versions();
    DefaultStringReporter::report_with_formatter(&tree, &Plain)
}

/// `a`, `a==2.0`, `a>=1.0,<2.0`, `a<1.0 or >=2.0`.
fn spec(package: &Package, range: &Range) -> String {
    if *range == Range::full() {
        return package.to_string();
    }
    if let Some(version) = range.as_singleton() {
        return format!("{package}=={version}");
    }
    let text = range.to_string().replace(", ", ",").replace(" | ", " or ");
    format!("{package}{text}")
}

fn external(e: &Ext) -> String {
    match e {
        External::NotRoot(package, _) => format!("{package} are what is resolved"),
        External::NoVersions(package, range) if *range == Range::full() => {
            format!("there is no usable version of {package}")
        }
        External::NoVersions(package, range) => format!("no version of {} exists", spec(package, range)),
        External::Custom(package, range, reason) => {
            format!("{} cannot be used: {reason}", spec(package, range))
        }
        External::FromDependencyOf(Package::Root, _, dep, dep_range) => {
            format!("the requirements ask for {}", spec(dep, dep_range))
        }
        External::FromDependencyOf(package, range, dep, dep_range) => {
            format!("{} depends on {}", spec(package, range), spec(dep, dep_range))
        }
    }
}

fn terms(terms: &Terms) -> String {
    let list: Vec<_> = terms.iter().collect();
    match list.as_slice() {
        [] | [(Package::Root, _)] => "the requirements cannot be met".into(),
        [(package, Term::Positive(range))] => format!("{} cannot be used", spec(package, range)),
        [(package, Term::Negative(range))] => format!("{} is required", spec(package, range)),
        [(p1, Term::Positive(r1)), (p2, Term::Negative(r2))] => {
            external(&External::FromDependencyOf((*p1).clone(), r1.clone(), (*p2).clone(), r2.clone()))
        }
        [(p1, Term::Negative(r1)), (p2, Term::Positive(r2))] => {
            external(&External::FromDependencyOf((*p2).clone(), r2.clone(), (*p1).clone(), r1.clone()))
        }
        many => {
            let each: Vec<String> = many
                .iter()
                .map(|(p, t)| match t {
                    Term::Positive(r) => spec(p, r),
                    Term::Negative(r) => format!("not {}", spec(p, r)),
                })
                .collect();
            format!("{} cannot be used together", each.join(", "))
        }
    }
}

struct Plain;

impl ReportFormatter<Package, Range, String> for Plain {
    type Output = String;

    fn format_external(&self, e: &Ext) -> String {
        external(e)
    }

    fn format_terms(&self, t: &Terms) -> String {
        terms(t)
    }

    fn explain_both_external(&self, e1: &Ext, e2: &Ext, now: &Terms) -> String {
        format!("Because {} and {}, {}.", external(e1), external(e2), terms(now))
    }

    fn explain_both_ref(
        &self,
        id1: usize,
        d1: &Derived<Package, Range, String>,
        id2: usize,
        d2: &Derived<Package, Range, String>,
        now: &Terms,
    ) -> String {
        format!("Because {} ({id1}) and {} ({id2}), {}.", terms(&d1.terms), terms(&d2.terms), terms(now))
    }

    fn explain_ref_and_external(
        &self,
        id: usize,
        d: &Derived<Package, Range, String>,
        e: &Ext,
        now: &Terms,
    ) -> String {
        format!("Because {} ({id}) and {}, {}.", terms(&d.terms), external(e), terms(now))
    }

    fn and_explain_external(&self, e: &Ext, now: &Terms) -> String {
        format!("And because {}, {}.", external(e), terms(now))
    }

    fn and_explain_ref(&self, id: usize, d: &Derived<Package, Range, String>, now: &Terms) -> String {
        format!("And because {} ({id}), {}.", terms(&d.terms), terms(now))
    }

    fn and_explain_prior_and_external(&self, prior: &Ext, e: &Ext, now: &Terms) -> String {
        format!("And because {} and {}, {}.", external(prior), external(e), terms(now))
    }
}
