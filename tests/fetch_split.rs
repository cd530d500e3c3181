//! wheel-fetch sharing one download over its connections: a slow transfer
//! whose range is taken over (split again) by a free connection gives the
//! same bytes, checked against the index's sha256; a server that ignores
//! `Range` gets one plain request; a split download with a fault in a later
//! part, or one resumed after a cut, recovers; and a download being retried
//! says so on the progress display.

mod support;

use std::path::Path;

use support::*;
use wheelpipe::records::{Artifact, Record};

/// The `artifact` record the index would give for `wheel`: URL, sha256 and size.
fn artifact_line(server: &Server, wheel: &Path) -> String {
    let mut artifact = artifact_for(wheel);
    artifact.url = server.file_url(&artifact.filename);
    artifact.path = None;
    Record::Artifact(artifact).to_line()
}

fn end_line(count: u64) -> String {
    Record::End(wheelpipe::records::End::new("wheel-resolve", true, count)).to_line()
}

/// One 4 MiB wheel served at 1 MB/s, fetched with `-j 2` and `args`: the
/// second connection has nothing queued, so it may take over part of the
/// first one's download.
fn fetch_slow_big(sb: &Sandbox, args: &[&str], set: impl FnOnce(&mut Faults)) -> (Server, Run, Vec<u8>) {
    let big = big_wheel(&sb.path().join("wheels"), "huge", 4096);
    let server = Server::start(&[&big]);
    {
        let mut faults = server.faults();
        faults.pace_bytes_per_sec = Some(1_000_000);
        set(&mut faults);
    }
    let mut fetch = sb.fetch();
    fetch.args(["-j", "2"]).args(args);
    let input = format!("{}\n{}\n", artifact_line(&server, &big), end_line(1));
    let run = pipeline(vec![fetch], Some(input.into_bytes()));
    (server, run, std::fs::read(&big).unwrap())
}

/// The one `artifact` the run wrote.
fn fetched(run: &Run) -> Artifact {
    let artifacts: Vec<Artifact> = run
        .records()
        .into_iter()
        .filter_map(|r| match r {
            Record::Artifact(a) => Some(a),
            _ => None,
        })
        .collect();
    assert_eq!(artifacts.len(), 1, "{run}");
    artifacts.into_iter().next().unwrap()
}

/// The first byte each wheel request asked for (0 without a `Range`).
fn range_starts(server: &Server) -> Vec<u64> {
    server
        .file_requests()
        .iter()
        .filter(|e| e.path.ends_with(".whl"))
        .map(|e| {
            let range = e.range.as_deref().unwrap_or("bytes=0-");
            range.trim_start_matches("bytes=").split('-').next().unwrap().parse().unwrap()
        })
        .collect()
}

#[test]
fn a_download_taken_over_by_a_free_connection_is_byte_identical_and_verified() {
    let sb = Sandbox::new();
    let (server, run, wheel) = fetch_slow_big(&sb, &[], |_| {});
    run.assert_success();
    let artifact = fetched(&run);
    assert_eq!(std::fs::read(artifact.path.as_ref().unwrap()).unwrap(), wheel, "{run}");
    assert_eq!(artifact.sha256(), Some(wheelpipe::hash::sha256_hex(&wheel).as_str()));
    let starts = range_starts(&server);
    assert!(starts.iter().filter(|&&s| s > 0).count() >= 1, "the second connection took a part: {starts:?}");
    assert!(starts.len() <= 8, "parts of at least 1 MB: {starts:?}");
}

#[test]
fn split_size_zero_keeps_one_connection_a_file() {
    let sb = Sandbox::new();
    let (server, run, wheel) = fetch_slow_big(&sb, &["--split-size", "0"], |_| {});
    run.assert_success();
    assert_eq!(std::fs::read(fetched(&run).path.unwrap()).unwrap(), wheel);
    assert_eq!(range_starts(&server), [0], "one request");
}

#[test]
fn a_server_that_ignores_range_still_gives_the_file_in_one_request() {
    let sb = Sandbox::new();
    let (server, run, wheel) = fetch_slow_big(&sb, &[], |f| f.no_ranges = true);
    run.assert_success();
    assert_eq!(std::fs::read(fetched(&run).path.unwrap()).unwrap(), wheel);
    let statuses: Vec<u16> = server.file_requests().iter().map(|e| e.status).collect();
    assert_eq!(statuses, [200], "one plain answer, never split: {:?}", server.file_requests());
}

#[test]
fn a_fault_in_a_later_part_is_resumed_and_the_file_verified() {
    let mut sb = Sandbox::new();
    sb.set_env("WHEELPIPE_RETRY_BACKOFF_MS", "10");
    let (server, run, wheel) = fetch_slow_big(&sb, &[], |f| f.drop_later_part_after = Some(100_000));
    run.assert_success();
    assert_eq!(std::fs::read(fetched(&run).path.unwrap()).unwrap(), wheel);
    let cut: Vec<_> = server.file_requests().into_iter().filter(|e| e.body_bytes == 100_000).collect();
    assert_eq!(cut.len(), 1, "a later part was cut once: {:?}", server.file_requests());
    let resumed_from = range_starts(&server);
    let cut_start: u64 = cut[0]
        .range
        .as_deref()
        .unwrap()
        .trim_start_matches("bytes=")
        .split('-')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(resumed_from.contains(&(cut_start + 100_000)), "resumed where it broke: {resumed_from:?}");
}

#[test]
fn a_first_part_cut_short_is_resumed_from_its_last_byte() {
    let mut sb = Sandbox::new();
    sb.set_env("WHEELPIPE_RETRY_BACKOFF_MS", "10");
    let (server, run, wheel) = fetch_slow_big(&sb, &[], |f| f.drop_after_bytes = Some(200_000));
    run.assert_success();
    assert_eq!(std::fs::read(fetched(&run).path.unwrap()).unwrap(), wheel);
    assert!(range_starts(&server).contains(&200_000), "{:?}", server.file_requests());
}

#[test]
fn a_download_being_retried_says_so_on_the_display() {
    let mut sb = Sandbox::new();
    // Long enough a pause for a progress record to show it.
    sb.set_env("WHEELPIPE_RETRY_BACKOFF_MS", "600");
    let (server, run, wheel) = fetch_slow_big(&sb, &[], |f| f.drop_after_bytes = Some(200_000));
    run.assert_success();
    assert_eq!(std::fs::read(fetched(&run).path.unwrap()).unwrap(), wheel);
    let retrying: Vec<String> = run
        .records()
        .into_iter()
        .filter_map(|r| match r {
            Record::Progress(p) => Some(p.active),
            _ => None,
        })
        .flatten()
        .filter(|a| a.contains("retrying"))
        .collect();
    let first = retrying.first().unwrap_or_else(|| panic!("a retry is shown: {run}"));
    let url = server.file_url("huge-1.0-py3-none-any.whl");
    assert!(first.contains(&url) && first.contains("attempt 2 of"), "{first}");
}
