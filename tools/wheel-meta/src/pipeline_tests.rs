//! Tests of a whole run on in-memory input: records passed on, metadata
//! records out, the upstream `end` checked, failures counted.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use wheelpipe::http::{Client, HttpOptions};
use wheelpipe::records::{End, MetadataSource};
use wheelpipe::stream::parse_line;

use super::*;
use wheelpipe::records::Line;

fn wheel(dir: &Path, name: &str, version: &str) -> PathBuf {
    let path = dir.join(format!("{name}-{version}-py3-none-any.whl"));
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    zip.start_file(format!("{name}-{version}.dist-info/METADATA"), zip::write::SimpleFileOptions::default())
        .unwrap();
    let text = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nRequires-Dist: six\n");
    zip.write_all(text.as_bytes()).unwrap();
    zip.finish().unwrap();
    path
}

/// Runs on `input` (stdin) and returns the exit code and the output lines.
fn run_on(input: String) -> (Result<Exit>, Vec<String>) {
    let http = Client::new(HttpOptions { retries: 0, ..HttpOptions::default() }).unwrap();
    let hosts = wheelpipe::metadata::RangeHosts::new();
    let builds = crate::source::Builds::new("python3".into(), Default::default());
    let settings = Settings { jobs: 2, http, cache: None, hosts, no_pep658: false, builds };
    let mut writer = Writer::new(Vec::new());
    let result =
        run(settings, Source::Stdin(Box::new(std::io::Cursor::new(input))), &mut writer).map(|r| r.0);
    let out = String::from_utf8(writer.into_inner()).unwrap();
    (result, out.lines().map(str::to_string).collect())
}

fn metadata(lines: &[String]) -> Vec<Metadata> {
    let mut found: Vec<Metadata> = lines
        .iter()
        .filter_map(|l| match parse_line(l).unwrap() {
            Line::Known(Record::Metadata(m)) => Some(m),
            _ => None,
        })
        .collect();
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found
}

fn end(lines: &[String]) -> End {
    match parse_line(lines.last().unwrap()).unwrap() {
        Line::Known(Record::End(end)) => end,
        other => panic!("the last line is not an end record: {other:?}"),
    }
}

#[test]
fn records_pass_through_and_each_wheel_gets_a_metadata_record() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (wheel(tmp.path(), "alpha", "1.0"), wheel(tmp.path(), "beta", "2.0"));
    let artifact = format!(
        r#"{{"type":"artifact","name":"beta","version":"2.0","filename":"beta-2.0-py3-none-any.whl","url":"http://127.0.0.1:9/beta-2.0-py3-none-any.whl","path":{:?}}}"#,
        b.to_str().unwrap()
    );
    let other = r#"{"type":"future","x":1}"#;
    let upstream_end = r#"{"type":"end","tool":"wheel-fetch","ok":true,"count":1}"#;
    let input = format!("{other}\n{artifact}\n{}\n{upstream_end}\n", a.display());
    let (result, lines) = run_on(input);
    assert_eq!(result.unwrap(), Exit::Ok);
    assert!(lines.contains(&other.to_string()) && lines.contains(&artifact), "{lines:?}");
    assert!(!lines.iter().any(|l| l.contains("wheel-fetch")), "the upstream end is consumed: {lines:?}");
    let found = metadata(&lines);
    assert_eq!(found.len(), 2);
    assert_eq!(
        (found[0].name.as_str(), found[0].source, found[0].bytes),
        ("alpha", MetadataSource::Local, 0)
    );
    assert_eq!(
        (found[1].url.as_str(), found[1].requires_dist.clone()),
        (b.to_str().unwrap(), vec!["six".into()])
    );
    assert_eq!(end(&lines), End::new(TOOL, true, 2));
}

#[test]
fn a_failing_wheel_fails_the_run_but_not_the_others() {
    let tmp = tempfile::tempdir().unwrap();
    let a = wheel(tmp.path(), "alpha", "1.0");
    let (result, lines) =
        run_on(format!("{}\n{}/missing-1.0-py3-none-any.whl\n", a.display(), tmp.path().display()));
    assert_eq!(result.unwrap(), Exit::Failed);
    assert_eq!(metadata(&lines).len(), 1);
    assert_eq!(end(&lines), End::new(TOOL, false, 1));
}

#[test]
fn records_without_an_upstream_end_fail_but_plain_words_need_none() {
    let tmp = tempfile::tempdir().unwrap();
    let a = wheel(tmp.path(), "alpha", "1.0");
    let (result, lines) = run_on(format!("{{\"type\":\"future\"}}\n{}\n", a.display()));
    assert_eq!(result.unwrap(), Exit::Failed);
    assert_eq!(end(&lines), End::new(TOOL, false, 1));

    let failed_upstream = r#"{"type":"end","tool":"wheel-fetch","ok":false,"count":0}"#;
    let (result, lines) = run_on(format!("{failed_upstream}\n"));
    assert_eq!(result.unwrap(), Exit::Failed);
    assert_eq!(end(&lines), End::new(TOOL, false, 0));

    let (result, lines) = run_on(format!("{}\n", a.display()));
    assert_eq!(result.unwrap(), Exit::Ok);
    assert_eq!(end(&lines), End::new(TOOL, true, 1));
}

#[test]
fn a_malformed_line_is_bad_input_naming_the_line() {
    let (result, lines) = run_on("{\"type\":\"future\"}\n{oops\n".to_string());
    let err = result.unwrap_err();
    assert_eq!(wheelpipe::exit::code_for(&err), Exit::Usage);
    assert!(err.to_string().starts_with("stdin:2: not valid JSON"), "{err}");
    assert_eq!(end(&lines), End::new(TOOL, false, 0));
}
