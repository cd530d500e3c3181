//! `--lock FILE` writes a PEP 751 lock of the resolution that Python's own
//! TOML reader reads (the packages, versions, wheel URLs and hashes); that
//! `pylock.toml` given back to wheel-resolve is installed as locked, without
//! resolving: the same set, even after the index gained newer versions.

mod resolving;
mod support;

use std::collections::BTreeMap;

use resolving::*;
use support::*;

/// The packages of a lock as Python's tomllib reads them: name → (version, wheel URL, sha256).
fn read_lock(sb: &Sandbox, lock: &std::path::Path) -> BTreeMap<String, (String, String, String)> {
    let code = "import json, sys, tomllib\n\
                lock = tomllib.load(open(sys.argv[1], 'rb'))\n\
                assert lock['lock-version'] == '1.0', lock['lock-version']\n\
                print(json.dumps({p['name']: [p['version'], p['wheels'][0]['url'], \
                p['wheels'][0]['hashes']['sha256']] for p in lock['packages']}))\n";
    let out = sb.command(python3()).arg("-c").arg(code).arg(lock).output().unwrap();
    assert!(out.status.success(), "tomllib reads the lock: {}", String::from_utf8_lossy(&out.stderr));
    let parsed: BTreeMap<String, (String, String, String)> = serde_json::from_slice(&out.stdout).unwrap();
    parsed
}

#[test]
fn a_lock_is_written_read_by_python_and_installed_as_locked() {
    let case =
        Case::new(&[wheel("app", "1.0").requires_dist("lib>=1"), wheel("lib", "1.0"), wheel("lib", "1.5")]);
    let reqs = case.file("requirements.txt", "app\n");
    let lock = case.sb.path().join("pylock.toml");
    let run = case.resolve(&["--lock", lock.to_str().unwrap(), &reqs]);
    let resolved = Resolved::from_run(&run);
    assert_eq!(resolved.pins(), ["app==1.0", "lib==1.5"]);

    let locked = read_lock(&case.sb, &lock);
    assert_eq!(locked.keys().collect::<Vec<_>>(), ["app", "lib"]);
    for artifact in &resolved.artifacts {
        let (version, url, sha256) = &locked[&artifact.name];
        assert_eq!((version, url), (&artifact.version, &artifact.url));
        assert_eq!(Some(sha256.as_str()), artifact.sha256());
    }

    // The index gains a newer lib: the lock still installs what it locked.
    let mut wheels = case.wheels.clone();
    wheels.push(wheel("lib", "2.0").build(&case.sb.path().join("wheels")));
    let newer = Case::serve(Sandbox::new(), wheels);
    let from_lock = Resolved::from_run(&newer.resolve(&[lock.to_str().unwrap()]));
    assert_eq!(from_lock.pins(), ["app==1.0", "lib==1.5"], "as locked, not resolved again");
    assert_eq!(from_lock.get("lib").url, resolved.get("lib").url, "from the locked URL");

    let venv = case.sb.venv("venv");
    let install = pipeline(
        vec![case.sb.resolve_with(&venv, &[lock.as_os_str()]), case.sb.fetch(), case.sb.unpack(&venv)],
        None,
    );
    install.assert_success();
    let want: BTreeMap<String, String> =
        [("app", "1.0"), ("lib", "1.5")].map(|(n, v)| (n.to_string(), v.to_string())).into();
    assert_eq!(venv.dists(&case.sb), want, "{install}");
    assert!(case.sb.pip_ok(&venv, &["check"]).contains("No broken requirements found"));
}

#[test]
fn a_lock_is_installed_alone_and_a_failed_resolve_writes_none() {
    let case = Case::new(&[wheel("app", "1.0").requires_dist("lib>=9"), wheel("lib", "1.0")]);
    let lock = case.sb.path().join("pylock.toml");
    std::fs::write(&lock, "lock-version = \"1.0\"\ncreated-by = \"hand\"\n").unwrap();
    let reqs = case.file("requirements.txt", "app\n");
    let both = case.resolve(&[lock.to_str().unwrap(), &reqs]);
    assert_eq!(both.codes(), [Some(2)], "a lock and other files together is a usage error: {both}");
    assert!(both.stderr(0).contains("pylock.toml is installed alone"), "{both}");

    let out = case.sb.path().join("new.pylock.toml");
    let failed = case.resolve(&["--lock", out.to_str().unwrap(), &reqs]);
    assert_eq!(failed.codes(), [Some(1)], "{failed}");
    assert!(!out.exists(), "no lock is written for a resolution that failed");
}
