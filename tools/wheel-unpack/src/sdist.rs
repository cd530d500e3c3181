//! Sources in the plain pipeline: an sdist that reaches wheel-unpack (an
//! `artifact` with `kind: "sdist"`, or a `.tar.gz`/`.zip` path) is built
//! here, by the one build library (`wheelpipe::build`), for the venv's own
//! interpreter, before it is staged like any wheel; a failing build fails
//! the run, so nothing is installed.

use anyhow::{Context, Result};
use wheelpipe::build::{self, Source};
use wheelpipe::cache::Cache;
use wheelpipe::interpreter::Interpreter;

use crate::job::{Direct, Job};

/// What building needs: the settings, made once for the run, with the
/// build environments' indexes `index`.
pub fn settings(
    interpreter: &Interpreter,
    cache: Option<&Cache>,
    index: build::BuildIndex,
) -> Result<build::Settings> {
    let cache = match cache {
        Some(cache) => cache.clone(),
        None => Cache::from_flag(None).context("building an sdist needs a cache folder")?,
    };
    let mut settings = build::Settings::for_interpreter(interpreter, &cache)?;
    settings.envs.index = index;
    Ok(settings)
}

/// The job itself for a wheel; for an sdist, the job of the wheel built
/// from it (from the cache when it was built before), whose
/// `direct_url.json`, if any, names the sdist as pip's does.
pub fn wheel_of(job: Job, settings: Option<&build::Settings>) -> Result<Job> {
    if let Some(Direct::Tree(info)) = &job.direct {
        let info = info.clone();
        return crate::tree::wheel_of(job, &info, settings);
    }
    let is_sdist = job.wheel.file_name().is_some_and(|n| build::source::is_sdist_name(&n.to_string_lossy()));
    if !is_sdist {
        return Ok(job);
    }
    let Some(settings) = settings else {
        anyhow::bail!(
            "{}: an sdist, and building it needs a cache folder (--cache-dir)",
            job.wheel.display()
        );
    };
    let built = build::build(settings, &Source::Sdist(job.wheel.clone()), false)?;
    let direct = match job.direct {
        Some(how) => {
            let sha256 = build::hash_file(&job.wheel)?.0;
            Some(Direct::Sdist { how: Box::new(how), path: job.wheel.clone(), sha256 })
        }
        None => None,
    };
    Ok(Job { wheel: built.wheel, sha256: Some(built.sha256), direct, ..job })
}
