//! wheel-resolve with `--python V/bin/python` keeps what the venv has when
//! it still fits (pip's default upgrade strategy): `satisfied` records for
//! those, artifacts only for what moves; `-P NAME`, `-U` (pip's
//! only-if-needed, and `--upgrade-strategy eager`), `--reinstall-package`;
//! an installed version the index no longer has; a venv made with
//! `--system-site-packages` whose base has the distribution. Real venvs,
//! filled by pip from the local index.

mod resolving;
mod support;

use std::path::{Path, PathBuf};

use resolving::*;
use support::*;
use wheelpipe::records::{Record, Satisfied};

/// `top` 1.0 and 2.0 need `dep>=1`; `dep` has 1.0, 1.5 and 2.0.
fn wheels() -> Vec<WheelBuilder> {
    vec![
        wheel("top", "1.0").requires_dist("dep>=1"),
        wheel("top", "2.0").requires_dist("dep>=1"),
        wheel("dep", "1.0"),
        wheel("dep", "1.5"),
        wheel("dep", "2.0"),
    ]
}

/// A venv into which pip installed `reqs` from the case's index.
fn venv_with(case: &Case, reqs: &[&str]) -> Venv {
    let venv = case.sb.venv("venv");
    let url = case.server.url();
    let mut args = vec!["install", "--no-cache-dir", "--index-url", &url];
    args.extend(reqs);
    case.sb.pip_ok(&venv, &args);
    venv
}

/// `wheel-resolve --python V/bin/python ARGS` against `index`: the records, in order.
fn resolve_in(case: &Case, venv: &Venv, index: &str, args: &[&str]) -> (Run, Vec<String>) {
    let mut c = case.sb.command(env!("CARGO_BIN_EXE_wheel-resolve"));
    c.arg("--index-url").arg(index).arg("--python").arg(venv.python());
    c.arg("--cache-dir").arg(case.sb.cache()).args(args);
    let run = pipeline(vec![c], None);
    run.assert_success();
    let shown = run
        .records()
        .iter()
        .filter_map(|r| match r {
            Record::Artifact(a) => {
                Some(format!("get {}=={}{}", a.name, a.version, if a.reinstall { " again" } else { "" }))
            }
            Record::Satisfied(s) => Some(format!("keep {}=={}", s.name, s.version)),
            _ => None,
        })
        .collect();
    (run, shown)
}

fn satisfied(run: &Run) -> Vec<Satisfied> {
    run.records()
        .into_iter()
        .filter_map(|r| if let Record::Satisfied(s) = r { Some(s) } else { None })
        .collect()
}

#[test]
fn an_installed_dependency_that_still_fits_is_kept_and_moves_only_when_asked() {
    let case = Case::new(&wheels());
    let venv = venv_with(&case, &["dep==1.0"]);
    let url = case.server.url();
    case.server.clear_log();

    let (run, shown) = resolve_in(&case, &venv, &url, &["top"]);
    assert_eq!(shown, ["get dep==1.0".replace("get", "keep"), "get top==2.0".into()], "{run}");
    let kept = satisfied(&run);
    assert_eq!(kept[0].location, venv.site_packages(), "the venv's own site-packages");
    assert!(!kept[0].requested);
    let dep_files: Vec<String> =
        case.server.requests().into_iter().map(|e| e.path).filter(|p| p.contains("/dep-")).collect();
    assert!(dep_files.is_empty(), "no file or metadata of dep is read from the index: {dep_files:?}");

    let (_, shown) = resolve_in(&case, &venv, &url, &["top", "-P", "dep"]);
    assert_eq!(shown, ["get dep==2.0", "get top==2.0"], "-P moves that one");
    let (_, shown) = resolve_in(&case, &venv, &url, &["top", "-U"]);
    assert_eq!(shown, ["keep dep==1.0", "get top==2.0"], "-U: dependencies only if needed");
    let (_, shown) = resolve_in(&case, &venv, &url, &["top", "-U", "--upgrade-strategy", "eager"]);
    assert_eq!(shown, ["get dep==2.0", "get top==2.0"]);
    let (_, shown) = resolve_in(&case, &venv, &url, &["top", "dep>=1.5"]);
    assert_eq!(shown, ["get dep==2.0", "get top==2.0"], "what no longer fits moves to the newest");
    let (_, shown) = resolve_in(&case, &venv, &url, &["top", "--reinstall-package", "dep"]);
    assert_eq!(shown, ["get dep==1.0 again", "get top==2.0"], "a reinstall keeps the version");
    let (_, shown) = resolve_in(&case, &venv, &url, &["top", "--ignore-installed"]);
    assert_eq!(shown, ["get dep==2.0", "get top==2.0"]);
}

#[test]
fn an_installed_requirement_stays_unless_upgraded_and_the_pipeline_leaves_it_alone() {
    let case = Case::new(&wheels());
    let venv = venv_with(&case, &["top==1.0", "dep==1.0"]);
    let url = case.server.url();
    let (_, shown) = resolve_in(&case, &venv, &url, &["top"]);
    assert_eq!(shown, ["keep dep==1.0", "keep top==1.0"]);
    let (run, shown) = resolve_in(&case, &venv, &url, &["-U", "top"]);
    assert_eq!(shown, ["keep dep==1.0", "get top==2.0"], "{run}");

    let pins = case.sb.write("pins.txt", "top\n");
    let before = venv.site_packages().join("dep/__init__.py");
    let inode = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&before).unwrap());
    let mut resolve = case.sb.resolve(&url, &venv, &[&pins]);
    resolve.arg("-U");
    let run = pipeline(vec![resolve, case.sb.fetch(), case.sb.unpack(&venv)], None);
    run.assert_success();
    let dists = venv.dists(&case.sb);
    assert_eq!((dists["top"].as_str(), dists["dep"].as_str()), ("2.0", "1.0"), "{run}");
    let after = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&before).unwrap());
    assert_eq!(inode, after, "the kept distribution's files are untouched");
    let check = case.sb.pip_ok(&venv, &["check"]);
    assert!(check.contains("No broken requirements found"), "pip check: {check}");
}

#[test]
fn an_installed_version_the_index_no_longer_has_is_kept() {
    let case = Case::new(&wheels());
    let venv = venv_with(&case, &["dep==1.0"]);
    let without: Vec<PathBuf> =
        case.wheels.iter().filter(|w| !w.to_string_lossy().contains("dep-1.0")).cloned().collect();
    let newer = Server::start(&without);
    let (_, shown) = resolve_in(&case, &venv, &newer.url(), &["top"]);
    assert_eq!(shown, ["keep dep==1.0", "get top==2.0"]);
    let (_, shown) = resolve_in(&case, &venv, &newer.url(), &["top", "--reinstall"]);
    assert_eq!(shown, ["get dep==2.0 again", "get top==2.0 again"], "nothing to reinstall 1.0 from");
}

#[test]
fn the_default_python_and_a_lock_ignore_what_is_installed() {
    let case = Case::new(&wheels());
    let venv = venv_with(&case, &["dep==1.0"]);
    let lock = case.sb.path().join("pylock.toml");
    let lock_arg = lock.display().to_string();
    let (_, shown) = resolve_in(&case, &venv, &case.server.url(), &["top", "--lock", &lock_arg]);
    assert_eq!(shown, ["get dep==2.0", "get top==2.0"], "a lock lists every wheel");
    // Without --python, python3 only lends its markers and tags.
    let run = case.resolve(&["top", "dep<2"]);
    run.assert_success();
    assert!(satisfied(&run).is_empty() && run.stdout.contains("dep-1.5"), "{run}");
}

/// The base interpreter's site-packages, which a `--system-site-packages`
/// venv of python3 sees after its own (a venv made from another venv's
/// python has the same base, so the machine's python3 is the base here).
fn base_site_packages(sb: &Sandbox) -> PathBuf {
    let out = sb
        .command(python3())
        .args(["-c", "import pip, os; print(os.path.dirname(os.path.dirname(pip.__file__)))"])
        .output()
        .unwrap();
    assert!(out.status.success(), "the tests need pip in python3");
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

#[test]
fn a_system_site_packages_venv_gets_nothing_new_for_what_its_base_has() {
    // The index has a newer pip than the machine's: a venv that sees the base's keeps the base's.
    let mut builders = wheels();
    builders.push(wheel("pip", "999.0"));
    let case = Case::new(&builders);
    let sb = &case.sb;
    let venv = sb.venv("shared");
    sb.pip_ok(&venv, &["install", "--no-cache-dir", "--index-url", &case.server.url(), "dep==1.0"]);
    let (_, shown) = resolve_in(&case, &venv, &case.server.url(), &["top", "pip"]);
    assert_eq!(shown, ["keep dep==1.0", "get pip==999.0", "get top==2.0"], "a venv of its own");
    // Now it sees the base's site-packages: the interpreter's cached answer must not hide that.
    let cfg = venv.root.join("pyvenv.cfg");
    let text = std::fs::read_to_string(&cfg).unwrap();
    let shared = text.replace("include-system-site-packages = false", "include-system-site-packages = true");
    assert_ne!(text, shared);
    std::fs::write(&cfg, shared).unwrap();
    let base_pip = venv.dists(sb)["pip"].clone();

    let (run, shown) = resolve_in(&case, &venv, &case.server.url(), &["top", "pip"]);
    assert_eq!(shown, ["keep dep==1.0".to_string(), format!("keep pip=={base_pip}"), "get top==2.0".into()]);
    let kept = satisfied(&run);
    assert_eq!(kept[0].location, venv.site_packages());
    assert_eq!(kept[1].location, base_site_packages(sb), "the base's site-packages");
    assert!(kept[1].requested);
    let (_, shown) = resolve_in(&case, &venv, &case.server.url(), &["top", "pip", "-P", "pip"]);
    assert!(shown.contains(&"get pip==999.0".to_string()), "{shown:?}");
    assert!(Path::new(&kept[1].location).join("pip").is_dir());
}

#[test]
fn a_lock_installed_as_locked_keeps_what_is_installed_at_the_locked_version() {
    let case = Case::new(&wheels());
    let venv = venv_with(&case, &["dep==1.0"]);
    let url = case.server.url();
    let lock = case.sb.path().join("pylock.toml").display().to_string();
    resolve_in(&case, &venv, &url, &["top", "dep==1.0", "--lock", &lock]);
    let (_, shown) = resolve_in(&case, &venv, &url, &[&lock]);
    assert_eq!(shown, ["keep dep==1.0", "get top==2.0"]);
    let (_, shown) = resolve_in(&case, &venv, &url, &[&lock, "--reinstall-package", "dep"]);
    assert_eq!(shown, ["get dep==1.0 again", "get top==2.0"]);
}

#[test]
fn with_no_deps_an_installed_requirement_brings_no_dependencies() {
    let case = Case::new(&wheels());
    let venv = venv_with(&case, &["top==1.0"]);
    let (_, shown) = resolve_in(&case, &venv, &case.server.url(), &["top", "--no-deps"]);
    assert_eq!(shown, ["keep top==1.0"]);
    let (_, shown) = resolve_in(&case, &venv, &case.server.url(), &["top"]);
    assert_eq!(shown, ["keep dep==2.0", "keep top==1.0"], "pip installed the newest dep with top");
}

#[test]
fn no_binary_on_a_kept_requirement_builds_nothing_so_it_is_no_error() {
    let case = Case::new(&wheels());
    let venv = venv_with(&case, &["top==1.0", "dep==1.0"]);
    let (_, shown) = resolve_in(&case, &venv, &case.server.url(), &["top", "--no-binary", "top"]);
    assert_eq!(shown, ["keep dep==1.0", "keep top==1.0"]);
    // top 2.0 has no sdist to build: the installed 1.0 stays, as with pip.
    let (_, shown) = resolve_in(&case, &venv, &case.server.url(), &["top", "--no-binary", "top", "-U"]);
    assert_eq!(shown, ["keep dep==1.0", "keep top==1.0"]);
}
