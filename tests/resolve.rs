//! wheel-resolve resolves unpinned requirements as pip does: the newest
//! version inside the ranges asked for (among twenty-odd versions, compared
//! as versions, not as strings), backtracking when the newest choice cannot
//! work, one and two levels deep, a conflict with no solution explained and
//! failed, and the same output, sorted, every time. Every expected pin was
//! checked against pip 23.2 (`WHEELPIPE_TEST_PIP=1` checks again).

mod resolving;
mod support;

use resolving::*;
use support::*;

/// `a` 1.0 to 1.19, 1.4.1 and 2.0: twenty-two versions where 1.19 > 1.9.
fn many_versions() -> Case {
    let mut wheels: Vec<WheelBuilder> = (0..20).map(|minor| wheel("a", &format!("1.{minor}"))).collect();
    wheels.push(wheel("a", "1.4.1"));
    wheels.push(wheel("a", "2.0"));
    Case::new(&wheels)
}

#[test]
fn an_unpinned_requirement_takes_the_newest_version() {
    let case = many_versions();
    // pip 23.2 picks the same.
    let resolved = case.expect("a\n", &["a==2.0"]);
    let a = resolved.get("a");
    assert_eq!(a.filename, "a-2.0-py3-none-any.whl");
    assert_eq!(a.url, case.server.file_url("a-2.0-py3-none-any.whl"));
    assert!(a.requested, "a top-level requirement is requested");
    let sha = wheelpipe::hash::sha256_hex(&std::fs::read(&case.wheels[21]).unwrap());
    assert_eq!(a.sha256(), Some(sha.as_str()), "the index's sha256 is carried");
}

#[test]
fn ranges_take_the_newest_version_inside_them() {
    let case = many_versions();
    // pip 23.2 picks the same for every line.
    let cases = [
        ("a>=1,<2", "a==1.19"),
        ("a<1.10", "a==1.9"),
        ("a!=2.0", "a==1.19"),
        ("a>=1,<2,!=1.19", "a==1.18"),
        ("a~=1.4", "a==1.19"),
        ("a~=1.4.0", "a==1.4.1"),
        ("a==1.4.*", "a==1.4.1"),
        ("a>1.4,<1.5", "a==1.4.1"),
        ("a<=1.12", "a==1.12"),
        ("a===1.7", "a==1.7"),
        ("a>=1.3\na<1.6\na!=1.5", "a==1.4.1"),
    ];
    for (reqs, pin) in cases {
        case.expect(&format!("{reqs}\n"), &[pin]);
    }
}

#[test]
fn post_dev_and_local_versions_order_as_pep_440_says() {
    let case = Case::new(&[
        wheel("v", "1.0"),
        wheel("v", "1.0.post1"),
        wheel("v", "1.1.dev1"),
        wheel("loc", "1.0"),
        wheel("loc", "1.0+cpu"),
        wheel("loc", "0.9"),
    ]);
    // pip 23.2 picks the same for each line.
    let cases = [
        ("v", "v==1.0.post1"),
        ("v<1.0.post1", "v==1.0"),
        ("v>=1.0.post1", "v==1.0.post1"),
        ("v==1.0", "v==1.0"),
        ("v~=1.0", "v==1.0.post1"),
        ("v>=1.1.dev0", "v==1.1.dev1"),
        ("loc", "loc==1.0+cpu"),
        ("loc==1.0", "loc==1.0+cpu"),
        ("loc<=1.0", "loc==1.0+cpu"),
        ("loc<1.0", "loc==0.9"),
    ];
    for (reqs, pin) in cases {
        case.expect(&format!("{reqs}\n"), &[pin]);
    }
    // pip 23.2 fails too: `>1.0` never admits 1.0's post-releases.
    case.expect_failure("v>1.0,<1.1\n", &["v"]);
}

/// `a` 2.0 and 3.0 need `b<1`, `a` 1.0 takes any `b>=0.5`.
fn newest_a_needs_old_b() -> Vec<WheelBuilder> {
    vec![
        wheel("a", "1.0").requires_dist("b>=0.5"),
        wheel("a", "2.0").requires_dist("b<1"),
        wheel("a", "3.0").requires_dist("b<1"),
        wheel("b", "0.5"),
        wheel("b", "1.0"),
        wheel("b", "1.5"),
    ]
}

#[test]
fn backtracks_to_an_older_version_when_the_newest_conflicts() {
    let case = Case::new(&newest_a_needs_old_b());
    // pip 23.2 picks the same, whichever line comes first.
    let resolved = case.expect("a\nb>=1\n", &["a==1.0", "b==1.5"]);
    assert!(resolved.artifacts.iter().all(|a| a.requested), "both were asked for by name");
    case.expect("b>=1\na\n", &["a==1.0", "b==1.5"]);
    // Without the root's own `b>=1`, the newest a wins and brings an old b.
    let resolved = case.expect("a\n", &["a==3.0", "b==0.5"]);
    assert!(!resolved.get("b").requested, "b is only a dependency here");
}

#[test]
fn no_deps_takes_the_newest_alone() {
    let case = Case::new(&newest_a_needs_old_b());
    let reqs = case.file("requirements.txt", "a\nb>=1\n");
    // pip 23.2 picks the same: without dependencies nothing conflicts.
    case.expect_with(&["--no-deps"], &[&reqs], &["a==3.0", "b==1.5"]);
}

/// `first` 2.0 needs `second<2`: two answers fit `first` and `second`.
fn two_answers() -> Case {
    Case::new(&[
        wheel("first", "1.0"),
        wheel("first", "2.0").requires_dist("second<2"),
        wheel("second", "1.0"),
        wheel("second", "2.0"),
    ])
}

#[test]
fn when_two_answers_fit_the_requirement_written_first_gets_its_newest() {
    let case = two_answers();
    // uv 0.13 picks the same, deciding the requirements in the order the file
    // gives them (both are PubGrub resolvers). pip 23.2 picks first 2.0 and
    // second 1.0 for both orders: its resolver re-pins `second` once first
    // 2.0's `second<2` rules its pin out, where PubGrub keeps the earlier
    // decision and takes an older `first`. README says so.
    case.expect("first\nsecond\n", &["first==2.0", "second==1.0"]);
    if !pip_only() {
        let resolved = Resolved::from_run(&case.resolve(&[&case.file("r2.txt", "second\nfirst\n")]));
        assert_eq!(resolved.pins(), ["first==1.0", "second==2.0"]);
    }
}

#[test]
fn backtracks_two_levels_deep() {
    let case = Case::new(&two_levels());
    // pip 23.2 picks the same.
    case.expect("top\nleaf<2\n", &["leaf==1.5", "mid==1.0", "top==1.0"]);
    case.expect("top\nleaf<3\n", &["leaf==2.0", "mid==2.0", "top==2.0"]);
    case.expect("top\n", &["leaf==3.0", "mid==3.0", "top==3.0"]);
}

#[test]
fn backtracks_through_twenty_versions_of_two_projects() {
    let mut wheels = Vec::new();
    for n in 1..=20 {
        wheels.push(wheel("outer", &format!("{n}.0")).requires_dist(&format!("inner>={n}")));
        wheels.push(wheel("inner", &format!("{n}.0")).requires_dist(&format!("base>={n}")));
    }
    wheels.extend((1..=20).map(|n| wheel("base", &format!("{n}.0"))));
    let case = Case::new(&wheels);
    // pip 23.2 picks the same: only outer, inner and base 3.0 fit `base<4`
    // together, seventeen versions down from the newest of each.
    case.expect("outer\nbase<4\n", &["base==3.0", "inner==3.0", "outer==3.0"]);
    case.expect("outer\nbase<4\ninner<3\n", &["base==3.0", "inner==2.0", "outer==2.0"]);
}

#[test]
fn a_shared_dependency_meets_every_dependent_and_cycles_end() {
    let case = Case::new(&[
        wheel("left", "1.0").requires_dist("shared>=1"),
        wheel("right", "1.0").requires_dist("shared<2"),
        wheel("shared", "0.5"),
        wheel("shared", "1.0"),
        wheel("shared", "1.5").requires_dist("left"),
        wheel("shared", "2.0"),
    ]);
    // pip 23.2 picks the same: shared 1.5 fits both, and its dependency back
    // on left closes a cycle.
    let resolved = case.expect("left\nright\n", &["left==1.0", "right==1.0", "shared==1.5"]);
    assert!(resolved.get("left").requested && !resolved.get("shared").requested);
    case.expect("shared<2\n", &["left==1.0", "shared==1.5"]);
}

#[test]
fn a_conflict_without_a_solution_is_explained_and_fails() {
    let case = Case::new(&[
        wheel("frontend", "1.0").requires_dist("backend<1"),
        wheel("frontend", "2.0").requires_dist("backend<1"),
        wheel("backend", "0.5"),
        wheel("backend", "1.0"),
        wheel("backend", "2.0"),
    ]);
    // pip 23.2 fails too (ResolutionImpossible).
    let stderr = case.expect_failure("frontend\nbackend>=1\n", &["frontend", "backend"]);
    let flat = squeeze(&stderr);
    assert!(flat.contains(">=1"), "the root's backend>=1 is named:\n{stderr}");
    assert!(flat.contains("<1"), "frontend's backend<1 is named:\n{stderr}");
}

#[test]
fn the_same_requirements_give_the_same_sorted_output_every_time() {
    let case = Case::new(&[
        wheel("zeta", "1.0").requires_dist("Alpha.One"),
        wheel("alpha_one", "1.0"),
        wheel("alpha_one", "2.0").requires_dist("mu>=2"),
        wheel("mu", "1.0"),
        wheel("mu", "2.0"),
        wheel("beta_two", "0.1").requires_dist("mu"),
        wheel("kappa", "3.0"),
    ]);
    // pip 23.2 installs the same five.
    let expected = ["alpha_one==2.0", "beta_two==0.1", "kappa==3.0", "mu==2.0", "zeta==1.0"];
    let first = case.expect("zeta\nkappa\nbeta-two\n", &expected);
    if pip_only() {
        return;
    }
    for _ in 0..2 {
        let again = case.resolve(&["requirements.txt"]);
        again.assert_success();
        assert_eq!(Resolved::from_run(&again).stdout, first.stdout, "the same records every run");
    }
}
