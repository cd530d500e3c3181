//! Project files read on strings and temporary files: what each selection
//! gives, self-referencing extras, groups and their cycles, setup.cfg's
//! lists, and errors that name the file and key.

use std::collections::BTreeMap;

use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder};
use wheelpipe::metadata::CoreMetadata;

use super::declared::{group_requirements, pyproject, setup_cfg};
use super::*;

fn env() -> MarkerEnvironment {
    MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: "cpython",
        implementation_version: "3.11.7",
        os_name: "posix",
        platform_machine: "x86_64",
        platform_python_implementation: "CPython",
        platform_release: "",
        platform_system: "Linux",
        platform_version: "",
        python_full_version: "3.11.7",
        python_version: "3.11",
        sys_platform: "linux",
    })
    .unwrap()
}

const PYPROJECT: &str = r#"
[project]
name = "Me"
dependencies = ["a>=1", "b; python_version < '3'"]
[project.optional-dependencies]
Test = ["t"]
docs = ["d"]
all = ["me[test,docs]"]
[dependency-groups]
dev = ["x", {include-group = "lint"}]
lint = ["y"]
"#;

fn file(name: &str, declared: Declared) -> ProjectFile {
    ProjectFile { path: format!("p/{name}").into(), declared }
}

fn texts(f: &ProjectFile, sel: &Selection, metadata: Option<&CoreMetadata>) -> Vec<String> {
    f.entries(sel, metadata, &env()).unwrap().into_iter().map(|e| e.text).collect()
}

fn sel(extras: &[&str], all: bool, groups: &[&str]) -> Selection {
    let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
    Selection { extras: own(extras), all_extras: all, groups: own(groups), ..Selection::default() }
}

#[test]
fn dependencies_extras_and_groups_as_selected() {
    let f = file("pyproject.toml", pyproject(PYPROJECT, "pyproject.toml").unwrap());
    assert!(!f.needs_backend(&sel(&["test"], false, &[])));
    assert_eq!(texts(&f, &sel(&[], false, &[]), None), ["a>=1", "b; python_version < '3'"]);
    assert_eq!(texts(&f, &sel(&["test"], false, &[]), None), ["a>=1", "b; python_version < '3'", "t"]);
    let all = texts(&f, &sel(&["all"], false, &[]), None);
    assert_eq!(all, ["a>=1", "b; python_version < '3'", "d", "t"], "all brings test and docs, not me itself");
    assert_eq!(texts(&f, &sel(&[], true, &[]), None), all);
    assert_eq!(texts(&f, &sel(&[], false, &["dev"]), None)[2..], ["x", "y"]);
    let entries = f.entries(&sel(&["test"], false, &["dev"]), None, &env()).unwrap();
    let places: Vec<String> = entries.iter().map(|e| e.location.to_string()).collect();
    assert_eq!(places[0], "p/pyproject.toml [project] dependencies");
    assert_eq!(places[2], "p/pyproject.toml [project.optional-dependencies] test");
    assert_eq!(places[4], "p/pyproject.toml [dependency-groups] dev", "lint, included by dev");
}

#[test]
fn dynamic_dependencies_come_from_the_metadata_with_extra_markers_evaluated() {
    let text = "[project]\nname = \"me\"\ndynamic = [\"dependencies\", \"optional-dependencies\"]\n";
    let f = file("pyproject.toml", pyproject(text, "pyproject.toml").unwrap());
    assert!(f.needs_backend(&sel(&[], false, &[])));
    let metadata = CoreMetadata {
        name: "me".into(),
        requires_dist: ["a", "b; extra == 'x'", "me[x]; extra == 'all'", "c; python_version < '3'"]
            .map(String::from)
            .to_vec(),
        provides_extra: vec!["x".into(), "all".into()],
        ..CoreMetadata::default()
    };
    assert_eq!(texts(&f, &sel(&[], false, &[]), Some(&metadata)), ["a"]);
    assert_eq!(texts(&f, &sel(&["all"], false, &[]), Some(&metadata)), ["a", "b"]);
    let setup_py = file("setup.py", Declared { only_backend: true, ..Declared::default() });
    assert!(setup_py.needs_backend(&sel(&[], false, &[])));
}

#[test]
fn group_cycles_and_unknown_groups_are_named() {
    let text = "[dependency-groups]\na = [{include-group = \"B\"}]\nb = [\"x\", {include-group = \"a\"}]\nc = [{include-group = \"nope\"}]\n";
    let d = pyproject(text, "pyproject.toml").unwrap();
    assert!(!d.only_backend, "no [project] and no [build-system]: nothing but groups");
    let err = group_requirements(&d, "a", "pyproject.toml").unwrap_err();
    assert_eq!(err, "pyproject.toml: [dependency-groups] a: include-group cycle: a -> b -> a");
    let err = group_requirements(&d, "c", "pyproject.toml").unwrap_err();
    assert_eq!(err, "pyproject.toml: [dependency-groups] c: includes the unknown group `nope`");
}

#[test]
fn errors_name_the_file_and_the_key() {
    let bad = |text: &str| pyproject(text, "x/pyproject.toml").unwrap_err();
    assert!(bad("[project\n").starts_with("x/pyproject.toml: invalid TOML"), "{}", bad("[project\n"));
    assert_eq!(
        bad("[project]\ndependencies = \"a\"\n"),
        "x/pyproject.toml: [project] dependencies: not a list of strings"
    );
    assert!(bad("[dependency-groups]\ndev = [1]\n").starts_with("x/pyproject.toml: [dependency-groups] dev:"));
    let f = file("pyproject.toml", pyproject("[project]\ndependencies = [\"a >>> 1\"]\n", "f").unwrap());
    let err = f.entries(&sel(&[], false, &[]), None, &env()).unwrap_err();
    assert!(err.starts_with("p/pyproject.toml: [project] dependencies: "), "{err}");
}

#[test]
fn setup_cfg_lists_as_setuptools_reads_them() {
    let text = "[metadata]\nname = Me\n\n[options]\ninstall_requires =\n    a>=1\n    # a comment\n    b; python_version >= '3'\npython_requires = >=3.8\n\n[options.extras_require]\ntest = t1; t2\n";
    let d = setup_cfg(text, "setup.cfg").unwrap();
    assert_eq!(d.name.as_deref(), Some("me"));
    assert_eq!(d.dependencies.as_deref().unwrap(), ["a>=1", "b; python_version >= '3'"]);
    let optional: BTreeMap<String, Vec<String>> =
        [("test".to_string(), vec!["t1".into(), "t2".into()])].into();
    assert_eq!(d.optional, Some(optional));
    let computed = setup_cfg("[options]\ninstall_requires = file: reqs.txt\n", "setup.cfg").unwrap();
    assert_eq!(computed.dependencies, None, "file: is the backend's to read");
    assert!(setup_cfg("  stray\n", "setup.cfg").unwrap_err().starts_with("setup.cfg:1:"));
}
