//! What wheel-resolve leaves out before resolving, as pip does: versions
//! whose Requires-Python excludes the target (CPython 3.11, the machine's
//! python3), yanked files unless pinned with `==` / `===` (PEP 592, with a
//! warning), pre-releases unless asked for or the only choice, and versions
//! without a wheel for the target's tags. Every expected pin was checked
//! against pip 23.2 (`WHEELPIPE_TEST_PIP=1` checks again).

mod resolving;
mod support;

use resolving::*;

#[test]
fn a_version_needing_a_newer_python_is_passed_over() {
    let case = Case::new(&[
        wheel("modern", "1.0").requires_python(">=3.8"),
        wheel("modern", "2.0").requires_python(">=3.8,!=3.11.*"),
        wheel("modern", "3.0").requires_python(">=3.12"),
        wheel("app", "1.0").requires_dist("modern>=0.5"),
    ]);
    // pip 23.2 picks the same: 3.0 needs 3.12, 2.0 excludes 3.11.
    let resolved = case.expect("modern\n", &["modern==1.0"]);
    assert_eq!(
        resolved.get("modern").requires_python.as_deref(),
        Some(">=3.8"),
        "the file's Requires-Python"
    );
    case.expect("app\n", &["app==1.0", "modern==1.0"]);
    // pip 23.2 fails too ("Ignored the following versions that require a different python version").
    case.expect_failure("modern==3.0\n", &["modern", "3.0"]);
}

#[test]
fn a_yanked_version_is_taken_only_when_pinned_exactly() {
    let case = Case::new(&[
        wheel("shaky", "1.0"),
        wheel("shaky", "2.0"),
        wheel("pinner", "1.0").requires_dist("shaky==2.0"),
    ]);
    case.server.index().yank("shaky-2.0-py3-none-any.whl", "broken build");
    // pip 23.2 picks the same for each.
    let resolved = case.expect("shaky\n", &["shaky==1.0"]);
    assert!(!resolved.stderr().contains("yanked"), "no warning when the yanked file is not chosen");
    case.expect("shaky>=1\n", &["shaky==1.0"]);
    let resolved = case.expect("shaky==2.0\n", &["shaky==2.0"]);
    let warning = resolved.stderr();
    for word in ["shaky", "2.0", "yanked", "broken build"] {
        assert!(warning.contains(word), "the warning names {word:?}:\n{warning}");
    }
    case.expect("shaky===2.0\n", &["shaky==2.0"]);
    // A dependency's exact pin counts as one too: pip merges the specifiers and sees `==2.0`.
    case.expect("pinner\n", &["pinner==1.0", "shaky==2.0"]);
}

#[test]
fn a_range_that_only_a_yanked_version_fits_has_no_solution() {
    let case = Case::new(&[wheel("shaky", "1.0"), wheel("shaky", "2.0"), wheel("shaky", "2.1")]);
    case.server.index().yank("shaky-2.0-py3-none-any.whl", "");
    case.server.index().yank("shaky-2.1-py3-none-any.whl", "");
    // pip 23.2 fails too: yanked files count only for a `==` or `===` pin.
    case.expect_failure("shaky>=2\n", &["shaky"]);
    case.expect_failure("shaky==2.*\n", &["shaky"]);
    // pip 23.2 picks the same.
    case.expect("shaky\n", &["shaky==1.0"]);
}

/// `pre` 1.9 and 2.0b1, `onlypre` with nothing but pre-releases, and two
/// projects that depend on them.
fn prereleases() -> Case {
    Case::new(&[
        wheel("pre", "1.0"),
        wheel("pre", "1.9"),
        wheel("pre", "2.0b1"),
        wheel("onlypre", "0.1a1"),
        wheel("onlypre", "0.2b2"),
        wheel("wantsbeta", "1.0").requires_dist("pre>=2.0b1"),
        wheel("wantsany", "1.0").requires_dist("pre<3").requires_dist("onlypre"),
    ])
}

#[test]
fn a_prerelease_is_skipped_unless_asked_for() {
    let case = prereleases();
    // pip 23.2 picks the same for each.
    case.expect("pre\n", &["pre==1.9"]);
    case.expect("pre<3\n", &["pre==1.9"]);
    case.expect("pre>=2.0b1\n", &["pre==2.0b1"]);
    case.expect("--pre\npre\n", &["pre==2.0b1"]);
    let plain = case.file("plain.txt", "pre\n");
    case.expect_with(&["--pre"], &[&plain], &["pre==2.0b1"]);
    case.expect("pre==2.0b1\n", &["pre==2.0b1"]);
}

#[test]
fn a_prerelease_is_taken_when_it_is_the_only_fit() {
    let case = prereleases();
    // pip 23.2 picks the same: a bare name with no final release falls back to pre-releases.
    case.expect("onlypre\n", &["onlypre==0.2b2"]);
    case.expect("wantsany\n", &["onlypre==0.2b2", "pre==1.9", "wantsany==1.0"]);
}

#[test]
fn a_specifier_naming_no_prerelease_does_not_fall_back_to_one() {
    let case = prereleases();
    // pip 23.2 fails (uv too): `pre` has final releases, and `>1.9` names no
    // pre-release, so 2.0b1 is out although nothing else fits.
    case.expect_failure("pre>1.9\n", &["pre"]);
}

#[test]
fn a_specifier_on_a_project_of_only_prereleases_finds_none_like_pip() {
    let case = prereleases();
    // pip 23.2 fails: once a requirement has a specifier and none of its
    // clauses names a pre-release, pip drops pre-releases even when the
    // project has nothing else; only a bare name falls back to them. (uv
    // would take 0.2b2 here: all of the project's versions are pre-releases.)
    case.expect_failure("onlypre>=0.1\n", &["onlypre"]);
}

#[test]
fn a_dependency_naming_a_prerelease_allows_it_for_everyone() {
    let case = prereleases();
    // pip 23.2 picks the same: it merges `pre` and `pre>=2.0b1` into one
    // specifier set, which names a pre-release and so admits them.
    case.expect("pre\nwantsbeta\n", &["pre==2.0b1", "wantsbeta==1.0"]);
}

#[test]
fn a_version_without_a_wheel_for_the_target_is_passed_over() {
    let case = Case::new(&[
        wheel("plat", "1.0"),
        wheel("plat", "2.0").tag("cp311-cp311-win_amd64"),
        wheel("plat", "3.0").tag("py2-none-any"),
        wheel("plat", "4.0").tag("cp27-cp27mu-manylinux1_x86_64"),
        wheel("best", "1.0"),
        wheel("best", "1.0").tag("cp311-none-any"),
        wheel("best", "1.0").tag("cp311-cp311-win_amd64"),
    ]);
    // pip 23.2 picks the same.
    let resolved = case.expect("plat\n", &["plat==1.0"]);
    assert_eq!(resolved.get("plat").filename, "plat-1.0-py3-none-any.whl");
    // Among a version's wheels, the one whose tag ranks first for CPython 3.11 (pip picks it too).
    let resolved = case.expect("best\n", &["best==1.0"]);
    assert_eq!(resolved.get("best").filename, "best-1.0-cp311-none-any.whl");
    // pip 23.2 fails too.
    case.expect_failure("plat==2.0\n", &["plat", "2.0"]);
}
