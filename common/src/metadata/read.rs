//! Getting a wheel's METADATA: from the `.dist-info` folder of a wheel on
//! disk, from the index's PEP 658 `.metadata` file (its sha256 checked), by
//! range requests ([`super::range`]), or by downloading the wheel, streamed
//! and stopped once METADATA is read where it can be ([`super::stream`]).

use std::fs::File;
use std::io::{Read, Seek};
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};

use super::range::{self, RangeHosts, Ranged};
use super::stream;
use super::CoreMetadata;
use crate::http::{redact, Attempt, Body, Client, Response};
use crate::records::{Metadata, MetadataSource};
use crate::wheel_name::WheelFilename;

/// METADATA larger than this is not metadata.
pub(super) const METADATA_LIMIT: u64 = 16 * 1024 * 1024;

/// The `.dist-info/METADATA` of a wheel file on disk.
pub fn read_local(path: &Path) -> Result<CoreMetadata> {
    let filename = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let shown = path.display().to_string();
    let file = File::open(path).with_context(|| format!("cannot open {shown}"))?;
    read_wheel_file(file, &filename, &shown)
}

/// True when the file at `path` ends with a zip's end records pointing at a
/// central directory inside it: a cheap check, reading the last 64 KiB at
/// most, that a file is a whole zip (not a text file, not a download cut
/// short).
pub fn has_zip_directory(path: &Path) -> bool {
    let read = || -> std::io::Result<bool> {
        let mut file = File::open(path)?;
        let len = file.metadata()?.len();
        let take = len.min(64 * 1024 + 22);
        file.seek(std::io::SeekFrom::Start(len - take))?;
        let mut tail = vec![0; take as usize];
        file.read_exact(&mut tail)?;
        Ok(super::zip_tail::find_directory(&tail, len)
            .is_ok_and(|d| d.offset.checked_add(d.size).is_some_and(|end| end <= len)))
    };
    read().unwrap_or(false)
}

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

/// [`fetch_with`] on its own: what it learns about hosts is forgotten.
pub fn fetch(
    http: &Client,
    wheel_url: &str,
    metadata_url: Option<&str>,
    metadata_sha256: Option<&str>,
) -> Result<Metadata> {
    fetch_with(http, wheel_url, metadata_url, metadata_sha256, &RangeHosts::default())
}

/// A wheel's metadata from a URL: the PEP 658 file when `metadata_url` is
/// given (its sha256 checked when `metadata_sha256` is; a 404 there falls
/// back), else range requests for the zip's tail and the METADATA entry
/// unless `hosts` knows the host ignores or refuses ranges, else a full
/// download. A `file://` URL is read in place.
pub fn fetch_with(
    http: &Client,
    wheel_url: &str,
    metadata_url: Option<&str>,
    metadata_sha256: Option<&str>,
    hosts: &RangeHosts,
) -> Result<Metadata> {
    let shown = redact(wheel_url);
    if let Ok(parsed) = url::Url::parse(wheel_url) {
        if parsed.scheme() == "file" {
            let path = parsed.to_file_path().map_err(|()| anyhow!("{shown}: not a local file path"))?;
            return Ok(read_local(&path)?.into_record(MetadataSource::Local, shown, 0, 0));
        }
    }
    let mut done = Transfer::default();
    if let Some(metadata_url) = metadata_url {
        if let Some(meta) = fetch_pep658(http, metadata_url, metadata_sha256, &mut done)? {
            return Ok(meta.into_record(MetadataSource::Pep658, shown, done.bytes, done.requests));
        }
    }
    let meta = http.options().retry(crate::http::sleep, |_| {
        from_wheel(http, wheel_url, hosts, &mut done).map_err(|err| match broken_body(&err) {
            true => Attempt::Again(err),
            false => Attempt::Stop(err),
        })
    })?;
    let (meta, source) = meta;
    Ok(meta.into_record(source, shown, done.bytes, done.requests))
}

/// The metadata from the wheel itself: by ranges unless `hosts` knows the
/// host ignores or refuses them, else from a download.
fn from_wheel(
    http: &Client,
    wheel_url: &str,
    hosts: &RangeHosts,
    done: &mut Transfer,
) -> Result<(CoreMetadata, MetadataSource)> {
    if hosts.ranges_work(wheel_url) {
        match range::read(http, wheel_url, done)? {
            Ranged::Read(meta) => return Ok((meta, MetadataSource::Range)),
            Ranged::Whole(meta) => {
                hosts.forget_ranges(wheel_url);
                return Ok((meta, MetadataSource::Full));
            }
            Ranged::Refused => hosts.forget_ranges(wheel_url),
        }
    }
    // Identity: the bytes counted are the wheel's, not a compressed copy's.
    let response = http.get_ok(wheel_url, &[("Accept-Encoding", "identity")])?;
    done.requests += 1;
    Ok((read_download(response, wheel_url, done)?, MetadataSource::Full))
}

/// Bytes that arrived damaged (their CRC-32 does not match): another try
/// may get them whole.
#[derive(Debug, thiserror::Error)]
#[error("the bytes were damaged on the way")]
pub(super) struct Damaged;

/// True when `err` comes from a body that broke off (an I/O error below
/// it) or arrived damaged, which another try may get whole.
fn broken_body(err: &anyhow::Error) -> bool {
    err.chain().any(|e| e.is::<std::io::Error>() || e.is::<ureq::Error>() || e.is::<Damaged>())
}

/// The parsed PEP 658 file; `None` when the server has none (404). Counts
/// the requests and the bodies, a 404's included. A body that breaks off,
/// or whose sha256 is not `sha256`, is asked for again (the client's
/// retries and backoff).
fn fetch_pep658(
    http: &Client,
    url: &str,
    sha256: Option<&str>,
    done: &mut Transfer,
) -> Result<Option<CoreMetadata>> {
    let shown = redact(url);
    let body = http.options().retry(crate::http::sleep, |_| {
        done.requests += 1;
        let whole = http.get_whole(url, &[], METADATA_LIMIT)?;
        done.bytes += whole.body.len() as u64;
        if whole.status == 404 || whole.status == 410 {
            return Ok(None);
        }
        if !(200..300).contains(&whole.status) {
            let status = whole.status;
            return Err(Attempt::Stop(crate::http::HttpError::Status { url: shown.clone(), status }.into()));
        }
        if let Some(expected) = sha256 {
            let actual = crate::hash::sha256_hex(&whole.body);
            if !actual.eq_ignore_ascii_case(expected.trim()) {
                return Err(Attempt::Again(anyhow!(
                    "{shown}: sha256 mismatch: expected {expected}, got {actual}"
                )));
            }
        }
        Ok(Some(whole.body))
    })?;
    let Some(body) = body else { return Ok(None) };
    let text = String::from_utf8(body).map_err(|_| anyhow!("{shown}: the metadata is not UTF-8"))?;
    Ok(Some(CoreMetadata::parse(&text, &shown)?))
}

/// Reads a whole wheel's body as it arrives ([`stream`]), stopping once
/// its METADATA has been read where the zip's local headers allow, else
/// reading it all (in memory up to a few MB, then in a temporary file);
/// adds the bytes received to `done`.
pub(super) fn read_download(
    response: Response<Body>,
    url: &str,
    done: &mut Transfer,
) -> Result<CoreMetadata> {
    let length = response.headers().get("content-length").and_then(|v| v.to_str().ok()?.trim().parse().ok());
    let streamed = stream::read(response.into_body().into_reader(), url, length)?;
    done.bytes += streamed.bytes;
    Ok(streamed.meta)
}

/// The last path segment of a URL, percent-decoded: the wheel's filename.
pub(super) fn url_filename(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.path_segments()?.next_back().map(str::to_string))
        .map(|s| percent_encoding::percent_decode_str(&s).decode_utf8_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
