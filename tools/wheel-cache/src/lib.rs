//! wheel-cache: the cache's folder, what each bucket holds, and its
//! cleaning, through common's `Cache` (the one place that knows the layout
//! and the locks): `dir`, `info` ([`info`]), `clean` ([`clean`]) and `prune`
//! ([`prune`]).

pub mod clean;
pub mod cli;
pub mod info;
pub mod prune;
pub mod remove;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Result;
use clap::ArgMatches;
use indicatif::HumanBytes;
use serde_json::json;
use wheelpipe::cache::Cache;
use wheelpipe::exit::Exit;
use wheelpipe::runtime::{Runtime, Tool};
use wheelpipe::stream::Writer;

pub const TOOL: &str = "wheel-cache";

/// wheel-cache for the runtime: it reads no stage and draws nothing.
pub const STAGE: Tool = Tool { name: TOOL, unit: "entries", ends_pipeline: true };

pub fn main() -> ExitCode {
    let (rt, matches) = Runtime::start(&STAGE, cli::command());
    let mut out = Writer::stdout();
    let result = run(&matches);
    rt.finish(&mut out, result)
}

fn run(m: &ArgMatches) -> Result<Exit> {
    let people = std::io::stdout().is_terminal() && !m.get_flag("json");
    let mut lines = Vec::new();
    match m.subcommand() {
        Some(("dir", _)) => {
            let root = wheelpipe::args::cache_root(m)?;
            // `$(wheel-cache dir)` is the folder, wherever stdout goes.
            lines.push(match !m.get_flag("json") {
                true => root.display().to_string(),
                false => json!({"type": "cache_dir", "path": root}).to_string(),
            });
        }
        Some(("info", _)) => {
            let root = wheelpipe::args::cache_root(m)?;
            lines = info::lines(&root, &info::count(&Cache::look_at(root.clone())), people);
        }
        Some(("clean", sub)) => {
            let names: Vec<String> = sub.get_many::<String>("names").into_iter().flatten().cloned().collect();
            let removed = clean::clean(&wheelpipe::args::get_cache(m)?, &names)?;
            lines = removed_lines(&removed, people);
        }
        Some(("prune", sub)) => {
            let days = sub.get_one::<u32>("older-than").copied();
            let removed = prune::prune(&wheelpipe::args::get_cache(m)?, days)?;
            lines = removed_lines(&removed, people);
        }
        _ => unreachable!("clap requires a known subcommand"),
    }
    let mut stdout = std::io::stdout().lock();
    for line in lines {
        writeln!(stdout, "{line}")?;
    }
    stdout.flush()?;
    Ok(Exit::Ok)
}

/// What clean or prune removed from one bucket (or from `tmp`, `locks`,
/// older versions).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Removed {
    pub bucket: String,
    pub entries: u64,
    pub bytes: u64,
    /// Entries left because a running tool held them.
    pub busy: u64,
}

impl Removed {
    pub fn named(bucket: impl Into<String>) -> Removed {
        Removed { bucket: bucket.into(), ..Removed::default() }
    }
}

/// One JSON line per bucket, or for people a line per bucket that lost
/// something and a total.
fn removed_lines(removed: &[Removed], people: bool) -> Vec<String> {
    if !people {
        let line = |r: &Removed| {
            let (bucket, entries, bytes, busy) = (&r.bucket, r.entries, r.bytes, r.busy);
            json!({"type": "cache_removed", "bucket": bucket, "entries": entries, "bytes": bytes, "busy": busy})
                .to_string()
        };
        return removed.iter().map(line).collect();
    }
    let mut lines: Vec<String> = removed
        .iter()
        .filter(|r| r.entries > 0 || (r.busy > 0 && r.bucket != "locks"))
        .map(|r| {
            let busy = if r.busy > 0 {
                format!(", {} in use by a running tool, kept", r.busy)
            } else {
                String::new()
            };
            format!("{:<14} {:>6} removed {:>11}{busy}", r.bucket, r.entries, HumanBytes(r.bytes).to_string())
        })
        .collect();
    // Lock files are no entries: their line says how many went.
    let entries_only = removed.iter().filter(|r| r.bucket != "locks");
    let (entries, bytes) = entries_only.fold((0, 0), |(e, b), r| (e + r.entries, b + r.bytes));
    lines.push(format!("Removed {entries} entries, {}", HumanBytes(bytes)));
    lines
}
