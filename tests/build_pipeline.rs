//! Builds in a pipeline, end to end: wheel-build turns sdist artifacts into
//! wheel artifacts and passes the rest on; wheel-unpack builds the sdists
//! that reach it (the plain three-stage pipeline) or installs nothing; and
//! the library's metadata of a source, for a resolver.

mod support;

use support::builds::{library_settings, sdist_artifact, src, temp_leftovers, wheel_build};
use support::sources::Project;
use support::{pipeline, Sandbox};
use wheelpipe::records::{Artifact, Record};

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
    assert_eq!(
        (built.name.as_str(), built.version.as_str(), built.requested),
        ("tiny-src", "0.5", false),
        "normalized, as every record"
    );
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
        run.stderr(0).contains("tiny-src 0.5")
            && run.stderr(0).contains("put wheel-fetch before wheel-build"),
        "{run}"
    );

    let good = sdist_artifact(&sdist, "tiny_src", "0.5");
    let run = pipeline(vec![wheel_build(&sb)], Some(format!("{good}\n").into_bytes()));
    assert_eq!(run.codes(), [Some(1)], "an input without `end` fails: {run}");
    assert!(run.records().iter().any(|r| matches!(r, Record::End(e) if !e.ok)), "{run}");
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

#[test]
fn an_sdist_given_by_path_gets_the_direct_url_json_pip_writes() {
    let sb = Sandbox::new();
    let sdist = Project::tiny(&src(&sb), "tiny_src", "0.5", &[]).sdist(sb.path());
    let ours = sb.venv("ours");
    let run = pipeline(
        vec![{
            let mut c = sb.unpack(&ours);
            c.arg(&sdist);
            c
        }],
        None,
    );
    run.assert_success();
    let pips = sb.venv("pips");
    sb.pip_ok(&pips, &["install", "--no-deps", "--no-index", sdist.to_str().unwrap()]);
    let read = |v: &support::Venv| {
        std::fs::read_to_string(v.site_packages().join("tiny_src-0.5.dist-info/direct_url.json")).unwrap()
    };
    assert_eq!(read(&ours), read(&pips), "direct_url.json names the sdist and its sha256, as pip's");
    assert!(read(&ours).contains(&wheelpipe::hash::sha256_hex(&std::fs::read(&sdist).unwrap())));
}
