//! Tests of "already satisfied": which wheels a venv's dist-info folders
//! make unnecessary, and which `satisfied` records hold.

use std::fs;

use super::*;

/// A venv with `demo 1.0` installed (from `direct`'s JSON when given).
fn venv_with_demo(dir: &Path, direct: Option<&str>) -> Scheme {
    let scheme = crate::scheme::for_tests(dir);
    let info = scheme.purelib.join("demo-1.0.dist-info");
    fs::create_dir_all(&info).unwrap();
    fs::write(info.join("METADATA"), "Metadata-Version: 2.1\nName: Demo\nVersion: 1.0\n\n").unwrap();
    if let Some(json) = direct {
        fs::write(info.join("direct_url.json"), json).unwrap();
    }
    scheme
}

fn wanted<'a>(wheel: &'a Path, direct: Option<&'a Direct>, sha256: Option<&'a str>) -> Wanted<'a> {
    Wanted { wheel, requested: true, direct, sha256, reinstall: false }
}

#[test]
fn the_same_version_is_kept_unless_a_reinstall_is_asked() {
    let dir = tempfile::tempdir().unwrap();
    let scheme = venv_with_demo(dir.path(), None);
    let keep = Keep::read(&scheme, Reinstall::default()).unwrap();
    let same = Path::new("/w/demo-1.0.0-py3-none-any.whl");
    let kept = keep.check(&wanted(same, None, None)).unwrap().expect("1.0.0 is 1.0");
    assert_eq!((kept.name.as_str(), kept.version.as_str(), kept.requested), ("Demo", "1.0", true));
    assert_eq!(kept.location, scheme.purelib);
    for other in ["/w/demo-1.1-py3-none-any.whl", "/w/other-1.0-py3-none-any.whl", "/w/not-a-wheel"] {
        assert_eq!(keep.check(&wanted(Path::new(other), None, None)).unwrap(), None, "{other}");
    }
    let asked = Wanted { reinstall: true, ..wanted(same, None, None) };
    assert_eq!(keep.check(&asked).unwrap(), None, "the artifact's reinstall");
    for reinstall in [Reinstall::new(true, []), Reinstall::new(false, ["DEMO".to_string()])] {
        let keep = Keep::read(&scheme, reinstall).unwrap();
        assert_eq!(keep.check(&wanted(same, None, None)).unwrap(), None);
    }
    // Two dist-info folders of one name: reinstalled, which leaves one.
    fs::create_dir_all(scheme.purelib.join("demo-0.9.dist-info")).unwrap();
    let keep = Keep::read(&scheme, Reinstall::default()).unwrap();
    assert_eq!(keep.check(&wanted(same, None, None)).unwrap(), None);
}

#[test]
fn a_direct_url_must_be_the_same_url_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let json = r#"{"archive_info": {"hash": "sha256=aa", "hashes": {"sha256": "aa"}}, "url": "http://127.0.0.1/demo-1.0-py3-none-any.whl"}"#;
    let scheme = venv_with_demo(dir.path(), Some(json));
    let keep = Keep::read(&scheme, Reinstall::default()).unwrap();
    let wheel = Path::new("/cache/demo-1.0-py3-none-any.whl");
    let url = |u: &str| Direct::Url(u.to_string());
    let same = url("http://127.0.0.1/demo-1.0-py3-none-any.whl#sha256=aa");
    assert!(keep.check(&wanted(wheel, Some(&same), Some("AA"))).unwrap().is_some());
    assert!(keep.check(&wanted(wheel, Some(&same), None)).unwrap().is_some());
    assert_eq!(keep.check(&wanted(wheel, Some(&same), Some("bb"))).unwrap(), None, "another file");
    let elsewhere = url("http://127.0.0.1/other/demo-1.0-py3-none-any.whl");
    assert_eq!(keep.check(&wanted(wheel, Some(&elsewhere), None)).unwrap(), None);
    assert_eq!(keep.check(&wanted(wheel, Some(&Direct::Path), None)).unwrap(), None);
    // From the index, a version installed from a URL is kept, as pip does.
    assert!(keep.check(&wanted(wheel, None, None)).unwrap().is_some());
    // A direct wheel and a venv whose demo came from the index: installed.
    let plain = tempfile::tempdir().unwrap();
    let keep = Keep::read(&venv_with_demo(plain.path(), None), Reinstall::default()).unwrap();
    assert_eq!(keep.check(&wanted(wheel, Some(&same), None)).unwrap(), None);
    let broken = tempfile::tempdir().unwrap();
    let keep = Keep::read(&venv_with_demo(broken.path(), Some("{oops")), Reinstall::default()).unwrap();
    assert_eq!(keep.check(&wanted(wheel, Some(&same), None)).unwrap(), None, "a broken one: installed");
}

#[test]
fn satisfied_records_are_checked_where_they_say() {
    let dir = tempfile::tempdir().unwrap();
    let scheme = venv_with_demo(&dir.path().join("venv"), None);
    let base = venv_with_demo(&dir.path().join("base"), None).purelib;
    let keep = Keep::read(&scheme, Reinstall::default()).unwrap();
    let record = |version: &str, location: &Path| Satisfied {
        name: "demo".into(),
        version: version.into(),
        requested: false,
        location: location.to_path_buf(),
    };
    let ok = keep.confirm(&record("1.0", &scheme.purelib)).unwrap();
    assert_eq!((ok.name.as_str(), ok.location.as_path()), ("Demo", scheme.purelib.as_path()));
    assert_eq!(keep.confirm(&record("1.0", &base)).unwrap().location, base);
    fs::remove_dir_all(base.join("demo-1.0.dist-info")).unwrap();
    assert!(keep.confirm(&record("1.0", &base)).is_ok(), "a folder is read once a run");
    let err = keep.confirm(&record("2.0", &scheme.purelib)).unwrap_err().to_string();
    assert!(
        err.contains("demo 2.0 was kept as already installed in") && err.contains("resolve again"),
        "{err}"
    );
}
