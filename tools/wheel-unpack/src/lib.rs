//! wheel-unpack: installs wheels into a virtualenv as pip would, in parallel
//! and all-or-nothing. A run locks the venv, stages every wheel (checked
//! against its RECORD) in a folder inside the venv, and only when all staged
//! well and the input ended well commits them with renames that are undone
//! on any failure; then it writes one `installed` record per distribution.

pub mod cli;
pub mod commit;
pub mod compile;
pub mod contents;
pub mod entries;
pub mod extract;
pub mod job;
pub mod journal;
pub mod keep;
pub mod link;
pub mod order;
pub mod overlap;
pub mod pipeline;
pub mod record;
pub mod removal;
pub mod scheme;
pub mod scripts;
pub mod sdist;
pub mod spread;
mod src_dir;
pub mod staging;
mod tree;
mod tree_info;
pub mod trust;
pub mod unpacked;
pub mod venv;
pub mod zipcheck;
pub mod zipread;

use std::cell::OnceCell;
use std::collections::BTreeSet;
use std::io::Stdout;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::ArgMatches;
use wheelpipe::exit::Exit;
use wheelpipe::names::normalize;
use wheelpipe::records::{End, Installed, Record, Removed};
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
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let jobs = wheelpipe::args::get_jobs(m, cores);
    // The cache keeps the interpreter query and the unpacked wheels; without
    // one the query runs and every wheel is extracted afresh.
    let cache = wheelpipe::args::get_cache(m).ok();
    let (venv, interpreter) = wheelpipe::interpreter::open_venv(venv_arg, cache.as_ref())?;
    let scheme = scheme::Scheme::from_interpreter(&venv, &interpreter)?;

    let _lock = venv::lock(&scheme.venv, cache.as_ref())?;
    venv::remove_stale_staging(&scheme, &warn);
    let reinstall = m.get_many::<String>("reinstall-package").into_iter().flatten().cloned();
    let keep = keep::Keep::read(&scheme, keep::Reinstall::new(m.get_flag("reinstall"), reinstall))?;
    // Made for the first wheel the venv does not have: a run that keeps
    // everything writes nothing in the venv.
    let staging: OnceCell<venv::Staging> = OnceCell::new();
    let make_staging = || -> Result<PathBuf> {
        if staging.get().is_none() {
            let _ = staging.set(venv::Staging::create(&scheme.venv)?);
        }
        Ok(staging.get().expect("just made").root.clone())
    };
    let build_options = wheelpipe::args::get_build(m)?;
    let build_index = wheelpipe::args::get_build_index(m, &interpreter)?;
    let link_mode = m.get_one::<String>("link-mode").map_or("auto", String::as_str);
    let opts = staging::Options {
        cache: cache.clone(),
        linker: link::Linker::new(link::Pref::parse(link_mode).unwrap_or(link::Pref::Auto)),
        verify: !m.get_flag("no-verify-record"),
        compiler: m.get_flag("compile").then(|| compile::Compiler::new(&scheme.python, jobs)),
        tags: (!m.get_flag("no-tag-check")).then(|| wheelpipe::tags::Tags::for_interpreter(&interpreter)),
        build: sdist::settings(&interpreter, cache.as_ref(), build_index).ok().map(|mut build| {
            (build.config, build.isolation) = build_options;
            build
        }),
        shared: staging::Shared::default(),
    };
    let src = src_dir::SrcDir::new(m.get_one::<PathBuf>("src").map(PathBuf::as_path), &scheme.venv)?;
    let plan = pipeline::Plan { staging: &make_staging, keep: &keep, src: Some(&src) };
    let mut set = pipeline::stage_all(&scheme, plan, jobs, source, &opts, out, &warn)?;

    // The venv as it is now (staging may have waited long for upstream):
    // with --exact, what it holds beyond the set goes in the same commit.
    let exact = m.get_flag("exact");
    let present = if exact || staging.get().is_some() {
        wheelpipe::site_packages::scan(&scheme.libs())?
    } else {
        Vec::new()
    };
    let mut keys: BTreeSet<String> = set.staged.iter().map(job::Staged::key).collect();
    let in_set = keys.iter().cloned().chain(set.kept.iter().map(|k| normalize(&k.name))).collect();
    let extra = if exact { removal::extra(&present, &in_set) } else { BTreeSet::new() };
    if !extra.is_empty() {
        removal::check_removable(&present, &extra)?;
        make_staging()?;
    }
    keys.extend(extra.iter().cloned());
    let mut removed = Vec::new();
    if let Some(staging) = staging.into_inner() {
        let old = commit::old_dists(&scheme, &present, &keys)?;
        removed = removal::records(&present, &old, &extra);
        // pip's order decides which of two wheels writing one path is left.
        order::install_order(&mut set.staged);
        let refuse = m.get_flag("no-overwrite");
        let overwrite = if refuse { overlap::Overwrite::Refuse } else { overlap::Overwrite::Warn(&warn) };
        overlap::check_conflicts(&scheme, &set.staged, &old, overwrite)?;
        commit::commit(&scheme, &set.staged, &old, &staging.root, !refuse, &warn)?;
        staging.finish();
        set.staged.sort_by_key(job::Staged::key);
    }
    src.finish();
    write_records(out, &set, removed)?;
    Ok(Exit::Ok)
}

/// One `installed` record a wheel installed, one `satisfied` a distribution
/// kept, one `removed` a distribution removed, then `end`.
fn write_records(out: &mut Writer<Stdout>, set: &pipeline::Set, removed: Vec<Removed>) -> Result<()> {
    for s in &set.staged {
        let installed = Installed {
            name: s.name.clone(),
            version: s.version.clone(),
            files: s.files.len() as u64,
            how: Some(s.how),
            installer: None,
            requested: None,
            direct_url: None,
        };
        out.record(&Record::Installed(installed))?;
    }
    for kept in &set.kept {
        out.record(&Record::Satisfied(kept.clone()))?;
    }
    let count = (set.staged.len() + set.kept.len() + removed.len()) as u64;
    for r in removed {
        out.record(&Record::Removed(r))?;
    }
    out.record(&Record::End(End::new(TOOL, true, count)))?;
    Ok(())
}
