//! Proves what the test index offers the resolver and the page cache,
//! independently of our tools: yanked files marked on both kinds of page
//! (PEP 592 `data-yanked`, PEP 691 `yanked`), and project pages with an
//! `ETag` and `Cache-Control: max-age=0` answering a matching
//! `If-None-Match` with an empty 304.

mod support;

use support::*;

const JSON: &str = "application/vnd.pypi.simple.v1+json";

fn two_versions(sb: &Sandbox) -> Server {
    let dir = sb.path().join("wheels");
    Server::start(&[
        WheelBuilder::new("demo", "1.0").build(&dir),
        WheelBuilder::new("demo", "2.0").build(&dir),
    ])
}

#[test]
fn yanked_files_are_marked_on_html_and_json_pages() {
    let sb = Sandbox::new();
    let server = two_versions(&sb);
    let html = raw_request(&server, "GET", "/simple/demo/", &[]).text();
    assert!(!html.contains("data-yanked"), "nothing is yanked by default:\n{html}");
    let json: serde_json::Value =
        serde_json::from_str(&raw_request(&server, "GET", "/simple/demo/", &[("Accept", JSON)]).text())
            .unwrap();
    assert!(json["files"].as_array().unwrap().iter().all(|f| f.get("yanked").is_none()), "{json}");

    server.index().yank("demo-2.0-py3-none-any.whl", "bad \"build\"");
    server.index().yank("demo-1.0-py3-none-any.whl", "");
    let html = raw_request(&server, "GET", "/simple/demo/", &[]).text();
    let line2 = html.lines().find(|l| l.contains("demo-2.0-")).unwrap();
    assert!(line2.contains(r#"data-yanked="bad &quot;build&quot;""#), "the reason, escaped: {line2}");
    let line1 = html.lines().find(|l| l.contains("demo-1.0-")).unwrap();
    assert!(line1.contains(r#"data-yanked="""#), "no reason: {line1}");

    let json: serde_json::Value =
        serde_json::from_str(&raw_request(&server, "GET", "/simple/demo/", &[("Accept", JSON)]).text())
            .unwrap();
    let yanked = |name: &str| {
        let files = json["files"].as_array().unwrap();
        files.iter().find(|f| f["filename"].as_str().unwrap().starts_with(name)).unwrap()["yanked"].clone()
    };
    assert_eq!(yanked("demo-2.0-"), serde_json::json!("bad \"build\""));
    assert_eq!(yanked("demo-1.0-"), serde_json::json!(true), "PEP 691: true when there is no reason");
    assert_eq!(
        raw_request(&server, "GET", "/files/demo-2.0-py3-none-any.whl", &[]).status,
        200,
        "a yanked file is still served"
    );
    let encoded = raw_request(&server, "GET", "/files/demo%2D2.0-py3-none-any.whl", &[]);
    assert_eq!(encoded.status, 200, "a percent-encoded name finds the file");
}

#[test]
fn project_pages_revalidate_with_etag_and_if_none_match() {
    let sb = Sandbox::new();
    let server = two_versions(&sb);
    for (accept, to_yank) in [("text/html", "demo-2.0-py3-none-any.whl"), (JSON, "demo-1.0-py3-none-any.whl")]
    {
        let first = raw_request(&server, "GET", "/simple/demo/", &[("Accept", accept)]);
        assert_eq!(first.status, 200);
        assert_eq!(first.header("cache-control"), Some("max-age=0"), "must be revalidated");
        let etag = first.header("etag").expect("an ETag").to_string();
        assert!(etag.starts_with('"') && etag.ends_with('"'), "a quoted strong tag: {etag}");

        let same =
            raw_request(&server, "GET", "/simple/demo/", &[("Accept", accept), ("If-None-Match", &etag)]);
        assert_eq!((same.status, same.text().as_str()), (304, ""), "not modified, no body");
        assert_eq!(same.header("etag"), Some(etag.as_str()));
        let listed = format!("\"other\", W/{etag}");
        assert_eq!(
            raw_request(&server, "GET", "/simple/demo/", &[("Accept", accept), ("If-None-Match", &listed)])
                .status,
            304
        );
        let other = raw_request(
            &server,
            "GET",
            "/simple/demo/",
            &[("Accept", accept), ("If-None-Match", "\"other\"")],
        );
        assert_eq!((other.status, other.text()), (200, first.text()), "another tag gets the page");

        // A change to the page changes its tag: the old one gets the new page.
        server.index().yank(to_yank, "");
        let changed =
            raw_request(&server, "GET", "/simple/demo/", &[("Accept", accept), ("If-None-Match", &etag)]);
        assert_eq!(changed.status, 200);
        assert_ne!(changed.header("etag"), Some(etag.as_str()));
        assert!(changed.text().contains("yanked"), "{}", changed.text());
    }
    let missing = raw_request(&server, "GET", "/simple/nothing/", &[("If-None-Match", "*")]);
    assert_eq!(missing.status, 404, "a missing project stays a 404");
    assert_eq!(missing.header("etag"), None);
}
