//! Pins from parsed requirement files: markers, `==` checks, duplicates,
//! constraints and hash-checking mode.

use std::io;
use std::path::Path;

use wheelpipe::test_target::cpython_311_linux;

use super::*;
use crate::requirements::{parse_file, Source};

fn pins_of(text: &str) -> Result<Vec<Pin>, Vec<String>> {
    let mut read = |path: &Path| match path.to_str() {
        Some("r.txt") => Ok(text.to_string()),
        Some("c.txt") => Ok("six<1.16\nidna==3.7 --hash=sha256:".to_string() + &"c".repeat(64) + "\n"),
        _ => Err(io::Error::new(io::ErrorKind::NotFound, "not found")),
    };
    let mut reqs = Requirements::default();
    parse_file(Path::new("r.txt"), &mut Source { read: &mut read, var: &|_| None }, &mut reqs).unwrap();
    collect(&reqs, &cpython_311_linux()).map_err(|errors| errors.iter().map(ToString::to_string).collect())
}

fn shown(pins: &[Pin]) -> Vec<String> {
    pins.iter().map(ToString::to_string).collect()
}

#[test]
fn false_markers_drop_requirements_and_pins_come_sorted() {
    let text =
        "Six==1.16.0\nidna == 3.7 ; python_version >= \"3.8\"\nenum34==1.1.10 ; python_version < \"3\"\n\
                pywin32==306 ; sys_platform == 'win32'\nzeta===1.0.dev0\n";
    let pins = pins_of(text).unwrap();
    assert_eq!(shown(&pins), ["idna==3.7", "six==1.16.0", "zeta===1.0.dev0"]);
    assert!(pins[2].arbitrary);
}

#[test]
fn anything_but_one_exact_version_is_refused_with_the_line() {
    let err = pins_of("six==1.16.0\nidna>=3\nattrs==23.*\nrequests\nurllib3==2.0,!=2.0.1\n").unwrap_err();
    assert_eq!(
        err,
        [
            "r.txt:2: idna is not pinned with ==: full resolution is not supported yet",
            "r.txt:3: attrs is not pinned with ==: full resolution is not supported yet",
            "r.txt:4: requests is not pinned with ==: full resolution is not supported yet",
            "r.txt:5: urllib3 is not pinned with ==: full resolution is not supported yet",
        ]
    );
}

#[test]
fn the_same_name_pinned_twice_names_both_lines() {
    let err = pins_of("six==1.16.0\nidna==3.7\nSIX==1.15.0\n").unwrap_err();
    assert_eq!(err, ["r.txt:3: six==1.15.0 conflicts with six==1.16.0 at r.txt:1"]);
    assert_eq!(shown(&pins_of("six==1.16.0\nsix==1.16\n").unwrap()), ["six==1.16.0"]);
}

#[test]
fn constraints_must_agree_with_the_pins() {
    let err = pins_of("-c c.txt\nsix==1.16.0\n").unwrap_err();
    assert_eq!(err, ["c.txt:1: the constraint `six<1.16` excludes six==1.16.0 (at r.txt:2)"]);
    let pins = pins_of("-c c.txt\nsix==1.15.0\nidna==3.7\n").unwrap_err();
    assert_eq!(
        pins,
        ["r.txt:2: six==1.15.0 has no --hash, but hashes are required (other requirements have one)"]
    );
}

#[test]
fn require_hashes_needs_a_hash_on_every_pin() {
    let err = pins_of("--require-hashes\nsix==1.16.0\n").unwrap_err();
    assert_eq!(
        err,
        ["r.txt:2: six==1.16.0 has no --hash, but hashes are required (--require-hashes is set)"]
    );
}

#[test]
fn no_binary_for_a_pin_is_no_error() {
    // The resolver picks the pin's sdist: nothing to refuse while pinning.
    assert!(pins_of("--no-binary six\nsix==1.16.0\nidna==3.7\n").is_ok());
}
