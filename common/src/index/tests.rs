//! The index client against a small HTTP server on 127.0.0.1: a JSON index
//! (chosen by the Accept header), an HTML index, a redirect, a 404 and a 403.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use super::*;
use crate::http::HttpOptions;

const JSON: &str = r#"{"meta": {"api-version": "1.0"}, "name": "demo", "files": [
  {"filename": "demo-2.0-py3-none-any.whl", "url": "/files/demo-2.0-py3-none-any.whl",
   "hashes": {"sha256": "aa11"}, "core-metadata": {"sha256": "bb22"}, "size": 10}]}"#;
const HTML: &str = r#"<html><body>
<a href="demo-1.0-py3-none-any.whl#sha256=CC33" data-requires-python="&gt;=3.7">demo-1.0-py3-none-any.whl</a>
<a href="demo-1.0.tar.gz">demo-1.0.tar.gz</a></body></html>"#;

/// (path, Accept header) of each request the server saw.
type Seen = Arc<Mutex<Vec<(String, String)>>>;

/// A request as the test server saw it: the path and the headers, names lowercased.
pub(super) struct Request {
    pub path: String,
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// A response for the test server to send: status line, extra header
/// lines (each ending in CRLF), content type and body.
pub(super) type Reply = (&'static str, String, &'static str, String);

/// Serves `handler`'s replies forever in a thread; returns the base URL.
pub(super) fn serve_with(handler: impl Fn(&Request) -> Reply + Send + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
            let mut headers = Vec::new();
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = header.split_once(':') {
                    headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
                }
            }
            let (status, extra, ctype, body) = handler(&Request { path, headers });
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\n{extra}Content-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    base
}

/// Serves the JSON and HTML indexes; returns the base URL and the requests seen.
fn serve() -> (String, Seen) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let base = serve_with(move |request| {
        let accept = request.header("accept").unwrap_or("").to_string();
        log.lock().unwrap().push((request.path.clone(), accept.clone()));
        let (status, extra, ctype, body) = match request.path.as_str() {
            "/json/demo/" if accept.contains("vnd.pypi.simple.v1+json") => {
                ("200 OK", "", "application/vnd.pypi.simple.v1+json", JSON)
            }
            "/json/demo/" | "/html/demo/" => ("200 OK", "", "text/html; charset=utf-8", HTML),
            "/moved/demo/" => ("302 Found", "Location: /html/demo/\r\n", "text/plain", ""),
            "/broken/demo/" => ("403 Forbidden", "", "text/plain", "no"),
            _ => ("404 Not Found", "", "text/plain", "not found"),
        };
        (status, extra.to_string(), ctype, body.to_string())
    });
    (base, seen)
}

pub(super) fn client() -> Client {
    Client::new(HttpOptions { retries: 0, ..Default::default() }).unwrap()
}

#[test]
fn reads_json_and_html_indexes_in_order() {
    let (base, seen) = serve();
    let http = client();
    let urls = IndexUrls {
        index_url: Some(format!("{base}/json/")),
        extra_index_urls: vec![format!("{base}/html"), format!("{base}/nothing")],
        find_links: vec![],
    };
    let index = IndexClient::new(&http, urls);
    let files = index.project_files("Demo").unwrap();
    let names: Vec<_> = files.iter().map(|f| f.filename.as_str()).collect();
    assert_eq!(names, ["demo-2.0-py3-none-any.whl", "demo-1.0-py3-none-any.whl", "demo-1.0.tar.gz"]);
    assert_eq!(files[0].url, format!("{base}/files/demo-2.0-py3-none-any.whl"));
    assert_eq!(files[0].metadata_url().unwrap(), format!("{base}/files/demo-2.0-py3-none-any.whl.metadata"));
    assert_eq!(files[0].size, Some(10));
    assert_eq!(files[1].url, format!("{base}/html/demo/demo-1.0-py3-none-any.whl"));
    assert_eq!(files[1].hashes["sha256"], "cc33");
    assert_eq!(files[1].requires_python.as_deref(), Some(">=3.7"));
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0], ("/json/demo/".to_string(), ACCEPT.to_string()));
    assert_eq!(seen[2].0, "/nothing/demo/");
}

#[test]
fn unknown_projects_are_empty_and_failures_name_the_url() {
    let (base, _) = serve();
    let http = client();
    let urls = IndexUrls { index_url: Some(format!("{base}/json")), ..Default::default() };
    assert!(IndexClient::new(&http, urls).project_files("missing").unwrap().is_empty());

    let urls = IndexUrls { index_url: Some(format!("{base}/broken")), ..Default::default() };
    let err = IndexClient::new(&http, urls).project_files("demo").unwrap_err();
    assert!(format!("{err:#}").contains(&format!("{base}/broken/demo/: HTTP 403")), "{err:#}");
}

#[test]
fn links_after_a_redirect_are_relative_to_the_final_page() {
    let (base, _) = serve();
    let http = client();
    let urls = IndexUrls { index_url: Some(format!("{base}/moved")), ..Default::default() };
    let files = IndexClient::new(&http, urls).project_files("demo").unwrap();
    assert_eq!(files[0].url, format!("{base}/html/demo/demo-1.0-py3-none-any.whl"));
}

#[test]
fn find_links_pages_are_filtered_to_the_project() {
    let (base, _) = serve();
    let http = client();
    let urls = IndexUrls { find_links: vec![format!("{base}/html/demo/")], ..Default::default() };
    let index = IndexClient::new(&http, urls);
    assert_eq!(index.project_files("demo").unwrap().len(), 2);
    assert!(index.project_files("other").unwrap().is_empty());
}
