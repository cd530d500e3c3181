//! Unpacking a wheel into the cache while it downloads: wheel-fetch's
//! `arriving` records name the temporary file and how many of its first
//! bytes are written; a thread a wheel reads its zip's local entries in
//! order as they come and writes each file where the cache keeps it, so that
//! little is left to do once the last byte is in. Nothing of it is trusted
//! until the wheel is whole: then the wheel's central directory (read from
//! the verified file in the store, which must be the very file followed)
//! must list the same files at the same places, each file must have its
//! RECORD hash, and the files without one are extracted again from the
//! verified file, as are the entries the thread had not reached (by several
//! threads); anything else, or anything unusual on the way (a data
//! descriptor, zip64, a file that starts over), drops what was streamed and
//! the wheel is unpacked the usual way.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read};
use std::os::unix::fs::{FileExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use wheelpipe::cache::{Bucket, Cache, CacheLock};
use wheelpipe::hash::Sha256;
use wheelpipe::records::Arriving;

use super::{stored, CachedFile, Checked, Manifest, PER_FOLDER};
use crate::extract::{self, Plan, Stamp};
use crate::scheme::Scheme;

/// The followers of this process, by the cache entry their wheel goes to
/// (a cache's and a wheel's: tests run several caches at once).
static FOLLOWERS: Mutex<Option<HashMap<PathBuf, Follower>>> = Mutex::new(None);

fn followers() -> std::sync::MutexGuard<'static, Option<HashMap<PathBuf, Follower>>> {
    FOLLOWERS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A wheel being followed: what its thread has been told, and the thread.
struct Follower {
    file: PathBuf,
    /// The device and inode of `file`, which is renamed once whole.
    followed: (u64, u64),
    told: Arc<Told>,
    thread: JoinHandle<Option<Streamed>>,
}

/// What the reading thread may read: the bytes ready, whether that is all.
#[derive(Default)]
struct Told {
    state: Mutex<Progress>,
    changed: Condvar,
}

#[derive(Default, Clone, Copy)]
struct Progress {
    ready: u64,
    /// `ready` is the whole file.
    whole: bool,
    /// What was read is void: stop.
    void: bool,
    /// The wheel is whole and wanted now: stop before the next entry (the
    /// rest is extracted from the verified file by several threads).
    enough: bool,
}

impl Told {
    fn update(&self, f: impl FnOnce(&mut Progress)) {
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner));
        self.changed.notify_all();
    }
}

/// The local entries read so far, each written to the cache's tree.
pub(crate) struct Streamed {
    /// The unpacked entry's lock, held from the start.
    _lock: CacheLock,
    /// The tree being filled (see [`super::new_tree`]).
    pub tmp: PathBuf,
    files: Vec<StreamedFile>,
    /// The device and inode of the file followed.
    followed: (u64, u64),
}

struct StreamedFile {
    name: String,
    /// Where its local header starts in the zip.
    offset: u64,
    /// Its RECORD hash and size, as written.
    done: (String, u64),
    mtime: extract::Mtime,
}

/// Takes in an `arriving` record: starts following a wheel the cache does
/// not hold yet, tells a follower about more bytes, or stops one whose file
/// started over.
pub fn arriving(record: &Arriving, cache: &Cache, scheme: &Scheme) {
    let Ok(hash) = Sha256::parse(&record.sha256) else { return };
    let dir = cache.entry(Bucket::Unpacked, &hash);
    let mut all = followers();
    let all = all.get_or_insert_with(HashMap::new);
    if let Some(f) = all.get(&dir) {
        let (same, ready) = (f.file == record.file, record.ready);
        f.told.update(|p| match same && ready >= p.ready {
            true => p.ready = ready,
            false => p.void = true,
        });
        return;
    }
    // Whole in the cache already (a broken entry is ensure's to mend).
    if dir.join("manifest.json").is_file() {
        return;
    }
    if let Some(follower) = start(record, cache, scheme.file_mode(false), &hash) {
        all.insert(dir, follower);
    }
}

/// The wheel `sha256` is whole at `path`: its follower may read on to the
/// end (until [`claim`] stops it at the next entry), when `path` is the
/// file it followed; else what it read is void.
pub fn arrived(cache: &Cache, sha256: &str, path: &Path) {
    let Ok(hash) = Sha256::parse(sha256) else { return };
    if let Some(f) = followers().as_ref().and_then(|all| all.get(&cache.entry(Bucket::Unpacked, &hash))) {
        let whole = fs::metadata(path).ok().filter(|m| (m.dev(), m.ino()) == f.followed);
        f.told.update(|p| match whole {
            Some(m) => (p.ready, p.whole) = (m.len(), true),
            None => p.void = true,
        });
    }
}

/// The device and inode of the file at `path`.
fn id(path: &Path) -> Option<(u64, u64)> {
    fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// What was streamed of the wheel whose cache entry is `dir`, once its
/// follower is done; `None` when none followed it or it gave up.
pub(crate) fn claim(dir: &Path) -> Option<Streamed> {
    let follower = followers().as_mut()?.remove(dir)?;
    // Not told the wheel is whole: it would wait for ever.
    follower.told.update(|p| {
        p.void |= !p.whole;
        p.enough = true;
    });
    follower.thread.join().ok().flatten()
}

/// Stops every follower of `cache` that nothing claimed (a download that
/// never ended, a wheel kept) and removes what they wrote.
pub fn stop_all(cache: Option<&Cache>) {
    let Some(cache) = cache else { return };
    let bucket = cache.bucket(Bucket::Unpacked);
    let mine = |dir: &PathBuf| dir.starts_with(&bucket);
    let stopped: Vec<Follower> = match followers().as_mut() {
        Some(all) => {
            let dirs: Vec<PathBuf> = all.keys().filter(|dir| mine(dir)).cloned().collect();
            dirs.iter().filter_map(|dir| all.remove(dir)).collect()
        }
        None => Vec::new(),
    };
    for f in stopped {
        f.told.update(|p| p.void = true);
        if let Ok(Some(streamed)) = f.thread.join() {
            let _ = fs::remove_dir_all(&streamed.tmp);
        }
    }
}

fn start(record: &Arriving, cache: &Cache, mode: u32, hash: &Sha256) -> Option<Follower> {
    let lock = cache.try_lock_entry(Bucket::Unpacked, hash).ok().flatten()?;
    let file = File::open(&record.file).ok()?;
    let followed = file.metadata().ok().map(|m| (m.dev(), m.ino()))?;
    let tmp = super::new_tree(cache, hash).ok()?;
    let told = Arc::new(Told::default());
    told.update(|p| p.ready = record.ready);
    let reader = Growing { file, told: Arc::clone(&told), pos: 0 };
    let thread = std::thread::spawn(move || {
        let mut streamed = Streamed { _lock: lock, tmp, files: Vec::new(), followed };
        match read_all(reader, &streamed.tmp, mode, &mut streamed.files) {
            Ok(()) => Some(streamed),
            Err(_) => {
                let _ = fs::remove_dir_all(&streamed.tmp);
                None
            }
        }
    });
    Some(Follower { file: record.file.clone(), followed, told, thread })
}

/// The followed file, read as far as it is written: a read waits for more.
struct Growing {
    file: File,
    told: Arc<Told>,
    pos: u64,
}

impl Growing {
    /// Told to stop before the next entry; an error when what was read is void.
    fn enough(&self) -> io::Result<bool> {
        let state = self.told.state.lock().unwrap_or_else(PoisonError::into_inner);
        match state.void {
            true => Err(io::Error::other("the download started over or stopped")),
            false => Ok(state.enough),
        }
    }
}

impl Read for Growing {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let mut state = self.told.state.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if state.void || wheelpipe::signals::interrupted() {
                return Err(io::Error::other("the download started over or stopped"));
            }
            if self.pos < state.ready {
                break;
            }
            if state.whole {
                return Ok(0);
            }
            let wait = self.told.changed.wait_timeout(state, Duration::from_millis(100));
            state = wait.unwrap_or_else(PoisonError::into_inner).0;
        }
        let n = out.len().min((state.ready - self.pos) as usize);
        drop(state);
        let n = self.file.read_at(&mut out[..n], self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

const LOCAL_HEADER: u32 = 0x0403_4b50;
const CENTRAL_HEADER: u32 = 0x0201_4b50;
const END_OF_CENTRAL: u32 = 0x0605_4b50;

/// Reads the local entries in order until the central directory, writing
/// each file as the `k`-th of the tree `tmp`'s `files/`.
fn read_all(reader: Growing, tmp: &Path, mode: u32, done: &mut Vec<StreamedFile>) -> Result<()> {
    let mut zip = Counting { inner: BufReader::with_capacity(256 * 1024, reader), pos: 0 };
    let files = tmp.join("files");
    fs::create_dir(&files).with_context(|| format!("cannot create {}", files.display()))?;
    loop {
        if zip.inner.get_ref().enough()? {
            return Ok(());
        }
        let offset = zip.pos;
        let mut header = [0u8; 30];
        zip.read_exact(&mut header[..4])?;
        match u32::from_le_bytes(header[..4].try_into()?) {
            LOCAL_HEADER => {}
            CENTRAL_HEADER | END_OF_CENTRAL => return Ok(()),
            _ => bail!("no local header at {offset}"),
        }
        zip.read_exact(&mut header[4..])?;
        let u16_at = |i: usize| u16::from_le_bytes([header[i], header[i + 1]]);
        let u32_at = |i: usize| u32::from_le_bytes(header[i..i + 4].try_into().expect("4 bytes"));
        let (flags, method) = (u16_at(6), u16_at(8));
        let (compressed, size) = (u32_at(18), u32_at(22));
        if flags & 0x9 != 0 || compressed == u32::MAX || size == u32::MAX {
            bail!("an encrypted entry, a data descriptor or zip64: not followed");
        }
        let mut name = vec![0u8; u16_at(26) as usize];
        zip.read_exact(&mut name)?;
        io::copy(&mut (&mut zip).take(u64::from(u16_at(28))), &mut io::sink())?;
        let name = String::from_utf8(name).context("a name that is not UTF-8")?;
        let mut data = (&mut zip).take(u64::from(compressed));
        if name.ends_with('/') {
            io::copy(&mut data, &mut io::sink())?;
            continue;
        }
        crate::zipcheck::check_entry_name(&name).map_err(anyhow::Error::msg)?;
        let k = done.len();
        if k % PER_FOLDER == 0 {
            let folder = files.join((k / PER_FOLDER).to_string());
            fs::create_dir(&folder).with_context(|| format!("cannot create {}", folder.display()))?;
        }
        let plan = Plan {
            index: k,
            entry: name.clone(),
            want: None,
            staged: stored(&files, k),
            dest: PathBuf::new(),
            mode,
            script: false,
            size: u64::from(size),
        };
        let one = match method {
            0 => extract::write_from(&mut data, &plan, None, Stamp::Mtime)?,
            8 => extract::write_from(
                &mut flate2::bufread::DeflateDecoder::new(&mut data),
                &plan,
                None,
                Stamp::Mtime,
            )?,
            _ => bail!("compression method {method}: not followed"),
        };
        // The deflate stream may end before its bytes do.
        io::copy(&mut data, &mut io::sink())?;
        if one.done.1 != u64::from(size) {
            bail!("{name}: {} bytes, its header says {size}", one.done.1);
        }
        let mtime = one.mtime.context("stamped")?;
        done.push(StreamedFile { name, offset, done: one.done, mtime });
    }
}

/// A buffered reader that counts the bytes it gave.
struct Counting<R> {
    inner: BufReader<R>,
    pos: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(out)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: Read> BufRead for Counting<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        self.inner.consume(n);
        self.pos += n as u64;
    }
}

impl Streamed {
    /// The manifest of the wheel at `wheel`, once what was streamed is
    /// checked against it (see the module's text) and the entries the
    /// follower had not reached are extracted from it by `threads` threads;
    /// `None`: it does not hold, unpack the usual way.
    pub(crate) fn finish(
        &self,
        wheel: &Path,
        filename: &str,
        names: (&str, &str),
        scheme: &Scheme,
        threads: usize,
    ) -> Result<Option<Manifest>> {
        if id(wheel) != Some(self.followed) {
            return Ok(None);
        }
        let Checked { mut archive, entries, wants } = super::check(wheel, names)?;
        let n = self.files.len();
        if entries.len() < n {
            return Ok(None);
        }
        let Some(mut cached) = self.check_streamed(&mut archive, &entries[..n], &wants[..n], scheme)? else {
            return Ok(None);
        };
        // The rest, from the verified file, as unpacking it whole does.
        let files = self.tmp.join("files");
        for folder in n.div_ceil(PER_FOLDER)..entries.len().div_ceil(PER_FOLDER) {
            let path = files.join(folder.to_string());
            fs::create_dir(&path).with_context(|| format!("cannot create {}", path.display()))?;
        }
        let plans: Vec<Plan> = (entries.iter().zip(wants).enumerate().skip(n))
            .map(|(k, (e, want))| Plan {
                index: e.index,
                entry: e.name.clone(),
                want,
                staged: stored(&files, k),
                dest: PathBuf::new(),
                mode: scheme.file_mode(e.executable),
                script: false,
                size: e.size,
            })
            .collect();
        let rest = extract::stamped(archive, &plans, "", threads, Stamp::Mtime)?;
        if !rest.mismatched.is_empty() {
            return Ok(None);
        }
        for ((plan, e), (done, mtime)) in
            plans.iter().zip(&entries[n..]).zip(rest.done.into_iter().zip(rest.mtimes))
        {
            let (name, executable, (hash, size)) = (e.name.clone(), e.executable, done);
            cached.push(CachedFile { name, hash, size, executable, mode: plan.mode, mtime: Some(mtime) });
        }
        let manifest = Manifest {
            filename: filename.to_string(),
            verified: true,
            mismatched: Vec::new(),
            entries: cached,
        };
        super::write_manifest(&self.tmp, &manifest)?;
        Ok(Some(manifest))
    }

    /// The cached files of the entries streamed, each the verified file's
    /// entry at the same place with its RECORD hash (a file without one is
    /// extracted again from the verified file); `None` at the first that is not.
    fn check_streamed(
        &self,
        archive: &mut crate::zipread::Zip,
        entries: &[super::Entry],
        wants: &[Option<crate::record::Expected>],
        scheme: &Scheme,
    ) -> Result<Option<Vec<CachedFile>>> {
        let files = self.tmp.join("files");
        let mut cached = Vec::with_capacity(entries.len());
        for (k, ((e, want), s)) in entries.iter().zip(wants).zip(&self.files).enumerate() {
            let offset = archive.by_index_raw(e.index).map(|z| z.header_start())?;
            if e.name != s.name || offset != s.offset || e.size != s.done.1 {
                return Ok(None);
            }
            let path = stored(&files, k);
            let (mut done, mut mtime) = (s.done.clone(), s.mtime);
            match want {
                Some(w) if w.algorithm == "sha256" => {
                    let (hash, size) = (wheelpipe::hash::record_hash(&w.digest), w.size);
                    if hash != done.0 || size.is_some_and(|size| size != done.1) {
                        return Ok(None);
                    }
                }
                Some(_) => return Ok(None),
                // No hash to check what was read against: from the verified file again.
                None => {
                    fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
                    let plan = Plan {
                        index: e.index,
                        entry: e.name.clone(),
                        want: None,
                        staged: path.clone(),
                        dest: PathBuf::new(),
                        mode: scheme.file_mode(false),
                        script: false,
                        size: e.size,
                    };
                    let mut entry = archive.by_index(e.index)?;
                    let one = extract::write_from(&mut entry, &plan, None, Stamp::Mtime)?;
                    (done, mtime) = (one.done, one.mtime.context("stamped")?);
                }
            }
            let mode = scheme.file_mode(e.executable);
            if e.executable {
                fs::set_permissions(&path, fs::Permissions::from_mode(mode))
                    .with_context(|| format!("cannot change the mode of {}", path.display()))?;
            }
            let (name, executable, (hash, size)) = (e.name.clone(), e.executable, done);
            cached.push(CachedFile { name, hash, size, executable, mode, mtime: Some(mtime) });
        }
        Ok(Some(cached))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use sha2::Digest;
    use zip::write::SimpleFileOptions;

    use super::*;

    use wheelpipe::test_bytes::noise;

    /// A wheel of many files, big and small, one of them executable.
    fn wheel(dir: &Path) -> PathBuf {
        let big: Vec<(String, Vec<u8>, u32)> =
            (0..300).map(|i| (format!("demo/m{i}.py"), noise(i * 97 % 9000, i as u64), 0o644)).collect();
        let mut files: Vec<(&str, &[u8], u32)> =
            big.iter().map(|(n, b, m)| (n.as_str(), b.as_slice(), *m)).collect();
        files.push(("demo-1.0.data/scripts/run", b"#!/bin/sh\necho hi\n", 0o755));
        crate::staging::tests::build(dir, &files, |r| r)
    }

    struct Download {
        cache: Cache,
        scheme: Scheme,
        bytes: Vec<u8>,
        sha256: String,
        part: PathBuf,
    }

    impl Download {
        fn of(dir: &Path, wheel: &Path) -> Download {
            let bytes = fs::read(wheel).unwrap();
            let sha256 = wheelpipe::hash::sha256_hex(&bytes);
            let cache = Cache::at(dir.join("cache")).unwrap();
            let part = cache.tmp_dir().unwrap().join("x.part");
            Download { cache, scheme: crate::scheme::for_tests(dir), bytes, sha256, part }
        }

        /// The test wheel's download, its first 1/`part` written.
        fn started(dir: &Path, part: usize) -> Download {
            let download = Download::of(dir, &wheel(dir));
            download.write(download.bytes.len() / part);
            download
        }

        /// The first `n` bytes are written: told as wheel-fetch tells it.
        fn write(&self, n: usize) {
            let mut f = fs::OpenOptions::new().create(true).append(true).open(&self.part).unwrap();
            let have = f.metadata().unwrap().len() as usize;
            f.write_all(&self.bytes[have..n]).unwrap();
            self.tell(n as u64);
        }

        fn tell(&self, ready: u64) {
            let record = Arriving {
                filename: "demo-1.0-py3-none-any.whl".into(),
                sha256: self.sha256.clone(),
                size: self.bytes.len() as u64,
                file: self.part.clone(),
                ready,
            };
            arriving(&record, &self.cache, &self.scheme);
        }

        /// The whole file is renamed into the store, as a verified download is.
        fn store(&self, dir: &Path) -> PathBuf {
            self.write(self.bytes.len());
            let stored = dir.join("demo-1.0-py3-none-any.whl.stored");
            fs::rename(&self.part, &stored).unwrap();
            arrived(&self.cache, &self.sha256, &stored);
            stored
        }

        fn entry(&self) -> PathBuf {
            self.cache.entry(Bucket::Unpacked, &Sha256::parse(&self.sha256).unwrap())
        }

        /// Waits until the follower has written `n` files.
        fn wait_for_files(&self, n: usize) {
            let trees = self.cache.tmp_path().join("unpack");
            let tree = || fs::read_dir(&trees).unwrap().next().unwrap().unwrap().path();
            eventually(&format!("the follower wrote {n} files"), || {
                stored(&tree().join("files"), n - 1).exists()
            });
        }

        /// The trees under the cache's `tmp/unpack`.
        fn trees_left(&self) -> usize {
            let trees = self.cache.tmp_path().join("unpack");
            fs::read_dir(trees).map_or(0, |d| d.count())
        }
    }

    /// Waits up to 5 s for `done`, a thread's work.
    fn eventually(what: &str, done: impl Fn() -> bool) {
        for _ in 0..500 {
            if done() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("not within 5 s: {what}");
    }

    #[test]
    fn a_wheel_read_as_it_arrives_is_cached_as_unpacking_it_whole_would() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let wheel = wheel(dir);
        let download = Download::of(dir, &wheel);
        let len = download.bytes.len();
        for n in [len / 5, len / 2, len * 4 / 5] {
            download.write(n);
        }
        download.wait_for_files(100);
        let stored = download.store(dir);
        let streamed = claim(&download.entry()).expect("followed");
        assert!(streamed.files.len() >= 100, "read while it arrived");
        let names = ("demo", "1.0");
        let manifest = streamed.finish(&stored, "demo-1.0-py3-none-any.whl", names, &download.scheme, 2);
        let manifest = manifest.unwrap().expect("what was read holds");

        // The same wheel unpacked whole, into another cache.
        let other = Cache::at(dir.join("other")).unwrap();
        let whole = super::super::ensure(&other, &wheel, None, names, &download.scheme, true, 1).unwrap();
        let shape = |m: &Manifest| -> Vec<_> {
            m.entries.iter().map(|e| (e.name.clone(), e.hash.clone(), e.size, e.executable, e.mode)).collect()
        };
        assert_eq!(shape(&manifest), shape(&whole.manifest));
        assert_eq!(manifest.entries.len(), 304);
        for (k, e) in manifest.entries.iter().enumerate() {
            let path = stored_path(&streamed.tmp, k);
            assert_eq!(fs::read(&path).unwrap(), fs::read(whole.path(k)).unwrap(), "{}", e.name);
            let meta = fs::metadata(&path).unwrap();
            assert_eq!(meta.mode() & 0o777, e.mode, "{}", e.name);
            assert_eq!(Some((meta.mtime(), meta.mtime_nsec())), e.mtime, "{}", e.name);
        }
        assert!(manifest.entries.iter().any(|e| e.executable && e.mode & 0o111 != 0));
    }

    fn stored_path(tmp: &Path, k: usize) -> PathBuf {
        stored(&tmp.join("files"), k)
    }

    #[test]
    fn a_download_that_starts_over_voids_what_was_read() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let download = Download::started(dir, 2);
        // The file is emptied (a server that sent the whole file again).
        download.tell(0);
        assert!(claim(&download.entry()).is_none());
        assert_eq!(download.trees_left(), 0, "nothing streamed stays");
    }

    #[test]
    fn a_follower_whose_download_never_ends_is_stopped_and_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let download = Download::started(dir, 3);
        assert_eq!(download.trees_left(), 1);
        stop_all(Some(&download.cache));
        assert_eq!(download.trees_left(), 0);
        assert!(claim(&download.entry()).is_none());
    }

    #[test]
    fn another_file_than_the_one_followed_is_not_trusted() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let download = Download::started(dir, 2);
        // The artifact names a copy, not the file that was followed.
        let copy = dir.join("copy.whl");
        fs::write(&copy, &download.bytes).unwrap();
        arrived(&download.cache, &download.sha256, &copy);
        assert!(claim(&download.entry()).is_none());
    }

    #[test]
    fn a_file_unlike_its_record_is_left_to_the_usual_unpacking() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let files: &[(&str, &[u8], u32)] =
            &[("demo/a.py", b"x = 1\n", 0o644), ("demo/b.py", &[7u8; 5000], 0o644)];
        let hash = |b: &[u8]| wheelpipe::hash::record_hash(&sha2::Sha256::digest(b));
        let (good, bad) = (hash(b"x = 1\n"), hash(b"x = 2\n"));
        let wheel = crate::staging::tests::build(dir, files, |r| r.replace(&good, &bad));
        let download = Download::of(dir, &wheel);
        let stored = download.store(dir);
        let streamed = claim(&download.entry()).expect("read to the end");
        let names = ("demo", "1.0");
        let manifest = streamed.finish(&stored, "demo-1.0-py3-none-any.whl", names, &download.scheme, 2);
        assert!(manifest.unwrap().is_none(), "the usual unpacking judges it");
    }

    #[test]
    fn a_zip_with_data_descriptors_is_not_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        // The first entry's flags say its sizes come after its data, as a
        // zip written to a stream has them.
        let path = dir.join("demo-1.0-py3-none-any.whl");
        let mut zip = zip::ZipWriter::new(File::create(&path).unwrap());
        zip.start_file("demo/a.py", SimpleFileOptions::default()).unwrap();
        zip.write_all(&noise(100_000, 3)).unwrap();
        zip.finish().unwrap();
        let mut bytes = fs::read(&path).unwrap();
        bytes[6] |= 0x08;
        fs::write(&path, bytes).unwrap();
        let download = Download::of(dir, &path);
        download.write(download.bytes.len() - 1);
        eventually("it gives up at the first entry and removes its tree", || download.trees_left() == 0);
        assert!(claim(&download.entry()).is_none());
    }
}
