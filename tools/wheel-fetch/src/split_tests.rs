//! Tests of downloads of known size fetched as byte ranges (see
//! [`wheelpipe::fetch::ranged`]) against the unit tests' HTTP server: a free
//! connection takes over part of a running download, a server that ignores
//! ranges, a part cut midway, a `200` to a resumed part.

use std::fs;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use wheelpipe::cache::Cache;
use wheelpipe::fetch::Board;
use wheelpipe::hash::sha256_hex;
use wheelpipe::progress::{Role, StageProgress};
use wheelpipe::records::Record;

use super::tests::{client, fetch_with, files, item, job, temp_cache};
use super::*;
use wheelpipe::test_server::{Response, Server};

const PART: u64 = 128 * 1024;

/// 1 MiB that differ from part to part.
fn body() -> Vec<u8> {
    (0..(1u32 << 18)).flat_map(|i| i.to_le_bytes()).collect()
}

fn ranged(body: &[u8]) -> Response {
    Response::ok(body).header("ETag", "\"v1\"").ranged()
}

/// Fetches `url` with the size of `body` known and the given sha256, one connection.
fn fetch_sized(cache: &Cache, url: &str, body: &[u8], sha256: &str, cancel: bool) -> Result<Stored> {
    let mut job = job(url, Some(sha256));
    job.artifact.size = Some(body.len() as u64);
    fetch_with(&client(), cache, &job, None, cancel)
}

fn ranges(server: &Server, path: &str) -> Vec<String> {
    server.requests_to(path).iter().map(|a| a.header("range").unwrap_or("none").to_string()).collect()
}

#[test]
fn a_free_connection_takes_over_part_of_a_slow_download() {
    let body = body();
    let server = Server::scripted();
    let slow = Response { stall_after: Some((64 * 1024, Duration::from_millis(400))), ..ranged(&body) };
    let url = server.route("/w/big.whl", vec![slow, ranged(&body)]);
    let (dir, cache) = temp_cache();
    let (http, board, done) = (client(), Board::new(PART), AtomicBool::new(false));
    let mut job = job(&url, Some(&sha256_hex(&body)));
    job.artifact.size = Some(body.len() as u64);
    let stored = std::thread::scope(|scope| {
        scope.spawn(|| {
            let cancel = AtomicBool::new(false);
            while !done.load(Ordering::Relaxed) {
                if !board.take_over(&http, &cancel, 0.0) {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        });
        let fetcher = Fetcher {
            http: &http,
            cache: &cache,
            board: Some(&board),
            cancel: &AtomicBool::new(false),
            announce: None,
        };
        let stored = fetcher.fetch_to_store(&job, &Arc::new(item()));
        done.store(true, Ordering::Relaxed);
        stored
    })
    .unwrap();
    assert_eq!(fs::read(&stored.path).unwrap(), body);
    assert_eq!(stored.sha256, sha256_hex(&body));
    let asked = server.requests_to("/w/big.whl");
    assert_eq!(asked[0].header("range"), Some("bytes=0-1048575"));
    let taken: Vec<_> =
        asked.iter().skip(1).filter(|a| a.header("range").is_some_and(|r| r != "bytes=0-1048575")).collect();
    assert!(!taken.is_empty(), "a part was taken over: {asked:?}");
    assert!(taken.iter().all(|a| a.header("if-range") == Some("\"v1\"")), "{asked:?}");
    assert!(files(&dir.path().join("tmp")).is_empty());
}

#[test]
fn a_server_that_ignores_ranges_gives_the_whole_file_in_one_request() {
    let body = body();
    let server = Server::scripted();
    let url = server.route("/w/big.whl", vec![Response::ok(&body)]);
    let (dir, cache) = temp_cache();
    let stored = fetch_sized(&cache, &url, &body, &sha256_hex(&body), false).unwrap();
    assert_eq!(fs::read(&stored.path).unwrap(), body);
    assert_eq!(ranges(&server, "/w/big.whl"), ["bytes=0-1048575"], "one request, read whole");
    assert!(files(&dir.path().join("tmp")).is_empty());
}

#[test]
fn a_200_to_a_resumed_part_starts_over_in_one_stream() {
    let body = body();
    let server = Server::scripted();
    let cut = Response { cut_after: Some(50_000), ..ranged(&body) };
    let url = server.route("/w/big.whl", vec![cut, Response::ok(&body)]);
    let (dir, cache) = temp_cache();
    let stored = fetch_sized(&cache, &url, &body, &sha256_hex(&body), false).unwrap();
    assert_eq!(fs::read(&stored.path).unwrap(), body);
    assert_eq!(ranges(&server, "/w/big.whl"), ["bytes=0-1048575", "bytes=50000-1048575", "none"]);
    assert!(files(&dir.path().join("tmp")).is_empty());
}

#[test]
fn a_part_cut_midway_is_resumed_for_its_remaining_range() {
    let body = body();
    let server = Server::scripted();
    let cut = Response { cut_after: Some(50_000), ..ranged(&body) };
    let url = server.route("/w/big.whl", vec![cut, ranged(&body)]);
    let (dir, cache) = temp_cache();
    let stored = fetch_sized(&cache, &url, &body, &sha256_hex(&body), false).unwrap();
    assert_eq!(fs::read(&stored.path).unwrap(), body);
    let asked = server.requests_to("/w/big.whl");
    assert_eq!(ranges(&server, "/w/big.whl"), ["bytes=0-1048575", "bytes=50000-1048575"]);
    assert_eq!(asked[1].header("if-range"), Some("\"v1\""), "{asked:?}");
    assert!(files(&dir.path().join("tmp")).is_empty());
}

#[test]
fn a_wrong_advertised_hash_leaves_nothing() {
    let body = body();
    let server = Server::scripted();
    let url = server.route("/w/big.whl", vec![ranged(&body)]);
    let (dir, cache) = temp_cache();
    let wrong = "0".repeat(64);
    let err = fetch_sized(&cache, &url, &body, &wrong, false).unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        format!(
            "{url}: sha256 mismatch: expected {wrong}, got {} (3 downloads, each from scratch)",
            sha256_hex(&body)
        )
    );
    assert!(files(&dir.path().join("wheels")).is_empty());
    assert!(files(&dir.path().join("tmp")).is_empty());
}

#[test]
fn cancel_stops_every_part_and_deletes_the_temporary_file() {
    let body = body();
    let server = Server::scripted();
    let url = server.route("/w/big.whl", vec![ranged(&body)]);
    let (dir, cache) = temp_cache();
    let err = fetch_sized(&cache, &url, &body, &sha256_hex(&body), true).unwrap_err();
    assert_eq!(wheelpipe::exit::code_for(&err), wheelpipe::exit::Exit::Interrupted, "{err:#}");
    assert!(files(&dir.path().join("wheels")).is_empty());
    assert!(files(&dir.path().join("tmp")).is_empty());
}

#[test]
fn every_byte_is_counted_once_whether_a_part_resumes_or_all_starts_over() {
    let body = body();
    let cut = Response { cut_after: Some(50_000), ..ranged(&body) };
    let whole_again = Response::ok(&body);
    for (name, script) in [("resumed", vec![cut, ranged(&body)]), ("over", vec![ranged(&body), whole_again])]
    {
        let server = Server::scripted();
        let url = server.route("/w/big.whl", script);
        let (_dir, cache) = temp_cache();
        let progress = StageProgress::new("wheel-fetch", Role::Forward);
        let mut job = job(&url, Some(&sha256_hex(&body)));
        job.artifact.size = Some(body.len() as u64);
        progress.expect(1, job.artifact.size);
        let item = Arc::new(progress.begin("big.whl", job.artifact.size));
        let fetcher = Fetcher {
            http: &client(),
            cache: &cache,
            board: None,
            cancel: &AtomicBool::new(false),
            announce: None,
        };
        fetcher.fetch_to_store(&job, &item).unwrap();
        let Some(Record::Progress(p)) = progress.last_record() else {
            panic!("a forwarding stage has records")
        };
        assert_eq!((p.bytes_done, p.bytes_total), (body.len() as u64, Some(body.len() as u64)), "{name}");
        assert_eq!(p.active, ["big.whl"], "{name}");
    }
}
