//! wheel-build on its own, end to end: the real binary builds fixture
//! sources (an in-tree backend through `backend-path`, the real setuptools
//! served by a local index) in build environments our own tools make,
//! caches what it built, fails cleanly (the package, the backend's last
//! lines, exit 1, no temporary folder) and stops on Ctrl-C.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use support::builds::{artifacts, build_envs, end_ok, src, temp_leftovers, wheel_build, zip_text};
use support::sources::{setuptools_wheels, Project};
use support::{pipeline, python3, Running, Sandbox, Server, WheelBuilder};
use wheelpipe::records::{Artifact, Record};

#[test]
fn an_in_tree_backend_builds_a_folder_and_both_sdist_formats_with_config_settings() {
    let sb = Sandbox::new();
    let folder = Project::tiny(&src(&sb), "tiny_a", "1.0", &[]);
    let tar_gz = Project::tiny(&src(&sb), "tiny_b", "2.0", &[]).sdist(sb.path());
    let zip = Project::tiny(&src(&sb), "tiny_c", "3.0", &[]).sdist_zip(sb.path());
    let dest = sb.path().join("out");
    let mut cmd = wheel_build(&sb);
    cmd.args(["-C", "mode=fast", "-C", "flag=a", "--config-settings", "flag=b", "--dest"]).arg(&dest);
    cmd.arg(&folder.root).arg(&tar_gz).arg(&zip);
    let run = pipeline(vec![cmd], None);
    run.assert_success();
    assert!(end_ok(&run), "{run}");
    let mut got = artifacts(&run);
    got.sort_by(|a, b| a.name.cmp(&b.name));
    let names: Vec<_> =
        got.iter().map(|a| (a.name.as_str(), a.version.as_str(), a.filename.as_str())).collect();
    assert_eq!(
        names,
        // Records spell names normalized (PROTOCOL.md).
        [
            ("tiny-a", "1.0", "tiny_a-1.0-py3-none-any.whl"),
            ("tiny-b", "2.0", "tiny_b-2.0-py3-none-any.whl"),
            ("tiny-c", "3.0", "tiny_c-3.0-py3-none-any.whl")
        ]
    );
    for a in &got {
        let path = a.path.as_ref().unwrap();
        assert_eq!(path.parent().unwrap(), dest, "the record names the copy in --dest");
        assert_eq!(a.sha256().unwrap(), wheelpipe::hash::sha256_hex(&std::fs::read(path).unwrap()));
        assert!(a.url.starts_with("file:///") && a.requested);
    }
    let config = zip_text(got[0].path.as_ref().unwrap(), "tiny_a/config.json");
    assert_eq!(config, r#"{"flag": ["a", "b"], "mode": "fast"}"#);
    assert!(temp_leftovers(&sb).is_empty(), "left behind: {:?}", temp_leftovers(&sb));
}

#[test]
fn the_build_environment_is_reused_and_a_built_wheel_is_not_built_again() {
    let mut sb = Sandbox::new();
    let helper = WheelBuilder::new("buildhelper", "1.0").file("buildhelper.py", "X = 1\n").build(sb.path());
    let server = Server::start(&[helper]);
    let log = sb.path().join("builds.log");
    sb.set_env("TINY_LOG", log.to_str().unwrap());
    sb.set_env("TINY_IMPORT", "buildhelper");
    let one = Project::tiny(&src(&sb), "one", "1.0", &["buildhelper==1.0"]).sdist(sb.path());
    let two = Project::tiny(&src(&sb), "two", "1.0", &["buildhelper==1.0"]).sdist(sb.path());
    let build = |sdist: &Path| {
        let mut cmd = wheel_build(&sb);
        cmd.arg("--index-url").arg(server.url()).arg(sdist);
        let run = pipeline(vec![cmd], None);
        run.assert_success();
        artifacts(&run).remove(0)
    };
    let first = build(&one);
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "one 1.0\n");
    let envs = build_envs(&sb);
    assert_eq!(envs.len(), 1, "one environment for one requires set: {envs:?}");
    let ready =
        std::fs::read_dir(&envs[0]).unwrap().flatten().find(|e| e.file_name() == "wheelpipe-build-env.txt");
    let made = ready.expect("a finished environment is marked").metadata().unwrap().modified().unwrap();
    assert!(!server.file_requests().is_empty(), "the requires came from the index");

    server.clear_log();
    let again = build(&one);
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "one 1.0\n",
        "the second build of one sdist builds nothing"
    );
    assert_eq!((again.sha256(), again.path.clone()), (first.sha256(), first.path.clone()));

    let other = build(&two);
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "one 1.0\ntwo 1.0\n");
    assert_eq!(other.name, "two");
    assert!(
        server.requests().is_empty(),
        "the environment was reused, not made again: {:?}",
        server.requests()
    );
    assert_eq!(build_envs(&sb), envs);
    let ready = envs[0].join("wheelpipe-build-env.txt");
    assert_eq!(ready.metadata().unwrap().modified().unwrap(), made);
    assert!(temp_leftovers(&sb).is_empty(), "left behind: {:?}", temp_leftovers(&sb));
}

#[test]
fn a_failing_build_names_the_package_shows_the_last_lines_and_leaves_nothing() {
    let mut sb = Sandbox::new();
    sb.set_env("TINY_FAIL", "broken");
    let broken = Project::tiny(&src(&sb), "broken", "2.0", &[]).sdist(sb.path());
    let good = Project::tiny(&src(&sb), "good", "1.0", &[]).sdist(sb.path());
    let mut cmd = wheel_build(&sb);
    cmd.arg(&broken).arg(&good);
    let run = pipeline(vec![cmd], None);
    assert_eq!(run.codes(), [Some(1)], "{run}");
    let stderr = run.stderr(0);
    assert!(stderr.contains("wheel-build: error: broken 2.0: "), "{stderr}");
    assert!(stderr.contains("the compiler exploded at step 49"), "{stderr}");
    assert!(stderr.contains("tinybackend: step 48") && !stderr.contains("tinybackend: step 3\n"), "{stderr}");
    let names: Vec<String> = artifacts(&run).into_iter().map(|a| a.name).collect();
    assert_eq!(names, ["good"], "the other source is still built");
    assert!(run.records().iter().any(|r| matches!(r, Record::End(e) if !e.ok)), "{run}");
    assert!(temp_leftovers(&sb).is_empty(), "left behind: {:?}", temp_leftovers(&sb));
}

#[test]
fn a_backend_exiting_with_a_message_shows_the_message_not_a_traceback() {
    let mut sb = Sandbox::new();
    sb.set_env("TINY_EXIT", "needy");
    let sdist = Project::tiny(&src(&sb), "needy", "1.0", &[]).sdist(sb.path());
    let mut cmd = wheel_build(&sb);
    cmd.arg(&sdist);
    let run = pipeline(vec![cmd], None);
    assert_eq!(run.codes(), [Some(1)], "{run}");
    let stderr = run.stderr(0);
    assert!(
        stderr.contains("wheel-build: error: needy 1.0: build_wheel failed (backend tinybackend)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: cannot find libfoo for needy") && !stderr.contains("Traceback"),
        "{stderr}"
    );
}

#[test]
fn ctrl_c_stops_the_backend_and_exits_130() {
    let mut sb = Sandbox::new();
    let pid_file = sb.path().join("backend.pid");
    sb.set_env("TINY_HANG", pid_file.to_str().unwrap());
    let sdist = Project::tiny(&src(&sb), "slow", "1.0", &[]).sdist(sb.path());
    let mut cmd = wheel_build(&sb);
    cmd.arg(&sdist);
    let running = Running::spawn(vec![cmd], None);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !pid_file.exists() {
        assert!(Instant::now() < deadline, "the backend never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let backend: i32 = std::fs::read_to_string(&pid_file).unwrap().trim().parse().unwrap();
    let pid = nix::unistd::Pid::from_raw(running.pids()[0] as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let run = running.wait();
    assert_eq!(run.codes(), [Some(130)], "{run}");
    assert!(!Path::new(&format!("/proc/{backend}")).exists(), "the backend {backend} still runs");
    assert!(temp_leftovers(&sb).is_empty(), "left behind: {:?}", temp_leftovers(&sb));
}

#[test]
fn ctrl_c_while_the_environment_is_made_stops_our_tools_and_removes_it() {
    let sb = Sandbox::new();
    let helper = WheelBuilder::new("buildhelper", "1.0").file("buildhelper.py", "X = 1\n").build(sb.path());
    let server = Server::start(&[helper]);
    server.faults().stall_ms = 30_000;
    let sdist = Project::tiny(&src(&sb), "stuck", "1.0", &["buildhelper==1.0"]).sdist(sb.path());
    let mut cmd = wheel_build(&sb);
    cmd.arg("--index-url").arg(server.url()).arg(&sdist);
    let running = Running::spawn(vec![cmd], None);
    // The environment's venv exists and wheel-resolve waits on the index.
    let deadline = Instant::now() + Duration::from_secs(60);
    while server.arrived() == 0 {
        assert!(Instant::now() < deadline, "wheel-resolve never asked the index");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(build_envs(&sb).len(), 1);
    let pid = nix::unistd::Pid::from_raw(running.pids()[0] as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let run = running.wait();
    assert_eq!(run.codes(), [Some(130)], "{run}");
    assert!(build_envs(&sb).is_empty(), "the half-made environment is removed: {:?}", build_envs(&sb));
    assert!(temp_leftovers(&sb).is_empty(), "left behind: {:?}", temp_leftovers(&sb));
    let tools = std::process::Command::new("pgrep").args(["-f", &sb.cache().display().to_string()]).output();
    if let Ok(out) = tools {
        assert!(
            out.stdout.is_empty(),
            "tools of the environment still run: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[test]
fn setuptools_builds_legacy_and_pyproject_sdists_that_install_as_pip_sees_them() {
    let Some(wheels) = setuptools_wheels(python3()) else {
        assert!(std::env::var_os("CI").is_none(), "CI must provide setuptools (see .ci/run)");
        eprintln!("skipped: no setuptools wheel on this machine (set WHEELPIPE_TEST_WHEELHOUSE)");
        return;
    };
    let sb = Sandbox::new();
    let server = Server::start(&wheels);
    let legacy = Project::new(&src(&sb), "legacy_pkg", "0.3")
        .file("setup.py", "from setuptools import setup\nsetup(name='legacy_pkg', version='0.3', packages=['legacy_pkg'])\n")
        .file("legacy_pkg/__init__.py", "VALUE = 'legacy'\n")
        .sdist(sb.path());
    let modern = Project::new(&src(&sb), "modern_pkg", "1.2")
        .file(
            "pyproject.toml",
            "[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n\n\
             [project]\nname = \"modern_pkg\"\nversion = \"1.2\"\n",
        )
        .file("modern_pkg/__init__.py", "VALUE = 'modern'\n")
        .sdist(sb.path());
    let venv = sb.venv("venv");
    let mut build = wheel_build(&sb);
    build.arg("--index-url").arg(server.url()).arg(&legacy).arg(&modern);
    let run = pipeline(vec![build, sb.unpack(&venv)], None);
    run.assert_success();
    let installed: Vec<(String, String)> = run
        .records()
        .into_iter()
        .filter_map(|r| match r {
            Record::Installed(i) => Some((wheelpipe::names::normalize(&i.name), i.version)),
            _ => None,
        })
        .collect();
    let listed: Vec<(String, String)> =
        sb.pip_list(&venv).into_iter().map(|(n, v)| (wheelpipe::names::normalize(&n), v)).collect();
    let mut want = installed.clone();
    want.sort();
    assert_eq!(
        want,
        [("legacy-pkg".to_string(), "0.3".to_string()), ("modern-pkg".to_string(), "1.2".to_string())]
    );
    assert_eq!(listed, want, "pip list agrees with what wheel-unpack installed");
    sb.pip_ok(&venv, &["check"]);
    let out =
        venv.run_python(&sb, "import legacy_pkg, modern_pkg; print(legacy_pkg.VALUE, modern_pkg.VALUE)");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "legacy modern");
    assert!(temp_leftovers(&sb).is_empty(), "left behind: {:?}", temp_leftovers(&sb));
}

#[test]
fn without_isolation_the_target_environment_builds_and_no_environment_is_made() {
    let mut sb = Sandbox::new();
    let helper = WheelBuilder::new("buildhelper", "1.0").file("buildhelper.py", "X = 1\n").build(sb.path());
    let venv = sb.venv("target");
    let run = pipeline(vec![sb.unpack(&venv)], Some(format!("{}\n", helper.display()).into_bytes()));
    run.assert_success();
    sb.set_env("TINY_IMPORT", "buildhelper");
    let sdist = Project::tiny(&src(&sb), "plain", "1.0", &["buildhelper==1.0"]).sdist(sb.path());
    let mut cmd = sb.command(env!("CARGO_BIN_EXE_wheel-build"));
    cmd.arg("--python").arg(venv.python()).arg("--no-build-isolation").arg(&sdist);
    let run = pipeline(vec![cmd], None);
    run.assert_success();
    assert_eq!(artifacts(&run)[0].filename, "plain-1.0-py3-none-any.whl");
    assert!(build_envs(&sb).is_empty(), "{:?}", build_envs(&sb));

    // The same sdist with isolation needs the requires from an index, which
    // there is none of: the error names the environment it could not make.
    let mut cmd = sb.command(env!("CARGO_BIN_EXE_wheel-build"));
    cmd.arg("--python")
        .arg(venv.python())
        .args(["--no-index", "--find-links"])
        .arg(sb.path().join("nowhere"))
        .arg(&sdist);
    let run = pipeline(vec![cmd], None);
    assert_eq!(run.codes(), [Some(1)], "{run}");
    assert!(
        run.stderr(0).contains("plain 1.0: cannot make the build environment for [buildhelper==1.0]"),
        "{run}"
    );
    assert!(build_envs(&sb).is_empty(), "a failed environment is removed: {:?}", build_envs(&sb));
}

#[test]
fn two_runs_at_once_make_one_environment() {
    let mut sb = Sandbox::new();
    let helper = WheelBuilder::new("buildhelper", "1.0").file("buildhelper.py", "X = 1\n").build(sb.path());
    let server = Server::start(&[helper]);
    sb.set_env("TINY_IMPORT", "buildhelper");
    let runs: Vec<Running> = ["left", "right"]
        .iter()
        .map(|name| {
            let sdist = Project::tiny(&src(&sb), name, "1.0", &["buildhelper==1.0"]).sdist(sb.path());
            let mut cmd = wheel_build(&sb);
            cmd.arg("--index-url").arg(server.url()).arg(sdist);
            Running::spawn(vec![cmd], None)
        })
        .collect();
    for running in runs {
        let run = running.wait();
        run.assert_success();
        assert_eq!(artifacts(&run).len(), 1, "{run}");
    }
    assert_eq!(build_envs(&sb).len(), 1, "{:?}", build_envs(&sb));
    let pages = server.requests().iter().filter(|r| r.path.starts_with("/simple/buildhelper")).count();
    assert_eq!(pages, 1, "the environment was made once: {:?}", server.requests());
}

#[test]
fn an_editable_setuptools_build_reflects_source_edits_without_reinstall() {
    let Some(wheels) = setuptools_wheels(python3()) else {
        assert!(std::env::var_os("CI").is_none(), "CI must provide setuptools (see .ci/run)");
        eprintln!("skipped: no setuptools wheel on this machine (set WHEELPIPE_TEST_WHEELHOUSE)");
        return;
    };
    let sb = Sandbox::new();
    let server = Server::start(&wheels);
    let project = Project::new(&src(&sb), "edit_me", "0.1")
        .file(
            "pyproject.toml",
            "[build-system]\nrequires = [\"setuptools>=64\"]\nbuild-backend = \"setuptools.build_meta\"\n\n\
             [project]\nname = \"edit_me\"\nversion = \"0.1\"\n",
        )
        .file("edit_me/__init__.py", "VALUE = 'before'\n");
    let venv = sb.venv("venv");
    let mut build = wheel_build(&sb);
    build.arg("--index-url").arg(server.url()).arg("--editable").arg(&project.root);
    let run = pipeline(vec![build, sb.unpack(&venv)], None);
    run.assert_success();
    let value = || {
        let out = venv.run_python(&sb, "import edit_me; print(edit_me.VALUE)");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(value(), "before");
    std::fs::write(project.root.join("edit_me/__init__.py"), "VALUE = 'after'\n").unwrap();
    assert_eq!(value(), "after", "the editable install runs the source folder's code");
}

#[test]
fn verbose_shows_the_backend_output_and_a_wheel_path_becomes_its_artifact() {
    let sb = Sandbox::new();
    let folder = Project::tiny(&src(&sb), "loud", "1.0", &[]);
    let wheel = support::beta().build(sb.path());
    let mut cmd = wheel_build(&sb);
    cmd.arg(&folder.root).arg(&wheel);
    let quiet = pipeline(vec![cmd], None);
    quiet.assert_success();
    assert!(!quiet.stderr(0).contains("tinybackend: building loud 1.0"), "{quiet}");
    let mut by_name: Vec<Artifact> = artifacts(&quiet);
    by_name.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(by_name[0].path.as_deref(), Some(wheel.as_path()), "a wheel is passed on in place");
    assert_eq!(by_name[0].sha256().unwrap(), wheelpipe::hash::sha256_hex(&std::fs::read(&wheel).unwrap()));

    let mut cmd = wheel_build(&sb);
    cmd.arg("--verbose").arg(&folder.root);
    let loud = pipeline(vec![cmd], None);
    loud.assert_success();
    assert!(loud.stderr(0).contains("tinybackend: building loud 1.0"), "{loud}");
}

#[test]
fn flit_core_hatchling_pdm_and_poetry_projects_build_install_and_import() {
    let wheels = support::sources::wheelhouse();
    let has =
        |project: &str| wheels.iter().any(|w| w.file_name().unwrap().to_string_lossy().starts_with(project));
    if !["flit_core-", "hatchling-", "pdm_backend-", "poetry_core-"].iter().all(|p| has(p)) {
        assert!(std::env::var_os("CI").is_none(), "CI must provide the backends' wheels (see .ci/run)");
        eprintln!("skipped: a backend's wheel is missing from the test wheelhouse");
        return;
    }
    let sb = Sandbox::new();
    let server = Server::start(&wheels);
    let project = |name: &str, requires: &str, backend: &str| {
        Project::new(&src(&sb), name, "0.7")
            .file(
                "pyproject.toml",
                &format!(
                    "[build-system]\nrequires = [\"{requires}\"]\nbuild-backend = \"{backend}\"\n\n\
                     [project]\nname = \"{name}\"\nversion = \"0.7\"\ndescription = \"a fixture\"\n"
                ),
            )
            .file(&format!("{name}/__init__.py"), &format!("\"\"\"{name}\"\"\"\nVALUE = '{name}'\n"))
            .sdist(sb.path())
    };
    let sdists = [
        project("flitpkg", "flit_core>=3.2,<5", "flit_core.buildapi"),
        project("hatchpkg", "hatchling", "hatchling.build"),
        project("pdmpkg", "pdm-backend", "pdm.backend"),
        project("poetrypkg", "poetry-core>=2", "poetry.core.masonry.api"),
    ];
    let venv = sb.venv("venv");
    let mut build = wheel_build(&sb);
    build.arg("--index-url").arg(server.url()).args(&sdists);
    let run = pipeline(vec![build, sb.unpack(&venv)], None);
    run.assert_success();
    let code = "import flitpkg, hatchpkg, pdmpkg, poetrypkg as p; \
                print(flitpkg.VALUE, hatchpkg.VALUE, pdmpkg.VALUE, p.VALUE)";
    let out = venv.run_python(&sb, code);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "flitpkg hatchpkg pdmpkg poetrypkg", "{out:?}");
    let listed = sb.pip_list(&venv);
    for name in ["flitpkg", "hatchpkg", "pdmpkg", "poetrypkg"] {
        assert_eq!(listed.get(name).map(String::as_str), Some("0.7"), "{listed:?}");
    }
    assert_eq!(build_envs(&sb).len(), 4, "one environment per requires set");
}

#[test]
fn a_c_extension_builds_for_the_target_interpreter_and_imports() {
    let Some(wheels) = setuptools_wheels(python3()) else {
        assert!(std::env::var_os("CI").is_none(), "CI must provide setuptools (see .ci/run)");
        eprintln!("skipped: no setuptools wheel on this machine (set WHEELPIPE_TEST_WHEELHOUSE)");
        return;
    };
    let sb = Sandbox::new();
    let server = Server::start(&wheels);
    let c_source = r#"#include <Python.h>
static PyObject *twice(PyObject *self, PyObject *arg) {
    long n = PyLong_AsLong(arg);
    if (n == -1 && PyErr_Occurred()) return NULL;
    return PyLong_FromLong(2 * n);
}
static PyMethodDef methods[] = {{"twice", twice, METH_O, "2n"}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_speed", NULL, -1, methods};
PyMODINIT_FUNC PyInit__speed(void) { return PyModule_Create(&module); }
"#;
    let sdist = Project::new(&src(&sb), "cext", "1.0")
        .file(
            "setup.py",
            "from setuptools import setup, Extension\n\
             setup(name='cext', version='1.0', packages=['cext'],\n\
             \x20     ext_modules=[Extension('cext._speed', ['cext/speed.c'])])\n",
        )
        .file("cext/__init__.py", "from ._speed import twice\n")
        .file("cext/speed.c", c_source)
        .sdist(sb.path());
    let venv = sb.venv("venv");
    let mut build = wheel_build(&sb);
    build.arg("--index-url").arg(server.url()).arg(&sdist);
    let run = pipeline(vec![build], None);
    run.assert_success();
    let wheel = artifacts(&run).remove(0);
    let tag = venv.run_python(&sb, "import sys; print('cp%d%d' % sys.version_info[:2])");
    let tag = String::from_utf8_lossy(&tag.stdout).trim().to_string();
    assert!(
        wheel.filename.starts_with(&format!("cext-1.0-{tag}-{tag}")),
        "a wheel for the target: {}",
        wheel.filename
    );
    let run =
        pipeline(vec![sb.unpack(&venv)], Some(format!("{}\n", wheel.path.unwrap().display()).into_bytes()));
    run.assert_success();
    let out = venv.run_python(&sb, "import cext; print(cext.twice(21))");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "42", "{out:?}");
}
