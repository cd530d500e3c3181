//! `wheel-meta` against servers the test index cannot play: one that refuses
//! suffix ranges (`bytes=-N`) but serves ranges by position, one that
//! answers every range with 416, one with 501. Each gets the wheel's
//! metadata with the fewest requests its answers allow, and the records
//! count them.

mod support;

use support::*;
use wheelpipe::records::{Metadata, MetadataSource, Record};

/// Serves the wheel `theta()` builds in `sb`, refusing ranges as `refusal`
/// says; the server, the wheel's URL and its bytes.
fn serve(sb: &Sandbox, refusal: RangeRefusal) -> (Server, String, Vec<u8>) {
    let built = theta().build(&sb.path().join("wheels"));
    let server = Server::start(&[&built]);
    server.faults().refuse_ranges = Some(refusal);
    let url = server.file_url(&theta().filename());
    (server, url, std::fs::read(&built).unwrap())
}

/// (Range header, status) of each request for a file.
fn asked(server: &Server) -> Vec<(Option<String>, u16)> {
    server.file_requests().into_iter().map(|e| (e.range, e.status)).collect()
}

/// A wheel of 300 KiB, mostly incompressible, `.dist-info` last.
fn theta() -> WheelBuilder {
    let noise = noise(300 * 1024, 0x9e37_79b9_7f4a_7c15);
    WheelBuilder::new("theta", "4.0").file("theta/blob.bin", noise).requires_dist("beta>=2")
}

/// wheel-meta on the URL (no PEP 658 probe); its one record. Retries are
/// off: the HTTP client retries every 5xx, a 501 included, before the range
/// reader sees it.
fn meta(sb: &Sandbox, url: &str) -> Metadata {
    let mut cmd = sb.meta();
    cmd.env("PIP_RETRIES", "0").args(["--no-pep658", url]);
    let run = pipeline(vec![cmd], None);
    run.assert_success();
    let mut found = run.records().into_iter().filter_map(|r| match r {
        Record::Metadata(m) => Some(m),
        _ => None,
    });
    let m = found.next().expect("a metadata record");
    assert_eq!(
        (m.name.as_str(), m.version.as_str(), m.requires_dist.as_slice()),
        ("theta", "4.0", ["beta>=2".into()].as_slice())
    );
    m
}

#[test]
fn a_server_without_suffix_ranges_is_asked_by_position() {
    let sb = Sandbox::new();
    let (server, url, bytes) = serve(&sb, RangeRefusal::Suffix416);
    let m = meta(&sb, &url);
    assert_eq!((m.source, m.requests), (MetadataSource::Range, 2), "{:?}", asked(&server));
    assert!(m.bytes * 10 < bytes.len() as u64, "{} bytes of {}", m.bytes, bytes.len());
    let statuses: Vec<u16> = asked(&server).iter().map(|e| e.1).collect();
    assert_eq!(statuses, [416, 206]);
}

#[test]
fn servers_refusing_ranges_get_one_plain_download() {
    for (mode, statuses) in
        [(RangeRefusal::All416, vec![416, 416, 200]), (RangeRefusal::All501, vec![501, 200])]
    {
        let sb = Sandbox::new();
        let (server, url, bytes) = serve(&sb, mode);
        let m = meta(&sb, &url);
        let seen: Vec<u16> = asked(&server).iter().map(|e| e.1).collect();
        assert_eq!(seen, statuses, "{mode:?}");
        assert_eq!(asked(&server).last().unwrap().0, None, "{mode:?}: the download asks no range");
        assert_eq!(
            (m.source, m.requests, m.bytes),
            (MetadataSource::Full, seen.len() as u32, bytes.len() as u64)
        );
    }
}
