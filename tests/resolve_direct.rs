//! `name @ URL` requirements naming a wheel: that wheel is the only
//! candidate for its project, its dependencies are resolved from the index,
//! and the artifact points at the URL given. pip 23.2 installs such lines
//! the same way (the wheel at the URL, its dependencies from the index).

mod resolving;
mod support;

use resolving::*;

#[test]
fn a_wheel_url_is_the_only_candidate_and_its_dependencies_come_from_the_index() {
    let case = Case::new(&[
        wheel("tool", "1.0").requires_dist("helper>=2"),
        wheel("tool", "3.0"),
        wheel("helper", "1.0"),
        wheel("helper", "2.0"),
        wheel("helper", "2.5"),
    ]);
    let url = case.server.file_url("tool-1.0-py3-none-any.whl");
    let resolved = case.expect(&format!("tool @ {url}\n"), &["helper==2.5", "tool==1.0"]);
    assert_eq!(resolved.get("tool").url, url, "the URL given, not the index's newest");
    assert!(resolved.get("tool").requested && !resolved.get("helper").requested);
    assert!(resolved.get("tool").direct && !resolved.get("helper").direct, "marked for direct_url.json");

    let wrong = case.server.file_url("helper-2.0-py3-none-any.whl");
    let stderr = case.expect_failure(&format!("tool @ {wrong}\n"), &["tool", "helper"]);
    assert!(stderr.contains("the wheel is of helper, not tool"), "{stderr}");
}
