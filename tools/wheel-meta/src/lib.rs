//! wheel-meta: reads wheels' core metadata for as few bytes as it can (the
//! index's PEP 658 file, else range requests for the zip's tail and the
//! METADATA entry, else a full download into a temporary file; local wheels
//! in place) and writes one `metadata` record per wheel. [`job`] reads
//! one wheel, [`source`] an sdist or a project folder (with the build
//! library), [`pipeline`] runs the workers and the one writer.

pub mod cli;
pub mod job;
pub mod pipeline;
pub mod source;

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Result;
use wheelpipe::exit::Exit;
use wheelpipe::metadata::RangeHosts;
use wheelpipe::runtime::{Runtime, Tool};
use wheelpipe::stage::Source;
use wheelpipe::stream::Writer;

pub const TOOL: &str = "wheel-meta";

/// wheel-meta for the runtime: it draws upstream progress, counting none.
pub const STAGE: Tool = Tool { name: TOOL, unit: "wheels", ends_pipeline: false };

pub fn main() -> ExitCode {
    let (rt, matches) = Runtime::start(&STAGE, cli::command());
    let mut out = rt.writer();
    let result = run(&matches, &mut out);
    rt.finish(&mut out, result)
}

fn run(matches: &clap::ArgMatches, out: &mut Writer<std::io::Stdout>) -> Result<Exit> {
    let words = matches.get_many::<String>("wheels").map(|v| v.cloned().collect()).unwrap_or_default();
    let source = Source::from_args(TOOL, "WHEEL", words)?;
    // The default cache is a convenience: without one, every wheel is read over the network.
    let cache = match wheelpipe::args::get_cache(matches) {
        Ok(cache) => Some(cache),
        Err(_) if !matches.contains_id("cache-dir") => None,
        Err(err) => return Err(err),
    };
    let http = wheelpipe::args::get_http(matches)?;
    let jobs = wheelpipe::args::get_jobs(matches, 8);
    let no_pep658 = matches.get_flag("no-pep658");
    let python = matches.get_one::<std::path::PathBuf>("python").expect("has a default").clone();
    let (config, isolation) = wheelpipe::args::get_build(matches)?;
    let mut builds = source::Builds::new(python, config);
    (builds.isolation, builds.flags) = (isolation, wheelpipe::args::get_index(matches));
    let settings = job::Settings { jobs, http, cache, hosts: RangeHosts::new(), no_pep658, builds };
    let (exit, totals) = pipeline::run(settings, source, out)?;
    if !matches.get_flag("quiet") && std::io::stderr().is_terminal() && exit != Exit::Interrupted {
        wheelpipe::console::note(format_args!(
            "{} read, {} failed; {} bytes in {} HTTP requests",
            totals.count, totals.failed, totals.bytes, totals.requests
        ));
    }
    Ok(exit)
}
