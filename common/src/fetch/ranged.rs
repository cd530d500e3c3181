//! One download of known size written at offsets into one preallocated
//! temporary file, as byte ranges ("segments") that more connections can
//! take over while it runs. The first request asks for the whole file as a
//! range: a `206` with the expected total makes the transfer splittable; a
//! `200` (a server that ignores ranges) is read plainly and never split.
//! A connection with nothing else to do calls [`Ranged::split`]: the
//! segment with the most time left (its bytes left at its measured rate)
//! is cut where both halves end together, counting the new request's wait
//! for its first byte, and the caller fetches the second half. A segment
//! that breaks resumes from its last byte (the one retry policy, with
//! `If-Range`); a `200` to a later range, or an answer announcing more
//! bytes than it can hold, means [`Outcome::Unsplittable`]: the caller
//! starts over with one plain stream. The sha256 is computed while the
//! bytes arrive in order, and the rest read back at the end.

use std::io::{ErrorKind, Read};
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use sha2::{Digest, Sha256};
use tempfile::NamedTempFile;

use super::{retrying_wait, trace, validator, CHUNK};
use crate::cache::Cache;
use crate::exit::Failure;
use crate::http::{redact, Attempt, Body, ByteRange, Client, RangeReply, Response};
use crate::progress::Item;

/// How a ranged download ended, when it did not fail.
pub enum Outcome {
    /// The whole file and its sha256.
    Done(NamedTempFile, crate::hash::Sha256),
    /// The server does not serve ranges of this file as expected: download
    /// it as one stream instead (nothing is kept).
    Unsplittable,
}

/// Why a segment stopped.
enum Stop {
    Broken(anyhow::Error),
    Fatal(anyhow::Error),
    /// A `200` to a range that does not start at 0, or a length too long.
    RangesIgnored,
    /// Another segment failed, or the run is cancelled.
    Aborted,
}

/// A part of the file: `[start, end)`, written up to `pos`. `end` shrinks
/// when another connection takes over the segment's tail.
struct Segment {
    start: u64,
    pos: u64,
    end: u64,
    /// A connection is fetching it.
    owned: bool,
    /// When its request was sent, and when (and at which `pos`) its
    /// answer's first byte came: its rate and its latency.
    asked: Instant,
    first_byte: Option<(Instant, u64)>,
}

impl Segment {
    fn new(start: u64, end: u64) -> Segment {
        Segment { start, pos: start, end, owned: true, asked: Instant::now(), first_byte: None }
    }

    /// Bytes a second since its first byte, once measured over a while.
    fn rate(&self, now: Instant) -> Option<f64> {
        let (at, from) = self.first_byte?;
        let secs = now.duration_since(at).as_secs_f64();
        (secs >= 0.03 && self.pos > from).then(|| (self.pos - from) as f64 / secs)
    }

    /// What a new request waited for its first byte.
    fn latency(&self) -> f64 {
        self.first_byte.map_or(0.0, |(at, _)| at.duration_since(self.asked).as_secs_f64())
    }
}

struct State {
    /// Made at the first byte, so a run stopped while it waits for an
    /// answer leaves no file behind.
    file: Option<NamedTempFile>,
    segments: Vec<Segment>,
    /// The sha256 of the bytes `[0, hashed)`.
    hasher: Sha256,
    hashed: u64,
    /// The first answer was a `206`: more connections may help.
    splittable: bool,
    validator: Option<String>,
    /// The first failure of a segment.
    failure: Option<Stop>,
    /// The written prefix last told to the watch.
    told: u64,
}

/// One download shared by the connections fetching its segments.
pub struct Ranged {
    url: String,
    shown: String,
    size: u64,
    cache: Cache,
    item: Arc<Item>,
    state: Mutex<State>,
    /// The board's count of every download's bytes, when on a board.
    received: Option<Arc<AtomicU64>>,
    /// Signalled when a segment ends.
    ended: Condvar,
    abort: AtomicBool,
    watch: Option<Arc<dyn super::Watch>>,
}

impl Ranged {
    /// A download of `url`, `size` bytes, counted on `item`; nothing is
    /// asked yet (see [`download`]).
    pub fn new(
        cache: &Cache,
        url: &str,
        size: u64,
        item: Arc<Item>,
        received: Option<Arc<AtomicU64>>,
        watch: Option<Arc<dyn super::Watch>>,
    ) -> Ranged {
        let state = State {
            file: None,
            segments: vec![Segment::new(0, size)],
            hasher: Sha256::new(),
            hashed: 0,
            splittable: false,
            validator: None,
            failure: None,
            told: 0,
        };
        Ranged {
            url: url.to_string(),
            shown: redact(url),
            size,
            cache: cache.clone(),
            item,
            state: Mutex::new(state),
            received,
            ended: Condvar::new(),
            abort: AtomicBool::new(false),
            watch,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("no thread panics holding the lock")
    }

    /// The bytes not yet received.
    pub fn bytes_left(&self) -> u64 {
        self.lock().segments.iter().map(|s| s.end - s.pos).sum()
    }

    /// The most time one of its segments has left, in seconds, when that
    /// segment could be split into parts of at least `min_part` bytes.
    pub fn time_left(&self, min_part: u64) -> Option<f64> {
        let state = self.lock();
        self.candidate(&state, min_part).map(|(_, left, _)| left)
    }

    /// The segment worth splitting: its index, its time left, and where to cut.
    fn candidate(&self, state: &State, min_part: u64) -> Option<(usize, f64, u64)> {
        if !state.splittable || self.abort.load(Ordering::Relaxed) {
            return None;
        }
        let now = Instant::now();
        let mut best: Option<(usize, f64, u64)> = None;
        for (i, seg) in state.segments.iter().enumerate() {
            let Some(rate) = seg.rate(now).filter(|_| seg.owned) else { continue };
            let left = (seg.end - seg.pos) as f64 / rate;
            // Both halves end together: the new request first waits for
            // its first byte, as this segment's did.
            let cut = seg.pos + (((seg.end - seg.pos) as f64 + seg.latency() * rate) / 2.0) as u64;
            let cut = cut.clamp(seg.pos, seg.end);
            let worth = seg.end - cut >= min_part.max(1) && left > 2.0 * seg.latency();
            if worth && best.is_none_or(|(_, l, _)| left > l) {
                best = Some((i, left, cut));
            }
        }
        best
    }

    /// Takes over the tail of the segment with the most time left, when it
    /// is worth it (parts of at least `min_part` bytes); returns the new
    /// segment, owned by the caller, to pass to [`Ranged::fetch_segment`].
    pub fn split(&self, min_part: u64) -> Option<usize> {
        let mut state = self.lock();
        let (i, _, cut) = self.candidate(&state, min_part)?;
        let end = state.segments[i].end;
        state.segments[i].end = cut;
        state.segments.push(Segment::new(cut, end));
        Some(state.segments.len() - 1)
    }

    /// Fetches segment `i` (made by [`Ranged::split`]) to its end, resuming
    /// when it breaks. A failure is kept for the download's owner, and
    /// stops the other segments.
    pub fn fetch_segment(&self, http: &Client, i: usize, cancel: &AtomicBool) {
        let result = self.fetch(http, i, None, cancel);
        self.ended(i, result);
    }

    /// Segment `i`'s connection is done with it: a failure is kept and
    /// stops the others.
    fn ended(&self, i: usize, result: Result<(), Stop>) {
        let mut state = self.lock();
        state.segments[i].owned = false;
        if let Err(stop) = result {
            if !matches!(stop, Stop::Aborted) && state.failure.is_none() {
                state.failure = Some(stop);
            }
            self.abort.store(true, Ordering::Relaxed);
        }
        if let Some(epoch) = trace::epoch() {
            let seg = &state.segments[i];
            let at = |t: Instant| t.saturating_duration_since(epoch).as_secs_f64();
            let first = seg.first_byte.map_or(-1.0, |(t, _)| at(t));
            let (asked, now) = (at(seg.asked), at(Instant::now()));
            let (start, end, mb) = (seg.start, seg.end, (seg.end - seg.start) as f64 / 1e6);
            eprintln!("trace: {asked:.3} {first:.3} {now:.3} {mb:.2}MB {start}-{end} {}", self.shown);
        }
        drop(state);
        self.ended.notify_all();
    }

    /// Segment `i` to its end: `first` is an answer already received for it.
    fn fetch(
        &self,
        http: &Client,
        i: usize,
        mut first: Option<RangeReply>,
        cancel: &AtomicBool,
    ) -> Result<(), Stop> {
        let (wait, why) = retrying_wait(&self.shown, http, cancel, Stop::Fatal);
        let result = http.options().retry(wait, |_| {
            let reply = match first.take() {
                Some(reply) => reply,
                None => self.ask(http, i).map_err(|e| Attempt::Stop(Stop::Fatal(e)))?,
            };
            match self.read(reply, i, cancel) {
                Ok(()) => Ok(()),
                Err(Stop::Broken(err)) => {
                    *why.borrow_mut() = super::why(&err);
                    Err(Attempt::Again(Stop::Broken(err)))
                }
                Err(stop) => Err(Attempt::Stop(stop)),
            }
        });
        result.map_err(|stop| match stop {
            Stop::Broken(err) => Stop::Fatal(err),
            other => other,
        })
    }

    /// `GET` of what segment `i` still needs, with `If-Range`.
    fn ask(&self, http: &Client, i: usize) -> Result<RangeReply> {
        let (pos, end, validator) = {
            let mut state = self.lock();
            let seg = &mut state.segments[i];
            seg.asked = Instant::now();
            seg.first_byte = None;
            (seg.pos, seg.end, state.validator.clone())
        };
        let range = ByteRange::Span(pos, end.max(pos + 1) - 1);
        Ok(http.get_range(&self.url, Some(range), validator.as_deref())?)
    }

    /// Writes one answer's body into segment `i`, up to its end (which may
    /// move while reading); `Ok` when the segment is complete.
    fn read(&self, reply: RangeReply, i: usize, cancel: &AtomicBool) -> Result<(), Stop> {
        let response = self.accept(reply, i)?;
        let mut body = response.into_body().into_reader();
        let mut buf = vec![0u8; CHUNK];
        loop {
            if cancel.load(Ordering::Relaxed) || crate::signals::interrupted() {
                return Err(Stop::Fatal(Failure::interrupted().into()));
            }
            if self.abort.load(Ordering::Relaxed) {
                return Err(Stop::Aborted);
            }
            let n = match body.read(&mut buf) {
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    let pos = self.lock().segments[i].pos;
                    let err = anyhow::Error::new(e)
                        .context(format!("{}: the download broke off at byte {pos}", self.shown));
                    return Err(Stop::Broken(err));
                }
            };
            let mut state = self.lock();
            let (pos, end) = (state.segments[i].pos, state.segments[i].end);
            if n == 0 {
                if pos == end {
                    return Ok(());
                }
                let size = self.size;
                return Err(Stop::Broken(anyhow!(
                    "{}: the download broke off at byte {pos} of {size}",
                    self.shown
                )));
            }
            let take = (n as u64).min(end - pos) as usize;
            self.write(&mut state, i, &buf[..take]).map_err(Stop::Fatal)?;
            if take < n {
                // The rest was handed to another connection: the rest of
                // this answer is not read (its connection closes).
                return Ok(());
            }
            // Else read on to the body's end, so the connection is kept.
        }
    }

    /// The answer's body when it is the range asked for segment `i`.
    fn accept(&self, reply: RangeReply, i: usize) -> Result<Response<Body>, Stop> {
        let mut state = self.lock();
        let pos = state.segments[i].pos;
        let shown = &self.shown;
        let (holds, response) = match reply {
            RangeReply::Part(got, response) if got.first == pos && got.total == Some(self.size) => {
                if pos == 0 && i == 0 && state.validator.is_none() {
                    state.validator = validator(&response);
                }
                state.splittable = true;
                (got.len(), response)
            }
            RangeReply::Part(..) if pos == 0 => return Err(Stop::RangesIgnored),
            RangeReply::Part(got, _) => {
                let size = self.size;
                return Err(Stop::Fatal(anyhow!(
                    "{shown}: asked for bytes {pos}- of {size} and got {}-{}/{:?}",
                    got.first,
                    got.last,
                    got.total
                )));
            }
            // The whole file: fine for a first request, read plainly.
            RangeReply::Full(response) if pos == 0 && i == 0 => (self.size, response),
            RangeReply::Full(_) => return Err(Stop::RangesIgnored),
            RangeReply::Refused { status, .. } => return Err(Stop::Fatal(anyhow!("{shown}: HTTP {status}"))),
        };
        // More bytes announced than the answer can hold: the server cannot
        // be trusted with ranges of this file; one plain stream sorts it out.
        // (Fewer is a body cut short: resumed.)
        if super::stream::content_length(&response).is_some_and(|n| n > holds) {
            return Err(Stop::RangesIgnored);
        }
        let seg = &mut state.segments[i];
        seg.first_byte = Some((Instant::now(), seg.pos));
        Ok(response)
    }

    /// Writes `bytes` at segment `i`'s position, hashing them when they
    /// continue the hashed prefix.
    fn write(&self, state: &mut State, i: usize, bytes: &[u8]) -> Result<()> {
        if state.file.is_none() {
            let tmp = self.cache.temp_file(".part")?;
            tmp.as_file()
                .set_len(self.size)
                .with_context(|| format!("cannot allocate {}", tmp.path().display()))?;
            state.file = Some(tmp);
        }
        let pos = state.segments[i].pos;
        let file = state.file.as_ref().expect("made above");
        file.as_file()
            .write_all_at(bytes, pos)
            .with_context(|| format!("cannot write {}", file.path().display()))?;
        if state.hashed == pos {
            state.hasher.update(bytes);
            state.hashed += bytes.len() as u64;
        }
        state.segments[i].pos += bytes.len() as u64;
        if let Some(watch) = &self.watch {
            let ready = written_prefix(&state.segments);
            if ready != state.told {
                state.told = ready;
                watch.ready(file.path(), ready);
            }
        }
        self.item.add(bytes.len() as u64);
        if let Some(received) = &self.received {
            received.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Waits until no connection fetches a segment, taking over the tails
    /// of this download's own segments meanwhile when worth it.
    fn finish_segments(&self, http: &Client, min_part: Option<u64>, cancel: &AtomicBool) {
        loop {
            if let Some(i) = min_part.and_then(|m| self.split(m)) {
                self.fetch_segment(http, i, cancel);
                continue;
            }
            let state = self.lock();
            if state.segments.iter().all(|s| !s.owned) {
                return;
            }
            drop(self.ended.wait_timeout(state, Duration::from_millis(20)).expect("no poisoned lock"));
        }
    }

    /// The file and its sha256 once every segment is complete; hashes what
    /// was not hashed as it arrived by reading it back.
    fn result(&self) -> Result<Outcome> {
        let mut state = self.lock();
        match state.failure.take() {
            Some(Stop::RangesIgnored) => return Ok(Outcome::Unsplittable),
            Some(Stop::Fatal(err) | Stop::Broken(err)) => return Err(err),
            Some(Stop::Aborted) | None => {}
        }
        if state.segments.iter().any(|s| s.pos != s.end) {
            // Stopped without a failure of its own: cancelled.
            return Err(Failure::interrupted().into());
        }
        let State { file, hasher, hashed, .. } = &mut *state;
        let tmp = file.take().context("a complete download has its file")?;
        let (mut hasher, hashed) = (std::mem::take(hasher), *hashed);
        // Read back without the lock: the board's other connections look
        // at this download meanwhile.
        drop(state);
        hash_rest(&tmp, hashed, &mut hasher)?;
        let digest: [u8; 32] = hasher.finalize().into();
        Ok(Outcome::Done(tmp, crate::hash::Sha256::from_digest(digest)))
    }
}

/// The bytes from the file's start that every segment has written: where a
/// reader in order may go.
fn written_prefix(segments: &[Segment]) -> u64 {
    let mut end = 0;
    while let Some(s) = segments.iter().find(|s| s.start == end && s.end > s.start) {
        if s.pos < s.end {
            return s.pos;
        }
        end = s.end;
    }
    end
}

/// Downloads `url`, `size` bytes long, counting the bytes on `item`. With a
/// board, other connections may take over parts of it (and this one takes
/// over parts of its own segments at the end) in pieces of at least the
/// board's smallest part; without, it is one connection's work. `watch` is
/// told the written prefix as it grows.
pub fn download(
    http: &Client,
    cache: &Cache,
    (url, size): (&str, u64),
    cancel: &AtomicBool,
    item: &Arc<Item>,
    board: Option<&super::Board>,
    watch: Option<Arc<dyn super::Watch>>,
) -> Result<Outcome> {
    let counter = board.map(super::Board::counter);
    let ranged = Arc::new(Ranged::new(cache, url, size, Arc::clone(item), counter, watch));
    if size == 0 {
        return Ok(Outcome::Unsplittable);
    }
    let first = ranged.ask(http, 0)?;
    if let RangeReply::Part(got, _) = &first {
        if got.first != 0 || got.total != Some(size) {
            return Ok(Outcome::Unsplittable);
        }
    }
    let listed = board.map(|b| b.add(&ranged));
    let result = ranged.fetch(http, 0, Some(first), cancel);
    ranged.ended(0, result);
    ranged.finish_segments(http, board.map(|b| b.min_part), cancel);
    // Nothing more to share: off the board before the rest is hashed.
    drop(listed);
    if cancel.load(Ordering::Relaxed) {
        return Err(Failure::interrupted().into());
    }
    crate::signals::check()?;
    ranged.result()
}

/// Feeds `[from, end of file)` of `tmp` to `hasher`.
fn hash_rest(tmp: &NamedTempFile, from: u64, hasher: &mut Sha256) -> Result<()> {
    let path = tmp.path().display().to_string();
    let file = tmp.as_file();
    let mut buf = vec![0u8; 4 * CHUNK];
    let mut pos = from;
    loop {
        match file.read_at(&mut buf, pos) {
            Ok(0) => return Ok(()),
            Ok(n) => {
                hasher.update(&buf[..n]);
                pos += n as u64;
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(anyhow::Error::new(e).context(format!("cannot read {path}"))),
        }
    }
}
