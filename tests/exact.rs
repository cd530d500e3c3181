//! `wheel-unpack --exact` (uv pip sync) on a real venv made with pip: what
//! the venv holds beyond the set is removed in the same commit as the
//! install, as pip uninstalls it (files, launchers, empty folders), with a
//! `removed` record each; pip and setuptools stay, and pip still runs; a
//! failing set removes nothing.

mod support;

use std::path::PathBuf;

use support::*;
use wheelpipe::records::Record;

/// A venv made by `python3 -m venv` with its pip (and setuptools, on 3.11).
fn venv_with_pip(sb: &Sandbox) -> Venv {
    let root = sb.path().join("venv");
    let out = sb.command(python3()).args(["-m", "venv"]).arg(&root).output().unwrap();
    assert!(out.status.success(), "python3 -m venv: {}", String::from_utf8_lossy(&out.stderr));
    Venv { root }
}

fn gamma() -> WheelBuilder {
    WheelBuilder::new("gamma", "1.0")
        .file("gamma/__init__.py", "")
        .file("gamma/sub/deep.py", "")
        .console_script("gamma-cli", "gamma:main")
}

/// The records but upstream progress, in short.
fn kinds(records: &[Record]) -> Vec<String> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Installed(i) => Some(format!("installed {}", i.name)),
            Record::Satisfied(s) => Some(format!("satisfied {}", s.name)),
            Record::Removed(r) => Some(format!("removed {} {}", r.name, r.version)),
            Record::End(e) => Some(format!("end {} {}", e.ok, e.count)),
            Record::Progress(_) => None,
            other => Some(format!("{other:?}")),
        })
        .collect()
}

#[test]
fn exact_removes_what_is_not_in_the_set_and_keeps_pip() {
    let sb = Sandbox::new();
    let dir = sb.path().join("wheels");
    let mut wheels = alpha_beta(&dir);
    let delta = WheelBuilder::new("delta", "1.0").file("delta/__init__.py", "").build(&dir);
    wheels.extend([gamma().build(&dir), delta.clone()]);
    let eps = WheelBuilder::new("eps", "0.1").file("eps.py", "").build(&dir);
    wheels.push(eps);
    let server = Server::start(&wheels);
    let venv = venv_with_pip(&sb);
    let first = sb.write("first.txt", "alpha==1.0\ngamma==1.0\n");
    pipeline(vec![sb.resolve(&server.url(), &venv, &[&first]), sb.fetch(), sb.unpack(&venv)], None)
        .assert_success();
    sb.pip_ok(&venv, &["install", "--no-compile", "--no-cache-dir", "--index-url", &server.url(), "eps"]);
    let site = venv.site_packages();
    // Byte-compiled by python, as an import does: pip removes these too.
    let compiled = venv.run_python(&sb, "import gamma.sub.deep");
    assert!(compiled.status.success(), "{compiled:?}");
    assert!(!find_named(&site.join("gamma"), "__pycache__").is_empty());

    let second = sb.write("second.txt", "alpha==1.0\ndelta==1.0\n");
    let mut unpack = sb.unpack(&venv);
    unpack.arg("--exact");
    let run = pipeline(vec![sb.resolve(&server.url(), &venv, &[&second]), sb.fetch(), unpack], None);
    run.assert_success();
    assert_eq!(
        kinds(&run.records()),
        [
            "installed delta",
            "satisfied alpha",
            "satisfied beta",
            "removed eps 0.1",
            "removed gamma 1.0",
            "end true 5"
        ],
        "{run}"
    );
    let list = sb.pip_list(&venv);
    let names: Vec<&str> = list.keys().map(String::as_str).collect();
    assert_eq!(names, ["alpha", "beta", "delta", "pip", "setuptools"], "{list:?}");
    sb.pip_ok(&venv, &["check"]);
    let gone: Vec<PathBuf> = ["gamma", "gamma-1.0.dist-info", "eps.py", "eps-0.1.dist-info"]
        .iter()
        .map(|p| site.join(p))
        .chain([venv.bin("gamma-cli")])
        .filter(|p| p.exists())
        .collect();
    assert!(gone.is_empty(), "left behind: {gone:?}");
    assert!(!site.join("__pycache__").join("eps.cpython-311.pyc").exists());
    let pip = sb.command(venv.python()).args(["-m", "pip", "--version"]).output().unwrap();
    assert!(pip.status.success(), "the venv's pip still runs: {pip:?}");
}

#[test]
fn exact_with_a_failing_set_removes_nothing() {
    let sb = Sandbox::new();
    let dir = sb.path().join("wheels");
    let installed = gamma().build(&dir);
    let bad = WheelBuilder::new("liar", "1.0").file("liar.py", "").corrupt_record().build(&dir);
    let venv = sb.venv("venv");
    let first = sb.unpack(&venv).arg(&installed).output().unwrap();
    assert!(first.status.success(), "{first:?}");
    let before = snapshot(&venv.root);
    let out = sb.unpack(&venv).arg("--exact").arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_same_tree(&before, &snapshot(&venv.root), "the venv after a failed --exact");
    assert_eq!(venv.dists(&sb).len(), 1);
}

#[test]
fn exact_keeps_what_upstream_satisfied_records_name() {
    let sb = Sandbox::new();
    let wheels = alpha_beta(&sb.path().join("wheels"));
    let venv = sb.venv("venv");
    let first = sb.unpack(&venv).args(&wheels).output().unwrap();
    assert!(first.status.success(), "{first:?}");
    let beta = wheelpipe::records::Satisfied {
        name: "beta".into(),
        version: "2.0".into(),
        requested: false,
        location: venv.site_packages(),
    };
    let stream = format!("{}\n{}", Record::Satisfied(beta).to_line(), fetched_stream(&wheels[..1]));
    let mut unpack = sb.unpack(&venv);
    unpack.arg("--exact");
    let run = pipeline(vec![unpack], Some(stream.into_bytes()));
    run.assert_success();
    assert_eq!(kinds(&run.records()), ["satisfied alpha", "satisfied beta", "end true 2"], "{run}");
    assert_eq!(venv.dists(&sb).len(), 2);

    // Without it, beta is not in the set.
    let mut unpack = sb.unpack(&venv);
    unpack.arg("--exact");
    let run = pipeline(vec![unpack], Some(fetched_stream(&wheels[..1]).into_bytes()));
    run.assert_success();
    assert_eq!(kinds(&run.records()), ["satisfied alpha", "removed beta 2.0", "end true 2"], "{run}");
    assert!(!venv.site_packages().join("beta").exists());
}
