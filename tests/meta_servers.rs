//! `wheel-meta` against servers the test index cannot play: one that refuses
//! suffix ranges (`bytes=-N`) but serves ranges by position, one that
//! answers every range with 416, one with 501. Each gets the wheel's
//! metadata with the fewest requests its answers allow, and the records
//! count them.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use support::*;
use wheelpipe::records::{Metadata, MetadataSource, Record};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    NoSuffix,
    Refuse416,
    NotImplemented501,
}

/// (Range header, status) of each request.
type Log = Arc<Mutex<Vec<(Option<String>, u16)>>>;

/// Serves `body` at `/files/{filename}` on 127.0.0.1, one request a connection.
fn serve(body: Vec<u8>, filename: &str, mode: Mode) -> (String, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/files/{filename}", listener.local_addr().unwrap());
    let log: Log = Arc::default();
    let seen = Arc::clone(&log);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let (mut line, mut range) = (String::new(), None);
            let _ = reader.read_line(&mut line);
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).map_or(true, |n| n <= 2) {
                    break;
                }
                if let Some((k, v)) = header.split_once(':') {
                    if k.eq_ignore_ascii_case("range") {
                        range = Some(v.trim().to_string());
                    }
                }
            }
            let (status, extra, part) = answer(&body, range.as_deref(), mode);
            seen.lock().unwrap().push((range, status));
            let head = format!(
                "HTTP/1.1 {status} X\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n",
                part.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&part);
        }
    });
    (url, log)
}

fn answer(body: &[u8], range: Option<&str>, mode: Mode) -> (u16, String, Vec<u8>) {
    let len = body.len();
    let Some(spec) = range.and_then(|r| r.strip_prefix("bytes=")) else {
        return (200, String::new(), body.to_vec());
    };
    match mode {
        Mode::NotImplemented501 => return (501, String::new(), Vec::new()),
        Mode::Refuse416 => return (416, format!("Content-Range: bytes */{len}\r\n"), Vec::new()),
        Mode::NoSuffix if spec.starts_with('-') => {
            return (416, format!("Content-Range: bytes */{len}\r\n"), Vec::new());
        }
        Mode::NoSuffix => {}
    }
    let (a, b) = spec.split_once('-').unwrap();
    let (start, end): (usize, usize) = (a.parse().unwrap(), b.parse::<usize>().unwrap().min(len - 1));
    (206, format!("Content-Range: bytes {start}-{end}/{len}\r\n"), body[start..=end].to_vec())
}

/// A wheel of 300 KiB, mostly incompressible, `.dist-info` last.
fn theta() -> WheelBuilder {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let noise: Vec<u8> = (0..300 * 1024)
        .map(|_| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as u8
        })
        .collect();
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
    let built = theta().build(&sb.path().join("wheels"));
    let bytes = std::fs::read(&built).unwrap();
    let (url, log) = serve(bytes.clone(), &theta().filename(), Mode::NoSuffix);
    let m = meta(&sb, &url);
    assert_eq!((m.source, m.requests), (MetadataSource::Range, 2), "{:?}", log.lock().unwrap());
    assert!(m.bytes * 10 < bytes.len() as u64, "{} bytes of {}", m.bytes, bytes.len());
    let statuses: Vec<u16> = log.lock().unwrap().iter().map(|e| e.1).collect();
    assert_eq!(statuses, [416, 206]);
}

#[test]
fn servers_refusing_ranges_get_one_plain_download() {
    for (mode, statuses) in
        [(Mode::Refuse416, vec![416, 416, 200]), (Mode::NotImplemented501, vec![501, 200])]
    {
        let sb = Sandbox::new();
        let built = theta().build(&sb.path().join("wheels"));
        let bytes = std::fs::read(&built).unwrap();
        let (url, log) = serve(bytes.clone(), &theta().filename(), mode);
        let m = meta(&sb, &url);
        let seen: Vec<u16> = log.lock().unwrap().iter().map(|e| e.1).collect();
        assert_eq!(seen, statuses, "{mode:?}");
        assert_eq!(log.lock().unwrap().last().unwrap().0, None, "{mode:?}: the download asks no range");
        assert_eq!(
            (m.source, m.requests, m.bytes),
            (MetadataSource::Full, seen.len() as u32, bytes.len() as u64)
        );
    }
}
