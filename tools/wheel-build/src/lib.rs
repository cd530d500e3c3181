//! wheel-build: builds wheels from sdists and project folders with their
//! PEP 517 backends (the library `wheelpipe::build` does the building), and
//! in a pipeline replaces `artifact` records of sdists by records of the
//! built wheels. [`job`] is one item, [`pipeline`] the workers and the one
//! writer.

pub mod cli;
pub mod job;
pub mod pipeline;

use std::io::{IsTerminal, Stdout};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use wheelpipe::build::{self, EnvMaker};
use wheelpipe::exit::Exit;
use wheelpipe::interpreter::Interpreter;
use wheelpipe::runtime::{Runtime, Tool};
use wheelpipe::stage::Source;
use wheelpipe::stream::Writer;

pub const TOOL: &str = "wheel-build";

/// wheel-build for the runtime: a middle stage, counting builds.
pub const STAGE: Tool = Tool { name: TOOL, unit: "builds", ends_pipeline: false };

pub fn main() -> ExitCode {
    let (rt, matches) = Runtime::start(&STAGE, cli::command());
    let mut out = rt.writer();
    let result = run(&matches, &mut out);
    rt.finish(&mut out, result)
}

fn run(matches: &clap::ArgMatches, out: &mut Writer<Stdout>) -> Result<Exit> {
    let paths: Vec<PathBuf> =
        matches.get_many::<PathBuf>("sources").map(|v| v.cloned().collect()).unwrap_or_default();
    let source = Source::from_args(TOOL, "SOURCE", paths)?;
    let cache = wheelpipe::args::get_cache(matches)?;
    let python = matches.get_one::<PathBuf>("python").expect("has a default");
    let interpreter = Interpreter::query(python, Some(&cache))?;
    let (config, isolation) = wheelpipe::args::get_build(matches)?;
    let echo = matches.get_flag("verbose");
    let index = wheelpipe::args::get_build_index(matches, &interpreter)?;
    let envs = EnvMaker { cache: cache.clone(), tools: EnvMaker::tools_dir()?, index, echo };
    let build = build::Settings { interpreter, cache, isolation, config, envs, echo };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let dest = matches.get_one::<PathBuf>("dest").map(std::path::absolute).transpose().context("--dest")?;
    let settings = job::Settings { build, dest, editable: matches.get_flag("editable") };
    let jobs = wheelpipe::args::get_jobs(matches, cores);
    let (exit, totals) = pipeline::run(settings, jobs, source, out)?;
    if std::io::stderr().is_terminal() && exit != Exit::Interrupted {
        wheelpipe::console::note(format_args!(
            "{} built, {} from the cache, {} failed",
            totals.built, totals.cached, totals.failed
        ));
    }
    Ok(exit)
}
