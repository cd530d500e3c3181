//! Tests of big files fetched in parallel ranges (see [`crate::split`]),
//! with a split size of a few hundred KB against the unit tests' HTTP server.

use std::fs;
use std::sync::atomic::AtomicBool;

use wheelpipe::cache::Cache;
use wheelpipe::hash::sha256_hex;
use wheelpipe::progress::{Role, StageProgress};
use wheelpipe::records::Record;

use super::tests::{client, fetch_with, files, job, temp_cache};
use super::*;
use wheelpipe::test_server::{Response, Server};

const SPLIT: u64 = 256 * 1024;
const PART: usize = 128 * 1024;

/// 1 MiB that differ from part to part.
fn body() -> Vec<u8> {
    (0..(1u32 << 18)).flat_map(|i| i.to_le_bytes()).collect()
}

fn ranged(body: &[u8]) -> Response {
    Response::ok(body).header("ETag", "\"v1\"").ranged()
}

/// Fetches `url` with the size of `body` known and the given sha256.
fn fetch_sized(cache: &Cache, url: &str, body: &[u8], sha256: &str, cancel: bool) -> Result<Stored> {
    let mut job = job(url, Some(sha256));
    job.artifact.size = Some(body.len() as u64);
    fetch_with(&client(), cache, &job, SPLIT, cancel)
}

fn sorted_ranges(server: &Server, path: &str) -> Vec<String> {
    let mut ranges: Vec<String> =
        server.requests_to(path).iter().map(|a| a.header("range").unwrap_or("none").to_string()).collect();
    ranges.sort_by_key(|r| r.trim_start_matches("bytes=").split('-').next().unwrap().parse::<u64>().ok());
    ranges
}

#[test]
fn a_big_file_is_fetched_as_parallel_ranges_and_verified() {
    let body = body();
    let server = Server::scripted();
    let url = server.route("/w/big.whl", vec![ranged(&body)]);
    let (dir, cache) = temp_cache();
    let stored = fetch_sized(&cache, &url, &body, &sha256_hex(&body), false).unwrap();
    assert_eq!(fs::read(&stored.path).unwrap(), body);
    assert_eq!(stored.sha256, sha256_hex(&body));
    let expected: Vec<String> =
        (0..8).map(|i| format!("bytes={}-{}", i * PART, (i + 1) * PART - 1)).collect();
    assert_eq!(sorted_ranges(&server, "/w/big.whl"), expected);
    assert!(files(&dir.path().join("tmp")).is_empty());
}

#[test]
fn a_server_that_ignores_ranges_gives_the_whole_file_in_one_stream() {
    let body = body();
    let server = Server::scripted();
    let url = server.route("/w/big.whl", vec![Response::ok(&body)]);
    let (dir, cache) = temp_cache();
    let stored = fetch_sized(&cache, &url, &body, &sha256_hex(&body), false).unwrap();
    assert_eq!(fs::read(&stored.path).unwrap(), body);
    let asked = server.requests_to("/w/big.whl");
    assert_eq!(asked.len(), 2, "the probe, then one plain stream: {asked:?}");
    assert_eq!(asked[0].header("range"), Some("bytes=0-131071"));
    assert_eq!(asked[1].header("range"), None);
    assert!(files(&dir.path().join("tmp")).is_empty());
}

#[test]
fn a_200_to_a_later_part_starts_over_in_one_stream() {
    let body = body();
    let server = Server::scripted();
    let url = server.route("/w/big.whl", vec![ranged(&body), Response::ok(&body)]);
    let (dir, cache) = temp_cache();
    let stored = fetch_sized(&cache, &url, &body, &sha256_hex(&body), false).unwrap();
    assert_eq!(fs::read(&stored.path).unwrap(), body);
    assert!(
        server.requests_to("/w/big.whl").iter().any(|a| a.header("range").is_none()),
        "a plain stream at the end"
    );
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
    assert_eq!(asked.len(), 9, "8 parts and one resume: {asked:?}");
    let resume = asked.iter().find(|a| a.header("range") == Some("bytes=50000-131071"));
    assert_eq!(resume.and_then(|a| a.header("if-range")), Some("\"v1\""), "{asked:?}");
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
    assert!(server.hits("/w/big.whl") > 1, "it was split");
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
        let item = progress.begin("big.whl", job.artifact.size);
        let fetcher =
            Fetcher { http: &client(), cache: &cache, split_size: SPLIT, cancel: &AtomicBool::new(false) };
        fetcher.fetch_to_store(&job, &item).unwrap();
        let Some(Record::Progress(p)) = progress.last_record() else {
            panic!("a forwarding stage has records")
        };
        assert_eq!((p.bytes_done, p.bytes_total), (body.len() as u64, Some(body.len() as u64)), "{name}");
        assert_eq!(p.active, ["big.whl"], "{name}");
    }
}
