//! Choosing among a project's files: versions, tags, Requires-Python,
//! hashes, build tags, yanked files and the messages when nothing fits.

use std::collections::BTreeMap;
use std::str::FromStr;

use pep440_rs::Version;
use wheelpipe::index::DistFile;
use wheelpipe::tags::Tags;
use wheelpipe::wheel_name::WheelFilename;

use super::*;
use crate::requirements::{Hash, Location};

fn tags() -> Tags {
    let t = |p: &str, a: &str, pl: &str| (p.to_string(), a.to_string(), pl.to_string());
    Tags::from_ordered(vec![
        t("cp311", "cp311", "manylinux_2_17_x86_64"),
        t("cp311", "cp311", "linux_x86_64"),
        t("cp311", "abi3", "linux_x86_64"),
        t("py3", "none", "any"),
    ])
}

fn pin(name: &str, version: &str) -> Pin {
    Pin {
        name: name.into(),
        version: Version::from_str(version).unwrap(),
        version_text: version.into(),
        arbitrary: false,
        hashes: vec![],
        location: Location { file: "r.txt".into(), line: 1 },
    }
}

fn file(filename: &str) -> DistFile {
    DistFile {
        filename: filename.into(),
        url: format!("http://127.0.0.1:1/files/{filename}"),
        hashes: BTreeMap::from([("sha256".to_string(), "1".repeat(64))]),
        requires_python: None,
        yanked: None,
        core_metadata: None,
        size: Some(10),
    }
}

fn run(pin: &Pin, files: &[DistFile]) -> Result<Choice, String> {
    let tags = tags();
    let rank = |w: &WheelFilename| tags.rank(w);
    let target = Target {
        rank: &rank,
        python: Version::from_str("3.11.4").unwrap(),
        description: "CPython 3.11 (linux_x86_64)".into(),
        sources: "http://127.0.0.1:1/simple".into(),
    };
    choose(pin, files, &target)
}

#[test]
fn best_tag_then_highest_build_wins_and_versions_compare_as_pep_440() {
    let files = [
        file("numpy-1.0.0-py3-none-any.whl"),
        file("numpy-1.0-1-cp311-cp311-linux_x86_64.whl"),
        file("numpy-1.0-2-cp311-cp311-linux_x86_64.whl"),
        file("numpy-1.1-cp311-cp311-manylinux_2_17_x86_64.whl"),
        file("numpy-1.0.tar.gz"),
    ];
    let choice = run(&pin("numpy", "1.0"), &files).unwrap();
    assert_eq!(choice.artifact.filename, "numpy-1.0-2-cp311-cp311-linux_x86_64.whl");
    assert_eq!(choice.artifact.version, "1.0");
    assert_eq!(choice.artifact.url, "http://127.0.0.1:1/files/numpy-1.0-2-cp311-cp311-linux_x86_64.whl");
    assert_eq!(choice.artifact.size, Some(10));
    assert!(choice.artifact.requested);
    let choice = run(&pin("numpy", "1.0"), &files[..1]).unwrap();
    assert_eq!(choice.artifact.filename, "numpy-1.0.0-py3-none-any.whl");
}

#[test]
fn the_artifact_says_whether_the_index_serves_a_metadata_file() {
    let mut with = file("six-1.0-py3-none-any.whl");
    with.core_metadata = Some(BTreeMap::from([("sha256".to_string(), "2".repeat(64))]));
    let choice = run(&pin("six", "1.0"), &[with.clone()]).unwrap();
    assert_eq!(choice.artifact.core_metadata, with.core_metadata);
    let choice = run(&pin("six", "1.0"), &[file("six-1.0-py3-none-any.whl")]).unwrap();
    assert_eq!(choice.artifact.core_metadata, None);
}

#[test]
fn requires_python_excluding_the_interpreter_drops_the_file() {
    let mut new = file("six-2.0-py3-none-any.whl");
    new.requires_python = Some(">=3.12".into());
    let err = run(&pin("six", "2.0"), &[new.clone()]).unwrap_err();
    assert_eq!(
        err,
        "six==2.0: no wheel fits CPython 3.11 (linux_x86_64): found six-2.0-py3-none-any.whl (Requires-Python >=3.12)"
    );
    new.requires_python = Some(">=3.8, <4".into());
    assert!(run(&pin("six", "2.0"), &[new]).is_ok());
}

#[test]
fn no_fitting_tag_names_the_wheels_and_the_interpreter() {
    let files = [file("numpy-1.0-cp27-cp27m-linux_x86_64.whl"), file("numpy-1.0.zip")];
    let err = run(&pin("numpy", "1.0"), &files).unwrap_err();
    assert_eq!(
        err,
        "numpy==1.0: no wheel fits CPython 3.11 (linux_x86_64): found numpy-1.0-cp27-cp27m-linux_x86_64.whl; \
         source distributions are not supported"
    );
}

#[test]
fn missing_versions_and_projects_are_told_apart() {
    let files = [file("six-1.15.0-py3-none-any.whl"), file("six-1.16.0-py3-none-any.whl")];
    let err = run(&pin("six", "9.9"), &files).unwrap_err();
    assert_eq!(err, "six==9.9: no such version; the index has 1.16.0, 1.15.0");
    assert_eq!(
        run(&pin("six", "1.0"), &[]).unwrap_err(),
        "six==1.0: no such project on http://127.0.0.1:1/simple"
    );
    let err = run(&pin("six", "1.0"), &[file("six-1.0.tar.gz")]).unwrap_err();
    assert!(
        err.ends_with("only a source distribution of this version; source distributions are not supported")
    );
}

#[test]
fn hashes_must_match_when_given() {
    let mut p = pin("six", "1.0");
    p.hashes = vec![Hash { algorithm: "sha256".into(), digest: "2".repeat(64) }];
    let err = run(&p, &[file("six-1.0-py3-none-any.whl")]).unwrap_err();
    let sha = file("six-1.0-py3-none-any.whl").hashes["sha256"].clone();
    let want = format!(
        "six==1.0: no file matches the --hash values (sha256:{}): six-1.0-py3-none-any.whl has sha256:{sha}",
        "2".repeat(64)
    );
    assert_eq!(err, want);
    let mut good = file("six-1.0-py3-none-any.whl");
    good.hashes.insert("sha256".into(), "2".repeat(64));
    assert!(run(&p, &[good]).is_ok());
    let mut unknown = file("six-1.0-py3-none-any.whl");
    unknown.hashes.clear();
    let choice = run(&p, &[unknown]).unwrap();
    assert_eq!(
        choice.artifact.sha256(),
        Some("2".repeat(64).as_str()),
        "the expected hash goes to wheel-fetch"
    );
}

#[test]
fn yanked_files_are_allowed_for_an_exact_pin_but_others_are_preferred() {
    let mut yanked = file("six-1.0-py3-none-any.whl");
    yanked.yanked = Some("broken".into());
    let choice = run(&pin("six", "1.0"), &[yanked.clone()]).unwrap();
    assert_eq!(choice.yanked.as_deref(), Some("broken"));
    let choice = run(&pin("six", "1.0"), &[yanked, file("six-1.0-py2.py3-none-any.whl")]).unwrap();
    assert_eq!(choice.yanked, None);
    assert_eq!(choice.artifact.filename, "six-1.0-py2.py3-none-any.whl");
}

#[test]
fn names_compare_normalized_and_keep_the_filename_spelling() {
    let choice = run(&pin("zope-interface", "5.0"), &[file("zope.interface-5.0-py3-none-any.whl")]).unwrap();
    assert_eq!(choice.artifact.name, "zope.interface");
}
