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
    /// The CRC-32 of the uncompressed data.
    pub crc32: u32,
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
        let Some(len) = entry_len(&bytes[at..]) else {
            bail!("the central directory is garbled at offset {}", dir.offset + at as u64);
        };
        if at + len > bytes.len() {
            bail!("the central directory entry at offset {} is cut off", dir.offset + at as u64);
        }
        entries.push(parse_entry(&bytes[at..at + len])?);
        at += len;
    }
    if entries.len() as u64 != dir.entries {
        bail!("the central directory holds {} entries, its end record says {}", entries.len(), dir.entries);
    }
    Ok(entries)
}

/// The length of the central directory entry at the start of `h` (fixed
/// header, name, extra field and comment), or `None` without a signature.
fn entry_len(h: &[u8]) -> Option<usize> {
    if h.len() < CENTRAL_LEN || u32_at(h, 0) != CENTRAL_SIG {
        return None;
    }
    Some(CENTRAL_LEN + usize::from(u16_at(h, 28)) + usize::from(u16_at(h, 30)) + usize::from(u16_at(h, 32)))
}

/// Parses one central directory entry; `h` holds all of it.
fn parse_entry(h: &[u8]) -> Result<Entry> {
    let (name_len, extra_len) = (usize::from(u16_at(h, 28)), usize::from(u16_at(h, 30)));
    let name = String::from_utf8_lossy(&h[CENTRAL_LEN..CENTRAL_LEN + name_len]).into_owned();
    let extra = &h[CENTRAL_LEN + name_len..CENTRAL_LEN + name_len + extra_len];
    let mut entry = Entry {
        flags: u16_at(h, 8),
        method: u16_at(h, 10),
        compressed_size: u64::from(u32_at(h, 20)),
        uncompressed_size: u64::from(u32_at(h, 24)),
        crc32: u32_at(h, 16),
        local_offset: u64::from(u32_at(h, 42)),
        name_len: name_len as u64,
        extra_len: extra_len as u64,
        name,
    };
    apply_zip64_extra(&mut entry, extra)?;
    Ok(entry)
}

/// The last entries of a central directory whose start is not in `tail`
/// (the file's bytes from offset `tail_start` on), or `None` when they
/// cannot be told apart for sure. Candidates are the positions of a
/// `PK\x01\x02` signature in the directory's part of the tail; a candidate
/// counts only when the entries' lengths lead from it exactly to the
/// directory's end, signature after signature. A false candidate (those
/// bytes inside a name, extra field or comment) rarely does; when it does,
/// its chain either joins the real one (the entries are taken from where
/// every chain agrees, so only real ones) or crosses it (no answer: the
/// caller reads the whole directory). The result holds at most
/// `dir.entries - 1` entries and says nothing about the entries before it.
pub fn directory_tail(tail: &[u8], tail_start: u64, dir: &Directory) -> Option<Vec<Entry>> {
    let end = usize::try_from(dir.offset.checked_add(dir.size)?.checked_sub(tail_start)?).ok()?;
    if dir.offset >= tail_start || end > tail.len() {
        // The whole directory is in the tail (parse it), or its end is not.
        return None;
    }
    let dir_bytes = &tail[..end];
    // Where the entry at p ends, when p holds a signature and the entry
    // stays within the directory.
    let next = |p: usize| entry_len(&dir_bytes[p..]).map(|len| p + len).filter(|&q| q <= end);
    // Walked from the end, so each candidate's verdict reuses the next one's.
    let mut reaches_end = vec![false; end + 1];
    reaches_end[end] = true;
    let mut starts = Vec::new();
    for p in (0..end).rev() {
        if let Some(q) = next(p) {
            if reaches_end[q] {
                reaches_end[p] = true;
                starts.push(p);
            }
        }
    }
    // Chains start where no other chain leads; where every one of them
    // passes, the entries are real.
    let mut reached = vec![false; end + 1];
    for &p in &starts {
        reached[next(p).expect("a chain that reaches the end")] = true;
    }
    starts.retain(|&p| !reached[p]);
    let mut through = vec![0usize; end + 1];
    for &s in &starts {
        let mut p = s;
        while p < end {
            through[p] += 1;
            p = next(p).expect("a chain that reaches the end");
        }
    }
    if starts.is_empty() {
        return None;
    }
    let common = (0..end).find(|&p| through[p] == starts.len())?;
    let mut entries = Vec::new();
    let mut p = common;
    while p < end {
        let q = next(p).expect("a chain that reaches the end");
        entries.push(parse_entry(&dir_bytes[p..q]).ok()?);
        p = q;
    }
    (entries.len() as u64 <= dir.entries).then_some(entries)
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
/// name and extra field), so the entry's data starts that far in. The
/// header must name the entry, as a check that the central directory entry
/// points at it (`bytes` holds the name).
pub fn local_header_len(bytes: &[u8], entry: &Entry) -> Result<u64> {
    if bytes.len() < LOCAL_LEN as usize || u32_at(bytes, 0) != LOCAL_SIG {
        bail!("no local file header for {} at offset {}", entry.name, entry.local_offset);
    }
    let name_len = usize::from(u16_at(bytes, 26));
    let name = bytes.get(LOCAL_LEN as usize..LOCAL_LEN as usize + name_len).map(String::from_utf8_lossy);
    if name.as_deref() != Some(entry.name.as_str()) {
        bail!("the local file header at offset {} is not {}'s", entry.local_offset, entry.name);
    }
    Ok(LOCAL_LEN + name_len as u64 + u64::from(u16_at(bytes, 28)))
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
