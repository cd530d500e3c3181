//! wheel-build end to end: the real binary builds fixture sources (an
//! in-tree backend through `backend-path`, the real setuptools served by a
//! local index) in build environments our own tools make, caches what it
//! built, fails cleanly (the package, the backend's last lines, exit 1, no
//! temporary folder), stops on Ctrl-C, and in a pipeline turns sdist
//! artifacts into wheel artifacts that wheel-unpack installs.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use support::sources::{setuptools_wheels, Project};
use support::{pipeline, python3, Run, Running, Sandbox, Server, WheelBuilder};
use wheelpipe::records::{Artifact, Record};

fn wheel_build(sb: &Sandbox) -> Command {
    let mut c = sb.command(env!("CARGO_BIN_EXE_wheel-build"));
    c.arg("--python").arg(python3()).arg("--cache-dir").arg(sb.cache());
    c
}

fn artifacts(run: &Run) -> Vec<Artifact> {
    run.records()
        .into_iter()
        .filter_map(|r| match r {
            Record::Artifact(a) => Some(a),
            _ => None,
        })
        .collect()
}

fn end_ok(run: &Run) -> bool {
    run.records().iter().any(|r| matches!(r, Record::End(e) if e.ok))
}

/// What the cache's folder for files being written holds, empty folders
/// (wheel-unpack keeps its own) aside.
fn temp_leftovers(sb: &Sandbox) -> Vec<PathBuf> {
    let entries = std::fs::read_dir(sb.cache().join("tmp")).map(|d| d.flatten().map(|e| e.path()).collect());
    let empty = |p: &PathBuf| std::fs::read_dir(p).is_ok_and(|mut d| d.next().is_none());
    entries.unwrap_or_else(|_| Vec::new()).into_iter().filter(|p| !empty(p)).collect()
}

/// The build environments in the cache.
fn build_envs(sb: &Sandbox) -> Vec<PathBuf> {
    let root = sb.cache().join("build-envs/v1");
    std::fs::read_dir(&root)
        .map(|d| {
            d.flatten()
                .flat_map(|e| std::fs::read_dir(e.path()).unwrap().flatten().map(|e| e.path()))
                .collect()
        })
        .unwrap_or_default()
}

fn zip_text(wheel: &Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(wheel).unwrap()).unwrap();
    std::io::read_to_string(zip.by_name(name).unwrap()).unwrap()
}

fn src(sb: &Sandbox) -> PathBuf {
    sb.path().join("src")
}

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
        [
            ("tiny_a", "1.0", "tiny_a-1.0-py3-none-any.whl"),
            ("tiny_b", "2.0", "tiny_b-2.0-py3-none-any.whl"),
            ("tiny_c", "3.0", "tiny_c-3.0-py3-none-any.whl")
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

/// The artifact record wheel-fetch writes for a downloaded sdist.
fn sdist_artifact(path: &Path, name: &str, version: &str) -> String {
    let filename = path.file_name().unwrap().to_str().unwrap().to_string();
    let mut a = Artifact::new(
        name.into(),
        version.into(),
        filename.clone(),
        format!("http://127.0.0.1:9/files/{filename}"),
    );
    a.hashes.insert("sha256".into(), wheelpipe::hash::sha256_hex(&std::fs::read(path).unwrap()));
    a.path = Some(path.to_path_buf());
    a.kind = wheelpipe::records::ArtifactKind::Sdist;
    a.requested = false;
    Record::Artifact(a).to_line()
}

#[test]
fn in_a_pipeline_sdist_artifacts_become_wheel_artifacts_and_the_rest_passes_through() {
    let sb = Sandbox::new();
    let wheel = support::alpha().build(sb.path());
    let beta = support::beta().build(sb.path());
    let wheel_lines: Vec<String> =
        [&wheel, &beta].iter().map(|w| Record::Artifact(support::artifact_for(w)).to_line()).collect();
    let sdist = Project::tiny(&src(&sb), "tiny_src", "0.5", &[]).sdist(sb.path());
    let future = r#"{"type":"future","x":[1,2]}"#;
    let end = r#"{"type":"end","tool":"wheel-fetch","ok":true,"count":3,"protocol":1}"#;
    let input = format!(
        "{}\n{future}\n{}\n{}\n{end}\n",
        wheel_lines[0],
        sdist_artifact(&sdist, "Tiny_Src", "0.5"),
        wheel_lines[1]
    );

    let run = pipeline(vec![wheel_build(&sb)], Some(input.clone().into_bytes()));
    run.assert_success();
    let lines: Vec<&str> = run.stdout.lines().collect();
    for passed in [wheel_lines[0].as_str(), future, wheel_lines[1].as_str()] {
        assert!(lines.contains(&passed), "passed on byte for byte: {passed}\n{run}");
    }
    let built: Vec<Artifact> = lines
        .iter()
        .filter(|l| l.contains("tiny_src-0.5-py3-none-any.whl"))
        .map(|l| match support::parse_records(l).remove(0) {
            Record::Artifact(a) => a,
            other => panic!("not an artifact: {other:?}"),
        })
        .collect();
    assert_eq!(built.len(), 1, "{run}");
    let built = &built[0];
    assert_eq!((built.name.as_str(), built.version.as_str(), built.requested), ("Tiny_Src", "0.5", false));
    assert!(built.kind.is_wheel() && !built.is_sdist() && built.path.as_ref().unwrap().is_file());
    assert_eq!(
        lines.last().unwrap(),
        &r#"{"type":"end","tool":"wheel-build","ok":true,"count":1,"protocol":1}"#
    );
    let last_progress = run.records_lenient().into_iter().rev().find_map(|r| match r {
        Record::Progress(p) if p.tool == "wheel-build" => Some(p),
        _ => None,
    });
    let last_progress = last_progress.expect("a stage in a pipeline reports its builds");
    assert_eq!((last_progress.done, last_progress.total, last_progress.finished), (1, Some(1), true));

    let venv = sb.venv("venv");
    let run = pipeline(vec![wheel_build(&sb), sb.unpack(&venv)], Some(input.into_bytes()));
    run.assert_success();
    let dists = venv.dists(&sb);
    assert_eq!(dists.get("tiny_src").map(String::as_str), Some("0.5"), "{dists:?}");
    assert_eq!(dists.get("alpha").map(String::as_str), Some("1.0"), "{dists:?}");
    let out = venv.run_python(&sb, "import tiny_src; print(tiny_src.VALUE)");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0.5");
}

#[test]
fn an_sdist_artifact_without_path_or_an_input_cut_short_fails() {
    let sb = Sandbox::new();
    let sdist = Project::tiny(&src(&sb), "tiny_src", "0.5", &[]).sdist(sb.path());
    let line = sdist_artifact(&sdist, "tiny_src", "0.5")
        .replace(&format!(",\"path\":{:?}", sdist.to_str().unwrap()), "");
    assert!(!line.contains("\"path\""), "{line}");
    let end = r#"{"type":"end","tool":"wheel-fetch","ok":true,"count":1,"protocol":1}"#;
    let run = pipeline(vec![wheel_build(&sb)], Some(format!("{line}\n{end}\n").into_bytes()));
    assert_eq!(run.codes(), [Some(1)], "{run}");
    assert!(
        run.stderr(0).contains("tiny_src 0.5")
            && run.stderr(0).contains("put wheel-fetch before wheel-build"),
        "{run}"
    );

    let good = sdist_artifact(&sdist, "tiny_src", "0.5");
    let run = pipeline(vec![wheel_build(&sb)], Some(format!("{good}\n").into_bytes()));
    assert_eq!(run.codes(), [Some(1)], "an input without `end` fails: {run}");
    assert!(run.records().iter().any(|r| matches!(r, Record::End(e) if !e.ok)), "{run}");
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
fn wheel_unpack_builds_the_sdists_of_the_plain_pipeline_or_installs_nothing() {
    let mut sb = Sandbox::new();
    sb.set_env("TINY_FAIL", "broken");
    let wheels = [support::alpha().build(sb.path()), support::beta().build(sb.path())];
    let wheel_lines: Vec<String> =
        wheels.iter().map(|w| Record::Artifact(support::artifact_for(w)).to_line()).collect();
    let good = Project::tiny(&src(&sb), "tiny_src", "0.5", &[]).sdist(sb.path());
    let broken = Project::tiny(&src(&sb), "broken", "2.0", &[]).sdist(sb.path());
    let end = r#"{"type":"end","tool":"wheel-fetch","ok":true,"count":3,"protocol":1}"#;
    let stream =
        |sdist_line: String| format!("{}\n{sdist_line}\n{}\n{end}\n", wheel_lines[0], wheel_lines[1]);
    let venv = sb.venv("venv");
    let before = support::snapshot(&venv.root);

    let run =
        pipeline(vec![sb.unpack(&venv)], Some(stream(sdist_artifact(&broken, "broken", "2.0")).into_bytes()));
    assert_eq!(run.codes(), [Some(1)], "{run}");
    assert!(run.stderr(0).contains("broken 2.0") && run.stderr(0).contains("the compiler exploded"), "{run}");
    support::assert_same_tree(&before, &support::snapshot(&venv.root), "a failed build installs nothing");
    assert!(temp_leftovers(&sb).is_empty(), "left behind: {:?}", temp_leftovers(&sb));

    let run =
        pipeline(vec![sb.unpack(&venv)], Some(stream(sdist_artifact(&good, "tiny_src", "0.5")).into_bytes()));
    run.assert_success();
    let mut listed: Vec<(String, String)> = sb.pip_list(&venv).into_iter().collect();
    listed.sort();
    let want =
        [("alpha", "1.0"), ("beta", "2.0"), ("tiny_src", "0.5")].map(|(n, v)| (n.to_string(), v.to_string()));
    assert_eq!(listed, want);
    sb.pip_ok(&venv, &["check"]);
}

#[test]
fn wheel_fetch_downloads_an_sdist_artifact_and_wheel_unpack_builds_it() {
    let sb = Sandbox::new();
    let sdist = Project::tiny(&src(&sb), "tiny_src", "0.5", &[]).sdist(sb.path());
    let mut line: Artifact =
        match support::parse_records(&sdist_artifact(&sdist, "tiny_src", "0.5")).remove(0) {
            Record::Artifact(a) => a,
            other => panic!("{other:?}"),
        };
    (line.path, line.url) = (None, url::Url::from_file_path(&sdist).unwrap().to_string());
    let end = r#"{"type":"end","tool":"wheel-resolve","ok":true,"count":1,"protocol":1}"#;
    let input = format!("{}\n{end}\n", Record::Artifact(line).to_line());
    let venv = sb.venv("venv");
    let run = pipeline(vec![sb.fetch(), sb.unpack(&venv)], Some(input.into_bytes()));
    run.assert_success();
    assert_eq!(venv.dists(&sb).get("tiny_src").map(String::as_str), Some("0.5"));
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

/// Build settings for calling the library from the test itself (no build
/// requires, so no tool runs with the test's own environment).
fn library_settings(sb: &Sandbox) -> wheelpipe::build::Settings {
    let cache = wheelpipe::cache::Cache::at(sb.cache()).unwrap();
    let interpreter = wheelpipe::interpreter::Interpreter::query(python3(), Some(&cache)).unwrap();
    let tools = Path::new(env!("CARGO_BIN_EXE_wheel-resolve")).parent().unwrap().to_path_buf();
    let envs =
        wheelpipe::build::EnvMaker { cache: cache.clone(), tools, index_args: Vec::new(), echo: false };
    wheelpipe::build::Settings {
        interpreter,
        cache,
        isolation: true,
        config: Default::default(),
        envs,
        echo: false,
    }
}

#[test]
fn sdist_metadata_comes_from_static_pkg_info_else_the_prepare_hook_else_a_build() {
    use wheelpipe::build::{metadata::From, metadata_of, Source};
    let sb = Sandbox::new();
    let settings = library_settings(&sb);
    let pkg_info = |dynamic: &str| {
        format!("Metadata-Version: 2.2\nName: meta_pkg\nVersion: 1.0\nRequires-Dist: six>=1\n{dynamic}")
    };
    let fixed =
        Project::tiny(&src(&sb), "meta_pkg", "1.0", &[]).file("PKG-INFO", &pkg_info("")).sdist(sb.path());
    let (meta, from) = metadata_of(&settings, &Source::Sdist(fixed)).unwrap();
    assert_eq!(
        (meta.name.as_str(), meta.requires_dist.clone(), from),
        ("meta_pkg", vec!["six>=1".to_string()], From::PkgInfo)
    );

    let dir = sb.path().join("dynamic");
    let dynamic = Project::tiny(&dir, "meta_pkg", "1.0", &[])
        .file("PKG-INFO", &pkg_info("Dynamic: Requires-Dist\n"))
        .sdist(sb.path());
    let (meta, from) = metadata_of(&settings, &Source::Sdist(dynamic)).unwrap();
    assert_eq!((meta.version.as_str(), meta.requires_dist.len(), from), ("1.0", 0, From::PrepareHook));

    let no_hook = Project::tiny(&src(&sb), "hookless", "2.0", &[]);
    let backend = no_hook.root.join("_backend/tinybackend.py");
    let text = std::fs::read_to_string(&backend).unwrap() + "\ndel prepare_metadata_for_build_wheel\n";
    std::fs::write(&backend, text).unwrap();
    let (meta, from) = metadata_of(&settings, &Source::Tree(no_hook.root.clone())).unwrap();
    assert_eq!((meta.name.as_str(), meta.version.as_str(), from), ("hookless", "2.0", From::BuiltWheel));
    assert!(temp_leftovers(&sb).is_empty(), "left behind: {:?}", temp_leftovers(&sb));
}
