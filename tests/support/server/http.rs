//! The HTTP/1.1 side of the test server: writing a response with the faults
//! that touch the wire (a connection dropped midway, a Content-Length too
//! long or too short).
//! Reading a request head and parsing a `Range` header are common's test
//! server's (the `test-support` feature).

use std::io::{self, Write};

pub use wheelpipe::test_server::{parse_range, read_request, RangeAsk, Request};

/// A response about to be written.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response { status, headers: vec![("Content-Type".into(), content_type.into())], body: body.into() }
    }

    pub fn not_found() -> Response {
        Response::new(404, "text/plain", "not found\n")
    }

    pub fn header(mut self, k: &str, v: impl Into<String>) -> Response {
        self.headers.push((k.to_string(), v.into()));
        self
    }
}

/// How the body goes on the wire.
#[derive(Clone, Copy, Debug, Default)]
pub struct WireFaults {
    /// Send only this many body bytes, then close.
    pub cut_after: Option<usize>,
    /// Announce this many extra bytes, send the real body, then close.
    pub extra_length: usize,
    /// Announce and send this many bytes fewer than the body, then close.
    pub short_by: usize,
    /// Send the body at this many bytes a second at most.
    pub pace: Option<u64>,
}

/// Writes `resp` (without the body for HEAD). Returns the body bytes sent and
/// whether the connection must be closed afterwards.
pub fn write_response(
    w: &mut impl Write,
    resp: &Response,
    head_only: bool,
    close: bool,
    faults: WireFaults,
) -> io::Result<(u64, bool)> {
    let reason = match resp.status {
        200 => "OK",
        206 => "Partial Content",
        404 => "Not Found",
        416 => "Range Not Satisfiable",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    };
    let mut head = format!("HTTP/1.1 {} {reason}\r\n", resp.status);
    for (k, v) in &resp.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    let close = close || faults.cut_after.is_some() || faults.extra_length > 0 || faults.short_by > 0;
    let shown = resp.body.len().saturating_sub(faults.short_by);
    head.push_str(&format!("Content-Length: {}\r\n", shown + faults.extra_length));
    head.push_str(if close { "Connection: close\r\n\r\n" } else { "Connection: keep-alive\r\n\r\n" });
    w.write_all(head.as_bytes())?;
    if head_only {
        w.flush()?;
        return Ok((0, close));
    }
    let body = match faults.cut_after {
        Some(n) => &resp.body[..n.min(shown)],
        None => &resp.body[..shown],
    };
    match faults.pace {
        Some(rate) => {
            // Pieces of a hundredth of a second each.
            let piece = (rate as usize / 100).max(1);
            for part in body.chunks(piece) {
                w.write_all(part)?;
                w.flush()?;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        }
        None => w.write_all(body)?,
    }
    w.flush()?;
    Ok((body.len() as u64, close))
}
