//! Range requests, the one home for them: what to ask for ([`ByteRange`]),
//! the one `Content-Range` parser ([`ContentRange`], a `*` total read as
//! unknown), and the reply sorted into what callers act on
//! ([`RangeReply`]): the whole file (200: the range was ignored), a part
//! (206 with a valid `Content-Range`), or a refusal (416, with the file's
//! length when the server gave it, or 501). wheel-fetch resumes and splits
//! downloads with it; the metadata reader reads a wheel's tail with it.

use super::{redact, Body, Client, HttpError, Response};

/// The bytes asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByteRange {
    /// The last `n` bytes (`bytes=-n`).
    Suffix(u64),
    /// From this offset to the end (`bytes=n-`).
    From(u64),
    /// The inclusive span (`bytes=a-b`).
    Span(u64, u64),
}

impl ByteRange {
    /// The `Range` header's value.
    pub fn header(self) -> String {
        match self {
            ByteRange::Suffix(n) => format!("bytes=-{n}"),
            ByteRange::From(a) => format!("bytes={a}-"),
            ByteRange::Span(a, b) => format!("bytes={a}-{b}"),
        }
    }

    /// True when `got` is exactly the part this range asks for (the end
    /// clipped to the file, as servers do).
    pub fn fits(self, got: &ContentRange) -> bool {
        let Some(total) = got.total else {
            return matches!(self, ByteRange::From(a) | ByteRange::Span(a, _) if a == got.first);
        };
        match self {
            ByteRange::Suffix(n) => got.last + 1 == total && got.first == total.saturating_sub(n),
            ByteRange::From(a) => got.first == a && got.last + 1 == total,
            ByteRange::Span(a, b) => got.first == a && got.last == b.min(total - 1),
        }
    }
}

/// `Content-Range: bytes FIRST-LAST/TOTAL`; TOTAL may be `*` (unknown).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContentRange {
    pub first: u64,
    /// Inclusive.
    pub last: u64,
    pub total: Option<u64>,
}

impl ContentRange {
    /// Parses the header's value; `None` when malformed, unordered, past a
    /// known total, or the unsatisfied form `bytes */N`.
    pub fn parse(value: &str) -> Option<ContentRange> {
        let (span, total) = value.trim().strip_prefix("bytes ")?.split_once('/')?;
        let (first, last) = span.split_once('-')?;
        let (first, last): (u64, u64) = (first.trim().parse().ok()?, last.trim().parse().ok()?);
        let total = match total.trim() {
            "*" => None,
            t => Some(t.parse().ok()?),
        };
        (first <= last && total.is_none_or(|t| last < t)).then_some(ContentRange { first, last, total })
    }

    /// The number of bytes in the part.
    pub fn len(&self) -> u64 {
        self.last - self.first + 1
    }

    /// Never true: a part holds at least one byte.
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// What a server answered to a (possibly) ranged GET.
pub enum RangeReply {
    /// 200: the whole file follows (a range asked for was ignored).
    Full(Response<Body>),
    /// 206: the part the `Content-Range` names follows.
    Part(ContentRange, Response<Body>),
    /// 416 (`total` from `Content-Range: bytes */N` when given) or 501.
    Refused { status: u16, total: Option<u64> },
}

impl Client {
    /// GET `url` with `Range: range` (none: the whole file) and, when given,
    /// `If-Range: if_range`, with the client's retries. Always asks for
    /// identity encoding: a range of compressed bytes is no range of the
    /// file. A 206 without a valid `Content-Range`, and any status but 200,
    /// 206, 416 and 501, is an error naming the URL.
    pub fn get_range(
        &self,
        url: &str,
        range: Option<ByteRange>,
        if_range: Option<&str>,
    ) -> Result<RangeReply, HttpError> {
        let header = range.map(ByteRange::header);
        let mut headers = vec![("Accept-Encoding", "identity")];
        if let Some(h) = &header {
            headers.push(("Range", h.as_str()));
            if let Some(v) = if_range {
                headers.push(("If-Range", v));
            }
        }
        let response = self.get(url, &headers)?;
        let status = response.status().as_u16();
        let content_range = || response.headers().get("content-range").and_then(|v| v.to_str().ok());
        match status {
            200 => Ok(RangeReply::Full(response)),
            206 => match content_range().and_then(ContentRange::parse) {
                Some(got) => Ok(RangeReply::Part(got, response)),
                None => Err(HttpError::Reply {
                    url: redact(url),
                    message: format!(
                        "asked for Range: {}, got 206 with Content-Range: {}",
                        header.as_deref().unwrap_or("(none)"),
                        content_range().unwrap_or("(none)")
                    ),
                }),
            },
            416 => {
                let total = content_range().and_then(|v| v.trim().strip_prefix("bytes */")?.parse().ok());
                Ok(RangeReply::Refused { status, total })
            }
            501 => Ok(RangeReply::Refused { status, total: None }),
            _ => Err(HttpError::Status { url: redact(url), status }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_parser_for_content_range_a_star_total_is_unknown() {
        let cr = |first, last, total| Some(ContentRange { first, last, total });
        assert_eq!(ContentRange::parse("bytes 200-999/1000"), cr(200, 999, Some(1000)));
        assert_eq!(ContentRange::parse(" bytes 0-9/* "), cr(0, 9, None));
        assert_eq!(ContentRange::parse("bytes */1000"), None);
        assert_eq!(ContentRange::parse("bytes 9-3/10"), None);
        assert_eq!(ContentRange::parse("bytes 0-10/10"), None, "past the total");
        assert_eq!(ContentRange::parse("items 0-1/2"), None);
    }

    #[test]
    fn a_part_fits_what_was_asked_for() {
        let got = |first, last, total| ContentRange { first, last, total };
        assert!(ByteRange::Suffix(10).fits(&got(90, 99, Some(100))));
        assert!(ByteRange::Suffix(200).fits(&got(0, 99, Some(100))), "a suffix longer than the file");
        assert!(!ByteRange::Suffix(10).fits(&got(80, 89, Some(100))));
        assert!(ByteRange::From(5).fits(&got(5, 99, Some(100))));
        assert!(ByteRange::From(5).fits(&got(5, 50, None)));
        assert!(!ByteRange::From(5).fits(&got(0, 99, Some(100))));
        assert!(ByteRange::Span(10, 500).fits(&got(10, 99, Some(100))), "clipped to the file");
        assert!(!ByteRange::Span(10, 20).fits(&got(10, 19, Some(100))));
        assert!(!ByteRange::Suffix(10).fits(&got(90, 99, None)), "a suffix needs the total");
    }
}
