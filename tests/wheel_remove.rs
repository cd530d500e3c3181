//! wheel-remove on real venvs: it leaves the same tree as `pip uninstall`
//! (files, launchers, `__pycache__`, empty folders), what it wrote pip can
//! read; a name that is not installed removes nothing; `--dry-run` changes
//! nothing; a removal killed in its commit is undone by the next run.

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

use support::*;
use wheelpipe::records::Record;

fn remove(sb: &Sandbox, venv: &Venv) -> Command {
    let mut c = sb.command(env!("CARGO_BIN_EXE_wheel-remove"));
    c.arg("--venv").arg(&venv.root).arg("--cache-dir").arg(sb.cache());
    c
}

fn removed(out: &Output) -> Vec<String> {
    parse_records(&String::from_utf8_lossy(&out.stdout))
        .into_iter()
        .filter_map(
            |r| if let Record::Removed(r) = r { Some(format!("{} {}", r.name, r.version)) } else { None },
        )
        .collect()
}

/// A venv holding alpha (a launcher, a `.data` script, byte-compiled
/// modules) and beta, installed by wheel-unpack.
fn installed_venv(sb: &Sandbox, name: &str) -> Venv {
    let venv = sb.venv(name);
    let out = sb.unpack(&venv).args(alpha_beta(&sb.path().join("wheels"))).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let import = venv.run_python(sb, "import alpha, alpha.cli, beta");
    assert!(import.status.success(), "{import:?}");
    venv
}

/// site-packages and the names in bin/: what two venvs at different paths
/// share (a .pyc names its source's path, so only its name counts).
fn shape(venv: &Venv) -> (BTreeMap<String, String>, Vec<String>) {
    let bin = std::fs::read_dir(venv.root.join("bin")).unwrap().flatten();
    let mut bin: Vec<String> = bin.map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    bin.sort();
    let mut site = snapshot(&venv.site_packages());
    for (path, what) in site.iter_mut() {
        if path.ends_with(".pyc") {
            *what = "pyc".into();
        }
    }
    (site, bin)
}

#[test]
fn removes_what_pip_uninstall_removes() {
    let sb = Sandbox::new();
    let ours = installed_venv(&sb, "ours");
    let theirs = installed_venv(&sb, "theirs");
    assert!(ours.site_packages().join("alpha/__pycache__").is_dir());
    sb.pip_ok(&theirs, &["uninstall", "-y", "alpha"]);
    let out = remove(&sb, &ours).arg("Alpha").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(removed(&out), ["alpha 1.0"]);
    let (site, bin) = shape(&ours);
    let (pip_site, pip_bin) = shape(&theirs);
    assert_same_tree(&pip_site, &site, "site-packages after pip uninstall vs wheel-remove");
    assert_eq!(bin, pip_bin);
    assert!(!ours.bin("alpha-cli").exists() && !ours.bin("alpha-tool").exists());
    sb.pip_ok(&ours, &["uninstall", "-y", "beta"]);
    assert!(sb.pip_list(&ours).is_empty());
}

#[test]
fn a_name_not_installed_removes_nothing_and_dry_run_changes_nothing() {
    let sb = Sandbox::new();
    let venv = installed_venv(&sb, "venv");
    let before = snapshot(&venv.root);
    let out = remove(&sb, &venv).args(["alpha", "nope", "beta"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not installed in") && err.contains(": nope; nothing was removed"), "{err}");
    assert_same_tree(&before, &snapshot(&venv.root), "the venv after a refused removal");

    let out = remove(&sb, &venv).args(["--dry-run", "beta"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(removed(&out), ["beta 2.0"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("would remove ") && err.contains("beta/__init__.py"), "{err}");
    assert_same_tree(&before, &snapshot(&venv.root), "the venv after --dry-run");
    let usage = remove(&sb, &venv).output().unwrap();
    assert_eq!(usage.status.code(), Some(2), "no NAME");

    // Without RECORD its files are unknown: refused, as pip refuses.
    std::fs::remove_file(venv.site_packages().join("beta-2.0.dist-info/RECORD")).unwrap();
    let before = snapshot(&venv.root);
    let out = remove(&sb, &venv).args(["alpha", "beta"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot remove beta 2.0: ") && err.contains("no RECORD"), "{err}");
    assert_same_tree(&before, &snapshot(&venv.root), "the venv after a refused removal without RECORD");
}

#[test]
fn a_removal_killed_in_its_commit_is_undone_by_the_next_run() {
    let sb = Sandbox::new();
    let venv = installed_venv(&sb, "venv");
    let before = snapshot(&venv.root);
    let mut cmd = remove(&sb, &venv);
    cmd.arg("alpha").env("WHEELPIPE_TEST_PAUSE_COMMIT_AFTER", "3");
    let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    assert!(lines.by_ref().map_while(Result::ok).any(|l| l.contains("test pause")), "no commit reached");
    child.kill().unwrap(); // SIGKILL: no rollback
    child.wait().unwrap();
    let mut cut = snapshot(&venv.root);
    cut.retain(|k, _| !k.starts_with(".wheelpipe-staging-"));
    assert_ne!(cut, before, "killed in the middle of the commit");

    let dry = remove(&sb, &venv).args(["--dry-run", "alpha"]).output().unwrap();
    assert!(String::from_utf8_lossy(&dry.stderr).contains("undid it"), "{dry:?}");
    assert_same_tree(&before, &snapshot(&venv.root), "the venv after settling a killed removal");
    sb.pip_ok(&venv, &["check"]);
    let out = remove(&sb, &venv).arg("alpha").output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(venv.dists(&sb).keys().collect::<Vec<_>>(), ["beta"]);
}
