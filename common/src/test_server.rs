//! A small HTTP/1.1 server on 127.0.0.1 for unit tests, common's and the
//! tools' (behind the `test-support` feature): a thread a connection, one
//! request a connection, answered by a handler from the request (method,
//! path, headers) or by per-path scripts of responses, with optional faults
//! (a wrong `Content-Length`, a body cut short, a stall midway) and a log of
//! every exchange.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// A request as the server read it; header names lowercased.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The value of header `name` (any case), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The client asked to close the connection after this exchange.
    pub fn wants_close(&self) -> bool {
        self.header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"))
    }
}

/// Reads one request head (GET and HEAD carry no body), the path without
/// its query; `None` at a clean end of the connection.
pub fn read_request(reader: &mut impl BufRead) -> io::Result<Option<Request>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut words = line.split_whitespace();
    let (Some(method), Some(target)) = (words.next(), words.next()) else {
        return Err(io::Error::new(io::ErrorKind::InvalidData, format!("bad request line {line:?}")));
    };
    let path = target.split('?').next().unwrap_or(target).to_string();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 {
            return Ok(None);
        }
        if header.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    Ok(Some(Request { method: method.to_string(), path, headers }))
}

/// What a `Range` header asks of a body of `len` bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum RangeAsk {
    /// No usable range: the whole body, 200.
    Full,
    /// Inclusive byte positions, 206.
    Part(u64, u64),
    /// 416.
    Unsatisfiable,
}

/// Parses `bytes=a-b`, `bytes=a-` and `bytes=-n` (one range only).
pub fn parse_range(header: Option<&str>, len: u64) -> RangeAsk {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return RangeAsk::Full;
    };
    let Some((a, b)) = spec.trim().split_once('-').filter(|_| !spec.contains(',')) else {
        return RangeAsk::Full;
    };
    let (a, b) = (a.trim(), b.trim());
    if a.is_empty() {
        let Ok(n) = b.parse::<u64>() else { return RangeAsk::Full };
        if n == 0 || len == 0 {
            return RangeAsk::Unsatisfiable;
        }
        return RangeAsk::Part(len.saturating_sub(n), len - 1);
    }
    let Ok(start) = a.parse::<u64>() else { return RangeAsk::Full };
    if start >= len {
        return RangeAsk::Unsatisfiable;
    }
    match b {
        "" => RangeAsk::Part(start, len - 1),
        _ => match b.parse::<u64>() {
            Ok(end) if end >= start => RangeAsk::Part(start, end.min(len - 1)),
            _ => RangeAsk::Full,
        },
    }
}

/// What to answer, with the faults to put on the wire.
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    /// Extra headers, such as `("ETag", "\"x\"")`.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Announced `Content-Length`; the body's length when `None`.
    pub content_length: Option<usize>,
    /// Answer a satisfiable `Range: bytes=N-`, `bytes=N-M` or `bytes=-N` with a 206 of those bytes.
    pub ranges: bool,
    /// Close the connection after this many bytes of the body.
    pub cut_after: Option<usize>,
    /// After this many bytes of the body, wait this long before the rest.
    pub stall_after: Option<(usize, Duration)>,
}

impl Response {
    pub fn new(status: u16, body: impl AsRef<[u8]>) -> Response {
        Response {
            status,
            headers: vec![],
            body: body.as_ref().to_vec(),
            content_length: None,
            ranges: false,
            cut_after: None,
            stall_after: None,
        }
    }

    pub fn ok(body: impl AsRef<[u8]>) -> Response {
        Response::new(200, body)
    }

    /// `status` with the body `status {status}`.
    pub fn status(status: u16) -> Response {
        Response::new(status, format!("status {status}"))
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Response {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// Honours `Range` (see [`Response::ranges`]).
    pub fn ranged(self) -> Response {
        Response { ranges: true, ..self }
    }
}

/// One request and what the server answered: status and body bytes sent.
#[derive(Clone, Debug)]
pub struct Exchange {
    pub request: Request,
    pub status: u16,
    pub body_bytes: usize,
}

type Handler = dyn Fn(&Request) -> Response + Send + Sync;
/// Per path: the responses in turn (the last repeats) and the requests so far.
type Scripts = Arc<Mutex<HashMap<String, (Vec<Response>, usize)>>>;

/// The running server; it lives until the test process ends.
pub struct Server {
    base: String,
    log: Arc<Mutex<Vec<Exchange>>>,
    scripts: Scripts,
}

impl Server {
    /// Serves `handler`'s responses.
    pub fn start(handler: impl Fn(&Request) -> Response + Send + Sync + 'static) -> Server {
        Server::serve(Arc::new(handler), Scripts::default())
    }

    /// Serves the scripts given to [`Server::route`]; other paths get a 404.
    pub fn scripted() -> Server {
        let scripts = Scripts::default();
        let s = Arc::clone(&scripts);
        let handler = move |request: &Request| {
            let mut scripts = s.lock().unwrap();
            let Some((replies, count)) = scripts.get_mut(&request.path) else {
                return Response::status(404);
            };
            *count += 1;
            replies[(*count - 1).min(replies.len() - 1)].clone()
        };
        Server::serve(Arc::new(handler), scripts)
    }

    fn serve(handler: Arc<Handler>, scripts: Scripts) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let log: Arc<Mutex<Vec<Exchange>>> = Arc::default();
        let l = Arc::clone(&log);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (h, l) = (Arc::clone(&handler), Arc::clone(&l));
                // A thread a connection: one that stalls holds up no other.
                thread::spawn(move || answer(stream, &*h, &l));
            }
        });
        Server { base, log, scripts }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Answers `path` with `replies` in turn, the last one repeating; its URL.
    pub fn route(&self, path: &str, replies: Vec<Response>) -> String {
        assert!(!replies.is_empty(), "a route needs a response");
        self.scripts.lock().unwrap().insert(path.to_string(), (replies, 0));
        self.url(path)
    }

    /// Every exchange so far, in the order they were answered.
    pub fn log(&self) -> Vec<Exchange> {
        self.log.lock().unwrap().clone()
    }

    /// The requests for `path` so far, in order.
    pub fn requests_to(&self, path: &str) -> Vec<Request> {
        self.log().into_iter().map(|e| e.request).filter(|r| r.path == path).collect()
    }

    pub fn hits(&self, path: &str) -> usize {
        self.requests_to(path).len()
    }
}

/// Reads one request and writes `handler`'s response, with its faults.
fn answer(mut stream: TcpStream, handler: &Handler, log: &Mutex<Vec<Exchange>>) {
    let read = stream.try_clone().and_then(|s| read_request(&mut BufReader::new(s)));
    let Ok(Some(request)) = read else {
        return;
    };
    let mut reply = handler(&request);
    let total = reply.body.len();
    let ask = if reply.ranges { parse_range(request.header("range"), total as u64) } else { RangeAsk::Full };
    if let RangeAsk::Part(first, last) = ask {
        let (first, last) = (first as usize, last as usize);
        reply.headers.push(("Content-Range".into(), format!("bytes {first}-{last}/{total}")));
        reply.status = 206;
        reply.body = reply.body[first..=last].to_vec();
    }
    let sent = reply.cut_after.unwrap_or(reply.body.len()).min(reply.body.len());
    log.lock().unwrap().push(Exchange { request, status: reply.status, body_bytes: sent });
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Length: {}\r\nConnection: close\r\n",
        reply.status,
        reason(reply.status),
        reply.content_length.unwrap_or(reply.body.len())
    );
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let mut body = &reply.body[..sent];
    if let Some((after, pause)) = reply.stall_after {
        let (first, rest) = body.split_at(after.min(body.len()));
        let _ = stream.write_all(first);
        let _ = stream.flush();
        thread::sleep(pause);
        body = rest;
    }
    let _ = stream.write_all(body);
    let _ = stream.flush();
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        302 => "Found",
        304 => "Not Modified",
        403 => "Forbidden",
        404 => "Not Found",
        416 => "Range Not Satisfiable",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        _ => "Status",
    }
}
