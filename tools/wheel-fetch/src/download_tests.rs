//! Tests of [`super::Fetcher::fetch_to_store`] against the unit tests' HTTP server
//! (`wheelpipe::test_server`).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use wheelpipe::cache::Cache;
use wheelpipe::fetch::Board;
use wheelpipe::hash::sha256_hex;
use wheelpipe::http::{Client, HttpOptions};
use wheelpipe::progress::{Item, Role, StageProgress};
use wheelpipe::records::Artifact;

use super::*;
use wheelpipe::test_server::{Response, Server};

const FILE: &str = "demo-1.0-py3-none-any.whl";
const BODY: &[u8] = b"not really a zip, but bytes with a known sha256";

pub(super) fn client() -> Client {
    Client::new(HttpOptions {
        cert: None,
        timeout: Duration::from_secs(5),
        retries: 2,
        backoff: Duration::from_millis(10),
        ..HttpOptions::default()
    })
    .unwrap()
}

pub(super) fn job(url: &str, sha256: Option<&str>) -> Job {
    let mut hashes = BTreeMap::new();
    if let Some(h) = sha256 {
        hashes.insert("sha256".to_string(), h.to_string());
    }
    Job::from_artifact(Artifact {
        hashes,
        ..Artifact::new("demo".into(), "1.0".into(), FILE.into(), url.into())
    })
}

/// An item of a stage that counts and shows nothing.
pub(super) fn item() -> Item {
    StageProgress::new("test", Role::Silent).begin(FILE, None)
}

/// Every file under `dir`, as paths relative to it.
pub(super) fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(
                    files(&path).into_iter().map(|f| format!("{}/{f}", entry.file_name().to_string_lossy())),
                );
            } else {
                out.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
    }
    out
}

/// Fetches `job` into `cache`, with a board or none, with the cancel flag at `cancel`.
pub(super) fn fetch_with(
    http: &Client,
    cache: &Cache,
    job: &Job,
    board: Option<&Board>,
    cancel: bool,
) -> Result<Stored> {
    let fetcher = Fetcher { http, cache, board, cancel: &AtomicBool::new(cancel), announce: None };
    fetcher.fetch_to_store(job, &std::sync::Arc::new(item()))
}

/// A cache in a new temporary folder, which lives as long as the `TempDir`.
pub(super) fn temp_cache() -> (tempfile::TempDir, Cache) {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::at(dir.path().to_path_buf()).unwrap();
    (dir, cache)
}

fn fetch(cache: &Cache, job: &Job) -> Result<Stored> {
    fetch_with(&client(), cache, job, None, false)
}

#[test]
fn good_file_is_verified_stored_and_not_downloaded_twice() {
    let server = Server::scripted();
    let url = server.route("/w/demo.whl", vec![Response::ok(BODY)]);
    let (dir, cache) = temp_cache();
    let hash = sha256_hex(BODY);
    let stored = fetch(&cache, &job(&url, Some(&hash.to_uppercase()))).unwrap();
    let expected = dir.path().join(format!("wheels/v1/{}/{hash}/{FILE}", &hash[..2]));
    assert_eq!(stored, Stored { path: expected.clone(), sha256: hash.clone(), downloaded: true });
    assert_eq!(fs::read(&expected).unwrap(), BODY);
    assert!(files(&dir.path().join("tmp")).is_empty());

    let again = fetch(&cache, &job(&url, Some(&hash))).unwrap();
    assert_eq!(again, Stored { path: expected, sha256: hash, downloaded: false });
    assert_eq!(server.hits("/w/demo.whl"), 1, "the second fetch must come from the store");
}

#[test]
fn without_an_expected_hash_the_computed_one_names_the_stored_file() {
    let server = Server::scripted();
    let url = server.route("/w/demo.whl", vec![Response::ok(BODY)]);
    let (_dir, cache) = temp_cache();
    let stored = fetch(&cache, &job(&url, None)).unwrap();
    assert_eq!(stored.sha256, sha256_hex(BODY));
    assert_eq!(fs::read(&stored.path).unwrap(), BODY);
}

#[test]
fn wrong_hash_is_an_error_and_leaves_nothing_behind() {
    let server = Server::scripted();
    let url = server.route("/w/demo.whl", vec![Response::ok(BODY)]);
    let (dir, cache) = temp_cache();
    let wrong = "0".repeat(64);
    let err = fetch(&cache, &job(&url, Some(&wrong))).unwrap_err();
    let message = format!("{err:#}");
    let got = sha256_hex(BODY);
    assert_eq!(
        message,
        format!("{url}: sha256 mismatch: expected {wrong}, got {got} (3 downloads, each from scratch)")
    );
    assert_eq!(server.hits("/w/demo.whl"), 3, "asked twice more from scratch");
    assert!(files(&dir.path().join("wheels")).is_empty(), "{:?}", files(&dir.path().join("wheels")));
    assert!(files(&dir.path().join("tmp")).is_empty(), "{:?}", files(&dir.path().join("tmp")));
}

#[test]
fn bytes_damaged_on_the_way_are_downloaded_again_from_scratch() {
    let server = Server::scripted();
    let mut flipped = BODY.to_vec();
    flipped[3] ^= 0x20;
    let url = server.route("/w/demo.whl", vec![Response::ok(&flipped), Response::ok(BODY)]);
    let (_dir, cache) = temp_cache();
    let stored = fetch(&cache, &job(&url, Some(&sha256_hex(BODY)))).unwrap();
    assert_eq!(std::fs::read(&stored.path).unwrap(), BODY);
    let asked: Vec<_> =
        server.requests_to("/w/demo.whl").iter().map(|r| r.header("range").is_some()).collect();
    assert_eq!(asked, [false, false], "the second try is a whole new download, not a resume");
}

#[test]
fn not_found_names_the_url_and_status() {
    let server = Server::scripted();
    let url = format!("{}/missing.whl", server.base());
    let (dir, cache) = temp_cache();
    let err = fetch(&cache, &job(&url, Some(&sha256_hex(BODY)))).unwrap_err();
    let message = format!("{err:#}");
    assert!(message.contains(&url) && message.contains("404"), "{message}");
    assert_eq!(server.hits("/missing.whl"), 1, "a 404 is not retried");
    assert!(files(&dir.path().join("wheels")).is_empty());
}

#[test]
fn a_server_error_is_retried() {
    let server = Server::scripted();
    let url = server.route("/w/demo.whl", vec![Response::status(500), Response::ok(BODY)]);
    let (_dir, cache) = temp_cache();
    let stored = fetch(&cache, &job(&url, Some(&sha256_hex(BODY)))).unwrap();
    assert_eq!(fs::read(&stored.path).unwrap(), BODY);
    assert_eq!(server.hits("/w/demo.whl"), 2);
}

#[test]
fn a_truncated_body_is_an_error_and_not_stored() {
    let server = Server::scripted();
    let short = Response { content_length: Some(BODY.len() + 1000), ..Response::ok(BODY) };
    let url = server.route("/w/demo.whl", vec![short]);
    let (dir, cache) = temp_cache();
    for expected in [Some(sha256_hex(BODY)), None] {
        let err = fetch(&cache, &job(&url, expected.as_deref())).unwrap_err();
        let message = format!("{err:#}");
        assert!(message.contains(&url) && message.contains("broke off"), "{message}");
    }
    assert!(files(&dir.path().join("wheels")).is_empty());
    assert!(files(&dir.path().join("tmp")).is_empty());
}

#[test]
fn cancel_stops_the_download_and_deletes_the_temporary_file() {
    let server = Server::scripted();
    let url = server.route("/w/demo.whl", vec![Response::ok(BODY)]);
    let (dir, cache) = temp_cache();
    let err = fetch_with(&client(), &cache, &job(&url, None), None, true).unwrap_err();
    assert_eq!(wheelpipe::exit::code_for(&err), wheelpipe::exit::Exit::Interrupted);
    assert!(files(&dir.path().join("wheels")).is_empty());
    assert!(files(&dir.path().join("tmp")).is_empty());
}

#[test]
fn a_file_stored_by_another_run_while_we_waited_for_the_lock_is_not_downloaded() {
    let server = Server::scripted();
    let url = server.route("/w/demo.whl", vec![Response::ok(BODY)]);
    let (_dir, cache) = temp_cache();
    let hash = sha256_hex(BODY);
    let other_run = cache.lock_entry(wheelpipe::cache::Bucket::Wheels, &digest(&hash)).unwrap();
    let path = cache.wheel_path(&digest(&hash), FILE).unwrap();
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, BODY).unwrap();
        drop(other_run);
    });
    let stored = fetch(&cache, &job(&url, Some(&hash))).unwrap();
    writer.join().unwrap();
    assert!(!stored.downloaded);
    assert_eq!(server.hits("/w/demo.whl"), 0);
}

#[test]
fn waiting_for_a_held_lock_ends_on_cancel() {
    let (_dir, cache) = temp_cache();
    let hash = sha256_hex(BODY);
    let _other_run = cache.lock_entry(wheelpipe::cache::Bucket::Wheels, &digest(&hash)).unwrap();
    let job = job("http://127.0.0.1:9/never.whl", Some(&hash));
    let err = fetch_with(&client(), &cache, &job, None, true).unwrap_err();
    assert_eq!(wheelpipe::exit::code_for(&err), wheelpipe::exit::Exit::Interrupted);
}

/// A body big enough to be cut in the middle.
fn big() -> Vec<u8> {
    (0..5000u32).flat_map(|i| i.to_le_bytes()).collect()
}

fn cut(body: &[u8], after: usize, headers: &[(&str, &str)]) -> Response {
    Response {
        cut_after: Some(after),
        headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ..Response::ok(body)
    }
}

#[test]
fn a_cut_download_resumes_from_the_bytes_it_has_with_if_range() {
    let body = big();
    let server = Server::scripted();
    let ranged = Response::ok(&body).ranged();
    let url = server.route("/w/demo.whl", vec![cut(&body, 7000, &[("ETag", "\"v1\"")]), ranged]);
    let (dir, cache) = temp_cache();
    let stored = fetch(&cache, &job(&url, Some(&sha256_hex(&body)))).unwrap();
    assert_eq!(fs::read(&stored.path).unwrap(), body);
    let asked = server.requests_to("/w/demo.whl");
    assert_eq!(asked.len(), 2, "{asked:?}");
    assert_eq!(asked[0].header("range"), None);
    assert_eq!(asked[1].header("range"), Some("bytes=7000-"));
    assert_eq!(asked[1].header("if-range"), Some("\"v1\""));
    assert!(files(&dir.path().join("tmp")).is_empty());
}

#[test]
fn if_range_uses_last_modified_when_the_etag_is_weak_and_no_hash_is_expected() {
    let body = big();
    let server = Server::scripted();
    let date = ("Last-Modified", "Wed, 21 Oct 2015 07:28:00 GMT");
    let first = cut(&body, 100, &[("ETag", "W/\"weak\""), date]);
    let url = server.route("/w/demo.whl", vec![first, Response::ok(&body).ranged()]);
    let (_dir, cache) = temp_cache();
    let stored = fetch(&cache, &job(&url, None)).unwrap();
    assert_eq!((fs::read(&stored.path).unwrap(), stored.sha256), (body.clone(), sha256_hex(&body)));
    let asked = server.requests_to("/w/demo.whl");
    assert_eq!(asked[1].header("range"), Some("bytes=100-"));
    assert_eq!(asked[1].header("if-range"), Some("Wed, 21 Oct 2015 07:28:00 GMT"));
}

#[test]
fn a_whole_file_answer_to_a_resume_starts_the_file_over() {
    let body = big();
    let server = Server::scripted();
    // No range support: the retry gets a 200 with the whole body again.
    let url = server.route("/w/demo.whl", vec![cut(&body, 3000, &[]), Response::ok(&body)]);
    let (dir, cache) = temp_cache();
    for expected in [Some(sha256_hex(&body)), None] {
        let stored = fetch(&cache, &job(&url, expected.as_deref())).unwrap();
        assert_eq!(fs::read(&stored.path).unwrap(), body, "not the prefix twice");
        assert_eq!(stored.sha256, sha256_hex(&body));
    }
    assert_eq!(server.requests_to("/w/demo.whl")[1].header("range"), Some("bytes=3000-"));
    assert!(files(&dir.path().join("tmp")).is_empty());
}

#[test]
fn a_206_for_another_range_is_not_spliced_in() {
    let body = big();
    let server = Server::scripted();
    let total = body.len();
    let wrong = Response::new(206, &body).header("Content-Range", format!("bytes 0-{}/{total}", total - 1));
    let url = server.route("/w/demo.whl", vec![cut(&body, 500, &[]), wrong, Response::ok(&body)]);
    let (_dir, cache) = temp_cache();
    let stored = fetch(&cache, &job(&url, Some(&sha256_hex(&body)))).unwrap();
    assert_eq!(fs::read(&stored.path).unwrap(), body);
    let asked = server.requests_to("/w/demo.whl");
    assert_eq!(asked.len(), 3, "{asked:?}");
    assert_eq!(asked[2].header("range"), None, "the third try starts over");
}

#[test]
fn a_file_url_is_copied_into_the_store_without_http() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("find links+x");
    fs::create_dir(&folder).unwrap();
    fs::write(folder.join(FILE), BODY).unwrap();
    let url = url::Url::from_file_path(folder.join(FILE)).unwrap().to_string();
    assert!(url.contains("find%20links+x"), "{url}");
    let cache = Cache::at(dir.path().join("cache")).unwrap();
    let hash = sha256_hex(BODY);
    for expected in [Some(hash.as_str()), None] {
        let stored = fetch(&cache, &job(&url, expected)).unwrap();
        assert_eq!(stored.path, cache.wheel_path(&digest(&hash), FILE).unwrap());
        assert_eq!((fs::read(&stored.path).unwrap(), stored.sha256), (BODY.to_vec(), hash.clone()));
    }
    let wrong = "0".repeat(64);
    fs::remove_dir_all(dir.path().join("cache/wheels")).unwrap();
    let err = fetch(&cache, &job(&url, Some(&wrong))).unwrap_err();
    assert!(format!("{err:#}").contains("sha256 mismatch"), "{err:#}");
    let err = fetch(&cache, &job(&url.replace(FILE, "gone-1.0-py3-none-any.whl"), None)).unwrap_err();
    assert!(format!("{err:#}").contains("gone-1.0-py3-none-any.whl"), "{err:#}");
    assert!(files(&dir.path().join("cache/wheels")).is_empty());
    assert!(files(&dir.path().join("cache/tmp")).is_empty());
}

/// The smallest zip there is: an End Of Central Directory record alone.
const EMPTY_ZIP: &[u8] = b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";

#[test]
fn a_record_whose_path_has_the_expected_file_is_not_fetched_again() {
    let server = Server::scripted();
    let url = server.route("/w/demo.whl", vec![Response::ok(EMPTY_ZIP)]);
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::at(dir.path().join("cache")).unwrap();
    let hash = sha256_hex(EMPTY_ZIP);
    let own = dir.path().join(FILE);
    fs::write(&own, EMPTY_ZIP).unwrap();
    let mut with_path = job(&url, Some(&hash));
    with_path.artifact.path = Some(own.clone());
    let stored = fetch(&cache, &with_path).unwrap();
    assert_eq!(stored, Stored { path: own.clone(), sha256: hash.clone(), downloaded: false });
    assert_eq!(server.hits("/w/demo.whl"), 0);

    // A path whose file changed since is fetched like any other record.
    fs::write(&own, b"something else").unwrap();
    let stored = fetch(&cache, &with_path).unwrap();
    assert_eq!(stored.path, cache.wheel_path(&digest(&hash), FILE).unwrap());
    assert_eq!(server.hits("/w/demo.whl"), 1);
}

#[test]
fn a_body_that_stalls_midway_times_out_and_resumes_where_it_stopped() {
    let body = big();
    let server = Server::scripted();
    let stall = Some((3000, Duration::from_secs(5)));
    let stalls = Response { stall_after: stall, ..Response::ok(&body).header("ETag", "\"v1\"") };
    let url = server.route("/w/demo.whl", vec![stalls, Response::ok(&body).ranged()]);
    let (dir, cache) = temp_cache();
    let quick = Client::new(HttpOptions {
        cert: None,
        timeout: Duration::from_millis(300),
        retries: 2,
        backoff: Duration::from_millis(10),
        ..HttpOptions::default()
    })
    .unwrap();
    let started = std::time::Instant::now();
    let job = job(&url, Some(&sha256_hex(&body)));
    let stored = fetch_with(&quick, &cache, &job, None, false).unwrap();
    assert!(started.elapsed() < Duration::from_secs(3), "the stall was not waited out");
    assert_eq!(fs::read(&stored.path).unwrap(), body);
    let asked = server.requests_to("/w/demo.whl");
    assert_eq!(asked.len(), 2, "{asked:?}");
    assert_eq!(asked[1].header("range"), Some("bytes=3000-"), "resumed after the bytes it had");
    assert!(files(&dir.path().join("tmp")).is_empty());
}

#[test]
fn a_path_that_is_no_wheel_is_not_used_and_one_without_a_hash_is_copied_not_linked() {
    use std::os::unix::fs::MetadataExt;
    let server = Server::scripted();
    let url = server.route("/w/demo.whl", vec![Response::ok(EMPTY_ZIP)]);
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::at(dir.path().join("cache")).unwrap();
    let named_like_a_wheel = dir.path().join(FILE);
    fs::write(&named_like_a_wheel, b"root:x:0:0:root:/root:/bin/bash\n").unwrap();
    let other_release = dir.path().join("other-1.0-py3-none-any.whl");
    fs::write(&other_release, EMPTY_ZIP).unwrap();
    let passwd = std::path::PathBuf::from("/etc/passwd");
    for path in [&passwd, &named_like_a_wheel, &other_release, &dir.path().to_path_buf()] {
        let mut record = job(&url, None);
        record.artifact.path = Some(path.clone());
        let stored = fetch(&cache, &record).unwrap();
        assert_eq!(fs::read(&stored.path).unwrap(), EMPTY_ZIP, "{path:?} was not taken for the wheel");
        assert!(stored.path.starts_with(cache.root()), "{stored:?}");
    }
    assert_eq!(server.hits("/w/demo.whl"), 4, "each was fetched instead");

    // A real zip with the wheel's name but no known hash: a copy, never a link.
    let own = dir.path().join("own").join(FILE);
    fs::create_dir(own.parent().unwrap()).unwrap();
    fs::write(&own, EMPTY_ZIP).unwrap();
    let mut record = job(&url, None);
    record.artifact.path = Some(own.clone());
    let stored = fetch(&cache, &record).unwrap();
    assert_eq!(server.hits("/w/demo.whl"), 4, "not fetched");
    assert!(stored.path.starts_with(cache.root()), "{stored:?}");
    assert_ne!(fs::metadata(&stored.path).unwrap().ino(), fs::metadata(&own).unwrap().ino());
}

#[test]
fn a_content_length_below_the_index_size_is_a_cut_body_and_the_rest_is_asked_for() {
    let body = big();
    let server = Server::scripted();
    let short = Response { content_length: Some(5000), ..Response::ok(&body).header("ETag", "\"v1\"") };
    let url = server.route("/w/demo.whl", vec![short, Response::ok(&body).ranged()]);
    let (_dir, cache) = temp_cache();
    let mut record = job(&url, Some(&sha256_hex(&body)));
    record.artifact.size = Some(body.len() as u64);
    let stored = fetch(&cache, &record).unwrap();
    assert_eq!(fs::read(&stored.path).unwrap(), body);
    let asked = server.requests_to("/w/demo.whl");
    assert_eq!(asked.len(), 2, "no new download from scratch: {asked:?}");
    assert_eq!(asked[1].header("range"), Some("bytes=5000-19999"), "the rest, as a range of the known size");
}

fn digest(hex: &str) -> wheelpipe::hash::Sha256 {
    wheelpipe::hash::Sha256::parse(hex).unwrap()
}
