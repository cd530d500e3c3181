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
pub mod sdist;
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
use wheelpipe::stream::Writer;

pub(crate) const TOOL: &str = "wheel-unpack";

pub fn main() -> ExitCode {
    let matches = cli::command().get_matches();
    wheelpipe::signals::install();
    let mut out = Writer::stdout();
    let result = run(&matches, &mut out);
    if let Err(err) = &result {
        if !wheelpipe::stream::is_broken_pipe(err) {
            let _ = out.record(&Record::End(End::new(TOOL, false, 0)));
        }
    }
    wheelpipe::exit::finish(TOOL, result)
}

fn run(m: &ArgMatches, out: &mut Writer<Stdout>) -> Result<Exit> {
    let quiet = m.get_flag("quiet");
    wheelpipe::progress::set_quiet(quiet);
    let warn = move |msg: String| {
        if !quiet {
            eprintln!("{TOOL}: warning: {msg}");
        }
    };
    let wheels: Vec<PathBuf> =
        m.get_many::<PathBuf>("wheels").map(|v| v.cloned().collect()).unwrap_or_default();
    let source = pipeline::Source::from_args(TOOL, "WHEEL", wheels)?;
    let venv_arg = m.get_one::<PathBuf>("venv").expect("--venv is required");
    let venv = std::path::absolute(venv_arg)?;
    let python = venv.join("bin").join("python");
    if !python.exists() {
        return Err(
            Failure::usage(format!("{} is not a virtualenv: it has no bin/python", venv.display())).into()
        );
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
        cache: cache.clone(),
        linker: link::Linker::new(link::Pref::parse(link_mode).unwrap_or(link::Pref::Auto)),
        verify: !m.get_flag("no-verify-record"),
        compiler: m.get_flag("compile").then(|| compile::Compiler::new(&scheme.python, jobs)),
        build: sdist::settings(&interpreter, cache.as_ref()).ok(),
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
