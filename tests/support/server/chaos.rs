//! Faults at random, for the tests that run the real pipeline through a
//! misbehaving index: a fixed seed and a rate decide, for each request by
//! its arrival number, whether it meets one fault and which. The faults are
//! the ones met in the wild: a body cut mid-way, 500 and 503, 429 with
//! `Retry-After`, a `Content-Length` too long or too short, a `Range`
//! ignored, a flipped byte, a stall longer than the client's timeout, and a
//! gateway's HTML error page for an index page. A flipped byte is only put
//! into whole files (wheels, `.metadata` files): those have a sha256 to
//! check it against; a page or a ranged read has none.

use std::time::Duration;

use super::http::{Request, Response, WireFaults};

/// Random faults: `percent` of the requests meet one.
#[derive(Clone, Copy, Debug)]
pub struct Chaos {
    pub seed: u64,
    pub percent: u64,
    /// How long a stalled answer waits: longer than the client's timeout.
    pub stall: Duration,
}

/// One fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The connection closes after half the body.
    Cut,
    Status500,
    Status503,
    /// 429 with `Retry-After: 1`.
    TooMany,
    /// A `Content-Length` 100 bytes too long, then the connection closes.
    LongLength,
    /// A `Content-Length` a third too short, that many bytes, then close.
    ShortLength,
    /// A `Range` answered with the whole file (200).
    IgnoreRange,
    /// One byte of the body flipped.
    Flip,
    /// The answer waits [`Chaos::stall`].
    Stall,
    /// 502 with a gateway's HTML page, for an index page.
    ErrorPage,
}

const ALL: [Fault; 10] = [
    Fault::Cut,
    Fault::Status500,
    Fault::Status503,
    Fault::TooMany,
    Fault::LongLength,
    Fault::ShortLength,
    Fault::IgnoreRange,
    Fault::Flip,
    Fault::Stall,
    Fault::ErrorPage,
];

/// splitmix64: a well-spread 64-bit value for each input.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

impl Chaos {
    /// The fault for the request that arrived `n`th, if it meets one that
    /// fits it (a GET; a flip only for a whole file; an error page only for
    /// an index page; an ignored range only for a ranged request).
    pub fn pick(&self, n: usize, req: &Request) -> Option<Fault> {
        let roll = mix(self.seed ^ mix(n as u64));
        if req.method != "GET" || roll % 100 >= self.percent {
            return None;
        }
        let fault = ALL[((roll / 100) % ALL.len() as u64) as usize];
        let ranged = req.header("range").is_some();
        let page = req.path.starts_with("/simple/");
        let fits = match fault {
            Fault::Flip => !ranged && req.path.starts_with("/files/"),
            Fault::ErrorPage => page,
            Fault::IgnoreRange => ranged,
            _ => true,
        };
        fits.then_some(fault)
    }

    /// The answer that replaces the real one, for the faults that do.
    pub fn replace(fault: Fault) -> Option<Response> {
        let plain = |status| Response::new(status, "text/plain", format!("injected {status}\n"));
        match fault {
            Fault::Status500 => Some(plain(500)),
            Fault::Status503 => Some(plain(503)),
            Fault::TooMany => Some(plain(429).header("Retry-After", "1")),
            Fault::ErrorPage => Some(Response::new(
                502,
                "text/html",
                "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>\n",
            )),
            _ => None,
        }
    }

    /// Damages the real answer `resp` on the wire, for the faults that do.
    pub fn damage(fault: Fault, resp: &mut Response, wire: &mut WireFaults) {
        let len = resp.body.len();
        if len < 2 || !matches!(resp.status, 200 | 206) {
            return;
        }
        match fault {
            Fault::Cut => wire.cut_after = Some(len / 2),
            Fault::LongLength => wire.extra_length = 100,
            Fault::ShortLength => wire.short_by = len / 3 + 1,
            Fault::Flip => resp.body[len / 2] ^= 0x01,
            _ => {}
        }
    }
}
