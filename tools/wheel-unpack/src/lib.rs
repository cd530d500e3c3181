//! wheel-unpack: installs wheels into a virtualenv as pip would, in parallel
//! and all-or-nothing. A run locks the venv, stages every wheel (checked
//! against its RECORD) in a folder inside the venv, and only when all staged
//! well and the input ended well commits them with renames that are undone
//! on any failure; then it writes one `installed` record per distribution.

pub mod cli;
pub mod commit;
pub mod compile;
pub mod extract;
pub mod journal;
pub mod link;
pub mod pipeline;
pub mod record;
pub mod scheme;
pub mod scripts;
pub mod source;
pub mod spread;
pub mod stage;
pub mod unpacked;
pub mod venv;
pub mod zipcheck;

use std::io::Stdout;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::ArgMatches;
use wheelpipe::exit::{Exit, Failure};
use wheelpipe::records::{End, Installed, Record};
use wheelpipe::runtime::{Runtime, Tool};
use wheelpipe::stream::Writer;

pub(crate) const TOOL: &str = "wheel-unpack";

/// wheel-unpack for the runtime: no stage reads after it, so it draws
/// whenever stderr is a terminal.
pub const STAGE: Tool = Tool { name: TOOL, unit: "wheels", ends_pipeline: true };

pub fn main() -> ExitCode {
    let (rt, matches) = Runtime::start(&STAGE, cli::command());
    let mut out = rt.writer();
    let result = run(&matches, &mut out);
    rt.finish(&mut out, result)
}

fn run(m: &ArgMatches, out: &mut Writer<Stdout>) -> Result<Exit> {
    let warn = |msg: String| wheelpipe::console::warn(msg);
    let wheels: Vec<PathBuf> =
        m.get_many::<PathBuf>("wheels").map(|v| v.cloned().collect()).unwrap_or_default();
    let source = pipeline::Source::from_args(TOOL, "WHEEL", wheels)?;
    let venv_arg = m.get_one::<PathBuf>("venv").expect("--venv is required");
    let venv = std::path::absolute(venv_arg)?;
    let python = venv.join("bin").join("python");
    if !python.exists() {
        let why = match venv.exists() {
            true => "it has no bin/python",
            false => "it does not exist",
        };
        let hint = format!("create one with `python3 -m venv {}`", venv_arg.display());
        return Err(Failure::usage(format!("{} is not a virtualenv: {why}; {hint}", venv.display())).into());
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let jobs = wheelpipe::args::get_jobs(m, cores);
    // The cache keeps the interpreter query and the unpacked wheels; without
    // one the query runs and every wheel is extracted afresh.
    let cache = wheelpipe::args::get_cache(m).ok();
    let interpreter = wheelpipe::interpreter::Interpreter::query(&python, cache.as_ref())?;
    if !interpreter.is_venv() {
        let why = format!("{} is not a virtualenv: its python is the base interpreter", venv.display());
        return Err(Failure::usage(why).into());
    }
    let scheme = scheme::Scheme::from_interpreter(&venv, &interpreter)?;

    let _lock = venv::lock(&scheme.venv)?;
    venv::remove_stale_staging(&scheme, &warn);
    let staging = venv::Staging::create(&scheme.venv)?;
    let link_mode = m.get_one::<String>("link-mode").map_or("auto", String::as_str);
    let opts = stage::Options {
        cache,
        linker: link::Linker::new(link::Pref::parse(link_mode).unwrap_or(link::Pref::Auto)),
        verify: !m.get_flag("no-verify-record"),
        compiler: m.get_flag("compile").then(|| compile::Compiler::new(&scheme.python, jobs)),
    };
    let staged = pipeline::stage_all(&scheme, &staging.root, jobs, source, &opts, out, &warn)?;

    let keys = staged.iter().map(stage::Staged::key).collect();
    let old = commit::find_installed(&scheme, &keys)?;
    let allow = m.get_flag("allow-overwrite");
    let overwrite = if allow { commit::Overwrite::Allow(&warn) } else { commit::Overwrite::Refuse };
    commit::check_conflicts(&staged, &old, overwrite)?;
    commit::commit(&scheme, &staged, &old, &staging.root, allow, &warn)?;
    staging.finish();

    for s in &staged {
        let installed = Installed {
            name: s.name.clone(),
            version: s.version.clone(),
            files: s.files.len() as u64,
            how: s.how,
        };
        out.record(&Record::Installed(installed))?;
    }
    out.record(&Record::End(End::new(TOOL, true, staged.len() as u64)))?;
    Ok(Exit::Ok)
}
