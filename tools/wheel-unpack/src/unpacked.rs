//! The cache of unpacked wheels, in the run's cache folder (`--cache-dir`
//! or the environment, never worked out from a wheel's path): a wheel whose
//! sha256 is H is unpacked once into the entry H of the cache's unpacked
//! bucket: `manifest.json` (each file's name, RECORD hash, size, mode and
//! mtime, in the zip's order) and the files, the manifest's k-th as
//! `files/{k / 128}/{k % 128}` with the mode pip gives: a folder per 128
//! files, not the wheel's own tree (django's made 1,000 folders), and no
//! bigger, as creating a file in one big folder costs more (3,670 files in
//! one took 30 ms more of system time than in folders of 128 here);
//! [`Unpacked::path`] is the one way to a cached file.
//! It is checked against the wheel's RECORD while it is written into a
//! temporary folder, which is renamed into place whole, under a per-hash
//! lock; installs then link from it.

pub mod follow;
pub mod repair;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use wheelpipe::cache::{Bucket, Cache};
use wheelpipe::hash::Sha256;

use crate::entries::{self, Entry};
use crate::extract::{self, Plan, Stamp};
use crate::scheme::Scheme;
use crate::trust::Untrusted;
use crate::{record, zipcheck};

/// What the cache knows of one unpacked wheel.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub filename: String,
    /// False when unpacked with `--no-verify-record`.
    pub verified: bool,
    /// When verified: the entries whose contents do not match the wheel's
    /// RECORD (each run judges them again, see [`crate::trust`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mismatched: Vec<String>,
    pub entries: Vec<CachedFile>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CachedFile {
    pub name: String,
    /// `sha256=...` of the stored file, as an installed RECORD says it.
    pub hash: String,
    pub size: u64,
    pub executable: bool,
    /// The stored file's permissions (a hard link shares them).
    pub mode: u32,
    /// The stored file's modification time when it was unpacked (or
    /// repaired): with its size and mode, what [`repair`] checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtime: Option<repair::Mtime>,
}

/// A wheel in the cache.
#[derive(Debug)]
pub struct Unpacked {
    /// The `files/` folder.
    pub files: PathBuf,
    pub manifest: Manifest,
    /// The sha256 (hex) of the wheel file that was unpacked: the cache's key.
    pub sha256: String,
}

impl Unpacked {
    /// The stored copy of the manifest's `k`-th file.
    pub fn path(&self, k: usize) -> PathBuf {
        stored(&self.files, k)
    }

    /// The stored copy of the file named `name`, when the wheel has one.
    pub fn path_of(&self, name: &str) -> Option<PathBuf> {
        self.manifest.entries.iter().position(|e| e.name == name).map(|k| self.path(k))
    }

    /// The wheel's files as staging sees them.
    pub fn entries(&self) -> Vec<Entry> {
        let files = self.manifest.entries.iter().enumerate();
        files
            .map(|(index, f)| Entry {
                index,
                name: f.name.clone(),
                executable: f.executable,
                size: f.size,
                hash: Some(f.hash.clone()),
            })
            .collect()
    }
}

/// Files a folder of an entry's `files/` holds.
const PER_FOLDER: usize = 128;

/// Where the `k`-th file of an entry's `files/` folder is stored.
fn stored(files: &Path, k: usize) -> PathBuf {
    files.join((k / PER_FOLDER).to_string()).join((k % PER_FOLDER).to_string())
}

/// The cached wheel in the entry folder `dir`, when it is whole.
pub(crate) fn load(dir: &Path) -> Option<Unpacked> {
    let text = fs::read(dir.join("manifest.json")).ok()?;
    let manifest: Manifest = serde_json::from_slice(&text).ok()?;
    let sha256 = dir.file_name()?.to_str()?.to_string();
    Some(Unpacked { files: dir.join("files"), manifest, sha256 })
}

/// The wheel's sha256 in hex: the record's when it has one, else read from the file.
pub fn wheel_sha256(wheel: &Path, known: Option<&str>) -> Result<String> {
    sha256_of(wheel, known).map(|h| h.to_string())
}

fn sha256_of(wheel: &Path, known: Option<&str>) -> Result<Sha256> {
    if let Some(h) = known {
        return Ok(Sha256::parse(h)?);
    }
    let file = fs::File::open(wheel).context("cannot open")?;
    let (digest, _) = wheelpipe::hash::sha256_reader(file).context("cannot read")?;
    Ok(Sha256::from_digest(digest))
}

/// What lands in the cache is keyed by the file's own hash, never by a
/// record's word for it (one more read, only when unpacking). wheel-fetch's
/// store in this cache keeps a file under the hash it verified; a path that
/// only looks like one proves nothing.
fn check_own_hash(
    cache: &Cache,
    wheel: &Path,
    filename: &str,
    hash: &Sha256,
    sha256: Option<&str>,
) -> Result<()> {
    let in_store = cache
        .wheel_path(hash, filename)
        .is_ok_and(|p| std::path::absolute(wheel).is_ok_and(|w| crate::scheme::normalize(&w) == p));
    if !in_store && sha256.is_some_and(|h| hash.is(h)) {
        let real = sha256_of(wheel, None)?;
        if &real != hash {
            bail!("the record says its sha256 is {hash}, the file's is {real}");
        }
    }
    Ok(())
}

/// The unpacked wheel, from the cache or unpacked into it now.
pub fn ensure(
    cache: &Cache,
    wheel: &Path,
    sha256: Option<&str>,
    names: (&str, &str),
    scheme: &Scheme,
    verify: bool,
    threads: usize,
) -> Result<Unpacked> {
    let filename = wheel.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let mut hash = sha256_of(wheel, sha256)?;
    let mut dir = cache.entry(Bucket::Unpacked, &hash);
    let usable = |u: &Unpacked| u.manifest.filename == filename && (u.manifest.verified || !verify);
    let found = load(&dir);
    let another_file = found.as_ref().is_some_and(|u| u.manifest.filename != filename);
    // A file a venv edited through a hard link sends the run to the lock.
    if let Some(u) = found.filter(usable).filter(|u| repair::changed(u, threads).is_empty()) {
        cache.touch(&dir);
        return Ok(u);
    }
    if sha256.is_some() && another_file {
        // Another file under this record's hash: trust only the file's own.
        hash = sha256_of(wheel, None)?;
        dir = cache.entry(Bucket::Unpacked, &hash);
    }
    // What a follower unpacked while the wheel downloaded; it holds the lock.
    let streamed = follow::claim(&dir);
    let _lock = match streamed {
        Some(_) => None,
        None => Some(cache.lock_entry(Bucket::Unpacked, &hash)?),
    };
    let drop_streamed = || streamed.as_ref().map(|s| fs::remove_dir_all(&s.tmp));
    if let Some(mut u) = load(&dir).filter(usable) {
        drop_streamed();
        repair::repair(&mut u, wheel, cache, threads)?;
        return Ok(u);
    }
    check_own_hash(cache, wheel, &filename, &hash, sha256)?;
    if let Some(s) = streamed.as_ref().filter(|_| verify) {
        // Anything amiss: unpacked again below, which says what it is.
        if let Ok(Some(manifest)) = s.finish(wheel, &filename, names, scheme, threads) {
            put(cache, &s.tmp, &dir, &hash)?;
            crate::journal::test_note(&format!("unpacked {filename} while it downloaded"));
            return Ok(Unpacked { files: dir.join("files"), manifest, sha256: hash.to_string() });
        }
    }
    drop_streamed();
    let tmp = new_tree(cache, &hash)?;
    let result = unpack(wheel, &filename, names, scheme, verify, threads, &tmp);
    let manifest = match result {
        Ok(m) => m,
        Err(e) => {
            let _ = fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    // Files unlike the RECORD are kept only for a wheel that the record's
    // sha256 (from the index or a lock) vouches for: nothing else
    // unverified lands in the cache.
    if !manifest.mismatched.is_empty() && !sha256.is_some_and(|h| hash.is(h)) {
        let _ = fs::remove_dir_all(&tmp);
        let (name, version) = (names.0.to_string(), names.1.to_string());
        let mismatched = manifest.mismatched;
        return Err(Untrusted { name, version, mismatched, requested: false, required_by: Vec::new() }.into());
    }
    put(cache, &tmp, &dir, &hash)?;
    Ok(Unpacked { files: dir.join("files"), manifest, sha256: hash.to_string() })
}

/// A new tree in `tmp/unpack` for the wheel `hash`, whose lock the caller
/// holds, to be renamed into place once whole. `tmp/unpack` is prepared
/// (made, and rid of the trees killed runs left: this wheel's and any other
/// whose lock nobody holds) once a run, not once a wheel: `tmp/` stays while
/// the run holds it.
pub(crate) fn new_tree(cache: &Cache, hash: &Sha256) -> Result<PathBuf> {
    static READY: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    let trees = cache.tmp_dir()?.join("unpack");
    let prepare = |again: bool| -> Result<()> {
        let mut ready = READY.lock().unwrap_or_else(PoisonError::into_inner);
        if again || !ready.contains(&trees) {
            crate::spread::make_parent(&trees)?;
            crate::spread::remove_trees(&trees, |other| {
                let other = Sha256::parse(other).ok();
                other.is_some_and(|o| {
                    &o == hash || cache.try_lock_entry(Bucket::Unpacked, &o).is_ok_and(|l| l.is_some())
                })
            });
            ready.push(trees.clone());
        }
        Ok(())
    };
    prepare(false)?;
    let tree = crate::spread::new_tree(&trees, &hash.to_string());
    // Emptied by prune between two caches this process held: prepared again.
    tree.or_else(|_| prepare(true).and_then(|()| crate::spread::new_tree(&trees, &hash.to_string())))
}

/// Renames the unpacked tree `tmp` to the entry `dir`, replacing whole the
/// copy there (an unverified one, or one for another file name).
fn put(cache: &Cache, tmp: &Path, dir: &Path, hash: &Sha256) -> Result<()> {
    let parent = dir.parent().context("a cache folder has a parent")?;
    fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    let moved = || fs::rename(tmp, dir);
    let context = || format!("cannot move {} to {}", tmp.display(), dir.display());
    // A folder is renamed only over an empty one: a copy there refuses it.
    match moved() {
        Err(e) if matches!(e.raw_os_error(), Some(nix::libc::ENOTEMPTY | nix::libc::EEXIST)) => {}
        r => return r.with_context(context),
    }
    let old = cache.tmp_dir()?.join(format!("old-{hash}"));
    let _ = fs::remove_dir_all(&old);
    fs::rename(dir, &old).with_context(|| format!("cannot move {} aside", dir.display()))?;
    let _ = fs::remove_dir_all(&old);
    moved().with_context(context)
}

/// A wheel's files, checked as every unpacking checks them (names, one
/// `.dist-info` folder, a tree), and the hash each must have by its RECORD
/// (none: the RECORD itself, a signature, or INSTALLER/REQUESTED without one).
pub(crate) struct Checked {
    pub archive: crate::zipread::Zip,
    pub entries: Vec<Entry>,
    pub wants: Vec<Option<record::Expected>>,
}

pub(crate) fn check(wheel: &Path, (name, version): (&str, &str)) -> Result<Checked> {
    let (mut archive, entries) = entries::open_zip(wheel)?;
    let dist_info = zipcheck::find_dist_info(entries.iter().map(|e| e.name.as_str()), name, version)?;
    let record_name = format!("{dist_info}/RECORD");
    let text = entries::zip_text(&mut archive, &record_name)?
        .with_context(|| format!("{record_name} is missing"))?;
    let expected = record::parse(&text).with_context(|| record_name.clone())?;
    let generated = ["INSTALLER", "REQUESTED"].map(|f| format!("{dist_info}/{f}"));
    zipcheck::check_paths(entries.iter().map(|e| e.name.as_str()))?;
    let wants = entries
        .iter()
        .map(|e| match generated.contains(&e.name) {
            true => Ok(expected.get(&e.name).cloned().flatten()),
            false => entries::wanted(&e.name, &expected, &dist_info),
        })
        .collect::<Result<_>>()?;
    Ok(Checked { archive, entries, wants })
}

/// Writes an unpacked tree's manifest.
pub(crate) fn write_manifest(tmp: &Path, manifest: &Manifest) -> Result<()> {
    let path = tmp.join("manifest.json");
    fs::write(&path, serde_json::to_vec(manifest)?)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Checks and extracts the whole wheel into `tmp`; writes its manifest.
fn unpack(
    wheel: &Path,
    filename: &str,
    names: (&str, &str),
    scheme: &Scheme,
    verify: bool,
    threads: usize,
    tmp: &Path,
) -> Result<Manifest> {
    let Checked { archive, entries, wants } = check(wheel, names)?;
    let files = tmp.join("files");
    let folders = (0..entries.len().div_ceil(PER_FOLDER)).map(|f| files.join(f.to_string()));
    for path in std::iter::once(files.clone()).chain(folders) {
        fs::create_dir(&path).with_context(|| format!("cannot create {}", path.display()))?;
    }
    let mut plans = Vec::with_capacity(entries.len());
    for ((k, e), want) in entries.iter().enumerate().zip(wants) {
        plans.push(Plan {
            index: e.index,
            entry: e.name.clone(),
            want: want.filter(|_| verify),
            staged: stored(&files, k),
            dest: PathBuf::new(),
            mode: scheme.file_mode(e.executable),
            script: false,
            size: e.size,
        });
    }
    let extracted = extract::stamped(archive, &plans, "", threads, Stamp::Mtime)?;
    let extract::Extracted { done, mismatched, mtimes } = extracted;
    let entries = (entries.iter().zip(done).zip(&plans).zip(mtimes))
        .map(|(((e, (hash, size)), p), mtime)| {
            let (name, executable, mode) = (e.name.clone(), e.executable, p.mode);
            CachedFile { name, hash, size, executable, mode, mtime: Some(mtime) }
        })
        .collect();
    let manifest = Manifest { filename: filename.to_string(), verified: verify, mismatched, entries };
    write_manifest(tmp, &manifest)?;
    Ok(manifest)
}
