//! Build environments come from the indexes the user chose: an sdist whose
//! backend asks for one more requirement in get_requires_for_build_wheel
//! (so wheel-resolve, reading its static PKG-INFO, cannot make that
//! environment ahead) is built by a later stage, which must find the
//! requirement on the index given to wheel-resolve (its `index` record)
//! or to the stage itself (its index flags), never on the index pip's
//! configuration names (`PIP_INDEX_URL`, here a server without it).

mod resolving;
mod support;

use resolving::*;
use support::builds::{artifacts, src, wheel_build};
use support::sources::{Project, TINY_BACKEND};
use support::*;
use wheelpipe::records::Record;

/// The index with the build requirement `extradep` and the sdist
/// `needsextra` (static PKG-INFO; its backend asks for `extradep` and
/// imports it while building), and the configured index, which has neither.
struct Indexes {
    mine: Server,
    other: Server,
    sdist: std::path::PathBuf,
}

fn indexes(sb: &mut Sandbox) -> Indexes {
    let files = sb.path().join("files");
    let extra = wheel("extradep", "1.0").build(&files);
    let backend = TINY_BACKEND.replace(
        "def get_requires_for_build_wheel(config_settings=None):\n    return []",
        "def get_requires_for_build_wheel(config_settings=None):\n    return [\"extradep\"]",
    );
    assert_ne!(backend, TINY_BACKEND, "the backend asks for extradep");
    let pkg_info = "Metadata-Version: 2.2\nName: needsextra\nVersion: 1.0\n";
    let sdist = Project::tiny(&src(sb), "needsextra", "1.0", &[])
        .file("_backend/tinybackend.py", &backend)
        .file("PKG-INFO", pkg_info)
        .sdist(&files);
    let mine = Server::start(&[extra, sdist.clone()]);
    let other = Server::start(&[wheel("unrelated", "1.0").build(&sb.path().join("other"))]);
    sb.set_env("PIP_INDEX_URL", &other.url());
    // The build fails unless its environment has extradep.
    sb.set_env("TINY_IMPORT", "extradep");
    Indexes { mine, other, sdist }
}

/// Whether `server` was asked for extradep's page.
fn asked_for_extradep(server: &Server) -> bool {
    server.requests().iter().any(|r| r.path.contains("extradep"))
}

#[test]
fn the_plain_pipeline_builds_with_requires_from_the_index_given_to_wheel_resolve() {
    let mut sb = Sandbox::new();
    let ix = indexes(&mut sb);
    let venv = sb.venv("venv");
    let reqs = sb.write("requirements.txt", "needsextra\n");

    let resolved = pipeline(vec![sb.resolve(&ix.mine.url(), &venv, &[&reqs])], None);
    resolved.assert_success();
    let first = resolved.records().into_iter().find(|r| !matches!(r, Record::Progress(_)));
    let Some(Record::Index(index)) = first else { panic!("the index record comes first:\n{resolved}") };
    assert_eq!(index.index_url, Some(ix.mine.url()));

    let run = pipeline(vec![sb.resolve(&ix.mine.url(), &venv, &[&reqs]), sb.fetch(), sb.unpack(&venv)], None);
    run.assert_success();
    let out = venv.run_python(&sb, "import needsextra; print(needsextra.VALUE)");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1.0", "{out:?}");
    assert_eq!(sb.pip_list(&venv).get("extradep"), None, "a build requirement, not installed");
    assert!(asked_for_extradep(&ix.mine), "the environment came from the resolver's index");
    assert!(!asked_for_extradep(&ix.other), "the configured index was not asked");
}

#[test]
fn wheel_build_in_a_pipeline_takes_the_index_record() {
    let mut sb = Sandbox::new();
    let ix = indexes(&mut sb);
    let venv = sb.venv("venv");
    let reqs = sb.write("requirements.txt", "needsextra\n");
    let run = pipeline(vec![sb.resolve(&ix.mine.url(), &venv, &[&reqs]), sb.fetch(), wheel_build(&sb)], None);
    run.assert_success();
    let built = artifacts(&run);
    assert_eq!(built.len(), 1, "{run}");
    assert!(built[0].filename.ends_with(".whl"), "{run}");
    assert!(run.records().iter().any(|r| matches!(r, Record::Index(_))), "passed on: {run}");
    assert!(!asked_for_extradep(&ix.other));
}

#[test]
fn wheel_build_and_wheel_unpack_alone_take_index_flags() {
    let mut sb = Sandbox::new();
    let ix = indexes(&mut sb);

    // Without a flag the configured index decides, and it lacks extradep.
    let failed = pipeline(
        vec![{
            let mut c = wheel_build(&sb);
            c.arg(&ix.sdist);
            c
        }],
        None,
    );
    assert_eq!(failed.codes(), vec![Some(1)], "{failed}");
    assert!(failed.stderr(0).contains("extradep"), "{failed}");
    assert!(asked_for_extradep(&ix.other));

    let run = pipeline(
        vec![{
            let mut c = wheel_build(&sb);
            c.arg("--index-url").arg(ix.mine.url()).arg(&ix.sdist);
            c
        }],
        None,
    );
    run.assert_success();
    assert_eq!(artifacts(&run).len(), 1, "{run}");

    // A cache of its own, which has neither the wheel built nor its environment.
    let venv = sb.venv("venv");
    ix.other.clear_log();
    let mut unpack = sb.command(env!("CARGO_BIN_EXE_wheel-unpack"));
    unpack.arg("--venv").arg(&venv.root).arg("--cache-dir").arg(sb.path().join("cache2"));
    unpack.arg("--index-url").arg(ix.mine.url()).arg(&ix.sdist);
    let installed = pipeline(vec![unpack], None);
    installed.assert_success();
    assert!(!asked_for_extradep(&ix.other), "{installed}");
    let out = venv.run_python(&sb, "import needsextra; print(needsextra.VALUE)");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1.0", "{out:?}");
}
