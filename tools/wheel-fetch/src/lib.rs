//! wheel-fetch: downloads wheels in parallel into a verified,
//! content-addressed cache and writes each `artifact` record again, with
//! `path` set, as soon as its file is verified. [`download`] fetches one
//! wheel, [`pipeline`] runs the workers and the one writer, [`input`] turns
//! plain URLs into records, [`store`] puts files in place, [`transfer`]
//! downloads and resumes, [`local`] handles files already on this machine.

pub mod cli;
pub mod download;
pub mod input;
pub mod local;
pub mod pipeline;
pub mod store;
#[cfg(test)]
mod test_server;
pub mod transfer;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use wheelpipe::cache::Cache;
use wheelpipe::exit::{finish, Exit, Failure};
use wheelpipe::http::{Client, HttpOptions};

pub const TOOL: &str = "wheel-fetch";

pub fn main() -> ExitCode {
    let matches = cli::command().get_matches();
    wheelpipe::signals::install();
    finish(TOOL, run(&matches))
}

fn run(matches: &clap::ArgMatches) -> Result<Exit> {
    let urls: Vec<String> =
        matches.get_many::<String>("urls").map(|v| v.cloned().collect()).unwrap_or_default();
    if urls.is_empty() && std::io::stdin().is_terminal() {
        return Err(Failure::usage("no URL given and stdin is a terminal (see wheel-fetch --help)").into());
    }
    let cache_flag = matches.get_one::<PathBuf>("cache-dir").map(std::path::absolute).transpose()?;
    let cache = Cache::from_flag(cache_flag.as_deref())?;
    let cache = Cache::at(std::path::absolute(cache.root())?)?;
    let dest = match matches.get_one::<PathBuf>("dest") {
        Some(d) => {
            std::fs::create_dir_all(d)
                .with_context(|| format!("cannot create the --dest folder {}", d.display()))?;
            Some(d.clone())
        }
        None => None,
    };
    let cert = matches
        .get_one::<PathBuf>("cert")
        .cloned()
        .or_else(|| std::env::var_os("PIP_CERT").filter(|v| !v.is_empty()).map(PathBuf::from));
    let http = Client::new(HttpOptions { cert, ..HttpOptions::default() })?;
    let jobs = usize::from(*matches.get_one::<u16>("jobs").expect("-j has a default"));
    let settings = pipeline::Settings { jobs, cache, dest, http };
    let source = if urls.is_empty() {
        pipeline::Source::Stdin(Box::new(std::io::BufReader::new(std::io::stdin())))
    } else {
        pipeline::Source::Urls(urls)
    };
    pipeline::run(settings, source, &mut wheelpipe::stream::Writer::stdout())
}
