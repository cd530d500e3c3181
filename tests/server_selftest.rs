//! Proves the test harness itself with real pip, independently of our tools:
//! the fixture wheels install, their console script runs and `pip check`
//! passes when pip reads them from the test server; the server answers
//! range requests and PEP 691 JSON as the PEPs say.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;

use support::*;

#[test]
fn pip_installs_the_fixtures_from_the_test_index() {
    let sb = Sandbox::new();
    let wheels = alpha_beta(&sb.path().join("wheels"));
    let server = Server::start(&wheels);
    let venv = sb.venv("venv");
    let out = sb.pip_ok(&venv, &["install", "--no-cache-dir", "--index-url", &server.url(), "alpha==1.0"]);
    assert!(out.contains("Successfully installed alpha-1.0 beta-2.0"), "pip said:\n{out}");

    let cli = sb.command(venv.bin("alpha-cli")).output().unwrap();
    assert!(cli.status.success(), "alpha-cli failed: {}", String::from_utf8_lossy(&cli.stderr));
    assert_eq!(String::from_utf8_lossy(&cli.stdout).trim(), ALPHA_CLI_OUTPUT);
    let tool = sb.command(venv.bin("alpha-tool")).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&tool.stdout).trim(), ALPHA_TOOL_OUTPUT, "{tool:?}");
    sb.pip_ok(&venv, &["check"]);
    let list = sb.pip_list(&venv);
    assert_eq!(list.get("alpha").map(String::as_str), Some("1.0"));
    assert_eq!(list.get("beta").map(String::as_str), Some("2.0"));

    // pip read the JSON pages, used PEP 658 metadata, and verified the hashes.
    let log = server.requests();
    assert!(log.iter().any(|e| e.path == "/simple/alpha/" && e.status == 200), "{log:#?}");
    assert!(log.iter().any(|e| e.path.ends_with(".whl.metadata") && e.status == 200), "{log:#?}");
}

#[test]
fn pip_installs_from_the_html_pages_without_pep_658() {
    let sb = Sandbox::new();
    let server = Server::start(&alpha_beta(&sb.path().join("wheels")));
    server.faults().no_json = true;
    server.faults().no_pep658 = true;
    let venv = sb.venv("venv");
    let out = sb.pip_ok(&venv, &["install", "--no-cache-dir", "--index-url", &server.url(), "alpha==1.0"]);
    assert!(out.contains("Successfully installed alpha-1.0 beta-2.0"), "pip said:\n{out}");
    let log = server.requests();
    assert!(!log.iter().any(|e| e.path.ends_with(".metadata")), "{log:#?}");
}

#[test]
fn pip_rejects_a_wheel_whose_advertised_hash_is_wrong() {
    let sb = Sandbox::new();
    let wheels = alpha_beta(&sb.path().join("wheels"));
    let server = Server::start(&wheels);
    server.faults().wrong_hash_for(&beta().filename());
    server.faults().no_pep658 = true;
    let venv = sb.venv("venv");
    let out = sb.pip(&venv, &["install", "--no-cache-dir", "--index-url", &server.url(), "beta==2.0"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("HASHES"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn range_requests_return_the_right_bytes() {
    let sb = Sandbox::new();
    let wheels = alpha_beta(&sb.path().join("wheels"));
    let bytes = std::fs::read(&wheels[0]).unwrap();
    let len = bytes.len();
    let server = Server::start(&wheels);
    let path = format!("/files/{}", alpha().filename());

    let a = raw_request(&server, "GET", &path, &[("Range", "bytes=10-19")]);
    assert_eq!((a.status, &a.body[..]), (206, &bytes[10..20]));
    assert_eq!(a.header("content-range"), Some(format!("bytes 10-19/{len}").as_str()));

    let Answer { status: s, body, .. } = raw_request(&server, "GET", &path, &[("Range", "bytes=-22")]);
    assert_eq!((s, &body[..]), (206, &bytes[len - 22..]));
    assert_eq!(&body[..4], b"PK\x05\x06", "the suffix is the end-of-central-directory record");

    let Answer { status: s, body, .. } =
        raw_request(&server, "GET", &path, &[("Range", &format!("bytes={}-", len - 5))]);
    assert_eq!((s, &body[..]), (206, &bytes[len - 5..]));

    let a = raw_request(&server, "GET", &path, &[("Range", &format!("bytes={len}-"))]);
    assert_eq!(a.status, 416);
    assert_eq!(a.header("content-range"), Some(format!("bytes */{len}").as_str()));

    let a = raw_request(&server, "HEAD", &path, &[]);
    assert_eq!((a.status, a.body.len()), (200, 0));
    assert_eq!(a.header("content-length"), Some(len.to_string().as_str()));

    server.faults().no_ranges = true;
    let Answer { status: s, body, .. } = raw_request(&server, "GET", &path, &[("Range", "bytes=10-19")]);
    assert_eq!((s, body), (200, bytes.clone()));

    let s = raw_request(&server, "GET", "/files/nothing-1.0-py3-none-any.whl", &[]).status;
    assert_eq!(s, 404);
    let log = server.file_requests();
    assert_eq!(log[0].range.as_deref(), Some("bytes=10-19"));
    assert_eq!(log[0].body_bytes, 10);
}

#[test]
fn json_and_html_pages_follow_pep_691_and_503() {
    let sb = Sandbox::new();
    let wheels = alpha_beta(&sb.path().join("wheels"));
    let server = Server::start(&wheels);
    let accept = ("Accept", "application/vnd.pypi.simple.v1+json, text/html; q=0.01");

    let a = raw_request(&server, "GET", "/simple/Alpha/", &[accept]);
    assert_eq!(a.status, 200);
    assert_eq!(a.header("content-type"), Some("application/vnd.pypi.simple.v1+json"));
    let page: serde_json::Value = serde_json::from_slice(&a.body).unwrap();
    assert_eq!(page["name"], "alpha");
    let file = &page["files"][0];
    assert_eq!(file["filename"], alpha().filename());
    assert_eq!(file["url"], server.file_url(&alpha().filename()));
    let sha = wheelpipe::hash::sha256_hex(&std::fs::read(&wheels[0]).unwrap());
    assert_eq!(file["hashes"]["sha256"], sha);
    assert_eq!(file["requires-python"], ">=3.8");
    let meta_sha = wheelpipe::hash::sha256_hex(alpha().metadata().as_bytes());
    assert_eq!(file["core-metadata"]["sha256"], meta_sha);

    let meta = raw_request(&server, "GET", &format!("/files/{}.metadata", alpha().filename()), &[]);
    assert_eq!((meta.status, meta.text()), (200, alpha().metadata()));

    let a = raw_request(&server, "GET", "/simple/alpha/", &[]);
    assert_eq!(a.status, 200);
    assert_eq!(a.header("content-type"), Some("text/html"));
    let html = a.text();
    assert!(html.contains(&format!("#sha256={sha}")), "{html}");
    assert!(html.contains("data-requires-python=\"&gt;=3.8\""), "{html}");
    assert!(html.contains(&format!("data-core-metadata=\"sha256={meta_sha}\"")), "{html}");

    server.faults().no_pep658 = true;
    let page: serde_json::Value =
        serde_json::from_slice(&raw_request(&server, "GET", "/simple/alpha/", &[accept]).body).unwrap();
    assert_eq!(page["files"][0]["core-metadata"], false);
    let s = raw_request(&server, "GET", &format!("/files/{}.metadata", alpha().filename()), &[]).status;
    assert_eq!(s, 404);
    let s = raw_request(&server, "GET", "/simple/gamma/", &[accept]).status;
    assert_eq!(s, 404);
}

#[test]
fn faults_fail_then_recover_and_cut_bodies() {
    let sb = Sandbox::new();
    let wheels = alpha_beta(&sb.path().join("wheels"));
    let server = Server::start(&wheels);
    let path = format!("/files/{}", beta().filename());
    server.faults().fail_next_n_with(2, 500);
    assert_eq!(raw_request(&server, "GET", &path, &[]).status, 500);
    assert_eq!(raw_request(&server, "GET", &path, &[]).status, 500);
    assert_eq!(raw_request(&server, "GET", &path, &[]).status, 200);

    server.faults().drop_after_bytes = Some(7);
    let a = raw_request(&server, "GET", &path, &[]);
    assert_eq!(a.status, 200);
    assert_eq!(a.body.len(), 7);
    assert!(a.header("content-length").unwrap().parse::<usize>().unwrap() > 7);
    assert!(raw_request(&server, "GET", &path, &[]).body.len() > 7, "the cut happens once");

    server.faults().lying_content_length = true;
    let a = raw_request(&server, "GET", &path, &[]);
    let announced: usize = a.header("content-length").unwrap().parse().unwrap();
    assert_eq!(announced, a.body.len() + 100);
    server.faults().lying_content_length = false;

    server.faults().stall_ms = 300;
    let started = std::time::Instant::now();
    assert_eq!(raw_request(&server, "GET", "/simple/", &[]).status, 200);
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
    server.faults().stall_ms = 0;

    server.faults().down = true;
    let mut conn = TcpStream::connect(server.base().trim_start_matches("http://")).unwrap();
    let _ = conn.write_all(b"GET /simple/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    let mut answer = Vec::new();
    let _ = conn.read_to_end(&mut answer);
    assert!(answer.is_empty(), "a down server answers nothing");
    server.faults().down = false;
    assert_eq!(raw_request(&server, "GET", "/simple/", &[]).status, 200);
}
