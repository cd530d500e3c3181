//! One big download as several byte ranges fetched in parallel (up to
//! [`CONNECTIONS`] at once) into one preallocated temporary file, each part
//! written at its offset. The first part's answer is the probe: a `206` with
//! the expected total lets the others start; anything else (a `200`: the
//! server ignores ranges) means [`Outcome::Unsplittable`] and the caller
//! streams the file plainly. A part that breaks resumes from its last byte
//! (the client's retries and backoff, with `If-Range`); a `200` to a later
//! part also means starting over plainly. The sha256 is computed over the
//! finished file, read back once.

use std::io::{ErrorKind, Read};
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use anyhow::{anyhow, Context, Result};
use sha2::{Digest, Sha256};
use tempfile::NamedTempFile;
use wheelpipe::cache::Cache;
use wheelpipe::exit::Failure;
use wheelpipe::hash;
use wheelpipe::http::{redact, Attempt, Body, ByteRange, Client, ContentRange, RangeReply, Response};
use wheelpipe::progress::Item;

use crate::transfer::{sleep_unless_cancelled, validator, CHUNK};

/// Parallel connections for one file.
pub const CONNECTIONS: usize = 4;

/// How a split download ended, when it did not fail.
pub enum Outcome {
    /// The whole file and its sha256.
    Done(NamedTempFile, hash::Sha256),
    /// The server does not serve ranges of this file as expected: download
    /// it as one stream instead (nothing is kept).
    Unsplittable,
}

/// Why one part stopped.
enum Stop {
    Broken(anyhow::Error),
    Fatal(anyhow::Error),
    /// A `200` to a range request.
    RangesIgnored,
    /// Another part failed.
    Aborted,
}

struct Ctx<'a> {
    http: &'a Client,
    url: &'a str,
    shown: String,
    size: u64,
    file: &'a std::fs::File,
    validator: Option<String>,
    cancel: &'a AtomicBool,
    abort: AtomicBool,
    item: &'a Item,
}

/// Downloads `url`, `size` bytes long, in parts of `part_size` bytes,
/// counting the bytes on `item`.
pub fn download(
    http: &Client,
    cache: &Cache,
    url: &str,
    size: u64,
    part_size: u64,
    cancel: &AtomicBool,
    item: &Item,
) -> Result<Outcome> {
    let part_size = part_size.max(1);
    let parts: Vec<(u64, u64)> =
        (0..size.div_ceil(part_size)).map(|i| (i * part_size, ((i + 1) * part_size).min(size))).collect();
    let shown = redact(url);
    let Some(&first_part) = parts.first() else { return Ok(Outcome::Unsplittable) };
    let first = match get_range(http, url, first_part, None)? {
        RangeReply::Part(got, response) if got.first == 0 && got.total == Some(size) => response,
        _ => return Ok(Outcome::Unsplittable),
    };
    // Made once the server answered, so a run stopped while it waits
    // leaves no file behind.
    let tmp = cache.temp_file(".part")?;
    tmp.as_file().set_len(size).with_context(|| format!("cannot allocate {}", tmp.path().display()))?;
    let ctx = Ctx {
        http,
        url,
        shown,
        size,
        file: tmp.as_file(),
        validator: validator(&first),
        cancel,
        abort: AtomicBool::new(false),
        item,
    };
    let next = AtomicUsize::new(1);
    let mut first = Some(first);
    let stops: Vec<Stop> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..CONNECTIONS.min(parts.len()))
            .map(|_| {
                let (ctx, next, parts, mut probe) = (&ctx, &next, &parts, first.take());
                scope.spawn(move || loop {
                    let i = if probe.is_some() { 0 } else { next.fetch_add(1, Ordering::Relaxed) };
                    let &part = parts.get(i)?;
                    if let Err(stop) = fetch_part(ctx, part, probe.take()) {
                        ctx.abort.store(true, Ordering::Relaxed);
                        return Some(stop);
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| {
                h.join().unwrap_or_else(|_| Some(Stop::Fatal(anyhow!("a download thread panicked"))))
            })
            .collect()
    });
    let mut ignored = false;
    for stop in stops {
        match stop {
            Stop::Fatal(err) | Stop::Broken(err) => return Err(err),
            Stop::RangesIgnored => ignored = true,
            Stop::Aborted => {}
        }
    }
    if cancel.load(Ordering::Relaxed) {
        return Err(Failure::interrupted().into());
    }
    wheelpipe::signals::check()?;
    if ignored {
        return Ok(Outcome::Unsplittable);
    }
    let sha256 = hash_file(&tmp)?;
    Ok(Outcome::Done(tmp, sha256))
}

/// `GET` of the bytes `[from, end)`.
fn get_range(
    http: &Client,
    url: &str,
    (from, end): (u64, u64),
    if_range: Option<&str>,
) -> Result<RangeReply> {
    Ok(http.get_range(url, Some(ByteRange::Span(from, end - 1)), if_range)?)
}

/// Fetches the bytes `[start, end)` into place, resuming when the transfer
/// breaks; `probe` is an answer already received for the whole part.
fn fetch_part(ctx: &Ctx, (start, end): (u64, u64), mut probe: Option<Response<Body>>) -> Result<(), Stop> {
    let mut pos = start;
    let wait = |pause| sleep_unless_cancelled(pause, ctx.cancel).map_err(Stop::Fatal);
    let result = ctx.http.options().retry(wait, |_| {
        let reply = match probe.take() {
            Some(r) => RangeReply::Part(ContentRange { first: pos, last: end - 1, total: Some(ctx.size) }, r),
            None => get_range(ctx.http, ctx.url, (pos, end), ctx.validator.as_deref())
                .map_err(|e| Attempt::Stop(Stop::Fatal(e)))?,
        };
        match read_part(ctx, reply, &mut pos, end) {
            Ok(()) if pos == end => Ok(()),
            Ok(()) => Err(Attempt::Again(Stop::Broken(anyhow!(
                "{}: the download broke off at byte {pos} of {}",
                ctx.shown,
                ctx.size
            )))),
            Err(stop @ Stop::Broken(_)) => Err(Attempt::Again(stop)),
            Err(stop) => Err(Attempt::Stop(stop)),
        }
    });
    result.map_err(|stop| match stop {
        Stop::Broken(err) => Stop::Fatal(err),
        other => other,
    })
}

/// Writes one answer's body at `*pos` onwards, up to `end`.
fn read_part(ctx: &Ctx, reply: RangeReply, pos: &mut u64, end: u64) -> Result<(), Stop> {
    let shown = &ctx.shown;
    let response = match reply {
        RangeReply::Part(got, response) if got.first == *pos && got.total == Some(ctx.size) => response,
        RangeReply::Part(..) => {
            return Err(Stop::Fatal(anyhow!(
                "{shown}: asked for bytes {pos}-{} of {} and got another range",
                end - 1,
                ctx.size
            )))
        }
        RangeReply::Full(_) => return Err(Stop::RangesIgnored),
        RangeReply::Refused { status, .. } => return Err(Stop::Fatal(anyhow!("{shown}: HTTP {status}"))),
    };
    let mut body = response.into_body().into_reader();
    let mut buf = vec![0u8; CHUNK];
    loop {
        if ctx.cancel.load(Ordering::Relaxed) {
            return Err(Stop::Fatal(Failure::interrupted().into()));
        }
        if ctx.abort.load(Ordering::Relaxed) {
            return Err(Stop::Aborted);
        }
        wheelpipe::signals::check().map_err(|e| Stop::Fatal(e.into()))?;
        let n = match body.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(Stop::Broken(
                    anyhow::Error::new(e).context(format!("{shown}: the download broke off at byte {pos}")),
                ))
            }
        };
        if *pos + n as u64 > end {
            return Err(Stop::Fatal(anyhow!("{shown}: the server sent more than the range asked for")));
        }
        ctx.file
            .write_all_at(&buf[..n], *pos)
            .map_err(|e| Stop::Fatal(anyhow::Error::new(e).context(format!("cannot write for {shown}"))))?;
        *pos += n as u64;
        ctx.item.add(n as u64);
    }
}

/// The sha256 of the finished file, read back in order.
fn hash_file(tmp: &NamedTempFile) -> Result<hash::Sha256> {
    let path = tmp.path().display().to_string();
    let mut file = tmp.reopen().with_context(|| format!("cannot read {path}"))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(anyhow::Error::new(e).context(format!("cannot read {path}"))),
        }
    }
    let digest: [u8; 32] = hasher.finalize().into();
    Ok(hash::Sha256::from_digest(digest))
}
