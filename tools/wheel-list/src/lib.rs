//! wheel-list: what a virtualenv holds, read from its dist-info folders by
//! common's `site_packages` (the reader wheel-unpack and wheel-remove use
//! too), written as `installed` records or as pip freeze's lines.

pub mod cli;

use std::io::{IsTerminal, Stdout, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::ArgMatches;
use wheelpipe::exit::Exit;
use wheelpipe::records::{End, Installed, Record};
use wheelpipe::runtime::{Runtime, Tool};
use wheelpipe::site_packages::{self, Dist};
use wheelpipe::stream::Writer;

pub const TOOL: &str = "wheel-list";

/// wheel-list for the runtime: it reads no stage and draws nothing.
pub const STAGE: Tool = Tool { name: TOOL, unit: "distributions", ends_pipeline: true };

pub fn main() -> ExitCode {
    let (rt, matches) = Runtime::start(&STAGE, cli::command());
    // Its own writer: a table, not an install summary, is what people get.
    let mut out = Writer::stdout();
    let result = run(&matches, &mut out);
    rt.finish(&mut out, result)
}

fn run(m: &ArgMatches, out: &mut Writer<Stdout>) -> Result<Exit> {
    let venv = m.get_one::<PathBuf>("venv").expect("--venv is required");
    let cache = wheelpipe::args::get_cache(m).ok();
    let (_, interpreter) = wheelpipe::interpreter::open_venv(venv, cache.as_ref())?;
    let paths = &interpreter.paths;
    let dists = site_packages::scan(&[&paths.purelib, &paths.platlib])?;
    let people = std::io::stdout().is_terminal() && !m.get_flag("json");
    if m.get_flag("freeze") || people {
        let lines = match m.get_flag("freeze") {
            true => dists.iter().map(freeze_line).collect::<Vec<_>>().join("\n"),
            false => table(&dists),
        };
        let mut stdout = std::io::stdout().lock();
        if !lines.is_empty() {
            writeln!(stdout, "{lines}")?;
        }
        stdout.flush()?;
        return Ok(Exit::Ok);
    }
    for d in &dists {
        out.record(&Record::Installed(installed(d)))?;
    }
    out.record(&Record::End(End::new(TOOL, true, dists.len() as u64)))?;
    Ok(Exit::Ok)
}

/// pip list's table: a name column as wide as the longest name, then the version.
fn table(dists: &[Dist]) -> String {
    let width = dists.iter().map(|d| d.name.len()).chain(["Package".len()]).max().unwrap_or(0);
    let mut lines = vec![format!("{:width$} Version", "Package"), format!("{} -------", "-".repeat(width))];
    lines.extend(dists.iter().map(|d| format!("{:width$} {}", d.name, d.version)));
    lines.join("\n")
}

/// The `installed` record of a distribution found in the venv.
pub fn installed(d: &Dist) -> Installed {
    let files = readable(d.record_paths()).flatten().map_or(0, |rows| rows.len() as u64);
    Installed {
        name: d.name.clone(),
        version: d.version.clone(),
        files,
        how: None,
        installer: d.installer(),
        requested: Some(d.requested()),
        direct_url: readable(d.direct_url()).flatten().map(|u| u.url),
    }
}

/// pip freeze's line: `name==version`, or `name @ URL` for a direct URL,
/// with the archive's hash as `#sha256=...` when it was recorded.
pub fn freeze_line(d: &Dist) -> String {
    match readable(d.direct_url()).flatten() {
        Some(url) => match url.sha256 {
            Some(sha256) => format!("{} @ {}#sha256={sha256}", d.name, url.url),
            None => format!("{} @ {}", d.name, url.url),
        },
        None => format!("{}=={}", d.name, d.version),
    }
}

/// A file of a dist-info that cannot be read is a warning, as in pip list:
/// the rest of the venv is still listed.
fn readable<T>(read: Result<T>) -> Option<T> {
    read.map_err(|e| wheelpipe::console::warn(format_args!("{e:#}"))).ok()
}
