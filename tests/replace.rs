//! Installing into a virtualenv that already holds the distributions, as a
//! user re-running a changed requirements file does: an older version that
//! pip installed is replaced (its files gone, one dist-info left), and the
//! same set installed twice leaves the same tree.

mod support;

use support::*;

#[test]
fn an_older_version_installed_by_pip_is_replaced() {
    let sb = Sandbox::new();
    let dir = sb.path().join("wheels");
    let old_beta = WheelBuilder::new("beta", "1.0")
        .file("beta/__init__.py", "VALUE = 'old beta'\n")
        .file("beta/old.py", "GONE = True\n")
        .console_script("beta-old", "beta.old:main");
    let mut wheels = alpha_beta(&dir);
    wheels.push(old_beta.build(&dir));
    let server = Server::start(&wheels);
    let venv = sb.venv("venv");
    sb.pip_ok(
        &venv,
        &["install", "--no-compile", "--no-cache-dir", "--index-url", &server.url(), "beta==1.0"],
    );
    assert!(venv.bin("beta-old").exists());

    let reqs = sb.write("requirements.txt", "alpha==1.0\nbeta==2.0\n");
    let run = pipeline(vec![sb.resolve(&server.url(), &venv, &[&reqs]), sb.fetch(), sb.unpack(&venv)], None);
    run.assert_success();
    sb.pip_ok(&venv, &["check"]);
    let list = sb.pip_list(&venv);
    assert_eq!(list.get("beta").map(String::as_str), Some("2.0"), "{list:?}");
    let site = venv.site_packages();
    assert!(!site.join("beta/old.py").exists(), "the old version's files are gone");
    assert!(!site.join("beta-1.0.dist-info").exists(), "one dist-info for beta");
    assert!(!venv.bin("beta-old").exists(), "the old version's script is gone");
    let import = venv.run_python(&sb, "import beta; print(beta.VALUE)");
    assert_eq!(String::from_utf8_lossy(&import.stdout).trim(), "beta", "{import:?}");
}

#[test]
fn the_same_set_twice_leaves_the_same_tree() {
    let sb = Sandbox::new();
    let server = Server::start(&alpha_beta(&sb.path().join("wheels")));
    let venv = sb.venv("venv");
    let reqs = sb.write("requirements.txt", "alpha==1.0\nbeta==2.0\n");
    let run =
        || pipeline(vec![sb.resolve(&server.url(), &venv, &[&reqs]), sb.fetch(), sb.unpack(&venv)], None);
    run().assert_success();
    let first = snapshot(&venv.root);
    run().assert_success();
    assert_same_tree(&first, &snapshot(&venv.root), "the venv after the same install again");
    assert_eq!(venv.dists(&sb).len(), 2);
}
