//! wheel-unpack's options, run on real venvs: `--no-overwrite` (the
//! refusal of two wheels writing one path, or of a wheel overwriting a file
//! of an installed distribution, which by default go through with a
//! warning) and `--no-verify-record` (a published wheel whose RECORD lies,
//! which pip 23.2 installs); and `--link-mode`, whose choice the
//! `installed` record tells.

mod support;

use std::fs;
use std::os::unix::fs::MetadataExt;

use support::*;
use wheelpipe::records::{LinkMode, Record};

fn unpack(sb: &Sandbox, venv: &Venv, args: &[&str], wheels: &[std::path::PathBuf]) -> std::process::Output {
    sb.unpack(venv).args(args).args(wheels).output().unwrap()
}

fn text(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn overlaps_warn_by_default_and_no_overwrite_refuses_them() {
    let sb = Sandbox::new();
    let dir = sb.path().join("wheels");
    let one = WheelBuilder::new("one", "1.0").file("shared.py", "WHO = 'one'\n").build(&dir);
    let two = WheelBuilder::new("two", "1.0").file("shared.py", "WHO = 'two'\n").build(&dir);
    let venv = sb.venv("venv");
    let before = snapshot(&venv.root);

    let refused = unpack(&sb, &venv, &["--no-overwrite"], &[two.clone(), one.clone()]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(text(&refused).contains("--no-overwrite"), "{}", text(&refused));
    assert_same_tree(&before, &snapshot(&venv.root), "the venv after a refused clash");

    // Unrelated wheels: whatever the order given, `two` (later by name) wins.
    let out = unpack(&sb, &venv, &[], &[two.clone(), one.clone()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("shared.py") && text(&out).contains("two 1.0's is installed"),
        "{}",
        text(&out)
    );
    let shared = venv.site_packages().join("shared.py");
    assert_eq!(fs::read_to_string(&shared).unwrap(), "WHO = 'two'\n");
    sb.pip_ok(&venv, &["check"]);

    // A third distribution overwriting an installed one's file: a warning
    // naming the owner; refused with --no-overwrite.
    let three = WheelBuilder::new("three", "1.0").file("shared.py", "WHO = 'three'\n").build(&dir);
    let refused = unpack(&sb, &venv, &["--no-overwrite"], std::slice::from_ref(&three));
    assert!(text(&refused).contains("already exists"), "{}", text(&refused));
    let out = unpack(&sb, &venv, &["--allow-overwrite"], &[three]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("three 1.0 replaces lib/"), "{}", text(&out));
    assert!(text(&out).contains("shared.py of one 1.0 and two 1.0 (installed)"), "{}", text(&out));
    assert_eq!(fs::read_to_string(&shared).unwrap(), "WHO = 'three'\n");
    let dists = venv.dists(&sb);
    assert_eq!(dists.len(), 3, "{dists:?}");
    sb.pip_ok(&venv, &["check"]);
}

#[test]
fn no_verify_record_installs_a_wheel_whose_record_lies() {
    let sb = Sandbox::new();
    let wheel = WheelBuilder::new("liar", "1.0")
        .file("liar/__init__.py", "VALUE = 'liar'\n")
        .corrupt_record()
        .build(&sb.path().join("wheels"));
    let venv = sb.venv("venv");
    let refused = unpack(&sb, &venv, &[], std::slice::from_ref(&wheel));
    assert!(text(&refused).contains("do not match"), "{}", text(&refused));
    let out = unpack(&sb, &venv, &["--no-verify-record"], std::slice::from_ref(&wheel));
    assert!(out.status.success(), "{}", text(&out));
    let import = venv.run_python(&sb, "import liar; print(liar.VALUE)");
    assert_eq!(String::from_utf8_lossy(&import.stdout).trim(), "liar", "{import:?}");
    sb.pip_ok(&venv, &["check"]);
    // The unverified copy in the cache does not let a verifying run through.
    let other = sb.venv("other");
    let refused = unpack(&sb, &other, &[], &[wheel]);
    assert!(text(&refused).contains("do not match"), "{}", text(&refused));
}

#[test]
fn link_modes_say_how_the_files_came() {
    let sb = Sandbox::new();
    let wheels = alpha_beta(&sb.path().join("wheels"));
    for (mode, want, links) in [("copy", LinkMode::Copy, 1), ("hardlink", LinkMode::Link, 2)] {
        let venv = sb.venv(&format!("venv-{mode}"));
        let out = unpack(&sb, &venv, &["--link-mode", mode], &wheels);
        assert!(out.status.success(), "{}", text(&out));
        let records = parse_records(&String::from_utf8_lossy(&out.stdout));
        let how: Vec<LinkMode> =
            records.iter().filter_map(|r| if let Record::Installed(i) = r { i.how } else { None }).collect();
        assert_eq!(how, [want, want], "{mode}");
        let init = fs::metadata(venv.site_packages().join("beta/__init__.py")).unwrap();
        assert_eq!(init.nlink(), links, "{mode}: beta/__init__.py");
        let record = fs::metadata(venv.site_packages().join("beta-2.0.dist-info/RECORD")).unwrap();
        assert_eq!(record.nlink(), 1, "RECORD is always a new file");
        sb.pip_ok(&venv, &["check"]);
    }
}

/// A cache on another file system (tmpfs here) cannot be hard linked from
/// (EXDEV): the run copies instead, says so in `how`, and still installs.
#[test]
fn a_cache_on_another_file_system_is_copied_from() {
    let shm = std::path::Path::new("/dev/shm");
    let sb = Sandbox::new();
    let venv = sb.venv("venv");
    let same_device = |a: &std::path::Path, b: &std::path::Path| {
        fs::metadata(a).unwrap().dev() == fs::metadata(b).unwrap().dev()
    };
    if !shm.is_dir() || same_device(shm, &venv.root) {
        eprintln!("skipped: no second file system at /dev/shm");
        return;
    }
    let cache = tempfile::tempdir_in(shm).unwrap();
    let wheels = alpha_beta(&sb.path().join("wheels"));
    for mode in ["auto", "hardlink"] {
        let venv = sb.venv(&format!("venv-{mode}"));
        let mut cmd = sb.command(env!("CARGO_BIN_EXE_wheel-unpack"));
        cmd.arg("--venv").arg(&venv.root).arg("--cache-dir").arg(cache.path());
        let out = cmd.args(["--link-mode", mode]).args(&wheels).output().unwrap();
        assert!(out.status.success(), "{}", text(&out));
        let records = parse_records(&String::from_utf8_lossy(&out.stdout));
        assert!(records.iter().all(|r| !matches!(r, Record::Installed(i) if i.how != Some(LinkMode::Copy))));
        assert!(cache.path().join("unpacked/v2").is_dir(), "unpacked into the given cache");
        if mode == "hardlink" {
            assert!(text(&out).contains("refuses hard links"), "an explicit choice that fails is told");
        }
        sb.pip_ok(&venv, &["check"]);
    }
}

/// Two runs unpacking the same wheel into one cache at once (into two
/// venvs): the per-hash lock lets one unpack while the other waits, and
/// both install the whole wheel from one intact copy.
#[test]
fn two_runs_unpack_one_wheel_into_one_cache_at_once() {
    let sb = Sandbox::new();
    let mut many = WheelBuilder::new("many", "1.0");
    for k in 0..400 {
        many = many.file(&format!("many/m{}/f{k}.py", k % 20), format!("K = {k}\n"));
    }
    let wheel = many.build(&sb.path().join("wheels"));
    let venvs = [sb.venv("one"), sb.venv("two")];
    let children: Vec<_> = venvs
        .iter()
        .map(|v| sb.unpack(v).arg(&wheel).stdout(std::process::Stdio::null()).spawn().unwrap())
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    for v in &venvs {
        let files = find_named(&v.site_packages().join("many"), "f399.py");
        assert_eq!(files.len(), 1, "the whole wheel is installed");
        sb.pip_ok(v, &["check"]);
    }
    let unpacked = find_named(&sb.cache().join("unpacked"), "manifest.json");
    assert_eq!(unpacked.len(), 1, "one copy in the cache: {unpacked:?}");
    let half_written = fs::read_dir(sb.cache().join("tmp/unpack")).unwrap().count();
    assert_eq!(half_written, 0, "nothing left half written");
}
