//! "Installs exactly as pip would", checked file by file: the same wheels are
//! installed once by pip (from the test index, `--no-compile`) and once by
//! the pipeline, and the two virtualenvs must hold the same paths with the
//! same modes and contents. The only differences allowed are INSTALLER
//! (`pip` or `wheelpipe`), the body of generated console scripts (each
//! installer has its own launcher; the shebang must match), and the RECORD
//! hashes of scripts in `bin/` (their shebang names the venv).

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;

use support::*;
use wheelpipe::hash::sha256_hex;

const CONSOLE_SCRIPTS: &[&str] = &["bin/alpha-cli"];

/// Every path under the venv with mode and a digest of its contents, the
/// venv's own path replaced by `{VENV}`, normalized as the file comment says.
fn comparable(venv: &Venv) -> BTreeMap<String, String> {
    let root = venv.root.to_str().unwrap();
    let mut out = BTreeMap::new();
    for (rel, kind) in snapshot(&venv.root) {
        if !kind.starts_with("file") {
            out.insert(rel, kind);
            continue;
        }
        let path = venv.root.join(&rel);
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        let text = String::from_utf8_lossy(&fs::read(&path).unwrap()).replace(root, "{VENV}");
        let value = if rel.ends_with(".dist-info/INSTALLER") {
            "installer".to_string()
        } else if CONSOLE_SCRIPTS.contains(&rel.as_str()) {
            format!("script {mode:o} {}", text.lines().next().unwrap_or(""))
        } else if rel.ends_with(".dist-info/RECORD") {
            let mut rows: Vec<String> = text
                .lines()
                .map(|l| {
                    let path = l.split(',').next().unwrap();
                    // A script's hash depends on the venv's path in its shebang;
                    // its normalized contents are compared as a file of bin/.
                    if path.contains("/bin/") || path.ends_with("INSTALLER") {
                        path.to_string()
                    } else {
                        l.to_string()
                    }
                })
                .collect();
            rows.sort();
            // pip ends each line as Python's csv.writer does.
            let crlf = text.split_inclusive('\n').all(|l| l.ends_with("\r\n"));
            format!("record {mode:o} crlf={crlf}\n{}", rows.join("\n"))
        } else {
            format!("file {mode:o} {}", sha256_hex(text.as_bytes()))
        };
        out.insert(rel, value);
    }
    out
}

/// Every difference between pip's venv and ours, as lines.
fn differences(by_pip: &Venv, ours: &Venv) -> Vec<String> {
    let (want, got) = (comparable(by_pip), comparable(ours));
    let mut diff = Vec::new();
    for (k, v) in &want {
        match got.get(k) {
            None => diff.push(format!("missing: {k} ({v})")),
            Some(w) if w != v => diff.push(format!("differs: {k}\n  pip:  {v}\n  ours: {w}")),
            _ => {}
        }
    }
    for (k, v) in got.iter().filter(|(k, _)| !want.contains_key(*k)) {
        diff.push(format!("extra: {k} ({v})"));
    }
    diff
}

/// `pip install ./a.whl ./b.whl` and `wheel-unpack a.whl b.whl`: wheels named
/// by path are direct URL requirements, with PEP 610's direct_url.json.
#[test]
fn wheel_files_as_arguments_install_like_pip_install_of_paths() {
    let sb = Sandbox::new();
    let wheels = alpha_beta(&sb.path().join("wheels"));
    let paths: Vec<&str> = wheels.iter().map(|p| p.to_str().unwrap()).collect();
    let by_pip = sb.venv("pip/venv");
    sb.pip_ok(&by_pip, &[&["install", "--no-compile", "--no-cache-dir", "--no-index"][..], &paths].concat());
    let ours = sb.venv("ours/venv");
    let out = sb.unpack(&ours).args(&wheels).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let diff = differences(&by_pip, &ours);
    assert!(diff.is_empty(), "the venv differs from pip's:\n{}", diff.join("\n"));
    let direct = ours.site_packages().join("beta-2.0.dist-info/direct_url.json");
    assert!(std::fs::read_to_string(direct).unwrap().contains("file:///"));
}

#[test]
fn installs_the_same_files_as_pip() {
    let sb = Sandbox::new();
    let dir = sb.path().join("wheels");
    let delta = WheelBuilder::new("delta", "1.0")
        .file("delta/__init__.py", "VALUE = 'delta'\n")
        .file("delta/sub/data.txt", "some package data\n")
        .file("delta_top.py", "TOP = True\n")
        .data_file("data/share/doc/delta/README", "shared data\n")
        .data_file("purelib/delta_extra.py", "EXTRA = 1\n");
    let mut wheels = alpha_beta(&dir);
    wheels.push(delta.build(&dir));
    let server = Server::start(&wheels);
    let reqs = sb.write("requirements.txt", "alpha==1.0\nbeta==2.0\ndelta==1.0\n");

    // Same folder name, so the activate scripts name the same prompt.
    let by_pip = sb.venv("pip/venv");
    let args = ["install", "--no-compile", "--no-cache-dir", "--index-url", &server.url()];
    sb.pip_ok(&by_pip, &[&args[..], &["alpha==1.0", "beta==2.0", "delta==1.0"]].concat());

    let ours = sb.venv("ours/venv");
    let run = pipeline(vec![sb.resolve(&server.url(), &ours, &[&reqs]), sb.fetch(), sb.unpack(&ours)], None);
    run.assert_success();

    let diff = differences(&by_pip, &ours);
    assert!(diff.is_empty(), "the pipeline's venv differs from pip's:\n{}", diff.join("\n"));
}

/// `pip install` compiles by default; `wheel-unpack --compile` must leave the
/// same `.pyc` files, byte for byte (SOURCE_DATE_EPOCH makes both hash-based)
/// and listed in RECORD the same way, and skip a file that does not compile.
#[test]
fn compile_leaves_the_same_pyc_files_as_pip() {
    let mut sb = Sandbox::new();
    sb.set_env("SOURCE_DATE_EPOCH", "1700000000");
    let dir = sb.path().join("wheels");
    let gamma = WheelBuilder::new("gamma", "1.0")
        .file("gamma/__init__.py", "VALUE = 'gamma'\n")
        .file("gamma/broken.py", "def (:\n")
        .file("gamma_top.py", "TOP = True\n")
        .data_file("purelib/gamma_extra.py", "EXTRA = 1\n");
    let mut wheels = alpha_beta(&dir);
    wheels.push(gamma.build(&dir));
    let paths: Vec<&str> = wheels.iter().map(|p| p.to_str().unwrap()).collect();

    // The same venv path both times: a .pyc holds its source's path.
    let venv = sb.venv("same/venv");
    sb.pip_ok(&venv, &[&["install", "--no-cache-dir", "--no-index"][..], &paths].concat());
    let by_pip = comparable(&venv);
    assert!(by_pip.keys().any(|k| k.ends_with("gamma/__pycache__/__init__.cpython-311.pyc")), "{by_pip:?}");
    std::fs::remove_dir_all(&venv.root).unwrap();
    let venv = sb.venv("same/venv");
    let out = sb.unpack(&venv).arg("--compile").args(&wheels).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ours = comparable(&venv);
    let mut diff = Vec::new();
    for (k, v) in &by_pip {
        match ours.get(k) {
            None => diff.push(format!("missing: {k} ({v})")),
            Some(w) if w != v => diff.push(format!("differs: {k}\n  pip:  {v}\n  ours: {w}")),
            _ => {}
        }
    }
    for (k, v) in ours.iter().filter(|(k, _)| !by_pip.contains_key(*k)) {
        diff.push(format!("extra: {k} ({v})"));
    }
    assert!(diff.is_empty(), "the compiled venv differs from pip's:\n{}", diff.join("\n"));
    let import = venv.run_python(&sb, "import gamma, gamma_top; print(gamma.__cached__)");
    assert!(String::from_utf8_lossy(&import.stdout).contains("__pycache__"), "{import:?}");
}

/// A `name @ URL` requirement: pip writes direct_url.json with the URL, and
/// so must the pipeline (wheel-resolve marks the artifact `direct`).
#[test]
fn a_name_at_url_requirement_gets_pips_direct_url_json() {
    let sb = Sandbox::new();
    let server = Server::start(&alpha_beta(&sb.path().join("wheels")));
    let url = server.file_url("beta-2.0-py3-none-any.whl");
    let by_pip = sb.venv("pip/venv");
    let args = ["install", "--no-compile", "--no-cache-dir", "--index-url", &server.url()];
    sb.pip_ok(&by_pip, &[&args[..], &["alpha==1.0", &format!("beta @ {url}")]].concat());
    let ours = sb.venv("ours/venv");
    let reqs = sb.write("requirements.txt", &format!("alpha==1.0\nbeta @ {url}\n"));
    let run = pipeline(vec![sb.resolve(&server.url(), &ours, &[&reqs]), sb.fetch(), sb.unpack(&ours)], None);
    run.assert_success();
    let diff = differences(&by_pip, &ours);
    assert!(diff.is_empty(), "the venv differs from pip's:\n{}", diff.join("\n"));
    let direct = ours.site_packages().join("beta-2.0.dist-info/direct_url.json");
    assert!(std::fs::read_to_string(direct).unwrap().contains(&format!("\"url\": \"{url}\"")));
    assert!(!ours.site_packages().join("alpha-1.0.dist-info/direct_url.json").exists());
}

/// An old set upgraded to a new one in which one pin stays: pip keeps that
/// one ("Requirement already satisfied") and replaces the other; the
/// pipeline must leave the same tree.
#[test]
fn an_upgrade_leaves_the_same_tree_as_pips() {
    let sb = Sandbox::new();
    let dir = sb.path().join("wheels");
    let keep = WheelBuilder::new("keep", "1.0")
        .file("keep/__init__.py", "")
        .data_file("scripts/keep-tool", "#!python\n");
    let up = |v: &str, module: &str| {
        WheelBuilder::new("up", v)
            .file("up/__init__.py", format!("VERSION = {v:?}\n"))
            .file(&format!("up/{module}.py"), "")
            .data_file(&format!("scripts/up-{module}"), "#!python\nprint('up')\n")
    };
    let wheels = vec![keep.build(&dir), up("1.0", "old").build(&dir), up("2.0", "new").build(&dir)];
    let server = Server::start(&wheels);
    let old = sb.write("old.txt", "keep==1.0\nup==1.0\n");
    let new = sb.write("new.txt", "keep==1.0\nup==2.0\n");

    let by_pip = sb.venv("pip/venv");
    for reqs in [&old, &new] {
        let args = ["install", "--no-compile", "--no-cache-dir", "--index-url", &server.url(), "-r"];
        sb.pip_ok(&by_pip, &[&args[..], &[reqs.to_str().unwrap()]].concat());
    }
    let ours = sb.venv("ours/venv");
    for reqs in [&old, &new] {
        let run =
            pipeline(vec![sb.resolve(&server.url(), &ours, &[reqs]), sb.fetch(), sb.unpack(&ours)], None);
        run.assert_success();
    }
    let diff = differences(&by_pip, &ours);
    assert!(diff.is_empty(), "the upgraded venv differs from pip's:\n{}", diff.join("\n"));
    assert!(!ours.bin("up-old").exists() && ours.bin("up-new").is_file());
}

/// pip puts a wheel's headers in `include/site/pythonX.Y/NAME/`, NAME as
/// the requirement that brought the project in wrote it: the user's line
/// for a root (`EDGE_pkg`, whose METADATA says `Edge.Pkg`), the dependent's
/// Requires-Dist for a dependency (`DEP.Lib`). The pipeline must agree.
#[test]
fn headers_go_to_the_folder_named_as_the_requirement_wrote_it() {
    let sb = Sandbox::new();
    let dir = sb.path().join("wheels");
    let edge =
        WheelBuilder::new("Edge.Pkg", "1.0").file("edge.py", "").data_file("headers/edge.h", "int e;\n");
    let dep = WheelBuilder::new("dep-lib", "1.0").file("dep.py", "").data_file("headers/dep.h", "int d;\n");
    let top = WheelBuilder::new("top", "1.0").file("top.py", "").requires_dist("DEP.Lib>=1");
    let server = Server::start(&[edge.build(&dir), dep.build(&dir), top.build(&dir)]);
    let reqs = sb.write("requirements.txt", "EDGE_pkg==1.0\ntop==1.0\n");

    let by_pip = sb.venv("pip/venv");
    let args = ["install", "--no-compile", "--no-cache-dir", "--index-url", &server.url(), "-r"];
    sb.pip_ok(&by_pip, &[&args[..], &[reqs.to_str().unwrap()]].concat());
    let ours = sb.venv("ours/venv");
    let run = pipeline(vec![sb.resolve(&server.url(), &ours, &[&reqs]), sb.fetch(), sb.unpack(&ours)], None);
    run.assert_success();

    let folder = |name: &str| {
        let found = find_named(&by_pip.root, name);
        assert_eq!(found.len(), 1, "{name}: {found:?}");
        found[0].parent().unwrap().file_name().unwrap().to_string_lossy().into_owned()
    };
    assert_eq!((folder("edge.h"), folder("dep.h")), ("EDGE_pkg".into(), "DEP.Lib".into()), "pip's folders");
    let diff = differences(&by_pip, &ours);
    assert!(diff.is_empty(), "the venv differs from pip's:\n{}", diff.join("\n"));
    sb.pip_ok(&ours, &["uninstall", "-y", "Edge.Pkg", "dep-lib"]);
    assert!(find_named(&ours.root, "edge.h").is_empty() && find_named(&ours.root, "dep.h").is_empty());
}
