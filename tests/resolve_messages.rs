//! wheel-resolve's errors in the cases issue 14 found unhelpful: projects
//! with only source distributions where `--only-binary` forbids them (each
//! named once, all at once, in a few lines), a `--hash` that matches no file (the expected and the available
//! hashes, named), and an interpreter that cannot be queried (its path and
//! what it did), plus the command-line forms that cannot be used.

mod resolving;
mod support;

use std::path::PathBuf;

use resolving::*;
use support::*;

/// A find-links folder with `top` (wheels) needing `a` and `b`, which
/// have only source distributions, `b` in many versions.
fn sdist_folder(sb: &Sandbox) -> PathBuf {
    let dir = sb.path().join("links");
    wheel("top", "1.0").requires_dist("a").requires_dist("b>=1").build(&dir);
    wheel("top", "2.0").requires_dist("a").requires_dist("b>=1").build(&dir);
    wheel("a", "0.5").build(&dir);
    let mut sdists: Vec<String> = (0..40).map(|n| format!("b-1.{n}.tar.gz")).collect();
    sdists.extend(["a-1.0.tar.gz", "a-1.1.tar.gz"].map(String::from));
    for name in sdists {
        std::fs::write(dir.join(name), b"not read").unwrap();
    }
    dir
}

#[test]
fn projects_with_only_source_distributions_are_each_named_once_in_a_few_lines() {
    let sb = Sandbox::new();
    let links = sdist_folder(&sb);
    let mut c = sb.command(env!("CARGO_BIN_EXE_wheel-resolve"));
    c.args(["--python"]).arg(python3()).args(["-I", "--no-index", "-f"]).arg(&links).args(["top", "a>=1"]);
    c.args(["--only-binary", ":all:"]);
    let run = pipeline(vec![c], None);
    assert_eq!(run.codes(), [Some(1)], "{run}");
    let err = run.stderr(0);
    assert!(err.len() < 400, "short: {} bytes:\n{err}", err.len());
    assert_eq!(err.lines().count(), 3, "{err}");
    assert!(err.contains("--only-binary"), "says what forbids the sources: {err}");
    assert!(err.contains("    a 1.1, 1.0: no wheel"), "the versions tried:\n{err}");
    assert!(err.contains("    b: no wheel of any version"), "{err}");
    assert_eq!(err.matches("    b").count(), 1, "b once:\n{err}");
}

#[test]
fn a_hash_that_matches_no_file_names_the_expected_and_the_available_hashes() {
    let case = Case::new(&[wheel("top", "1.0")]);
    let real = wheelpipe::hash::sha256_hex(&std::fs::read(&case.wheels[0]).unwrap());
    let wrong = "ab".repeat(32);
    let file = case.file("hashed.txt", &format!("top==1.0 --hash=sha256:{wrong}\n"));
    let run = case.resolve(&["-r", &file]);
    assert_eq!(run.codes(), [Some(1)], "{run}");
    let err = run.stderr(0);
    assert!(err.contains(&format!("sha256:{wrong}")), "the expected hash:\n{err}");
    assert!(err.contains(&format!("top-1.0-py3-none-any.whl has sha256:{real}")), "the file's:\n{err}");
    assert!(!err.contains("no version"), "{err}");
}

#[test]
fn an_interpreter_that_cannot_be_queried_is_named_with_what_it_did() {
    let sb = Sandbox::new();
    let fake = sb.write("fake-python", "#!/bin/sh\necho 'not python' ; exit 3\n");
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    for (python, said) in [
        (PathBuf::from("/bin/true"), "(exit status: 0): it printed nothing on stdout".to_string()),
        (fake.clone(), "(exit status: 3): it printed on stdout: not python".into()),
    ] {
        let mut c = sb.command(env!("CARGO_BIN_EXE_wheel-resolve"));
        c.arg("--python").arg(&python).arg("requests");
        let run = pipeline(vec![c], None);
        assert_eq!(run.codes(), [Some(2)], "{run}");
        let err = run.stderr(0);
        let want = format!("the Python interpreter {} could not be queried {said}", python.display());
        assert!(err.contains(&want), "{want}\n{err}");
        assert!(!err.contains("EOF"), "{err}");
    }
}

#[test]
fn an_editable_of_a_missing_folder_is_bad_input_naming_it() {
    let case = Case::new(&[wheel("top", "1.0").requires_dist("dep"), wheel("dep", "1.0")]);
    let run = case.resolve(&["-e", "./project"]);
    assert_eq!(run.codes(), [Some(2)], "{run}");
    assert!(
        run.stderr(0).contains("`-e ./project`:") && run.stderr(0).contains("project is not a folder"),
        "{run}"
    );
    let run = case.resolve(&["top", "--no-binary", ":all:", "--only-binary", "top,dep"]);
    run.assert_success();
}
