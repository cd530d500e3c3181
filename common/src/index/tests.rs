//! The index client against the unit tests' HTTP server on 127.0.0.1: a JSON index
//! (chosen by the Accept header), an HTML index, a redirect, a 404 and a 403.

use super::*;
use crate::http::HttpOptions;
use crate::test_server::{Response, Server};

const JSON: &str = r#"{"meta": {"api-version": "1.0"}, "name": "demo", "files": [
  {"filename": "demo-2.0-py3-none-any.whl", "url": "/files/demo-2.0-py3-none-any.whl",
   "hashes": {"sha256": "aa11"}, "core-metadata": {"sha256": "bb22"}, "size": 10}]}"#;
const HTML: &str = r#"<html><body>
<a href="demo-1.0-py3-none-any.whl#sha256=CC33" data-requires-python="&gt;=3.7">demo-1.0-py3-none-any.whl</a>
<a href="demo-1.0.tar.gz">demo-1.0.tar.gz</a></body></html>"#;

/// Serves the JSON and HTML indexes.
fn serve() -> Server {
    Server::start(|request| {
        let accept = request.header("accept").unwrap_or("");
        match request.path.as_str() {
            "/json/demo/" if accept.contains("vnd.pypi.simple.v1+json") => {
                Response::ok(JSON).header("Content-Type", "application/vnd.pypi.simple.v1+json")
            }
            "/json/demo/" | "/html/demo/" => {
                Response::ok(HTML).header("Content-Type", "text/html; charset=utf-8")
            }
            "/moved/demo/" => Response::new(302, "").header("Location", "/html/demo/"),
            "/broken/demo/" => Response::new(403, "no"),
            _ => Response::new(404, "not found"),
        }
    })
}

pub(super) fn client() -> Client {
    Client::new(HttpOptions { retries: 0, ..Default::default() }).unwrap()
}

#[test]
fn reads_json_and_html_indexes_in_order() {
    let server = serve();
    let base = server.base();
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
    let seen = server.log();
    assert_eq!(
        (seen[0].request.path.as_str(), seen[0].request.header("accept")),
        ("/json/demo/", Some(ACCEPT))
    );
    assert_eq!(seen[2].request.path, "/nothing/demo/");
}

#[test]
fn unknown_projects_are_empty_and_failures_name_the_url() {
    let server = serve();
    let base = server.base();
    let http = client();
    let urls = IndexUrls { index_url: Some(format!("{base}/json")), ..Default::default() };
    assert!(IndexClient::new(&http, urls).project_files("missing").unwrap().is_empty());

    let urls = IndexUrls { index_url: Some(format!("{base}/broken")), ..Default::default() };
    let err = IndexClient::new(&http, urls).project_files("demo").unwrap_err();
    assert!(format!("{err:#}").contains(&format!("{base}/broken/demo/: HTTP 403")), "{err:#}");
}

#[test]
fn links_after_a_redirect_are_relative_to_the_final_page() {
    let server = serve();
    let base = server.base();
    let http = client();
    let urls = IndexUrls { index_url: Some(format!("{base}/moved")), ..Default::default() };
    let files = IndexClient::new(&http, urls).project_files("demo").unwrap();
    assert_eq!(files[0].url, format!("{base}/html/demo/demo-1.0-py3-none-any.whl"));
}

#[test]
fn find_links_pages_are_filtered_to_the_project() {
    let server = serve();
    let base = server.base();
    let http = client();
    let urls = IndexUrls { find_links: vec![format!("{base}/html/demo/")], ..Default::default() };
    let index = IndexClient::new(&http, urls);
    assert_eq!(index.project_files("demo").unwrap().len(), 2);
    assert!(index.project_files("other").unwrap().is_empty());
}

#[test]
fn a_page_of_another_content_type_is_read_by_its_body_or_named() {
    let page = |ct: &str, body: &str| Page {
        body: body.into(),
        url: "http://127.0.0.1:1/s/demo/".into(),
        content_type: ct.into(),
    };
    assert_eq!(page("application/octet-stream", JSON).parse().unwrap().len(), 1, "a static host's JSON page");
    assert_eq!(page("binary/octet-stream", HTML).parse().unwrap().len(), 2, "a static host's HTML page");
    assert!(page("", "").parse().unwrap().is_empty());
    let err = page("text/plain", "Service temporarily unavailable").parse().unwrap_err().to_string();
    assert!(err.contains("not an index page: Content-Type text/plain") && err.contains("Service"), "{err}");
    let cut = page("text/html", &HTML[..HTML.len() - 20]).parse().unwrap_err().to_string();
    assert!(cut.contains("cut short"), "{cut}");
}

#[test]
fn index_urls_debug_hides_passwords() {
    let urls = IndexUrls {
        index_url: Some("https://user:s3cret@pkgs.example/simple".into()),
        extra_index_urls: vec!["https://tok:s3cret@extra.example/simple".into()],
        find_links: vec!["https://u:s3cret@links.example/".into()],
    };
    let shown = format!("{urls:?}");
    assert!(!shown.contains("s3cret") && shown.contains("pkgs.example/simple"), "{shown}");
}
