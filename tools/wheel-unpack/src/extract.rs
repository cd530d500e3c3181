//! Extracting a wheel's planned entries into the staging folder or the
//! cache, each file checked against the wheel's RECORD as it streams. A big
//! wheel is split over several threads, each reading the one open zip
//! through a buffer of its own (see [`crate::zipread`]).

use std::fs::{self, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use crate::record::{Expected, Hasher};
use crate::scripts;
use crate::zipread::Zip;

/// Writes `bytes` to a new staged file with `mode`, returning its RECORD hash and size.
pub fn write_new(path: &Path, mode: u32, bytes: &[u8]) -> Result<(String, u64)> {
    let mut f = OpenOptions::new().write(true).create_new(true).mode(mode).open(path)?;
    f.write_all(bytes)?;
    f.set_permissions(fs::Permissions::from_mode(mode))?;
    Ok((wheelpipe::hash::record_hash(&Sha256::digest(bytes)), bytes.len() as u64))
}

/// Below this much uncompressed data, one thread extracts the wheel.
const PARALLEL_BYTES: u64 = 4 << 20;

/// One zip entry to extract, and where its staged copy goes.
#[derive(Debug)]
pub struct Plan {
    pub index: usize,
    pub entry: String,
    pub want: Option<Expected>,
    pub staged: PathBuf,
    pub dest: PathBuf,
    pub mode: u32,
    /// A `.data/scripts` file: `#!python` becomes the venv's python.
    pub script: bool,
    /// Uncompressed size, as the zip says.
    pub size: u64,
}

/// A file's modification time: seconds and nanoseconds since the epoch.
pub type Mtime = (i64, i64);

/// What extracting a wheel's plans gave.
#[derive(Debug, Default)]
pub struct Extracted {
    /// Each file's RECORD hash and size, in plan order.
    pub done: Vec<(String, u64)>,
    /// The entries whose contents do not match the wheel's RECORD.
    pub mismatched: Vec<String>,
    /// With [`Stamp::Mtime`]: each file's modification time once written,
    /// in plan order, read from its open handle.
    pub mtimes: Vec<Mtime>,
}

/// Whether extracting also reads each file's modification time (the cache
/// records it, see [`crate::unpacked::repair`]); staging has no use for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stamp {
    None,
    Mtime,
}

/// Extracts every plan; a file that does not match the wheel's RECORD is
/// extracted all the same and named in [`Extracted::mismatched`], for the
/// caller to judge (see [`crate::trust`]).
pub fn all(archive: Zip, plans: &[Plan], python: &str, threads: usize) -> Result<Extracted> {
    stamped(archive, plans, python, threads, Stamp::None)
}

/// [`all`], reading each written file's modification time when `stamp` asks.
pub fn stamped(
    archive: Zip,
    plans: &[Plan],
    python: &str,
    threads: usize,
    stamp: Stamp,
) -> Result<Extracted> {
    let results = all_inner(archive, plans, (python, stamp), threads)?;
    let mut out = Extracted::default();
    for (plan, one) in plans.iter().zip(results) {
        out.done.push(one.done);
        if !one.matches {
            out.mismatched.push(plan.entry.clone());
        }
        out.mtimes.extend(one.mtime);
    }
    Ok(out)
}

/// One extracted file.
#[derive(Clone, Debug)]
pub(crate) struct One {
    /// Its RECORD hash and size.
    pub done: (String, u64),
    /// It matches the plan's `want`.
    pub matches: bool,
    pub mtime: Option<Mtime>,
}

fn all_inner(mut archive: Zip, plans: &[Plan], how: (&str, Stamp), threads: usize) -> Result<Vec<One>> {
    let total: u64 = plans.iter().map(|p| p.size).sum();
    let threads = threads.min(plans.len() / 16).max(1);
    if threads == 1 || total < PARALLEL_BYTES {
        return plans.iter().map(|p| one(&mut archive, p, how)).collect();
    }
    // Deal the plans out by size, biggest first, to even out the threads.
    let mut order: Vec<usize> = (0..plans.len()).collect();
    order.sort_by_key(|&k| std::cmp::Reverse(plans[k].size));
    let mut shares: Vec<Vec<usize>> = vec![Vec::new(); threads];
    let mut loads = vec![0u64; threads];
    for k in order {
        let t = (0..threads).min_by_key(|&t| loads[t]).unwrap_or(0);
        loads[t] += plans[k].size;
        shares[t].push(k);
    }
    // Each thread then reads its share in the zip's order, through its buffer.
    for share in &mut shares {
        share.sort_by_key(|&k| plans[k].index);
    }
    let mut results: Vec<Option<One>> = vec![None; plans.len()];
    std::thread::scope(|s| -> Result<()> {
        let handles: Vec<_> = shares
            .into_iter()
            .map(|share| {
                // The same open wheel and central directory, a buffer of its own.
                let mut archive = archive.clone();
                s.spawn(move || -> Result<Vec<(usize, One)>> {
                    share.into_iter().map(|k| Ok((k, one(&mut archive, &plans[k], how)?))).collect()
                })
            })
            .collect();
        for handle in handles {
            let done = handle.join().map_err(|_| anyhow::anyhow!("an extraction thread panicked"))??;
            for (k, r) in done {
                results[k] = Some(r);
            }
        }
        Ok(())
    })?;
    Ok(results.into_iter().map(|r| r.expect("every plan was extracted")).collect())
}

fn one(archive: &mut Zip, plan: &Plan, (python, stamp): (&str, Stamp)) -> Result<One> {
    wheelpipe::signals::check()?;
    extract(archive, plan, plan.script.then_some(python), stamp)
        .with_context(|| format!("entry {}", plan.entry))
}

/// Extracts one entry to its staged file, checking it against the RECORD's
/// hash as it streams (false: it does not match); a script's `#!python`
/// line becomes the venv's python.
fn extract(archive: &mut Zip, plan: &Plan, python: Option<&str>, stamp: Stamp) -> Result<One> {
    let mut entry = archive.by_index(plan.index)?;
    write_from(&mut entry, plan, python, stamp)
}

/// Writes the bytes of `entry` (one zip entry's, decompressed) to the plan's
/// staged file, as [`extract`] does.
pub(crate) fn write_from(
    entry: &mut dyn Read,
    plan: &Plan,
    python: Option<&str>,
    stamp: Stamp,
) -> Result<One> {
    let want = plan.want.as_ref();
    // Unless a script's first line is rewritten, the file is the entry byte
    // for byte: one sha256 then serves the RECORD check and the new RECORD.
    let same_bytes = python.is_none();
    let mut check = want
        .filter(|w| !(same_bytes && w.algorithm == "sha256"))
        .map(|w| Hasher::new(&w.algorithm))
        .transpose()?;
    let mut out = OpenOptions::new().write(true).create_new(true).mode(plan.mode).open(&plan.staged)?;
    let mut sha = Sha256::new();
    let (mut in_size, mut out_size) = (0u64, 0u64);
    let mut buf = vec![0u8; 64 * 1024];
    let mut first = true;
    loop {
        let n = entry.read(&mut buf).context("cannot decompress")?;
        if n == 0 {
            break;
        }
        let chunk = &buf[..n];
        if let Some(h) = check.as_mut() {
            h.update(chunk);
        }
        in_size += n as u64;
        let mut body = chunk;
        let fixed;
        if first {
            first = false;
            if let Some(line) = python.and_then(|py| scripts::fix_shebang(chunk, py)) {
                // The first line must be whole in the first chunk to be rewritten.
                let end = chunk.iter().position(|&b| b == b'\n').map_or(chunk.len(), |p| p + 1);
                fixed = [line.as_slice(), &chunk[end..]].concat();
                body = &fixed;
            }
        }
        out.write_all(body)?;
        sha.update(body);
        out_size += body.len() as u64;
    }
    let digest = sha.finalize();
    let matches = want.is_none_or(|w| {
        let got = match check {
            Some(h) => h.finish(),
            None => digest.to_vec(),
        };
        got == w.digest && w.size.is_none_or(|s| s == in_size)
    });
    if !crate::scheme::created_with(plan.mode) {
        out.set_permissions(fs::Permissions::from_mode(plan.mode))?;
    }
    // From the handle just written: no second lookup of the path.
    let mtime = match stamp {
        Stamp::None => None,
        Stamp::Mtime => out.metadata().map(|m| Some((m.mtime(), m.mtime_nsec())))?,
    };
    Ok(One { done: (wheelpipe::hash::record_hash(&digest), out_size), matches, mtime })
}
