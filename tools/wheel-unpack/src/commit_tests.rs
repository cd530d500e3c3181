//! Tests of the commit: replacing an installed distribution, refusing
//! conflicts, and putting everything back when a step fails.

use std::fs;
use std::path::{Path, PathBuf};

use super::*;
use crate::job::{Staged, StagedFile};
use crate::overlap::{check_conflicts, Overwrite};

struct Fixture {
    _dir: tempfile::TempDir,
    scheme: Scheme,
    staging: PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let venv = dir.path().canonicalize().unwrap();
    let lib = venv.join("lib/python3.11/site-packages");
    fs::create_dir_all(&lib).unwrap();
    fs::create_dir_all(venv.join("bin")).unwrap();
    let staging = venv.join(".wheelpipe-staging-1");
    fs::create_dir_all(staging.join("new")).unwrap();
    let scheme = crate::scheme::for_tests(&venv);
    Fixture { _dir: dir, scheme, staging }
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// An installed `old` 1.0 with a module, its pyc and a script.
fn install_old(f: &Fixture) {
    let lib = &f.scheme.purelib;
    write(&lib.join("old/__init__.py"), "v1");
    write(&lib.join("old/__pycache__/__init__.cpython-311.pyc"), "pyc");
    write(&f.scheme.scripts.join("old-cli"), "#!python");
    write(&lib.join("old-1.0.dist-info/METADATA"), "Name: old\n");
    let record = "old/__init__.py,,\n../../../bin/old-cli,,\nold-1.0.dist-info/METADATA,,\n\
                  ../../../../outside,,\nold-1.0.dist-info/RECORD,,\n";
    write(&lib.join("old-1.0.dist-info/RECORD"), record);
}

/// A staged wheel named `name` with files at these paths relative to the venv.
fn staged(f: &Fixture, name: &str, rel: &[&str]) -> Staged {
    let tree = f.staging.join("new").join(name);
    let files = rel
        .iter()
        .map(|r| {
            let staged = f.scheme.staged(&tree, &f.scheme.venv.join(r)).unwrap();
            write(&staged, &format!("new {r}"));
            StagedFile { staged, dest: f.scheme.venv.join(r) }
        })
        .collect();
    Staged {
        wheel: PathBuf::from(format!("{name}-2.0-py3-none-any.whl")),
        name: name.into(),
        version: "2.0".into(),
        dist_info: f.scheme.purelib.join(format!("{name}-2.0.dist-info")),
        files,
        tree,
        how: wheelpipe::records::LinkMode::Copy,
        requires: Vec::new(),
    }
}

fn keys(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| n.to_string()).collect()
}

#[test]
fn old_files_come_from_record_and_stay_inside_the_venv() {
    let f = fixture();
    install_old(&f);
    let old = find_installed(&f.scheme, &keys(&["old"])).unwrap();
    assert_eq!(old.len(), 1);
    let lib = &f.scheme.purelib;
    let expected: BTreeSet<PathBuf> = [
        lib.join("old/__init__.py"),
        lib.join("old/__pycache__/__init__.cpython-311.pyc"),
        f.scheme.scripts.join("old-cli"),
    ]
    .into();
    assert_eq!(old[0].files, expected);
    assert!(find_installed(&f.scheme, &keys(&["other"])).unwrap().is_empty());
}

#[test]
fn old_files_behind_a_symlink_out_of_the_venv_are_left_alone() {
    let f = fixture();
    let outside = tempfile::tempdir().unwrap();
    write(&outside.path().join("precious"), "not yours");
    std::os::unix::fs::symlink(outside.path(), f.scheme.venv.join("link")).unwrap();
    write(&f.scheme.purelib.join("old-1.0.dist-info/RECORD"), "../../../link/precious,,\nold/a.py,,\n");
    write(&f.scheme.purelib.join("old/a.py"), "");
    let old = find_installed(&f.scheme, &keys(&["old"])).unwrap();
    let files: Vec<_> = old[0].files.iter().collect();
    assert_eq!(files, [&f.scheme.purelib.join("old/a.py")]);
}

#[test]
fn upgrade_replaces_the_old_version_and_prunes_its_folders() {
    let f = fixture();
    install_old(&f);
    let new = staged(&f, "old", &["lib/python3.11/site-packages/old2/x.py", "bin/old-cli"]);
    let old = find_installed(&f.scheme, &keys(&["old"])).unwrap();
    check_conflicts(&f.scheme, std::slice::from_ref(&new), &old, Overwrite::Refuse).unwrap();
    commit(&f.scheme, std::slice::from_ref(&new), &old, &f.staging, false, &|_| {}).unwrap();
    let lib = &f.scheme.purelib;
    assert!(!lib.join("old").exists(), "the old package folder is left");
    assert!(!lib.join("old-1.0.dist-info").exists());
    assert_eq!(fs::read_to_string(f.scheme.scripts.join("old-cli")).unwrap(), "new bin/old-cli");
    assert!(lib.join("old2/x.py").is_file());
}

#[test]
fn a_failed_step_puts_everything_back() {
    let f = fixture();
    install_old(&f);
    // The second file cannot land: its folder is a file.
    write(&f.scheme.venv.join("share"), "a file");
    let new = staged(&f, "old", &["lib/python3.11/site-packages/fresh/deep/a.py", "share/doc/b"]);
    let old = find_installed(&f.scheme, &keys(&["old"])).unwrap();
    let err = commit(&f.scheme, std::slice::from_ref(&new), &old, &f.staging, false, &|_| {}).unwrap_err();
    assert!(format!("{err:#}").contains("share"), "{err:#}");
    let lib = &f.scheme.purelib;
    assert_eq!(fs::read_to_string(lib.join("old/__init__.py")).unwrap(), "v1");
    assert!(lib.join("old/__pycache__/__init__.cpython-311.pyc").is_file());
    assert!(lib.join("old-1.0.dist-info/RECORD").is_file());
    assert_eq!(fs::read_to_string(f.scheme.scripts.join("old-cli")).unwrap(), "#!python");
    assert!(!lib.join("fresh").exists(), "a folder created by the commit is left");
    assert!(new.files.iter().all(|s| s.staged.is_file()), "staged files are not back in staging");
}

#[test]
fn conflicts_are_refused_before_anything_lands() {
    let f = fixture();
    let refuse = |set: &[Staged]| check_conflicts(&f.scheme, set, &[], Overwrite::Refuse);
    write(&f.scheme.purelib.join("taken.py"), "someone else's");
    let a = staged(&f, "a", &["lib/python3.11/site-packages/taken.py"]);
    let err = refuse(std::slice::from_ref(&a)).unwrap_err().to_string();
    assert!(err.contains("taken.py") && err.contains("already exists"), "{err}");
    let a = staged(&f, "a", &["lib/python3.11/site-packages/same.py"]);
    let b = staged(&f, "b", &["lib/python3.11/site-packages/same.py"]);
    write(&b.files[0].staged, "b's own");
    let err = refuse(&[a, b]).unwrap_err().to_string();
    assert!(err.contains("a-2.0") && err.contains("b-2.0") && err.contains("same.py"), "{err}");
    let a1 = staged(&f, "dup", &[]);
    let a2 = staged(&f, "Dup", &[]);
    assert!(refuse(&[a1, a2]).is_err());
}

#[test]
fn overlaps_warn_once_a_pair_and_identical_files_pass_in_silence() {
    let f = fixture();
    let said = std::sync::Mutex::new(Vec::new());
    let warn = |m: String| said.lock().unwrap().push(m);
    let rel = |p: &str| format!("lib/python3.11/site-packages/{p}");
    let a = staged(&f, "a", &[&rel("x.py"), &rel("y.py"), &rel("same.py")]);
    let b = staged(&f, "b", &[&rel("x.py"), &rel("y.py"), &rel("same.py")]);
    for file in &b.files[..2] {
        write(&file.staged, "b's own");
    }
    // `same.py` is "new lib/.../same.py" in both: no word about it.
    check_conflicts(&f.scheme, &[a, b], &[], Overwrite::Warn(&warn)).unwrap();
    let said = said.into_inner().unwrap();
    assert_eq!(said.len(), 1, "{said:?}");
    let text = &said[0];
    assert!(
        text.contains("a 2.0 and b 2.0 both install") && text.contains("x.py") && text.contains("y.py"),
        "{text}"
    );
    assert!(!text.contains("same.py") && text.contains("b 2.0's is installed"), "{text}");

    // A file another installed distribution owns: named in the warning.
    write(&f.scheme.purelib.join("c-1.0.dist-info/RECORD"), "c.py,,\nc-1.0.dist-info/RECORD,,\n");
    write(&f.scheme.purelib.join("c.py"), "c's");
    let d = staged(&f, "d", &[&rel("c.py")]);
    let said = std::sync::Mutex::new(Vec::new());
    let warn = |m: String| said.lock().unwrap().push(m);
    check_conflicts(&f.scheme, &[d], &[], Overwrite::Warn(&warn)).unwrap();
    let said = said.into_inner().unwrap();
    assert!(
        said.len() == 1 && said[0].contains("d 2.0 replaces") && said[0].contains("of c 1.0"),
        "{said:?}"
    );
}

#[test]
fn the_same_version_again_replaces_a_dist_info_with_subfolders() {
    // A second run of the same lock: the old `.dist-info` (with its
    // `licenses/` folder) moves aside whole, so the new one's folders are
    // missing by then and must move in, not be written into.
    let f = fixture();
    let lib = &f.scheme.purelib;
    write(&lib.join("same-2.0.dist-info/licenses/LICENSE"), "old licence");
    write(&lib.join("same-2.0.dist-info/METADATA"), "Name: same\n");
    write(&lib.join("same/__init__.py"), "v2");
    let record = "same-2.0.dist-info/licenses/LICENSE,,\nsame-2.0.dist-info/METADATA,,\n\
                  same/__init__.py,,\nsame-2.0.dist-info/RECORD,,\n";
    write(&lib.join("same-2.0.dist-info/RECORD"), record);
    let rel = |p: &str| format!("lib/python3.11/site-packages/{p}");
    let new = staged(
        &f,
        "same",
        &[
            &rel("same-2.0.dist-info/licenses/LICENSE"),
            &rel("same-2.0.dist-info/METADATA"),
            &rel("same/__init__.py"),
        ],
    );
    let old = find_installed(&f.scheme, &keys(&["same"])).unwrap();
    check_conflicts(&f.scheme, std::slice::from_ref(&new), &old, Overwrite::Refuse).unwrap();
    commit(&f.scheme, std::slice::from_ref(&new), &old, &f.staging, false, &|_| {}).unwrap();
    let licence = lib.join("same-2.0.dist-info/licenses/LICENSE");
    assert_eq!(
        fs::read_to_string(licence).unwrap(),
        format!("new {}", rel("same-2.0.dist-info/licenses/LICENSE"))
    );
    assert_eq!(
        fs::read_to_string(lib.join("same/__init__.py")).unwrap(),
        format!("new {}", rel("same/__init__.py"))
    );
    assert!(!lib.join("same-2.0.dist-info/RECORD").exists(), "the old RECORD stayed behind");
}

#[test]
fn a_rename_never_replaces_what_is_there_not_even_an_empty_folder() {
    let dir = tempfile::tempdir().unwrap();
    let (from, file, folder) = (dir.path().join("from"), dir.path().join("file"), dir.path().join("folder"));
    fs::create_dir(&from).unwrap();
    write(&file, "someone's");
    fs::create_dir(&folder).unwrap();
    for to in [&file, &folder] {
        let err = rename_new(&from, to).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists, "{}", to.display());
    }
    assert!(from.is_dir() && folder.is_dir());
    assert_eq!(fs::read_to_string(&file).unwrap(), "someone's");
    rename_new(&from, &dir.path().join("new")).unwrap();
    assert!(!from.exists() && dir.path().join("new").is_dir());
}
