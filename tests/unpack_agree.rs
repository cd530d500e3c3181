//! Where wheel-unpack agrees with pip on real published sets: two wheels
//! writing one launcher (fastapi and fastapi-cli both write `bin/fastapi`)
//! install with pip's winner and one warning, checked against pip itself;
//! a wheel whose RECORD lies (yggdrasil-engine, pulled in by UnleashClient)
//! installs with a warning when the index's sha256 vouches for it, and is
//! refused, naming the way out and who required it, when nothing does.

mod support;

use std::fs;

use support::*;

fn text(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The launcher's lines but its shebang (which names its own venv).
fn body(path: &std::path::Path) -> String {
    let text = fs::read_to_string(path).unwrap();
    text.lines().skip(1).collect::<Vec<_>>().join("\n")
}

#[test]
fn two_wheels_writing_one_launcher_install_pips_winner_with_one_warning() {
    let sb = Sandbox::new();
    let dir = sb.path().join("wheels");
    // As on the index: fastapi requires fastapi-cli, both have a `fastapi`
    // script, and both ship one identical file.
    let fastapi = WheelBuilder::new("fastapi", "1.0")
        .file("fastapi/__init__.py", "")
        .file("fastapi/cli.py", "def main():\n    print('fastapi.cli')\n")
        .data_file("data/share/fastapi/NOTICE", "same notice\n")
        .requires_dist("fastapi-cli>=1.0")
        .console_script("fastapi", "fastapi.cli:main")
        .build(&dir);
    let cli = WheelBuilder::new("fastapi-cli", "1.0")
        .file("fastapi_cli/__init__.py", "")
        .file("fastapi_cli/cli.py", "def main():\n    print('fastapi_cli.cli')\n")
        .data_file("data/share/fastapi/NOTICE", "same notice\n")
        .console_script("fastapi", "fastapi_cli.cli:main")
        .build(&dir);

    let by_pip = sb.venv("by-pip");
    let dir_arg = dir.to_string_lossy().into_owned();
    sb.pip_ok(&by_pip, &["install", "--no-index", "--find-links", &dir_arg, "fastapi"]);

    let venv = sb.venv("venv");
    let before = snapshot(&venv.root);
    let refused = sb.unpack(&venv).arg("--no-overwrite").args([&fastapi, &cli]).output().unwrap();
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(text(&refused).contains("bin/fastapi") && text(&refused).contains("--no-overwrite"));
    assert_same_tree(&before, &snapshot(&venv.root), "the venv after --no-overwrite refused");

    // Either order on the command line: pip's order decides (the second
    // time over what the first installed, hence --reinstall).
    for wheels in [[&fastapi, &cli], [&cli, &fastapi]] {
        let out = sb.unpack(&venv).arg("--reinstall").args(wheels).output().unwrap();
        assert!(out.status.success(), "{}", text(&out));
        let said = text(&out);
        let warnings: Vec<&str> = said.lines().filter(|l| l.contains("warning")).collect();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        let w = warnings[0];
        assert!(w.contains("fastapi-cli 1.0 and fastapi 1.0") && w.contains("bin/fastapi"), "{w}");
        assert!(!w.contains("NOTICE"), "identical contents pass in silence: {w}");
        assert_eq!(body(&venv.bin("fastapi")), body(&by_pip.bin("fastapi")), "pip's winner");
    }
    let ran = sb.command(venv.bin("fastapi")).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&ran.stdout).trim(), "fastapi.cli");
    sb.pip_ok(&venv, &["check"]);
    assert_eq!(sb.pip_list(&venv), sb.pip_list(&by_pip));
    sb.pip_ok(&venv, &["uninstall", "-y", "fastapi", "fastapi-cli"]);
    assert!(!venv.bin("fastapi").exists() && venv.dists(&sb).is_empty());
}

#[test]
fn a_wheel_whose_record_lies_installs_when_the_index_hash_vouches_for_it() {
    let sb = Sandbox::new();
    let dir = sb.path().join("wheels");
    let ygg = WheelBuilder::new("yggdrasil-engine", "2.0")
        .file("yggdrasil_engine/__init__.py", "VALUE = 'ygg'\n")
        .corrupt_record()
        .build(&dir);
    let unleash = WheelBuilder::new("UnleashClient", "5.0")
        .file("UnleashClient/__init__.py", "")
        .requires_dist("yggdrasil-engine>=2")
        .build(&dir);
    let venv = sb.venv("venv");
    let before = snapshot(&venv.root);

    // Paths alone: nothing says these are the files that were published.
    let refused = sb.unpack(&venv).args([&unleash, &ygg]).output().unwrap();
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    let why = text(&refused);
    assert!(why.contains("yggdrasil_engine/__init__.py") && why.contains("do not match"), "{why}");
    assert!(why.contains("required by UnleashClient 5.0") && why.contains("--no-verify-record"), "{why}");
    assert_same_tree(&before, &snapshot(&venv.root), "the venv after the refusal");

    // From the index, whose sha256 wheel-fetch checked: installed, with a warning.
    let server = Server::start(&[&ygg, &unleash]);
    let reqs = sb.write("requirements.txt", "UnleashClient==5.0\n");
    let run = pipeline(vec![sb.resolve(&server.url(), &venv, &[&reqs]), sb.fetch(), sb.unpack(&venv)], None);
    run.assert_success();
    assert!(run.stderr(2).contains("yggdrasil-engine 2.0: the hashes in its RECORD do not match"), "{run}");
    assert!(run.stderr(2).contains("index or lock"), "{run}");
    let import = venv.run_python(&sb, "import yggdrasil_engine; print(yggdrasil_engine.VALUE)");
    assert_eq!(String::from_utf8_lossy(&import.stdout).trim(), "ygg", "{import:?}");
    sb.pip_ok(&venv, &["check"]);
    sb.pip_ok(&venv, &["uninstall", "-y", "yggdrasil-engine"]);
    assert!(
        !venv.site_packages().join("yggdrasil_engine").exists(),
        "pip removed every file from our RECORD"
    );
}

/// A cp3(X+1) wheel in a 3.X venv is refused, as pip and uv refuse it,
/// naming its tags; `--no-tag-check` installs it all the same.
#[test]
fn a_wheel_for_another_python_is_refused_naming_its_tags() {
    let sb = Sandbox::new();
    let venv = sb.venv("venv");
    let minor = venv.run_python(&sb, "import sys; print(sys.version_info[1])");
    let minor: u32 = String::from_utf8_lossy(&minor.stdout).trim().parse().unwrap();
    let dir = sb.path().join("wheels");
    let fits =
        WheelBuilder::new("fits", "1.0").tag(&format!("cp3{minor}-none-any")).file("fits.py", "").build(&dir);
    let newer = format!("cp3{}-none-any", minor + 1);
    let later = WheelBuilder::new("later", "1.0").tag(&newer).file("later.py", "").build(&dir);
    let before = snapshot(&venv.root);

    let refused = sb.unpack(&venv).args([&fits, &later]).output().unwrap();
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    let why = text(&refused);
    assert!(
        why.contains(&format!("its tags {newer} are not supported")) && why.contains("--no-tag-check"),
        "{why}"
    );
    assert_same_tree(&before, &snapshot(&venv.root), "the venv after the refusal");

    let out = sb.unpack(&venv).arg("--no-tag-check").args([&fits, &later]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    sb.pip_ok(&venv, &["check"]);
    let dists = venv.dists(&sb);
    assert!(dists.contains_key("fits") && dists.contains_key("later"), "{dists:?}");
}

/// `cmd` run by `sh` under `umask`.
fn under_umask(sb: &Sandbox, umask: &str, cmd: &std::process::Command) -> std::process::Command {
    let mut sh = sb.command("sh");
    sh.args(["-c", &format!("umask {umask} && exec \"$0\" \"$@\"")])
        .arg(cmd.get_program())
        .args(cmd.get_args());
    sh
}

/// Every file's mode under `root` but bytecode, by path relative to it.
fn modes(root: &std::path::Path) -> std::collections::BTreeMap<String, u32> {
    use std::os::unix::fs::PermissionsExt;
    let files = walkdir::WalkDir::new(root).into_iter().flatten().filter(|e| e.file_type().is_file());
    files
        .filter(|e| !e.path().to_string_lossy().contains("__pycache__"))
        .map(|e| {
            let rel = e.path().strip_prefix(root).unwrap().to_string_lossy().into_owned();
            (rel, e.metadata().unwrap().permissions().mode() & 0o7777)
        })
        .collect()
}

/// Under umask 027 and 077 every file, executable or not, and every
/// launcher gets the mode pip gives it; a header goes to the folder named
/// as pip names it; a launcher for a venv whose path has a space is pip's
/// byte for byte.
#[test]
fn modes_headers_and_launchers_are_pips() {
    let sb = Sandbox::new();
    let dir = sb.path().join("wheels");
    let mut wheels = alpha_beta(&dir);
    // METADATA says Edge.Pkg; the file is edge_pkg-1.0-...: pip's folder is edge-pkg.
    let edge =
        WheelBuilder::new("Edge.Pkg", "1.0").file("edge.py", "").data_file("headers/edge.h", "int e;\n");
    wheels.push(edge.build(&dir));
    for umask in ["027", "077"] {
        let ours = sb.venv(&format!("our venv {umask}"));
        let by_pip = sb.venv(&format!("pip venv {umask}"));
        let mut pip = sb.command(python3());
        pip.args(["-m", "pip", "--python"]).arg(by_pip.python());
        pip.args(["--disable-pip-version-check", "install", "--no-compile", "--no-index"]).args(&wheels);
        let out = under_umask(&sb, umask, &pip).output().unwrap();
        assert!(out.status.success(), "pip: {}", text(&out));
        let mut unpack = sb.unpack(&ours);
        unpack.args(&wheels);
        let out = under_umask(&sb, umask, &unpack).output().unwrap();
        assert!(out.status.success(), "{}", text(&out));

        let (mine, pips) = (modes(&ours.root), modes(&by_pip.root));
        for (path, mode) in &pips {
            let (ours, pips) = (mine.get(path).copied().unwrap_or(0), *mode);
            assert_eq!(ours, pips, "umask {umask}: {path} (ours {ours:o}, pip's {pips:o})");
        }
        let header =
            |m: &std::collections::BTreeMap<String, u32>| m.keys().find(|k| k.ends_with("/edge.h")).cloned();
        assert!(header(&pips).is_some_and(|h| h.ends_with("/edge-pkg/edge.h")), "{pips:?}");
        assert_eq!(header(&mine), header(&pips), "the header's folder");
        // Both venv paths have a space: the /bin/sh trampoline, as pip writes it.
        let launcher = |v: &Venv| {
            fs::read_to_string(v.bin("alpha-cli"))
                .unwrap()
                .replace(&v.root.to_string_lossy().into_owned(), "VENV")
        };
        assert_eq!(launcher(&ours), launcher(&by_pip), "umask {umask}");
        assert!(launcher(&ours).starts_with("#!/bin/sh\n"));
        let ran = sb.command(ours.bin("alpha-cli")).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&ran.stdout).trim(), ALPHA_CLI_OUTPUT, "{}", text(&ran));
        sb.pip_ok(&ours, &["check"]);
        sb.pip_ok(&ours, &["uninstall", "-y", "Edge.Pkg"]);
        assert!(header(&modes(&ours.root)).is_none(), "pip uninstalls the header from our RECORD");
    }
}
