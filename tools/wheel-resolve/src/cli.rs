//! The command line of wheel-resolve, as one clap command: the binary parses
//! it and the man page and shell completions are generated from it.

use std::path::PathBuf;

use clap::{value_parser, Arg, ArgAction, Command};

const LONG_ABOUT: &str = "\
Reads requirement files in pip's format that pin every distribution with
`==` (a lock, as pip-compile or `pip freeze` write them), asks the package
index for each project's files, all at once, and picks for every pin the one
wheel that fits the target interpreter best: its tags, its Requires-Python
and the requirement's --hash values. Writes one `artifact` record a wheel on
stdout, sorted by name, then an `end` record.

Requirements whose environment marker is false for the target interpreter are
left out. A requirement that is not pinned with `==` is an error: full
resolution is not supported yet, nor are source distributions, editable,
URL or local path requirements.

The index comes from --index-url and the other index flags, else from the
requirement files' own options (`--index-url`, `--find-links`, ...), else from
PIP_* environment variables, pip's configuration files and pip's default.

Example:

    wheel-resolve --index-url http://127.0.0.1:8000/simple --python .venv/bin/python requirements.txt \\
        | wheel-fetch -j 8 | wheel-unpack --venv .venv";

pub fn command() -> Command {
    Command::new("wheel-resolve")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Turn a pinned requirements file into the exact wheels to install")
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
        .arg(wheelpipe::args::quiet())
        .arg(
            Arg::new("requirements")
                .value_name("REQUIREMENTS")
                .num_args(1..)
                .required(true)
                .value_parser(value_parser!(PathBuf))
                .help("Requirement files in pip's format, every distribution pinned with ==; - reads stdin"),
        )
}
