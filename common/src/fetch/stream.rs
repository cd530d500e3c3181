//! One HTTP download into a temporary file, resumed when the transfer breaks:
//! a dropped connection, a body shorter than its `Content-Length` or a read
//! timeout is retried with backoff (the client's retries and backoff) from
//! the bytes already written, with `Range: bytes=N-` and, when the first
//! answer named one, `If-Range`. A `206` counts only when its
//! `Content-Range` starts at N; a `200` means the server sent the whole file
//! again, so the temporary file starts over. A `Content-Length` below the
//! size the index gave is a body cut short too. The sha256 covers every
//! byte written, across attempts.

use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{anyhow, Context, Result};
use sha2::{Digest, Sha256};
use tempfile::NamedTempFile;

use super::{retrying_wait, validator, why, CHUNK};
use crate::cache::Cache;
use crate::exit::Failure;
use crate::http::{redact, Attempt, Body, ByteRange, Client, RangeReply, Response};
use crate::progress::Item;

/// What is on disk so far.
struct Partial<'a> {
    cache: &'a Cache,
    /// Made at the first byte, so a run stopped while it waits for an
    /// answer leaves no file behind.
    file: Option<NamedTempFile>,
    /// The sha256 of the bytes in `file`.
    hasher: Sha256,
    len: u64,
    /// `ETag` (strong) or `Last-Modified` of the first answer, for `If-Range`.
    validator: Option<String>,
    /// The whole file's length, when an answer said it.
    total: Option<u64>,
    /// The file's length as the index gave it.
    size: Option<u64>,
    watch: Option<&'a dyn super::Watch>,
}

impl Partial<'_> {
    fn file(&mut self) -> Result<&mut NamedTempFile> {
        if self.file.is_none() {
            self.file = Some(self.cache.temp_file(".part")?);
        }
        Ok(self.file.as_mut().expect("just made"))
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        let file = self.file()?;
        file.write_all(bytes).with_context(|| format!("cannot write {}", file.path().display()))?;
        self.hasher.update(bytes);
        self.len += bytes.len() as u64;
        self.tell();
        Ok(())
    }

    fn tell(&self) {
        if let (Some(watch), Some(file)) = (self.watch, &self.file) {
            watch.ready(file.path(), self.len);
        }
    }

    /// Forgets what was written: the file is emptied and the hash restarts.
    fn restart(&mut self) -> Result<()> {
        if let Some(tmp) = &mut self.file {
            let path = tmp.path().display().to_string();
            let file = tmp.as_file_mut();
            file.set_len(0).with_context(|| format!("cannot truncate {path}"))?;
            file.seek(SeekFrom::Start(0)).with_context(|| format!("cannot rewind {path}"))?;
        }
        self.hasher = Sha256::new();
        self.len = 0;
        self.total = None;
        self.tell();
        Ok(())
    }
}

/// Why one attempt ended without the whole file.
enum Stop {
    /// The transfer broke: try again from what is on disk.
    Broken(anyhow::Error),
    /// Do not try again.
    Fatal(anyhow::Error),
}

/// Streams `url` into a temporary file in the cache; returns it with its
/// sha256. Resumes after a broken transfer, up to the
/// client's retries. `size` is the file's length as the index gave it: a
/// Content-Length below it is a body cut short, and the rest is asked for.
/// The bytes are counted on `item`; `watch` is told the length written.
pub fn download(
    http: &Client,
    cache: &Cache,
    (url, size): (&str, Option<u64>),
    cancel: &AtomicBool,
    item: &Item,
    watch: Option<&dyn super::Watch>,
) -> Result<(NamedTempFile, crate::hash::Sha256)> {
    let (hasher, validator, total) = (Sha256::new(), None, None);
    let mut partial = Partial { cache, file: None, hasher, len: 0, validator, total, size, watch };
    let shown = redact(url);
    let (wait, reason) = retrying_wait(&shown, http, cancel, |e| e);
    http.options().retry(wait, |_| {
        attempt(http, url, &mut partial, cancel, item).map_err(|stop| match stop {
            Stop::Broken(err) => {
                *reason.borrow_mut() = why(&err);
                Attempt::Again(err)
            }
            Stop::Fatal(err) => Attempt::Stop(err),
        })
    })?;
    partial.file()?;
    let digest: [u8; 32] = partial.hasher.finalize().into();
    Ok((partial.file.expect("made above"), crate::hash::Sha256::from_digest(digest)))
}

/// One GET: the whole file, or the rest of it when something is on disk.
fn attempt(
    http: &Client,
    url: &str,
    partial: &mut Partial,
    cancel: &AtomicBool,
    item: &Item,
) -> Result<(), Stop> {
    let shown = redact(url);
    let start = partial.len;
    let range = (start > 0).then_some(ByteRange::From(start));
    let reply =
        http.get_range(url, range, partial.validator.as_deref()).map_err(|e| Stop::Fatal(e.into()))?;
    let response = match reply {
        RangeReply::Full(response) => {
            if start > 0 {
                // The range was ignored (or the file changed): start over.
                partial.restart().map_err(Stop::Fatal)?;
                item.restart();
            }
            partial.validator = validator(&response);
            // A Content-Length below the index's size announces a body cut short.
            partial.total = match (content_length(&response), partial.size) {
                (Some(announced), Some(size)) if announced < size => Some(size),
                (announced, size) => announced.or(size),
            };
            if let Some(len) = partial.total {
                item.sized(len);
            }
            response
        }
        RangeReply::Part(got, response) if start > 0 => {
            if got.first != start || partial.total.zip(got.total).is_some_and(|(a, b)| a != b) {
                partial.restart().map_err(Stop::Fatal)?;
                item.restart();
                return Err(Stop::Broken(anyhow!(
                    "{shown}: asked for bytes {start}- and got a different range; starting over"
                )));
            }
            partial.total = got.total.or(partial.total);
            response
        }
        RangeReply::Part(..) => {
            return Err(Stop::Fatal(anyhow!(
                "{shown}: a partial answer (206) to a request for the whole file"
            )))
        }
        RangeReply::Refused { status, .. } if start == 0 => {
            return Err(Stop::Fatal(anyhow!("{shown}: HTTP {status} for a download")))
        }
        RangeReply::Refused { status, total } => return Err(refused(partial, item, &shown, status, total)),
    };
    let body_len = content_length(&response);
    let received = copy_body(response, partial, cancel, &shown, item)?;
    if let Some(expected) = body_len.filter(|&e| e != received) {
        return Err(Stop::Broken(anyhow!(
            "{shown}: the download broke off: got {} of {} bytes",
            partial.len,
            partial.total.unwrap_or(start + expected)
        )));
    }
    if let Some(total) = partial.total.filter(|&t| t != partial.len) {
        return Err(Stop::Broken(anyhow!(
            "{shown}: the download broke off: got {} of {total} bytes",
            partial.len
        )));
    }
    Ok(())
}

/// Why a resume was refused, and a start from scratch: a server that
/// announced more bytes than the file has says the file ends where the
/// download stopped; another may simply not resume.
fn refused(partial: &mut Partial, item: &Item, shown: &str, status: u16, total: Option<u64>) -> Stop {
    let (start, announced) = (partial.len, partial.total);
    if let Err(err) = partial.restart() {
        return Stop::Fatal(err);
    }
    item.restart();
    Stop::Broken(match (total, announced) {
        (Some(total), Some(announced)) if total == start && announced > total => anyhow!(
            "{shown}: the server's Content-Length said {announced} bytes, but the file has {total} \
             (HTTP {status} to bytes={start}-)"
        ),
        _ => anyhow!(
            "{shown}: the download broke off after {start} bytes and the server cannot resume it \
             (HTTP {status})"
        ),
    })
}

/// Appends the body to the partial file; returns the bytes of this body.
fn copy_body(
    response: Response<Body>,
    partial: &mut Partial,
    cancel: &AtomicBool,
    shown: &str,
    item: &Item,
) -> Result<u64, Stop> {
    let mut body = response.into_body().into_reader();
    let mut buf = vec![0u8; CHUNK];
    let mut received: u64 = 0;
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(Stop::Fatal(Failure::interrupted().into()));
        }
        crate::signals::check().map_err(|e| Stop::Fatal(e.into()))?;
        let n = match body.read(&mut buf) {
            Ok(0) => return Ok(received),
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => {
                let len = partial.len;
                return Err(Stop::Broken(
                    anyhow::Error::new(e)
                        .context(format!("{shown}: the download broke off after {len} bytes")),
                ));
            }
        };
        partial.write(&buf[..n]).map_err(Stop::Fatal)?;
        item.add(n as u64);
        received += n as u64;
    }
}

/// The body's length as sent, unless it is encoded.
pub(super) fn content_length(response: &Response<Body>) -> Option<u64> {
    let headers = response.headers();
    if headers.contains_key("content-encoding") {
        return None;
    }
    headers.get("content-length")?.to_str().ok()?.trim().parse().ok()
}
