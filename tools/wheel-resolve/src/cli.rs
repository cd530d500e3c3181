//! The command line of wheel-resolve, as one clap command: the binary parses
//! it and the man page and shell completions are generated from it.

use std::path::PathBuf;

use clap::{value_parser, Arg, ArgAction, Command};
use wheelpipe::docs::Page;

const LONG_ABOUT: &str = "\
Reads requirement files in pip's format and finds the newest set of
versions that fits together and fits the target interpreter: a backtracking
resolver (PubGrub) over the index's versions, with each version's
dependencies read from its metadata (PEP 658, else a few kilobytes of the
wheel by range requests), all pages and metadata read ahead in parallel.
Markers are evaluated for the target interpreter; extras, constraints
(`-c`), Requires-Python, yanked files (used only for an exact == pin, with a
warning) and pip's pre-release rules (only when asked for, by --pre or a
specifier naming one, or when nothing else fits) apply. Picks for every
distribution the one wheel that fits the interpreter best (its tags, its
Requires-Python, the --hash values) and writes one `artifact` record a wheel
on stdout, sorted by name, then an `end` record. When no set fits, the error
explains why, step by step.

In hash-checking mode (--require-hashes, or any --hash) every distribution,
dependencies included, must be pinned with == and hashed, as pip demands.
A PEP 751 lock (`pylock.toml` or `pylock.NAME.toml`) given as the only
input is installed as locked, without resolving: each package whose marker
holds, with its best wheel for the interpreter. --lock FILE writes one.

`name @ URL` installs the wheel at that URL (its dependencies come from the
index). Source distributions, editable, VCS and local path requirements are
not supported yet.

The index comes from --index-url and the other index flags, else from the
requirement files' own options (`--index-url`, `--find-links`, ...), else from
PIP_* environment variables, pip's configuration files and pip's default.
Project pages and metadata are kept in the cache (--cache-dir) and
revalidated with the index as its Cache-Control and ETag allow.";

/// The reference sections of the manual page and `--help`.
pub const PAGE: Page = Page {
    environment: &[
        ("PIP_INDEX_URL, PIP_EXTRA_INDEX_URL", "The index and more indexes, when neither the command line nor the requirement files name one."),
        ("PIP_FIND_LINKS, PIP_NO_INDEX", "Folders or pages of links to look in as well; no index at all."),
    ],
    files: &[("pylock.toml", "A PEP 751 lock: written by --lock, installed as locked when given as the only input.")],
    examples: &[
        (
            "Install a requirements file into a virtualenv",
            "wheel-resolve --python .venv/bin/python requirements.txt \\\n    | wheel-fetch -j 8 | wheel-unpack --venv .venv",
        ),
        ("Resolve against a local index and keep the result", "wheel-resolve -i http://127.0.0.1:8000/simple \\\n    requirements.txt > lock.jsonl"),
        ("Write a PEP 751 lock, then install from it", "wheel-resolve --lock pylock.toml requirements.txt > /dev/null\nwheel-resolve pylock.toml | wheel-fetch | wheel-unpack --venv .venv"),
    ],
};

pub fn command() -> Command {
    PAGE.attach(Command::new("wheel-resolve"))
        .version(env!("CARGO_PKG_VERSION"))
        .about("Resolve requirement files into the exact wheels to install")
        .long_about(LONG_ABOUT)
        .arg(
            Arg::new("index-url")
                .short('i')
                .long("index-url")
                .value_name("URL")
                .help("The package index (PEP 503 / PEP 691 simple API) [default: as pip is configured]"),
        )
        .arg(
            Arg::new("extra-index-url")
                .long("extra-index-url")
                .value_name("URL")
                .action(ArgAction::Append)
                .help("Another index to look in as well (may be repeated)"),
        )
        .arg(
            Arg::new("find-links")
                .short('f')
                .long("find-links")
                .value_name("PATH_OR_URL")
                .action(ArgAction::Append)
                .help("A folder of wheels or an HTML page of links to look in as well (may be repeated)"),
        )
        .arg(
            Arg::new("no-index")
                .long("no-index")
                .action(ArgAction::SetTrue)
                .help("Use no index, only --find-links locations"),
        )
        .arg(
            Arg::new("pre")
                .long("pre")
                .action(ArgAction::SetTrue)
                .help("Consider pre-releases and development versions as well (pip --pre)"),
        )
        .arg(Arg::new("no-deps").long("no-deps").action(ArgAction::SetTrue).help(
            "Install the requirements only, not their dependencies (pip --no-deps): no metadata is read",
        ))
        .arg(
            Arg::new("lock")
                .long("lock")
                .value_name("FILE")
                .value_parser(value_parser!(PathBuf))
                .help("Also write the resolution as a PEP 751 lock file (pylock.toml)"),
        )
        .arg(wheelpipe::args::cert())
        .arg(
            Arg::new("python")
                .long("python")
                .value_name("PY")
                .default_value("python3")
                .value_parser(value_parser!(PathBuf))
                .help(
                    "The target interpreter, usually a virtualenv's bin/python: its markers and tags decide",
                ),
        )
        .arg(wheelpipe::args::cache_dir())
        .args(wheelpipe::args::output())
        .arg(
            Arg::new("requirements")
                .value_name("REQUIREMENTS")
                .num_args(1..)
                .required(true)
                .value_parser(value_parser!(PathBuf))
                .help("Requirement files in pip's format; - reads stdin"),
        )
}
