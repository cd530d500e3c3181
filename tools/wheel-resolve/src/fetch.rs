//! Reading every project page at once: up to 16 threads take names from a
//! shared counter, so a lock of 100 pins costs a few round trips, not 100.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use anyhow::Result;
use wheelpipe::index::{DistFile, IndexClient};

const MAX_THREADS: usize = 16;

/// Each name's files, in the order of `names`; a page that could not be
/// read is an error naming its URL. (Ctrl-C is left to its default action:
/// wheel-resolve writes nothing that needs cleaning up.)
pub fn project_pages(index: &IndexClient<'_>, names: &[String]) -> Vec<Result<Vec<DistFile>>> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Vec<DistFile>>>>> =
        Mutex::new(std::iter::repeat_with(|| None).take(names.len()).collect());
    std::thread::scope(|scope| {
        for _ in 0..names.len().min(MAX_THREADS) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(name) = names.get(i) else { return };
                let page = index.project_files(name);
                results.lock().expect("no thread panics holding the lock")[i] = Some(page);
            });
        }
    });
    let results = results.into_inner().expect("no thread panics holding the lock");
    results.into_iter().map(|r| r.expect("every name was read")).collect()
}
