//! wheel-fetch: downloads wheels in parallel into a verified,
//! content-addressed cache and writes each `artifact` record again, with
//! `path` set, as soon as its file is verified. [`download`] fetches one
//! wheel, [`pipeline`] runs the workers and the one writer, [`input`] turns
//! plain URLs into records, [`store`] puts files in the `--dest` folder,
//! [`local`] handles files already on this machine; the downloads
//! themselves are common's ([`wheelpipe::fetch`]).

pub mod arriving;
pub mod cli;
pub mod download;
pub mod input;
pub mod local;
pub mod pipeline;
pub mod queue;
pub mod store;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use wheelpipe::exit::Exit;
use wheelpipe::progress::Reporter;
use wheelpipe::runtime::{Runtime, Tool};
use wheelpipe::stage::Source;
use wheelpipe::stream::Writer;

pub const TOOL: &str = "wheel-fetch";

/// wheel-fetch for the runtime: it counts the wheels it fetches.
pub const STAGE: Tool = Tool { name: TOOL, unit: "wheels", ends_pipeline: false };

pub fn main() -> ExitCode {
    let (rt, matches) = Runtime::start(&STAGE, cli::command());
    let mut out = rt.writer();
    let result = run(&matches, &mut out, rt.progress());
    rt.finish(&mut out, result)
}

fn run(matches: &clap::ArgMatches, out: &mut Writer<std::io::Stdout>, progress: Reporter) -> Result<Exit> {
    let urls = matches.get_many::<String>("urls").map(|v| v.cloned().collect()).unwrap_or_default();
    let source = Source::from_args(TOOL, "URL", urls)?;
    let cache = wheelpipe::args::get_cache(matches)?;
    let dest = match matches.get_one::<PathBuf>("dest") {
        Some(d) => {
            std::fs::create_dir_all(d)
                .with_context(|| format!("cannot create the --dest folder {}", d.display()))?;
            Some(d.clone())
        }
        None => None,
    };
    let http = wheelpipe::args::get_http(matches)?;
    let jobs = wheelpipe::args::get_jobs(matches, 8);
    // The smallest part a download is split into; 0: no splitting.
    let board = match matches.get_one::<u64>("split-size").copied().unwrap_or(1) {
        0 => None,
        mb => Some(wheelpipe::fetch::Board::new(mb.saturating_mul(1024 * 1024))),
    };
    let announce = wheelpipe::progress::stdout_is_pipe();
    let settings = pipeline::Settings { jobs, cache, dest, http, board, progress, announce };
    pipeline::run(settings, source, out)
}
