//! What the resolver tests (`tests/resolve*.rs`) share: a [`Case`] is a
//! sandbox with fixture wheels served by the test index, and runs
//! `wheel-resolve --index-url URL --python python3 -I FILES` (CPython 3.11, the
//! machine's python3) against it. Every expected answer was checked against
//! pip 23.2 when the test was written; with `WHEELPIPE_TEST_PIP=1` the
//! helpers ask pip again (`pip install --dry-run --ignore-installed --report`
//! over the same index and files) before running wheel-resolve, and fail if
//! pip disagrees with the pins written in the test; with
//! `WHEELPIPE_TEST_PIP=only` they take pip's answer in place of
//! wheel-resolve's, so the tests' own assertions are checked against pip.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::*;
use wheelpipe::names::normalize;
use wheelpipe::records::{Artifact, Hint, Record};

/// Set to ask pip 23.2 for every expected answer too; `only` for pip alone.
pub const CHECK_WITH_PIP: &str = "WHEELPIPE_TEST_PIP";

/// Whether to ask pip as well.
pub fn with_pip() -> bool {
    std::env::var_os(CHECK_WITH_PIP).is_some_and(|v| !v.is_empty() && v != "0")
}

/// Whether pip answers in place of wheel-resolve.
pub fn pip_only() -> bool {
    std::env::var_os(CHECK_WITH_PIP).is_some_and(|v| v == "only")
}

/// A sandbox, its fixture wheels and the index serving them.
pub struct Case {
    pub sb: Sandbox,
    pub server: Server,
    pub wheels: Vec<PathBuf>,
}

impl Case {
    pub fn new(builders: &[WheelBuilder]) -> Case {
        let sb = Sandbox::new();
        let wheels: Vec<PathBuf> = builders.iter().map(|b| b.build(&sb.path().join("wheels"))).collect();
        Case::serve(sb, wheels)
    }

    /// Serves wheels already built in the sandbox.
    pub fn serve(sb: Sandbox, wheels: Vec<PathBuf>) -> Case {
        let server = Server::start(&wheels);
        Case { sb, server, wheels }
    }

    /// Writes a requirements (or constraints) file in the sandbox; returns its name.
    pub fn file(&self, name: &str, text: &str) -> String {
        self.sb.write(name, text);
        name.to_string()
    }

    /// `wheel-resolve --index-url URL --python python3 --cache-dir C ARGS...`,
    /// run in the sandbox (so file names are relative to it).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = self.sb.command(env!("CARGO_BIN_EXE_wheel-resolve"));
        // python3 lends its markers and tags; what it has installed is not looked at.
        c.arg("--index-url").arg(self.server.url()).arg("--python").arg(python3()).arg("--ignore-installed");
        c.arg("--cache-dir").arg(self.sb.cache()).args(args);
        c
    }

    pub fn resolve(&self, args: &[&str]) -> Run {
        pipeline(vec![self.command(args)], None)
    }

    /// Resolves the requirements file `reqs` (written in the sandbox as
    /// `requirements.txt`) and fails the test unless the pins are `expected`,
    /// in that order. Asks pip first when [`CHECK_WITH_PIP`] is set.
    pub fn expect(&self, reqs: &str, expected: &[&str]) -> Resolved {
        let file = self.file("requirements.txt", reqs);
        self.expect_files(&[&file], expected)
    }

    /// Like [`Case::expect`] with requirement files already written.
    pub fn expect_files(&self, files: &[&str], expected: &[&str]) -> Resolved {
        self.expect_with(&[], files, expected)
    }

    /// Like [`Case::expect_files`] with options that pip and wheel-resolve
    /// both take (`--pre`, `--no-deps`) before the files.
    pub fn expect_with(&self, options: &[&str], files: &[&str], expected: &[&str]) -> Resolved {
        if with_pip() {
            let pip = self.pip_with(options, files);
            assert!(pip.ok, "pip fails where the test expects {expected:?}:\n{}", pip.resolved.stderr);
            let mut want: Vec<String> = expected.iter().map(|p| normalized_pin(p)).collect();
            want.sort_by_key(|p| p.split_once("==").map_or(p.clone(), |(name, _)| name.to_string()));
            assert_eq!(pip.resolved.pins(), want, "pip 23.2 disagrees with the test for {files:?}");
            if pip_only() {
                return pip.resolved;
            }
        }
        let run = self.resolve(&[options, files].concat());
        run.assert_success();
        let resolved = Resolved::from_run(&run);
        let expected: Vec<String> = expected.iter().map(|p| normalized_pin(p)).collect();
        assert_eq!(resolved.pins(), expected, "{run}");
        resolved
    }

    /// Runs wheel-resolve on `reqs`, expecting it to fail with exit code 1
    /// naming every word of `mentions` on stderr, with no artifact and an
    /// `end` that says `ok: false`. Returns stderr.
    pub fn expect_failure(&self, reqs: &str, mentions: &[&str]) -> String {
        let file = self.file("requirements.txt", reqs);
        if with_pip() {
            let pip = self.pip(&[&file]);
            assert!(
                !pip.ok,
                "pip 23.2 resolves {reqs:?} to {:?}, the test expects a failure",
                pip.resolved.pins()
            );
            if pip_only() {
                for word in mentions {
                    assert!(
                        pip.resolved.stderr.contains(word),
                        "pip names {word:?}:\n{}",
                        pip.resolved.stderr
                    );
                }
                return pip.resolved.stderr;
            }
        }
        let run = self.resolve(&[&file]);
        assert_eq!(run.codes(), [Some(1)], "exit 1 for a resolution that fails:\n{run}");
        let records = run.records();
        assert!(
            !records.iter().any(|r| matches!(r, Record::Artifact(_))),
            "no artifact on a failure:\n{run}"
        );
        match records.last() {
            Some(Record::End(end)) => assert!(!end.ok && end.tool == "wheel-resolve", "{end:?}"),
            other => panic!("a failing stream still ends with `end`, not {other:?}:\n{run}"),
        }
        let stderr = run.stderr(0).to_string();
        eprintln!("wheel-resolve said, for {reqs:?}:\n{stderr}");
        for word in mentions {
            assert!(stderr.contains(word), "stderr names {word:?}:\n{stderr}");
        }
        stderr
    }

    /// What pip 23.2 would install: `pip install --dry-run --ignore-installed
    /// --report FILE` for python3 over the same index and files.
    pub fn pip(&self, files: &[&str]) -> PipAnswer {
        self.pip_with(&[], files)
    }

    /// [`Case::pip`] with pip options before the files.
    pub fn pip_with(&self, options: &[&str], files: &[&str]) -> PipAnswer {
        let mut c = self.sb.command(python3());
        let report_path = self.sb.path().join("pip-report.json");
        let _ = std::fs::remove_file(&report_path);
        c.args(["-m", "pip", "install", "--dry-run", "--ignore-installed", "--report"]).arg(&report_path);
        c.args(["--disable-pip-version-check", "--no-input", "--no-cache-dir", "--index-url"]);
        c.arg(self.server.url());
        c.args(options);
        for f in files {
            c.args(["-r", f]);
        }
        let out = c.output().expect("run python3 -m pip");
        // pip's messages: INFO (the conflict's causes) on stdout, warnings and errors on stderr.
        let stdout = String::new();
        let stderr =
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        if !out.status.success() {
            return PipAnswer { ok: false, resolved: Resolved { artifacts: Vec::new(), stdout, stderr } };
        }
        let report = std::fs::read(&report_path).expect("pip writes its report");
        let report: serde_json::Value = serde_json::from_slice(&report).expect("pip's report is JSON");
        let mut artifacts: Vec<Artifact> = report["install"]
            .as_array()
            .expect("the report lists what pip would install")
            .iter()
            .map(artifact_from_report)
            .collect();
        artifacts.sort_by_key(|a| wheelpipe::names::normalize(&a.name));
        PipAnswer { ok: true, resolved: Resolved { artifacts, stdout, stderr } }
    }
}

/// `Foo_Bar==3.0` as records write it: `foo-bar==3.0`.
pub fn normalized_pin(pin: &str) -> String {
    match pin.split_once("==") {
        Some((name, version)) => format!("{}=={version}", normalize(name)),
        None => normalize(pin),
    }
}

/// One `install` item of pip's report as the artifact wheel-resolve would write.
fn artifact_from_report(item: &serde_json::Value) -> Artifact {
    let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
    let url = text(&item["download_info"]["url"]).expect("pip reports the URL");
    let filename = url.rsplit('/').next().unwrap().to_string();
    let meta = &item["metadata"];
    let mut a = Artifact::new(text(&meta["name"]).unwrap(), text(&meta["version"]).unwrap(), filename, url);
    a.requested = item["requested"].as_bool().unwrap_or(false);
    a.requires_python = text(&meta["requires_python"]);
    if let Some(sha) = text(&item["download_info"]["archive_info"]["hashes"]["sha256"]) {
        a.hashes.insert("sha256".into(), sha);
    }
    a
}

/// What pip said: its choices (named as METADATA spells them, sorted by
/// normalized name) and its output.
pub struct PipAnswer {
    pub ok: bool,
    pub resolved: Resolved,
}

/// A successful resolution: the artifacts, in the order written, and what
/// the resolver printed.
pub struct Resolved {
    pub artifacts: Vec<Artifact>,
    /// The stream's records without its `progress` ones, as written.
    pub stdout: String,
    pub stderr: String,
}

impl Resolved {
    /// The artifacts of a run whose stream ends with a good `end` counting
    /// them. `progress` and `hint` records (written when stdout is a pipe)
    /// may come anywhere before the `end` and are left out; each hint must
    /// name the file of the artifact with its URL (the resolver's choice).
    /// The `index` record is left out too, and must come before every artifact.
    pub fn from_run(run: &Run) -> Resolved {
        let records = run.records();
        let index_at = records.iter().position(|r| matches!(r, Record::Index(_)));
        let first_artifact = records.iter().position(|r| matches!(r, Record::Artifact(_)));
        if let (Some(i), Some(a)) = (index_at, first_artifact) {
            assert!(i < a, "the index record comes before the artifacts:\n{run}");
        }
        let kept: Vec<(&str, &Record)> = run
            .stdout
            .lines()
            .filter(|l| !l.trim().is_empty())
            .zip(&records)
            .filter(|(_, r)| !matches!(r, Record::Progress(_) | Record::Index(_) | Record::Hint(_)))
            .collect();
        for hint in records.iter().filter_map(|r| if let Record::Hint(h) = r { Some(h) } else { None }) {
            let artifact = records.iter().find_map(|r| match r {
                Record::Artifact(a) if a.url == hint.url => Some(Hint::of(a)),
                _ => None,
            });
            assert_eq!(Some(hint), artifact.as_ref(), "a hint no artifact confirms\n{run}");
        }
        let Some(((_, Record::End(end)), body)) = kept.split_last() else {
            panic!("wheel-resolve's stream ends with `end`:\n{run}");
        };
        let artifacts: Vec<Artifact> = body
            .iter()
            .map(|(_, r)| match r {
                Record::Artifact(a) => a.clone(),
                other => panic!("wheel-resolve writes artifacts (and progress) only, not {other:?}"),
            })
            .collect();
        assert!(end.ok && end.tool == "wheel-resolve", "{end:?}");
        assert_eq!(end.count, artifacts.len() as u64, "the end counts the artifacts");
        let stdout: String = kept.iter().map(|(line, _)| format!("{line}\n")).collect();
        Resolved { artifacts, stdout, stderr: run.stderr(0).to_string() }
    }

    /// `name==version` of each artifact, in the order written, the name
    /// normalized (records write it so; pip's report spells it as METADATA).
    pub fn pins(&self) -> Vec<String> {
        self.artifacts.iter().map(|a| format!("{}=={}", normalize(&a.name), a.version)).collect()
    }

    pub fn get(&self, name: &str) -> &Artifact {
        self.artifacts
            .iter()
            .find(|a| normalize(&a.name) == normalize(name))
            .unwrap_or_else(|| panic!("no {name} in {:?}", self.pins()))
    }

    pub fn stderr(&self) -> &str {
        &self.stderr
    }
}

/// `top` N needs `mid>=N`, `mid` N needs `leaf>=N`: with `leaf<2` asked for,
/// both `top` and `mid` have to go back to 1.0.
pub fn two_levels() -> Vec<WheelBuilder> {
    let mut wheels = Vec::new();
    for n in ["1.0", "2.0", "3.0"] {
        wheels.push(wheel("top", n).requires_dist(&format!("mid>={n}")));
        wheels.push(wheel("mid", n).requires_dist(&format!("leaf>={n}")));
    }
    for n in ["1.0", "1.5", "2.0", "3.0"] {
        wheels.push(wheel("leaf", n));
    }
    wheels
}

/// A plain pure-python wheel `name-version` with a module, so it installs.
pub fn wheel(name: &str, version: &str) -> WheelBuilder {
    let module = name.to_ascii_lowercase().replace(['-', '.'], "_");
    WheelBuilder::new(name, version)
        .file(&format!("{module}/__init__.py"), format!("VERSION = {version:?}\n"))
}

/// Builds `builder` into `dir` with the name part of its filename spelled
/// `name_as` (as older wheels keep their project's capitals, e.g.
/// `Foo_Bar-1.0-py3-none-any.whl`) rather than lowercased and escaped.
pub fn build_spelled(builder: &WheelBuilder, dir: &Path, name_as: &str) -> PathBuf {
    let built = builder.build(dir);
    let filename = builder.filename();
    let rest = filename.split_once('-').expect("name-version-tags.whl").1;
    let renamed = dir.join(format!("{name_as}-{rest}"));
    std::fs::rename(&built, &renamed).expect("rename the wheel");
    renamed
}

/// Text with all white space removed, to look for `b>=1` however a message
/// spaces it.
pub fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The file names of the fixtures, for messages.
pub fn file_names(paths: &[PathBuf]) -> Vec<String> {
    paths.iter().map(|p| Path::new(p).file_name().unwrap().to_string_lossy().into_owned()).collect()
}
