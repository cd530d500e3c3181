//! wheel-list on real venvs: its `installed` records say what pip list says
//! (names, versions) plus who installed each, whether it was requested and
//! its direct URL; `--freeze` prints what pip freeze prints, and
//! wheel-resolve reads it back into the same set in another venv.

mod support;

use std::collections::BTreeMap;

use support::*;
use wheelpipe::records::{Installed, Record};

fn list(sb: &Sandbox, venv: &Venv, args: &[&str]) -> String {
    let out = sb
        .command(env!("CARGO_BIN_EXE_wheel-list"))
        .arg("--venv")
        .arg(&venv.root)
        .arg("--cache-dir")
        .arg(sb.cache())
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "wheel-list failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn installed(records: &[Record]) -> BTreeMap<String, Installed> {
    records
        .iter()
        .filter_map(|r| if let Record::Installed(i) = r { Some((i.name.clone(), i.clone())) } else { None })
        .collect()
}

fn install(sb: &Sandbox, venv: &Venv, server: &Server, reqs: &str) -> Run {
    let file = sb.write("requirements.txt", reqs);
    let run = pipeline(vec![sb.resolve(&server.url(), venv, &[&file]), sb.fetch(), sb.unpack(venv)], None);
    run.assert_success();
    run
}

#[test]
fn records_say_what_pip_list_says_and_who_installed_it() {
    let sb = Sandbox::new();
    let dir = sb.path().join("wheels");
    let mut wheels = alpha_beta(&dir);
    wheels.push(WheelBuilder::new("Gamma.Pkg", "3.0").file("gamma/__init__.py", "").build(&dir));
    let server = Server::start(&wheels);
    let venv = sb.venv("venv");
    install(&sb, &venv, &server, "alpha==1.0\n");
    sb.pip_ok(
        &venv,
        &["install", "--no-compile", "--no-cache-dir", "--index-url", &server.url(), "gamma.pkg"],
    );

    let records = parse_records(&list(&sb, &venv, &[]));
    let Some(Record::End(end)) = records.last() else { panic!("no end: {records:?}") };
    assert!(end.ok && end.count == 3, "{end:?}");
    let got = installed(&records);
    let versions: BTreeMap<String, String> =
        got.iter().map(|(n, i)| (n.clone(), i.version.clone())).collect();
    // Records spell names normalized (PROTOCOL.md); pip list as METADATA does.
    let by_pip: BTreeMap<String, String> =
        sb.pip_list(&venv).into_iter().map(|(n, v)| (wheelpipe::names::normalize(&n), v)).collect();
    assert_eq!(versions, by_pip, "the same as pip list");
    let (alpha, beta, gamma) = (&got["alpha"], &got["beta"], &got["gamma-pkg"]);
    assert_eq!((alpha.installer.as_deref(), alpha.requested), (Some("wheelpipe"), Some(true)));
    assert_eq!((beta.installer.as_deref(), beta.requested), (Some("wheelpipe"), Some(false)));
    assert_eq!((gamma.installer.as_deref(), gamma.requested), (Some("pip"), Some(true)));
    assert!(got.values().all(|i| i.how.is_none() && i.direct_url.is_none()), "{got:?}");
    let rows = std::fs::read_to_string(venv.site_packages().join("beta-2.0.dist-info/RECORD")).unwrap();
    assert_eq!(beta.files, rows.lines().count() as u64);

    // A broken direct_url.json is a warning, as in pip: the rest is listed.
    std::fs::write(venv.site_packages().join("beta-2.0.dist-info/direct_url.json"), "{oops").unwrap();
    let out = sb
        .command(env!("CARGO_BIN_EXE_wheel-list"))
        .arg("--venv")
        .arg(&venv.root)
        .arg("--freeze")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "alpha==1.0\nbeta==2.0\nGamma.Pkg==3.0\n");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("wheel-list: warning: ") && err.contains("direct_url.json is not JSON"), "{err}");
}

#[test]
fn freeze_is_pip_freeze_and_wheel_resolve_reads_it_back() {
    let sb = Sandbox::new();
    let server = Server::start(&alpha_beta(&sb.path().join("wheels")));
    let venv = sb.venv("venv");
    let beta_url = server.file_url("beta-2.0-py3-none-any.whl");
    install(&sb, &venv, &server, &format!("alpha==1.0\nbeta @ {beta_url}\n"));

    let freeze = list(&sb, &venv, &["--freeze"]);
    let sha256 = server.index().file("beta-2.0-py3-none-any.whl").unwrap().sha256.clone();
    assert_eq!(freeze, format!("alpha==1.0\nbeta @ {beta_url}#sha256={sha256}\n"));
    assert_eq!(freeze, sb.pip_ok(&venv, &["freeze"]), "the same lines as pip freeze");
    let records = parse_records(&list(&sb, &venv, &[]));
    assert_eq!(installed(&records)["beta"].direct_url.as_deref(), Some(beta_url.as_str()));

    let other = sb.venv("other");
    let lock = sb.write("frozen.txt", &freeze);
    let run =
        pipeline(vec![sb.resolve(&server.url(), &other, &[&lock]), sb.fetch(), sb.unpack(&other)], None);
    run.assert_success();
    assert_eq!(list(&sb, &other, &["--freeze"]), freeze, "the same set, the same URL:\n{run}");
    sb.pip_ok(&other, &["check"]);
}

#[test]
fn not_a_venv_is_a_usage_error() {
    let sb = Sandbox::new();
    let out = sb.command(env!("CARGO_BIN_EXE_wheel-list")).arg("--venv").arg(sb.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not a virtualenv: it has no bin/python"), "{err}");
}
