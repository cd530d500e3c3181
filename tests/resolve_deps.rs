//! What wheel-resolve follows and how it names it, as pip does: extras (of
//! a top-level requirement and of a dependency), environment markers for the
//! target interpreter (CPython 3.11 on this machine), constraints files
//! (`-c`), names spelled differently for one project, and clear failures
//! for a project or a version the index does not have. Every expected pin
//! was checked against pip 23.2 (`WHEELPIPE_TEST_PIP=1` checks again).

mod resolving;
mod support;

use resolving::*;

/// `feat` has an extra `x` pulling in `addon<2`; `app` asks for `feat[x]`.
fn extras() -> Case {
    Case::new(&[
        wheel("feat", "1.0")
            .provides_extra("x")
            .provides_extra("old")
            .requires_dist("base")
            .requires_dist("addon<2; extra == \"x\"")
            .requires_dist("legacy; extra == \"old\" and python_version < \"3\"")
            .provides_extra("all")
            .requires_dist("feat[x,old]; extra == \"all\""),
        wheel("addon", "1.0"),
        wheel("addon", "2.0"),
        wheel("base", "1.0"),
        wheel("legacy", "1.0"),
        wheel("app", "1.0").requires_dist("feat[x]"),
    ])
}

#[test]
fn an_extra_pulls_in_its_dependencies_and_only_then() {
    let case = extras();
    // pip 23.2 picks the same for each.
    case.expect("feat\n", &["base==1.0", "feat==1.0"]);
    let resolved = case.expect("feat[x]\n", &["addon==1.0", "base==1.0", "feat==1.0"]);
    assert!(resolved.get("feat").requested, "feat was asked for");
    assert!(!resolved.get("addon").requested, "addon came with the extra");
    assert!(!resolved.get("base").requested, "base is a dependency");
    // Both requirements together: the extra still applies.
    case.expect("feat\nfeat[x]\n", &["addon==1.0", "base==1.0", "feat==1.0"]);
    // An extra whose only dependency has a false marker adds nothing.
    case.expect("feat[old]\n", &["base==1.0", "feat==1.0"]);
    // An extra that asks for the project's own other extras gets theirs.
    case.expect("feat[all]\n", &["addon==1.0", "base==1.0", "feat==1.0"]);
}

#[test]
fn a_dependency_with_an_extra_pulls_in_the_extra() {
    let case = extras();
    // pip 23.2 picks the same.
    let resolved = case.expect("app\n", &["addon==1.0", "app==1.0", "base==1.0", "feat==1.0"]);
    assert!(!resolved.get("feat").requested, "feat is only app's dependency");
    // The extra's `addon<2` holds against the root's unpinned `addon`.
    case.expect("app\naddon\n", &["addon==1.0", "app==1.0", "base==1.0", "feat==1.0"]);
}

#[test]
fn an_unknown_extra_installs_the_project_alone() {
    let case = extras();
    // pip 23.2 picks the same, warning that feat 1.0 does not provide the extra.
    case.expect("feat[nosuch]\n", &["base==1.0", "feat==1.0"]);
}

#[test]
fn requirements_whose_markers_are_false_are_left_out() {
    let case = Case::new(&[
        wheel("host", "1.0")
            .requires_dist("winonly; sys_platform == \"win32\"")
            .requires_dist("modern; python_version >= \"3.8\"")
            .requires_dist("pypyonly; implementation_name == \"pypy\"")
            .requires_dist(
                "cpyonly; platform_python_implementation == \"CPython\" and python_full_version >= \"3.0.1\"",
            ),
        wheel("winonly", "1.0"),
        wheel("pypyonly", "1.0"),
        wheel("cpyonly", "1.0"),
        wheel("modern", "1.0"),
        wheel("py2only", "1.0"),
    ]);
    // pip 23.2 picks the same for each.
    let with_host = ["cpyonly==1.0", "host==1.0", "modern==1.0"];
    case.expect("host\n", &with_host);
    case.expect("host\npy2only; python_version < \"3.0\"\n", &with_host);
    case.expect("py2only; python_version >= \"3.0\"\n", &["py2only==1.0"]);
    // A false marker needs no index page at all: `ghost` does not exist.
    case.expect("host\nghost; sys_platform == \"win32\"\n", &with_host);
}

/// `app` needs `lib`, which has 1.0 and 2.0; `other` exists but nobody needs it.
fn constrained() -> Case {
    Case::new(&[
        wheel("app", "1.0").requires_dist("lib"),
        wheel("lib", "1.0"),
        wheel("lib", "2.0"),
        wheel("other", "1.0"),
    ])
}

#[test]
fn a_constraints_file_limits_a_dependency() {
    let case = constrained();
    case.file("constraints.txt", "lib<2\n");
    // pip 23.2 picks the same.
    case.expect("app\n", &["app==1.0", "lib==2.0"]);
    let resolved = case.expect("-c constraints.txt\napp\n", &["app==1.0", "lib==1.0"]);
    assert!(!resolved.get("lib").requested, "a constraint does not make lib requested");
    // The constraints file as its own option line, given after the requirement.
    case.expect("app\n--constraint constraints.txt\n", &["app==1.0", "lib==1.0"]);
}

#[test]
fn a_constraint_on_a_project_nobody_requires_installs_nothing() {
    let case = constrained();
    case.file("constraints.txt", "other==1.0\nghost==3.0\nlib<2\n");
    // pip 23.2 picks the same: neither other nor ghost (which the index lacks) appear.
    case.expect("-c constraints.txt\napp\n", &["app==1.0", "lib==1.0"]);
}

#[test]
fn a_constraint_no_version_meets_fails() {
    let case = constrained();
    case.file("constraints.txt", "lib>=3\n");
    // pip 23.2 fails too.
    let stderr = case.expect_failure("-c constraints.txt\napp\n", &["lib"]);
    assert!(squeeze(&stderr).contains(">=3"), "the constraint is named:\n{stderr}");
}

#[test]
fn names_spelled_differently_are_one_project_named_as_the_index_spells_it() {
    let sb = support::Sandbox::new();
    let dir = sb.path().join("wheels");
    let mut wheels: Vec<_> =
        ["1.0", "2.0", "3.0"].iter().map(|v| build_spelled(&wheel("Foo_Bar", v), &dir, "Foo_Bar")).collect();
    wheels.push(wheel("user", "1.0").requires_dist("FOO.bar<3").build(&dir));
    let case = Case::serve(sb, wheels);
    // pip 23.2 picks the same, and its report names the project Foo_Bar, as
    // the index's file names and the wheels' METADATA spell it; records
    // write it normalized (foo-bar), and the pins are compared so.
    let resolved = case.expect("foo-bar\n", &["Foo_Bar==3.0"]);
    assert_eq!(resolved.get("Foo_Bar").filename, "Foo_Bar-3.0-py3-none-any.whl");
    case.expect("user\nfoo_bar\n", &["Foo_Bar==2.0", "user==1.0"]);
    case.expect("FOO-BAR>=1\nfoo.bar!=3.0\n", &["Foo_Bar==2.0"]);
}

#[test]
fn an_unknown_project_fails_naming_it() {
    let case = Case::new(&[wheel("known", "1.0"), wheel("needsghost", "1.0").requires_dist("ghostdep>=1")]);
    // pip 23.2 fails too ("No matching distribution found for nosuchproject").
    // The error says where it looked, too.
    let index = case.server.url();
    case.expect_failure("known\nnosuchproject\n", &["nosuchproject", &index]);
    // pip 23.2 fails too, naming ghostdep.
    case.expect_failure("needsghost\n", &["ghostdep", "needsghost", &index]);
}

#[test]
fn a_version_the_index_does_not_have_fails_naming_it() {
    let case = Case::new(&[wheel("known", "1.0"), wheel("known", "2.0")]);
    // pip 23.2 fails too ("No matching distribution found for known==99").
    case.expect_failure("known==99\n", &["known", "99"]);
    case.expect_failure("known>=3\n", &["known", "3"]);
}
