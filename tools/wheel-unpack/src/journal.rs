//! The commit's journal, so a commit cut short by `kill -9` or a power cut
//! is settled by the next run: every planned rename is written to
//! `journal` in the staging folder (to a temporary name, synced, renamed)
//! before the first one. A run that finds a stale staging folder with a
//! journal works out how far the renames got, rolls a finished commit
//! forward (its old files are dropped) and an unfinished one back.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::scheme::Scheme;

const HEADER: &[u8] = b"wheelpipe-journal 1\n";
pub const NAME: &str = "journal";
pub const COMMITTED: &str = "committed";

/// One rename of a commit. Exactly one of `from` and `to` is inside the
/// staging folder (a staged file going in, or an old file going aside),
/// and no two steps share that side, so each step's state can be read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub from: PathBuf,
    pub to: PathBuf,
}

/// Writes the journal of `steps` into `root`, durably.
pub fn write(root: &Path, steps: &[Step]) -> Result<()> {
    let mut bytes = HEADER.to_vec();
    for s in steps {
        for p in [&s.from, &s.to] {
            bytes.extend_from_slice(p.as_os_str().as_bytes());
            bytes.push(0);
        }
    }
    let tmp = root.join("journal.tmp");
    let path = root.join(NAME);
    let mut f = File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    f.write_all(&bytes)
        .and_then(|()| f.sync_all())
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    File::open(root).and_then(|d| d.sync_all()).with_context(|| format!("cannot sync {}", root.display()))
}

/// Removes the journal once its commit is undone.
pub fn remove(root: &Path) {
    let _ = fs::remove_file(root.join(NAME));
}

/// Marks the commit as done (the journal becomes `committed`), so that a
/// kill while the old files are deleted is never taken for a cut commit.
pub fn mark_committed(root: &Path) {
    let _ = fs::rename(root.join(NAME), root.join(COMMITTED));
}

fn read(path: &Path) -> Result<Vec<Step>> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let Some(body) = bytes.strip_prefix(HEADER) else { bail!("{} is not a journal", path.display()) };
    let parts: Vec<&[u8]> = body.split(|&b| b == 0).collect();
    // A trailing NUL leaves one empty part.
    if parts.last() != Some(&&b""[..]) || parts.len() % 2 != 1 {
        bail!("{} is cut short", path.display());
    }
    let path_of = |b: &[u8]| PathBuf::from(OsStr::from_bytes(b));
    Ok(parts[..parts.len() - 1].chunks(2).map(|c| Step { from: path_of(c[0]), to: path_of(c[1]) }).collect())
}

/// True once a step's rename has happened.
fn done(step: &Step, root: &Path) -> bool {
    if step.to.starts_with(root) {
        fs::symlink_metadata(&step.to).is_ok()
    } else {
        fs::symlink_metadata(&step.from).is_err()
    }
}

/// Undoes `steps` (all done), newest first. Returns false when one could
/// not be undone (reported through `warn`).
pub fn undo(steps: &[Step], warn: &dyn Fn(String)) -> bool {
    let mut all = true;
    for Step { from, to } in steps.iter().rev() {
        if let Err(e) = fs::rename(to, from) {
            warn(format!("rollback: cannot move {} back to {}: {e}", to.display(), from.display()));
            all = false;
        }
    }
    all
}

/// What [`recover`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Settled {
    /// No journal: no commit had started.
    Nothing,
    /// Every rename had happened: the commit stands.
    Forward,
    /// The renames that had happened were undone (false: not all of them).
    Back(bool),
}

/// Settles the commit journaled in the stale staging folder `root`. A commit
/// that stands keeps (or gets) its `committed` marker, which the caller
/// removes last (see [`crate::venv::remove_staging`]): a kill while the old
/// files are deleted then still finds the commit finished.
pub fn recover(root: &Path, scheme: &Scheme, warn: &dyn Fn(String)) -> Result<Settled> {
    let (path, committed) = (root.join(NAME), root.join(COMMITTED));
    if committed.exists() {
        let steps = read(&committed)?;
        let old = steps.iter().filter(|s| s.to.starts_with(root)).map(|s| s.from.as_path());
        prune(scheme, old);
        return Ok(Settled::Forward);
    }
    if !path.exists() {
        return Ok(Settled::Nothing);
    }
    let settled = settle(&read(&path)?, root, scheme, warn);
    match settled {
        Settled::Forward => mark_committed(root),
        _ => remove(root),
    }
    Ok(settled)
}

fn settle(steps: &[Step], root: &Path, scheme: &Scheme, warn: &dyn Fn(String)) -> Settled {
    let count = steps.iter().take_while(|s| done(s, root)).count();
    if count == steps.len() {
        let old = steps.iter().filter(|s| s.to.starts_with(root)).map(|s| s.from.as_path());
        prune(scheme, old);
        Settled::Forward
    } else {
        Settled::Back(undo(&steps[..count], warn))
    }
}

/// Removes the folders that the old files in `old` left empty.
pub fn prune<'p>(scheme: &Scheme, old: impl Iterator<Item = &'p Path>) {
    let s = scheme;
    let stops = [&s.venv, &s.purelib, &s.platlib, &s.scripts, &s.headers_base];
    for file in old {
        for dir in file.ancestors().skip(1) {
            if stops.iter().any(|s| s.as_path() == dir) || !dir.starts_with(&s.venv) {
                break;
            }
            if dir.file_name().is_some_and(|n| n == "__pycache__") {
                let _ = fs::remove_dir(dir);
                continue;
            }
            if fs::remove_dir(dir).is_err() {
                break;
            }
        }
    }
}

/// Test-only (`WHEELPIPE_TEST_PAUSE_COMMIT_AFTER=N`, with the `test-hooks`
/// feature): after N renames of a commit, pauses (see [`pause`]), so a test
/// can kill the run in the middle of its commit. Not in users' builds.
#[cfg(feature = "test-hooks")]
pub fn test_pause(done: usize) {
    static AFTER: std::sync::OnceLock<Option<usize>> = std::sync::OnceLock::new();
    let after = AFTER
        .get_or_init(|| std::env::var("WHEELPIPE_TEST_PAUSE_COMMIT_AFTER").ok().and_then(|v| v.parse().ok()));
    if *after == Some(done) {
        pause(&format!("after {done} renames"));
    }
}

/// Without the `test-hooks` feature: nothing.
#[cfg(not(feature = "test-hooks"))]
pub fn test_pause(_done: usize) {}

/// Test-only (`WHEELPIPE_TEST_PAUSE_AT=POINT`, with the `test-hooks`
/// feature): pauses at the named point of a run (`staged`: a wheel is
/// staged; `cleanup`: the commit stands and part of the staging folder is
/// deleted). Not in users' builds.
#[cfg(feature = "test-hooks")]
pub fn test_pause_at(point: &str) {
    static AT: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    if AT.get_or_init(|| std::env::var("WHEELPIPE_TEST_PAUSE_AT").ok()).as_deref() == Some(point) {
        pause(point);
    }
}

/// Without the `test-hooks` feature: nothing.
#[cfg(not(feature = "test-hooks"))]
pub fn test_pause_at(_point: &str) {}

/// Test-only (`WHEELPIPE_TEST_NOTES=1`, with the `test-hooks` feature):
/// says on stderr what a test cannot see from outside (`test note: ...`),
/// such as a wheel unpacked while it downloaded. Not in users' builds.
#[cfg(feature = "test-hooks")]
pub fn test_note(text: &str) {
    if std::env::var_os("WHEELPIPE_TEST_NOTES").is_some() {
        eprintln!("wheel-unpack: test note: {text}");
    }
}

/// Without the `test-hooks` feature: nothing.
#[cfg(not(feature = "test-hooks"))]
pub fn test_note(_text: &str) {}

/// Says `test pause {what}` on stderr and waits a minute for the test to
/// kill the run; SIGINT or SIGTERM end the wait, so the run then handles
/// the signal where it stands.
#[cfg(feature = "test-hooks")]
fn pause(what: &str) {
    eprintln!("wheel-unpack: test pause {what}");
    for _ in 0..6000 {
        if wheelpipe::signals::interrupted() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_journal_reads_back_and_a_cut_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let steps = vec![
            Step { from: "/v/a b".into(), to: "/v/s/old/0".into() },
            Step { from: "/v/s/tree/x".into(), to: "/v/x".into() },
        ];
        write(dir.path(), &steps).unwrap();
        assert_eq!(read(&dir.path().join(NAME)).unwrap(), steps);
        let bytes = fs::read(dir.path().join(NAME)).unwrap();
        fs::write(dir.path().join(NAME), &bytes[..bytes.len() - 3]).unwrap();
        assert!(read(&dir.path().join(NAME)).is_err());
    }

    #[test]
    fn a_cut_commit_is_undone_and_a_finished_one_kept() {
        let dir = tempfile::tempdir().unwrap();
        let venv = dir.path().canonicalize().unwrap();
        let scheme = crate::scheme::for_tests(&venv);
        let root = venv.join(".wheelpipe-staging-1");
        fs::create_dir_all(root.join("old")).unwrap();
        fs::create_dir_all(root.join("tree")).unwrap();
        fs::create_dir_all(venv.join("pkg")).unwrap();
        fs::write(venv.join("pkg/a.py"), "old").unwrap();
        fs::write(root.join("tree/b.py"), "new").unwrap();
        let steps = vec![
            Step { from: venv.join("pkg/a.py"), to: root.join("old/0") },
            Step { from: root.join("tree/b.py"), to: venv.join("b.py") },
        ];
        write(&root, &steps).unwrap();
        fs::rename(&steps[0].from, &steps[0].to).unwrap(); // killed after one rename
        assert_eq!(recover(&root, &scheme, &|_| {}).unwrap(), Settled::Back(true));
        assert_eq!(fs::read_to_string(venv.join("pkg/a.py")).unwrap(), "old");
        assert!(root.join("tree/b.py").is_file() && !venv.join("b.py").exists());
        assert_eq!(recover(&root, &scheme, &|_| {}).unwrap(), Settled::Nothing, "settled once");

        write(&root, &steps).unwrap();
        for s in &steps {
            fs::rename(&s.from, &s.to).unwrap();
        }
        // Killed after the last rename, before the marker: settled forward,
        // and the marker is kept until the old files are gone.
        assert_eq!(recover(&root, &scheme, &|_| {}).unwrap(), Settled::Forward);
        assert!(root.join(COMMITTED).is_file() && root.join("old/0").is_file());
        assert_eq!(recover(&root, &scheme, &|_| {}).unwrap(), Settled::Forward, "still known as committed");
        assert_eq!(fs::read_to_string(venv.join("b.py")).unwrap(), "new");
        assert!(!venv.join("pkg").exists(), "the folder the old file left empty is pruned");
        crate::venv::remove_staging(&root);
        assert!(!root.exists());
    }
}
