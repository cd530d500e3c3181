//! The plain pipeline builds an sdist whose build requires only the run's
//! index has: wheel-resolve, which alone knows that index, makes the build
//! environment while it reads the sdist's metadata (even when PKG-INFO is
//! enough), so wheel-unpack finds it ready in the cache rather than asking
//! another index for it.

mod resolving;
mod support;

use resolving::*;
use support::builds::src;
use support::sources::Project;
use support::*;

#[test]
fn an_sdist_with_static_metadata_builds_with_requires_from_the_resolvers_index() {
    let mut sb = Sandbox::new();
    let wheels = sb.path().join("wheels");
    let helper = wheel("helperdep", "1.0").build(&wheels);
    let pkg_info = "Metadata-Version: 2.2\nName: needshelper\nVersion: 1.0\n";
    let sdist = Project::tiny(&src(&sb), "needshelper", "1.0", &["helperdep"])
        .file("PKG-INFO", pkg_info)
        .sdist(&wheels);
    let server = Server::start(&[helper, sdist]);
    // The backend imports helperdep: the build fails unless its environment has it.
    sb.set_env("TINY_IMPORT", "helperdep");
    let venv = sb.venv("venv");
    let reqs = sb.write("requirements.txt", "needshelper\n");

    let run = pipeline(vec![sb.resolve(&server.url(), &venv, &[&reqs]), sb.fetch(), sb.unpack(&venv)], None);
    run.assert_success();
    let out = venv.run_python(&sb, "import needshelper; print(needshelper.VALUE)");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1.0", "{out:?}");
    let listed = sb.pip_list(&venv);
    assert_eq!(listed.get("helperdep"), None, "a build requirement, not installed: {listed:?}");
}
