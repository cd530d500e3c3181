//! Staging one wheel: check the whole zip, extract every file into the
//! staging folder while checking it against the wheel's RECORD, generate
//! launchers, INSTALLER, REQUESTED and the installed RECORD. Nothing here
//! touches the virtualenv's own folders; the commit moves the files in.

use std::collections::{BTreeSet, HashSet};
use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use wheelpipe::names::normalize;

use wheelpipe::cache::Cache;
use wheelpipe::records::LinkMode;
use wheelpipe::tags::Tags;

use crate::compile::Compiler;
use crate::extract::{self, Plan};
use crate::link::{self, Linker};
use crate::pipeline::Warn;
use crate::record::{self, Row};
use crate::scheme::{self, Scheme, Target};
use crate::source::{self, Source};
use crate::{scripts, unpacked, zipcheck};

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
}

impl Options {
    /// Extract afresh, verify: what a run without a cache does.
    pub fn no_cache() -> Options {
        let linker = Linker::new(link::Pref::Copy);
        Options { cache: None, linker, verify: true, compiler: None, tags: None, build: None }
    }
}

/// A wheel to install.
#[derive(Clone, Debug)]
pub struct Job {
    pub wheel: PathBuf,
    pub requested: bool,
    /// The name the `artifact` record gave, checked against the wheel.
    pub expected_name: Option<String>,
    /// The wheel's sha256 (hex) when the record says it.
    pub sha256: Option<String>,
    /// A direct URL requirement, whose `.dist-info` gets PEP 610's
    /// `direct_url.json` as pip writes it.
    pub direct: Option<Direct>,
    /// The project's name as the requirement spelled it
    /// (`artifact.requirement_name`): the folder of its headers.
    pub requirement_name: Option<String>,
}

impl Job {
    /// A wheel named by its path (an argument or a plain input line), as in
    /// `pip install ./x.whl`.
    pub fn path(wheel: PathBuf) -> Job {
        let direct = Some(Direct::Path);
        Job { wheel, requested: true, expected_name: None, sha256: None, direct, requirement_name: None }
    }
}

/// How a wheel was named directly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Direct {
    /// By its path (an argument or a plain line), as in `pip install ./x.whl`.
    Path,
    /// By a `name @ URL` requirement (`artifact.direct`): this URL.
    Url(String),
    /// A wheel built from an sdist that was named directly: as pip does,
    /// `direct_url.json` names the sdist (`how` it was named, its `path`
    /// here) and the sdist's sha256.
    Sdist { how: Box<Direct>, path: PathBuf, sha256: String },
}

impl Direct {
    /// The URL `direct_url.json` records for `wheel`: its `file://` URL for
    /// a path, the named URL without its fragment.
    pub fn url(&self, wheel: &Path) -> Result<String> {
        Ok(match self {
            Direct::Path => {
                let path = scheme::normalize(&std::path::absolute(wheel)?);
                format!("file://{}", quote_path(&path.to_string_lossy()))
            }
            Direct::Url(url) => url.split('#').next().unwrap_or(url).to_string(),
            // The sdist, as it was named: what pip records for a built wheel.
            Direct::Sdist { how, path, .. } => how.url(path)?,
        })
    }
}

/// A file ready in the staging folder, and where it goes.
#[derive(Clone, Debug)]
pub struct StagedFile {
    pub staged: PathBuf,
    pub dest: PathBuf,
}

/// A wheel whose files are all staged.
#[derive(Debug)]
pub struct Staged {
    pub wheel: PathBuf,
    /// As METADATA spells it.
    pub name: String,
    pub version: String,
    /// The `.dist-info` folder's destination.
    pub dist_info: PathBuf,
    pub files: Vec<StagedFile>,
    /// The staging folder holding every staged file ([`Scheme::staged`]).
    pub tree: PathBuf,
    /// How the files came from the cache.
    pub how: LinkMode,
    /// The normalized names its METADATA's `Requires-Dist` lines name
    /// (whatever their markers), for pip's install order.
    pub requires: Vec<String>,
}

impl Staged {
    pub fn key(&self) -> String {
        normalize(&self.name)
    }
}

fn header(text: &str, key: &str) -> Option<String> {
    text.lines().take_while(|l| !l.is_empty()).find_map(|l| {
        l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.trim().to_string())
    })
}

/// Writes `bytes` to a new staged file with `mode`, returning its RECORD hash and size.
pub(crate) fn write_new(path: &Path, mode: u32, bytes: &[u8]) -> Result<(String, u64)> {
    let mut f = OpenOptions::new().write(true).create_new(true).mode(mode).open(path)?;
    f.write_all(bytes)?;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
    Ok((wheelpipe::hash::record_hash(&Sha256::digest(bytes)), bytes.len() as u64))
}

/// Stages one wheel into `dir` (new and empty, or not made yet), laid out by
/// scheme folder as [`Scheme::staged`] says. Big wheels are
/// extracted or linked by up to `threads` threads.
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
    let parsed = wheelpipe::wheel_name::WheelFilename::parse(&filename)?;
    if let Some(tags) = &opts.tags {
        zipcheck::check_tags(tags, &parsed)?;
    }
    let (file_name, file_version) = (parsed.name, parsed.version);
    if let Some(expected) = &job.expected_name {
        if normalize(expected) != normalize(&file_name) {
            bail!("the artifact record names {expected}, the wheel is {file_name}");
        }
    }
    let names = (file_name.as_str(), file_version.as_str());
    // Every entry is checked before anything is extracted.
    // Only the run's own cache: a path shaped like a cache's proves nothing.
    let (mut src, entries) = open(job, opts, names, scheme, threads)?;
    let dist_info =
        zipcheck::find_dist_info(entries.iter().map(|e| e.name.as_str()), &file_name, &file_version)?;
    let wheel_text = src
        .read_text(&format!("{dist_info}/WHEEL"))?
        .with_context(|| format!("{dist_info}/WHEEL is missing"))?;
    let info = zipcheck::parse_wheel_file(&wheel_text).with_context(|| format!("{dist_info}/WHEEL"))?;
    if let Some(w) = info.warning {
        warn(format!("{filename}: {w}"));
    }
    let record_name = format!("{dist_info}/RECORD");
    let record_text = src.read_text(&record_name)?.with_context(|| format!("{record_name} is missing"))?;
    let expected = record::parse(&record_text).with_context(|| record_name.clone())?;
    let metadata = src
        .read_text(&format!("{dist_info}/METADATA"))?
        .with_context(|| format!("{dist_info}/METADATA is missing"))?;
    let name = header(&metadata, "Name").unwrap_or_else(|| file_name.clone());
    let version = header(&metadata, "Version").unwrap_or_else(|| file_version.clone());
    let entry_points = match src.read_text(&format!("{dist_info}/entry_points.txt"))? {
        Some(text) => {
            scripts::parse_entry_points(&text).with_context(|| format!("{dist_info}/entry_points.txt"))?
        }
        None => Vec::new(),
    };
    let launchers = scripts::pip_variants(entry_points, scheme.version.0, scheme.version.1);
    let launcher_names: HashSet<&str> = launchers.iter().map(|e| e.name.as_str()).collect();

    // pip names the headers' folder as the requirement spells the project
    // (`InstallRequirement.req.name`): the record's `requirement_name`, else,
    // as for a wheel named by its path, the filename's name with `_` read
    // as `-` (pip's `Wheel.name`).
    let header_name = job.requirement_name.clone().unwrap_or_else(|| file_name.replace('_', "-"));
    let lib_dir = scheme.lib_dir(info.root_is_purelib).to_path_buf();
    let data_dir = format!("{}.data", dist_info.trim_end_matches(".dist-info"));
    let python = scheme.python.to_string_lossy().into_owned();
    let generated = ["INSTALLER", "REQUESTED", "RECORD"].map(|f| format!("{dist_info}/{f}"));
    let tree = dir.to_path_buf();
    let mut dirs = Dirs { root: tree.clone(), made: HashSet::new() };
    let staged_path = |dest: &Path, dirs: &mut Dirs| -> Result<PathBuf> {
        let staged = scheme.staged(&tree, dest).context("a destination is inside the venv")?;
        dirs.make(staged.parent().context("a staged file has a folder")?)?;
        Ok(staged)
    };

    let mut files = Vec::new();
    let mut rows = Vec::new();
    let mut dests = BTreeSet::new();
    let mut add = |dest: PathBuf,
                   staged: PathBuf,
                   hash: String,
                   size: Option<u64>,
                   rows: &mut Vec<Row>|
     -> Result<()> {
        if !dests.insert(dest.clone()) {
            bail!("two entries are installed to {}", dest.display());
        }
        rows.push(Row { path: record::relative(&dest, &lib_dir), hash, size });
        files.push(StagedFile { staged, dest });
        Ok(())
    };
    let (mut plans, mut planned) = (Vec::new(), HashSet::new());
    for e in &entries {
        if generated.contains(&e.name) {
            continue;
        }
        let want = match &src {
            Source::Zip(_) if opts.verify => source::wanted(&e.name, &expected, &dist_info)?,
            _ => None,
        };
        let (dest, script) = match scheme::target(scheme, &lib_dir, &data_dir, &header_name, &e.name)? {
            Target::File(d) => (d, false),
            Target::Script(d) => (d, true),
        };
        if script && dest.file_name().is_some_and(|f| is_wrapper(&f.to_string_lossy(), &launcher_names)) {
            continue; // setuptools' own launcher for an entry point: pip skips it too
        }
        if !planned.insert(dest.clone()) {
            bail!("two entries are installed to {}", dest.display());
        }
        let (staged, mode) = (staged_path(&dest, &mut dirs)?, scheme.file_mode(e.executable));
        let (index, entry, size) = (e.index, e.name.clone(), e.size);
        plans.push(Plan { index, entry, want, staged, dest, mode, script, size });
    }
    let (done, how, mismatched, vouched) = place(job, src, &plans, &python, opts, threads, warn)?;
    if opts.verify && !mismatched.is_empty() {
        crate::trust::judge((&name, &version), mismatched, job.requested, vouched, warn)?;
    }
    for (plan, (hash, size)) in plans.iter().zip(done) {
        add(plan.dest.clone(), plan.staged.clone(), hash, Some(size), &mut rows)?;
    }
    if let Some(compiler) = &opts.compiler {
        let is_py = |p: &&Plan| p.dest.extension().is_some_and(|e| e == "py");
        let sources: Vec<(PathBuf, PathBuf)> =
            plans.iter().filter(is_py).map(|p| (p.staged.clone(), p.dest.clone())).collect();
        for ((_, dest), pyc) in sources.iter().zip(compiler.compile(&sources)?) {
            let Some((pyc, name)) = pyc.and_then(|p| Some((p.clone(), p.file_name()?.to_owned()))) else {
                continue; // does not compile: pip records no .pyc either
            };
            let pyc_dest = dest.parent().context("a file has a folder")?.join("__pycache__").join(name);
            // pip lists the files it generates without hash or size.
            add(pyc_dest, pyc, String::new(), None, &mut rows)?;
        }
    }
    for ep in &launchers {
        let dest = scheme.inside(&scheme.scripts, &ep.name)?;
        let staged = staged_path(&dest, &mut dirs)?;
        let (hash, size) =
            write_new(&staged, scheme.launcher_mode(), scripts::launcher(&python, ep).as_bytes())?;
        add(dest, staged, hash, Some(size), &mut rows).with_context(|| format!("entry point {}", ep.name))?;
    }
    let info_dest = lib_dir.join(&dist_info);
    let mut extra: Vec<(&str, &[u8])> = vec![("INSTALLER", b"wheelpipe\n")];
    if job.requested {
        extra.push(("REQUESTED", b""));
    }
    let direct_url = match &job.direct {
        Some(direct) => Some(direct_url_json(&job.wheel, job.sha256.as_deref(), direct)?),
        None => None,
    };
    if let Some(json) = &direct_url {
        extra.push(("direct_url.json", json.as_bytes()));
    }
    for (file, bytes) in extra {
        let dest = info_dest.join(file);
        let staged = staged_path(&dest, &mut dirs)?;
        let (hash, size) = write_new(&staged, scheme.file_mode(false), bytes)?;
        add(dest, staged, hash, Some(size), &mut rows)?;
    }
    let dest = info_dest.join("RECORD");
    let staged = staged_path(&dest, &mut dirs)?;
    write_new(
        &staged,
        scheme.file_mode(false),
        record::render(&rows, &format!("{dist_info}/RECORD")).as_bytes(),
    )?;
    files.push(StagedFile { staged, dest });
    let requires = crate::order::requirements(&metadata);
    Ok(Staged { wheel: job.wheel.clone(), name, version, dist_info: info_dest, files, tree, how, requires })
}

/// Where the wheel's files come from: the cache (unpacked into it now if
/// need be), else the zip itself.
fn open(
    job: &Job,
    opts: &Options,
    names: (&str, &str),
    scheme: &Scheme,
    threads: usize,
) -> Result<(Source, Vec<source::Entry>)> {
    let Some(cache) = opts.cache.as_ref() else {
        let (archive, entries) = source::open_zip(&job.wheel)?;
        return Ok((Source::Zip(archive), entries));
    };
    let sha = job.sha256.as_deref();
    let result = unpacked::ensure(cache, &job.wheel, sha, names, scheme, opts.verify, threads);
    let u = result.map_err(|mut e| {
        if let Some(u) = e.downcast_mut::<crate::trust::Untrusted>() {
            u.requested = job.requested;
        }
        e
    })?;
    let entries = u.entries();
    Ok((Source::Cached(u), entries))
}

/// What [`place`] gives: each file's RECORD hash and size, how most came,
/// the entries unlike the wheel's RECORD, and whether the record's sha256
/// vouches for the wheel (see [`crate::trust`]).
type Placed = (Vec<(String, u64)>, LinkMode, Vec<String>, bool);

/// Extracts or links the planned files into the staging folder.
fn place(
    job: &Job,
    src: Source,
    plans: &[Plan],
    python: &str,
    opts: &Options,
    threads: usize,
    warn: &Warn,
) -> Result<Placed> {
    let is_record_sha = |h: &str| job.sha256.as_ref().is_some_and(|s| s.eq_ignore_ascii_case(h));
    Ok(match src {
        Source::Zip(archive) => {
            let ex = extract::all(&job.wheel, archive, plans, python, threads)?;
            // Hashing the wheel costs a read: only for a wheel that needs it.
            let vouched =
                !ex.mismatched.is_empty() && is_record_sha(&unpacked::wheel_sha256(&job.wheel, None)?);
            (ex.done, LinkMode::Copy, ex.mismatched, vouched)
        }
        Source::Cached(u) => {
            let (done, how) = link::all(&u, plans, &opts.linker, python, threads, warn)?;
            // The cache is keyed by the unpacked file's own sha256.
            let vouched = is_record_sha(&u.sha256);
            (done, how, u.manifest.mismatched, vouched)
        }
    })
}

/// PEP 610's `direct_url.json` for a wheel named directly, byte for byte as
/// pip 23.2 writes it (`json.dumps(..., sort_keys=True)`, no newline): the
/// URL without its fragment, the file's sha256 as `hash` and `hashes`.
fn direct_url_json(wheel: &Path, sha256: Option<&str>, direct: &Direct) -> Result<String> {
    if let Direct::Sdist { how, path, sha256 } = direct {
        return direct_url_json(path, Some(sha256), how);
    }
    let hash = unpacked::wheel_sha256(wheel, sha256)?;
    let url = serde_json::to_string(&direct.url(wheel)?)?;
    Ok(format!(
        "{{\"archive_info\": {{\"hash\": \"sha256={hash}\", \"hashes\": {{\"sha256\": \"{hash}\"}}}}, \"url\": {url}}}"
    ))
}

/// Percent-encodes a path as Python's `urllib.parse.quote` does (`/` kept).
fn quote_path(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/_.-~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Folders made in the staging tree, top down, so each is made with one
/// call (a folder costs as much as a file on some disks).
struct Dirs {
    root: PathBuf,
    made: HashSet<PathBuf>,
}

impl Dirs {
    fn make(&mut self, dir: &Path) -> Result<()> {
        if self.made.contains(dir) {
            return Ok(());
        }
        let made = if dir == self.root {
            fs::create_dir_all(dir)
        } else {
            self.make(dir.parent().context("the staging tree is in a folder")?)?;
            fs::create_dir(dir)
                .or_else(|e| if e.kind() == ErrorKind::AlreadyExists { Ok(()) } else { Err(e) })
        };
        made.with_context(|| format!("cannot create {}", dir.display()))?;
        self.made.insert(dir.to_path_buf());
        Ok(())
    }
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
#[path = "stage_tests.rs"]
pub(crate) mod tests;
