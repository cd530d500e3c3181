//! "Requirement already satisfied", end to end: the same lock run again on
//! a venv changes nothing in it (same inodes, sizes and times, no staging
//! folder) and says `satisfied`; `--reinstall`, `--reinstall-package` and
//! an artifact's `reinstall` install again; a wheel named by path is kept
//! only for the same path; `satisfied` records from upstream are checked.

mod support;

use std::fs;
use std::os::unix::fs::MetadataExt;

use support::*;
use wheelpipe::records::{End, Record, Satisfied};

fn names(records: &[Record], kind: &str) -> Vec<String> {
    let mut names: Vec<String> = records
        .iter()
        .filter_map(|r| match r {
            Record::Installed(i) if kind == "installed" => Some(format!("{} {}", i.name, i.version)),
            Record::Satisfied(s) if kind == "satisfied" => Some(format!("{} {}", s.name, s.version)),
            _ => None,
        })
        .collect();
    names.sort();
    names
}

fn end_count(records: &[Record]) -> u64 {
    match records.last() {
        Some(Record::End(end)) if end.ok => end.count,
        other => panic!("the last record is no good end: {other:?}"),
    }
}

#[test]
fn the_same_lock_again_touches_nothing_and_says_satisfied() {
    let sb = Sandbox::new();
    let server = Server::start(&alpha_beta(&sb.path().join("wheels")));
    let venv = sb.venv("venv");
    let reqs = sb.write("requirements.txt", "alpha==1.0\nbeta==2.0\n");
    let run =
        || pipeline(vec![sb.resolve(&server.url(), &venv, &[&reqs]), sb.fetch(), sb.unpack(&venv)], None);
    let first = run();
    first.assert_success();
    assert_eq!(names(&first.records(), "installed"), ["alpha 1.0", "beta 2.0"]);
    let before = stat_snapshot(&venv.root);

    let again = run();
    again.assert_success();
    let records = again.records();
    assert_eq!(names(&records, "installed"), Vec::<String>::new(), "{again}");
    assert_eq!(names(&records, "satisfied"), ["alpha 1.0", "beta 2.0"]);
    assert_eq!(end_count(&records), 2);
    let site = venv.site_packages();
    for r in &records {
        if let Record::Satisfied(s) = r {
            assert_eq!(s.location, site);
            assert!(s.requested, "both are in requirements.txt: {s:?}");
        }
    }
    assert_same_tree(
        &before,
        &stat_snapshot(&venv.root),
        "the venv (inodes and times) after the same lock again",
    );
    sb.pip_ok(&venv, &["check"]);
    assert_eq!(sb.pip_list(&venv).len(), 2);
}

#[test]
fn reinstall_options_and_the_artifact_flag_install_again() {
    let sb = Sandbox::new();
    let wheels = alpha_beta(&sb.path().join("wheels"));
    let venv = sb.venv("venv");
    // RECORD is written anew by every install (package files may be hard
    // links to the same cached file).
    let ino = |rel: &str| fs::metadata(venv.site_packages().join(rel)).unwrap().ino();
    let (alpha_record, beta_record) = ("alpha-1.0.dist-info/RECORD", "beta-2.0.dist-info/RECORD");
    let unpack = |args: &[&str], stream: String| {
        let mut c = sb.unpack(&venv);
        c.args(args);
        pipeline(vec![c], Some(stream.into_bytes()))
    };
    unpack(&[], fetched_stream(&wheels)).assert_success();
    let (alpha0, beta0) = (ino(alpha_record), ino(beta_record));

    let r = unpack(&["--reinstall-package", "BETA"], fetched_stream(&wheels));
    r.assert_success();
    assert_eq!(names(&r.records(), "installed"), ["beta 2.0"], "{r}");
    assert_eq!(names(&r.records(), "satisfied"), ["alpha 1.0"]);
    assert_eq!(ino(alpha_record), alpha0, "alpha is kept");
    let beta1 = ino(beta_record);
    assert_ne!(beta1, beta0, "beta is installed anew");

    let mut stream = String::new();
    for w in &wheels {
        let mut a = artifact_for(w);
        a.reinstall = a.name == "alpha";
        stream.push_str(&format!("{}\n", Record::Artifact(a).to_line()));
    }
    stream.push_str(&format!("{}\n", Record::End(End::new("wheel-fetch", true, 2)).to_line()));
    let r = unpack(&[], stream);
    r.assert_success();
    assert_eq!(names(&r.records(), "installed"), ["alpha 1.0"], "{r}");
    assert_ne!(ino(alpha_record), alpha0);
    assert_eq!(ino(beta_record), beta1);

    let r = unpack(&["--reinstall"], fetched_stream(&wheels));
    r.assert_success();
    assert_eq!(names(&r.records(), "installed"), ["alpha 1.0", "beta 2.0"], "{r}");
    assert_ne!(ino(beta_record), beta1);
    sb.pip_ok(&venv, &["check"]);
    let list = sb.pip_list(&venv);
    assert_eq!(list.get("alpha").map(String::as_str), Some("1.0"), "{list:?}");
}

#[test]
fn a_wheel_named_by_path_is_kept_only_for_the_same_path() {
    let sb = Sandbox::new();
    let wheel = beta().build(&sb.path().join("one"));
    let copy = sb.path().join("two").join(wheel.file_name().unwrap());
    fs::create_dir_all(copy.parent().unwrap()).unwrap();
    fs::copy(&wheel, &copy).unwrap();
    let venv = sb.venv("venv");
    let unpack = |w: &std::path::Path| {
        let mut c = sb.unpack(&venv);
        c.arg(w);
        pipeline(vec![c], None)
    };
    unpack(&wheel).assert_success();
    let again = unpack(&wheel);
    again.assert_success();
    assert_eq!(names(&again.records(), "satisfied"), ["beta 2.0"], "{again}");
    let moved = unpack(&copy);
    moved.assert_success();
    assert_eq!(names(&moved.records(), "installed"), ["beta 2.0"], "{moved}");
    let json = fs::read_to_string(venv.site_packages().join("beta-2.0.dist-info/direct_url.json")).unwrap();
    assert!(json.contains("/two/beta-2.0-py3-none-any.whl"), "{json}");
    let freeze = sb.pip_ok(&venv, &["freeze"]);
    assert!(freeze.contains("beta @ file://") && freeze.contains("/two/"), "{freeze}");
}

#[test]
fn satisfied_records_from_upstream_are_checked_and_kept() {
    let sb = Sandbox::new();
    let wheels = alpha_beta(&sb.path().join("wheels"));
    let venv = sb.venv("venv");
    pipeline(vec![sb.unpack(&venv)], Some(fetched_stream(&wheels[1..]).into_bytes())).assert_success();
    let site = venv.site_packages();
    let satisfied = |version: &str| {
        let s = Satisfied {
            name: "beta".into(),
            version: version.into(),
            requested: false,
            location: site.clone(),
        };
        format!("{}\n", Record::Satisfied(s).to_line())
    };

    let before = snapshot(&venv.root);
    let gone = pipeline(
        vec![sb.unpack(&venv)],
        Some(format!("{}{}", satisfied("3.0"), fetched_stream(&wheels[..1])).into_bytes()),
    );
    assert_eq!(gone.codes(), [Some(1)], "{gone}");
    assert!(gone.stderr(0).contains("beta 3.0 was kept as already installed in"), "{gone}");
    assert_same_tree(&before, &snapshot(&venv.root), "the venv after a satisfied record that does not hold");

    let ok = pipeline(
        vec![sb.unpack(&venv)],
        Some(format!("{}{}", satisfied("2.0"), fetched_stream(&wheels[..1])).into_bytes()),
    );
    ok.assert_success();
    let records = ok.records();
    assert_eq!(names(&records, "installed"), ["alpha 1.0"], "{ok}");
    assert_eq!(names(&records, "satisfied"), ["beta 2.0"]);
    assert_eq!(end_count(&records), 2);
    sb.pip_ok(&venv, &["check"]);
}
