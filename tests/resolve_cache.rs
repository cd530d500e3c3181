//! wheel-resolve with a warm cache answers from what the index says now:
//! the project pages it kept are revalidated (`If-None-Match`, answered 304
//! while they have not changed), so a file yanked since the last run is
//! skipped on the next, as pip 23.2 skips it (`WHEELPIPE_TEST_PIP=1`
//! checks again).

mod resolving;
mod support;

use resolving::*;

/// The answers the index gave for `/simple/{project}/` pages since the log was cleared.
fn page_statuses(case: &Case, project: &str) -> Vec<u16> {
    let path = format!("/simple/{project}/");
    case.server.requests().iter().filter(|e| e.path == path).map(|e| e.status).collect()
}

/// [`Case::expect`], with the server's log cleared after pip's turn (when
/// asked) and before wheel-resolve's, so the log holds wheel-resolve's
/// requests alone. `None` when pip answers alone.
fn expect_logged(case: &Case, reqs: &str, expected: &[&str]) -> Option<Resolved> {
    let file = case.file("requirements.txt", reqs);
    if with_pip() {
        let pip = case.pip(&[&file]);
        assert_eq!(pip.resolved.pins(), expected, "pip 23.2 disagrees:\n{}", pip.resolved.stderr);
        if pip_only() {
            return None;
        }
    }
    case.server.clear_log();
    let run = case.resolve(&[&file]);
    run.assert_success();
    let resolved = Resolved::from_run(&run);
    assert_eq!(resolved.pins(), expected, "{run}");
    Some(resolved)
}

#[test]
fn a_file_yanked_since_the_last_run_is_skipped_on_the_next() {
    let case =
        Case::new(&[wheel("shaky", "1.0"), wheel("shaky", "2.0").requires_dist("dep"), wheel("dep", "1.0")]);
    // pip 23.2 picks the same each time.
    expect_logged(&case, "shaky\n", &["dep==1.0", "shaky==2.0"]);

    let warm = expect_logged(&case, "shaky\n", &["dep==1.0", "shaky==2.0"]);
    if warm.is_some() {
        assert_eq!(page_statuses(&case, "shaky"), [304], "a kept page is revalidated, not fetched again");
    }

    case.server.index().yank("shaky-2.0-py3-none-any.whl", "withdrawn");
    let after = expect_logged(&case, "shaky\n", &["shaky==1.0"]);
    if let (Some(warm), Some(after)) = (warm, after) {
        assert_eq!(page_statuses(&case, "shaky"), [200], "the changed page is fetched again");
        assert_ne!(after.stdout, warm.stdout);
    }
}
