//! When several source distributions stand in the way, wheel-resolve names
//! them all in one short error (issue 12), not the first one a run: those
//! whose backend cannot give the metadata, each with its reason in one
//! line, and those that --only-binary forbids building.

mod resolving;
mod support;

use std::path::PathBuf;

use resolving::*;
use support::builds::src;
use support::sources::Project;
use support::*;

/// A backend whose metadata hook fails as a missing compiler would.
const FAILING_BACKEND: &str = r#"
import sys
def prepare_metadata_for_build_wheel(directory, config_settings=None):
    name = open("NAME").read().strip()
    for i in range(20):
        print("checking step %d" % i)
    print("error: no compiler found for " + name, file=sys.stderr)
    raise SystemExit(1)
def build_wheel(directory, config_settings=None, metadata_directory=None):
    raise SystemExit(1)
"#;

/// A project folder whose backend fails to give the metadata.
fn failing_project(sb: &Sandbox, name: &str) -> Project {
    Project::new(&src(sb), name, "1.0")
        .file(
            "pyproject.toml",
            "[build-system]\nrequires = []\nbuild-backend = \"failing\"\nbackend-path = [\"_backend\"]\n",
        )
        .file("_backend/failing.py", FAILING_BACKEND)
        .file("NAME", name)
}

fn failing_sdist(sb: &Sandbox, name: &str) -> PathBuf {
    let dir = sb.path().join("wheels");
    std::fs::create_dir_all(&dir).unwrap();
    failing_project(sb, name).sdist(&dir)
}

#[test]
fn every_source_distribution_whose_metadata_fails_is_named_with_its_reason_in_one_line() {
    let sb = Sandbox::new();
    let mut files: Vec<PathBuf> = ["bad_a", "bad_b", "bad_c"].iter().map(|n| failing_sdist(&sb, n)).collect();
    files.push(wheel("good", "1.0").build(&sb.path().join("wheels")));
    let case = Case::serve(sb, files);
    let stderr = case.expect_failure(
        "good\nbad_a\nbad_b\nbad_c\n",
        &["bad-a 1.0:", "bad-b 1.0:", "bad-c 1.0:", "no compiler found for bad_c", "3 source distributions"],
    );
    assert!(!stderr.contains("checking step"), "one line each, not the backends' output:\n{stderr}");
    assert!(stderr.lines().count() <= 6, "short:\n{stderr}");
}

#[test]
fn only_binary_names_every_project_that_has_only_source_distributions() {
    let sb = Sandbox::new();
    let dir = sb.path().join("wheels");
    std::fs::create_dir_all(&dir).unwrap();
    let mut files: Vec<PathBuf> =
        ["src_x", "src_y"].iter().map(|n| Project::tiny(&src(&sb), n, "1.0", &[]).sdist(&dir)).collect();
    files.push(wheel("good", "1.0").build(&dir));
    let case = Case::serve(sb, files);
    let reqs = case.file("requirements.txt", "src_x==1.0\ngood\nsrc_y==1.0\n");
    let run = case.resolve(&["--only-binary", ":all:", &reqs]);
    assert_eq!(run.codes(), [Some(1)], "{run}");
    let stderr = run.stderr(0);
    for word in ["--only-binary", "src-x", "src-y"] {
        assert!(stderr.contains(word), "names {word}:\n{stderr}");
    }
}

#[test]
fn a_failing_sdist_met_only_as_a_dependency_is_named_in_the_same_run_as_the_others() {
    let sb = Sandbox::new();
    let mut files: Vec<PathBuf> = ["bad_a", "bad_b"].iter().map(|n| failing_sdist(&sb, n)).collect();
    // bad_b only through good's extra: nothing reads it ahead, the solver meets it
    // after bad_a failed, so only going on past bad_a finds it.
    let good = wheel("good", "1.0").provides_extra("more").requires_dist("bad_b; extra == 'more'");
    files.push(good.build(&sb.path().join("wheels")));
    // And a folder that a dependency names by URL, whose backend fails the same way.
    let folder = url::Url::from_file_path(failing_project(&sb, "bad_dir").root).unwrap();
    files.push(
        wheel("user", "1.0").requires_dist(&format!("bad_dir @ {folder}")).build(&sb.path().join("wheels")),
    );
    let case = Case::serve(sb, files);
    let stderr = case.expect_failure(
        "bad_a\ngood[more]\nuser\n",
        &["bad-a 1.0:", "bad-b 1.0:", "bad-dir @ file://", "3 source distributions"],
    );
    assert!(stderr.contains("no compiler found for bad_b"), "the backend's last line:\n{stderr}");
    assert!(stderr.contains("no compiler found for bad_dir"), "the backend's last line:\n{stderr}");
    assert!(!stderr.contains("checking step"), "one line each:\n{stderr}");
}
