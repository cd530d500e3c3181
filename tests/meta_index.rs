//! `wheel-meta` after `wheel-resolve`, counting the index server's requests:
//! an artifact that says the index serves a PEP 658 file costs one request,
//! one that says nothing goes straight to range requests (no `.metadata`
//! probe), and metadata read once for a known URL and sha256 is answered
//! from the cache the next time without any request.

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;

use support::*;
use wheelpipe::records::{Metadata, MetadataSource, Record};

/// A wheel bigger than the 64 KiB tail, so range requests read a part of it.
fn delta() -> WheelBuilder {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let noise: Vec<u8> = (0..200 * 1024)
        .map(|_| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as u8
        })
        .collect();
    WheelBuilder::new("delta", "1.0")
        .file("delta/__init__.py", "")
        .file("delta/blob.bin", noise)
        .requires_dist("alpha==1.0")
}

fn setup(sb: &Sandbox) -> (Server, Vec<PathBuf>) {
    let dir = sb.path().join("wheels");
    let mut wheels = alpha_beta(&dir);
    wheels.push(delta().build(&dir));
    let server = Server::start(&wheels);
    (server, wheels)
}

/// `wheel-resolve`'s output for the three wheels; the server's log is
/// cleared afterwards, so it holds only what wheel-meta asks.
fn resolved(sb: &Sandbox, server: &Server) -> String {
    let venv = sb.venv("venv");
    let reqs = sb.write("requirements.txt", "alpha==1.0\nbeta==2.0\ndelta==1.0\n");
    let run = pipeline(vec![sb.resolve(&server.url(), &venv, &[&reqs])], None);
    run.assert_success();
    server.clear_log();
    run.stdout
}

/// Runs wheel-meta with `args` on `input`; its metadata records by name.
/// It keeps its own cache: wheel-resolve reads metadata too, and what it
/// kept in the sandbox's cache would answer wheel-meta's first run.
fn meta(sb: &Sandbox, args: &[&str], input: &str) -> Vec<Metadata> {
    let mut cmd = sb.meta();
    cmd.arg("--cache-dir").arg(sb.path().join("meta-cache")).args(args);
    let run = pipeline(vec![cmd], Some(input.as_bytes().to_vec()));
    run.assert_success();
    let records = run.records();
    assert!(matches!(records.last(), Some(Record::End(e)) if e.ok && e.tool == "wheel-meta"), "{run}");
    let mut found: Vec<Metadata> = records
        .into_iter()
        .filter_map(|r| match r {
            Record::Metadata(m) => Some(m),
            _ => None,
        })
        .collect();
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found
}

/// The server's requests per path.
fn requests_per_path(server: &Server) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for entry in server.requests() {
        *counts.entry(entry.path).or_default() += 1;
    }
    counts
}

#[test]
fn an_index_with_pep_658_files_costs_one_request_a_wheel() {
    let sb = Sandbox::new();
    let (server, _) = setup(&sb);
    let input = resolved(&sb, &server);
    assert!(input.contains("\"core_metadata\":{\"sha256\":"), "{input}");
    let found = meta(&sb, &[], &input);
    let names: Vec<&str> = found.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["alpha", "beta", "delta"]);
    for m in &found {
        assert_eq!((m.source, m.requests), (MetadataSource::Pep658, 1), "{m:?}");
    }
    let counts = requests_per_path(&server);
    assert_eq!(counts.len(), 3, "{counts:?}");
    assert!(counts.iter().all(|(path, n)| path.ends_with(".whl.metadata") && *n == 1), "{counts:?}");
}

#[test]
fn an_index_without_them_gets_range_requests_and_no_probe() {
    let sb = Sandbox::new();
    let (server, wheels) = setup(&sb);
    server.faults().no_pep658 = true;
    let input = resolved(&sb, &server);
    assert!(!input.contains("core_metadata"), "{input}");
    let found = meta(&sb, &[], &input);
    assert_eq!(found.len(), 3);
    for m in &found {
        assert_eq!(m.source, MetadataSource::Range, "{m:?}");
        assert!(m.requests <= 2, "{m:?}");
    }
    assert_eq!(found[2].requires_dist, ["alpha==1.0"]);
    let counts = requests_per_path(&server);
    assert_eq!(counts.len(), 3, "{counts:?}");
    assert!(counts.iter().all(|(path, n)| path.ends_with(".whl") && *n <= 2), "{counts:?}");
    let made: u32 = found.iter().map(|m| m.requests).sum();
    assert_eq!(made as usize, counts.values().sum::<usize>());

    // A plain URL is probed, unless --no-pep658 says the index has no files.
    server.clear_log();
    let url = server.file_url(wheels[2].file_name().unwrap().to_str().unwrap());
    let probed = meta(&sb, &[], &format!("{url}\n"));
    assert_eq!(probed[0].source, MetadataSource::Range, "{probed:?}");
    assert!(server.requests().iter().any(|e| e.path.ends_with(".whl.metadata")));
    server.clear_log();
    let direct = meta(&sb, &["--no-pep658"], &format!("{url}\n"));
    assert_eq!(direct[0].source, MetadataSource::Range, "{direct:?}");
    assert_eq!(direct[0].requests, probed[0].requests - 1, "one request less: {direct:?}");
    assert!(server.requests().iter().all(|e| e.path.ends_with(".whl")), "{:#?}", server.requests());
}

#[test]
fn metadata_read_once_for_a_known_hash_comes_from_the_cache() {
    let sb = Sandbox::new();
    let (server, wheels) = setup(&sb);
    server.faults().no_pep658 = true;
    let input = resolved(&sb, &server);
    let first = meta(&sb, &[], &input);
    assert!(first.iter().all(|m| m.requests > 0), "{first:?}");
    server.clear_log();
    let second = meta(&sb, &[], &input);
    assert_eq!(server.requests(), [], "the second run asks nothing");
    let key = |m: &Metadata| (m.name.clone(), m.version.clone(), m.requires_dist.clone(), m.url.clone());
    assert_eq!(second.iter().map(key).collect::<Vec<_>>(), first.iter().map(key).collect::<Vec<_>>());
    assert!(second.iter().all(|m| (m.bytes, m.requests, m.source) == (0, 0, MetadataSource::Range)));

    // A plain URL is cached only with a #sha256= fragment: without one the
    // file behind it may have changed.
    let url = server.file_url(wheels[1].file_name().unwrap().to_str().unwrap());
    meta(&sb, &[], &format!("{url}\n"));
    server.clear_log();
    assert!(meta(&sb, &[], &format!("{url}\n"))[0].requests > 0);
    assert_ne!(server.requests(), []);
    let sha256 = wheelpipe::hash::sha256_hex(&std::fs::read(&wheels[1]).unwrap());
    let pinned = format!("{url}#sha256={sha256}\n");
    meta(&sb, &[], &pinned);
    server.clear_log();
    let again = meta(&sb, &[], &pinned);
    assert_eq!((again[0].name.as_str(), again[0].requests, again[0].url.as_str()), ("beta", 0, url.as_str()));
    assert_eq!(server.requests(), []);
}
