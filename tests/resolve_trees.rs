//! Project folders, git repositories and editables as requirements (issue
//! 12), end to end through `wheel-resolve | wheel-fetch | wheel-unpack`:
//! `-e ./proj` installs a PEP 660 editable whose edits python sees without a
//! reinstall, that pip lists as editable at its folder and uninstalls; a
//! plain folder installs a normal wheel with `dir_info`; `git+file://` at a
//! tag records the commit; relative paths in a requirements file start from
//! its folder; a broken project shows the backend's last lines and installs
//! nothing; an unreachable git host is one clear error. Builds use the
//! in-tree backend of `support::sources` and the real setuptools served by
//! the local index (no network).

mod support;

use std::path::Path;

use support::builds::src;
use support::sources::{git, setuptools_wheels, Project};
use support::*;
use wheelpipe::records::{ArtifactKind, Record};

fn direct_url(venv: &Venv, dist_info: &str) -> String {
    std::fs::read_to_string(venv.site_packages().join(dist_info).join("direct_url.json")).unwrap()
}

fn installed_names(run: &Run) -> Vec<String> {
    run.records()
        .into_iter()
        .filter_map(|r| match r {
            Record::Installed(i) => Some(i.name),
            _ => None,
        })
        .collect()
}

fn satisfied_names(run: &Run) -> Vec<String> {
    run.records()
        .into_iter()
        .filter_map(|r| match r {
            Record::Satisfied(s) => Some(s.name),
            _ => None,
        })
        .collect()
}

#[test]
fn an_editable_from_a_requirements_file_sees_edits_is_listed_kept_and_uninstalled_by_pip() {
    let Some(mut wheels) = setuptools_wheels(python3()) else {
        assert!(std::env::var_os("CI").is_none(), "CI must provide setuptools (see .ci/run)");
        eprintln!("skipped: no setuptools wheel on this machine (set WHEELPIPE_TEST_WHEELHOUSE)");
        return;
    };
    let sb = Sandbox::new();
    wheels.push(WheelBuilder::new("helperdep", "2.0").file("helperdep.py", "X = 2\n").build(sb.path()));
    let server = Server::start(&wheels);
    let pyproject = |version: &str| {
        format!(
            "[build-system]\nrequires = [\"setuptools>=64\"]\nbuild-backend = \"setuptools.build_meta\"\n\n\
             [project]\nname = \"edit_me\"\nversion = \"{version}\"\ndependencies = [\"helperdep>=1\"]\n"
        )
    };
    let project = Project::new(sb.path(), "edit_me", "src")
        .file("pyproject.toml", &pyproject("0.1"))
        .file("edit_me/__init__.py", "VALUE = 'before'\n");
    // Relative to the requirements file's folder, not to the working folder.
    let reqs = sb.write("reqs/requirements.txt", "-e ../edit_me-src\n");
    let venv = sb.venv("venv");
    let install = || {
        let run =
            pipeline(vec![sb.resolve(&server.url(), &venv, &[&reqs]), sb.fetch(), sb.unpack(&venv)], None);
        run.assert_success();
        run
    };
    let run = install();
    assert_eq!(installed_names(&run), ["edit-me", "helperdep"], "its dependency came from the index: {run}");
    let value = || {
        let out = venv.run_python(&sb, "import edit_me, helperdep; print(edit_me.VALUE, helperdep.X)");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(value(), "before 2");
    std::fs::write(project.root.join("edit_me/__init__.py"), "VALUE = 'after'\n").unwrap();
    assert_eq!(value(), "after 2", "the editable runs the folder's code, without a reinstall");

    let url = format!("file://{}", project.root.display());
    let want = format!("{{\"dir_info\": {{\"editable\": true}}, \"url\": \"{url}\"}}");
    assert_eq!(direct_url(&venv, "edit_me-0.1.dist-info"), want, "as pip writes it");
    assert!(venv.site_packages().join("edit_me-0.1.dist-info/REQUESTED").exists());
    let listed: serde_json::Value =
        serde_json::from_str(&sb.pip_ok(&venv, &["list", "--format=json", "-v"])).unwrap();
    let entry = listed.as_array().unwrap().iter().find(|e| e["name"] == "edit_me" || e["name"] == "edit-me");
    let entry = entry.expect("pip lists it");
    assert_eq!(entry["editable_project_location"], project.root.display().to_string(), "{listed}");

    let again = install();
    assert_eq!((installed_names(&again), satisfied_names(&again).len()), (vec![], 2), "kept: {again}");
    std::fs::write(project.root.join("pyproject.toml"), pyproject("0.2")).unwrap();
    let changed = install();
    assert_eq!(installed_names(&changed), ["edit-me"], "new metadata, installed again: {changed}");
    assert_eq!(venv.dists(&sb).get("edit_me").map(String::as_str), Some("0.2"), "{:?}", venv.dists(&sb));

    sb.pip_ok(&venv, &["uninstall", "-y", "edit_me"]);
    assert!(!venv.run_python(&sb, "import edit_me").status.success(), "gone after pip uninstall");
    assert!(!sb.pip_list(&venv).contains_key("edit_me") && !sb.pip_list(&venv).contains_key("edit-me"));
}

#[test]
fn a_plain_folder_installs_a_wheel_with_dir_info_and_the_build_gets_the_config_settings() {
    let sb = Sandbox::new();
    let server = Server::start(&[support::alpha().build(sb.path())]);
    let project = Project::tiny(&src(&sb), "plainproj", "1.5", &[]);
    let venv = sb.venv("venv");
    let rel = project.root.strip_prefix(sb.path()).unwrap();
    let arg = format!("./{}", rel.display());
    let other = Project::tiny(&src(&sb), "otherproj", "2.0", &[]);
    let resolve = sb.resolve(&server.url(), &venv, &[Path::new(&arg), &other.root]);
    let run = pipeline(vec![resolve], None);
    run.assert_success();
    let mut both = support::builds::artifacts(&run);
    assert_eq!(both.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["otherproj", "plainproj"], "{run}");
    let artifact = both.remove(1);
    assert_eq!((artifact.kind, artifact.editable, artifact.requested), (ArtifactKind::Dir, false, true));
    assert_eq!(artifact.path.as_deref(), Some(project.root.as_path()));

    let mut unpack = sb.unpack(&venv);
    unpack.args(["-C", "mode=fast"]);
    let run = pipeline(vec![sb.resolve(&server.url(), &venv, &[Path::new(&arg)]), sb.fetch(), unpack], None);
    run.assert_success();
    let url = format!("file://{}", project.root.display());
    assert_eq!(
        direct_url(&venv, "plainproj-1.5.dist-info"),
        format!("{{\"dir_info\": {{}}, \"url\": \"{url}\"}}")
    );
    let out = venv.run_python(
        &sb,
        "import plainproj, pkgutil; print(pkgutil.get_data('plainproj', 'config.json').decode())",
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), r#"{"mode": "fast"}"#, "-C reached the backend");
    assert_eq!(sb.pip_list(&venv).get("plainproj").map(String::as_str), Some("1.5"));

    // pip installs a folder again every time: its files may have changed.
    let named = format!("plainproj @ {url}");
    let run = pipeline(
        vec![
            sb.resolve_with(&venv, &["--index-url".as_ref(), server.url().as_ref(), named.as_ref()]),
            sb.fetch(),
            sb.unpack(&venv),
        ],
        None,
    );
    run.assert_success();
    assert_eq!(installed_names(&run), ["plainproj"], "{run}");
}

#[test]
fn a_git_tag_installs_that_commit_recorded_with_the_revision_and_is_kept_at_the_same_commit() {
    let sb = Sandbox::new();
    let server = Server::start(&[support::alpha().build(sb.path())]);
    let repo = sb.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    let project = Project::tiny(&repo, "gitproj", "1.0", &[]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "one"]);
    git(&repo, &["tag", "v1"]);
    let tagged = git(&repo, &["rev-parse", "v1"]);
    std::fs::write(project.root.join("gitproj/__init__.py"), "VALUE = \"2.0\"\n").unwrap();
    git(&repo, &["commit", "-q", "-am", "two"]);

    let sub = project.root.file_name().unwrap().to_str().unwrap();
    let requirement = format!("git+file://{}@v1#subdirectory={sub}", repo.display());
    let venv = sb.venv("venv");
    let install = || {
        let resolve =
            sb.resolve_with(&venv, &["--index-url".as_ref(), server.url().as_ref(), requirement.as_ref()]);
        let run = pipeline(vec![resolve, sb.fetch(), sb.unpack(&venv)], None);
        run.assert_success();
        run
    };
    let run = install();
    assert_eq!(installed_names(&run), ["gitproj"], "{run}");
    let out = venv.run_python(&sb, "import gitproj; print(gitproj.VALUE)");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1.0", "the tagged commit's code");
    let want = format!(
        "{{\"subdirectory\": \"{sub}\", \"url\": \"file://{}\", \"vcs_info\": {{\"commit_id\": \"{tagged}\", \
         \"requested_revision\": \"v1\", \"vcs\": \"git\"}}}}",
        repo.display()
    );
    assert_eq!(direct_url(&venv, "gitproj-1.0.dist-info"), want);
    let again = install();
    assert_eq!(
        (installed_names(&again), satisfied_names(&again)),
        (vec![], vec!["gitproj".to_string()]),
        "{again}"
    );
}

#[test]
fn a_broken_project_shows_the_backends_last_lines_and_installs_nothing() {
    let mut sb = Sandbox::new();
    let server = Server::start(&[support::alpha().build(sb.path()), support::beta().build(sb.path())]);
    let broken = Project::tiny(&src(&sb), "broken", "1.0", &[]);
    sb.set_env("TINY_FAIL", "broken");
    let venv = sb.venv("venv");
    let before = venv.site_snapshot();
    let reqs = sb.write("requirements.txt", &format!("alpha\n{}\n", broken.root.display()));
    let run = pipeline(vec![sb.resolve(&server.url(), &venv, &[&reqs]), sb.fetch(), sb.unpack(&venv)], None);
    assert_eq!(run.codes()[2], Some(1), "{run}");
    let err = run.stderr(2);
    assert!(err.contains("error: the compiler exploded at step 49"), "the backend's last lines: {run}");
    assert!(err.contains(&broken.root.display().to_string()), "names the folder: {err}");
    assert_same_tree(&before, &venv.site_snapshot(), "nothing installed, alpha neither");
}

#[test]
fn an_unreachable_git_host_is_one_clear_error_naming_the_url() {
    let sb = Sandbox::new();
    let server = Server::start(&[support::alpha().build(sb.path())]);
    let venv = sb.venv("venv");
    let url = "git+https://git.example/x.git";
    let run = pipeline(
        vec![sb.resolve_with(&venv, &["--index-url".as_ref(), server.url().as_ref(), url.as_ref()])],
        None,
    );
    assert_eq!(run.codes(), [Some(1)], "{run}");
    let err = run.stderr(0);
    assert!(err.contains("git clone https://git.example/x.git failed"), "{err}");
    assert_eq!(err.lines().filter(|l| l.contains("error")).count(), 1, "one error: {err}");
}

#[test]
fn no_build_isolation_reaches_both_the_metadata_and_the_install_build() {
    let sb = Sandbox::new();
    let server = Server::start(&[support::alpha().build(sb.path()), support::beta().build(sb.path())]);
    // No index has `buildhelper`: only a build in the venv itself can work.
    let project = Project::tiny(&src(&sb), "noiso", "3.0", &["buildhelper==1.0"]);
    let venv = sb.venv("venv");
    let folder = project.root.to_str().unwrap();
    let url = server.url();
    let resolve = |flags: &[&str]| {
        let mut args: Vec<&std::ffi::OsStr> =
            vec![std::ffi::OsStr::new("--index-url"), std::ffi::OsStr::new(&url)];
        args.extend(flags.iter().map(std::ffi::OsStr::new));
        args.push(std::ffi::OsStr::new(folder));
        sb.resolve_with(&venv, &args)
    };
    let isolated = pipeline(vec![resolve(&[])], None);
    assert_eq!(isolated.codes(), [Some(1)], "the isolated environment cannot be made: {isolated}");
    assert!(isolated.stderr(0).contains("buildhelper"), "{isolated}");

    let mut unpack = sb.unpack(&venv);
    unpack.arg("--no-build-isolation");
    let run = pipeline(vec![resolve(&["--no-build-isolation"]), sb.fetch(), unpack], None);
    run.assert_success();
    assert_eq!(installed_names(&run), ["noiso"], "{run}");
    assert_eq!(venv.dists(&sb).get("noiso").map(String::as_str), Some("3.0"));
}

#[test]
fn hash_checking_mode_refuses_a_folder_naming_it() {
    let sb = Sandbox::new();
    let server = Server::start(&[support::beta().build(sb.path())]);
    let project = Project::tiny(&src(&sb), "hashless", "1.0", &[]);
    let venv = sb.venv("venv");
    let reqs = sb.write("requirements.txt", &format!("--require-hashes\n{}\n", project.root.display()));
    let run = pipeline(vec![sb.resolve(&server.url(), &venv, &[&reqs])], None);
    assert_eq!(run.codes(), [Some(2)], "{run}");
    let err = run.stderr(0);
    assert!(err.contains("requirements.txt:2:") && err.contains("hash-checking mode"), "{err}");
}

#[test]
fn a_folder_builds_with_a_cache_folder_given_relative_to_the_working_folder() {
    // The backend runs in the project's folder: a build environment found
    // through a relative cache path would not be found from there.
    let sb = Sandbox::new();
    let server = Server::start(&[support::alpha().build(sb.path())]);
    let project = Project::tiny(&src(&sb), "relproj", "1.0", &[]);
    let venv = sb.venv("venv");
    let tool = |name: &str| match name {
        "resolve" => env!("CARGO_BIN_EXE_wheel-resolve"),
        "fetch" => env!("CARGO_BIN_EXE_wheel-fetch"),
        _ => env!("CARGO_BIN_EXE_wheel-unpack"),
    };
    let mut resolve = sb.command(tool("resolve"));
    resolve.args(["--cache-dir", "relcache", "--index-url", &server.url()]);
    resolve.arg("--python").arg(venv.python()).arg(&project.root);
    let mut fetch = sb.command(tool("fetch"));
    fetch.args(["--cache-dir", "relcache"]);
    let mut unpack = sb.command(tool("unpack"));
    unpack.args(["--cache-dir", "relcache", "--venv"]).arg(&venv.root);
    let run = pipeline(vec![resolve, fetch, unpack], None);
    run.assert_success();
    assert_eq!(installed_names(&run), ["relproj"], "{run}");
    assert!(sb.path().join("relcache/build-envs").is_dir(), "the cache is where the flag said");
}
