//! A wheel's entries: its zip opened with every entry name and type checked
//! first, one entry's text, and the hash each entry must have by the
//! wheel's RECORD.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;

use anyhow::{bail, Context, Result};

use crate::record::Expected;
use crate::zipcheck;
use crate::zipread::{Positional, Zip};

/// One file of the wheel.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Its index in the zip.
    pub index: usize,
    pub name: String,
    pub executable: bool,
    pub size: u64,
    /// Its installed RECORD hash, when already known (the cache).
    pub hash: Option<String>,
}

/// Opens a wheel and checks every entry name and type; returns its files.
pub fn open_zip(wheel: &std::path::Path) -> Result<(Zip, Vec<Entry>)> {
    let file = File::open(wheel).and_then(Positional::new).context("cannot open")?;
    let mut archive = Zip::new(file).context("not a valid zip file")?;
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
            entries.push(Entry { index: i, name, executable: mode & 0o111 != 0, size: e.size(), hash: None });
        }
    }
    Ok((archive, entries))
}

/// The text of one entry of a zip, `None` when it has none.
pub fn zip_text(archive: &mut Zip, name: &str) -> Result<Option<String>> {
    let mut entry = match archive.by_name(name) {
        Ok(e) => e,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {name}")),
    };
    let mut text = String::new();
    entry.read_to_string(&mut text).with_context(|| format!("{name} is not UTF-8 text"))?;
    Ok(Some(text))
}

/// The hash a file must have by the wheel's RECORD: refuses a file the
/// RECORD does not list, or lists without a hash (but for signatures).
pub fn wanted(
    entry: &str,
    expected: &BTreeMap<String, Option<Expected>>,
    dist_info: &str,
) -> Result<Option<Expected>> {
    let record_name = format!("{dist_info}/RECORD");
    let signature = [".jws", ".p7s"].iter().any(|ext| *entry == format!("{record_name}{ext}"));
    Ok(match expected.get(entry) {
        Some(Some(e)) => Some(e.clone()),
        Some(None) | None if signature || entry == record_name => None,
        Some(None) => bail!("{entry} has no hash in {record_name}"),
        None => bail!("{entry} is not listed in {record_name}"),
    })
}
