//! Dependencies that are direct references (`Requires-Dist: dep @ URL`), as
//! pip 23.2 takes them: the URL's wheel or sdist is the project's one
//! candidate, installed with pip's `direct_url.json` and no REQUESTED; the
//! same URL from two requirers is one candidate; two URLs for one project,
//! or a version the URL's file does not have, fail naming the requirers.
//! The URL's files live on a second local server (or in a folder) that the
//! index does not list, so what is installed can only have come from the URL.

mod resolving;
mod support;

use std::path::{Path, PathBuf};

use resolving::*;
use support::builds::src;
use support::sources::{git, Project};
use support::*;
use wheelpipe::records::ArtifactKind;

/// Serves `dep` 1.0 and 1.1 wheels outside the index: their URLs.
fn url_server(sb: &Sandbox) -> (Server, String, String) {
    let dir = sb.path().join("elsewhere");
    let files = [wheel("dep", "1.0").build(&dir), wheel("dep", "1.1").build(&dir)];
    let server = Server::start(&files);
    let (a, b) = (server.file_url("dep-1.0-py3-none-any.whl"), server.file_url("dep-1.1-py3-none-any.whl"));
    (server, a, b)
}

/// The parsed `direct_url.json` of `name` in `venv`.
fn direct_url(venv: &Venv, name: &str, version: &str) -> Option<serde_json::Value> {
    let path = venv.site_packages().join(format!("{name}-{version}.dist-info/direct_url.json"));
    let text = std::fs::read_to_string(path).ok()?;
    Some(serde_json::from_str(&text).unwrap())
}

fn requested(venv: &Venv, name: &str, version: &str) -> bool {
    venv.site_packages().join(format!("{name}-{version}.dist-info/REQUESTED")).exists()
}

/// Installs `reqs` with the pipeline into one venv and with pip into
/// another, from the same index, and checks that both hold the same
/// distributions and the same `direct_url.json` for each of `deps`;
/// returns the pipeline's resolution.
fn install_like_pip(sb: &Sandbox, index: &Server, reqs: &str, deps: &[(&str, &str)]) -> Resolved {
    let ours = sb.venv("ours");
    let file = sb.write("requirements.txt", reqs);
    let run = pipeline(vec![sb.resolve(&index.url(), &ours, &[&file])], None);
    run.assert_success();
    let resolved = Resolved::from_run(&run);
    let run = pipeline(vec![sb.resolve(&index.url(), &ours, &[&file]), sb.fetch(), sb.unpack(&ours)], None);
    run.assert_success();
    let theirs = sb.venv("theirs");
    let file = file.to_str().unwrap();
    sb.pip_ok(&theirs, &["install", "--no-cache-dir", "--index-url", &index.url(), "-r", file]);
    assert_eq!(sb.pip_list(&ours), sb.pip_list(&theirs), "the pipeline installs what pip installs");
    sb.pip_ok(&ours, &["check"]);
    for &(name, version) in deps {
        let recorded = direct_url(&ours, name, version).expect("direct_url.json for a URL dependency");
        assert_eq!(Some(&recorded), direct_url(&theirs, name, version).as_ref(), "as pip records it");
        assert!(!requested(&ours, name, version) && !requested(&theirs, name, version), "a dependency");
    }
    resolved
}

#[test]
fn a_wheel_url_in_a_dependency_is_installed_from_that_url_as_pip_does() {
    let sb = Sandbox::new();
    let (_elsewhere, url, _) = url_server(&sb);
    let dir = sb.path().join("wheels");
    let top = wheel("top", "1.0").requires_dist(&format!("dep @ {url}")).build(&dir);
    // The index's dep is newer: were the URL ignored, this would be chosen.
    let index = Server::start(&[top, wheel("dep", "3.0").build(&dir)]);
    let resolved = install_like_pip(&sb, &index, "top\n", &[("dep", "1.0")]);
    assert_eq!(resolved.pins(), ["dep==1.0", "top==1.0"]);
    let dep = resolved.get("dep");
    assert_eq!(dep.url, url, "the URL the metadata gives");
    assert!(dep.direct && !dep.requested, "{dep:?}");
}

#[test]
fn a_file_url_of_an_sdist_in_a_dependency_is_built_and_installed_as_pip_does() {
    let sb = Sandbox::new();
    let elsewhere = sb.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let sdist = Project::tiny(&src(&sb), "sdep", "2.0", &[]).sdist(&elsewhere);
    let url = url::Url::from_file_path(&sdist).unwrap().to_string();
    let dir = sb.path().join("wheels");
    let index = Server::start(&[wheel("top", "1.0").requires_dist(&format!("sdep @ {url}")).build(&dir)]);
    let resolved = install_like_pip(&sb, &index, "top\n", &[("sdep", "2.0")]);
    assert_eq!(resolved.pins(), ["sdep==2.0", "top==1.0"]);
    let sdep = resolved.get("sdep");
    assert_eq!((sdep.kind, sdep.url.as_str(), sdep.direct), (ArtifactKind::Sdist, url.as_str(), true));
}

#[test]
fn the_same_url_from_two_requirers_is_one_candidate_and_other_hashes_another_as_in_pip() {
    let sb = Sandbox::new();
    let (_elsewhere, url, _) = url_server(&sb);
    let dir = sb.path().join("wheels");
    let hashed = format!("dep @ {url}#sha256={}", sha256_of(&sb, "dep-1.0"));
    let files: Vec<PathBuf> = vec![
        wheel("one", "1.0").requires_dist(&format!("dep @ {url}")).build(&dir),
        wheel("two", "1.0").requires_dist(&format!("dep@{url}")).build(&dir),
        wheel("three", "1.0").requires_dist(&hashed).build(&dir),
    ];
    let case = Case::serve(sb, files);
    let resolved = case.expect("one\ntwo\n", &["dep==1.0", "one==1.0", "two==1.0"]);
    assert_eq!(resolved.get("dep").url, url);
    // pip 23.2 compares the links' hashes too: the same file with a hash is another link.
    case.expect_failure("one\nthree\n", &["two different URLs", "one 1.0", "three 1.0"]);
}

/// The sha256 of the wheel `elsewhere/{stem}-py3-none-any.whl`.
fn sha256_of(sb: &Sandbox, stem: &str) -> String {
    let bytes = std::fs::read(sb.path().join(format!("elsewhere/{stem}-py3-none-any.whl"))).unwrap();
    wheelpipe::hash::Sha256::of(&bytes).to_string()
}

#[test]
fn two_urls_for_one_project_fail_naming_both_requirers() {
    let sb = Sandbox::new();
    let (_elsewhere, url_a, url_b) = url_server(&sb);
    let dir = sb.path().join("wheels");
    let files = vec![
        wheel("one", "1.0").requires_dist(&format!("dep @ {url_a}")).build(&dir),
        wheel("two", "1.0").requires_dist(&format!("dep @ {url_b}")).build(&dir),
    ];
    let case = Case::serve(sb, files);
    case.expect_failure("one\ntwo\n", &["two different URLs", "one 1.0", "two 1.0", &url_a, &url_b]);
    // A URL the requirements give and another a dependency gives: the same conflict.
    case.expect_failure(&format!("dep @ {url_b}\none\n"), &["two different URLs", "one 1.0", &url_a, &url_b]);
}

#[test]
fn a_version_the_urls_file_does_not_have_fails_naming_the_requirer() {
    let sb = Sandbox::new();
    let (_elsewhere, url, _) = url_server(&sb);
    let dir = sb.path().join("wheels");
    let files = vec![
        wheel("top", "1.0").requires_dist(&format!("dep @ {url}")).build(&dir),
        wheel("dep", "0.5").build(&dir),
        wheel("dep", "2.0").build(&dir),
    ];
    let case = Case::serve(sb, files);
    // The pin is met first (the index has dep 2.0): the URL, met later, replaces it.
    let stderr = case.expect_failure("dep==2.0\ntop\n", &["dep==2.0", "top 1.0", &url]);
    assert!(stderr.contains("dep 1.0"), "says which version the URL has:\n{stderr}");
    // A range the URL's version is in: the URL's file, not the index's 0.5.
    let resolved = case.expect("dep<2\ntop\n", &["dep==1.0", "top==1.0"]);
    assert_eq!(resolved.get("dep").url, url);
}

/// A git repository at `dir` holding the tiny project `name` 1.0 at its
/// root, committed and tagged `v1`.
fn git_repo(dir: &Path, name: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let project = Project::tiny(dir, name, "1.0", &[]);
    for args in [&["init", "-q"][..], &["add", "."], &["commit", "-q", "-m", "one"], &["tag", "v1"]] {
        git(&project.root, args);
    }
    project.root
}

#[test]
fn a_folder_url_in_a_dependency_is_prepared_and_installed_as_pip_does() {
    let sb = Sandbox::new();
    let folder = Project::tiny(&src(&sb), "fdep", "0.3", &[]).root;
    let folder_url = url::Url::from_file_path(&folder).unwrap().to_string();
    let dir = sb.path().join("wheels");
    let index =
        Server::start(&[wheel("top", "1.0").requires_dist(&format!("fdep @ {folder_url}")).build(&dir)]);
    let resolved = install_like_pip(&sb, &index, "top\n", &[("fdep", "0.3")]);
    assert_eq!(resolved.pins(), ["fdep==0.3", "top==1.0"]);
    let fdep = resolved.get("fdep");
    assert_eq!((fdep.kind, fdep.direct, fdep.requested), (ArtifactKind::Dir, true, false));
}

/// pip 23.2 cannot take this one (its `packaging` refuses a `git+file:///`
/// URL in metadata, having no host): the checkout at the tag is installed
/// with PEP 610's `vcs_info`, as for a `git+` line in a requirements file.
#[test]
fn a_git_url_in_a_dependency_is_checked_out_and_installed() {
    let sb = Sandbox::new();
    let repo = git_repo(&sb.path().join("repo"), "gdep");
    let git_url = format!("git+file://{}@v1", repo.display());
    let dir = sb.path().join("wheels");
    let index = Server::start(&[wheel("top", "1.0").requires_dist(&format!("gdep @ {git_url}")).build(&dir)]);
    let venv = sb.venv("venv");
    let file = sb.write("requirements.txt", "top\n");
    let run = pipeline(vec![sb.resolve(&index.url(), &venv, &[&file]), sb.fetch(), sb.unpack(&venv)], None);
    run.assert_success();
    assert_eq!(sb.pip_list(&venv).get("gdep").map(String::as_str), Some("1.0"));
    // (not `pip check`: it cannot parse top's Requires-Dist either)
    let out = venv.run_python(&sb, "import gdep; print(gdep.VALUE)");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1.0", "{out:?}");
    let recorded = direct_url(&venv, "gdep", "1.0").expect("direct_url.json");
    assert_eq!(recorded["url"], format!("file://{}", repo.display()));
    assert_eq!(
        (&recorded["vcs_info"]["vcs"], &recorded["vcs_info"]["requested_revision"]),
        (&"git".into(), &"v1".into())
    );
    assert!(!requested(&venv, "gdep", "1.0"), "a dependency");
}
