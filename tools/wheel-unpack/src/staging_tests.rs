//! Tests of staging: wheels built here with the zip crate, staged into a
//! temporary folder, checked for what pip would install.

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};

use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;

use super::*;
use wheelpipe::records::LinkMode;

pub(crate) fn scheme(venv: &Path) -> Scheme {
    crate::scheme::for_tests(venv)
}

/// Builds `demo-1.0` with these extra files; `tamper` edits RECORD's text.
pub(crate) fn build(dir: &Path, files: &[(&str, &[u8], u32)], tamper: impl Fn(String) -> String) -> PathBuf {
    build_with(dir, files, tamper, "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n")
}

/// [`build`] with this WHEEL file.
fn build_with(
    dir: &Path,
    files: &[(&str, &[u8], u32)],
    tamper: impl Fn(String) -> String,
    wheel: &str,
) -> PathBuf {
    let info = "demo-1.0.dist-info";
    let mut all: Vec<(String, Vec<u8>, u32)> =
        files.iter().map(|(n, b, m)| (n.to_string(), b.to_vec(), *m)).collect();
    all.push((
        format!("{info}/METADATA"),
        b"Metadata-Version: 2.1\nName: Demo\nVersion: 1.0\n\n".to_vec(),
        0o644,
    ));
    all.push((format!("{info}/WHEEL"), wheel.as_bytes().to_vec(), 0o644));
    let mut record = String::new();
    for (n, b, _) in &all {
        let hash = wheelpipe::hash::record_hash(&Sha256::digest(b));
        record.push_str(&format!("{n},{hash},{}\n", b.len()));
    }
    record.push_str(&format!("{info}/RECORD,,\n"));
    all.push((format!("{info}/RECORD"), tamper(record).into_bytes(), 0o644));
    let path = dir.join("demo-1.0-py3-none-any.whl");
    let mut zip = zip::ZipWriter::new(File::create(&path).unwrap());
    for (n, b, mode) in all {
        zip.start_file(n, SimpleFileOptions::default().unix_permissions(mode)).unwrap();
        zip.write_all(&b).unwrap();
    }
    zip.finish().unwrap();
    path
}

/// Options that unpack into (and link from) a cache at `venv/cache`, or none.
pub(crate) fn opts(venv: &Path, cached: bool) -> Options {
    let cache = cached.then(|| wheelpipe::cache::Cache::at(venv.join("cache")).unwrap());
    let linker = Linker::new(link::Pref::Auto);
    let shared = Shared::default();
    Options { cache, linker, verify: true, compiler: None, tags: None, build: None, shared }
}

fn job(wheel: &Path, expected_name: Option<&str>) -> Job {
    let expected_name = expected_name.map(String::from);
    Job { expected_name, direct: None, ..Job::path(wheel.to_path_buf()) }
}

/// Stages `wheel` with or without the cache, each time in a new folder.
fn run_with(wheel: &Path, venv: &Path, cached: bool) -> Result<Staged> {
    let dir = tempfile::tempdir_in(venv).unwrap().keep();
    stage(&job(wheel, Some("demo")), &scheme(venv), &dir.join("s"), 1, &opts(venv, cached), &|_| {})
}

/// Both ways must refuse a bad wheel; returns both errors.
fn refusals(wheel: &Path, venv: &Path) -> [String; 2] {
    [false, true].map(|c| format!("{:#}", run_with(wheel, venv, c).unwrap_err()))
}

fn staged_text(s: &Staged, dest: &Path) -> String {
    let f =
        s.files.iter().find(|f| f.dest == dest).unwrap_or_else(|| panic!("{} not staged", dest.display()));
    fs::read_to_string(&f.staged).unwrap()
}

#[test]
fn stages_files_launchers_and_a_record_pip_can_read() {
    let tmp = tempfile::tempdir().unwrap();
    let venv = tmp.path();
    let wheel = build(
        venv,
        &[
            ("demo/__init__.py", b"def main(): pass\n", 0o644),
            ("demo/tool.sh", b"echo hi\n", 0o755),
            ("demo-1.0.data/scripts/run", b"#!pythonw\nimport demo\n", 0o755),
            ("demo-1.0.data/headers/demo.h", b"int x;\n", 0o644),
            ("demo-1.0.dist-info/entry_points.txt", b"[console_scripts]\ndemo-cli = demo:main\n", 0o644),
        ],
        |r| r,
    );
    // Afresh from the zip, into the cache, then linked from the cache.
    for cached in [false, true, true] {
        check_demo(&run_with(&wheel, venv, cached).unwrap(), venv, cached);
    }
    let cache = opts(venv, true).cache.unwrap();
    let sha = wheelpipe::hash::Sha256::of(&fs::read(&wheel).unwrap());
    let unpacked = cache.entry(wheelpipe::cache::Bucket::Unpacked, &sha);
    let cached = |name: &str| crate::unpacked::load(&unpacked).unwrap().path_of(name).unwrap();
    assert!(cached("demo/__init__.py").is_file(), "unpacked once into the cache");
    // The cache keeps the raw script; the venv gets its shebang rewritten.
    assert_eq!(fs::read_to_string(cached("demo-1.0.data/scripts/run")).unwrap(), "#!pythonw\nimport demo\n");
}

fn check_demo(s: &Staged, venv: &Path, cached: bool) {
    assert_eq!((s.name.as_str(), s.version.as_str()), ("Demo", "1.0"));
    let links =
        |dest: &Path| fs::metadata(&s.files.iter().find(|f| f.dest == dest).unwrap().staged).unwrap().nlink();
    let lib = venv.join("lib/python3.11/site-packages");
    let python = venv.join("bin/python").display().to_string();
    assert_eq!(staged_text(s, &venv.join("bin/run")), format!("#!{python}\nimport demo\n"));
    let launcher = staged_text(s, &venv.join("bin/demo-cli"));
    assert!(launcher.starts_with(&format!("#!{python}\n# -*- coding: utf-8 -*-\n")), "{launcher}");
    assert!(launcher.contains("from demo import main\n"), "{launcher}");
    assert_eq!(staged_text(s, &lib.join("demo-1.0.dist-info/INSTALLER")), "wheelpipe\n");
    assert_eq!(staged_text(s, &lib.join("demo-1.0.dist-info/REQUESTED")), "");
    // As pip names it for `pip install demo-1.0-py3-none-any.whl`: the filename's name, not METADATA's.
    assert!(s.files.iter().any(|f| f.dest == venv.join("include/site/python3.11/demo/demo.h")));
    let mode = |dest: &Path| {
        let f = s.files.iter().find(|f| f.dest == dest).unwrap();
        fs::metadata(&f.staged).unwrap().permissions().mode() & 0o777
    };
    assert_eq!(mode(&lib.join("demo/tool.sh")), 0o755);
    assert_eq!(mode(&lib.join("demo/__init__.py")), 0o644);
    assert_eq!(mode(&venv.join("bin/demo-cli")), 0o755);

    let record = staged_text(s, &lib.join("demo-1.0.dist-info/RECORD"));
    let rows: Vec<&str> = record.lines().collect();
    assert_eq!(rows.len(), s.files.len(), "one row per installed file:\n{record}");
    assert!(rows.contains(&"demo-1.0.dist-info/RECORD,,"), "{record}");
    let run_hash = wheelpipe::hash::record_hash(&Sha256::digest(format!("#!{python}\nimport demo\n")));
    assert!(rows.iter().any(|r| r.starts_with(&format!("../../../bin/run,{run_hash},"))), "{record}");
    assert!(rows.iter().any(|r| r.starts_with("../../../bin/demo-cli,sha256=")), "{record}");
    let init = wheelpipe::hash::record_hash(&Sha256::digest(b"def main(): pass\n"));
    assert!(rows.contains(&format!("demo/__init__.py,{init},17").as_str()), "{record}");
    // ext4 hard links from the cache; generated and rewritten files are new.
    assert_eq!(links(&lib.join("demo/__init__.py")) > 1, cached);
    assert_eq!(s.how, if cached { LinkMode::Link } else { LinkMode::Copy });
    for fresh in ["bin/run", "bin/demo-cli", "lib/python3.11/site-packages/demo-1.0.dist-info/RECORD"] {
        assert_eq!(links(&venv.join(fresh)), 1, "{fresh}");
    }
}

#[test]
fn a_file_that_does_not_match_record_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let good = wheelpipe::hash::record_hash(&Sha256::digest(b"x = 1\n"));
    let bad = wheelpipe::hash::record_hash(&Sha256::digest(b"x = 2\n"));
    let wheel = build(tmp.path(), &[("demo/a.py", b"x = 1\n", 0o644)], |r| r.replace(&good, &bad));
    for err in refusals(&wheel, tmp.path()) {
        assert!(err.contains("demo-1.0-py3-none-any.whl") && err.contains("demo/a.py"), "{err}");
        assert!(err.contains("do not match"), "{err}");
    }
    let cached = fs::read_dir(tmp.path().join("cache/unpacked/v2")).map_or(0, |d| d.count());
    assert_eq!(cached, 0, "nothing unverified lands in the cache");
    let names = |dir: &str| -> Vec<_> {
        fs::read_dir(tmp.path().join(dir)).unwrap().map(|e| e.unwrap().file_name()).collect()
    };
    assert_eq!(names("cache/tmp"), ["unpack"], "no leftovers");
    assert!(names("cache/tmp/unpack").is_empty(), "no half-unpacked tree");
}

#[test]
fn a_file_missing_from_record_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let wheel = build(tmp.path(), &[("demo/a.py", b"x\n", 0o644)], |r| r.replace("demo/a.py,", "demo/b.py,"));
    for err in refusals(&wheel, tmp.path()) {
        assert!(err.contains("demo/a.py is not listed"), "{err}");
    }
}

#[test]
fn a_wheel_named_unlike_its_artifact_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let wheel = build(tmp.path(), &[], |r| r);
    let (job, o) = (job(&wheel, Some("other")), opts(tmp.path(), true));
    let err =
        format!("{:#}", stage(&job, &scheme(tmp.path()), &tmp.path().join("s"), 1, &o, &|_| {}).unwrap_err());
    assert!(err.contains("other"), "{err}");
}

#[test]
fn a_big_wheel_is_extracted_by_several_threads_with_the_same_checks() {
    let tmp = tempfile::tempdir().unwrap();
    let venv = tmp.path();
    let names: Vec<String> = (0..40).map(|k| format!("demo/m{k}.bin")).collect();
    let bodies: Vec<Vec<u8>> = (0..40u8).map(|k| vec![k; 160 * 1024]).collect();
    let files: Vec<(&str, &[u8], u32)> =
        names.iter().zip(&bodies).map(|(n, b)| (n.as_str(), b.as_slice(), 0o644)).collect();
    let wheel = build(venv, &files, |r| r);
    let o = Options::no_cache();
    let s = stage(&job(&wheel, None), &scheme(venv), &venv.join("staging"), 3, &o, &|_| {}).unwrap();
    let lib = venv.join("lib/python3.11/site-packages");
    for (n, b) in names.iter().zip(&bodies) {
        let f = s.files.iter().find(|f| f.dest == lib.join(n)).unwrap();
        assert_eq!(&fs::read(&f.staged).unwrap(), b, "{n}");
    }

    fs::remove_file(&wheel).unwrap();
    let good = wheelpipe::hash::record_hash(&Sha256::digest(&bodies[33]));
    let bad = wheelpipe::hash::record_hash(&Sha256::digest(b"other"));
    let wheel = build(venv, &files, |r| r.replace(&good, &bad));
    let o = opts(venv, true);
    let err = format!(
        "{:#}",
        stage(&job(&wheel, None), &scheme(venv), &venv.join("staging2"), 3, &o, &|_| {}).unwrap_err()
    );
    assert!(err.contains("demo/m33.bin") && err.contains("do not match"), "{err}");
}

#[test]
fn a_newer_minor_wheel_version_warns_and_a_newer_major_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let venv = tmp.path();
    for cached in [false, true] {
        let dir = tempfile::tempdir_in(venv).unwrap();
        let wheel = build_with(dir.path(), &[], |r| r, "Wheel-Version: 1.9\nRoot-Is-Purelib: true\n");
        let said = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let to = said.clone();
        let warn = move |m: String| to.lock().unwrap().push(m);
        let o = opts(venv, cached);
        stage(&job(&wheel, None), &scheme(venv), &dir.path().join("s"), 1, &o, &warn).unwrap();
        let said = said.lock().unwrap().clone();
        assert!(said.iter().any(|m| m.contains("Wheel-Version 1.9 is newer")), "{said:?}");

        let dir = tempfile::tempdir_in(venv).unwrap();
        let wheel = build_with(dir.path(), &[], |r| r, "Wheel-Version: 2.0\nRoot-Is-Purelib: true\n");
        let err =
            stage(&job(&wheel, None), &scheme(venv), &dir.path().join("s"), 1, &o, &|_| {}).unwrap_err();
        assert!(format!("{err:#}").contains("Wheel-Version"), "{err:#}");
    }
}

#[test]
fn no_verify_record_installs_a_wheel_whose_record_lies_and_the_cache_remembers() {
    let tmp = tempfile::tempdir().unwrap();
    let venv = tmp.path();
    let good = wheelpipe::hash::record_hash(&Sha256::digest(b"x = 1\n"));
    let bad = wheelpipe::hash::record_hash(&Sha256::digest(b"x = 2\n"));
    let wheel = build(venv, &[("demo/a.py", b"x = 1\n", 0o644)], |r| r.replace(&good, &bad));
    let lib = venv.join("lib/python3.11/site-packages");
    for cached in [false, true] {
        let o = Options { verify: false, ..opts(venv, cached) };
        let dir = tempfile::tempdir_in(venv).unwrap();
        let s = stage(&job(&wheel, None), &scheme(venv), &dir.path().join("s"), 1, &o, &|_| {}).unwrap();
        assert_eq!(staged_text(&s, &lib.join("demo/a.py")), "x = 1\n");
        // The installed RECORD has the file's real hash, as pip writes it.
        let record = staged_text(&s, &lib.join("demo-1.0.dist-info/RECORD"));
        assert!(record.contains(&format!("demo/a.py,{good},6")), "{record}");
    }
    // An unverified copy in the cache is not trusted by a verifying run.
    let err = format!("{:#}", run_with(&wheel, venv, true).unwrap_err());
    assert!(err.contains("do not match"), "{err}");
}

#[test]
fn a_record_whose_sha256_is_not_the_files_never_keys_the_cache() {
    let tmp = tempfile::tempdir().unwrap();
    let venv = tmp.path();
    let wheel = build(venv, &[("demo/a.py", b"x = 1\n", 0o644)], |r| r);
    let lie = "ab".repeat(32);
    let job = Job { sha256: Some(lie.clone()), ..job(&wheel, None) };
    let o = opts(venv, true);
    let err = stage(&job, &scheme(venv), &venv.join("s"), 1, &o, &|_| {}).unwrap_err();
    assert!(format!("{err:#}").contains("the file's is"), "{err:#}");
    let lie = wheelpipe::hash::Sha256::parse(&lie).unwrap();
    assert!(!o.cache.unwrap().entry(wheelpipe::cache::Bucket::Unpacked, &lie).exists());
}

#[test]
fn two_entries_for_one_destination_are_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let files: [(&str, &[u8], u32); 2] =
        [("demo/a.py", b"1\n", 0o644), ("demo-1.0.data/purelib/demo/a.py", b"2\n", 0o644)];
    let wheel = build(tmp.path(), &files, |r| r);
    for err in refusals(&wheel, tmp.path()) {
        assert!(err.contains("two entries are installed to") && err.contains("demo/a.py"), "{err}");
    }
}

#[test]
fn trees_left_by_killed_runs_are_removed_unless_a_run_holds_their_lock() {
    let tmp = tempfile::tempdir().unwrap();
    let venv = tmp.path();
    let wheel = build(venv, &[("demo/a.py", b"x = 1\n", 0o644)], |r| r);
    let cache = wheelpipe::cache::Cache::at(venv.join("cache")).unwrap();
    let trees = cache.tmp_dir().unwrap().join("unpack");
    let (killed, busy) = ("a".repeat(64), "b".repeat(64));
    let orphan = trees.join(format!("{killed}-x1y2z3"));
    let in_use = trees.join(format!("{busy}-x4y5z6"));
    for tree in [&orphan, &in_use] {
        fs::create_dir_all(tree.join("files")).unwrap();
    }
    let _another_run = cache.lock(&format!("unpacked-{busy}")).unwrap();
    run_with(&wheel, venv, true).unwrap();
    assert!(!orphan.exists(), "nobody holds its lock: a killed run's");
    assert!(in_use.exists(), "another run is unpacking into it");
}

#[test]
fn a_wheel_whose_sha256_the_index_gave_is_staged_despite_its_record_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let venv = tmp.path();
    let good = wheelpipe::hash::record_hash(&Sha256::digest(b"x = 1\n"));
    let bad = wheelpipe::hash::record_hash(&Sha256::digest(b"x = 2\n"));
    let wheel = build(venv, &[("demo/a.py", b"x = 1\n", 0o644)], |r| r.replace(&good, &bad));
    let real = unpacked::wheel_sha256(&wheel, None).unwrap();
    let lib = venv.join("lib/python3.11/site-packages");
    for cached in [false, true, true] {
        let said = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let heard = std::sync::Arc::clone(&said);
        let warn = move |m: String| heard.lock().unwrap().push(m);
        let job = Job { sha256: Some(real.clone()), ..job(&wheel, None) };
        let dir = tempfile::tempdir_in(venv).unwrap();
        let s = stage(&job, &scheme(venv), &dir.path().join("s"), 1, &opts(venv, cached), &warn).unwrap();
        assert_eq!(staged_text(&s, &lib.join("demo/a.py")), "x = 1\n");
        let said = said.lock().unwrap();
        assert!(
            said.len() == 1 && said[0].contains("demo/a.py") && said[0].contains("index or lock"),
            "{said:?}"
        );
        // A hash that is not the file's vouches for nothing.
        let job = Job { sha256: Some("ab".repeat(32)), ..job };
        assert!(stage(&job, &scheme(venv), &dir.path().join("t"), 1, &opts(venv, cached), &|_| {}).is_err());
    }
    // The cached copy is not taken for a verified one by a run without the hash.
    let err = format!("{:#}", run_with(&wheel, venv, true).unwrap_err());
    assert!(err.contains("do not match") && err.contains("--no-verify-record"), "{err}");
}

#[test]
fn a_runs_wheels_share_installer_and_requested_and_their_trees_hold_only_their_folders() {
    let tmp = tempfile::tempdir().unwrap();
    let venv = tmp.path();
    // Enough folders in one level for several threads to make them.
    let names: Vec<String> = (0..80).map(|k| format!("demo/d{k}/sub/m.py")).collect();
    let files: Vec<(&str, &[u8], u32)> = names.iter().map(|n| (n.as_str(), &b"x\n"[..], 0o644)).collect();
    let wheel = build(venv, &files, |r| r);
    let lib = venv.join("lib/python3.11/site-packages");
    let info = lib.join("demo-1.0.dist-info");
    let parent = venv.join("new");
    fs::create_dir(&parent).unwrap();
    for (o, shared) in [(opts(venv, true), true), (Options::no_cache(), false)] {
        let requested = Job { requested: true, ..job(&wheel, None) };
        let trees = [parent.join(format!("{shared}-a")), parent.join(format!("{shared}-b"))];
        let [a, b] = trees.each_ref().map(|t| stage(&requested, &scheme(venv), t, 2, &o, &|_| {}).unwrap());
        for s in [&a, &b] {
            for n in &names {
                assert_eq!(staged_text(s, &lib.join(n)), "x\n");
            }
            assert_eq!(staged_text(s, &info.join("INSTALLER")), "wheelpipe\n");
            assert_eq!(staged_text(s, &info.join("REQUESTED")), "");
            // The site-packages files are in the tree itself: no scheme folder.
            let top: Vec<_> = fs::read_dir(&s.tree).unwrap().map(|e| e.unwrap().file_name()).collect();
            assert_eq!(top.len(), 2, "{top:?}");
        }
        let inode = |s: &Staged, f: &str| {
            let staged = &s.files.iter().find(|x| x.dest == info.join(f)).unwrap().staged;
            fs::metadata(staged).unwrap().ino()
        };
        for f in ["INSTALLER", "REQUESTED"] {
            assert_eq!(inode(&a, f) == inode(&b, f), shared, "{f}, shared: {shared}");
        }
        assert_ne!(inode(&a, "RECORD"), inode(&b, "RECORD"));
    }
}

#[test]
fn a_folder_that_cannot_be_made_releases_the_files_waiting_for_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs = ["a", "missing/b", "c"].map(|d| tmp.path().join(d));
    let made = Made::new();
    std::thread::scope(|s| {
        let waiting = s.spawn(|| made.wait(3));
        let err = made.make(&dirs).unwrap_err();
        assert!(format!("{err:#}").contains("missing/b"), "{err:#}");
        assert!(waiting.join().unwrap().is_err());
    });
    assert!(tmp.path().join("a").is_dir() && !tmp.path().join("c").exists());
    let made = Made::new();
    made.make(&dirs[..1].iter().map(|d| d.join("x")).collect::<Vec<_>>()).unwrap();
    made.wait(1).unwrap();
}
