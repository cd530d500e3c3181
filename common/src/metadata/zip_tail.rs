//! Reading a zip file from pieces of it, without the zip crate's need for
//! the whole file: the End Of Central Directory record (and its ZIP64 forms)
//! in the file's tail, the central directory's entries, a local file
//! header's length, and an entry's bytes decompressed. Pure functions over
//! byte slices, so the range-request reader ([`super::range`]) can ask the
//! network for exactly the bytes they need and tests can feed them any bytes.

use std::io::Read;

use anyhow::{bail, Context, Result};

const EOCD_SIG: u32 = 0x0605_4b50;
const EOCD_LEN: usize = 22;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const ZIP64_LOCATOR_LEN: usize = 20;
const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
const ZIP64_EOCD_LEN: usize = 56;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const CENTRAL_LEN: usize = 46;
const LOCAL_SIG: u32 = 0x0403_4b50;
/// The fixed part of a local file header; its name and extra field follow.
pub const LOCAL_LEN: u64 = 30;
const ZIP64_EXTRA_TAG: u16 = 0x0001;

/// Where a zip's central directory lies, from its end records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Directory {
    pub offset: u64,
    pub size: u64,
    pub entries: u64,
}

/// One central directory entry, as far as reading an entry needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub flags: u16,
    pub method: u16,
    pub compressed_size: u64,
    pub uncompressed_size: u64,
    /// Where the entry's local header starts.
    pub local_offset: u64,
    /// The central directory's name and extra field lengths (the local
    /// header's usually match; [`local_header_len`] reads the real ones).
    pub name_len: u64,
    pub extra_len: u64,
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

/// Finds the central directory from `tail`, the last bytes of a zip file of
/// `file_len` bytes. The End Of Central Directory record is searched from
/// the end (it may be followed by a comment of up to 64 KiB); when its fields
/// are saturated or a ZIP64 locator precedes it, the ZIP64 record (which must
/// lie in `tail`) gives the real values.
pub fn find_directory(tail: &[u8], file_len: u64) -> Result<Directory> {
    let tail_start = file_len
        .checked_sub(tail.len() as u64)
        .with_context(|| format!("{} tail bytes of a {file_len}-byte file", tail.len()))?;
    if tail.len() < EOCD_LEN {
        bail!("the file is too short to be a zip ({} bytes)", tail.len());
    }
    let lowest = tail.len().saturating_sub(EOCD_LEN + usize::from(u16::MAX));
    let eocd = (lowest..=tail.len() - EOCD_LEN)
        .rev()
        .find(|&at| {
            u32_at(tail, at) == EOCD_SIG && at + EOCD_LEN + usize::from(u16_at(tail, at + 20)) == tail.len()
        })
        .context("no End Of Central Directory record at the end of the file (not a zip, or truncated)")?;
    let mut dir = Directory {
        entries: u64::from(u16_at(tail, eocd + 10)),
        size: u64::from(u32_at(tail, eocd + 12)),
        offset: u64::from(u32_at(tail, eocd + 16)),
    };
    let locator = eocd.checked_sub(ZIP64_LOCATOR_LEN).filter(|&at| u32_at(tail, at) == ZIP64_LOCATOR_SIG);
    if let Some(at) = locator {
        let record = u64_at(tail, at + 8);
        let start = record
            .checked_sub(tail_start)
            .map(|s| s as usize)
            .filter(|&s| s + ZIP64_EOCD_LEN <= at)
            .with_context(|| format!("the ZIP64 end record at offset {record} is not in the file's tail"))?;
        if u32_at(tail, start) != ZIP64_EOCD_SIG {
            bail!("no ZIP64 End Of Central Directory record at offset {record}");
        }
        dir = Directory {
            entries: u64_at(tail, start + 32),
            size: u64_at(tail, start + 40),
            offset: u64_at(tail, start + 48),
        };
    } else if dir.entries == 0xFFFF || dir.size == 0xFFFF_FFFF || dir.offset == 0xFFFF_FFFF {
        bail!("the end record says ZIP64 but there is no ZIP64 locator");
    }
    let end = tail_start + (locator.unwrap_or(eocd) as u64);
    if dir.offset.checked_add(dir.size).is_none_or(|e| e > end) {
        bail!(
            "the central directory ({} bytes at offset {}) runs past its end record at {end}",
            dir.size,
            dir.offset
        );
    }
    Ok(dir)
}

/// Parses a whole central directory (`bytes` is exactly `dir.size` long).
pub fn parse_directory(bytes: &[u8], dir: &Directory) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        if at + CENTRAL_LEN > bytes.len() || u32_at(bytes, at) != CENTRAL_SIG {
            bail!("the central directory is garbled at offset {}", dir.offset + at as u64);
        }
        let h = &bytes[at..];
        let (name_len, extra_len, comment_len) =
            (usize::from(u16_at(h, 28)), usize::from(u16_at(h, 30)), usize::from(u16_at(h, 32)));
        let total = CENTRAL_LEN + name_len + extra_len + comment_len;
        if at + total > bytes.len() {
            bail!("the central directory entry at offset {} is cut off", dir.offset + at as u64);
        }
        let name = String::from_utf8_lossy(&h[CENTRAL_LEN..CENTRAL_LEN + name_len]).into_owned();
        let extra = &h[CENTRAL_LEN + name_len..CENTRAL_LEN + name_len + extra_len];
        let mut entry = Entry {
            flags: u16_at(h, 8),
            method: u16_at(h, 10),
            compressed_size: u64::from(u32_at(h, 20)),
            uncompressed_size: u64::from(u32_at(h, 24)),
            local_offset: u64::from(u32_at(h, 42)),
            name_len: name_len as u64,
            extra_len: extra_len as u64,
            name,
        };
        apply_zip64_extra(&mut entry, extra)?;
        entries.push(entry);
        at += total;
    }
    if entries.len() as u64 != dir.entries {
        bail!("the central directory holds {} entries, its end record says {}", entries.len(), dir.entries);
    }
    Ok(entries)
}

/// Replaces the saturated 32-bit sizes and offset by the ZIP64 extra
/// field's 64-bit values, which come in that order and only for those.
fn apply_zip64_extra(entry: &mut Entry, mut extra: &[u8]) -> Result<()> {
    while extra.len() >= 4 {
        let (tag, len) = (u16_at(extra, 0), usize::from(u16_at(extra, 2)));
        let Some(data) = extra.get(4..4 + len) else { break };
        if tag == ZIP64_EXTRA_TAG {
            let mut values = data.chunks_exact(8).map(|c| u64_at(c, 0));
            for field in [&mut entry.uncompressed_size, &mut entry.compressed_size, &mut entry.local_offset] {
                if *field == 0xFFFF_FFFF {
                    *field = values
                        .next()
                        .with_context(|| format!("{}: the ZIP64 extra field is too short", entry.name))?;
                }
            }
            return Ok(());
        }
        extra = &extra[4 + len..];
    }
    Ok(())
}

/// The length of the local file header at the start of `bytes` (fixed part,
/// name and extra field), so the entry's data starts that far in.
pub fn local_header_len(bytes: &[u8], entry: &Entry) -> Result<u64> {
    if bytes.len() < LOCAL_LEN as usize || u32_at(bytes, 0) != LOCAL_SIG {
        bail!("no local file header for {} at offset {}", entry.name, entry.local_offset);
    }
    Ok(LOCAL_LEN + u64::from(u16_at(bytes, 26)) + u64::from(u16_at(bytes, 28)))
}

/// The entry's contents from its compressed `data`, at most `limit` bytes.
pub fn decompress(entry: &Entry, data: &[u8], limit: u64) -> Result<Vec<u8>> {
    if entry.flags & 1 != 0 {
        bail!("{} is encrypted", entry.name);
    }
    if entry.uncompressed_size > limit {
        bail!("{} is {} bytes, more than metadata can be", entry.name, entry.uncompressed_size);
    }
    let out = match entry.method {
        0 => data.to_vec(),
        8 => {
            let mut out = Vec::with_capacity(entry.uncompressed_size as usize);
            flate2::read::DeflateDecoder::new(data)
                .take(limit)
                .read_to_end(&mut out)
                .with_context(|| format!("{}: the deflate stream is corrupt", entry.name))?;
            out
        }
        other => bail!("{}: compression method {other} is not supported (stored or deflate)", entry.name),
    };
    if out.len() as u64 != entry.uncompressed_size {
        bail!(
            "{}: {} bytes after decompressing, the zip says {}",
            entry.name,
            out.len(),
            entry.uncompressed_size
        );
    }
    Ok(out)
}

#[cfg(test)]
#[path = "zip_tail_tests.rs"]
mod tests;
