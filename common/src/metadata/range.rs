//! Reading a wheel's METADATA over HTTP with range requests, for indexes
//! without PEP 658 files: one suffix request for the zip's tail (End Of
//! Central Directory and, for small wheels, the whole central directory),
//! and one for the METADATA entry when it is not in the bytes already read.
//! When the central directory starts before the tail, its last entries are
//! still read from the tail ([`zip_tail::directory_tail`]): wheels keep
//! `.dist-info` last, so they usually show METADATA; only when they do not
//! is the rest of the directory asked for, one more request. Every reply is
//! checked: a 206 must carry the Content-Range asked for; a 200 means the
//! server ignored the range, and its body is read as a full download; 416
//! or 501 means ranges are refused (after a 416 that gives the file's
//! length, the tail is asked for once more by position, for servers without
//! suffix ranges). [`RangeHosts`] remembers hosts where ranges do not work,
//! so later wheels go straight to a full download.

use std::collections::HashSet;
use std::sync::Mutex;

use anyhow::{anyhow, bail, Context, Result};

use super::dist_info::{metadata_name, url_filename, Damaged, Transfer, METADATA_LIMIT};
use super::stream::read_download;
use super::zip_tail::{self, Entry, LOCAL_LEN};
use super::CoreMetadata;
use crate::http::{redact, Body, ByteRange, Client, RangeReply, Response};
use crate::wheel_name::WheelFilename;

/// The suffix asked for first: enough for the end records and the
/// `.dist-info` entries of nearly every wheel. Measured on 166 real wheels
/// (277 MB): 8 KiB took 243 requests and 1.71 MB, 12 KiB 212 and 2.24 MB,
/// 16 KiB 204 and 2.77 MB (64 KiB, reading whole directories: 195, 9.37 MB).
pub const TAIL: u64 = 12 * 1024;
/// Room for a local header whose extra field is longer than the central
/// directory's copy, so the METADATA entry needs one request, not two.
const SLACK: u64 = 1024;
/// A central directory larger than this is not a wheel's.
const DIRECTORY_LIMIT: u64 = 64 * 1024 * 1024;

/// Hosts (`host:port`) that ignored or refused a range request during this
/// run. One per run, shared by the workers.
#[derive(Debug, Default)]
pub struct RangeHosts {
    refused: Mutex<HashSet<String>>,
}

impl RangeHosts {
    pub fn new() -> RangeHosts {
        RangeHosts::default()
    }

    /// False once the URL's host ignored or refused a range.
    pub fn ranges_work(&self, url: &str) -> bool {
        !self.refused.lock().expect("range hosts lock").contains(&host_key(url))
    }

    /// Remembers that the URL's host does not serve ranges.
    pub fn forget_ranges(&self, url: &str) {
        self.refused.lock().expect("range hosts lock").insert(host_key(url));
    }
}

fn host_key(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => format!("{}:{}", u.host_str().unwrap_or(""), u.port_or_known_default().unwrap_or(0)),
        Err(_) => url.to_string(),
    }
}

/// How a range read ended.
pub(super) enum Ranged {
    /// The metadata, from ranges.
    Read(CoreMetadata),
    /// The server answered a range with the whole file (200): read from it.
    Whole(CoreMetadata),
    /// The server refused ranges (416, 501): nothing read.
    Refused,
}

/// A reply to a range request, its part read.
enum Reply {
    /// 206: `body` starts at `start` of a `total`-byte file.
    Part { start: u64, total: u64, body: Vec<u8> },
    /// 200: the whole file follows.
    Whole(Response<Body>),
    /// 416 or 501; a 416 may say the file's length (`bytes */LEN`).
    Refused { total: Option<u64> },
}

/// Reads the METADATA of the wheel at `url` by ranges, adding what it
/// transfers to `done`.
pub(super) fn read(http: &Client, url: &str, done: &mut Transfer) -> Result<Ranged> {
    let shown = redact(url);
    let mut reply = get(http, url, ByteRange::Suffix(TAIL), done)?;
    if let Reply::Refused { total: Some(total) } = reply {
        // Some servers refuse suffix ranges only: ask for the same bytes by position.
        if total > 0 {
            reply = get(http, url, ByteRange::Span(total.saturating_sub(TAIL), total - 1), done)?;
        }
    }
    let (start, total, tail) = match reply {
        Reply::Part { start, total, body } => (start, total, body),
        Reply::Whole(response) => return Ok(Ranged::Whole(read_download(response, url, done)?)),
        Reply::Refused { .. } => return Ok(Ranged::Refused),
    };
    let mut wheel = Wheel { http, url, total, pieces: vec![(start, tail)], done };
    let (tail_start, tail) = &wheel.pieces[0];
    let dir = zip_tail::find_directory(tail, total).with_context(|| {
        format!("{shown}: the zip's tail ({} bytes from {tail_start}) is garbled", tail.len())
    })?;
    if dir.size > DIRECTORY_LIMIT {
        bail!("{shown}: the zip's central directory is {} bytes, too big for a wheel", dir.size);
    }
    let filename = url_filename(url);
    let partial = zip_tail::directory_tail(tail, *tail_start, &dir)
        .and_then(|entries| dist_info_last(entries, &filename, &shown));
    let (name, entry) = match partial {
        Some(found) => found,
        None => {
            if let Some(stop) = wheel.ensure(dir.offset, dir.size, dir.offset + dir.size)? {
                return wheel.stop(stop);
            }
            let bytes = wheel.have(dir.offset, dir.size).expect("ensured");
            let entries = zip_tail::parse_directory(bytes, &dir)
                .with_context(|| format!("{shown}: the zip's central directory is garbled"))?;
            let name = metadata_name(entries.iter().map(|e| e.name.as_str()), &filename, &shown)?;
            let entry = entries
                .into_iter()
                .find(|e| e.name == name)
                .ok_or_else(|| anyhow!("{shown}: the wheel has no {name}"))?;
            (name, entry)
        }
    };
    let entry = &entry;
    let bytes = match read_entry(&mut wheel, entry)? {
        Ok(bytes) => bytes,
        Err(stop) => return wheel.stop(stop),
    };
    let text = String::from_utf8(bytes).map_err(|_| anyhow!("{shown}: {name} is not UTF-8"))?;
    Ok(Ranged::Read(CoreMetadata::parse(&text, &format!("{shown}: {name}"))?))
}

/// METADATA's name and entry from the last entries of a central directory
/// (`partial`, from [`zip_tail::directory_tail`]), when they show the
/// wheel's `.dist-info` folder as wheels lay it out, last. A partial
/// directory cannot prove there is no other `.dist-info` folder earlier, as
/// the whole one does; so this asks for more: `filename` is a wheel
/// filename, the entries hold one `.dist-info` folder, it matches the
/// filename's name and version, and it holds both METADATA and RECORD
/// (which wheel builders write last). Otherwise `None`: read the whole
/// directory.
fn dist_info_last(partial: Vec<Entry>, filename: &str, shown: &str) -> Option<(String, Entry)> {
    WheelFilename::parse(filename).ok()?;
    let name = metadata_name(partial.iter().map(|e| e.name.as_str()), filename, shown).ok()?;
    let record = format!("{}RECORD", name.strip_suffix("METADATA")?);
    if !partial.iter().any(|e| e.name == record) {
        return None;
    }
    let entry = partial.into_iter().find(|e| e.name == name)?;
    Some((name, entry))
}

/// An entry's contents: its local header (read first, since its name and
/// extra lengths may differ from the central directory's), then its data.
fn read_entry(wheel: &mut Wheel<'_>, entry: &Entry) -> Result<Result<Vec<u8>, Stop>> {
    let shown = redact(wheel.url);
    let garbled = || format!("{shown}: cannot read {} from the zip", entry.name);
    if entry.compressed_size > METADATA_LIMIT {
        bail!(
            "{}: {} is {} bytes compressed, more than metadata can be",
            shown,
            entry.name,
            entry.compressed_size
        );
    }
    let at = entry.local_offset;
    let guess = LOCAL_LEN + entry.name_len + entry.extra_len + entry.compressed_size + SLACK;
    let named = LOCAL_LEN + entry.name_len;
    if let Some(stop) = wheel.ensure(at, named, at.saturating_add(guess))? {
        return Ok(Err(stop));
    }
    let header =
        zip_tail::local_header_len(wheel.have(at, named).expect("ensured"), entry).with_context(garbled)?;
    let len = header.saturating_add(entry.compressed_size);
    if let Some(stop) = wheel.ensure(at, len, at.saturating_add(len))? {
        return Ok(Err(stop));
    }
    let data = &wheel.have(at, len).expect("ensured")[header as usize..];
    let bytes = zip_tail::decompress(entry, data, METADATA_LIMIT).with_context(garbled)?;
    let mut crc = flate2::Crc::new();
    crc.update(&bytes);
    if crc.sum() != entry.crc32 {
        return Err(anyhow!(Damaged).context(format!("{shown}: {} does not match its CRC-32", entry.name)));
    }
    Ok(Ok(bytes))
}

/// Why a range read stopped short.
enum Stop {
    Whole(Response<Body>),
    Refused,
}

/// The parts of one remote wheel read so far, as sorted, merged pieces.
struct Wheel<'a> {
    http: &'a Client,
    url: &'a str,
    total: u64,
    pieces: Vec<(u64, Vec<u8>)>,
    done: &'a mut Transfer,
}

impl Wheel<'_> {
    /// The `len` bytes at `at`, when one piece holds them.
    fn have(&self, at: u64, len: u64) -> Option<&[u8]> {
        if len == 0 {
            return Some(&[]);
        }
        self.pieces.iter().find_map(|(start, bytes)| {
            let from = at.checked_sub(*start)?;
            let to = from.checked_add(len)?;
            bytes.get(from as usize..usize::try_from(to).ok()?)
        })
    }

    /// Makes sure the `len` bytes at `at` are held, asking for the missing
    /// bytes up to `want` (exclusive; more than needed when a guess helps),
    /// never again for bytes already held.
    fn ensure(&mut self, at: u64, len: u64, want: u64) -> Result<Option<Stop>> {
        let end = at.checked_add(len).filter(|&e| e <= self.total).ok_or_else(|| {
            anyhow!(
                "{}: the zip points past its end ({len} bytes at {at} of {})",
                redact(self.url),
                self.total
            )
        })?;
        for _ in 0..3 {
            if self.have(at, len).is_some() {
                return Ok(None);
            }
            // Start after the piece holding `at`; stop at the next piece.
            let from = self.pieces.iter().find(|(s, b)| *s <= at && at < s + b.len() as u64);
            let from = from.map_or(at, |(s, b)| s + b.len() as u64);
            let next = self.pieces.iter().map(|(s, _)| *s).filter(|&s| s > from).min();
            let to = want.max(end).min(self.total).min(next.unwrap_or(u64::MAX));
            match get(self.http, self.url, ByteRange::Span(from, to - 1), self.done)? {
                Reply::Part { start, total, body } if total == self.total => self.add(start, body),
                Reply::Part { total, .. } => {
                    bail!(
                        "{}: the file changed size between requests ({} then {total})",
                        redact(self.url),
                        self.total
                    )
                }
                Reply::Whole(response) => return Ok(Some(Stop::Whole(response))),
                Reply::Refused { .. } => return Ok(Some(Stop::Refused)),
            }
        }
        bail!("{}: cannot gather {len} bytes at {at} from range replies", redact(self.url))
    }

    fn add(&mut self, start: u64, body: Vec<u8>) {
        self.pieces.push((start, body));
        self.pieces.sort_by_key(|(s, _)| *s);
        let mut merged: Vec<(u64, Vec<u8>)> = Vec::with_capacity(self.pieces.len());
        for (s, b) in self.pieces.drain(..) {
            if let Some((ps, pb)) = merged.last_mut() {
                let pend = *ps + pb.len() as u64;
                if s <= pend {
                    let skip = (pend - s) as usize;
                    if skip < b.len() {
                        pb.extend_from_slice(&b[skip..]);
                    }
                    continue;
                }
            }
            merged.push((s, b));
        }
        self.pieces = merged;
    }

    fn stop(self, stop: Stop) -> Result<Ranged> {
        match stop {
            Stop::Whole(response) => Ok(Ranged::Whole(read_download(response, self.url, self.done)?)),
            Stop::Refused => Ok(Ranged::Refused),
        }
    }
}

/// One range request, its reply checked against what was asked.
fn get(http: &Client, url: &str, ask: ByteRange, done: &mut Transfer) -> Result<Reply> {
    let shown = redact(url);
    let header = ask.header();
    let reply = http.get_range(url, Some(ask), None)?;
    done.requests += 1;
    let (got, response) = match reply {
        RangeReply::Full(response) => return Ok(Reply::Whole(response)),
        RangeReply::Refused { total, .. } => return Ok(Reply::Refused { total }),
        RangeReply::Part(got, response) => (got, response),
    };
    let total = got.total.filter(|_| ask.fits(&got)).ok_or_else(|| {
        anyhow!(
            "{shown}: asked for Range: {header}, got Content-Range: bytes {}-{}/{}",
            got.first,
            got.last,
            got.total.map_or("*".to_string(), |t| t.to_string())
        )
    })?;
    let body = response
        .into_body()
        .with_config()
        .limit(got.len() + 1)
        .read_to_vec()
        .with_context(|| format!("{shown}: the reply to Range: {header} broke off or was too long"))?;
    done.bytes += body.len() as u64;
    if body.len() as u64 != got.len() {
        let message =
            format!("{shown}: the reply to Range: {header} has {} bytes, not {}", body.len(), got.len());
        return Err(anyhow!(Damaged).context(message));
    }
    Ok(Reply::Part { start: got.first, total, body })
}

#[cfg(test)]
#[path = "range_tests.rs"]
mod tests;
