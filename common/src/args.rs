//! The command-line options every tool shares, defined once so that they
//! read and behave alike in each tool, its man page and its completions.

use std::path::PathBuf;

use anyhow::Result;
use clap::{value_parser, Arg, ArgAction, ArgMatches};

use crate::cache::Cache;
use crate::http::Client;

/// `-j N`: how many things at once; `what` says which ("Downloads").
pub fn jobs(what: &'static str) -> Arg {
    Arg::new("jobs")
        .short('j')
        .long("jobs")
        .value_name("N")
        .value_parser(value_parser!(u16).range(1..=256))
        .help(what)
}

/// The `-j` value, else `default`.
pub fn get_jobs(matches: &ArgMatches, default: usize) -> usize {
    matches.get_one::<u16>("jobs").map_or(default, |j| usize::from(*j))
}

/// `--venv DIR`, required, else `$VIRTUAL_ENV`; `help` says what the tool
/// does with it.
pub fn venv(help: &'static str) -> Arg {
    Arg::new("venv")
        .long("venv")
        .value_name("DIR")
        .env("VIRTUAL_ENV")
        .required(true)
        .value_parser(value_parser!(PathBuf))
        .help(help)
}

/// `--python PY` (default `python3`): the target interpreter, for the
/// tools that resolve or build for one.
pub fn python(help: &'static str) -> Arg {
    Arg::new("python")
        .long("python")
        .value_name("PY")
        .default_value("python3")
        .value_parser(value_parser!(PathBuf))
        .help(help)
}

/// `--src DIR`, pip's: where editable VCS requirements are checked out.
pub fn src() -> Arg {
    Arg::new("src")
        .long("src")
        .value_name("DIR")
        .env("PIP_SRC")
        .value_parser(value_parser!(PathBuf))
        .help("Where editable git requirements are cloned, one folder a project [default: VENV/src]")
}

/// pip's index options, for the tools that look packages up (wheel-resolve,
/// and wheel-build, wheel-unpack and wheel-meta for build requires):
/// `-i/--index-url`, `--extra-index-url`, `-f/--find-links`, `--no-index`.
pub fn index() -> [Arg; 4] {
    [
        Arg::new("index-url")
            .short('i')
            .long("index-url")
            .value_name("URL")
            .help("The package index (PEP 503 / PEP 691 simple API) [default: as pip is configured]"),
        Arg::new("extra-index-url")
            .long("extra-index-url")
            .value_name("URL")
            .action(ArgAction::Append)
            .help("Another index to look in as well (may be repeated)"),
        Arg::new("find-links")
            .short('f')
            .long("find-links")
            .value_name("PATH_OR_URL")
            .action(ArgAction::Append)
            .help("A folder of wheels or an HTML page of links to look in as well (may be repeated)"),
        Arg::new("no-index")
            .long("no-index")
            .action(ArgAction::SetTrue)
            .help("Use no index, only --find-links locations"),
    ]
}

/// The [`index`] options given on the command line, `None` when none was.
pub fn get_index(matches: &ArgMatches) -> Option<crate::config::IndexFlags> {
    let strings =
        |id: &str| matches.get_many::<String>(id).into_iter().flatten().cloned().collect::<Vec<_>>();
    let flags = crate::config::IndexFlags {
        index_url: matches.get_one::<String>("index-url").cloned(),
        extra_index_urls: strings("extra-index-url"),
        find_links: strings("find-links"),
        no_index: matches.get_flag("no-index"),
        ..crate::config::IndexFlags::default()
    };
    let given = flags.index_url.is_some()
        || !flags.extra_index_urls.is_empty()
        || !flags.find_links.is_empty()
        || flags.no_index;
    given.then_some(flags)
}

/// Where a building stage's build environments get their requires: the
/// [`index`] options given, read with `PIP_*` and pip's config as
/// wheel-resolve reads them; else, open to the stream's `index` record.
pub fn get_build_index(
    matches: &ArgMatches,
    interpreter: &crate::interpreter::Interpreter,
) -> Result<crate::build::BuildIndex> {
    crate::build::BuildIndex::from_flags(get_index(matches).as_ref(), interpreter)
        .map_err(|e| crate::exit::Failure::usage(format!("{e:#}")).into())
}

/// What every build takes, as pip passes it to each build:
/// `-C/--config-settings KEY=VALUE` and `--no-build-isolation`.
pub fn build() -> [Arg; 2] {
    [
        Arg::new("config-settings")
            .short('C')
            .long("config-settings")
            .value_name("KEY=VALUE")
            .action(ArgAction::Append)
            .help("A PEP 517 config setting for the backend; a key given twice gets a list, as in pip"),
        Arg::new("no-build-isolation")
            .long("no-build-isolation")
            .action(ArgAction::SetTrue)
            .help("Build in the target interpreter's environment, which must have the build requires"),
    ]
}

/// The [`build`] options given: the config settings as the backend gets
/// them (a usage error for a word without `=`) and whether to isolate.
pub fn get_build(
    matches: &ArgMatches,
) -> Result<(std::collections::BTreeMap<String, serde_json::Value>, bool)> {
    let words: Vec<String> =
        matches.get_many::<String>("config-settings").map(|v| v.cloned().collect()).unwrap_or_default();
    let config =
        crate::build::config_settings(&words).map_err(|e| crate::exit::Failure::usage(format!("{e:#}")))?;
    Ok((config, !matches.get_flag("no-build-isolation")))
}

/// `--cache-dir DIR`.
pub fn cache_dir() -> Arg {
    Arg::new("cache-dir")
        .long("cache-dir")
        .value_name("DIR")
        .value_parser(value_parser!(PathBuf))
        .help("The cache folder [default: $WHEELPIPE_CACHE_DIR, else $XDG_CACHE_HOME/wheelpipe]")
}

/// The cache `--cache-dir` names, else the default one, with an absolute
/// root (records carry absolute paths into it); created if missing.
pub fn get_cache(matches: &ArgMatches) -> Result<Cache> {
    Cache::at(cache_root(matches)?)
}

/// The absolute root of [`get_cache`]'s cache, without creating it.
pub fn cache_root(matches: &ArgMatches) -> Result<PathBuf> {
    let flag = matches.try_get_one::<PathBuf>("cache-dir").ok().flatten();
    Ok(std::path::absolute(crate::cache::root_from_flag(flag.map(PathBuf::as_path))?)?)
}

/// `--cert PEM`.
pub fn cert() -> Arg {
    Arg::new("cert")
        .long("cert")
        .value_name("PEM")
        .value_parser(value_parser!(PathBuf))
        .help("Extra CA certificates (PEM) to trust [default: $PIP_CERT, else pip's cert option]")
}

/// The HTTP client for tools that need no index: `--cert`, then `PIP_*`
/// and pip's config files for the certificate, timeout and retries.
pub fn get_http(matches: &ArgMatches) -> Result<Client> {
    let cert = matches.get_one::<PathBuf>("cert").cloned();
    Client::new(crate::config::Settings::http_only(cert)?)
}

/// `-q, --quiet`.
pub fn quiet() -> Arg {
    Arg::new("quiet")
        .short('q')
        .long("quiet")
        .action(ArgAction::SetTrue)
        .help("Print nothing on stderr but errors")
}

/// `--progress WHEN`: when this stage draws the pipeline's progress.
pub fn progress() -> Arg {
    Arg::new("progress")
        .long("progress")
        .value_name("WHEN")
        .value_parser(["auto", "always", "never"])
        .help("When to draw progress on stderr [default: $WHEELPIPE_PROGRESS, else auto]")
        .long_help(
            "When to draw the pipeline's progress on stderr (a terminal): auto when this stage \
             ends the pipeline (its stdout is not a pipe; wheel-unpack always ends it); always \
             also when stdout is a pipe into another program such as jq or tee; never. \
             [default: $WHEELPIPE_PROGRESS, else auto]",
        )
}

/// `--json`: records on stdout even for a person at a terminal.
pub fn json() -> Arg {
    Arg::new("json")
        .long("json")
        .action(ArgAction::SetTrue)
        .help("Write records on stdout even when it is a terminal (else a summary for people)")
}

/// The options that say how a tool speaks to people, for every tool:
/// `--quiet`, `--progress`, `--json` (read by [`crate::runtime`]).
pub fn output() -> [Arg; 3] {
    [quiet(), progress(), json()]
}
