//! Helpers of the build tests (tests/build*.rs): the wheel-build command
//! of a sandbox, the records and leftovers a test checks, the artifact
//! record of a downloaded sdist, and build settings for calling the library
//! from a test.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use wheelpipe::records::{Artifact, Record};

use super::{python3, Run, Sandbox};

/// `wheel-build --python python3 --cache-dir C` in the sandbox.
pub fn wheel_build(sb: &Sandbox) -> Command {
    let mut c = sb.command(env!("CARGO_BIN_EXE_wheel-build"));
    c.arg("--python").arg(python3()).arg("--cache-dir").arg(sb.cache());
    c
}

/// The `artifact` records of the last stage's output.
pub fn artifacts(run: &Run) -> Vec<Artifact> {
    run.records()
        .into_iter()
        .filter_map(|r| match r {
            Record::Artifact(a) => Some(a),
            _ => None,
        })
        .collect()
}

/// True when the output ends with an `end` saying ok.
pub fn end_ok(run: &Run) -> bool {
    run.records().iter().any(|r| matches!(r, Record::End(e) if e.ok))
}

/// What the cache's folder for files being written holds, empty folders
/// (wheel-unpack keeps its own) aside.
pub fn temp_leftovers(sb: &Sandbox) -> Vec<PathBuf> {
    let entries = std::fs::read_dir(sb.cache().join("tmp")).map(|d| d.flatten().map(|e| e.path()).collect());
    let empty = |p: &PathBuf| std::fs::read_dir(p).is_ok_and(|mut d| d.next().is_none());
    entries.unwrap_or_else(|_| Vec::new()).into_iter().filter(|p| !empty(p)).collect()
}

/// The build environments in the cache.
pub fn build_envs(sb: &Sandbox) -> Vec<PathBuf> {
    let root = sb.cache().join("build-envs/v1");
    std::fs::read_dir(&root)
        .map(|d| {
            d.flatten()
                .flat_map(|e| std::fs::read_dir(e.path()).unwrap().flatten().map(|e| e.path()))
                .collect()
        })
        .unwrap_or_default()
}

/// One entry of a wheel, as text.
pub fn zip_text(wheel: &Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(wheel).unwrap()).unwrap();
    std::io::read_to_string(zip.by_name(name).unwrap()).unwrap()
}

/// Where the tests write their source folders.
pub fn src(sb: &Sandbox) -> PathBuf {
    sb.path().join("src")
}

/// The artifact record wheel-fetch writes for a downloaded sdist.
pub fn sdist_artifact(path: &Path, name: &str, version: &str) -> String {
    let filename = path.file_name().unwrap().to_str().unwrap().to_string();
    let mut a = Artifact::new(
        name.into(),
        version.into(),
        filename.clone(),
        format!("http://127.0.0.1:9/files/{filename}"),
    );
    a.hashes.insert("sha256".into(), wheelpipe::hash::sha256_hex(&std::fs::read(path).unwrap()));
    a.path = Some(path.to_path_buf());
    a.kind = wheelpipe::records::ArtifactKind::Sdist;
    a.requested = false;
    Record::Artifact(a).to_line()
}

/// Build settings for calling the library from the test itself (no build
/// requires, so no tool runs with the test's own environment).
pub fn library_settings(sb: &Sandbox) -> wheelpipe::build::Settings {
    let cache = wheelpipe::cache::Cache::at(sb.cache()).unwrap();
    let interpreter = wheelpipe::interpreter::Interpreter::query(python3(), Some(&cache)).unwrap();
    let tools = Path::new(env!("CARGO_BIN_EXE_wheel-resolve")).parent().unwrap().to_path_buf();
    let envs = wheelpipe::build::EnvMaker {
        cache: cache.clone(),
        tools,
        index: wheelpipe::build::BuildIndex::configured(),
        echo: false,
    };
    wheelpipe::build::Settings {
        interpreter,
        cache,
        isolation: true,
        config: Default::default(),
        envs,
        echo: false,
    }
}
