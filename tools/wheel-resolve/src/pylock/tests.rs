//! pylock.toml both ways: what is written reads back as the same wheels;
//! markers, environments, Requires-Python, tags and lock-version are
//! checked on reading; errors name the file and the package.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use pep440_rs::Version;
use wheelpipe::records::{Artifact, ArtifactKind, VcsInfo};
use wheelpipe::tags::Tags;
use wheelpipe::test_target::cpython_311_linux;
use wheelpipe::wheel_name::WheelFilename;

use super::*;
use crate::select::Target;

/// Reads the lock at `path` for CPython 3.11.4 on manylinux x86_64.
fn read_lock(path: &Path) -> anyhow::Result<Vec<Artifact>> {
    let t = |p: &str, a: &str, pl: &str| (p.to_string(), a.to_string(), pl.to_string());
    let tags = Tags::from_ordered(vec![
        t("cp311", "cp311", "manylinux_2_17_x86_64"),
        t("cp311", "abi3", "manylinux_2_17_x86_64"),
        t("py3", "none", "any"),
    ]);
    let rank = |w: &WheelFilename| tags.rank(w);
    let target = Target {
        rank: &rank,
        python: Version::from_str("3.11.4").unwrap(),
        description: "CPython 3.11 (linux_x86_64)".into(),
        sources: "a lock".into(),
    };
    read(path, &cpython_311_linux(), &target)
}

fn artifact(name: &str, version: &str, filename: &str, sha256: &str) -> Artifact {
    let url = format!("http://127.0.0.1:1/files/{filename}");
    let mut a = Artifact::new(name.into(), version.into(), filename.into(), url);
    a.hashes = BTreeMap::from([("sha256".to_string(), sha256.repeat(64))]);
    a.size = Some(1234);
    a
}

/// A lock file with `text` in a new folder.
fn lock_file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pylock.toml");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

fn err(path: &Path) -> String {
    format!("{:#}", read_lock(path).unwrap_err())
}

#[test]
fn a_written_lock_reads_back_as_the_same_wheels() {
    let mut zope =
        artifact("zope.interface", "6.0", "zope.interface-6.0-cp311-cp311-manylinux_2_17_x86_64.whl", "b");
    zope.requires_python = Some(">=3.7".into());
    zope.requested = false;
    let six = artifact("six", "1.16.0", "six-1.16.0-py2.py3-none-any.whl", "a");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pylock.toml");
    write(&path, &[zope.clone(), six.clone()], Some("==3.11.*"), Some("http://u:secret@127.0.0.1:1/simple"))
        .unwrap();

    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with(
        "lock-version = \"1.0\"\ncreated-by = \"wheel-resolve\"\nrequires-python = \"==3.11.*\"\n"
    ));
    assert!(text.find("name = \"six\"").unwrap() < text.find("name = \"zope-interface\"").unwrap(), "{text}");
    assert!(text.contains("index = \"http://127.0.0.1:1/simple\""), "{text}");
    assert!(!text.contains("secret"));
    assert!(text.contains(&format!("hashes = {{ sha256 = \"{}\" }}", "a".repeat(64))), "{text}");

    // Every artifact read from a lock is requested: the lock does not say which were dependencies.
    zope.requested = true;
    assert_eq!(read_lock(&path).unwrap(), [six, zope]);
}

#[test]
fn markers_and_environments_decide_what_is_installed() {
    let wheel = |n: &str| {
        format!("wheels = [{{ url = \"http://127.0.0.1:1/{n}-1.0-py3-none-any.whl\", hashes = {{ sha256 = \"ab\" }} }}]")
    };
    let (_dir, path) = lock_file(&format!(
        "lock-version = '1.0'\ncreated-by = 'x'\nenvironments = [\"sys_platform == 'win32'\", \"sys_platform == 'linux'\"]\n\
         [[packages]]\nname = 'colorama'\nmarker = \"sys_platform == 'win32'\"\n{}\n\
         [[packages]]\nname = 'attrs'\nversion = '1.0'\nmarker = \"python_version >= '3.8'\"\n{}\n",
        wheel("colorama"),
        wheel("attrs")
    ));
    let names: Vec<String> = read_lock(&path).unwrap().into_iter().map(|a| a.filename).collect();
    assert_eq!(names, ["attrs-1.0-py3-none-any.whl"]);

    // PEP 751's markers on dependency groups and extras: the default install
    // takes the default groups and no extras.
    let (_dir, path) = lock_file(&format!(
        "lock-version = '1.0'\ncreated-by = 'x'\ndefault-groups = ['Main']\n\
         [[packages]]\nname = 'pytest'\nmarker = \"'dev' in dependency_groups\"\n{}\n\
         [[packages]]\nname = 'rich'\nmarker = \"'cli' in extras\"\n{}\n\
         [[packages]]\nname = 'attrs'\nmarker = \"'main' in dependency_groups and 'cli' not in extras\"\n{}\n",
        wheel("pytest"),
        wheel("rich"),
        wheel("attrs")
    ));
    let names: Vec<String> = read_lock(&path).unwrap().into_iter().map(|a| a.filename).collect();
    assert_eq!(names, ["attrs-1.0-py3-none-any.whl"]);

    let (_dir, path) =
        lock_file("lock-version = '1.0'\ncreated-by = 'x'\nenvironments = [\"sys_platform == 'win32'\"]\n");
    let message = err(&path);
    assert!(
        message.contains(&path.display().to_string()) && message.contains("sys_platform == 'win32'"),
        "{message}"
    );
}

#[test]
fn the_best_ranked_wheel_is_chosen_and_none_fitting_is_an_error_naming_the_package() {
    let (_dir, path) = lock_file(
        "lock-version = '1.0'\ncreated-by = 'x'\n[[packages]]\nname = 'numpy'\nversion = '2.0.0'\nwheels = [\n\
         { url = 'http://127.0.0.1:1/numpy-2.0.0-cp311-cp311-win_amd64.whl', size = 1, hashes = { sha256 = 'AA' } },\n\
         { url = 'http://127.0.0.1:1/numpy-2.0.0-cp311-abi3-manylinux_2_17_x86_64.whl', size = 2, hashes = { sha256 = 'bb' } },\n\
         { url = 'http://127.0.0.1:1/numpy-2.0.0-cp311-cp311-manylinux_2_17_x86_64.whl', size = 3, hashes = { sha256 = 'cc' } },\n]\n",
    );
    let chosen = read_lock(&path).unwrap();
    assert_eq!(chosen[0].filename, "numpy-2.0.0-cp311-cp311-manylinux_2_17_x86_64.whl");
    assert_eq!((chosen[0].size, chosen[0].sha256()), (Some(3), Some("cc")));

    let (_dir, path) = lock_file(
        "lock-version = '1.0'\ncreated-by = 'x'\n[[packages]]\nname = 'numpy'\nversion = '2.0.0'\n\
         wheels = [{ url = 'http://127.0.0.1:1/numpy-2.0.0-cp311-cp311-win_amd64.whl', hashes = { sha256 = 'aa' } }]\n",
    );
    let message = err(&path);
    assert!(
        message.contains(&format!("{}: package numpy 2.0.0: no wheel in the lock fits", path.display())),
        "{message}"
    );
    assert!(message.contains("numpy-2.0.0-cp311-cp311-win_amd64.whl"), "{message}");
}

#[test]
fn a_package_without_wheels_is_not_supported_yet() {
    let (_dir, path) = lock_file(
        "lock-version = '1.0'\ncreated-by = 'x'\n[[packages]]\nname = 'legacy'\nversion = '0.1'\n\
         sdist = { url = 'http://127.0.0.1:1/legacy-0.1.tar.gz', hashes = { sha256 = 'aa' } }\n",
    );
    let message = err(&path);
    assert!(message.contains("package legacy 0.1: the lock gives a source distribution"), "{message}");
    assert!(message.contains("not supported yet"), "{message}");
}

#[test]
fn lock_version_and_requires_python_are_checked() {
    let (_dir, path) = lock_file("lock-version = '2.0'\ncreated-by = 'x'\n");
    let message = err(&path);
    assert!(
        message.contains(&path.display().to_string()) && message.contains("lock-version \"2.0\""),
        "{message}"
    );

    let (_dir, path) = lock_file("lock-version = '1.1'\ncreated-by = 'x'\n");
    assert!(read_lock(&path).unwrap().is_empty(), "a newer minor version is read, with a warning");

    let (_dir, path) = lock_file("lock-version = '1.0'\ncreated-by = 'x'\nrequires-python = '>=3.12'\n");
    let message = err(&path);
    assert!(message.contains("requires Python >=3.12") && message.contains("3.11.4"), "{message}");
}

#[test]
fn a_malformed_lock_is_an_error_naming_the_file() {
    let (_dir, path) = lock_file("lock-version = '1.0'\n[[packages]\nname = 'x'\n");
    let message = err(&path);
    assert!(message.contains(&format!("{} is not a valid pylock.toml", path.display())), "{message}");
    let (_dir, path) = lock_file("created-by = 'x'\n");
    assert!(err(&path).contains("lock-version"), "{}", err(&path));
}

#[test]
fn wheel_paths_are_relative_to_the_lock_and_local_wheels_are_hashed_when_written() {
    let (dir, path) = lock_file(
        "lock-version = '1.0'\ncreated-by = 'x'\n[[packages]]\nname = 'demo'\n\
         wheels = [{ path = 'wheels/demo-1.0-py3-none-any.whl', hashes = { sha256 = 'aa' } }]\n",
    );
    let read_back = read_lock(&path).unwrap();
    let expected = url::Url::from_file_path(dir.path().join("wheels/demo-1.0-py3-none-any.whl")).unwrap();
    assert_eq!(read_back[0].url, expected.to_string());

    std::fs::create_dir(dir.path().join("wheels")).unwrap();
    std::fs::write(dir.path().join("wheels/demo-1.0-py3-none-any.whl"), b"wheel").unwrap();
    let mut local = read_back[0].clone();
    local.hashes.clear();
    write(&path, &[local], None, Some("http://127.0.0.1:1/simple")).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(&wheelpipe::hash::sha256_hex(b"wheel")), "{text}");
    assert!(!text.contains("index ="), "a local file comes from no index: {text}");
}

#[test]
fn a_lock_that_cannot_be_written_leaves_the_old_one_untouched() {
    let (_dir, path) = lock_file("old lock\n");
    let mut unhashed = artifact("demo", "1.0", "demo-1.0-py3-none-any.whl", "a");
    unhashed.hashes.clear();
    let message = format!("{:#}", write(&path, &[unhashed], None, None).unwrap_err());
    assert!(message.contains(&path.display().to_string()) && message.contains("demo"), "{message}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "old lock\n");
    let leftovers = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
    assert_eq!(leftovers, 1, "no temporary file is left behind");
}

#[test]
fn lock_files_are_recognised_by_name() {
    for yes in ["pylock.toml", "dir/pylock.dev.toml"] {
        assert!(is_lock_file(Path::new(yes)), "{yes}");
    }
    for no in ["requirements.txt", "pylock.a.b.toml", "pylock..toml", "pylock.tomlx", "xpylock.toml"] {
        assert!(!is_lock_file(Path::new(no)), "{no}");
    }
}

#[test]
fn folders_and_checkouts_are_written_as_pep_751_directory_and_vcs_tables() {
    let mut folder = Artifact::new("proj".into(), "0.1".into(), "proj".into(), "file:///src/proj".into());
    (folder.kind, folder.editable, folder.path) = (ArtifactKind::Dir, true, Some("/src/proj".into()));
    let mut checkout =
        Artifact::new("gitproj".into(), "1.0".into(), "sub".into(), "https://h.example/r.git".into());
    checkout.kind = ArtifactKind::Dir;
    checkout.subdirectory = Some("sub".into());
    checkout.vcs = Some(Box::new(VcsInfo {
        vcs: "git".into(),
        commit_id: "ab".repeat(20),
        requested_revision: Some("v1".into()),
    }));
    let text = super::write::render(&[folder, checkout], None, Some("http://127.0.0.1:1/simple")).unwrap();
    assert!(text.contains("directory = { path = \"/src/proj\", editable = true }\n"), "{text}");
    let vcs = format!(
        "vcs = {{ type = \"git\", url = \"https://h.example/r.git\", requested-revision = \"v1\", commit-id = \"{}\", \
         subdirectory = \"sub\" }}\n",
        "ab".repeat(20)
    );
    assert!(text.contains(&vcs), "{text}");
    assert!(!text.contains("wheels"), "{text}");
}
