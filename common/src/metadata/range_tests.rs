//! Tests of reading METADATA by range requests against the unit tests'
//! server on 127.0.0.1 serving one wheel with Range support, or ignoring,
//! refusing or mangling ranges; its log gives each request's Range header,
//! status and body bytes.

use std::io::{Cursor, Write};
use std::time::Duration;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::http::{Client, HttpOptions};
use crate::metadata::{fetch_with, RangeHosts};
use crate::records::MetadataSource;
use crate::test_server::{parse_range, RangeAsk, Request, Response, Server};

const METADATA: &str = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: six\n";
const FILENAME: &str = "demo-1.0-py3-none-any.whl";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Ranges,
    /// 200 with the whole file, as a server without range support does.
    Ignore,
    /// 416 to every range.
    Refuse,
    /// 416 to a suffix range (`bytes=-N`) only.
    NoSuffix,
    /// 501 Not Implemented to every range, without a length.
    NotImplemented,
    /// 206 with a Content-Range that is not the one asked for.
    WrongRange,
}

/// Serves `body` at `/files/{FILENAME}` as `mode` says; its URL and the server.
fn serve(body: Vec<u8>, mode: Mode) -> (String, Server) {
    let server = Server::start(move |request| answer(&body, request, mode));
    (server.url(&format!("/files/{FILENAME}")), server)
}

fn answer(body: &[u8], request: &Request, mode: Mode) -> Response {
    let len = body.len();
    let Some(range) = request.header("range").filter(|_| mode != Mode::Ignore) else {
        return Response::ok(body);
    };
    let refused = Response::new(416, "").header("Content-Range", format!("bytes */{len}"));
    match mode {
        Mode::NotImplemented => Response::new(501, "ranges are not implemented"),
        Mode::Refuse => refused,
        Mode::NoSuffix if range.starts_with("bytes=-") => refused,
        Mode::WrongRange => {
            let RangeAsk::Part(first, last) = parse_range(Some(range), len as u64) else {
                panic!("a satisfiable range was expected: {range}")
            };
            let shown = format!("bytes {}-{last}/{len}", first + 1);
            Response::new(206, &body[first as usize..=last as usize]).header("Content-Range", shown)
        }
        _ => Response::ok(body).ranged(),
    }
}

/// A wheel of `noise` incompressible bytes and `files` small modules, with
/// METADATA first (`metadata_first`) or, as wheels have it, last.
fn wheel(noise: usize, files: usize, metadata_first: bool) -> Vec<u8> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let blob: Vec<u8> = (0..noise)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let mut put = |name: &str, bytes: &[u8]| {
        zip.start_file(name, options).unwrap();
        zip.write_all(bytes).unwrap();
    };
    if metadata_first {
        put("demo-1.0.dist-info/METADATA", METADATA.as_bytes());
    }
    put("demo/blob.bin", &blob);
    for i in 0..files {
        put(&format!("demo/a_rather_long_module_name_to_fill_the_directory_{i:05}.py"), b"");
    }
    if !metadata_first {
        put("demo-1.0.dist-info/METADATA", METADATA.as_bytes());
    }
    zip.finish().unwrap().into_inner()
}

fn client() -> Client {
    Client::new(HttpOptions { retries: 0, backoff: Duration::from_millis(1), ..HttpOptions::default() })
        .unwrap()
}

/// The body bytes the server sent.
fn total(server: &Server) -> u64 {
    server.log().iter().map(|e| e.body_bytes as u64).sum()
}

/// The Range header of each request.
fn ranges(server: &Server) -> Vec<Option<String>> {
    server.log().iter().map(|e| e.request.header("range").map(str::to_string)).collect()
}

fn statuses(server: &Server) -> Vec<u16> {
    server.log().iter().map(|e| e.status).collect()
}

#[test]
fn ranges_read_less_than_a_tenth_of_a_1_mb_wheel() {
    let bytes = wheel(1024 * 1024, 3, false);
    let (url, server) = serve(bytes.clone(), Mode::Ranges);
    let m = fetch_with(&client(), &url, None, None, &RangeHosts::new()).unwrap();
    assert_eq!((m.name.as_str(), m.source), ("demo", MetadataSource::Range));
    assert_eq!(m.requires_dist, ["six"]);
    assert!(m.bytes * 10 < bytes.len() as u64, "{} bytes of {}", m.bytes, bytes.len());
    assert_eq!((m.bytes, m.requests), (total(&server), 1), "one suffix request: {:?}", ranges(&server));
    assert_eq!(ranges(&server)[0], Some(format!("bytes=-{}", super::TAIL)));
}

#[test]
fn metadata_outside_the_tail_takes_one_more_request() {
    let bytes = wheel(1024 * 1024, 3, true);
    let (url, server) = serve(bytes.clone(), Mode::Ranges);
    let m = fetch_with(&client(), &url, None, None, &RangeHosts::new()).unwrap();
    assert_eq!((m.source, m.requests, m.bytes), (MetadataSource::Range, 2, total(&server)));
    assert!(m.bytes * 10 < bytes.len() as u64);
    let second = ranges(&server)[1].clone().unwrap();
    assert!(second.starts_with("bytes=0-"), "{second}");
}

#[test]
fn a_directory_bigger_than_the_tail_takes_one_request_for_the_rest_of_it() {
    // 1200 entries of ~130 central directory bytes each: ~150 KiB.
    let bytes = wheel(16 * 1024, 1200, false);
    let (url, server) = serve(bytes.clone(), Mode::Ranges);
    let m = fetch_with(&client(), &url, None, None, &RangeHosts::new()).unwrap();
    assert_eq!(m.requires_dist, ["six"]);
    // The tail, the directory's missing start (up to the tail, not again
    // over it), then METADATA, which lies before the directory.
    assert_eq!((m.source, m.requests, m.bytes), (MetadataSource::Range, 3, total(&server)));
    let second = ranges(&server)[1].clone().unwrap();
    let tail_start = bytes.len() as u64 - super::TAIL;
    assert!(second.ends_with(&format!("-{}", tail_start - 1)), "{second}");
}

#[test]
fn a_server_ignoring_ranges_gives_a_full_read_and_is_remembered() {
    let bytes = wheel(200 * 1024, 3, false);
    let (url, server) = serve(bytes.clone(), Mode::Ignore);
    let hosts = RangeHosts::new();
    let m = fetch_with(&client(), &url, None, None, &hosts).unwrap();
    assert_eq!((m.source, m.requests, m.bytes), (MetadataSource::Full, 1, bytes.len() as u64));
    assert!(!hosts.ranges_work(&url));
    let m = fetch_with(&client(), &url, None, None, &hosts).unwrap();
    assert_eq!((m.source, m.requests), (MetadataSource::Full, 1));
    assert_eq!(ranges(&server)[1], None, "the second wheel is fetched without a Range header");
}

#[test]
fn a_refused_range_falls_back_to_a_full_download() {
    let bytes = wheel(100 * 1024, 3, false);
    let (url, server) = serve(bytes.clone(), Mode::Refuse);
    let hosts = RangeHosts::new();
    let m = fetch_with(&client(), &url, None, None, &hosts).unwrap();
    assert_eq!((m.source, m.requests, m.bytes), (MetadataSource::Full, 3, bytes.len() as u64));
    // The suffix, the same bytes by position (the 416 gave the length), then all.
    assert_eq!(statuses(&server), [416, 416, 200]);
    assert!(!hosts.ranges_work(&url));
}

#[test]
fn a_501_to_a_range_falls_back_to_a_download_at_once_and_is_remembered() {
    let bytes = wheel(100 * 1024, 3, false);
    let (url, server) = serve(bytes.clone(), Mode::NotImplemented);
    let hosts = RangeHosts::new();
    let m = fetch_with(&client(), &url, None, None, &hosts).unwrap();
    // No length came with the 501: no second try by position.
    assert_eq!(statuses(&server), [501, 200]);
    // The 501's short body is not read (the client reports the status).
    assert_eq!((m.source, m.requests, m.bytes), (MetadataSource::Full, 2, bytes.len() as u64));
    assert!(!hosts.ranges_work(&url));
    fetch_with(&client(), &url, None, None, &hosts).unwrap();
    assert_eq!(ranges(&server)[2], None, "the next wheel is fetched without a Range header");
}

#[test]
fn a_server_refusing_only_suffix_ranges_is_asked_by_position() {
    let bytes = wheel(512 * 1024, 3, false);
    let (url, server) = serve(bytes.clone(), Mode::NoSuffix);
    let hosts = RangeHosts::new();
    let m = fetch_with(&client(), &url, None, None, &hosts).unwrap();
    assert_eq!((m.source, m.requests, m.bytes), (MetadataSource::Range, 2, total(&server)));
    let second = ranges(&server)[1].clone().unwrap();
    assert_eq!(second, format!("bytes={}-{}", bytes.len() as u64 - super::TAIL, bytes.len() - 1));
    assert!(hosts.ranges_work(&url));
}

#[test]
fn a_wrong_content_range_or_a_garbled_zip_is_an_error_naming_the_url() {
    let (url, _) = serve(wheel(100 * 1024, 3, false), Mode::WrongRange);
    let err = format!("{:#}", fetch_with(&client(), &url, None, None, &RangeHosts::new()).unwrap_err());
    assert!(err.contains(&url) && err.contains(&format!("asked for Range: bytes=-{}", super::TAIL)), "{err}");

    let (url, _) = serve(vec![b'x'; 100 * 1024], Mode::Ranges);
    let err = format!("{:#}", fetch_with(&client(), &url, None, None, &RangeHosts::new()).unwrap_err());
    assert!(
        err.starts_with(&url) && err.contains("garbled") && err.contains("End Of Central Directory"),
        "{err}"
    );

    // A truncated file: the end record survives but the entries it points at do not.
    let mut cut = wheel(100 * 1024, 3, false);
    let tail = cut.split_off(cut.len() - 2000);
    cut.truncate(10);
    cut.extend_from_slice(&tail);
    let (url, _) = serve(cut, Mode::Ranges);
    let err = format!("{:#}", fetch_with(&client(), &url, None, None, &RangeHosts::new()).unwrap_err());
    assert!(err.starts_with(&url) && err.contains("past its end"), "{err}");
}

/// A wheel of 2000 small modules and 256 KiB of stored noise, its
/// `.dist-info` (METADATA, RECORD) last as wheels have it, or first.
fn big_wheel(dist_info_last: bool) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    let mut put = |name: &str, bytes: &[u8]| {
        zip.start_file(name, options).unwrap();
        zip.write_all(bytes).unwrap();
    };
    let dist_info: [(&str, &[u8]); 2] =
        [("demo-1.0.dist-info/METADATA", METADATA.as_bytes()), ("demo-1.0.dist-info/RECORD", b"")];
    if !dist_info_last {
        dist_info.iter().for_each(|(n, b)| put(n, b));
    }
    put("demo/noise.bin", &(0..256 * 1024).map(|i| (i * 7919 % 251) as u8).collect::<Vec<u8>>());
    for i in 0..2000 {
        put(&format!("demo/module_{i:05}.py"), b"");
    }
    if dist_info_last {
        dist_info.iter().for_each(|(n, b)| put(n, b));
    }
    zip.finish().unwrap().into_inner()
}

#[test]
fn dist_info_last_is_found_in_the_tail_of_a_big_directory() {
    let bytes = big_wheel(true);
    let (url, server) = serve(bytes.clone(), Mode::Ranges);
    let m = fetch_with(&client(), &url, None, None, &RangeHosts::new()).unwrap();
    assert_eq!((m.name.as_str(), m.requires_dist.as_slice()), ("demo", ["six".to_string()].as_slice()));
    // The tail, then METADATA's local header and data; not the directory.
    assert_eq!((m.source, m.requests, m.bytes), (MetadataSource::Range, 2, total(&server)));
    assert!(m.bytes * 20 < bytes.len() as u64, "{} bytes of {}", m.bytes, bytes.len());
}

#[test]
fn dist_info_first_falls_back_to_reading_the_whole_directory() {
    let bytes = big_wheel(false);
    let (url, server) = serve(bytes.clone(), Mode::Ranges);
    let m = fetch_with(&client(), &url, None, None, &RangeHosts::new()).unwrap();
    assert_eq!(m.requires_dist, ["six"]);
    assert_eq!((m.source, m.requests, m.bytes), (MetadataSource::Range, 3, total(&server)));
    let second = ranges(&server)[1].clone().unwrap();
    assert!(second.ends_with(&format!("-{}", bytes.len() as u64 - super::TAIL - 1)), "{second}");
    let third = ranges(&server)[2].clone().unwrap();
    assert!(third.starts_with("bytes=0-"), "{third}");
}
