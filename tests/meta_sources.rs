//! `wheel-meta` on sources: an sdist (path, URL on the test index, or an
//! artifact record of `kind: sdist`) and a project folder get the metadata
//! wheel-resolve would read for them: the sdist's PKG-INFO when it is
//! Metadata 2.2+ and nothing needed is Dynamic, else the backend's
//! prepare_metadata_for_build_wheel in a build environment, whose requires
//! come from the indexes wheel-resolve used.

mod resolving;
mod support;

use std::path::{Path, PathBuf};

use resolving::*;
use support::builds::src;
use support::sources::{Project, TINY_BACKEND};
use support::*;
use wheelpipe::records::{Metadata, MetadataFrom, MetadataSource, Record};

/// A tiny-backend project whose prepare_metadata_for_build_wheel also
/// writes `Requires-Dist: six` (so its answer differs from any PKG-INFO)
/// and whose [build-system] requires are `requires`.
fn project(dir: &Path, name: &str, requires: &[&str]) -> Project {
    let backend = TINY_BACKEND.replace(
        r#"f.write("Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version))"#,
        r#"f.write("Metadata-Version: 2.1\nName: %s\nVersion: %s\nRequires-Dist: six\n" % (name, version))"#,
    );
    assert_ne!(backend, TINY_BACKEND);
    Project::tiny(dir, name, "1.0", requires).file("_backend/tinybackend.py", &backend)
}

/// The one `metadata` record of a successful run.
fn the_metadata(run: &Run) -> Metadata {
    run.assert_success();
    let metas: Vec<Metadata> = run
        .records()
        .into_iter()
        .filter_map(|r| match r {
            Record::Metadata(m) => Some(m),
            _ => None,
        })
        .collect();
    assert_eq!(metas.len(), 1, "{run}");
    metas.into_iter().next().unwrap()
}

fn meta_of(sb: &Sandbox, args: &[&std::ffi::OsStr]) -> Metadata {
    let mut cmd = sb.meta();
    cmd.args(args);
    the_metadata(&pipeline(vec![cmd], None))
}

#[test]
fn a_static_pkg_info_is_the_metadata_of_an_sdist() {
    let sb = Sandbox::new();
    let pkg_info = "Metadata-Version: 2.2\nName: Static_Pkg\nVersion: 1.0\nRequires-Dist: attrs>=1\n\
                    Requires-Python: >=3.8\n";
    let sdist = project(&src(&sb), "static_pkg", &[]).file("PKG-INFO", pkg_info).sdist(sb.path());

    let m = meta_of(&sb, &[sdist.as_os_str()]);
    assert_eq!((m.name.as_str(), m.version.as_str()), ("static-pkg", "1.0"));
    assert_eq!(m.requires_dist, ["attrs>=1"]);
    assert_eq!(m.requires_python.as_deref(), Some(">=3.8"));
    assert_eq!((m.source, m.from_source, m.bytes), (MetadataSource::Local, Some(MetadataFrom::PkgInfo), 0));
    assert_eq!(m.url, sdist.display().to_string());
    assert!(support::builds::build_envs(&sb).is_empty(), "PKG-INFO was enough: no environment");
}

#[test]
fn a_dynamic_sdist_and_a_folder_ask_the_backend() {
    let sb = Sandbox::new();
    let pkg_info = "Metadata-Version: 2.2\nName: dyn\nVersion: 1.0\nDynamic: Requires-Dist\n";
    let sdist = project(&src(&sb), "dyn", &[]).file("PKG-INFO", pkg_info).sdist(sb.path());
    let m = meta_of(&sb, &[sdist.as_os_str()]);
    assert_eq!((m.name.as_str(), m.requires_dist.clone()), ("dyn", vec!["six".to_string()]));
    assert_eq!(m.from_source, Some(MetadataFrom::PrepareHook));

    let folder = project(&sb.path().join("work"), "folderpkg", &[]).root;
    let m = meta_of(&sb, &[folder.as_os_str()]);
    assert_eq!((m.name.as_str(), m.requires_dist.clone()), ("folderpkg", vec!["six".to_string()]));
    assert_eq!((m.source, m.from_source), (MetadataSource::Local, Some(MetadataFrom::PrepareHook)));
    let url = format!("file://{}", folder.display());
    assert_eq!(meta_of(&sb, &[url.as_ref()]).name, "folderpkg");
}

#[test]
fn an_sdist_url_is_downloaded_once_into_the_cache() {
    let sb = Sandbox::new();
    let files = sb.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    let sdist = project(&src(&sb), "remote", &[]).sdist(&files);
    let server = Server::start(&[&sdist]);
    let url = server.file_url("remote-1.0.tar.gz");

    let m = meta_of(&sb, &[url.as_ref()]);
    assert_eq!((m.name.as_str(), m.requires_dist.clone()), ("remote", vec!["six".to_string()]));
    assert_eq!(
        (m.source, m.from_source, m.url.as_str()),
        (MetadataSource::Full, Some(MetadataFrom::PrepareHook), url.as_str())
    );
    assert_eq!(m.bytes, std::fs::metadata(&sdist).unwrap().len());
    assert_eq!(server.file_requests().len(), 1);
}

/// wheel-resolve's `index` record names the index with the build
/// requirement; wheel-meta, with a cache of its own (so nothing wheel-resolve
/// made is found), makes the environment from it, not from PIP_INDEX_URL.
#[test]
fn sdist_artifacts_in_a_stream_get_their_build_requires_from_the_resolvers_index() {
    let mut sb = Sandbox::new();
    let files = sb.path().join("files");
    let helper = wheel("helperdep", "1.0").build(&files);
    let six = wheel("six", "1.0").build(&files);
    let sdist = project(&src(&sb), "needshelper", &["helperdep"]).sdist(&files);
    let mine = Server::start(&[helper, six, sdist]);
    let other = Server::start(&[wheel("unrelated", "1.0").build(&sb.path().join("other"))]);
    sb.set_env("PIP_INDEX_URL", &other.url());
    let venv = sb.venv("venv");
    let reqs = sb.write("requirements.txt", "needshelper\n");
    let own_cache: PathBuf = sb.path().join("meta-cache");
    let mut meta = sb.meta();
    meta.arg("--cache-dir").arg(&own_cache);

    let run = pipeline(vec![sb.resolve(&mine.url(), &venv, &[&reqs]), meta], None);
    run.assert_success();
    let metas: Vec<(String, Option<MetadataFrom>)> = run
        .records()
        .into_iter()
        .filter_map(|r| match r {
            Record::Metadata(m) => Some((m.name, m.from_source)),
            _ => None,
        })
        .collect();
    assert!(metas.contains(&("needshelper".into(), Some(MetadataFrom::PrepareHook))), "{run}");
    assert!(metas.contains(&("six".into(), None)), "{run}");
    assert!(run.records().iter().any(|r| matches!(r, Record::Index(_))), "passed on: {run}");
    assert!(own_cache.join("build-envs").exists(), "wheel-meta made its own environment");
    assert!(!other.requests().iter().any(|r| r.path.contains("helperdep")), "{run}");
}
