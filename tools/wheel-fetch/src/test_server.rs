//! A tiny HTTP/1.1 server on 127.0.0.1 for the tests: each path answers
//! from a script of responses (the last one repeats), which may honour
//! `Range` (`bytes=N-` or `bytes=N-M`), carry extra headers or cut the body short; the server counts the
//! requests it got per path and keeps their `Range` and `If-Range` headers.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

/// One scripted answer.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    /// Announced `Content-Length`; the body's length when `None`.
    pub content_length: Option<usize>,
    /// Answer a `Range: bytes=N-` or `bytes=N-M` with a 206 of those bytes.
    pub ranges: bool,
    /// Close the connection after this many bytes of the body.
    pub cut_after: Option<usize>,
    /// After this many bytes of the body, wait this many milliseconds
    /// before the rest (a server that stalls midway).
    pub stall_after: Option<(usize, u64)>,
    /// Extra header lines, such as `ETag: "x"`.
    pub headers: Vec<String>,
}

impl Reply {
    pub fn ok(body: &[u8]) -> Reply {
        Reply {
            status: 200,
            body: body.to_vec(),
            content_length: None,
            ranges: false,
            cut_after: None,
            stall_after: None,
            headers: vec![],
        }
    }
    pub fn status(status: u16) -> Reply {
        Reply { status, ..Reply::ok(format!("status {status}").as_bytes()) }
    }
}

/// The headers of one request that the tests look at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Asked {
    pub range: Option<String>,
    pub if_range: Option<String>,
}

type Script = HashMap<String, Vec<Reply>>;

pub struct Server {
    pub base: String,
    script: Arc<Mutex<Script>>,
    hits: Arc<Mutex<HashMap<String, Vec<Asked>>>>,
}

impl Server {
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let script: Arc<Mutex<Script>> = Arc::default();
        let hits: Arc<Mutex<HashMap<String, Vec<Asked>>>> = Arc::default();
        let (s, h) = (Arc::clone(&script), Arc::clone(&hits));
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (s, h) = (Arc::clone(&s), Arc::clone(&h));
                // A thread a connection: one that stalls holds up no other.
                thread::spawn(move || Server::answer(stream, &s, &h));
            }
        });
        Server { base, script, hits }
    }

    /// Reads one request and writes its scripted answer.
    fn answer(mut stream: TcpStream, s: &Mutex<Script>, h: &Mutex<HashMap<String, Vec<Asked>>>) {
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).is_err() {
            return;
        }
        let mut asked = Asked::default();
        let mut line = String::new();
        while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line.trim() != "" {
            if let Some((name, value)) = line.trim().split_once(':') {
                let value = Some(value.trim().to_string());
                match name.to_ascii_lowercase().as_str() {
                    "range" => asked.range = value,
                    "if-range" => asked.if_range = value,
                    _ => {}
                }
            }
            line.clear();
        }
        let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_string();
        let count = {
            let mut hits = h.lock().unwrap();
            let asks = hits.entry(path.clone()).or_default();
            asks.push(asked.clone());
            asks.len()
        };
        let mut reply = s.lock().unwrap().get(&path).map_or_else(
            || Reply::status(404),
            |replies| replies[(count - 1).min(replies.len() - 1)].clone(),
        );
        let range = asked.range.as_deref().and_then(|r| r.strip_prefix("bytes=")?.split_once('-'));
        let total = reply.body.len();
        let span = range.and_then(|(from, to)| {
            let from = from.parse::<usize>().ok()?;
            let to = if to.is_empty() { total - 1 } else { to.parse::<usize>().ok()?.min(total - 1) };
            Some((from, to)).filter(|&(f, t)| reply.ranges && f <= t && f < total)
        });
        if let Some((from, to)) = span {
            reply.headers.push(format!("Content-Range: bytes {from}-{to}/{total}"));
            reply.status = 206;
            reply.body = reply.body[from..=to].to_vec();
        }
        let mut head = format!(
            "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
            reply.status,
            reply.content_length.unwrap_or(reply.body.len())
        );
        for h in &reply.headers {
            head.push_str(&format!("{h}\r\n"));
        }
        head.push_str("\r\n");
        let _ = stream.write_all(head.as_bytes());
        let sent = reply.cut_after.unwrap_or(reply.body.len()).min(reply.body.len());
        let mut body = &reply.body[..sent];
        if let Some((after, ms)) = reply.stall_after {
            let (first, rest) = body.split_at(after.min(body.len()));
            let _ = stream.write_all(first);
            let _ = stream.flush();
            thread::sleep(std::time::Duration::from_millis(ms));
            body = rest;
        }
        let _ = stream.write_all(body);
        let _ = stream.flush();
    }

    /// Answers `path` with `replies`, in turn.
    pub fn route(&self, path: &str, replies: Vec<Reply>) -> String {
        self.script.lock().unwrap().insert(path.to_string(), replies);
        format!("{}{path}", self.base)
    }

    pub fn hits(&self, path: &str) -> usize {
        self.asked(path).len()
    }

    /// The requests for `path` so far, in order.
    pub fn asked(&self, path: &str) -> Vec<Asked> {
        self.hits.lock().unwrap().get(path).cloned().unwrap_or_default()
    }
}
