//! For every fixture wheel and every way the test index can serve it (PEP 658
//! files; no PEP 658 but ranges; no ranges, a range answered by 200 and the
//! whole wheel), `wheel-meta`'s record equals the METADATA inside the wheel
//! as Python's own email parser reads it: folded (multi-line) fields,
//! Metadata-Version 2.4, repeated Requires-Dist and Provides-Extra.

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use support::*;
use wheelpipe::records::{MetadataSource, Record};

/// A Metadata-Version 2.4 wheel with folded fields, its `.dist-info` first.
fn zeta() -> WheelBuilder {
    WheelBuilder::new("zeta.pkg", "0.9rc1")
        .metadata_version("2.4")
        .file("zeta_pkg/__init__.py", "")
        .file("zeta_pkg/data.bin", vec![b'z'; 300 * 1024])
        .requires_python(">=3.9,\n  <4")
        .provides_extra("net")
        .provides_extra("speed-ups")
        .requires_dist("idna\n  >=2.0; extra == \"net\"")
        .requires_dist("six ; python_version < \"3.12\"")
        .metadata_field("License-Expression: MIT")
        .metadata_field("Summary: a summary\n\tover two lines")
        .metadata_field("Dynamic: license-file")
        .dist_info_first()
}

fn fixtures(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut wheels = alpha_beta(dir);
    wheels.push(zeta().build(dir));
    wheels.push(WheelBuilder::new("Eta_Thing", "1.0.0.post2").requires_dist("alpha").build(dir));
    wheels
}

/// (name, version, requires_dist, requires_python, provides_extra), as
/// Python's email parser reads each wheel's METADATA, folded lines joined.
type Fields = (String, String, Vec<String>, Option<String>, Vec<String>);

fn python_reads(wheels: &[PathBuf]) -> BTreeMap<String, Fields> {
    let code = r#"
import email.parser, json, re, sys, zipfile
out = {}
for path in sys.argv[1:]:
    with zipfile.ZipFile(path) as z:
        name = next(n for n in z.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n))
        msg = email.parser.HeaderParser().parsestr(z.read(name).decode())
    unfold = lambda v: re.sub(r"\r?\n[ \t]+", " ", v).strip()
    rp = msg.get("Requires-Python")
    name = re.sub(r"[-_.]+", "-", unfold(msg["Name"])).lower()  # records normalize names
    out[path.rsplit("/", 1)[1]] = [name, unfold(msg["Version"]),
        [unfold(v) for v in msg.get_all("Requires-Dist", [])], unfold(rp) if rp else None,
        [unfold(v) for v in msg.get_all("Provides-Extra", [])]]
print(json.dumps(out))
"#;
    let out = Command::new(python3()).arg("-c").arg(code).args(wheels).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn every_fixture_reads_as_python_reads_it_from_every_kind_of_server() {
    let sb = Sandbox::new();
    let wheels = fixtures(&sb.path().join("wheels"));
    let expected = python_reads(&wheels);
    assert_eq!(expected[&zeta().filename()].3.as_deref(), Some(">=3.9, <4"));
    let server = Server::start(&wheels);
    let urls: Vec<String> =
        wheels.iter().map(|w| server.file_url(w.file_name().unwrap().to_str().unwrap())).collect();
    let modes = [
        ("PEP 658", false, false, MetadataSource::Pep658),
        ("ranges", true, false, MetadataSource::Range),
        ("no ranges", true, true, MetadataSource::Full),
    ];
    for (mode, no_pep658, no_ranges, source) in modes {
        server.faults().no_pep658 = no_pep658;
        server.faults().no_ranges = no_ranges;
        let mut cmd = sb.meta();
        cmd.args(&urls);
        let run = pipeline(vec![cmd], None);
        run.assert_success();
        let mut got = BTreeMap::new();
        for record in run.records() {
            if let Record::Metadata(m) = record {
                assert_eq!(m.source, source, "{mode}: {m:?}");
                let filename = m.url.rsplit('/').next().unwrap().to_string();
                got.insert(
                    filename,
                    (m.name, m.version, m.requires_dist, m.requires_python, m.provides_extra),
                );
            }
        }
        assert_eq!(got, expected, "{mode}");
    }
}
