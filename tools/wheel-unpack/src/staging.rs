//! Staging one wheel: check the whole zip, extract every file into the
//! staging folder while checking it against the wheel's RECORD, generate
//! launchers, INSTALLER, REQUESTED and the installed RECORD. Nothing here
//! touches the virtualenv's own folders; the commit moves the files in.

use std::collections::{BTreeMap, HashSet};
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use wheelpipe::cache::Cache;
use wheelpipe::names::normalize;
use wheelpipe::tags::Tags;

use crate::compile::Compiler;
use crate::contents::{self, Contents};
use crate::entries::{self, Entry};
use crate::extract::{write_new, Plan};
use crate::job::{Direct, Job, Staged, StagedFile, Warn};
use crate::link::{self, Linker};
use crate::record::{self, Expected, Row};
use crate::scheme::{self, Scheme, Target};
use crate::scripts::{self, EntryPoint};
use crate::{unpacked, zipcheck};

/// How this run stages wheels.
pub struct Options {
    /// The cache of unpacked wheels; `None`: extract each wheel afresh.
    pub cache: Option<Cache>,
    pub linker: Linker,
    /// Check every file against the wheel's RECORD.
    pub verify: bool,
    /// Byte-compile `.py` files (`--compile`).
    pub compiler: Option<Compiler>,
    /// The tags the venv's interpreter supports; `None`: `--no-tag-check`.
    pub tags: Option<Tags>,
    /// How sdists are built into wheels (`crate::sdist`); None: not at all.
    pub build: Option<wheelpipe::build::Settings>,
    /// The generated files every wheel of the run shares.
    pub shared: Shared,
}

impl Options {
    /// Extract afresh, verify: what a run without a cache does.
    pub fn no_cache() -> Options {
        let linker = Linker::new(link::Pref::Copy);
        let shared = Shared::default();
        Options { cache: None, linker, verify: true, compiler: None, tags: None, build: None, shared }
    }
}

fn header(text: &str, key: &str) -> Option<String> {
    text.lines().take_while(|l| !l.is_empty()).find_map(|l| {
        l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.trim().to_string())
    })
}

/// Stages one wheel into `dir` (not made yet, in a folder that is), laid
/// out by scheme folder as [`Scheme::staged`] says. Big wheels' folders
/// are made and their files extracted or linked by up to `threads` threads.
pub fn stage(
    job: &Job,
    scheme: &Scheme,
    dir: &Path,
    threads: usize,
    opts: &Options,
    warn: &Warn,
) -> Result<Staged> {
    let wheel = &job.wheel;
    stage_inner(job, scheme, dir, threads, opts, warn).with_context(|| format!("wheel {}", wheel.display()))
}

fn stage_inner(
    job: &Job,
    scheme: &Scheme,
    dir: &Path,
    threads: usize,
    opts: &Options,
    warn: &Warn,
) -> Result<Staged> {
    let filename = job.wheel.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let (file_name, file_version) = check_filename(job, &filename, opts)?;
    let names = (file_name.as_str(), file_version.as_str());
    // Every entry is checked before anything is extracted.
    // Only the run's own cache: a path shaped like a cache's proves nothing.
    let (mut src, entries) = contents::open(job, opts.cache.as_ref(), opts.verify, names, scheme, threads)?;
    let about = About::read(&mut src, &entries, &filename, names, scheme, warn)?;
    let lib_dir = scheme.lib_dir(about.root_is_purelib).to_path_buf();
    let python = scheme.python.to_string_lossy().into_owned();
    let mut tree = Tree::new(scheme, dir, lib_dir);
    // pip names the headers' folder as the requirement spells the project
    // (`InstallRequirement.req.name`): the record's `requirement_name`, else,
    // as for a wheel named by its path, the filename's name with `_` read
    // as `-` (pip's `Wheel.name`).
    let header_name = job.requirement_name.clone().unwrap_or_else(|| file_name.replace('_', "-"));
    let (plans, needs) = plan(&about, &header_name, &entries, &src, opts.verify, &mut tree)?;
    let (done, how, mismatched, vouched) = place(job, src, (&plans, &needs), &mut tree, opts, threads, warn)?;
    if opts.verify && !mismatched.is_empty() {
        crate::trust::judge((&about.name, &about.version), mismatched, job.requested, vouched, warn)?;
    }
    for (plan, (hash, size)) in plans.iter().zip(done) {
        tree.push(plan.dest.clone(), plan.staged.clone(), hash, Some(size));
    }
    if let Some(compiler) = &opts.compiler {
        compile(compiler, &plans, &mut tree)?;
    }
    for ep in &about.launchers {
        let dest = scheme.inside(&scheme.scripts, &ep.name)?;
        let staged = tree.staged_path(&dest)?;
        let (hash, size) =
            write_new(&staged, scheme.launcher_mode(), scripts::launcher(&python, ep).as_bytes())?;
        tree.add(dest, staged, hash, Some(size)).with_context(|| format!("entry point {}", ep.name))?;
    }
    let info_dest = tree.lib_dir.join(&about.dist_info);
    for (file, bytes) in generated_files(job)? {
        let (dest, mode) = (info_dest.join(file), scheme.file_mode(false));
        let shared = SHARED.contains(&file) && opts.linker.may_share();
        tree.write(dest, mode, &bytes, shared.then_some((&opts.shared, file)))?;
    }
    let files = tree.finish(&info_dest, &about.dist_info)?;
    let requires = crate::order::requirements(&about.metadata);
    let (name, version) = (about.name, about.version);
    Ok(Staged {
        wheel: job.wheel.clone(),
        name,
        version,
        dist_info: info_dest,
        files,
        tree: dir.to_path_buf(),
        how,
        requires,
    })
}

/// The wheel's name and version from its filename, checked against the
/// venv's tags and the name the `artifact` record gave.
fn check_filename(job: &Job, filename: &str, opts: &Options) -> Result<(String, String)> {
    let parsed = wheelpipe::wheel_name::WheelFilename::parse(filename)?;
    if let Some(tags) = &opts.tags {
        zipcheck::check_tags(tags, &parsed)?;
    }
    if let Some(expected) = &job.expected_name {
        if normalize(expected) != normalize(&parsed.name) {
            bail!("the artifact record names {expected}, the wheel is {}", parsed.name);
        }
    }
    Ok((parsed.name, parsed.version))
}

/// What the wheel's `.dist-info` says, read before anything is extracted.
struct About {
    /// The `.dist-info` folder's name in the zip.
    dist_info: String,
    root_is_purelib: bool,
    /// The wheel's RECORD: each entry's hash.
    expected: BTreeMap<String, Option<Expected>>,
    metadata: String,
    /// As METADATA spells them (else as the filename does).
    name: String,
    version: String,
    /// The console and GUI launchers to write, pip's variants included.
    launchers: Vec<EntryPoint>,
}

impl About {
    fn read(
        src: &mut Contents,
        entries: &[Entry],
        filename: &str,
        (file_name, file_version): (&str, &str),
        scheme: &Scheme,
        warn: &Warn,
    ) -> Result<About> {
        let dist_info =
            zipcheck::find_dist_info(entries.iter().map(|e| e.name.as_str()), file_name, file_version)?;
        let mut read =
            |file: &str| -> Result<Option<String>> { src.read_text(&format!("{dist_info}/{file}")) };
        let wheel_text = read("WHEEL")?.with_context(|| format!("{dist_info}/WHEEL is missing"))?;
        let info = zipcheck::parse_wheel_file(&wheel_text).with_context(|| format!("{dist_info}/WHEEL"))?;
        if let Some(w) = info.warning {
            warn(format!("{filename}: {w}"));
        }
        let record_text = read("RECORD")?.with_context(|| format!("{dist_info}/RECORD is missing"))?;
        let expected = record::parse(&record_text).with_context(|| format!("{dist_info}/RECORD"))?;
        let metadata = read("METADATA")?.with_context(|| format!("{dist_info}/METADATA is missing"))?;
        let entry_points = match read("entry_points.txt")? {
            Some(text) => {
                scripts::parse_entry_points(&text).with_context(|| format!("{dist_info}/entry_points.txt"))?
            }
            None => Vec::new(),
        };
        Ok(About {
            name: header(&metadata, "Name").unwrap_or_else(|| file_name.to_string()),
            version: header(&metadata, "Version").unwrap_or_else(|| file_version.to_string()),
            launchers: scripts::pip_variants(entry_points, scheme.version.0, scheme.version.1),
            root_is_purelib: info.root_is_purelib,
            expected,
            metadata,
            dist_info,
        })
    }
}

/// Makes the noted folders and puts the planned files in place. Linking
/// from the cache with threads to spare, one thread makes the folders, in
/// order, while the others link each file as soon as its folder is there
/// (`needs[i]`: how many of the noted folders `plans[i]` waits for); else
/// the folders are made first, a level at a time.
fn place(
    job: &Job,
    src: Contents,
    (plans, needs): (&[Plan], &[usize]),
    tree: &mut Tree,
    opts: &Options,
    threads: usize,
    warn: &Warn,
) -> Result<contents::Placed> {
    let python = tree.scheme.python.to_string_lossy().into_owned();
    let wanted = std::mem::take(&mut tree.dirs.wanted);
    let cached = matches!(src, Contents::Cached(_));
    if !cached || threads < 2 || wanted.len() < PARALLEL_DIRS {
        make_levels(wanted, threads)?;
        let par = link::Parallel { threads, ready: &|_| Ok(()) };
        return contents::place(job, src, plans, &python, &opts.linker, &par, warn);
    }
    let made = Made::new();
    std::thread::scope(|s| {
        let maker = s.spawn(|| made.make(&wanted));
        let par = link::Parallel { threads, ready: &|i| made.wait(needs[i]) };
        let placed = contents::place(job, src, plans, &python, &opts.linker, &par, warn);
        let folders = maker.join().unwrap_or_else(|_| Err(anyhow::anyhow!("the folder thread panicked")));
        folders.and(placed)
    })
}

/// Plans where each entry of the wheel goes, its folder noted in the
/// staging tree (made after, see [`place`]), and how many noted folders
/// each waits for; the generated files and setuptools' own launchers are
/// left out.
fn plan(
    about: &About,
    header_name: &str,
    entries: &[Entry],
    src: &Contents,
    verify: bool,
    tree: &mut Tree,
) -> Result<(Vec<Plan>, Vec<usize>)> {
    let dist_info = &about.dist_info;
    let data_dir = format!("{}.data", dist_info.trim_end_matches(".dist-info"));
    let generated = ["INSTALLER", "REQUESTED", "RECORD"].map(|f| format!("{dist_info}/{f}"));
    let launcher_names: HashSet<&str> = about.launchers.iter().map(|e| e.name.as_str()).collect();
    let scheme = tree.scheme;
    let (mut plans, mut needs) = (Vec::new(), Vec::new());
    for e in entries {
        if generated.contains(&e.name) {
            continue;
        }
        let want = match src {
            Contents::Zip(_) if verify => entries::wanted(&e.name, &about.expected, dist_info)?,
            _ => None,
        };
        let (dest, script) = match scheme::target(scheme, &tree.lib_dir, &data_dir, header_name, &e.name)? {
            Target::File(d) => (d, false),
            Target::Script(d) => (d, true),
        };
        if script && dest.file_name().is_some_and(|f| is_wrapper(&f.to_string_lossy(), &launcher_names)) {
            continue; // setuptools' own launcher for an entry point: pip skips it too
        }
        tree.claim(&dest)?;
        let (staged, mode) = (tree.planned_path(&dest)?, scheme.file_mode(e.executable));
        let (index, entry, size) = (e.index, e.name.clone(), e.size);
        plans.push(Plan { index, entry, want, staged, dest, mode, script, size });
        needs.push(tree.dirs.wanted.len());
    }
    Ok((plans, needs))
}

/// Byte-compiles the staged `.py` files into their `__pycache__` folders.
fn compile(compiler: &Compiler, plans: &[Plan], tree: &mut Tree) -> Result<()> {
    let is_py = |p: &&Plan| p.dest.extension().is_some_and(|e| e == "py");
    let sources: Vec<(PathBuf, PathBuf)> =
        plans.iter().filter(is_py).map(|p| (p.staged.clone(), p.dest.clone())).collect();
    for ((_, dest), pyc) in sources.iter().zip(compiler.compile(&sources)?) {
        let Some((pyc, name)) = pyc.and_then(|p| Some((p.clone(), p.file_name()?.to_owned()))) else {
            continue; // does not compile: pip records no .pyc either
        };
        let pyc_dest = dest.parent().context("a file has a folder")?.join("__pycache__").join(name);
        // pip lists the files it generates without hash or size.
        tree.add(pyc_dest, pyc, String::new(), None)?;
    }
    Ok(())
}

/// The `.dist-info` files the installer writes besides RECORD: INSTALLER,
/// REQUESTED for a requested wheel, `direct_url.json` for one named directly.
fn generated_files(job: &Job) -> Result<Vec<(&'static str, Vec<u8>)>> {
    let mut extra = vec![("INSTALLER", b"wheelpipe\n".to_vec())];
    if job.requested {
        extra.push(("REQUESTED", Vec::new()));
    }
    if let Some(direct) = &job.direct {
        extra.push((
            "direct_url.json",
            direct_url_json(&job.wheel, job.sha256.as_deref(), direct)?.into_bytes(),
        ));
    }
    Ok(extra)
}

/// The generated files whose bytes are the same in every wheel of a run.
const SHARED: [&str; 2] = ["INSTALLER", "REQUESTED"];

/// The run's copy of each of [`SHARED`], written beside the first staged
/// tree that needs it and hard-linked into every `.dist-info`: an inode a
/// file fewer for the disk to allocate (see `crate::spread`).
#[derive(Default)]
pub struct Shared {
    /// Each file's copy with its RECORD hash and size; `None`: it could
    /// not be written, each wheel writes its own.
    made: std::sync::Mutex<BTreeMap<&'static str, Option<SharedCopy>>>,
}

/// A file of [`SHARED`] written for the run: its path, RECORD hash and size.
type SharedCopy = (PathBuf, String, u64);

impl Shared {
    /// Hard-links the run's copy of `name` (written in the folder holding
    /// `tree` if not yet) to `staged`, whose folder exists; `None` when
    /// that fails and the caller writes its own.
    fn link(
        &self,
        tree: &Path,
        name: &'static str,
        mode: u32,
        bytes: &[u8],
        staged: &Path,
    ) -> Option<(String, u64)> {
        let copy = {
            let mut made = self.made.lock().unwrap_or_else(|e| e.into_inner());
            let copy = made.entry(name).or_insert_with(|| {
                let path = tree.parent()?.join(name);
                write_new(&path, mode, bytes).ok().map(|(hash, size)| (path, hash, size))
            });
            copy.clone()?
        };
        let (path, hash, size) = copy;
        fs::hard_link(path, staged).ok()?;
        Some((hash, size))
    }
}

/// One wheel's staging folder as it fills: the folders made, the files
/// staged with their destinations, and the rows of its installed RECORD.
struct Tree<'a> {
    scheme: &'a Scheme,
    /// The site-packages folder the wheel's root goes to.
    lib_dir: PathBuf,
    /// The staged tree ([`Scheme::staged`]).
    root: PathBuf,
    dirs: Dirs,
    files: Vec<StagedFile>,
    rows: Vec<Row>,
    /// Every destination claimed, by its bytes (hashing a `Path` goes
    /// component by component: a few percent of a warm install).
    dests: HashSet<OsString>,
}

impl<'a> Tree<'a> {
    fn new(scheme: &'a Scheme, dir: &Path, lib_dir: PathBuf) -> Tree<'a> {
        let (root, dirs) = (dir.to_path_buf(), Dirs::new(dir));
        Tree { scheme, lib_dir, root, dirs, files: Vec::new(), rows: Vec::new(), dests: HashSet::new() }
    }

    /// Where the file for `dest` is staged, its folder noted (see [`Dirs::make`]).
    fn planned_path(&mut self, dest: &Path) -> Result<PathBuf> {
        let staged = self.scheme.staged(&self.root, dest).context("a destination is inside the venv")?;
        self.dirs.want(staged.parent().context("a staged file has a folder")?)?;
        Ok(staged)
    }

    /// Where the file for `dest` is staged, its folder made.
    fn staged_path(&mut self, dest: &Path) -> Result<PathBuf> {
        let staged = self.planned_path(dest)?;
        self.dirs.make()?;
        Ok(staged)
    }

    /// Refuses a second file for one destination.
    fn claim(&mut self, dest: &Path) -> Result<()> {
        if !self.dests.insert(dest.as_os_str().to_owned()) {
            bail!("two entries are installed to {}", dest.display());
        }
        Ok(())
    }

    /// Adds a staged file and its RECORD row; refuses a second file for one destination.
    fn add(&mut self, dest: PathBuf, staged: PathBuf, hash: String, size: Option<u64>) -> Result<()> {
        self.claim(&dest)?;
        self.push(dest, staged, hash, size);
        Ok(())
    }

    /// Adds a staged file whose destination is claimed, and its RECORD row.
    fn push(&mut self, dest: PathBuf, staged: PathBuf, hash: String, size: Option<u64>) {
        self.rows.push(Row { path: record::relative(&dest, &self.lib_dir), hash, size });
        self.files.push(StagedFile { staged, dest });
    }

    /// Writes a generated file for `dest` and adds it; one of [`SHARED`]
    /// is a link to the run's copy when it can be.
    fn write(
        &mut self,
        dest: PathBuf,
        mode: u32,
        bytes: &[u8],
        shared: Option<(&Shared, &'static str)>,
    ) -> Result<()> {
        let staged = self.staged_path(&dest)?;
        let linked = shared.and_then(|(shared, name)| shared.link(&self.root, name, mode, bytes, &staged));
        let (hash, size) = match linked {
            Some(done) => done,
            None => write_new(&staged, mode, bytes)?,
        };
        self.add(dest, staged, hash, Some(size))
    }

    /// Writes the installed RECORD into `info_dest` and returns every staged file.
    fn finish(mut self, info_dest: &Path, dist_info: &str) -> Result<Vec<StagedFile>> {
        let dest = info_dest.join("RECORD");
        let staged = self.staged_path(&dest)?;
        let text = record::render(&self.rows, &format!("{dist_info}/RECORD"));
        write_new(&staged, self.scheme.file_mode(false), text.as_bytes())?;
        self.files.push(StagedFile { staged, dest });
        Ok(self.files)
    }
}

/// PEP 610's `direct_url.json` for a wheel named directly, byte for byte as
/// pip 23.2 writes it (`json.dumps(..., sort_keys=True)`, no newline): the
/// URL without its fragment, the file's sha256 as `hash` and `hashes`.
fn direct_url_json(wheel: &Path, sha256: Option<&str>, direct: &Direct) -> Result<String> {
    if let Direct::Sdist { how, path, sha256 } = direct {
        return direct_url_json(path, Some(sha256), how);
    }
    if let Direct::Tree(info) = direct {
        return info.direct_url_json();
    }
    let hash = unpacked::wheel_sha256(wheel, sha256)?;
    let url = serde_json::to_string(&direct.url(wheel)?)?;
    Ok(format!(
        "{{\"archive_info\": {{\"hash\": \"sha256={hash}\", \"hashes\": {{\"sha256\": \"{hash}\"}}}}, \"url\": {url}}}"
    ))
}

/// Folders of a wheel's staged tree (and its siblings, see
/// [`Scheme::staged`]): noted while planning, then made once each with one
/// `mkdir` (no probe, no "exists" failure), a level at a time, a big level
/// by several threads, so a big wheel's folders are made on every core.
struct Dirs {
    /// Made or noted; at first the tree's parent, where the tree and its
    /// siblings are made.
    known: HashSet<PathBuf>,
    /// Noted and not made yet, each after its parent.
    wanted: Vec<PathBuf>,
    /// The last folder asked for: a wheel's files come folder by folder.
    last: PathBuf,
}

/// Below this many folders in a level, one thread makes them.
const PARALLEL_DIRS: usize = 32;

impl Dirs {
    fn new(root: &Path) -> Dirs {
        let known = root.parent().into_iter().map(Path::to_path_buf).collect();
        Dirs { known, wanted: Vec::new(), last: PathBuf::new() }
    }

    /// Notes `dir` and the folders above it that are not known yet.
    fn want(&mut self, dir: &Path) -> Result<()> {
        if self.last.as_os_str() == dir.as_os_str() {
            return Ok(());
        }
        self.note(dir)?;
        self.last = dir.to_path_buf();
        Ok(())
    }

    fn note(&mut self, dir: &Path) -> Result<()> {
        if self.known.contains(dir) {
            return Ok(());
        }
        self.note(dir.parent().context("the staging tree is in a folder")?)?;
        self.known.insert(dir.to_path_buf());
        self.wanted.push(dir.to_path_buf());
        Ok(())
    }

    /// Makes the noted folders.
    fn make(&mut self) -> Result<()> {
        make_levels(std::mem::take(&mut self.wanted), 1)
    }
}

/// Makes the folders `wanted` (each after its parent), a level at a time.
fn make_levels(mut wanted: Vec<PathBuf>, threads: usize) -> Result<()> {
    wanted.sort_by_cached_key(|d| d.components().count());
    for level in wanted.chunk_by(|a, b| a.components().count() == b.components().count()) {
        make_dirs(level, threads)?;
    }
    Ok(())
}

/// How many folders one thread has made, in order, while others wait for
/// theirs; `None` once one could not be made.
struct Made {
    count: std::sync::Mutex<Option<usize>>,
    changed: std::sync::Condvar,
}

impl Made {
    fn new() -> Made {
        Made { count: std::sync::Mutex::new(Some(0)), changed: std::sync::Condvar::new() }
    }

    fn set(&self, count: Option<usize>) {
        *self.count.lock().unwrap_or_else(|e| e.into_inner()) = count;
        self.changed.notify_all();
    }

    /// Makes `dirs` in order (each after its parent), telling the waiters
    /// every few folders; a failure (or a panic) releases them too.
    fn make(&self, dirs: &[PathBuf]) -> Result<()> {
        struct Release<'a>(&'a Made, bool);
        impl Drop for Release<'_> {
            fn drop(&mut self) {
                if !self.1 {
                    self.0.set(None);
                }
            }
        }
        let mut release = Release(self, false);
        for (i, dir) in dirs.iter().enumerate() {
            fs::create_dir(dir).with_context(|| format!("cannot create {}", dir.display()))?;
            if i % 8 == 7 || i + 1 == dirs.len() {
                self.set(Some(i + 1));
            }
        }
        release.1 = true;
        Ok(())
    }

    /// Returns once `n` folders are made; fails if one could not be.
    fn wait(&self, n: usize) -> Result<()> {
        let mut count = self.count.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            match *count {
                None => bail!("a staging folder could not be made"),
                Some(made) if made >= n => return Ok(()),
                Some(_) => count = self.changed.wait(count).unwrap_or_else(|e| e.into_inner()),
            }
        }
    }
}

/// Makes the folders `dirs` (their parents exist), split among `threads`.
fn make_dirs(dirs: &[PathBuf], threads: usize) -> Result<()> {
    let one = |dir: &PathBuf| fs::create_dir(dir).with_context(|| format!("cannot create {}", dir.display()));
    if threads <= 1 || dirs.len() < PARALLEL_DIRS {
        return dirs.iter().try_for_each(one);
    }
    let chunk = dirs.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> =
            dirs.chunks(chunk).map(|part| s.spawn(move || part.iter().try_for_each(one))).collect();
        handles.into_iter().try_for_each(|h| {
            h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("a thread making folders panicked")))
        })
    })
}

/// True for `.data/scripts` files that are setuptools' launchers for one
/// of the entry points (`EP`, `EP.exe`, `EP-script.py`, `EP.pya`).
fn is_wrapper(file: &str, launchers: &HashSet<&str>) -> bool {
    let lower = file.to_lowercase();
    let stem = if lower.ends_with(".exe") || lower.ends_with(".pya") {
        &file[..file.len() - 4]
    } else if lower.ends_with("-script.py") {
        &file[..file.len() - 10]
    } else {
        file
    };
    launchers.contains(stem)
}

#[cfg(test)]
#[path = "staging_tests.rs"]
pub(crate) mod tests;
