//! wheel-remove: uninstalls distributions from a virtualenv. What is
//! installed comes from common's `site_packages`; the files each one leaves
//! and the all-or-nothing commit that moves them out are wheel-unpack's
//! (its `commit`, `removal`, `venv` and `journal`), the same code that
//! replaces old versions and runs `--exact`.

pub mod cli;

use std::collections::BTreeSet;
use std::io::Stdout;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Result};
use clap::ArgMatches;
use wheel_unpack::{commit, removal, scheme::Scheme, venv};
use wheelpipe::exit::{Exit, Failure};
use wheelpipe::names::normalize;
use wheelpipe::records::{End, Record};
use wheelpipe::runtime::{Runtime, Tool};
use wheelpipe::site_packages;
use wheelpipe::stream::Writer;

pub const TOOL: &str = "wheel-remove";

/// wheel-remove for the runtime: no stage reads after it.
pub const STAGE: Tool = Tool { name: TOOL, unit: "distributions", ends_pipeline: true };

pub fn main() -> ExitCode {
    let (rt, matches) = Runtime::start(&STAGE, cli::command());
    let mut out = rt.writer();
    let result = run(&matches, &mut out);
    rt.finish(&mut out, result)
}

fn run(m: &ArgMatches, out: &mut Writer<Stdout>) -> Result<Exit> {
    let warn = |msg: String| wheelpipe::console::warn(msg);
    let venv_arg = m.get_one::<PathBuf>("venv").expect("--venv is required");
    let cache = wheelpipe::args::get_cache(m).ok();
    let (venv, interpreter) = wheelpipe::interpreter::open_venv(venv_arg, cache.as_ref())?;
    let scheme = Scheme::from_interpreter(&venv, &interpreter)?;
    let names: Vec<&String> = m.get_many::<String>("names").into_iter().flatten().collect();
    let keys: BTreeSet<String> = names.iter().map(|n| normalize(n)).collect();

    let _lock = venv::lock(&scheme.venv, cache.as_ref())?;
    venv::remove_stale_staging(&scheme, &warn);
    let present = site_packages::scan(&scheme.libs())?;
    let missing: Vec<&str> = names
        .iter()
        .filter(|n| !present.iter().any(|d| d.key() == normalize(n)))
        .map(|n| n.as_str())
        .collect();
    if !missing.is_empty() {
        let why = format!(
            "not installed in {}: {}; nothing was removed",
            scheme.venv.display(),
            missing.join(", ")
        );
        return Err(Failure::failed(why).into());
    }
    removal::check_removable(&present, &keys).map_err(|e| anyhow!("{e:#}; nothing was removed"))?;
    let old = commit::old_dists(&scheme, &present, &keys)?;
    let removed = removal::records(&present, &old, &keys);
    if m.get_flag("dry-run") {
        for path in old.iter().flat_map(|o| o.files.iter().chain([&o.dist_info])) {
            wheelpipe::console::note(format_args!("would remove {}", path.display()));
        }
    } else {
        let staging = venv::Staging::create(&scheme.venv)?;
        commit::commit(&scheme, &[], &old, &staging.root, false, &warn)?;
        staging.finish();
    }
    let count = removed.len() as u64;
    for r in removed {
        out.record(&Record::Removed(r))?;
    }
    out.record(&Record::End(End::new(TOOL, true, count)))?;
    Ok(Exit::Ok)
}
