//! Tests of reading METADATA from wheels on disk and over HTTP, against
//! wheels built here and the unit tests' server on 127.0.0.1.

use std::collections::HashMap;
use std::io;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use super::*;
use crate::http::HttpOptions;
use crate::test_server::{Response, Server};

const METADATA: &str = "Metadata-Version: 2.1\nName: demo_pkg\nVersion: 1.0\nRequires-Dist: six\n\nBody\n";

fn wheel_bytes(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
    for (name, text) in entries {
        zip.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn good_wheel() -> Vec<u8> {
    wheel_bytes(&[("demo_pkg/__init__.py", ""), ("demo_pkg-1.0.dist-info/METADATA", METADATA)])
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn reads_the_metadata_of_a_local_wheel() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), "Demo.Pkg-1.0.0-py3-none-any.whl", &good_wheel());
    let meta = read_local(&path).unwrap();
    assert_eq!((meta.name.as_str(), meta.version.as_str()), ("demo_pkg", "1.0"));
    assert_eq!(meta.requires_dist, vec!["six"]);
}

#[test]
fn broken_wheels_are_errors_naming_the_path() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: [(&str, Vec<u8>, &str); 5] = [
        ("a-1.0-py3-none-any.whl", b"not a zip".to_vec(), "is not a wheel (not a zip file)"),
        ("a-1.0-py3-none-any.whl", wheel_bytes(&[("a/x.py", "")]), "has no .dist-info folder"),
        (
            "a-1.0-py3-none-any.whl",
            wheel_bytes(&[("a-1.0.dist-info/METADATA", METADATA), ("b-1.0.dist-info/METADATA", METADATA)]),
            "several .dist-info folders: a-1.0.dist-info, b-1.0.dist-info",
        ),
        (
            "a-1.0-py3-none-any.whl",
            wheel_bytes(&[("a-1.0.dist-info/RECORD", "")]),
            "has no a-1.0.dist-info/METADATA",
        ),
        ("a-2.0-py3-none-any.whl", good_wheel(), "does not match the wheel's name and version"),
    ];
    for (i, (name, bytes, want)) in cases.iter().enumerate() {
        let dir = tmp.path().join(i.to_string());
        std::fs::create_dir(&dir).unwrap();
        let path = write(&dir, name, bytes);
        let err = format!("{:#}", read_local(&path).unwrap_err());
        assert!(err.starts_with(&path.display().to_string()), "{err}");
        assert!(err.contains(want), "case {i}: {err}");
    }
}

/// Serves `routes` (path to status and body) on 127.0.0.1 until the test
/// ends, a 404 with the body `missing` elsewhere; returns the base URL.
fn serve(routes: HashMap<String, (u16, Vec<u8>)>) -> String {
    let server = Server::start(move |request| {
        let (status, body) = routes.get(&request.path).cloned().unwrap_or((404, b"missing".to_vec()));
        Response::new(status, body)
    });
    server.base().to_string()
}

fn client() -> Client {
    let options = HttpOptions { retries: 0, backoff: Duration::from_millis(1), ..HttpOptions::default() };
    Client::new(options).unwrap()
}

#[test]
fn pep658_metadata_is_used_and_its_hash_checked() {
    let wheel = "/w/demo_pkg-1.0-py3-none-any.whl";
    let routes = HashMap::from([(format!("{wheel}.metadata"), (200, METADATA.as_bytes().to_vec()))]);
    let base = serve(routes);
    let (url, meta_url) = (format!("{base}{wheel}"), format!("{base}{wheel}.metadata"));
    let sha = crate::hash::sha256_hex(METADATA.as_bytes());
    let m = fetch(&client(), &url, Some(&meta_url), Some(&sha)).unwrap();
    assert_eq!((m.source, m.bytes, m.requests), (MetadataSource::Pep658, METADATA.len() as u64, 1));
    assert_eq!((m.name.as_str(), m.url.as_str()), ("demo_pkg", url.as_str()));

    let wrong = "0".repeat(64);
    let err = fetch(&client(), &url, Some(&meta_url), Some(&wrong)).unwrap_err().to_string();
    assert!(err.contains(&meta_url) && err.contains(&wrong) && err.contains(&sha), "{err}");
}

#[test]
fn without_pep658_the_whole_wheel_is_downloaded() {
    let wheel = "/w/demo_pkg-1.0-py3-none-any.whl";
    let bytes = good_wheel();
    let base = serve(HashMap::from([(wheel.to_string(), (200, bytes.clone()))]));
    let url = format!("{base}{wheel}");
    let m = fetch(&client(), &url, Some(&format!("{url}.metadata")), None).unwrap();
    // The 404's body ("missing") counts: it came over the network too. This
    // server ignores Range, so the range read's 200 is the full download.
    let expected = bytes.len() as u64 + b"missing".len() as u64;
    assert_eq!((m.source, m.bytes, m.requests), (MetadataSource::Full, expected, 2));
    assert_eq!(m.requires_dist, vec!["six"]);
    let m = fetch(&client(), &url, None, None).unwrap();
    assert_eq!((m.source, m.requests), (MetadataSource::Full, 1));

    let err = fetch(&client(), &format!("{base}/w/gone-1.0-py3-none-any.whl"), None, None).unwrap_err();
    assert!(err.to_string().contains("/w/gone-1.0-py3-none-any.whl: HTTP 404"), "{err}");
}

#[test]
fn file_urls_are_read_in_place() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), "demo_pkg-1.0-py3-none-any.whl", &good_wheel());
    let url = url::Url::from_file_path(&path).unwrap().to_string();
    let m = fetch(&client(), &url, None, None).unwrap();
    assert_eq!((m.source, m.bytes, m.requests), (MetadataSource::Local, 0, 0));
}

#[test]
fn a_download_that_is_no_zip_is_an_error_naming_the_url() {
    let wheel = "/w/demo_pkg-1.0-py3-none-any.whl";
    let page = b"<html><body>Too many requests, try later</body></html>".to_vec();
    let base = serve(HashMap::from([(wheel.to_string(), (200, page))]));
    let url = format!("{base}{wheel}");
    let err = format!("{:#}", fetch(&client(), &url, None, None).unwrap_err());
    assert!(err.starts_with(&format!("{url} is not a wheel (not a zip file)")), "{err}");
}

#[test]
fn a_metadata_file_that_breaks_off_or_arrives_damaged_is_asked_for_again() {
    let server = Server::scripted();
    let wheel = "/w/demo_pkg-1.0-py3-none-any.whl";
    let mut flipped = METADATA.as_bytes().to_vec();
    flipped[20] ^= 0x01;
    let cut = Response { content_length: Some(METADATA.len() + 50), ..Response::ok(METADATA) };
    let meta_url =
        server.route(&format!("{wheel}.metadata"), vec![cut, Response::ok(&flipped), Response::ok(METADATA)]);
    let url = server.url(wheel);
    let sha = crate::hash::sha256_hex(METADATA.as_bytes());
    let options = HttpOptions { retries: 2, backoff: Duration::from_millis(1), ..HttpOptions::default() };
    let m = fetch(&Client::new(options).unwrap(), &url, Some(&meta_url), Some(&sha)).unwrap();
    assert_eq!(
        (m.source, m.requires_dist.as_slice()),
        (MetadataSource::Pep658, ["six".to_string()].as_slice())
    );
    assert_eq!(m.requests, 3, "a body cut short, one with a flipped byte, then the file");
    assert_eq!(server.hits(&format!("{wheel}.metadata")), 3);
}

#[test]
fn metadata_read_by_ranges_that_arrives_damaged_is_read_again() {
    let mut zip = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, text) in [
        ("demo_pkg/__init__.py", ""),
        ("demo_pkg-1.0.dist-info/METADATA", METADATA),
        ("demo_pkg-1.0.dist-info/RECORD", ""),
    ] {
        zip.start_file(name, stored).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    let good = zip.finish().unwrap().into_inner();
    let at = good.windows(3).position(|w| w == b"six").unwrap();
    let mut damaged = good.clone();
    damaged[at] ^= 0x01;
    let server = Server::scripted();
    let url = server.route(
        "/w/demo_pkg-1.0-py3-none-any.whl",
        vec![Response::ok(&damaged).ranged(), Response::ok(&good).ranged()],
    );
    let options = HttpOptions { retries: 1, backoff: Duration::from_millis(1), ..HttpOptions::default() };
    let m = fetch(&Client::new(options).unwrap(), &url, None, None).unwrap();
    assert_eq!(
        (m.source, m.requires_dist.as_slice()),
        (MetadataSource::Range, ["six".to_string()].as_slice())
    );
    assert_eq!(server.hits("/w/demo_pkg-1.0-py3-none-any.whl"), 2, "read again after the CRC-32 said no");
}
