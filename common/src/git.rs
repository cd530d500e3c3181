//! Git checkouts for `git+URL[@rev]` requirements, with the system's git:
//! a fresh clone into the cache's `tmp/` (so a moving branch or tag is read
//! anew every run), the revision checked out and its submodules, then the
//! tree kept in the cache under the URL and the full commit it resolved to
//! (`git/v1/..`), where a later run that meets the same commit reuses it.
//! Every failure is one line naming the URL (redacted) and what git said.
//! [`work`] makes a user's own checkout from such a tree (an editable's).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use crate::cache::{Bucket, Cache};
use crate::hash::Sha256;
use crate::http::redact;

pub mod work;

/// A checked-out revision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkout {
    /// The tree in the cache (the repository's root).
    pub root: PathBuf,
    /// The full commit id the revision resolved to.
    pub commit: String,
}

/// Checks out `rev` (else the default branch) of the repository at `url`
/// (a URL git understands, without the `git+` prefix).
pub fn checkout(cache: &Cache, url: &str, rev: Option<&str>) -> Result<Checkout> {
    let shown = redact(url);
    let work = tempfile::Builder::new()
        .prefix("git-")
        .tempdir_in(cache.tmp_dir()?)
        .context("cannot create a temporary folder for a git clone")?;
    let repo = work.path().join("repo");
    let mut clone = git(None);
    clone.args(["clone", "--quiet", "--no-checkout", "--", url]).arg(&repo);
    run(clone).with_context(|| format!("git clone {shown} failed"))?;
    let wanted = rev.unwrap_or("HEAD");
    let detach = |what: &str| {
        let mut co = git(Some(&repo));
        co.args(["checkout", "--quiet", "--detach", what, "--"]);
        run(co)
    };
    // A branch other than the default one is only `origin/NAME` in a fresh clone.
    detach(wanted)
        .or_else(|e| if rev.is_some() { detach(&format!("origin/{wanted}")) } else { Err(e) })
        .with_context(|| format!("{shown}: git cannot check out the revision {wanted:?}"))?;
    if repo.join(".gitmodules").is_file() {
        let mut sub = git(Some(&repo));
        sub.args(["submodule", "update", "--quiet", "--init", "--recursive"]);
        run(sub).with_context(|| format!("{shown}: git cannot update its submodules"))?;
    }
    let mut parse = git(Some(&repo));
    parse.args(["rev-parse", "HEAD"]);
    let commit = run(parse).with_context(|| format!("{shown}: git rev-parse HEAD failed"))?;
    let commit = commit.trim().to_string();
    if commit.len() < 40 || !commit.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("{shown}: git gave {commit:?} as the commit");
    }
    let dest = cache.entry(Bucket::Git, &Sha256::of(format!("{url}\n{commit}").as_bytes()));
    if !dest.join(".git").exists() {
        std::fs::create_dir_all(dest.parent().context("a cache folder has a parent")?)?;
        // Another run may have put the same commit there first: theirs is as good.
        if std::fs::rename(&repo, &dest).is_err() && !dest.join(".git").exists() {
            bail!("cannot move the checkout of {shown} to {}", dest.display());
        }
    }
    Ok(Checkout { root: dest, commit })
}

/// `git` with no prompts (a missing credential is an error, not a wait).
fn git(dir: Option<&Path>) -> Command {
    let mut cmd = Command::new("git");
    if let Some(dir) = dir {
        cmd.arg("-C").arg(dir);
    }
    cmd.env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ASKPASS", "true")
        .env("GCM_INTERACTIVE", "never")
        .stdin(Stdio::null());
    cmd
}

/// Runs `cmd`; its stdout, or an error with git's own words.
fn run(mut cmd: Command) -> Result<String> {
    let out = match cmd.output() {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("git is not installed (it is needed for git+ URLs)")
        }
        Err(e) => return Err(e).context("cannot run git"),
    };
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        // git's first `fatal:` line says what went wrong; the advice after it does not.
        let lines = || stderr.lines().map(str::trim).filter(|l| !l.is_empty());
        let first_fatal = lines().find(|l| l.starts_with("fatal:") || l.starts_with("error:"));
        bail!("{}", redact(first_fatal.or_else(|| lines().next_back()).unwrap_or("no message")));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) use crate::test_git::git as sh;

    /// A repository `repo` in a new temporary folder, one commit of `a.txt`
    /// ("one") tagged `v1` (also for `git::work`'s tests).
    pub(crate) fn tagged_repo() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir(&repo).unwrap();
        sh(&repo, &["init", "-q"]);
        std::fs::write(repo.join("a.txt"), "one").unwrap();
        sh(&repo, &["add", "."]);
        sh(&repo, &["commit", "-q", "-m", "one"]);
        sh(&repo, &["tag", "v1"]);
        (dir, repo)
    }

    #[test]
    fn a_tag_resolves_to_its_commit_and_a_bad_revision_names_the_url() {
        let (dir, repo) = tagged_repo();
        std::fs::write(repo.join("a.txt"), "two").unwrap();
        sh(&repo, &["commit", "-q", "-am", "two"]);
        let cache = Cache::at(dir.path().join("cache")).unwrap();
        let url = format!("file://{}", repo.display());
        let one = checkout(&cache, &url, Some("v1")).unwrap();
        assert_eq!(std::fs::read_to_string(one.root.join("a.txt")).unwrap(), "one");
        let head = checkout(&cache, &url, None).unwrap();
        assert_eq!(std::fs::read_to_string(head.root.join("a.txt")).unwrap(), "two");
        assert_ne!(one.commit, head.commit);
        assert_eq!(checkout(&cache, &url, Some("v1")).unwrap(), one, "the same commit, the same tree");
        let err = format!("{:#}", checkout(&cache, &url, Some("nope")).unwrap_err());
        assert!(err.contains(&url) && err.contains("\"nope\""), "{err}");
    }
}
