//! A wheel's `.dist-info/METADATA` entry: finding it (exactly one
//! `.dist-info` folder, named for the wheel), reading it from an open zip,
//! and what the readers of remote wheels ([`super::range`],
//! [`super::stream`]) share: the size limit, the filename in a URL, the
//! bytes and requests counted, bytes damaged on the way.

use std::io::{Read, Seek};

use anyhow::{anyhow, bail, Context, Result};

use super::CoreMetadata;
use crate::wheel_name::WheelFilename;

/// METADATA larger than this is not metadata.
pub(super) const METADATA_LIMIT: u64 = 16 * 1024 * 1024;

/// The METADATA of an open wheel `file` whose name is `filename`; `origin`
/// (a path or URL) names it in errors. The wheel must hold exactly one
/// top-level `.dist-info` folder, named for the wheel's name and version
/// when `filename` is a wheel filename.
pub fn read_wheel_file(file: impl Read + Seek, filename: &str, origin: &str) -> Result<CoreMetadata> {
    let mut zip =
        zip::ZipArchive::new(file).with_context(|| format!("{origin} is not a wheel (not a zip file)"))?;
    let inner = metadata_name(zip.file_names(), filename, origin)?;
    let entry = zip.by_name(&inner).map_err(|e| match e {
        zip::result::ZipError::FileNotFound => anyhow!("{origin}: the wheel has no {inner}"),
        other => anyhow!("{origin}: cannot read {inner}: {other}"),
    })?;
    let mut bytes = Vec::new();
    entry
        .take(METADATA_LIMIT)
        .read_to_end(&mut bytes)
        .with_context(|| format!("{origin}: cannot read {inner}"))?;
    let text = String::from_utf8(bytes).map_err(|_| anyhow!("{origin}: {inner} is not UTF-8"))?;
    CoreMetadata::parse(&text, &format!("{origin}: {inner}"))
}

/// The `{folder}.dist-info/METADATA` path among a wheel's entry `names`:
/// the wheel must hold exactly one top-level `.dist-info` folder, named for
/// the wheel's name and version when `filename` is a wheel filename.
pub(super) fn metadata_name<'a>(
    names: impl Iterator<Item = &'a str>,
    filename: &str,
    origin: &str,
) -> Result<String> {
    let mut folders: Vec<&str> = names
        .filter_map(|n| n.split_once('/').map(|(top, _)| top))
        .filter(|top| top.ends_with(".dist-info"))
        .collect();
    folders.sort_unstable();
    folders.dedup();
    let folder = match folders.as_slice() {
        [] => bail!("{origin}: the wheel has no .dist-info folder"),
        [one] => one.to_string(),
        many => bail!("{origin}: the wheel has several .dist-info folders: {}", many.join(", ")),
    };
    if let Ok(wheel) = WheelFilename::parse(filename) {
        if !dist_info_matches(&folder, &wheel) {
            bail!(
                "{origin}: the .dist-info folder {folder} does not match the wheel's name and version ({} {})",
                wheel.name,
                wheel.version
            );
        }
    }
    Ok(format!("{folder}/METADATA"))
}

/// `{name}-{version}.dist-info` for the wheel's name and version (names
/// normalized, versions compared as PEP 440 versions).
pub(super) fn dist_info_matches(folder: &str, wheel: &WheelFilename) -> bool {
    let stem = folder.trim_end_matches(".dist-info");
    let Some((name, version)) = stem.split_once('-') else { return false };
    crate::names::same_release((name, version), (&wheel.name, &wheel.version))
}

/// Bytes received (bodies only) and HTTP requests made for one wheel.
#[derive(Debug, Default)]
pub(super) struct Transfer {
    pub bytes: u64,
    pub requests: u32,
}

/// Bytes that arrived damaged (their CRC-32 does not match): another try
/// may get them whole.
#[derive(Debug, thiserror::Error)]
#[error("the bytes were damaged on the way")]
pub(super) struct Damaged;

/// The last path segment of a URL, percent-decoded: the wheel's filename.
pub fn url_filename(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.path_segments()?.next_back().map(str::to_string))
        .map(|s| percent_encoding::percent_decode_str(&s).decode_utf8_lossy().into_owned())
        .unwrap_or_default()
}
