//! wheel-build: builds wheels from sdists and project folders with their
//! PEP 517 backends (the library `wheelpipe::build` does the building), and
//! in a pipeline replaces `artifact` records of sdists by records of the
//! built wheels. [`job`] is one item, [`pipeline`] the workers and the one
//! writer.

pub mod cli;
pub mod job;
pub mod pipeline;

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use wheelpipe::build::{self, EnvMaker};
use wheelpipe::exit::{finish, Exit, Failure};
use wheelpipe::interpreter::Interpreter;
use wheelpipe::stage::Source;

pub const TOOL: &str = "wheel-build";

pub fn main() -> ExitCode {
    let matches = cli::command().get_matches();
    wheelpipe::signals::install();
    finish(TOOL, run(&matches))
}

fn run(matches: &clap::ArgMatches) -> Result<Exit> {
    let paths: Vec<PathBuf> =
        matches.get_many::<PathBuf>("sources").map(|v| v.cloned().collect()).unwrap_or_default();
    let source = Source::from_args(TOOL, "SOURCE", paths)?;
    let quiet = matches.get_flag("quiet");
    wheelpipe::progress::set_quiet(quiet);
    let cache = wheelpipe::args::get_cache(matches)?;
    let python = matches.get_one::<PathBuf>("python").expect("has a default");
    let interpreter = Interpreter::query(python, Some(&cache))?;
    let words: Vec<String> =
        matches.get_many::<String>("config-settings").map(|v| v.cloned().collect()).unwrap_or_default();
    let config = build::config_settings(&words).map_err(|e| Failure::usage(format!("{e:#}")))?;
    let echo = matches.get_flag("verbose");
    let envs = EnvMaker {
        cache: cache.clone(),
        tools: EnvMaker::tools_dir()?,
        index_args: index_args(matches),
        echo,
    };
    let isolation = !matches.get_flag("no-build-isolation");
    let build = build::Settings { interpreter, cache, isolation, config, envs, echo };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let dest = matches.get_one::<PathBuf>("dest").map(std::path::absolute).transpose().context("--dest")?;
    let settings = job::Settings { build, dest, editable: matches.get_flag("editable") };
    let jobs = wheelpipe::args::get_jobs(matches, cores);
    let (exit, totals) = pipeline::run(settings, jobs, source, &mut wheelpipe::stream::Writer::stdout())?;
    if !quiet && std::io::stderr().is_terminal() && exit != Exit::Interrupted {
        eprintln!(
            "{TOOL}: {} built, {} from the cache, {} failed",
            totals.built, totals.cached, totals.failed
        );
    }
    Ok(exit)
}

/// `--index-url U --extra-index-url U ... --no-index`, for wheel-resolve.
fn index_args(matches: &clap::ArgMatches) -> Vec<OsString> {
    let mut args = Vec::new();
    for id in ["index-url", "extra-index-url", "find-links"] {
        for value in matches.get_many::<String>(id).into_iter().flatten() {
            args.push(format!("--{id}").into());
            args.push(value.into());
        }
    }
    if matches.get_flag("no-index") {
        args.push("--no-index".into());
    }
    args
}
