//! A set wheel-resolve had to backtrack for, with extras, installs: piped
//! into `wheel-fetch` and `wheel-unpack --venv`, the virtualenv holds exactly
//! the resolved distributions and `pip check` finds every requirement met.
//! The expected pins were checked against pip 23.2 (`WHEELPIPE_TEST_PIP=1`
//! checks again).

mod resolving;
mod support;

use std::collections::BTreeMap;

use resolving::*;
use support::*;

#[test]
fn a_backtracked_set_with_extras_installs_and_passes_pip_check() {
    let mut wheels = two_levels();
    wheels.extend([
        wheel("feat", "1.0").provides_extra("x").requires_dist("addon<2; extra == \"x\""),
        wheel("feat", "2.0")
            .provides_extra("x")
            .requires_dist("addon<2; extra == \"x\"")
            .requires_dist("leaf>=3"),
        wheel("addon", "1.0").requires_dist("mid"),
        wheel("addon", "2.0"),
    ]);
    let case = Case::new(&wheels);
    let reqs = "top\nleaf<2\nfeat[x]\n";
    // pip 23.2 picks the same: feat 2.0 needs leaf>=3, so feat goes back to 1.0 as well.
    let expected = ["addon==1.0", "feat==1.0", "leaf==1.5", "mid==1.0", "top==1.0"];
    case.expect(reqs, &expected);
    if pip_only() {
        return;
    }

    let sb = &case.sb;
    let venv = sb.venv("venv");
    let file = sb.path().join("requirements.txt");
    let run =
        pipeline(vec![sb.resolve(&case.server.url(), &venv, &[&file]), sb.fetch(), sb.unpack(&venv)], None);
    run.assert_success();
    let want: BTreeMap<String, String> = expected
        .iter()
        .map(|p| p.split_once("==").unwrap())
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    assert_eq!(venv.dists(sb), want, "the venv holds the resolved set:\n{run}");
    let check = sb.pip_ok(&venv, &["check"]);
    assert!(check.contains("No broken requirements found"), "pip check: {check}");
    let import = venv.run_python(sb, "import top, mid, leaf, feat, addon; print(leaf.VERSION, top.VERSION)");
    assert_eq!(String::from_utf8_lossy(&import.stdout).trim(), "1.5 1.0", "{import:?}");
}
