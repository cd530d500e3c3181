//! wheel-list: what a virtualenv holds, read from its dist-info folders by
//! common's `site_packages` (the reader wheel-unpack and wheel-remove use
//! too), written as `installed` records or as pip freeze's lines.

pub mod cli;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::ArgMatches;
use wheelpipe::exit::Exit;
use wheelpipe::records::{End, Installed, Record};
use wheelpipe::site_packages::{self, Dist};
use wheelpipe::stream::Writer;

pub const TOOL: &str = "wheel-list";

pub fn main() -> ExitCode {
    let matches = cli::command().get_matches();
    wheelpipe::signals::install();
    wheelpipe::exit::finish(TOOL, run(&matches))
}

fn run(m: &ArgMatches) -> Result<Exit> {
    let venv = m.get_one::<PathBuf>("venv").expect("--venv is required");
    let cache = wheelpipe::args::get_cache(m).ok();
    let (_, interpreter) = site_packages::open_venv(venv, cache.as_ref())?;
    let paths = &interpreter.paths;
    let dists = site_packages::scan(&[&paths.purelib, &paths.platlib])?;
    let mut out = Writer::stdout();
    if m.get_flag("freeze") {
        let mut lines = String::new();
        for d in &dists {
            lines.push_str(&freeze_line(d));
            lines.push('\n');
        }
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(lines.as_bytes())?;
        stdout.flush()?;
        return Ok(Exit::Ok);
    }
    for d in &dists {
        out.record(&Record::Installed(installed(d)))?;
    }
    out.record(&Record::End(End::new(TOOL, true, dists.len() as u64)))?;
    Ok(Exit::Ok)
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
    read.map_err(|e| eprintln!("{TOOL}: warning: {e:#}")).ok()
}
