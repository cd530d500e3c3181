//! Small documents read whole (index pages, `.metadata` files): the body is
//! checked against its `Content-Length`, and a body that breaks off is
//! reported as [`Attempt::Again`], so callers retry it with the one policy
//! ([`super::HttpOptions::retry`]) as wheel-fetch retries downloads.

use std::io::Read;

use anyhow::anyhow;
use ureq::http::HeaderMap;
use ureq::ResponseExt;

use super::{redact, Attempt, Client};

/// A response read whole.
pub struct Whole {
    pub status: u16,
    /// Where the answer came from after redirects, without credentials.
    pub final_url: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Whole {
    /// A header's value, trimmed; `None` when absent, empty or not text.
    pub fn header(&self, name: &str) -> Option<&str> {
        let value = self.headers.get(name)?.to_str().ok()?.trim();
        (!value.is_empty()).then_some(value)
    }
}

impl Client {
    /// One GET (the client retries failed connections and busy statuses),
    /// its body read whole, at most `limit` bytes. A body that breaks off
    /// or is shorter than its `Content-Length` is [`Attempt::Again`]; a
    /// request that failed for good, or a body over `limit`, is
    /// [`Attempt::Stop`]. The status is the caller's to judge.
    pub fn get_whole(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        limit: u64,
    ) -> Result<Whole, Attempt<anyhow::Error>> {
        let shown = redact(url);
        let response = self.get(url, headers).map_err(|e| Attempt::Stop(e.into()))?;
        let status = response.status().as_u16();
        let final_url = redact(&response.get_uri().to_string());
        let (parts, body) = response.into_parts();
        let announced: Option<u64> = (!parts.headers.contains_key("content-encoding"))
            .then(|| parts.headers.get("content-length")?.to_str().ok()?.trim().parse().ok())
            .flatten();
        if announced.is_some_and(|n| n > limit) {
            let n = announced.unwrap_or_default();
            return Err(Attempt::Stop(anyhow!("{shown}: the answer is {n} bytes, more than {limit}")));
        }
        let mut bytes = Vec::new();
        let read = body.into_reader().take(limit + 1).read_to_end(&mut bytes);
        let of = announced.map_or(String::new(), |n| format!(" of {n}"));
        if let Err(e) = read {
            let got = bytes.len();
            let err =
                anyhow::Error::new(e).context(format!("{shown}: the body broke off after {got}{of} bytes"));
            return Err(Attempt::Again(err));
        }
        if bytes.len() as u64 > limit {
            return Err(Attempt::Stop(anyhow!("{shown}: the answer is more than {limit} bytes")));
        }
        let body = bytes;
        if let Some(n) = announced.filter(|&n| n != body.len() as u64) {
            let got = body.len();
            return Err(Attempt::Again(anyhow!(
                "{shown}: the response body broke off: got {got} of {n} bytes"
            )));
        }
        Ok(Whole { status, final_url, headers: parts.headers, body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::HttpOptions;
    use crate::test_server::{Response, Server};

    #[test]
    fn a_short_body_may_pass_next_time_one_over_the_limit_will_not() {
        let server = Server::scripted();
        let cut = Response { content_length: Some(15), ..Response::ok("0123456789") };
        let url = server.route("/p", vec![cut, Response::ok("0123456789")]);
        let http = Client::new(HttpOptions { retries: 0, ..HttpOptions::default() }).unwrap();
        assert!(matches!(http.get_whole(&url, &[], 100), Err(Attempt::Again(_))));
        let whole = http.get_whole(&url, &[], 100).map_err(|_| "no").unwrap();
        assert_eq!((whole.status, whole.body.as_slice()), (200, b"0123456789".as_slice()));
        match http.get_whole(&url, &[], 5) {
            Err(Attempt::Stop(e)) => assert!(e.to_string().contains("more than 5"), "{e}"),
            _ => panic!("a body over the limit is no broken body"),
        }
    }
}
