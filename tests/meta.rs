//! `wheel-meta` against wheels on the test index and on disk: the metadata it
//! reports is the wheel's METADATA, read from the PEP 658 file when the index
//! has one, else with range requests for a small part of a big wheel, else
//! with one full download, and from a local path without the network.

mod support;

use std::path::PathBuf;

use support::*;
use wheelpipe::records::{Metadata, MetadataSource, Record};

/// A wheel with extras and 256 KiB of incompressible data, so reading its
/// metadata by ranges is visibly cheaper than downloading it.
fn gamma() -> WheelBuilder {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let noise: Vec<u8> = (0..256 * 1024)
        .map(|_| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as u8
        })
        .collect();
    WheelBuilder::new("gamma-pkg", "3.1.4")
        .file("gamma_pkg/__init__.py", "")
        .file("gamma_pkg/blob.bin", noise)
        .provides_extra("cli")
        .requires_dist("alpha==1.0")
        .requires_dist("beta>=2; extra == \"cli\"")
        .requires_python(">=3.9")
}

fn setup(sb: &Sandbox) -> (Server, PathBuf, String) {
    let wheel = gamma().build(&sb.path().join("wheels"));
    let server = Server::start(&[&wheel]);
    let url = server.file_url(&gamma().filename());
    (server, wheel, url)
}

fn meta(sb: &Sandbox, target: &str) -> Metadata {
    let mut cmd = sb.meta();
    cmd.arg(target);
    let run = pipeline(vec![cmd], None);
    run.assert_success();
    let records = run.records();
    assert!(
        matches!(records.last(), Some(Record::End(e)) if e.ok && e.tool == "wheel-meta" && e.count == 1),
        "{run}"
    );
    let metas: Vec<_> = records
        .into_iter()
        .filter_map(|r| match r {
            Record::Metadata(m) => Some(m),
            _ => None,
        })
        .collect();
    assert_eq!(metas.len(), 1, "{run}");
    let m = metas.into_iter().next().unwrap();
    assert_eq!((m.name.as_str(), m.version.as_str()), ("gamma-pkg", "3.1.4"));
    assert_eq!(m.requires_dist, ["alpha==1.0", "beta>=2; extra == \"cli\""]);
    assert_eq!(m.requires_python.as_deref(), Some(">=3.9"));
    assert_eq!(m.provides_extra, ["cli"]);
    assert_eq!(m.url, target);
    m
}

fn wheel_gets(server: &Server) -> Vec<LogEntry> {
    server.file_requests().into_iter().filter(|e| e.path.ends_with(".whl")).collect()
}

#[test]
fn pep_658_metadata_needs_no_byte_of_the_wheel() {
    let sb = Sandbox::new();
    let (server, _, url) = setup(&sb);
    let m = meta(&sb, &url);
    assert_eq!(m.source, MetadataSource::Pep658);
    assert_eq!(m.bytes, gamma().metadata().len() as u64);
    assert_eq!(m.requests, 1);
    assert_eq!(wheel_gets(&server), []);
}

#[test]
fn without_pep_658_range_requests_read_a_small_part() {
    let sb = Sandbox::new();
    let (server, wheel, url) = setup(&sb);
    server.faults().no_pep658 = true;
    let m = meta(&sb, &url);
    assert_eq!(m.source, MetadataSource::Range);
    let size = std::fs::metadata(&wheel).unwrap().len();
    assert!(m.bytes < size / 4, "{} bytes of a {size}-byte wheel", m.bytes);
    let gets = wheel_gets(&server);
    assert!(gets.iter().all(|e| e.range.is_some()), "only ranged reads of the wheel: {gets:#?}");
    let received: u64 = server.file_requests().iter().map(|e| e.body_bytes).sum();
    assert_eq!(m.bytes, received, "the record reports the bytes the server sent");
}

#[test]
fn without_ranges_one_full_download_does() {
    let sb = Sandbox::new();
    let (server, wheel, url) = setup(&sb);
    server.faults().no_pep658 = true;
    server.faults().no_ranges = true;
    let m = meta(&sb, &url);
    assert_eq!(m.source, MetadataSource::Full);
    let full: Vec<_> = wheel_gets(&server).into_iter().filter(|e| e.status == 200).collect();
    assert_eq!(full.len(), 1, "{full:#?}");
    assert!(m.bytes >= std::fs::metadata(&wheel).unwrap().len());
}

#[test]
fn a_local_wheel_is_read_without_the_network() {
    let sb = Sandbox::new();
    let (server, wheel, _) = setup(&sb);
    let m = meta(&sb, wheel.to_str().unwrap());
    assert_eq!((m.source, m.bytes), (MetadataSource::Local, 0));
    assert_eq!(server.requests(), []);
}
