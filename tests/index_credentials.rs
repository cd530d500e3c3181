//! An index that needs a password (HTTP Basic), named with its credentials
//! in `PIP_INDEX_URL` only: pip sends them with every request to that host,
//! the files' too, so every stage must, though the records carry no
//! credentials. Without them `wheel-fetch` fails with the 401, naming the
//! file's URL; no stage ever prints the password.

mod support;

use std::ffi::OsStr;

use support::*;

const SECRET: &str = "s3cr%2Ft";

fn private_index(sb: &Sandbox) -> (Server, String) {
    let server = Server::start(&alpha_beta(&sb.path().join("wheels")));
    server.faults().basic_auth = Some(("user".into(), "s3cr/t".into()));
    let url = server.url().replace("http://", &format!("http://user:{SECRET}@"));
    (server, url)
}

fn assert_no_secret(run: &Run) {
    for i in 0..run.stages.len() {
        assert!(!run.stderr(i).contains("s3cr"), "stage {i} shows the password: {}", run.stderr(i));
    }
    assert!(!run.stdout.contains("s3cr"), "{}", run.stdout);
}

#[test]
fn the_credentials_of_the_configured_index_reach_every_stage() {
    let mut sb = Sandbox::new();
    let (server, url) = private_index(&sb);
    sb.set_env("PIP_INDEX_URL", &url);
    let reqs = sb.write("requirements.txt", "alpha\n");
    let venv = sb.venv("venv");
    let resolve = sb.resolve_with(&venv, &[reqs.as_os_str()]);
    let run = pipeline(vec![resolve, sb.fetch(), sb.unpack(&venv)], None);
    run.assert_success();
    assert_no_secret(&run);
    assert_eq!(venv.dists(&sb).keys().collect::<Vec<_>>(), ["alpha", "beta"]);
    let files = server.file_requests();
    assert!(files.iter().any(|r| r.path.ends_with(".whl") && r.status / 100 == 2), "{files:?}");
    assert!(files.iter().all(|r| r.status != 401), "every file request had the credentials: {files:?}");
}

#[test]
fn without_the_credentials_wheel_fetch_names_the_url_and_the_401() {
    let mut sb = Sandbox::new();
    let (server, url) = private_index(&sb);
    sb.set_env("PIP_INDEX_URL", &url);
    let reqs = sb.write("requirements.txt", "alpha\n");
    let venv = sb.venv("venv");
    let resolved = pipeline(vec![sb.resolve_with(&venv, &[reqs.as_os_str()])], None);
    resolved.assert_success();
    let mut fetch = sb.command(env!("CARGO_BIN_EXE_wheel-fetch"));
    fetch
        .env_remove("PIP_INDEX_URL")
        .args([OsStr::new("--cache-dir"), sb.path().join("other-cache").as_os_str()]);
    let run = pipeline(vec![fetch], Some(resolved.stdout.clone().into_bytes()));
    assert_eq!(run.codes(), [Some(1)], "{run}");
    let stderr = run.stderr(0);
    let file = server.file_url("alpha-1.0-py3-none-any.whl");
    assert!(stderr.contains(&file) && stderr.contains("401"), "{stderr}");
    assert_no_secret(&run);
}
