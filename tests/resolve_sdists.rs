//! wheel-resolve with source distributions (issue 12): a project that
//! publishes only an sdist resolves, its dependencies read from PKG-INFO
//! (Metadata 2.2+, not Dynamic) or else from the backend's
//! `prepare_metadata_for_build_wheel`, and the plain pipeline
//! `wheel-resolve | wheel-fetch | wheel-unpack` installs it into a venv
//! that pip accepts; wheels stay preferred to sdists of the same version,
//! and `--only-binary`, `--no-binary`, `--prefer-binary` choose as pip's do.
//! The sdists are built by the tests with the in-tree backend of
//! `support::sources` (no network).

mod resolving;
mod support;

use std::path::PathBuf;

use resolving::*;
use support::builds::src;
use support::sources::Project;
use support::*;
use wheelpipe::records::ArtifactKind;

/// The sdist `name-version.tar.gz` of a tiny project, with `pkg_info` at its root when given.
fn sdist(sb: &Sandbox, name: &str, version: &str, pkg_info: Option<&str>) -> PathBuf {
    let mut project = Project::tiny(&src(sb), name, version, &[]);
    if let Some(text) = pkg_info {
        project = project.file("PKG-INFO", text);
    }
    let dir = sb.path().join("wheels");
    std::fs::create_dir_all(&dir).unwrap();
    project.sdist(&dir)
}

fn kinds(resolved: &Resolved) -> Vec<(String, ArtifactKind)> {
    resolved.artifacts.iter().map(|a| (format!("{}=={}", a.name, a.version), a.kind)).collect()
}

fn requests_for(server: &Server, filename: &str) -> usize {
    server.file_requests().iter().filter(|e| e.path.ends_with(filename)).count()
}

#[test]
fn an_sdist_only_project_resolves_from_pkg_info_and_the_pipeline_installs_it_with_its_wheel_dependency() {
    let mut sb = Sandbox::new();
    let dep = wheel("depwheel", "1.2").build(&sb.path().join("wheels"));
    let pkg_info = "Metadata-Version: 2.2\nName: sdonly\nVersion: 1.0\nRequires-Dist: depwheel>=1\n";
    let sdonly = sdist(&sb, "sdonly", "1.0", Some(pkg_info));
    let server = Server::start(&[dep, sdonly]);
    let log = sb.path().join("builds.log");
    sb.set_env("TINY_LOG", log.to_str().unwrap());
    let venv = sb.venv("venv");
    let reqs = sb.write("requirements.txt", "sdonly\n");

    let run = pipeline(vec![sb.resolve(&server.url(), &venv, &[&reqs])], None);
    run.assert_success();
    let resolved = Resolved::from_run(&run);
    assert_eq!(
        kinds(&resolved),
        [("depwheel==1.2".into(), ArtifactKind::Wheel), ("sdonly==1.0".into(), ArtifactKind::Sdist)],
        "the dependency comes from PKG-INFO (the backend's metadata has none): {run}"
    );
    let artifact = resolved.get("sdonly");
    assert_eq!((artifact.filename.as_str(), artifact.requested), ("sdonly-1.0.tar.gz", true));
    assert!(!log.exists(), "resolving built nothing: PKG-INFO was enough");

    let run = pipeline(vec![sb.resolve(&server.url(), &venv, &[&reqs]), sb.fetch(), sb.unpack(&venv)], None);
    run.assert_success();
    assert_eq!(requests_for(&server, "sdonly-1.0.tar.gz"), 1, "wheel-fetch found the sdist in the store");
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "sdonly 1.0\n", "built once, at install");
    let out = venv.run_python(&sb, "import sdonly, depwheel; print(sdonly.VALUE, depwheel.VERSION)");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1.0 1.2", "{out:?}");
    let listed = sb.pip_list(&venv);
    assert_eq!(listed.get("sdonly").map(String::as_str), Some("1.0"), "{listed:?}");
    assert_eq!(listed.get("depwheel").map(String::as_str), Some("1.2"), "{listed:?}");
    sb.pip_ok(&venv, &["check"]);
}

#[test]
fn without_a_reliable_pkg_info_the_backend_gives_the_metadata() {
    let sb = Sandbox::new();
    // Both PKG-INFO files name a dependency no index has: were they read, resolution would fail.
    let old = "Metadata-Version: 2.1\nName: oldmeta\nVersion: 1.0\nRequires-Dist: nowhere-to-be-found\n";
    let dynamic = "Metadata-Version: 2.2\nName: dynmeta\nVersion: 2.0\nDynamic: Requires-Dist\n\
                   Requires-Dist: nowhere-to-be-found\n";
    let files = vec![
        sdist(&sb, "oldmeta", "1.0", Some(old)),
        sdist(&sb, "dynmeta", "2.0", Some(dynamic)),
        sdist(&sb, "nometa", "3.0", None),
    ];
    let case = Case::serve(sb, files);
    let resolved =
        case.expect("oldmeta\ndynmeta\nnometa\n", &["dynmeta==2.0", "nometa==3.0", "oldmeta==1.0"]);
    assert!(resolved.artifacts.iter().all(|a| a.kind == ArtifactKind::Sdist), "{:?}", resolved.artifacts);
    assert!(resolved.artifacts.iter().all(|a| a.sha256().is_some()), "{:?}", resolved.artifacts);
}

/// `both` has a wheel and an sdist of 1.0 and only an sdist of 2.0.
fn both(sb: &Sandbox) -> Vec<PathBuf> {
    vec![
        wheel("both", "1.0").build(&sb.path().join("wheels")),
        sdist(sb, "both", "1.0", None),
        sdist(sb, "both", "2.0", None),
    ]
}

fn kind_of(case: &Case, args: &[&str]) -> (String, ArtifactKind) {
    let run = case.resolve(args);
    run.assert_success();
    let resolved = Resolved::from_run(&run);
    let a = resolved.get("both");
    (a.version.clone(), a.kind)
}

#[test]
fn wheels_come_first_and_the_binary_options_choose_as_pip() {
    let sb = Sandbox::new();
    let files = both(&sb);
    let case = Case::serve(sb, files);
    assert_eq!(kind_of(&case, &["both"]), ("2.0".into(), ArtifactKind::Sdist), "the newest version");
    assert_eq!(
        kind_of(&case, &["both==1.0"]),
        ("1.0".into(), ArtifactKind::Wheel),
        "a wheel before an sdist"
    );
    assert_eq!(kind_of(&case, &["both", "--prefer-binary"]), ("1.0".into(), ArtifactKind::Wheel));
    assert_eq!(kind_of(&case, &["both", "--only-binary", ":all:"]), ("1.0".into(), ArtifactKind::Wheel));
    let forced = ["both==1.0", "--no-binary", "both"];
    assert_eq!(kind_of(&case, &forced), ("1.0".into(), ArtifactKind::Sdist), "--no-binary");

    let run = case.resolve(&["both==2.0", "--only-binary", "both"]);
    assert_eq!(run.codes(), [Some(1)], "{run}");
    let err = run.stderr(0);
    assert!(err.contains("--only-binary") && err.contains("both 2.0: no wheel"), "{err}");
}

#[test]
fn no_binary_for_a_project_without_an_sdist_says_so() {
    let case = Case::new(&[wheel("top", "1.0").requires_dist("dep"), wheel("dep", "1.0")]);
    let run = case.resolve(&["top", "--no-binary", "dep"]);
    assert_eq!(run.codes(), [Some(1)], "{run}");
    assert!(run.stderr(0).contains("dep 1.0 has no source distribution (--no-binary)"), "{run}");
}

#[test]
fn a_direct_url_of_an_sdist_resolves_to_it_and_installs() {
    let sb = Sandbox::new();
    let dep = wheel("depwheel", "1.2").build(&sb.path().join("wheels"));
    let pkg_info = "Metadata-Version: 2.2\nName: sdonly\nVersion: 1.0\nRequires-Dist: depwheel\n";
    let sdonly = sdist(&sb, "sdonly", "1.0", Some(pkg_info));
    let server = Server::start(&[dep, sdonly]);
    let venv = sb.venv("venv");
    let reqs = sb.write("requirements.txt", &format!("sdonly @ {}\n", server.file_url("sdonly-1.0.tar.gz")));

    let run = pipeline(vec![sb.resolve(&server.url(), &venv, &[&reqs])], None);
    run.assert_success();
    let resolved = Resolved::from_run(&run);
    assert_eq!(resolved.pins(), ["depwheel==1.2", "sdonly==1.0"], "{run}");
    let artifact = resolved.get("sdonly");
    assert!(artifact.direct && artifact.kind == ArtifactKind::Sdist, "{artifact:?}");

    let run = pipeline(vec![sb.resolve(&server.url(), &venv, &[&reqs]), sb.fetch(), sb.unpack(&venv)], None);
    run.assert_success();
    let dists = venv.dists(&sb);
    assert_eq!(dists.get("sdonly").map(String::as_str), Some("1.0"), "{dists:?}");
    assert_eq!(dists.get("depwheel").map(String::as_str), Some("1.2"), "{dists:?}");
}
