//! A built wheel is checked as an index wheel would be before it goes on:
//! a valid filename, a readable zip with plain entry names, one
//! `.dist-info` folder matching the filename, METADATA naming the same
//! release, and a RECORD that lists every file with its right hash.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

use crate::hash::record_hash;
use crate::metadata::CoreMetadata;
use crate::names::same_release;
use crate::wheel_name::WheelFilename;

/// What the check read from the wheel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    /// Name and version from METADATA.
    pub name: String,
    pub version: String,
    pub requires_python: Option<String>,
}

/// Checks the wheel at `path`; errors name the file and the fault.
pub fn check_wheel(path: &Path) -> Result<Checked> {
    let shown = path.display().to_string();
    check(path).with_context(|| format!("the built wheel {shown} is not valid"))
}

fn check(path: &Path) -> Result<Checked> {
    let filename = path.file_name().and_then(|n| n.to_str()).context("no file name")?;
    let parsed = WheelFilename::parse(filename)?;
    let file = std::fs::File::open(path)?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).context("not a zip file")?;
    let names: Vec<String> = zip.file_names().map(str::to_string).collect();
    let mut dist_infos: Vec<&str> = names
        .iter()
        .filter_map(|n| n.split_once('/').map(|(top, _)| top))
        .filter(|top| top.ends_with(".dist-info"))
        .collect();
    dist_infos.sort();
    dist_infos.dedup();
    let [dist_info] = dist_infos[..] else { bail!("{} .dist-info folders, one expected", dist_infos.len()) };
    let text = |zip: &mut zip::ZipArchive<_>, name: &str| -> Result<String> {
        let mut s = String::new();
        zip.by_name(name).with_context(|| format!("no {name}"))?.read_to_string(&mut s)?;
        Ok(s)
    };
    let meta = CoreMetadata::parse(&text(&mut zip, &format!("{dist_info}/METADATA"))?, filename)?;
    if !same_release((&meta.name, &meta.version), (&parsed.name, &parsed.version)) {
        bail!(
            "its METADATA says {} {}, its filename {} {}",
            meta.name,
            meta.version,
            parsed.name,
            parsed.version
        );
    }
    let record = text(&mut zip, &format!("{dist_info}/RECORD"))?;
    let listed: BTreeMap<&str, &str> = record
        .lines()
        .filter_map(|l| {
            let mut parts = l.splitn(3, ',');
            Some((parts.next()?, parts.next()?))
        })
        .collect();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i)?;
        let name = entry.name().to_string();
        let signature = name.ends_with("/RECORD.jws") || name.ends_with("/RECORD.p7s");
        if name.ends_with('/') || signature || name == format!("{dist_info}/RECORD") {
            continue;
        }
        if name.starts_with('/') || name.contains('\\') || name.split('/').any(|p| p == ".." || p == ".") {
            bail!("entry {name:?} is not a plain relative path");
        }
        let Some(hash) = listed.get(name.as_str()) else { bail!("{name} is not in RECORD") };
        let mut hasher = Sha256::new();
        std::io::copy(&mut entry, &mut hasher)?;
        if *hash != record_hash(&hasher.finalize()) {
            bail!("{name} does not match its RECORD hash");
        }
    }
    Ok(Checked { name: meta.name, version: meta.version, requires_python: meta.requires_python })
}
