//! Staging one wheel: check the whole zip, extract every file into the
//! staging folder while checking it against the wheel's RECORD, generate
//! launchers, INSTALLER, REQUESTED and the installed RECORD. Nothing here
//! touches the virtualenv's own folders; the commit moves the files in.

use std::collections::{BTreeSet, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use wheelpipe::names::normalize;

use crate::extract::{self, Plan};
use crate::record::{self, Row};
use crate::scheme::{self, Scheme, Target};
use crate::{scripts, zipcheck};

/// A wheel to install.
#[derive(Clone, Debug)]
pub struct Job {
    pub wheel: PathBuf,
    pub requested: bool,
    /// The name the `artifact` record gave, checked against the wheel.
    pub expected_name: Option<String>,
}

/// A file ready in the staging folder, and where it goes.
#[derive(Clone, Debug)]
pub struct StagedFile {
    pub staged: PathBuf,
    pub dest: PathBuf,
}

/// A wheel whose files are all staged.
#[derive(Debug)]
pub struct Staged {
    pub wheel: PathBuf,
    /// As METADATA spells it.
    pub name: String,
    pub version: String,
    /// The `.dist-info` folder's destination.
    pub dist_info: PathBuf,
    pub files: Vec<StagedFile>,
}

impl Staged {
    pub fn key(&self) -> String {
        normalize(&self.name)
    }
}

fn read_entry(archive: &mut zip::ZipArchive<File>, name: &str) -> Result<Option<String>> {
    let mut entry = match archive.by_name(name) {
        Ok(e) => e,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {name}")),
    };
    let mut text = String::new();
    entry.read_to_string(&mut text).with_context(|| format!("{name} is not UTF-8 text"))?;
    Ok(Some(text))
}

fn header(text: &str, key: &str) -> Option<String> {
    text.lines().take_while(|l| !l.is_empty()).find_map(|l| {
        l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.trim().to_string())
    })
}

/// Writes `bytes` to a new staged file with `mode`, returning its RECORD hash and size.
fn write_new(path: &Path, mode: u32, bytes: &[u8]) -> Result<(String, u64)> {
    let mut f = OpenOptions::new().write(true).create_new(true).mode(mode).open(path)?;
    f.write_all(bytes)?;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
    Ok((wheelpipe::hash::record_hash(&Sha256::digest(bytes)), bytes.len() as u64))
}

/// Stages one wheel into `dir` (which must not exist yet).
/// Big wheels are extracted by up to `threads` threads.
pub fn stage(
    job: &Job,
    scheme: &Scheme,
    dir: &Path,
    threads: usize,
    warn: &dyn Fn(String),
) -> Result<Staged> {
    let wheel = &job.wheel;
    stage_inner(job, scheme, dir, threads, warn).with_context(|| format!("wheel {}", wheel.display()))
}

fn stage_inner(
    job: &Job,
    scheme: &Scheme,
    dir: &Path,
    threads: usize,
    warn: &dyn Fn(String),
) -> Result<Staged> {
    let filename = job.wheel.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let parsed = wheelpipe::wheel_name::WheelFilename::parse(&filename)?;
    let (file_name, file_version) = (parsed.name, parsed.version);
    if let Some(expected) = &job.expected_name {
        if normalize(expected) != normalize(&file_name) {
            bail!("the artifact record names {expected}, the wheel is {file_name}");
        }
    }
    let file = File::open(&job.wheel).context("cannot open")?;
    let mut archive = zip::ZipArchive::new(file).context("not a valid zip file")?;

    // Every entry is checked before anything is extracted.
    let mut entries = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let e = archive.by_index_raw(i).with_context(|| format!("cannot read zip entry {i}"))?;
        let name = e.name().to_string();
        if e.name_raw().contains(&0) {
            bail!("entry {name:?} has a NUL byte in its name");
        }
        zipcheck::check_entry_name(&name).map_err(|why| anyhow::anyhow!("entry {name:?} has {why}"))?;
        let mode = e.unix_mode().unwrap_or(0);
        if zipcheck::is_symlink_mode(mode) {
            bail!("entry {name:?} is a symbolic link, which wheels may not contain");
        }
        if !e.is_dir() {
            entries.push((i, name, mode, e.size()));
        }
    }
    let dist_info =
        zipcheck::find_dist_info(entries.iter().map(|e| e.1.as_str()), &file_name, &file_version)?;
    let wheel_text = read_entry(&mut archive, &format!("{dist_info}/WHEEL"))?
        .with_context(|| format!("{dist_info}/WHEEL is missing"))?;
    let info = zipcheck::parse_wheel_file(&wheel_text).with_context(|| format!("{dist_info}/WHEEL"))?;
    if let Some(w) = info.warning {
        warn(format!("{filename}: {w}"));
    }
    let record_name = format!("{dist_info}/RECORD");
    let record_text =
        read_entry(&mut archive, &record_name)?.with_context(|| format!("{record_name} is missing"))?;
    let expected = record::parse(&record_text).with_context(|| record_name.clone())?;
    let metadata = read_entry(&mut archive, &format!("{dist_info}/METADATA"))?
        .with_context(|| format!("{dist_info}/METADATA is missing"))?;
    let name = header(&metadata, "Name").unwrap_or_else(|| file_name.clone());
    let version = header(&metadata, "Version").unwrap_or_else(|| file_version.clone());
    let entry_points = match read_entry(&mut archive, &format!("{dist_info}/entry_points.txt"))? {
        Some(text) => {
            scripts::parse_entry_points(&text).with_context(|| format!("{dist_info}/entry_points.txt"))?
        }
        None => Vec::new(),
    };
    let launchers = scripts::pip_variants(entry_points, scheme.version.0, scheme.version.1);
    let launcher_names: HashSet<&str> = launchers.iter().map(|e| e.name.as_str()).collect();

    let lib_dir = scheme.lib_dir(info.root_is_purelib).to_path_buf();
    let data_dir = format!("{}.data", dist_info.trim_end_matches(".dist-info"));
    let python = scheme.python.to_string_lossy().into_owned();
    let generated = ["INSTALLER", "REQUESTED", "RECORD"].map(|f| format!("{dist_info}/{f}"));
    let signatures = ["RECORD.jws", "RECORD.p7s"].map(|f| format!("{dist_info}/{f}"));
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;

    let mut files = Vec::new();
    let mut rows = Vec::new();
    let mut dests = BTreeSet::new();
    let mut add =
        |dest: PathBuf, staged: PathBuf, hash: String, size: u64, rows: &mut Vec<Row>| -> Result<()> {
            if !dests.insert(dest.clone()) {
                bail!("two entries are installed to {}", dest.display());
            }
            rows.push(Row { path: record::relative(&dest, &lib_dir), hash, size: Some(size) });
            files.push(StagedFile { staged, dest });
            Ok(())
        };
    let mut plans = Vec::new();
    for (i, entry, mode, size) in &entries {
        if generated.contains(entry) {
            continue;
        }
        let want = match expected.get(entry) {
            Some(Some(e)) => Some(e.clone()),
            Some(None) | None if signatures.contains(entry) => None,
            Some(None) => bail!("{entry} has no hash in {record_name}"),
            None => bail!("{entry} is not listed in {record_name}"),
        };
        let (dest, script) = match scheme::target(scheme, &lib_dir, &data_dir, &name, entry)? {
            Target::File(d) => (d, false),
            Target::Script(d) => (d, true),
        };
        if script && dest.file_name().is_some_and(|f| is_wrapper(&f.to_string_lossy(), &launcher_names)) {
            continue; // setuptools' own launcher for an entry point: pip skips it too
        }
        let (staged, mode) = (dir.join(format!("f{i}")), scheme.file_mode(mode & 0o111 != 0));
        plans.push(Plan { index: *i, entry: entry.clone(), want, staged, dest, mode, script, size: *size });
    }
    let extracted = extract::all(&job.wheel, archive, &plans, &python, threads)?;
    for (plan, (hash, size)) in plans.iter().zip(extracted) {
        add(plan.dest.clone(), plan.staged.clone(), hash, size, &mut rows)?;
    }
    for (n, ep) in launchers.iter().enumerate() {
        let dest = scheme.inside(&scheme.scripts, &ep.name)?;
        let staged = dir.join(format!("s{n}"));
        let (hash, size) =
            write_new(&staged, scheme.launcher_mode(), scripts::launcher(&python, ep).as_bytes())?;
        add(dest, staged, hash, size, &mut rows).with_context(|| format!("entry point {}", ep.name))?;
    }
    let info_dest = lib_dir.join(&dist_info);
    let mut extra: Vec<(&str, &[u8])> = vec![("INSTALLER", b"wheelpipe\n")];
    if job.requested {
        extra.push(("REQUESTED", b""));
    }
    for (file, bytes) in extra {
        let staged = dir.join(file);
        let (hash, size) = write_new(&staged, scheme.file_mode(false), bytes)?;
        add(info_dest.join(file), staged, hash, size, &mut rows)?;
    }
    let staged = dir.join("RECORD");
    write_new(
        &staged,
        scheme.file_mode(false),
        record::render(&rows, &format!("{dist_info}/RECORD")).as_bytes(),
    )?;
    files.push(StagedFile { staged, dest: info_dest.join("RECORD") });
    Ok(Staged { wheel: job.wheel.clone(), name, version, dist_info: info_dest, files })
}

/// True for `.data/scripts` files that are setuptools' launchers for one
/// of the entry points (`EP`, `EP.exe`, `EP-script.py`, `EP.pya`).
fn is_wrapper(file: &str, launchers: &HashSet<&str>) -> bool {
    let lower = file.to_lowercase();
    let stem = if lower.ends_with(".exe") || lower.ends_with(".pya") {
        &file[..file.len() - 4]
    } else if lower.ends_with("-script.py") {
        &file[..file.len() - 10]
    } else {
        file
    };
    launchers.contains(stem)
}

#[cfg(test)]
#[path = "stage_tests.rs"]
pub(crate) mod tests;
