//! Downloading a file into the cache's store, the one download path of
//! every tool (wheel-fetch's wheels, the sdists that resolving and building
//! read): retries with backoff (each drawn as a "retrying" line on the
//! progress display), resume after a broken transfer, a file of known size
//! fetched as byte ranges that more connections may share ([`ranged`],
//! scheduled over a run's connections through a [`Board`]), else one
//! resumable stream ([`stream`]); the sha256 checked (a mismatch is
//! downloaded again from scratch, [`DOWNLOADS`] downloads in all, before it
//! fails), and the file renamed
//! into the store, so nobody sees a partial one. A per-hash lock makes two
//! runs sharing a cache download a file once. Where a file goes in the
//! store is [`Cache`]'s to say.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use tempfile::NamedTempFile;

use crate::cache::{Bucket, Cache, CacheLock};
use crate::exit::Failure;
use crate::hash::Sha256;
use crate::http::{redact, Body, Client, Response};
use crate::progress::Item;

pub mod ranged;
pub mod stream;

/// The size of the pieces a download is read in; cancellation is checked
/// between them.
pub const CHUNK: usize = 64 * 1024;

/// Downloads of a file whose bytes do not match its sha256, the first
/// included, before it fails: a proxy or a link that damages one body in
/// twenty-five damages two in a row of one file in a few runs of a set.
pub const DOWNLOADS: u32 = 3;

/// A file in the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    pub path: PathBuf,
    /// Lowercase hex.
    pub sha256: String,
    /// False when the store already had it.
    pub downloaded: bool,
}

/// What to download: the URL, the file's name in the store, its sha256
/// and size when the index gave them.
pub struct Wanted<'a> {
    pub url: &'a str,
    pub filename: &'a str,
    pub sha256: Option<&'a Sha256>,
    pub size: Option<u64>,
    /// Told where the bytes go while they arrive (none: nobody asks).
    pub watch: Option<Arc<dyn Watch>>,
}

/// Told, while a download runs, which temporary file holds its bytes and
/// how many of its first bytes are written for good, so that another
/// process may read them before the download ends (see
/// [`crate::records::Arriving`]). A new file, or fewer bytes than before,
/// voids the earlier ones. Called with the download's lock held and on
/// every piece written: it must be quick and never block.
pub trait Watch: Send + Sync {
    fn ready(&self, file: &Path, bytes: u64);
}

/// What every download of a run shares: the HTTP client, the cache, the
/// flag that cancels, and the board through which idle connections take
/// over parts of running downloads (none: each download is one
/// connection's).
pub struct Fetch<'a> {
    pub http: &'a Client,
    pub cache: &'a Cache,
    pub cancel: &'a AtomicBool,
    pub board: Option<&'a Board>,
}

impl Fetch<'_> {
    /// Puts the file into the store, unless it is there, and returns where
    /// it is. `cancel` (or SIGINT / SIGTERM) stops a download between
    /// chunks; its temporary file is deleted and the error is
    /// [`Failure::interrupted`]. The bytes are counted on `item`.
    pub fn to_store(&self, wanted: &Wanted, item: &Arc<Item>) -> Result<Stored> {
        let (cache, shown) = (self.cache, redact(wanted.url));
        let Some(&expected) = wanted.sha256 else {
            let (tmp, actual) = self.bytes(wanted, item)?;
            let path = cache.wheel_path(&actual, wanted.filename)?;
            if !path.is_file() {
                persist(tmp, &path)?;
            }
            return Ok(Stored { path, sha256: actual.to_string(), downloaded: true });
        };
        let stored = |path: PathBuf, downloaded| Stored { path, sha256: expected.to_string(), downloaded };
        if let Some(path) = cache.find_wheel(&expected, wanted.filename) {
            return Ok(stored(path, false));
        }
        let path = cache.wheel_path(&expected, wanted.filename).with_context(|| shown.clone())?;
        let _lock = wait_for_lock(cache, &expected, self.cancel)?;
        // Another run may have stored it while we waited for the lock.
        if path.is_file() {
            return Ok(stored(path, false));
        }
        let mut fetched = self.bytes(wanted, item)?;
        for _ in 1..DOWNLOADS {
            if fetched.1 == expected {
                break;
            }
            // Bytes damaged on the way, or a body stitched from two versions
            // of the file: again from scratch (dropping the last temporary
            // file deletes it).
            item.restart();
            fetched = self.bytes(wanted, item)?;
        }
        let (tmp, actual) = fetched;
        if actual != expected {
            bail!(
                "{shown}: sha256 mismatch: expected {expected}, got {actual} ({DOWNLOADS} downloads, each from scratch)"
            );
        }
        persist(tmp, &path)?;
        Ok(stored(path, true))
    }

    /// The bytes of the URL in a temporary file in the cache, with their
    /// sha256: as ranges when the size is known and the server serves
    /// them, else one stream.
    pub fn bytes(&self, wanted: &Wanted, item: &Arc<Item>) -> Result<(NamedTempFile, Sha256)> {
        let (http, cache, cancel, url) = (self.http, self.cache, self.cancel, wanted.url);
        if let Some(size) = wanted.size {
            if let ranged::Outcome::Done(tmp, sha256) =
                ranged::download(http, cache, (url, size), cancel, item, self.board, wanted.watch.clone())?
            {
                return Ok((tmp, sha256));
            }
        }
        item.restart();
        stream::download(http, cache, (url, wanted.size), cancel, item, wanted.watch.as_deref())
    }
}

/// The running ranged downloads of a run, for connections to share:
/// [`Board::take_over`] splits the download with the most time left, and
/// [`Board::time_for`] says how long the link needs for a number of bytes
/// at the rate measured over all downloads, so a caller can split a
/// download that would otherwise outlast all the rest.
pub struct Board {
    transfers: Mutex<Vec<Weak<ranged::Ranged>>>,
    /// The smallest part a download is split into.
    pub min_part: u64,
    /// Bytes received by all downloads, and samples of it for the rate.
    received: Arc<AtomicU64>,
    samples: Mutex<VecDeque<(Instant, u64)>>,
}

/// Takes a download off its board when dropped.
struct Listed<'a>(&'a Board, *const ranged::Ranged);

impl Drop for Listed<'_> {
    fn drop(&mut self) {
        let mut list = self.0.transfers.lock().expect("no poisoned lock");
        list.retain(|w| w.strong_count() > 0 && !std::ptr::eq(w.as_ptr(), self.1));
    }
}

/// The window over which the link's rate is measured.
const RATE_WINDOW: Duration = Duration::from_millis(400);

impl Board {
    /// A board splitting downloads into parts of at least `min_part` bytes.
    pub fn new(min_part: u64) -> Board {
        trace::epoch();
        Board {
            transfers: Mutex::default(),
            min_part,
            received: Arc::default(),
            samples: Mutex::new(VecDeque::from([(Instant::now(), 0)])),
        }
    }

    fn add(&self, transfer: &Arc<ranged::Ranged>) -> Listed<'_> {
        self.transfers.lock().expect("no poisoned lock").push(Arc::downgrade(transfer));
        Listed(self, Arc::as_ptr(transfer))
    }

    /// The counter every download of this board adds its bytes to.
    fn counter(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.received)
    }

    fn running(&self) -> Vec<Arc<ranged::Ranged>> {
        self.transfers.lock().expect("no poisoned lock").iter().filter_map(Weak::upgrade).collect()
    }

    /// Whether a download is running.
    pub fn is_empty(&self) -> bool {
        self.transfers.lock().expect("no poisoned lock").is_empty()
    }

    /// The seconds the link needs for `queued` more bytes and what the
    /// running downloads still lack, at the rate all of them got lately;
    /// `None` before the rate is known.
    pub fn time_for(&self, queued: u64) -> Option<f64> {
        let now = Instant::now();
        let received = self.received.load(Ordering::Relaxed);
        let rate = {
            let mut samples = self.samples.lock().expect("no poisoned lock");
            while samples.len() > 1 && now.duration_since(samples[1].0) >= RATE_WINDOW {
                samples.pop_front();
            }
            let (at, then) = samples[0];
            samples.push_back((now, received));
            let secs = now.duration_since(at).as_secs_f64();
            (secs >= RATE_WINDOW.as_secs_f64() / 2.0 && received > then)
                .then(|| (received - then) as f64 / secs)
        }?;
        let left: u64 = self.running().iter().map(|t| t.bytes_left()).sum();
        Some((queued + left) as f64 / rate)
    }

    /// Takes over the tail of the running download with the most time
    /// left, when that is more than `longer_than` seconds and worth a new
    /// request, and fetches it; false when there was nothing to take.
    pub fn take_over(&self, http: &Client, cancel: &AtomicBool, longer_than: f64) -> bool {
        let transfers = self.running();
        let best = transfers
            .iter()
            .filter_map(|t| Some((t, t.time_left(self.min_part)?)))
            .filter(|(_, left)| *left > longer_than)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        let Some((transfer, _)) = best else { return false };
        let Some(segment) = transfer.split(self.min_part) else { return false };
        transfer.fetch_segment(http, segment, cancel);
        true
    }
}

/// Renames a finished temporary file to `path` in the store, readable by
/// everyone (the store may be shared), creating its folders.
pub fn persist(tmp: NamedTempFile, path: &Path) -> Result<()> {
    let dir = path.parent().context("a store path has a parent folder")?;
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(0o644))
        .with_context(|| format!("cannot set the permissions of {}", tmp.path().display()))?;
    tmp.persist(path).map_err(|e| e.error).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// The store lock for `sha256`, waiting while another run holds it (it is
/// downloading the same file), but not past a cancel or a signal.
fn wait_for_lock(cache: &Cache, sha256: &Sha256, cancel: &AtomicBool) -> Result<CacheLock> {
    loop {
        if let Some(lock) = cache.try_lock_entry(Bucket::Wheels, sha256)? {
            return Ok(lock);
        }
        if cancel.load(Ordering::Relaxed) {
            return Err(Failure::interrupted().into());
        }
        crate::signals::check()?;
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A strong `ETag`, else `Last-Modified`: what `If-Range` may carry.
fn validator(response: &Response<Body>) -> Option<String> {
    let header = |name: &str| response.headers().get(name)?.to_str().ok().map(str::to_string);
    header("etag").filter(|e| !e.starts_with("W/")).or_else(|| header("last-modified"))
}

/// Waits `pause`, but ends at once with [`Failure::interrupted`] on cancel or
/// a signal.
pub fn sleep_unless_cancelled(pause: Duration, cancel: &AtomicBool) -> Result<()> {
    let until = Instant::now() + pause;
    loop {
        if cancel.load(Ordering::Relaxed) {
            bail!(Failure::interrupted());
        }
        crate::signals::check()?;
        let now = Instant::now();
        if now >= until {
            return Ok(());
        }
        std::thread::sleep((until - now).min(Duration::from_millis(50)));
    }
}

/// The wait between two tries of a download, which draws a "retrying"
/// line on the progress display ([`crate::http::retrying_line`], as
/// [`Client::get`] does for a request)
/// until the download ends, and the cell where each try puts why it
/// failed ([`why`]).
fn retrying_wait<'a, E: 'a>(
    shown: &'a str,
    http: &'a Client,
    cancel: &'a AtomicBool,
    map: fn(anyhow::Error) -> E,
) -> (impl FnMut(Duration) -> Result<(), E> + 'a, Rc<RefCell<String>>) {
    let why = Rc::new(RefCell::new(String::new()));
    let reason = Rc::clone(&why);
    // Kept until the download ends: the line stays while it is retried.
    let mut _retrying: Option<Item> = None;
    let mut attempt = 0;
    let tries = http.options().retries + 1;
    let wait = move |pause| {
        attempt += 1;
        _retrying = Some(crate::http::retrying_line(shown, &reason.borrow(), attempt + 1, tries));
        sleep_unless_cancelled(pause, cancel).map_err(map)
    };
    (wait, why)
}

/// Why a try failed, for the "retrying" line: the innermost cause, without
/// the URL the outer messages name.
fn why(err: &anyhow::Error) -> String {
    let root = err.root_cause().to_string();
    match root.split_once(": ") {
        Some((head, rest)) if head.contains("://") => rest.to_string(),
        _ => root,
    }
}

/// `WHEELPIPE_FETCH_TRACE=1`: one line on stderr a finished segment of a
/// ranged download, for benchmarks to see where a link idles.
pub(crate) mod trace {
    use std::sync::OnceLock;
    use std::time::Instant;

    static EPOCH: OnceLock<Option<Instant>> = OnceLock::new();

    /// When tracing started, if it is on.
    pub fn epoch() -> Option<Instant> {
        *EPOCH.get_or_init(|| std::env::var_os("WHEELPIPE_FETCH_TRACE").map(|_| Instant::now()))
    }
}
