//! Hashing: the one [`Sha256`] digest type (parsed and checked once, shown as
//! lowercase hex in records, cache paths and messages), sha256 while
//! streaming, and the urlsafe base64 without padding that RECORD files use.

use std::fmt;
use std::io::{self, Read, Write};
use std::str::FromStr;

use base64::Engine;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::Digest;

type Hasher = sha2::Sha256;

/// A sha256 digest. Parsed from 64 hex digits in either case, shown as 64
/// lowercase ones: a value of this type is always a well-formed digest, so
/// a path built from it cannot leave its folder.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha256([u8; 32]);

/// A string that is not 64 hex digits.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid sha256 {0:?} (64 hex digits expected)")]
pub struct InvalidSha256(pub String);

impl Sha256 {
    /// 64 hex digits, any case.
    pub fn parse(text: &str) -> Result<Sha256, InvalidSha256> {
        let bytes = text.as_bytes();
        if bytes.len() != 64 {
            return Err(InvalidSha256(text.to_string()));
        }
        let mut digest = [0u8; 32];
        for (i, pair) in bytes.chunks(2).enumerate() {
            let (Some(hi), Some(lo)) = (nibble(pair[0]), nibble(pair[1])) else {
                return Err(InvalidSha256(text.to_string()));
            };
            digest[i] = hi << 4 | lo;
        }
        Ok(Sha256(digest))
    }

    pub fn from_digest(digest: [u8; 32]) -> Sha256 {
        Sha256(digest)
    }

    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Sha256 {
        Sha256(Hasher::digest(bytes).into())
    }

    pub fn digest(&self) -> &[u8; 32] {
        &self.0
    }

    /// True when `text` is this digest in hex (any case).
    pub fn is(&self, text: &str) -> bool {
        Sha256::parse(text).is_ok_and(|other| other == *self)
    }
}

fn nibble(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256({self})")
    }
}

impl FromStr for Sha256 {
    type Err = InvalidSha256;
    fn from_str(text: &str) -> Result<Sha256, InvalidSha256> {
        Sha256::parse(text)
    }
}

impl Serialize for Sha256 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Sha256 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Sha256, D::Error> {
        let text = String::deserialize(d)?;
        Sha256::parse(&text).map_err(serde::de::Error::custom)
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `sha256=<urlsafe base64, no padding>` as in a wheel's RECORD.
pub fn record_hash(digest: &[u8]) -> String {
    format!("sha256={}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::of(bytes).to_string()
}

/// A writer that hashes and counts what passes through it.
pub struct HashingWriter<W> {
    inner: W,
    hasher: Hasher,
    len: u64,
}

impl<W: Write> HashingWriter<W> {
    pub fn new(inner: W) -> Self {
        HashingWriter { inner, hasher: Hasher::new(), len: 0 }
    }
    /// The inner writer, the sha256 digest and the byte count.
    pub fn finish(self) -> (W, [u8; 32], u64) {
        (self.inner, self.hasher.finalize().into(), self.len)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The sha256 and length of everything a reader yields.
pub fn sha256_reader(reader: impl Read) -> io::Result<([u8; 32], u64)> {
    let mut w = HashingWriter::new(io::sink());
    // io::copy reads a BufReader's whole buffer at a time, not 8 KB.
    io::copy(&mut io::BufReader::with_capacity(256 * 1024, reader), &mut w)?;
    let (_, digest, len) = w.finish();
    Ok((digest, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_hash_is_urlsafe_without_padding() {
        let d: [u8; 32] = Hasher::digest(b"").into();
        assert_eq!(record_hash(&d), "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
        assert_eq!(hex(&d), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    #[test]
    fn a_sha256_is_64_hex_digits_of_either_case_shown_in_lowercase() {
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let parsed = Sha256::parse(&empty.to_ascii_uppercase()).unwrap();
        assert_eq!(parsed, Sha256::of(b""));
        assert_eq!(parsed.to_string(), empty);
        assert!(parsed.is(empty));
        for bad in ["", "abc", &empty[1..], &format!("{}g", &empty[1..]), &format!("{empty}0"), "../x"] {
            assert!(Sha256::parse(bad).is_err(), "{bad:?}");
        }
        let json = serde_json::to_string(&parsed).unwrap();
        assert_eq!(serde_json::from_str::<Sha256>(&json).unwrap(), parsed);
        assert!(serde_json::from_str::<Sha256>("\"abc\"").is_err());
    }
}
