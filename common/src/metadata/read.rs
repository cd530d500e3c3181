//! Getting a wheel's METADATA: from the `.dist-info` folder of a wheel on
//! disk, from the index's PEP 658 `.metadata` file (its sha256 checked), by
//! range requests ([`super::range`]), or by downloading the wheel, streamed
//! and stopped once METADATA is read where it can be ([`super::stream`]).

use std::fs::File;
use std::io::{Read, Seek};
use std::path::Path;

use anyhow::{anyhow, Context, Result};

use super::dist_info::{read_wheel_file, Damaged, Transfer, METADATA_LIMIT};
use super::range::{self, RangeHosts, Ranged};
use super::stream::read_download;
use super::CoreMetadata;
use crate::http::{redact, Attempt, Client};
use crate::records::{Metadata, MetadataSource};

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

#[cfg(test)]
mod tests;
