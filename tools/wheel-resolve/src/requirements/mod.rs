//! pip's requirements file format, parsed without touching the disk or the
//! environment itself (the caller passes a file reader and a variable
//! lookup), so every rule is tested on strings: `-r` includes relative to
//! the including file with circular includes detected, `-c` constraints,
//! index and binary options, requirement lines with `--hash` options.
//! Every error names the file and line: `FILE:LINE: what is wrong`.

mod archives;
pub mod command_line;
pub mod format_control;
mod lines;
mod options;
#[cfg(test)]
mod tests;
pub mod trees;

use std::fmt;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;

use pep508_rs::{Requirement, VersionOrUrl};

use lines::{logical_lines, split_requirement_options};
use options::{parse_options, Opt};

/// Where something was written: a file and a line (0 for the file itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            0 => write!(f, "{}", self.file),
            n => write!(f, "{}:{n}", self.file),
        }
    }
}

/// A hash a requirement's `--hash` option expects: algorithm and lowercase hex.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hash {
    pub algorithm: String,
    pub digest: String,
}

/// One requirement line.
#[derive(Clone, Debug)]
pub struct Entry {
    pub requirement: Requirement,
    pub hashes: Vec<Hash>,
    pub location: Location,
    /// The requirement as written, for messages.
    pub text: String,
}

/// One requirement of a source tree (a folder or a git URL, maybe `-e`).
#[derive(Clone, Debug)]
pub struct TreeEntry {
    pub tree: trees::Tree,
    pub location: Location,
    /// The requirement as written, for messages.
    pub text: String,
}

/// The options the files gave, in the order met (later values win).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileOptions {
    pub index_url: Option<String>,
    pub extra_index_urls: Vec<String>,
    /// Relative folders are already joined to the folder of the file that named them.
    pub find_links: Vec<String>,
    pub no_index: bool,
    pub pre: bool,
    /// `--no-binary` and `--only-binary` values, in the order given.
    pub binary: Vec<format_control::Binary>,
    pub prefer_binary: bool,
    pub trusted_hosts: Vec<String>,
    pub require_hashes: bool,
}

impl FileOptions {
    /// True when a file set any option that chooses where packages come from.
    pub fn has_index_options(&self) -> bool {
        self.index_url.is_some()
            || !self.extra_index_urls.is_empty()
            || !self.find_links.is_empty()
            || self.no_index
    }
}

/// Everything read from one or more requirement files.
#[derive(Clone, Debug, Default)]
pub struct Requirements {
    pub requirements: Vec<Entry>,
    pub constraints: Vec<Entry>,
    /// Folders and repositories, whose names their metadata gives.
    pub trees: Vec<TreeEntry>,
    pub options: FileOptions,
}

/// A problem in a requirements file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub location: Location,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

impl std::error::Error for ParseError {}

/// How the parser reaches the outside world.
pub struct Source<'a> {
    /// Reads a file; `-` is standard input.
    pub read: &'a mut dyn FnMut(&Path) -> io::Result<String>,
    /// Looks up an environment variable.
    pub var: &'a dyn Fn(&str) -> Option<String>,
}

/// The name used for a path in messages.
pub fn display_name(path: &Path) -> String {
    if path == Path::new("-") {
        "stdin".to_string()
    } else {
        path.display().to_string()
    }
}

/// Parses the file at `path` (and what it includes) into `into`.
pub fn parse_file(path: &Path, source: &mut Source<'_>, into: &mut Requirements) -> Result<(), ParseError> {
    let mut stack = Vec::new();
    parse_one(path, false, source, into, &mut stack, None)
}

fn parse_one(
    path: &Path,
    constraint: bool,
    source: &mut Source<'_>,
    into: &mut Requirements,
    stack: &mut Vec<PathBuf>,
    included_from: Option<&Location>,
) -> Result<(), ParseError> {
    let key = normalize_path(path);
    if let Some(first) = stack.iter().position(|p| *p == key) {
        let mut chain: Vec<String> = stack[first..].iter().map(|p| display_name(p)).collect();
        chain.push(display_name(&key));
        return Err(ParseError {
            location: included_from.cloned().unwrap_or(Location { file: display_name(path), line: 0 }),
            message: format!("circular include: {}", chain.join(" -> ")),
        });
    }
    let text = (source.read)(path).map_err(|e| match included_from {
        Some(at) => {
            ParseError { location: at.clone(), message: format!("cannot read {}: {e}", path.display()) }
        }
        None => ParseError {
            location: Location { file: display_name(path), line: 0 },
            message: format!("cannot read: {e}"),
        },
    })?;
    stack.push(key);
    let file = display_name(path);
    let base =
        if path == Path::new("-") { PathBuf::new() } else { path.parent().unwrap_or(Path::new("")).into() };
    for line in logical_lines(&text, source.var) {
        let location = Location { file: file.clone(), line: line.number };
        let err = |message: String| ParseError { location: location.clone(), message };
        let (req_text, option_text) = split_requirement_options(&line.text);
        let opts = parse_options(&option_text).map_err(err)?;
        if req_text.is_empty() {
            for opt in opts {
                apply_option(opt, constraint, &base, &location, source, into, stack)?;
            }
            continue;
        }
        if let Some(tree) = trees::parse(&req_text, &base, false) {
            if !opts.is_empty() || constraint {
                return Err(err(format!(
                    "`{}`: a folder or VCS URL takes no options nor constraints",
                    line.text
                )));
            }
            let tree = tree.map_err(err)?;
            into.trees.push(TreeEntry { tree, location, text: req_text });
            continue;
        }
        let mut hashes = Vec::new();
        for opt in opts {
            match opt {
                Opt::Hash(h) => hashes.push(h),
                other => {
                    return Err(err(format!(
                        "`{}`: the option {} cannot follow a requirement",
                        line.text,
                        other.flag()
                    )))
                }
            }
        }
        let requirement = parse_named(&req_text, &base).map_err(err)?;
        let entry = Entry { requirement, hashes, location: location.clone(), text: req_text };
        if constraint {
            into.constraints.push(entry);
        } else {
            into.requirements.push(entry);
        }
    }
    stack.pop();
    Ok(())
}

fn apply_option(
    opt: Opt,
    constraint: bool,
    base: &Path,
    location: &Location,
    source: &mut Source<'_>,
    into: &mut Requirements,
    stack: &mut Vec<PathBuf>,
) -> Result<(), ParseError> {
    let o = &mut into.options;
    match opt {
        Opt::Requirement(target) | Opt::Constraint(target) if is_url(&target) => {
            return Err(ParseError {
                location: location.clone(),
                message: format!("{target}: requirement files from URLs are not supported yet"),
            })
        }
        Opt::Requirement(target) => {
            parse_one(&base.join(&target), constraint, source, into, stack, Some(location))?;
        }
        Opt::Constraint(target) => {
            parse_one(&base.join(&target), true, source, into, stack, Some(location))?;
        }
        Opt::Editable(target) => {
            let err = |message: String| ParseError { location: location.clone(), message };
            let tree = trees::parse(&target, base, true)
                .ok_or_else(|| err(format!("-e {target}: an editable is a project folder or a git+ URL")))?
                .map_err(err)?;
            into.trees.push(TreeEntry { tree, location: location.clone(), text: format!("-e {target}") });
        }
        Opt::Hash(_) => {
            return Err(ParseError {
                location: location.clone(),
                message: "--hash must follow a requirement on the same line".into(),
            })
        }
        Opt::IndexUrl(url) => o.index_url = Some(url),
        Opt::ExtraIndexUrl(url) => o.extra_index_urls.push(url),
        Opt::FindLinks(place) => {
            let joined = if is_url(&place) || Path::new(&place).is_absolute() {
                place
            } else {
                base.join(&place).display().to_string()
            };
            o.find_links.push(joined);
        }
        Opt::NoIndex => o.no_index = true,
        Opt::Pre => o.pre = true,
        Opt::OnlyBinary(v) => o.binary.push(format_control::Binary::Only(v)),
        Opt::NoBinary(v) => o.binary.push(format_control::Binary::No(v)),
        Opt::PreferBinary => o.prefer_binary = true,
        Opt::TrustedHost(h) => o.trusted_hosts.push(h),
        Opt::RequireHashes => o.require_hashes = true,
        Opt::UseFeature(_) => {}
    }
    Ok(())
}

fn is_url(text: &str) -> bool {
    text.contains("://")
}

/// True for what pip would read as a path or URL rather than a name.
fn looks_like_path_or_url(text: &str) -> bool {
    is_url(text)
        || text.starts_with('.')
        || text.starts_with('/')
        || text.contains(std::path::MAIN_SEPARATOR)
        || trees::is_distribution(text)
}

/// True for a `name @ URL` whose URL is a wheel or an sdist (`.tar.gz`,
/// `.zip`) over HTTP(S) or a local file.
fn is_file_url(req: &Requirement) -> bool {
    let Some(VersionOrUrl::Url(url)) = &req.version_or_url else { return false };
    let path = url.path();
    matches!(url.scheme(), "http" | "https" | "file")
        && (path.to_ascii_lowercase().ends_with(".whl") || wheelpipe::build::source::is_sdist_name(path))
}

/// A requirement line: a nameless wheel or sdist as its `name @ URL`, else as written.
fn parse_named(text: &str, base: &Path) -> Result<Requirement, String> {
    match archives::parse(text, base) {
        Some(named) => parse_requirement(&named?),
        None => parse_requirement(text),
    }
}

pub(crate) fn parse_requirement(text: &str) -> Result<Requirement, String> {
    let unsupported = || {
        format!(
            "`{text}`: VCS, local path and direct URL requirements other than `name @ URL` of a wheel \
             or sdist are not supported yet"
        )
    };
    match Requirement::from_str(text) {
        Ok(req) if matches!(req.version_or_url, Some(VersionOrUrl::Url(_))) && !is_file_url(&req) => {
            Err(unsupported())
        }
        Ok(req) => Ok(req),
        Err(_) if looks_like_path_or_url(text) => Err(unsupported()),
        Err(e) => Err(format!("invalid requirement `{text}`: {}", e.message)),
    }
}

/// `a/./b/../c` → `a/c`, without looking at the disk (include cycles are
/// found by name, so the parser stays pure).
fn normalize_path(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}
