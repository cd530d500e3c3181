//! wheel-resolve: requirement files (pip's format) to the exact wheels to
//! install, as `artifact` records. The steps: parse the files, keep the
//! requirements whose markers hold for the target interpreter, resolve them
//! with backtracking (reading pages and metadata ahead, in parallel), write
//! one record a distribution sorted by name, then an `end` record.

pub mod cli;
mod inputs;
mod installed;
mod pins;
mod project_input;
mod pylock;
pub mod requirements;
mod resolver;
mod roots;
mod select;
mod solve;
mod trees;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::ArgMatches;
use pep440_rs::Version;
use wheelpipe::cache::Cache;
use wheelpipe::config::{IndexFlags, Settings};
use wheelpipe::exit::{Exit, Failure};
use wheelpipe::http::Client;
use wheelpipe::index::{IndexClient, IndexUrls};
use wheelpipe::interpreter::{InstalledDist, Interpreter};
use wheelpipe::names::normalize;
use wheelpipe::progress::Reporter;
use wheelpipe::records::{Artifact, End, Record, Satisfied};
use wheelpipe::runtime::{Runtime, Tool};
use wheelpipe::stream::Writer;
use wheelpipe::tags::Tags;
use wheelpipe::wheel_name::WheelFilename;

use requirements::{FileOptions, Requirements};

const TOOL: &str = "wheel-resolve";

/// wheel-resolve for the runtime: its progress counts the index pages and
/// metadata files it reads.
pub const STAGE: Tool = Tool { name: TOOL, unit: "pages and metadata", ends_pipeline: false };

/// Whether exact pins' wheels are announced (`hint` records) while
/// resolving: only to a next stage reading a pipe, never to a person or a
/// file, where nobody acts on them before the `artifact` records.
static HINTS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn main() -> ExitCode {
    let (rt, matches) = Runtime::start(&STAGE, cli::command());
    HINTS.store(wheelpipe::progress::stdout_is_pipe(), std::sync::atomic::Ordering::Relaxed);
    // The resolver does not stop between steps: Ctrl-C ends it at once.
    rt.end_on_signal();
    let mut out = rt.writer();
    let result = run(&matches, &mut out, &rt.progress());
    rt.finish(&mut out, result)
}

/// Prints every error but the last, which is returned to end the tool with `code`.
fn fail(mut messages: Vec<String>, code: Exit) -> anyhow::Error {
    let last = messages.pop().unwrap_or_default();
    for message in messages {
        wheelpipe::console::error(&anyhow::anyhow!(message));
    }
    Failure { code, message: last }.into()
}

/// The command line's index flags, else the files' index options.
fn index_flags(matches: &ArgMatches, files: &FileOptions) -> IndexFlags {
    let given = wheelpipe::args::get_index(matches);
    let from_command_line = given.is_some();
    let mut flags = IndexFlags {
        cert: matches.get_one::<PathBuf>("cert").cloned(),
        trusted_hosts: matches.get_many::<String>("trusted-host").into_iter().flatten().cloned().collect(),
        proxy: matches.get_one::<String>("proxy").cloned(),
        ..given.unwrap_or_default()
    };
    if !from_command_line && files.has_index_options() {
        flags.index_url = files.index_url.clone();
        flags.extra_index_urls = files.extra_index_urls.clone();
        flags.find_links = files.find_links.clone();
        flags.no_index = files.no_index;
    }
    flags
}

/// `CPython 3.11 (linux_x86_64)`, for messages.
fn describe(interpreter: &Interpreter) -> String {
    let implementation =
        interpreter.markers.get("platform_python_implementation").map_or("Python", String::as_str);
    let platform = interpreter.platform.replace(['-', '.'], "_");
    format!("{implementation} {} ({platform})", interpreter.short_version())
}

/// The index and find-links locations, for messages.
fn describe_sources(urls: &IndexUrls) -> String {
    let all: Vec<String> = urls
        .index_url
        .iter()
        .chain(&urls.extra_index_urls)
        .chain(&urls.find_links)
        .map(|u| wheelpipe::http::redact(u))
        .collect();
    if all.is_empty() {
        "no index (--no-index without --find-links)".to_string()
    } else {
        all.join(", ")
    }
}

/// The cache `--cache-dir` names (an error when it cannot be used), else
/// the default one when it can be used.
fn open_cache(matches: &ArgMatches) -> Result<Option<Cache>> {
    Ok(match matches.get_one::<PathBuf>("cache-dir") {
        Some(dir) => Some(Cache::from_flag(Some(dir))?),
        None => Cache::from_flag(None).ok(),
    })
}

/// The index client, keeping pages in the cache when there is one.
fn index_client<'c>(client: &'c Client, urls: &IndexUrls, cache: Option<&Cache>) -> IndexClient<'c> {
    let index = IndexClient::new(client, urls.clone());
    match cache {
        Some(cache) => index.with_cache(cache.clone()),
        None => index,
    }
}

/// Resolves what the command line asks (or reads the lock it names) and
/// writes the records to `out`; on an error nothing is written and the
/// caller ends the stream.
pub fn run<W: Write + Send>(matches: &ArgMatches, out: &mut Writer<W>, progress: &Reporter) -> Result<Exit> {
    let items = inputs::items(matches);
    let lock_input = inputs::lock_input(&items)?;
    let selection = inputs::selection(matches);
    let (mut reqs, projects) = match lock_input {
        Some(_) => (Requirements::default(), project_input::Projects::default()),
        None => inputs::read(&items, &selection)?,
    };
    let cache = open_cache(matches)?;
    let python = matches.get_one::<PathBuf>("python").expect("--python has a default");
    let interpreter =
        Interpreter::query(python, cache.as_ref()).map_err(|e| Failure::usage(format!("{e:#}")))?;
    let env = pins::marker_environment(&interpreter)?;

    let settings = Settings::load(&index_flags(matches, &reqs.options), Some(&interpreter))
        .map_err(|e| Failure::usage(format!("{e:#}")))?;
    if lock_input.is_none() {
        inputs::add_configured(&mut reqs, &settings.install)?;
    }
    let client = Client::new(settings.http_options())?;
    let index = index_client(&client, &settings.urls, cache.as_ref());
    let tags = Tags::for_interpreter(&interpreter);
    let rank = |wheel: &WheelFilename| tags.rank(wheel);
    let (major, minor, micro) = interpreter.version;
    let target = select::Target {
        rank: &rank,
        python: Version::new([u64::from(major), u64::from(minor), u64::from(micro)]),
        description: describe(&interpreter),
        sources: describe_sources(&settings.urls),
    };

    let build = build_settings(matches, &interpreter, cache.as_ref(), &settings.urls)?;
    projects.complete(&mut reqs, &selection, build.as_ref(), &env)?;
    let artifacts = while_reporting(out, progress, |hints| match &lock_input {
        Some(lock) => pylock::read(lock, &env, &target)
            .map(|artifacts| solve::keep_locked(matches, artifacts, installed_dists(matches, &interpreter)))
            .map_err(|e| fail(vec![format!("{e:#}")], Exit::Failed)),
        None => {
            let run = solve::Run {
                matches,
                progress,
                cache: cache.as_ref(),
                index: &index,
                client: &client,
                target: &target,
                env: &env,
                installed: installed_dists(matches, &interpreter),
                build: build.as_ref(),
                hints,
            };
            solve::resolve(&run, &reqs)
        }
    });
    let solve::Chosen { artifacts, satisfied } = artifacts?;
    if let Some(record) = progress.last_record() {
        out.record(&record).context("cannot write to stdout")?;
    }
    if let Some(lock) = matches.get_one::<PathBuf>("lock") {
        let python = format!("=={major}.{minor}.*");
        pylock::write(lock, &artifacts, Some(&python), settings.urls.index_url.as_deref())
            .with_context(|| format!("cannot write the lock {}", lock.display()))?;
    }
    write_records(out, artifacts, satisfied, &settings.urls)?;
    Ok(Exit::Ok)
}

/// Runs `resolve` while a thread writes its progress records to `out`
/// (every 100 ms) and hands it the sink of `hint` records when hints are
/// on; the artifacts are written after, by the caller.
fn while_reporting<W: Write + Send, T>(
    out: &mut Writer<W>,
    progress: &Reporter,
    resolve: impl FnOnce(Option<resolver::Sink<'_>>) -> T,
) -> T {
    let (stop, stopped) = crossbeam_channel::bounded::<()>(0);
    let shared = std::sync::Mutex::new(out);
    let hint = |hint: wheelpipe::records::Hint| {
        let mut out = shared.lock().expect("no thread panics holding the lock");
        let _ = out.record(&Record::Hint(hint));
    };
    let hints = HINTS.load(std::sync::atomic::Ordering::Relaxed).then_some(&hint as resolver::Sink<'_>);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            while stopped.recv_timeout(std::time::Duration::from_millis(100)).is_err_and(|e| e.is_timeout()) {
                if let Some(record) = progress.record() {
                    let _ = shared.lock().expect("no thread panics holding the lock").record(&record);
                }
            }
        });
        let result = resolve(hints);
        drop(stop);
        result
    })
}

/// The run's `index` record when an artifact is to be built (the stages
/// that build it make their build environments from the same indexes),
/// its `artifact` and `satisfied` records, sorted by normalized name, then
/// `end`.
fn write_records<W: Write>(
    out: &mut Writer<W>,
    artifacts: Vec<Artifact>,
    satisfied: Vec<Satisfied>,
    urls: &IndexUrls,
) -> Result<()> {
    if artifacts.iter().any(|a| !a.kind.is_wheel()) {
        let index = Record::Index(wheelpipe::build::index::record(urls));
        out.record(&index).context("cannot write to stdout")?;
    }
    let mut records: Vec<(String, Record)> = artifacts
        .into_iter()
        .map(|a| (normalize(&a.name), Record::Artifact(a)))
        .chain(satisfied.into_iter().map(|s| (normalize(&s.name), Record::Satisfied(s))))
        .collect();
    records.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, record) in &records {
        out.record(record).context("cannot write to stdout")?;
    }
    out.record(&Record::End(End::new(TOOL, true, records.len() as u64))).context("cannot write to stdout")?;
    Ok(())
}

/// How sdists' and folders' metadata is read: builds (isolated, unless
/// `--no-build-isolation`, with `-C` settings) whose environments come from
/// the same indexes as the run's (`None` without a cache or when the tools'
/// folder cannot be found).
fn build_settings(
    matches: &ArgMatches,
    interpreter: &Interpreter,
    cache: Option<&Cache>,
    urls: &IndexUrls,
) -> Result<Option<wheelpipe::build::Settings>> {
    let Some(cache) = cache else { return Ok(None) };
    let Ok(mut build) = wheelpipe::build::Settings::for_interpreter(interpreter, cache) else {
        return Ok(None);
    };
    (build.config, build.isolation) = wheelpipe::args::get_build(matches)?;
    build.envs.index = wheelpipe::build::BuildIndex::fixed(urls.clone());
    Ok(Some(build))
}

/// What `--python` has installed, when it was given on the command line
/// (the default `python3` only lends its markers and tags) and neither
/// `--ignore-installed` nor `--lock` (a lock lists every wheel) says otherwise.
fn installed_dists(matches: &ArgMatches, interpreter: &Interpreter) -> BTreeMap<String, InstalledDist> {
    let given = matches.value_source("python") == Some(clap::parser::ValueSource::CommandLine);
    let ignore = matches.get_flag("ignore-installed") || matches.get_one::<PathBuf>("lock").is_some();
    if given && !ignore {
        interpreter.installed()
    } else {
        BTreeMap::new()
    }
}

#[cfg(test)]
mod tests;
