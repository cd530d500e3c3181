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

/// Issue 11: a `.dist-info` with a `licenses/` folder listed first in its
/// RECORD could not be installed again at the same version (the commit
/// planner looked for the exact path among what moved aside). The second
/// run keeps it (already satisfied); the third reinstalls it.
#[test]
fn a_dist_info_with_a_licenses_folder_installs_again() {
    let sb = Sandbox::new();
    let b = WheelBuilder::new("lic", "1.0");
    let license = format!("{}/licenses/LICENSE", b.dist_info());
    let wheel =
        b.file(&license, "MIT\n").file("lic/__init__.py", "VALUE = 'lic'\n").build(&sb.path().join("w"));
    let server = Server::start(&[wheel]);
    let venv = sb.venv("venv");
    let reqs = sb.write("requirements.txt", "lic==1.0\n");
    // `--reinstall` goes to wheel-resolve: it is the stage that would
    // otherwise say the venv's copy satisfies, and fetch nothing.
    let run = |extra: &[&str]| {
        let mut resolve = sb.resolve(&server.url(), &venv, &[&reqs]);
        resolve.args(extra);
        pipeline(vec![resolve, sb.fetch(), sb.unpack(&venv)], None)
    };
    for (i, extra) in [&[][..], &[], &["--reinstall"]].into_iter().enumerate() {
        let r = run(extra);
        assert_eq!(r.codes(), [Some(0); 3], "{extra:?}:\n{r}");
        let installed = r.records().iter().any(|x| matches!(x, wheelpipe::records::Record::Installed(_)));
        assert_eq!(installed, i != 1, "run {i} installs, or keeps what is there:\n{r}");
        assert!(sb.pip_ok(&venv, &["check"]).contains("No broken requirements"));
        let record = std::fs::read_to_string(venv.site_packages().join("lic-1.0.dist-info/RECORD")).unwrap();
        assert!(record.contains("lic-1.0.dist-info/licenses/LICENSE,"), "{record}");
        assert!(venv.site_packages().join("lic-1.0.dist-info/licenses/LICENSE").is_file());
    }
}
