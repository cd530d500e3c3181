//! wheel-resolve with a project's own file as the requirements input
//! (issue 12), as `uv pip install -r pyproject.toml` reads it: the
//! dependencies of `[project]`, the extras `--extra` and `--all-extras`
//! select, the PEP 735 groups `--group` names (`--group PATH:NAME`: one
//! group of the pyproject.toml at PATH, alone), setup.cfg's lists, and the
//! build backend's metadata when the file leaves the dependencies to it
//! (`dynamic`, setup.py); the project itself is never among the artifacts.
//! Errors name the file and the key.

mod resolving;
mod support;

use resolving::*;
use support::sources::{setuptools_wheels, Project};
use support::*;

fn served(sb: Sandbox, names: &[&str]) -> Case {
    let wheels = names.iter().map(|n| wheel(n, "1.0").build(&sb.path().join("wheels"))).collect();
    Case::serve(sb, wheels)
}

const PYPROJECT: &str = r#"
[project]
name = "myapp"
version = "0.1"
dependencies = ["base>=1", "never; python_version < '3'"]

[project.optional-dependencies]
test = ["tester"]
docs = ["documenter"]
all = ["myapp[test,docs]"]

[dependency-groups]
dev = ["devtool", {include-group = "lint"}]
lint = ["linter"]
"#;

#[test]
fn a_pyproject_gives_its_dependencies_extras_and_groups_never_the_project() {
    let case = served(Sandbox::new(), &["base", "tester", "documenter", "devtool", "linter", "myapp"]);
    case.file("pyproject.toml", PYPROJECT);
    case.expect_with(&[], &["pyproject.toml"], &["base==1.0"]);
    case.expect_with(&["--extra", "test"], &["-r", "pyproject.toml"], &["base==1.0", "tester==1.0"]);
    let all = ["base==1.0", "documenter==1.0", "tester==1.0"];
    case.expect_with(&["--extra", "all"], &["pyproject.toml"], &all);
    case.expect_with(&["--all-extras"], &["pyproject.toml"], &all);
    let dev = ["base==1.0", "devtool==1.0", "linter==1.0"];
    case.expect_with(&["--group", "dev"], &["pyproject.toml"], &dev);
    // As pip and uv: --group alone is that group of ./pyproject.toml, without
    // the project's dependencies (PEP 735).
    let run = case.resolve(&["--group", "lint"]);
    run.assert_success();
    assert_eq!(Resolved::from_run(&run).pins(), ["linter==1.0"]);
}

#[test]
fn a_group_of_a_pyproject_named_by_path_brings_only_that_groups_requirements() {
    let case = served(Sandbox::new(), &["base", "devtool", "linter", "other"]);
    case.file("tools/pyproject.toml", PYPROJECT);
    case.file("requirements.txt", "other\n");
    // pip's and uv's `--group PATH:NAME`: the group alone, never the project's dependencies.
    let dev = ["devtool==1.0", "linter==1.0", "other==1.0"];
    case.expect_with(&["--group", "tools/pyproject.toml:dev"], &["requirements.txt"], &dev);
    let run = case.resolve(&["--group", "./tools/pyproject.toml:Lint"]);
    run.assert_success();
    assert_eq!(Resolved::from_run(&run).pins(), ["linter==1.0"], "no ./pyproject.toml needed");
    let fails = |group: &str, words: &[&str]| {
        let run = case.resolve(&["--group", group]);
        assert_eq!(run.codes(), [Some(2)], "{run}");
        let stderr = run.stderr(0);
        for word in words {
            assert!(stderr.contains(word), "names {word:?}:\n{stderr}");
        }
    };
    fails("tools/setup.cfg:dev", &["--group tools/setup.cfg:dev", "pyproject.toml"]);
    fails(
        "tools/pyproject.toml:nope",
        &["--group tools/pyproject.toml:nope", "tools/pyproject.toml", "dev, lint"],
    );
    fails(
        "gone/pyproject.toml:dev",
        &["--group gone/pyproject.toml:dev", "gone/pyproject.toml: cannot read"],
    );
}

#[test]
fn setup_cfg_lists_are_read_as_setuptools_reads_them() {
    let case = served(Sandbox::new(), &["base", "tester"]);
    let cfg = "[metadata]\nname = myapp\n\n[options]\ninstall_requires =\n    base>=1\n\n\
               [options.extras_require]\ntest = tester\n";
    case.file("setup.cfg", cfg);
    case.expect_with(&["--extra", "test"], &["setup.cfg"], &["base==1.0", "tester==1.0"]);
}

#[test]
fn bad_project_files_and_selections_are_usage_errors_naming_the_file_and_key() {
    let case = served(Sandbox::new(), &["base"]);
    let fails = |args: &[&str], words: &[&str]| {
        let run = case.resolve(args);
        assert_eq!(run.codes(), [Some(2)], "{run}");
        let stderr = run.stderr(0);
        for word in words {
            assert!(stderr.contains(word), "names {word:?}:\n{stderr}");
        }
    };
    case.file(
        "pyproject.toml",
        "[dependency-groups]\na = [{include-group = \"b\"}]\nb = [{include-group = \"a\"}]\n",
    );
    fails(
        &["--group", "a", "pyproject.toml"],
        &["pyproject.toml", "[dependency-groups] a", "cycle: a -> b -> a"],
    );
    case.file("pyproject.toml", "[project]\nname = \"x\"\ndependencies = [\"base >>> 1\"]\n");
    fails(&["pyproject.toml"], &["pyproject.toml: [project] dependencies", "base >>> 1"]);
    case.file("pyproject.toml", PYPROJECT);
    fails(&["--extra", "nope", "pyproject.toml"], &["--extra nope", "pyproject.toml", "all, docs, test"]);
    fails(&["--group", "nope", "pyproject.toml"], &["--group nope", "dev, lint"]);
    case.file("requirements.txt", "base\n");
    fails(&["--extra", "test", "requirements.txt"], &["--extra", "pyproject.toml, setup.cfg or setup.py"]);
}

/// A backend that knows the dependencies (the pyproject says `dynamic`).
const DYNAMIC_BACKEND: &str = r#"
import os
def prepare_metadata_for_build_wheel(directory, config_settings=None):
    os.makedirs(os.path.join(directory, "dynapp-2.0.dist-info"))
    with open(os.path.join(directory, "dynapp-2.0.dist-info", "METADATA"), "w") as f:
        f.write("Metadata-Version: 2.1\nName: dynapp\nVersion: 2.0\nProvides-Extra: fast\n"
                "Requires-Dist: base>=1\nRequires-Dist: speedup; extra == 'fast'\n")
    return "dynapp-2.0.dist-info"
def build_wheel(directory, config_settings=None, metadata_directory=None):
    raise RuntimeError("resolving builds no wheel")
"#;

#[test]
fn dynamic_dependencies_come_from_the_backend_with_the_extras_selected() {
    let sb = Sandbox::new();
    let root = sb.path().join("dynapp");
    Project::new(sb.path(), "dynapp", "2.0")
        .file(
            "pyproject.toml",
            "[build-system]\nrequires = []\nbuild-backend = \"dynbackend\"\nbackend-path = [\"_backend\"]\n\n\
             [project]\nname = \"dynapp\"\nversion = \"2.0\"\ndynamic = [\"dependencies\", \"optional-dependencies\"]\n",
        )
        .file("_backend/dynbackend.py", DYNAMIC_BACKEND);
    std::fs::rename(sb.path().join("dynapp-2.0"), &root).unwrap();
    let case = served(sb, &["base", "speedup"]);
    case.expect_with(&["--extra", "fast"], &["dynapp/pyproject.toml"], &["base==1.0", "speedup==1.0"]);
    case.expect_with(&[], &["dynapp/pyproject.toml"], &["base==1.0"]);
}

#[test]
fn a_setup_py_project_gives_its_install_requires_through_setuptools() {
    let Some(mut wheels) = setuptools_wheels(python3()) else {
        assert!(std::env::var_os("CI").is_none(), "CI must provide setuptools (see .ci/run)");
        eprintln!("skipped: no setuptools wheel on this machine (set WHEELPIPE_TEST_WHEELHOUSE)");
        return;
    };
    let sb = Sandbox::new();
    wheels.push(wheel("base", "1.0").build(&sb.path().join("wheels")));
    wheels.push(wheel("tester", "1.0").build(&sb.path().join("wheels")));
    let setup = "from setuptools import setup\nsetup(name='legacy_app', version='0.3', \
                 install_requires=['base>=1'], extras_require={'test': ['tester']})\n";
    // A pyproject.toml of tool settings alone leaves the project to its setup.py.
    let tools_only = "[tool.black]\nline-length = 100\n";
    Project::new(sb.path(), "legacy_app", "0.3").file("setup.py", setup).file("pyproject.toml", tools_only);
    let case = Case::serve(sb, wheels);
    for input in ["legacy_app-0.3/setup.py", "legacy_app-0.3/pyproject.toml"] {
        let resolved = case.expect_with(&["--extra", "test"], &[input], &["base==1.0", "tester==1.0"]);
        assert!(resolved.artifacts.iter().all(|a| a.name != "legacy_app"), "the project is not installed");
    }
}
