//! Reading a wheel's METADATA from a full download as its bytes arrive:
//! walking the zip's local file headers from the start, skipping each entry,
//! and stopping as soon as the `.dist-info/METADATA` entry has been read,
//! without downloading the rest. Wheels keep `.dist-info` last, so this
//! often reads the whole file anyway; it pays off for the others.
//!
//! What the local headers allow: an entry whose header gives its size is
//! skipped or read by that size. An entry with a data descriptor (flag bit 3)
//! has no size up front: a deflated one ends where its deflate stream ends,
//! so it is inflated (to nowhere, or into METADATA) and its descriptor
//! skipped; a stored one gives no safe end, so the walk gives up there.
//!
//! Stopping early means the central directory, the zip's authority, is never
//! seen: a local header could name an entry the directory does not have, and
//! a second `.dist-info` folder could come later. So an early stop needs
//! every check this side of the directory: the entry is
//! `{name}-{version}.dist-info/METADATA` for the wheel filename's name and
//! version, not encrypted, its CRC-32 and size match its header (or
//! descriptor), and its text parses as core metadata whose Name and Version
//! are the filename's. When any check fails, or the walk gives up (a stored
//! entry with a descriptor, an unknown method, no local header where one
//! should be, a body that is not a zip), the rest of the body is read and the
//! whole file is read through its central directory, as before: the walk
//! only ever ends a download early, it never decides an answer the full read
//! would not give. One exception saves a useless download: a body that does
//! not start with a local header (an HTML error page, say) is no wheel, and
//! is an error at once, naming the URL and showing its first bytes.
//!
//! Every byte received goes to a [`Spill`]: memory for the first few MB, a
//! temporary file after, so the full read never holds a wheel in memory.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read, Seek, Write};

use anyhow::{anyhow, bail, Context, Result};
use flate2::bufread::DeflateDecoder;

use super::dist_info::{dist_info_matches, read_wheel_file, url_filename, Transfer, METADATA_LIMIT};
use super::zip_tail::{self, Entry};
use super::CoreMetadata;
use crate::http::{redact, Body, Response};
use crate::wheel_name::WheelFilename;

const LOCAL_SIG: u32 = 0x0403_4b50;
const DESCRIPTOR_SIG: u32 = 0x0807_4b50;
const ZIP64_EXTRA_TAG: u16 = 0x0001;
/// Bytes kept in memory before the spill moves to a temporary file.
const SPILL_IN_MEMORY: usize = 4 * 1024 * 1024;
/// The read buffer between the network and the walk.
const BUFFER: usize = 64 * 1024;
/// The most bytes read after an early stop, to end the body cleanly.
const DRAIN: u64 = 64 * 1024;

/// How a streamed read ended.
#[derive(Debug)]
pub(super) struct Streamed {
    pub meta: CoreMetadata,
    /// Bytes of the body received (less than the wheel when stopped early).
    pub bytes: u64,
}

/// Reads the METADATA of the wheel whose body `body` streams, from `url`
/// (named in errors; its last segment is the wheel's filename). `length` is
/// the body's Content-Length when the server gave one: after an early stop,
/// a rest of at most [`DRAIN`] bytes is read anyway, since it is in flight
/// already and a body read to its end keeps the connection for the next
/// request.
pub(super) fn read(body: impl Read, url: &str, length: Option<u64>) -> Result<Streamed> {
    let shown = redact(url);
    let filename = url_filename(url);
    let mut input =
        BufReader::with_capacity(BUFFER, Tee { inner: body, spill: Spill::default(), broken: None });
    let wanted = WheelFilename::parse(&filename).ok();
    if let Some(wheel) = &wanted {
        let walked = walk(&mut input, wheel);
        if let Ok(Walk::NotZip(head)) = walked {
            // Say so now rather than after downloading whatever this is.
            let head = String::from_utf8_lossy(&head).escape_debug().to_string();
            bail!("{shown} is not a wheel (not a zip file): its body starts with \"{head}\"");
        }
        if let Ok(Walk::Found(meta)) = walked {
            let mut tee = input.into_inner();
            let rest = length.map(|len| len.saturating_sub(tee.spill.len));
            if rest.is_some_and(|rest| rest <= DRAIN) {
                // METADATA is read: a broken rest changes nothing.
                let _ = io::copy(&mut tee.by_ref().take(DRAIN), &mut io::sink());
            }
            return Ok(Streamed { meta, bytes: tee.spill.len });
        }
    }
    // The walk gave up, or the name is no wheel's: read it all, then the
    // whole file through its central directory.
    let mut tee = input.into_inner();
    if let Some(broken) = tee.broken.take() {
        return Err(anyhow!("{shown}: the download broke off: {broken}"));
    }
    io::copy(&mut tee, &mut io::sink()).with_context(|| format!("{shown}: the download broke off"))?;
    let bytes = tee.spill.len;
    let meta = match tee.spill.into_reader().context("cannot read back the temporary download")? {
        Spilled::Memory(cursor) => read_wheel_file(cursor, &filename, &shown)?,
        Spilled::File(file) => read_wheel_file(file, &filename, &shown)?,
    };
    Ok(Streamed { meta, bytes })
}

/// How the walk over the local headers ended.
enum Walk {
    /// The wheel's METADATA, read and checked.
    Found(CoreMetadata),
    /// Nothing to trust before the central directory: read it all.
    GiveUp,
    /// The body does not start as a zip does; its first bytes.
    NotZip(Vec<u8>),
}

/// Reads a whole wheel's body as it arrives ([`read`]), stopping once
/// its METADATA has been read where the zip's local headers allow, else
/// reading it all (in memory up to a few MB, then in a temporary file);
/// adds the bytes received to `done`.
pub(super) fn read_download(
    response: Response<Body>,
    url: &str,
    done: &mut Transfer,
) -> Result<CoreMetadata> {
    let length = response.headers().get("content-length").and_then(|v| v.to_str().ok()?.trim().parse().ok());
    let streamed = read(response.into_body().into_reader(), url, length)?;
    done.bytes += streamed.bytes;
    Ok(streamed.meta)
}

/// Walks the local headers up to the wheel's METADATA.
fn walk(input: &mut impl BufRead, wheel: &WheelFilename) -> io::Result<Walk> {
    let mut first = true;
    loop {
        let mut fixed = [0u8; zip_tail::LOCAL_LEN as usize];
        input.read_exact(&mut fixed)?;
        if u32_at(&fixed, 0) != LOCAL_SIG {
            // A wheel starts with a local header; later, this is the central directory.
            return Ok(if first { Walk::NotZip(fixed[..16].to_vec()) } else { Walk::GiveUp });
        }
        first = false;
        let flags = u16_at(&fixed, 6);
        let mut entry = Entry {
            name: String::new(),
            flags,
            method: u16_at(&fixed, 8),
            compressed_size: u64::from(u32_at(&fixed, 18)),
            uncompressed_size: u64::from(u32_at(&fixed, 22)),
            crc32: u32_at(&fixed, 14),
            local_offset: 0,
            name_len: u64::from(u16_at(&fixed, 26)),
            extra_len: u64::from(u16_at(&fixed, 28)),
        };
        let crc = entry.crc32;
        let mut name = vec![0u8; entry.name_len as usize];
        input.read_exact(&mut name)?;
        let mut extra = vec![0u8; entry.extra_len as usize];
        input.read_exact(&mut extra)?;
        entry.name = String::from_utf8_lossy(&name).into_owned();
        let zip64 = apply_zip64_extra(&mut entry, &extra);
        let descriptor = flags & 8 != 0;
        let top = entry.name.split_once('/').map(|(top, _)| top);
        if top.is_some_and(|top| top.ends_with(".dist-info") && !dist_info_matches(top, wheel)) {
            return Ok(Walk::GiveUp); // another .dist-info folder: the central directory decides
        }
        if !is_metadata(&entry.name, wheel) {
            if !skip(input, &entry, descriptor, zip64)? {
                return Ok(Walk::GiveUp);
            }
            continue;
        }
        if flags & 1 != 0 {
            return Ok(Walk::GiveUp);
        }
        return read_metadata(input, &entry, (crc, descriptor, zip64), wheel);
    }
}

/// Skips an entry's data (and its descriptor); false when its end cannot
/// be known (a stored entry with a descriptor) or the body ends first.
fn skip(input: &mut impl BufRead, entry: &Entry, descriptor: bool, zip64: bool) -> io::Result<bool> {
    if !descriptor {
        let skipped = io::copy(&mut input.by_ref().take(entry.compressed_size), &mut io::sink())?;
        Ok(skipped == entry.compressed_size)
    } else if entry.method == 8 {
        io::copy(&mut DeflateDecoder::new(input.by_ref()), &mut io::sink())?;
        read_descriptor(input, zip64)?;
        Ok(true)
    } else {
        Ok(false) // a stored entry of unknown length
    }
}

/// Reads the METADATA entry whose local header was just read, and checks
/// it: its CRC-32 and size (the header's `crc`, or its descriptor's), its
/// text, and its name and version against the wheel filename's.
fn read_metadata(
    input: &mut impl BufRead,
    entry: &Entry,
    (crc, descriptor, zip64): (u32, bool, bool),
    wheel: &WheelFilename,
) -> io::Result<Walk> {
    let (data, crc, size) = if !descriptor {
        if entry.compressed_size > METADATA_LIMIT {
            return Ok(Walk::GiveUp);
        }
        let mut raw = Vec::with_capacity(entry.compressed_size as usize);
        input.by_ref().take(entry.compressed_size).read_to_end(&mut raw)?;
        match zip_tail::decompress(entry, &raw, METADATA_LIMIT) {
            Ok(data) => (data, crc, entry.uncompressed_size),
            Err(_) => return Ok(Walk::GiveUp),
        }
    } else if entry.method == 8 {
        let mut data = Vec::new();
        DeflateDecoder::new(input.by_ref()).take(METADATA_LIMIT + 1).read_to_end(&mut data)?;
        if data.len() as u64 > METADATA_LIMIT {
            return Ok(Walk::GiveUp);
        }
        let (crc, size) = read_descriptor(input, zip64)?;
        (data, crc, size)
    } else {
        return Ok(Walk::GiveUp);
    };
    let mut actual = flate2::Crc::new();
    actual.update(&data);
    if actual.sum() != crc || data.len() as u64 != size {
        return Ok(Walk::GiveUp);
    }
    let Ok(text) = String::from_utf8(data) else { return Ok(Walk::GiveUp) };
    let Ok(meta) = CoreMetadata::parse(&text, &entry.name) else { return Ok(Walk::GiveUp) };
    let same = crate::names::same_release((&meta.name, &meta.version), (&wheel.name, &wheel.version));
    Ok(if same { Walk::Found(meta) } else { Walk::GiveUp })
}

/// Whether a zip entry is the wheel's `{name}-{version}.dist-info/METADATA`.
fn is_metadata(entry: &str, wheel: &WheelFilename) -> bool {
    entry
        .strip_suffix("/METADATA")
        .filter(|folder| folder.ends_with(".dist-info") && !folder.contains('/'))
        .is_some_and(|folder| dist_info_matches(folder, wheel))
}

/// Reads a data descriptor (its signature optional; 64-bit sizes when the
/// local header had a ZIP64 field): the CRC-32 and the uncompressed size.
fn read_descriptor(input: &mut impl BufRead, zip64: bool) -> io::Result<(u32, u64)> {
    let mut word = [0u8; 4];
    input.read_exact(&mut word)?;
    if u32::from_le_bytes(word) == DESCRIPTOR_SIG {
        input.read_exact(&mut word)?;
    }
    let crc = u32::from_le_bytes(word);
    let size = if zip64 {
        let mut sizes = [0u8; 16];
        input.read_exact(&mut sizes)?;
        u64::from_le_bytes(sizes[8..].try_into().expect("8 bytes"))
    } else {
        let mut sizes = [0u8; 8];
        input.read_exact(&mut sizes)?;
        u64::from(u32_at(&sizes, 4))
    };
    Ok((crc, size))
}

/// Applies a local header's ZIP64 extra field (both sizes, uncompressed
/// first, when either is saturated); true when the header has one.
fn apply_zip64_extra(entry: &mut Entry, mut extra: &[u8]) -> bool {
    while extra.len() >= 4 {
        let (tag, len) = (u16_at(extra, 0), usize::from(u16_at(extra, 2)));
        let Some(data) = extra.get(4..4 + len) else { return false };
        if tag == ZIP64_EXTRA_TAG {
            let mut values = data.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")));
            for field in [&mut entry.uncompressed_size, &mut entry.compressed_size] {
                if *field == 0xFFFF_FFFF {
                    *field = values.next().unwrap_or(u64::MAX);
                }
            }
            return true;
        }
        extra = &extra[4 + len..];
    }
    false
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

/// A reader that keeps every byte it passes on in a [`Spill`], and the
/// inner reader's error, so a broken download is told from a short zip.
struct Tee<R> {
    inner: R,
    spill: Spill,
    broken: Option<String>,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf).inspect_err(|e| self.broken = Some(e.to_string()))?;
        self.spill.write_all(&buf[..n])?;
        Ok(n)
    }
}

/// Bytes kept in memory up to [`SPILL_IN_MEMORY`], then in a temporary file.
#[derive(Debug, Default)]
struct Spill {
    memory: Vec<u8>,
    file: Option<File>,
    len: u64,
}

/// A [`Spill`] read back from its start.
enum Spilled {
    Memory(Cursor<Vec<u8>>),
    File(File),
}

impl Spill {
    fn into_reader(self) -> io::Result<Spilled> {
        match self.file {
            Some(mut file) => {
                file.rewind()?;
                Ok(Spilled::File(file))
            }
            None => Ok(Spilled::Memory(Cursor::new(self.memory))),
        }
    }
}

impl Write for Spill {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.file.is_none() && self.memory.len() + buf.len() > SPILL_IN_MEMORY {
            let mut file = tempfile::tempfile()?;
            file.write_all(&self.memory)?;
            self.memory = Vec::new();
            self.file = Some(file);
        }
        match &mut self.file {
            Some(file) => file.write_all(buf)?,
            None => self.memory.extend_from_slice(buf),
        }
        self.len += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.as_mut().map_or(Ok(()), Write::flush)
    }
}

#[cfg(test)]
#[path = "stream_tests.rs"]
mod tests;
