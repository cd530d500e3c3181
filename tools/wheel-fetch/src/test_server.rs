//! A tiny HTTP/1.1 server on 127.0.0.1 for the tests: each path answers
//! from a script of responses (the last one repeats), and the server counts
//! the requests it got per path.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::thread;

/// One scripted answer.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    /// Announced `Content-Length`; the body's length when `None`.
    pub content_length: Option<usize>,
}

impl Reply {
    pub fn ok(body: &[u8]) -> Reply {
        Reply { status: 200, body: body.to_vec(), content_length: None }
    }
    pub fn status(status: u16) -> Reply {
        Reply { status, body: format!("status {status}").into_bytes(), content_length: None }
    }
}

type Script = HashMap<String, Vec<Reply>>;

pub struct Server {
    pub base: String,
    script: Arc<Mutex<Script>>,
    hits: Arc<Mutex<HashMap<String, usize>>>,
}

impl Server {
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let script: Arc<Mutex<Script>> = Arc::default();
        let hits: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let (s, h) = (Arc::clone(&script), Arc::clone(&hits));
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line.trim() != "" {
                    line.clear();
                }
                let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_string();
                let count = {
                    let mut hits = h.lock().unwrap();
                    let c = hits.entry(path.clone()).or_insert(0);
                    *c += 1;
                    *c
                };
                let reply = s.lock().unwrap().get(&path).map_or_else(
                    || Reply::status(404),
                    |replies| replies[(count - 1).min(replies.len() - 1)].clone(),
                );
                let head = format!(
                    "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    reply.status,
                    reply.content_length.unwrap_or(reply.body.len())
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&reply.body);
                let _ = stream.flush();
            }
        });
        Server { base, script, hits }
    }

    /// Answers `path` with `replies`, in turn.
    pub fn route(&self, path: &str, replies: Vec<Reply>) -> String {
        self.script.lock().unwrap().insert(path.to_string(), replies);
        format!("{}{path}", self.base)
    }

    pub fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}
