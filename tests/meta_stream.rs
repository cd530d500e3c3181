//! `wheel-meta` against a server without ranges (it answers a range request
//! with 200 and the whole wheel): the download is read as it arrives and
//! stops once METADATA is read, so a wheel whose `.dist-info` comes before
//! its data costs a part of its bytes and one request, while one with
//! `.dist-info` last, as most wheels have it, costs its whole size; once a
//! host answered a range with the whole file, its next wheels are asked for
//! without a range; a download that breaks off is an error naming the URL.

mod support;

use std::path::PathBuf;

use support::*;
use wheelpipe::records::{Metadata, MetadataSource, Record};

/// A wheel with 512 KiB of incompressible data, its `.dist-info` first or last.
fn wheel(dist_info_first: bool) -> WheelBuilder {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let noise: Vec<u8> = (0..512 * 1024)
        .map(|_| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as u8
        })
        .collect();
    let builder = WheelBuilder::new("Epsilon", "2.0.1")
        .file("epsilon/__init__.py", "")
        .file("epsilon/blob.bin", noise)
        .requires_dist("alpha==1.0")
        .requires_python(">=3.8");
    if dist_info_first {
        builder.dist_info_first()
    } else {
        builder
    }
}

/// Serves the wheel without PEP 658 files and without ranges.
fn setup(sb: &Sandbox, dist_info_first: bool) -> (Server, PathBuf, String) {
    let built = wheel(dist_info_first).build(&sb.path().join("wheels"));
    let server = Server::start(&[&built]);
    server.faults().no_pep658 = true;
    server.faults().no_ranges = true;
    let url = server.file_url(&wheel(dist_info_first).filename());
    (server, built, url)
}

/// `wheel-meta --no-pep658 URL`, which must succeed with one record.
fn meta(sb: &Sandbox, url: &str) -> Metadata {
    let mut cmd = sb.meta();
    cmd.args(["--no-pep658", url]);
    let run = pipeline(vec![cmd], None);
    run.assert_success();
    let found: Vec<Metadata> = run
        .records()
        .into_iter()
        .filter_map(|r| match r {
            Record::Metadata(m) => Some(m),
            _ => None,
        })
        .collect();
    assert_eq!(found.len(), 1, "{run}");
    let m = found.into_iter().next().unwrap();
    assert_eq!((m.name.as_str(), m.version.as_str(), m.url.as_str()), ("epsilon", "2.0.1", url));
    assert_eq!(
        (m.requires_dist.as_slice(), m.requires_python.as_deref()),
        (["alpha==1.0".into()].as_slice(), Some(">=3.8"))
    );
    m
}

#[test]
fn a_full_download_stops_once_metadata_before_the_data_is_read() {
    let sb = Sandbox::new();
    let (server, built, url) = setup(&sb, true);
    let m = meta(&sb, &url);
    let size = std::fs::metadata(&built).unwrap().len();
    assert_eq!((m.source, m.requests), (MetadataSource::Full, 1), "{m:?}");
    assert!(m.bytes < size / 2, "{} bytes of a {size}-byte wheel", m.bytes);
    // One request only: the range request the server answered with the whole file.
    assert_eq!(server.arrived(), 1, "{:#?}", server.requests());
}

#[test]
fn a_full_download_of_a_wheel_with_metadata_last_reads_it_all() {
    let sb = Sandbox::new();
    let (server, built, url) = setup(&sb, false);
    let m = meta(&sb, &url);
    let size = std::fs::metadata(&built).unwrap().len();
    assert_eq!((m.source, m.requests, m.bytes), (MetadataSource::Full, 1, size), "{m:?}");
    let sent: Vec<(u16, u64)> = server.requests().iter().map(|e| (e.status, e.body_bytes)).collect();
    assert_eq!(sent, [(200, size)], "the record reports what the server sent");
}

#[test]
fn a_download_that_breaks_off_is_an_error_naming_the_url() {
    let sb = Sandbox::new();
    let (server, _, url) = setup(&sb, false);
    server.faults().drop_after_bytes = Some(100 * 1024);
    let mut cmd = sb.meta();
    cmd.args(["--no-pep658", &url]);
    let run = pipeline(vec![cmd], None);
    assert_eq!(run.codes(), [Some(1)], "{run}");
    let stderr = run.stderr(0);
    assert!(stderr.contains(&format!("{url}: the download broke off")), "{stderr}");
    assert!(matches!(run.records().last(), Some(Record::End(e)) if !e.ok && e.tool == "wheel-meta"), "{run}");
}

#[test]
fn after_one_range_answered_whole_the_host_gets_plain_downloads() {
    let sb = Sandbox::new();
    let dir = sb.path().join("wheels");
    let mut wheels = alpha_beta(&dir);
    wheels.push(wheel(true).build(&dir));
    let server = Server::start(&wheels);
    server.faults().no_pep658 = true;
    server.faults().no_ranges = true;
    let mut cmd = sb.meta();
    cmd.args(["--no-pep658", "-j", "1"]);
    cmd.args(wheels.iter().map(|w| server.file_url(w.file_name().unwrap().to_str().unwrap())));
    let run = pipeline(vec![cmd], None);
    run.assert_success();
    let sources: Vec<MetadataSource> = run
        .records()
        .into_iter()
        .filter_map(|r| match r {
            Record::Metadata(m) => Some(m.source),
            _ => None,
        })
        .collect();
    assert_eq!(sources, [MetadataSource::Full; 3], "{run}");
    // Only the first wheel's request asks for a range; the rest are plain GETs.
    assert_eq!(server.arrived(), 3, "{:#?}", server.requests());
    let ranged: Vec<_> = server.requests().into_iter().filter(|e| e.range.is_some()).collect();
    assert_eq!(ranged.len(), 1, "{ranged:#?}");
}
