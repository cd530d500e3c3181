//! The page cache against the unit tests' server on 127.0.0.1, one
//! project page whose ETag, Last-Modified and Cache-Control each test sets:
//! what a second run asks the index, and what it gets.

use std::sync::{Arc, Mutex};

use crate::cache::Cache;
use crate::index::tests::client;
use crate::index::{IndexClient, IndexUrls};
use crate::test_server::{self, Response};

/// The page's state on the server, and the conditional headers of each request.
#[derive(Default)]
struct Server {
    /// The page's version: its ETag is `"v{version}"` and it lists `version` wheels.
    version: usize,
    /// Extra headers sent with every answer.
    headers: Vec<(String, String)>,
    /// `(If-None-Match, If-Modified-Since)` of each request.
    seen: Vec<(Option<String>, Option<String>)>,
    /// Cut the next this many pages short with a Content-Length too small.
    cut_next: usize,
}

type Shared = Arc<Mutex<Server>>;

/// The page of version `v`: wheels `demo-1.0` to `demo-{v}.0`.
fn page(v: usize) -> String {
    let files: Vec<String> = (1..=v)
        .map(|i| {
            format!(r#"{{"filename": "demo-{i}.0-py3-none-any.whl", "url": "/f/{i}.whl", "hashes": {{}}}}"#)
        })
        .collect();
    format!(r#"{{"meta": {{"api-version": "1.0"}}, "name": "demo", "files": [{}]}}"#, files.join(","))
}

/// A server for `/simple/demo/` sending `headers`, answering 304 when the
/// request's If-None-Match is the current ETag.
fn serve(headers: &[(&str, &str)]) -> (String, Shared) {
    let headers = headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let state = Arc::new(Mutex::new(Server { version: 1, headers, seen: vec![], cut_next: 0 }));
    let shared = state.clone();
    let server = test_server::Server::start(move |request| {
        let mut state = shared.lock().unwrap();
        let inm = request.header("if-none-match").map(str::to_string);
        state.seen.push((inm.clone(), request.header("if-modified-since").map(str::to_string)));
        let etag = format!("\"v{}\"", state.version);
        if request.path != "/simple/demo/" {
            return Response::new(404, "");
        }
        let status = if inm.as_deref() == Some(etag.as_str()) { 304 } else { 200 };
        let body = if status == 304 { String::new() } else { page(state.version) };
        let mut response = Response::new(status, body)
            .header("Content-Type", "application/vnd.pypi.simple.v1+json")
            .header("ETag", etag);
        if status == 200 && state.cut_next > 0 {
            state.cut_next -= 1;
            response.content_length = Some(response.body.len() - 30);
        }
        Response { headers: [response.headers, state.headers.clone()].concat(), ..response }
    });
    (server.base().to_string(), state)
}

/// The wheel names a new index client (as a new run would make) reads from the server through `cache`.
fn run(base: &str, cache: &Cache) -> Vec<String> {
    run_with(&client(), base, cache)
}

fn run_with(http: &crate::http::Client, base: &str, cache: &Cache) -> Vec<String> {
    let urls = IndexUrls { index_url: Some(format!("{base}/simple")), ..Default::default() };
    let index = IndexClient::new(http, urls).with_cache(cache.clone());
    index.project_files("Demo").unwrap().into_iter().map(|f| f.filename).collect()
}

fn new_cache() -> (tempfile::TempDir, Cache) {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::at(dir.path().join("cache")).unwrap();
    (dir, cache)
}

fn seen(state: &Shared) -> Vec<(Option<String>, Option<String>)> {
    state.lock().unwrap().seen.clone()
}

#[test]
fn a_fresh_page_is_used_without_any_request() {
    let (base, state) = serve(&[("Cache-Control", "max-age=600")]);
    let (_dir, cache) = new_cache();
    assert_eq!(run(&base, &cache), ["demo-1.0-py3-none-any.whl"]);
    state.lock().unwrap().version = 2;
    // Within max-age the stored page wins, even though the index changed.
    assert_eq!(run(&base, &cache), ["demo-1.0-py3-none-any.whl"]);
    assert_eq!(seen(&state).len(), 1);
    let entry = cache
        .root()
        .join("index/v1")
        .join(crate::hash::sha256_hex(format!("{base}/simple/demo/").as_bytes()));
    assert!(entry.is_file(), "the entry is stored at index/v1/<sha256 of the URL>");
}

#[test]
fn a_stale_page_is_revalidated_and_its_body_reused_on_304() {
    let date = "Wed, 21 Oct 2026 07:28:00 GMT";
    let (base, state) = serve(&[("Cache-Control", "max-age=0"), ("Last-Modified", date)]);
    let (_dir, cache) = new_cache();
    assert_eq!(run(&base, &cache), ["demo-1.0-py3-none-any.whl"]);
    assert_eq!(run(&base, &cache), ["demo-1.0-py3-none-any.whl"]);
    assert_eq!(seen(&state), [(None, None), (Some("\"v1\"".into()), Some(date.into()))]);
}

#[test]
fn no_cache_revalidates_a_page_within_its_max_age() {
    let (base, state) = serve(&[("Cache-Control", "max-age=600, no-cache")]);
    let (_dir, cache) = new_cache();
    assert_eq!(run(&base, &cache), ["demo-1.0-py3-none-any.whl"]);
    assert_eq!(run(&base, &cache), ["demo-1.0-py3-none-any.whl"]);
    assert_eq!(seen(&state)[1].0.as_deref(), Some("\"v1\""));
}

#[test]
fn a_changed_page_replaces_the_entry() {
    let (base, state) = serve(&[]);
    let (_dir, cache) = new_cache();
    assert_eq!(run(&base, &cache), ["demo-1.0-py3-none-any.whl"]);
    state.lock().unwrap().version = 2;
    let both = ["demo-1.0-py3-none-any.whl", "demo-2.0-py3-none-any.whl"];
    assert_eq!(run(&base, &cache), both);
    // The new page and its ETag were stored: the next run revalidates v2 and gets a 304.
    assert_eq!(run(&base, &cache), both);
    let tags: Vec<_> = seen(&state).into_iter().map(|(inm, _)| inm).collect();
    assert_eq!(tags, [None, Some("\"v1\"".into()), Some("\"v2\"".into())]);
}

#[test]
fn a_no_store_page_is_not_stored() {
    let (base, state) = serve(&[("Cache-Control", "no-store, max-age=600")]);
    let (_dir, cache) = new_cache();
    assert_eq!(run(&base, &cache), ["demo-1.0-py3-none-any.whl"]);
    assert_eq!(run(&base, &cache), ["demo-1.0-py3-none-any.whl"]);
    assert_eq!(seen(&state), [(None, None), (None, None)]);
    let dir = cache.root().join("index/v1");
    assert!(!dir.exists() || std::fs::read_dir(&dir).unwrap().next().is_none(), "nothing in {dir:?}");
}

#[test]
fn a_corrupt_entry_is_fetched_again_not_an_error() {
    let (base, state) = serve(&[("Cache-Control", "max-age=600")]);
    let (_dir, cache) = new_cache();
    assert_eq!(run(&base, &cache), ["demo-1.0-py3-none-any.whl"]);
    let dir = cache.root().join("index/v1");
    let entry = std::fs::read_dir(&dir).unwrap().next().unwrap().unwrap().path();
    let whole = std::fs::read(&entry).unwrap();
    let bad: [&[u8]; 3] = [b"garbage\n{", &whole[..whole.len() - 5], b""];
    for (i, bytes) in bad.into_iter().enumerate() {
        std::fs::write(&entry, bytes).unwrap();
        assert_eq!(run(&base, &cache), ["demo-1.0-py3-none-any.whl"]);
        // Fetched whole (no validator from the bad entry sent) ...
        assert_eq!(seen(&state).len(), i + 2);
        assert_eq!(seen(&state)[i + 1], (None, None));
        // ... and stored again: the next run asks nothing.
        assert_eq!(run(&base, &cache), ["demo-1.0-py3-none-any.whl"]);
        assert_eq!(seen(&state).len(), i + 2);
    }
}

const BOTH: [&str; 2] = ["demo-1.0-py3-none-any.whl", "demo-2.0-py3-none-any.whl"];

#[test]
fn a_page_cut_short_is_asked_for_again_and_only_the_whole_page_is_stored() {
    let (base, state) = serve(&[("Cache-Control", "max-age=0")]);
    state.lock().unwrap().version = 2;
    state.lock().unwrap().cut_next = 1;
    let (_dir, cache) = new_cache();
    let options = crate::http::HttpOptions {
        retries: 1,
        backoff: std::time::Duration::from_millis(1),
        ..Default::default()
    };
    let http = crate::http::Client::new(options).unwrap();
    assert_eq!(run_with(&http, &base, &cache), BOTH);
    assert_eq!(seen(&state), [(None, None), (None, None)], "the cut page was asked for again");
    // What was stored is the whole page: revalidated with a 304, it still lists both.
    assert_eq!(run(&base, &cache), BOTH);
    assert_eq!(seen(&state)[2].0.as_deref(), Some("\"v2\""));
}

#[test]
fn a_poisoned_entry_does_not_survive_a_revalidation() {
    let (base, state) = serve(&[("Cache-Control", "max-age=0")]);
    state.lock().unwrap().version = 2;
    let (_dir, cache) = new_cache();
    assert_eq!(run(&base, &cache), BOTH);
    // As an older version stored a page cut short: a consistent header, a broken body.
    let dir = cache.root().join("index/v1");
    let entry = std::fs::read_dir(&dir).unwrap().next().unwrap().unwrap().path();
    let text = std::fs::read_to_string(&entry).unwrap();
    let (head, body) = text.split_once('\n').unwrap();
    let cut = &body[..body.len() - 30];
    let head = head.replace(&format!("\"body_len\":{}", body.len()), &format!("\"body_len\":{}", cut.len()));
    std::fs::write(&entry, format!("{head}\n{cut}")).unwrap();
    // The server would answer 304 to its ETag; the entry must not be revalidated.
    assert_eq!(run(&base, &cache), BOTH);
    assert_eq!(seen(&state)[1], (None, None), "asked without the poisoned entry's ETag");
    assert_eq!(run(&base, &cache), BOTH, "the whole page was stored again");
}

#[test]
fn an_error_page_for_an_index_page_says_what_came_back() {
    let server = test_server::Server::start(|_| {
        Response::new(200, "Service temporarily unavailable, try later").header("Content-Type", "text/plain")
    });
    let (_dir, cache) = new_cache();
    let http = client();
    let urls = IndexUrls { index_url: Some(format!("{}/simple", server.base())), ..Default::default() };
    let index = IndexClient::new(&http, urls).with_cache(cache.clone());
    let err = format!("{:#}", index.project_files("demo").unwrap_err());
    assert!(err.contains(&format!("{}/simple/demo/", server.base())), "{err}");
    assert!(err.contains("not an index page: Content-Type text/plain"), "{err}");
    assert!(err.contains("Service temporarily"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let long = "x".repeat(100_000);
    let err = index.project_files(&long).unwrap_err().to_string();
    assert!(err.len() < 200 && err.contains("not a project name"), "{err}");
    assert_eq!(server.log().len(), 1, "no request for an absurd name");
}
