//! The whole resolve against a small PEP 503 index served on 127.0.0.1 by a
//! thread of the test, with the machine's `python3` as the target: what
//! records come out, and which index is asked.

use wheelpipe::records::{Artifact, Record};
use wheelpipe::stream::Writer;
use wheelpipe::test_server::{Response, Server};

use super::*;

const SIX_HASH: &str = "8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254";

/// Serves `/simple/six/` and `/simple/idna/`; everything else is a 404.
/// Returns the base URL and the server, whose log has the paths asked for.
fn serve() -> (String, Server) {
    let server = Server::start(|request| {
        let body = match request.path.as_str() {
            "/simple/six/" => format!(
                "<a href=\"../../files/six-1.16.0-py2.py3-none-any.whl#sha256={SIX_HASH}\">x</a>\n\
                 <a href=\"../../files/six-1.15.0-py2.py3-none-any.whl\">x</a>\n\
                 <a href=\"../../files/six-1.16.0.tar.gz\">x</a>\n"
            ),
            "/simple/idna/" => "<a href=\"/files/idna-3.7-py3-none-any.whl\" \
                                data-requires-python=\"&gt;=3.5\">x</a>\n"
                .to_string(),
            _ => return Response::status(404),
        };
        Response::ok(body).header("Content-Type", "text/html")
    });
    (server.base().to_string(), server)
}

/// The paths `server` was asked for, in order.
fn seen(server: &Server) -> Vec<String> {
    server.log().into_iter().map(|e| e.request.path).collect()
}

fn resolve(args: &[&str], reqs: &str) -> (Result<Exit>, Vec<Record>) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("requirements.txt");
    std::fs::write(&file, reqs).unwrap();
    let cache = dir.path().join("cache");
    // The machine's python3 is the target: what it has installed is not looked at.
    let mut argv: Vec<String> = vec![
        "wheel-resolve".into(),
        "--ignore-installed".into(),
        "--cache-dir".into(),
        cache.display().to_string(),
    ];
    argv.extend(args.iter().map(|a| a.to_string()));
    argv.push(file.display().to_string());
    let matches = cli::command().try_get_matches_from(argv).unwrap();
    let mut out = Writer::new(Vec::new());
    let progress = wheelpipe::progress::StageProgress::new(TOOL, wheelpipe::progress::Role::Silent);
    let result = run(&matches, &mut out, &progress);
    let text = String::from_utf8(out.into_inner()).unwrap();
    let records = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    (result, records)
}

fn artifacts(records: &[Record]) -> Vec<&Artifact> {
    records.iter().filter_map(|r| if let Record::Artifact(a) = r { Some(a) } else { None }).collect()
}

#[test]
fn a_lock_becomes_artifacts_sorted_by_name_then_an_end() {
    let (base, _server) = serve();
    let index = format!("{base}/simple");
    let reqs = "six==1.16 --hash=sha256:".to_string()
        + SIX_HASH
        + "\nidna==3.7 --hash=sha256:"
        + &"b".repeat(64)
        + "\nenum34==1.1.10 ; python_version < '3'\n";
    let (result, records) = resolve(&["--index-url", &index, "--python", "python3", "--no-deps"], &reqs);
    assert_eq!(result.unwrap(), Exit::Ok);
    let found = artifacts(&records);
    assert_eq!(
        found.iter().map(|a| a.filename.as_str()).collect::<Vec<_>>(),
        ["idna-3.7-py3-none-any.whl", "six-1.16.0-py2.py3-none-any.whl"]
    );
    assert_eq!(found[0].url, format!("{base}/files/idna-3.7-py3-none-any.whl"));
    assert_eq!(found[0].sha256(), Some("b".repeat(64).as_str()), "the --hash is what wheel-fetch checks");
    assert_eq!(found[0].requires_python.as_deref(), Some(">=3.5"));
    assert_eq!(found[1].sha256(), Some(SIX_HASH));
    assert!(found.iter().all(|a| a.requested && a.path.is_none()));
    assert_eq!(records.last(), Some(&Record::End(End::new("wheel-resolve", true, 2))));
}

#[test]
fn a_missing_version_fails_with_code_1_and_no_records() {
    let (base, _server) = serve();
    let index = format!("{base}/simple");
    let (result, records) = resolve(&["--index-url", &index, "--python", "python3"], "six==2.0\nidna==3.7\n");
    let err = result.unwrap_err();
    assert_eq!(wheelpipe::exit::code_for(&err), Exit::Failed);
    assert_eq!(err.to_string(), "six==2.0: no such version; the index has 1.16.0, 1.15.0");
    assert!(records.is_empty());
}

#[test]
fn the_file_index_url_is_used_only_when_the_command_line_gives_none() {
    let (base, server) = serve();
    let reqs = format!("--index-url {base}/simple\nsix==1.16.0\n");
    let (result, records) = resolve(&["--python", "python3", "--no-deps"], &reqs);
    assert_eq!(result.unwrap(), Exit::Ok);
    assert_eq!(artifacts(&records).len(), 1);
    assert_eq!(seen(&server), ["/simple/six/"]);

    let (other, other_server) = serve();
    let index = format!("{other}/simple");
    let (result, _) = resolve(&["--index-url", &index, "--python", "python3", "--no-deps"], &reqs);
    assert_eq!(result.unwrap(), Exit::Ok);
    assert_eq!(seen(&other_server).len(), 1, "the command line's index was asked");
    assert_eq!(seen(&server).len(), 1, "the file's index was not");
}

#[test]
fn with_no_deps_the_newest_fitting_version_is_chosen_without_reading_metadata() {
    let (base, server) = serve();
    let index = format!("{base}/simple");
    let (result, records) = resolve(&["--index-url", &index, "--python", "python3", "--no-deps"], "six>1\n");
    assert_eq!(result.unwrap(), Exit::Ok);
    let found = artifacts(&records);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].filename, "six-1.16.0-py2.py3-none-any.whl");
    assert_eq!(seen(&server), ["/simple/six/"], "no wheel was read");
}
