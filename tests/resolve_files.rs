//! Requirement lines that name a wheel or an sdist file without a project
//! name, as pip 23.2 takes them (issue 12): a relative path from the
//! working folder, a path of an sdist, a `file:` URL and an `http` URL with
//! a `#sha256=` fragment, with extras and markers. The pipeline installs
//! what pip installs from the same file, with the same `direct_url.json`;
//! a missing file and a file that is no distribution are errors naming the
//! requirements file's line.

mod resolving;
mod support;

use resolving::*;
use support::builds::src;
use support::sources::Project;
use support::*;

fn direct_url(venv: &Venv, dist_info: &str) -> serde_json::Value {
    let path = venv.site_packages().join(dist_info).join("direct_url.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

#[test]
fn paths_file_urls_and_http_urls_of_files_install_as_pip_installs_them() {
    let sb = Sandbox::new();
    let dist = sb.path().join("dist");
    let local = wheel("local", "1.0")
        .requires_dist("helper")
        .provides_extra("more")
        .requires_dist("extra_dep; extra == \"more\"")
        .build(&dist);
    Project::tiny(&src(&sb), "sdpkg", "2.0", &[]).sdist(&dist);
    let far = wheel("fileurl", "1.5").build(&sb.path().join("far"));
    let remote_dir = sb.path().join("remote");
    let remote = wheel("remote", "3.0").build(&remote_dir);
    let files = Server::start(std::slice::from_ref(&remote));
    let digest = wheelpipe::hash::sha256_hex(&std::fs::read(&remote).unwrap());
    let index = Server::start(&[
        wheel("helper", "1.0").build(&sb.path().join("index")),
        wheel("extra_dep", "1.0").build(&sb.path().join("index")),
        // Newer than the files: were the lines read as names, these would win.
        wheel("local", "9.0").build(&sb.path().join("index")),
        wheel("remote", "9.0").build(&sb.path().join("index")),
    ]);
    assert!(local.starts_with(&dist));
    let reqs = format!(
        "./dist/local-1.0-py3-none-any.whl[more] ; python_version >= \"3\"\n\
         dist/sdpkg-2.0.tar.gz\n\
         {}\n\
         {}#sha256={digest}\n",
        url::Url::from_file_path(&far).unwrap(),
        files.file_url("remote-3.0-py3-none-any.whl"),
    );
    let file = sb.write("requirements.txt", &reqs);
    let ours = sb.venv("ours");
    let run = pipeline(vec![sb.resolve(&index.url(), &ours, &[&file]), sb.fetch(), sb.unpack(&ours)], None);
    run.assert_success();
    let theirs = sb.venv("theirs");
    sb.pip_ok(&theirs, &["install", "--no-cache-dir", "--index-url", &index.url(), "-r", "requirements.txt"]);
    let listed = sb.pip_list(&ours);
    assert_eq!(listed, sb.pip_list(&theirs), "the pipeline installs what pip installs");
    for (name, version) in [("local", "1.0"), ("sdpkg", "2.0"), ("fileurl", "1.5"), ("remote", "3.0")] {
        assert_eq!(listed.get(name).map(String::as_str), Some(version), "{listed:?}");
        let dist_info = format!("{name}-{version}.dist-info");
        assert_eq!(
            direct_url(&ours, &dist_info),
            direct_url(&theirs, &dist_info),
            "{name}: as pip records it"
        );
    }
    assert!(listed.contains_key("extra_dep") && listed.contains_key("helper"), "{listed:?}");
    sb.pip_ok(&ours, &["check"]);
}

#[test]
fn a_missing_file_or_a_file_that_is_no_distribution_names_the_line() {
    let case = Case::new(&[wheel("helper", "1.0")]);
    let stderr = |reqs: &str| {
        let file = case.file("requirements.txt", reqs);
        let run = case.resolve(&[&file]);
        assert_eq!(run.codes(), [Some(2)], "an error in the input: {run}");
        run.stderr(0).to_string()
    };
    let err = stderr("helper\n./dist/gone-1.0-py3-none-any.whl\n");
    assert!(err.contains("requirements.txt:2: `./dist/gone-1.0-py3-none-any.whl`: no such file"), "{err}");
    case.file("dist/notawheel.whl", "");
    let err = stderr("dist/notawheel.whl\n");
    assert!(err.contains("requirements.txt:1: `dist/notawheel.whl`: not a wheel's file name"), "{err}");
}
