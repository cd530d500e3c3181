//! An in-process package index on 127.0.0.1 for the end-to-end tests: a
//! thread per connection with keep-alive, `/simple/` pages (PEP 503 HTML or
//! PEP 691 JSON by the Accept header, PEP 658 metadata when on), `/files/`
//! with Range support and HEAD, a request log, and [`Faults`] a test can
//! switch at runtime to make the index misbehave, random ones by a seed
//! included ([`Chaos`]).

#![allow(dead_code)]

mod chaos;
mod http;
mod index;

use std::collections::BTreeSet;
use std::io::{BufReader, BufWriter};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

pub use chaos::{Chaos, Fault};
use http::{parse_range, read_request, write_response, RangeAsk, Request, Response, WireFaults};
pub use index::Index;

const JSON_TYPE: &str = "application/vnd.pypi.simple.v1+json";

/// What the server does wrong. Change it at any time through [`Server::faults`].
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// No `.metadata` files and no PEP 658 attributes on the pages.
    pub no_pep658: bool,
    /// Ignore `Range` and answer 200 with the whole file.
    pub no_ranges: bool,
    /// Answer the next this many requests with `fail_status`.
    pub fail_next: u32,
    pub fail_status: u16,
    /// Close the connection after this many bytes of the next wheel body
    /// (once; `.metadata` files are not cut, so resolving does not use it up).
    pub drop_after_bytes: Option<usize>,
    /// Flip the middle byte of the next this many wheel bodies (whole, or
    /// a range of one).
    pub flip_next_wheels: u32,
    /// Close the connection after this many bytes of the next answer to a
    /// range of a wheel that does not start at byte 0 (once): a fault in a
    /// part of a split download, not in its first.
    pub drop_later_part_after: Option<usize>,
    /// Send wheel bodies at this many bytes a second at most, as a slow
    /// connection would.
    pub pace_bytes_per_sec: Option<u64>,
    /// Announce a Content-Length 100 bytes too long for wheel bodies, then close.
    pub lying_content_length: bool,
    /// Wait this long before every answer.
    pub stall_ms: u64,
    /// Files whose sha256 the pages advertise wrong.
    pub wrong_hash_for: BTreeSet<String>,
    /// Close every new connection at once, answering nothing.
    pub down: bool,
    /// Serve PEP 503 HTML even to a client that asks for JSON.
    pub no_json: bool,
    /// Refuse some or all `Range` requests for files.
    pub refuse_ranges: Option<RangeRefusal>,
    /// Answer project pages with 200 and a proxy's HTML error page.
    pub error_page: bool,
    /// Answer 401 to every request without this user and password (HTTP
    /// Basic), as a private index does.
    pub basic_auth: Option<(String, String)>,
    /// Faults at random, by a seed ([`Chaos`]), on top of the others.
    pub chaos: Option<Chaos>,
    /// The random faults dealt so far: the request's path and the fault.
    pub chaos_log: Vec<(String, Fault)>,
    /// Request paths whose answers wait while they are listed here (a
    /// test takes a path out to let its answer go).
    pub hold: BTreeSet<String>,
}

/// How a server without (full) range support answers a `Range` for a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeRefusal {
    /// 416 to a suffix range (`bytes=-N`) only; ranges by position work.
    Suffix416,
    /// 416 to every range.
    All416,
    /// 501 Not Implemented to every range, without a length.
    All501,
}

impl Faults {
    /// Fail the next `n` requests with `status` (429 and 503 carry `Retry-After: 1`).
    pub fn fail_next_n_with(&mut self, n: u32, status: u16) {
        self.fail_next = n;
        self.fail_status = status;
    }

    pub fn wrong_hash_for(&mut self, filename: &str) {
        self.wrong_hash_for.insert(filename.to_string());
    }
}

/// One request as the server saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    /// When the request was read, counting from 0: a client's next request
    /// on any connection arrives after the answer to its previous one.
    pub arrival: usize,
    pub method: String,
    pub path: String,
    pub range: Option<String>,
    pub status: u16,
    pub body_bytes: u64,
}

struct State {
    index: Index,
    base: String,
    faults: Mutex<Faults>,
    log: Mutex<Vec<LogEntry>>,
    /// Requests read so far, answered or not (the log holds answered ones).
    arrived: AtomicUsize,
    /// Requests whose answer was written or broke off (logged or not).
    finished: AtomicUsize,
    /// The path of every request read, in the order they arrived,
    /// answered or not.
    arrivals: Mutex<Vec<String>>,
    stop: AtomicBool,
}

/// The running server; stops when dropped.
pub struct Server {
    state: Arc<State>,
    port: u16,
}

impl Server {
    /// Serves the given wheel files.
    pub fn start(wheels: &[impl AsRef<Path>]) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(State {
            index: Index::new(wheels),
            base: format!("http://127.0.0.1:{port}"),
            faults: Mutex::default(),
            log: Mutex::default(),
            arrived: AtomicUsize::new(0),
            finished: AtomicUsize::new(0),
            arrivals: Mutex::default(),
            stop: AtomicBool::new(false),
        });
        let s = Arc::clone(&state);
        thread::spawn(move || accept_loop(listener, s));
        Server { state, port }
    }

    /// The index URL: `http://127.0.0.1:PORT/simple`.
    pub fn url(&self) -> String {
        format!("{}/simple", self.state.base)
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> &str {
        &self.state.base
    }

    /// The download URL of a served file.
    pub fn file_url(&self, filename: &str) -> String {
        format!("{}/files/{filename}", self.state.base)
    }

    pub fn index(&self) -> &Index {
        &self.state.index
    }

    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        self.state.faults.lock().unwrap()
    }

    /// Every request so far, in the order they arrived (an answer is logged
    /// once sent, and two connections' threads may log out of order). A
    /// client may see its last byte before the server's thread logs it: this
    /// waits (up to 5 s, for answers still stalled) until every request that
    /// arrived has been answered.
    pub fn requests(&self) -> Vec<LogEntry> {
        let until = std::time::Instant::now() + Duration::from_secs(5);
        while self.state.finished.load(Ordering::SeqCst) < self.state.arrived.load(Ordering::SeqCst)
            && std::time::Instant::now() < until
        {
            thread::sleep(Duration::from_millis(5));
        }
        let mut log = self.state.log.lock().unwrap().clone();
        log.sort_by_key(|e| e.arrival);
        log
    }

    /// The requests for `/files/...` (wheels and `.metadata`).
    pub fn file_requests(&self) -> Vec<LogEntry> {
        self.requests().into_iter().filter(|e| e.path.starts_with("/files/")).collect()
    }

    /// Requests read so far, including those still waiting on `stall_ms`.
    pub fn arrived(&self) -> usize {
        self.state.arrived.load(Ordering::SeqCst)
    }

    /// The paths of every request read so far, answered or not (held
    /// ones included), in the order they arrived.
    pub fn arrivals(&self) -> Vec<String> {
        self.state.arrivals.lock().unwrap().clone()
    }

    pub fn clear_log(&self) {
        self.state.log.lock().unwrap().clear();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn accept_loop(listener: TcpListener, state: Arc<State>) {
    for conn in listener.incoming() {
        if state.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(conn) = conn else { continue };
        if state.faults.lock().unwrap().down {
            let _ = conn.shutdown(Shutdown::Both);
            continue;
        }
        let s = Arc::clone(&state);
        thread::spawn(move || {
            let _ = serve_connection(conn, &s);
        });
    }
}

fn serve_connection(conn: TcpStream, state: &State) -> std::io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut writer = BufWriter::new(conn.try_clone()?);
    while let Some(req) = read_request(&mut reader)? {
        if state.stop.load(Ordering::SeqCst) {
            break;
        }
        let arrival = {
            let mut arrivals = state.arrivals.lock().unwrap();
            arrivals.push(req.path.clone());
            state.arrived.fetch_add(1, Ordering::SeqCst)
        };
        while state.faults.lock().unwrap().hold.contains(&req.path) && !state.stop.load(Ordering::SeqCst) {
            thread::sleep(Duration::from_millis(2));
        }
        let (resp, wire) = answer(&req, state, arrival);
        let head_only = req.method == "HEAD";
        let written = write_response(&mut writer, &resp, head_only, req.wants_close(), wire);
        if let Ok((sent, _)) = &written {
            state.log.lock().unwrap().push(LogEntry {
                arrival,
                method: req.method.clone(),
                path: req.path.clone(),
                range: req.header("range").map(str::to_string),
                status: resp.status,
                body_bytes: *sent,
            });
        }
        state.finished.fetch_add(1, Ordering::SeqCst);
        let (_, close) = written?;
        if close {
            break;
        }
    }
    let _ = conn.shutdown(Shutdown::Both);
    Ok(())
}

/// The response to one request, after the faults in force, the random
/// ones included (the request's `arrival` number picks those).
fn answer(req: &Request, state: &State, arrival: usize) -> (Response, WireFaults) {
    let mut faults = state.faults.lock().unwrap().clone();
    let Some(chaos) = faults.chaos else { return answer_plain(req, state) };
    let Some(fault) = chaos.pick(arrival, req) else { return answer_plain(req, state) };
    state.faults.lock().unwrap().chaos_log.push((req.path.clone(), fault));
    if fault == Fault::Stall {
        thread::sleep(chaos.stall);
    }
    if let Some(resp) = Chaos::replace(fault) {
        return (resp, WireFaults::default());
    }
    if fault == Fault::IgnoreRange {
        faults.no_ranges = true;
        let (resp, _) = answer_with(req, state, faults);
        return (resp, WireFaults::default());
    }
    let (mut resp, mut wire) = answer_plain(req, state);
    Chaos::damage(fault, &mut resp, &mut wire);
    (resp, wire)
}

/// The response to one request, after the faults set by the test.
fn answer_plain(req: &Request, state: &State) -> (Response, WireFaults) {
    let faults = {
        let mut f = state.faults.lock().unwrap();
        let snapshot = f.clone();
        if f.fail_next > 0 {
            f.fail_next -= 1;
        }
        snapshot
    };
    answer_with(req, state, faults)
}

/// A 401 unless `req` carries the user and password `wanted`.
fn unauthorized(req: &Request, (user, password): &(String, String)) -> Option<Response> {
    use base64::Engine;
    let expected = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    let given = req.header("authorization").and_then(|a| a.strip_prefix("Basic ")).map(str::trim);
    (given != Some(expected.as_str())).then(|| {
        Response::new(401, "text/plain", "credentials needed\n")
            .header("WWW-Authenticate", "Basic realm=\"test\"")
    })
}

/// The response to one request under `faults`.
fn answer_with(req: &Request, state: &State, faults: Faults) -> (Response, WireFaults) {
    if faults.stall_ms > 0 {
        thread::sleep(Duration::from_millis(faults.stall_ms));
    }
    if faults.fail_next > 0 {
        let mut r = Response::new(faults.fail_status, "text/plain", "injected failure\n");
        if matches!(faults.fail_status, 429 | 503) {
            r = r.header("Retry-After", "1");
        }
        return (r, WireFaults::default());
    }
    if let Some(refused) = faults.basic_auth.as_ref().and_then(|wanted| unauthorized(req, wanted)) {
        return (refused, WireFaults::default());
    }
    if req.method != "GET" && req.method != "HEAD" {
        return (Response::new(405, "text/plain", "method not allowed\n"), WireFaults::default());
    }
    let json = !faults.no_json && req.header("accept").is_some_and(|a| a.contains(JSON_TYPE));
    let path = req.path.as_str();
    if path == "/simple" || path == "/simple/" {
        let r = if json {
            Response::new(200, JSON_TYPE, state.index.root_json())
        } else {
            Response::new(200, "text/html", state.index.root_html())
        };
        return (r, WireFaults::default());
    }
    if let (true, Some(_)) = (faults.error_page, path.strip_prefix("/simple/")) {
        let page =
            "<html><head><title>Service Unavailable</title></head><body>Try again later</body></html>\n";
        return (Response::new(200, "text/html", page), WireFaults::default());
    }
    if let Some(project) = path.strip_prefix("/simple/") {
        let project = wheelpipe::names::normalize(project.trim_end_matches('/'));
        let page = if json {
            state.index.project_json(&project, &state.base, &faults).map(|p| Response::new(200, JSON_TYPE, p))
        } else {
            state
                .index
                .project_html(&project, &state.base, &faults)
                .map(|p| Response::new(200, "text/html", p))
        };
        return (index::revalidate(req, page.unwrap_or_else(Response::not_found)), WireFaults::default());
    }
    if let Some(name) = path.strip_prefix("/files/") {
        return serve_file(req, state, name, &faults);
    }
    (Response::not_found(), WireFaults::default())
}

fn serve_file(req: &Request, state: &State, name: &str, faults: &Faults) -> (Response, WireFaults) {
    let (body, content_type) = if let Some(wheel) = name.strip_suffix(".metadata") {
        match state.index.file(wheel) {
            Some(d) if !faults.no_pep658 => (d.metadata.clone(), "text/plain"),
            _ => return (Response::not_found(), WireFaults::default()),
        }
    } else {
        match state.index.file(name) {
            Some(d) => (d.bytes.clone(), "application/octet-stream"),
            None => return (Response::not_found(), WireFaults::default()),
        }
    };
    let len = body.len() as u64;
    if let (Some(range), Some(refusal)) = (req.header("range"), faults.refuse_ranges) {
        match refusal {
            RangeRefusal::All501 => {
                return (Response::new(501, "text/plain", Vec::new()), WireFaults::default())
            }
            RangeRefusal::Suffix416 if !range.starts_with("bytes=-") => {}
            RangeRefusal::Suffix416 | RangeRefusal::All416 => {
                let refused = Response::new(416, "text/plain", Vec::new());
                return (refused.header("Content-Range", format!("bytes */{len}")), WireFaults::default());
            }
        }
    }
    let ask = if faults.no_ranges { RangeAsk::Full } else { parse_range(req.header("range"), len) };
    let later_part = matches!(ask, RangeAsk::Part(a, _) if a > 0);
    let mut resp = match ask {
        RangeAsk::Full => Response::new(200, content_type, body),
        RangeAsk::Part(a, b) => Response::new(206, content_type, body[a as usize..=b as usize].to_vec())
            .header("Content-Range", format!("bytes {a}-{b}/{len}")),
        RangeAsk::Unsatisfiable => {
            Response::new(416, "text/plain", Vec::new()).header("Content-Range", format!("bytes */{len}"))
        }
    };
    if !faults.no_ranges {
        resp = resp.header("Accept-Ranges", "bytes");
    }
    let mut wire = WireFaults::default();
    if resp.status != 416 && req.method == "GET" && !name.ends_with(".metadata") {
        if faults.drop_after_bytes.is_some() {
            wire.cut_after = state.faults.lock().unwrap().drop_after_bytes.take();
        }
        if faults.drop_later_part_after.is_some() && later_part && wire.cut_after.is_none() {
            wire.cut_after = state.faults.lock().unwrap().drop_later_part_after.take();
        }
        wire.pace = faults.pace_bytes_per_sec;
        if faults.lying_content_length {
            wire.extra_length = 100;
        }
        if matches!(resp.status, 200 | 206) && faults.flip_next_wheels > 0 && resp.body.len() > 1 {
            state.faults.lock().unwrap().flip_next_wheels -= 1;
            let middle = resp.body.len() / 2;
            resp.body[middle] ^= 0x01;
        }
    }
    (resp, wire)
}
