//! Editable git requirements in pip's src folder (issue 12), end to end
//! through `wheel-resolve | wheel-fetch | wheel-unpack` with the real
//! setuptools served by the local index and git repositories the tests make:
//! `-e git+file://REPO@rev#egg=name&subdirectory=sub` is cloned to
//! `<venv>/src/<name>` (the repository as origin), installed from there as
//! pip does (pip lists it there, its direct_url.json says so), survives
//! `wheel-cache clean`, sees edits without a reinstall, is a no-op the
//! second time, moves to another revision, never over uncommitted changes;
//! `--src` puts it elsewhere; a failed run leaves no clone; pip uninstall
//! and wheel-remove leave the folder.

mod support;

use std::path::PathBuf;

use support::sources::{git, setuptools_wheels, Project};
use support::*;
use wheelpipe::records::Record;

fn names(run: &Run, installed: bool) -> Vec<String> {
    run.records()
        .into_iter()
        .filter_map(|r| match r {
            Record::Installed(i) if installed => Some(i.name),
            Record::Satisfied(s) if !installed => Some(s.name),
            _ => None,
        })
        .collect()
}

/// A served index with setuptools, a repository whose project `Git_Edit`
/// lives in `py/` (tag `v1`: VALUE one; `main`: VALUE two), or `None`
/// when this machine has no setuptools wheel.
struct Case {
    sb: Sandbox,
    server: Server,
    repo: PathBuf,
    v1: String,
    main: String,
}

fn case() -> Option<Case> {
    let Some(wheels) = setuptools_wheels(python3()) else {
        assert!(std::env::var_os("CI").is_none(), "CI must provide setuptools (see .ci/run)");
        eprintln!("skipped: no setuptools wheel on this machine (set WHEELPIPE_TEST_WHEELHOUSE)");
        return None;
    };
    let sb = Sandbox::new();
    let server = Server::start(&wheels);
    let repo = sb.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    let pyproject =
        "[build-system]\nrequires = [\"setuptools>=64\"]\nbuild-backend = \"setuptools.build_meta\"\n\n\
                     [project]\nname = \"Git_Edit\"\nversion = \"1.0\"\n";
    Project { root: repo.join("py") }
        .file("pyproject.toml", pyproject)
        .file("git_edit/__init__.py", "VALUE = 'one'\n");
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "one"]);
    git(&repo, &["tag", "v1"]);
    std::fs::write(repo.join("py/git_edit/__init__.py"), "VALUE = 'two'\n").unwrap();
    git(&repo, &["commit", "-q", "-am", "two"]);
    let (v1, main) = (git(&repo, &["rev-parse", "v1"]), git(&repo, &["rev-parse", "main"]));
    Some(Case { sb, server, repo, v1, main })
}

impl Case {
    fn requirement(&self, rev: &str) -> String {
        format!("-e git+file://{}@{rev}#egg=Git_Edit&subdirectory=py\n", self.repo.display())
    }

    /// The pipeline for the requirements file `reqs`, `unpack_args` added.
    fn install(&self, venv: &Venv, reqs: &str, unpack_args: &[&str]) -> Run {
        let reqs = self.sb.write("requirements.txt", reqs);
        let mut unpack = self.sb.unpack(venv);
        unpack.args(unpack_args);
        pipeline(vec![self.sb.resolve(&self.server.url(), venv, &[&reqs]), self.sb.fetch(), unpack], None)
    }

    fn value(&self, venv: &Venv) -> String {
        let out = venv.run_python(&self.sb, "import git_edit; print(git_edit.VALUE)");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

#[test]
fn an_editable_checkout_lives_in_the_venvs_src_folder_as_pip_puts_it() {
    let Some(case) = case() else { return };
    let (sb, venv) = (&case.sb, case.sb.venv("venv"));
    let stale = venv.root.join("src/.wheelpipe-killed");
    std::fs::create_dir_all(stale.join("clone")).unwrap();
    let run = case.install(&venv, &case.requirement("v1"), &[]);
    run.assert_success();
    assert_eq!(names(&run, true), ["git-edit"], "{run}");
    assert!(!stale.exists(), "a killed run's temporary folder is removed");
    let clone = venv.root.join("src/git-edit");
    assert_eq!(git(&clone, &["rev-parse", "HEAD"]), case.v1, "the tag's commit");
    let origin = format!("file://{}", case.repo.display());
    assert_eq!(git(&clone, &["remote", "get-url", "origin"]), origin, "a real clone, origin the repository");
    let folder = clone.join("py");
    let direct_url =
        std::fs::read_to_string(venv.site_packages().join("git_edit-1.0.dist-info/direct_url.json")).unwrap();
    let want = format!("{{\"dir_info\": {{\"editable\": true}}, \"url\": \"file://{}\"}}", folder.display());
    assert_eq!(direct_url, want, "as pip writes it for an editable VCS requirement");
    let listed: serde_json::Value =
        serde_json::from_str(&sb.pip_ok(&venv, &["list", "--format=json", "-v"])).unwrap();
    let entry = listed.as_array().unwrap().iter().find(|e| e["name"] == "Git_Edit").expect("pip lists it");
    assert_eq!(entry["editable_project_location"], folder.display().to_string(), "{listed}");
    let frozen = sb.pip_ok(&venv, &["freeze"]);
    assert!(
        frozen.contains(&format!("-e git+{origin}@{}#egg=", case.v1)),
        "pip freeze reads the clone: {frozen}"
    );

    assert_eq!(case.value(&venv), "one");
    let code = folder.join("git_edit/__init__.py");
    std::fs::write(&code, "VALUE = 'edited'\n").unwrap();
    assert_eq!(case.value(&venv), "edited", "the clone's code runs, without a reinstall");
    let clean = sb.command(env!("CARGO_BIN_EXE_wheel-cache")).arg("clean").output().unwrap();
    assert!(clean.status.success(), "{clean:?}");
    assert_eq!(case.value(&venv), "edited", "the cache's clean does not touch it");

    let again = case.install(&venv, &case.requirement("v1"), &[]);
    again.assert_success();
    assert_eq!(
        (names(&again, true), names(&again, false)),
        (vec![], vec!["git-edit".to_string()]),
        "{again}"
    );
    assert_eq!(std::fs::read_to_string(&code).unwrap(), "VALUE = 'edited'\n", "the clone is left as it was");

    let moved = case.install(&venv, &case.requirement("main"), &[]);
    assert_eq!(moved.codes()[2], Some(1), "uncommitted changes are not reset: {moved}");
    assert!(moved.stderr(2).contains("uncommitted changes"), "{moved}");
    assert_eq!(git(&clone, &["rev-parse", "HEAD"]), case.v1);
    assert_eq!(std::fs::read_to_string(&code).unwrap(), "VALUE = 'edited'\n", "the edit is still there");
    git(&clone, &["checkout", "-q", "--", "."]);
    let moved = case.install(&venv, &case.requirement("main"), &[]);
    moved.assert_success();
    assert_eq!(names(&moved, true), ["git-edit"], "another commit, installed again: {moved}");
    assert_eq!((git(&clone, &["rev-parse", "HEAD"]), case.value(&venv)), (case.main.clone(), "two".into()));

    sb.pip_ok(&venv, &["uninstall", "-y", "Git_Edit"]);
    assert!(!venv.run_python(sb, "import git_edit").status.success(), "gone after pip uninstall");
    assert!(folder.join("pyproject.toml").is_file(), "pip uninstall leaves the src folder, as for pip's own");
}

#[test]
fn src_puts_the_clone_elsewhere_and_a_failed_run_leaves_none() {
    let Some(mut case) = case() else { return };
    case.sb.set_env("TINY_FAIL", "zbroken");
    let venv = case.sb.venv("venv");
    let broken = Project::tiny(&case.sb.path().join("projects"), "zbroken", "1.0", &[]);
    let src = case.sb.path().join("checkouts");
    let src_arg = src.to_str().unwrap();
    let before = venv.site_snapshot();
    let reqs = format!("{}{}\n", case.requirement("main"), broken.root.display());
    let failed = case.install(&venv, &reqs, &["--src", src_arg]);
    assert_eq!(failed.codes()[2], Some(1), "{failed}");
    assert!(!src.exists(), "no clone, no src folder left by a failed run: {failed}");
    assert_same_tree(&before, &venv.site_snapshot(), "nothing installed");

    let run = case.install(&venv, &case.requirement("main"), &["--src", src_arg]);
    run.assert_success();
    let clone = src.join("git-edit");
    assert_eq!(git(&clone, &["symbolic-ref", "--short", "HEAD"]), "main", "on the branch named, as pip");
    assert_eq!(git(&clone, &["rev-parse", "--abbrev-ref", "main@{upstream}"]), "origin/main");
    assert!(!venv.root.join("src").exists());
    assert_eq!(case.value(&venv), "two");
    let reqs = format!("{}{}\n", case.requirement("v1"), broken.root.display());
    let failed = case.install(&venv, &reqs, &["--src", src_arg]);
    assert_eq!(failed.codes()[2], Some(1), "{failed}");
    assert_eq!(git(&clone, &["rev-parse", "HEAD"]), case.main, "moved back by the failed run: {failed}");
    assert_eq!(case.value(&venv), "two");

    let mut remove = case.sb.command(env!("CARGO_BIN_EXE_wheel-remove"));
    remove.arg("--venv").arg(&venv.root).arg("--cache-dir").arg(case.sb.cache()).arg("git-edit");
    let out = remove.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(!venv.run_python(&case.sb, "import git_edit").status.success(), "removed");
    assert!(clone.join("py/pyproject.toml").is_file(), "wheel-remove leaves the clone");
}
