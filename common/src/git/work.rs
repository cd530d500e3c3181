//! A working checkout the user owns, made from a checkout in the cache, as
//! pip makes the one of an editable VCS requirement in its `--src` folder:
//! a real clone (the repository's URL as `origin`, its branches and tags,
//! its submodules), copied from the cache's clone rather than cloned again;
//! on the branch the revision names (tracking `origin/BRANCH`), on the
//! default branch when no revision was given, else detached at the commit.
//! A folder there from an earlier run is kept when it is at the commit and
//! otherwise updated as pip updates it (`git reset --hard` to the commit,
//! fetched from the cache's clone), but never over uncommitted changes.

use std::path::Path;

use anyhow::{bail, Context, Result};

use super::{git, run};

/// Copies the cache's clone `from` (a repository's root, at `commit`) to
/// `dest`, which must not exist, and puts it on the branch pip would
/// (`rev`: the revision asked for).
pub fn copy_checkout(from: &Path, dest: &Path, rev: Option<&str>, commit: &str) -> Result<()> {
    copy_tree(from, dest).with_context(|| format!("cannot copy {} to {}", from.display(), dest.display()))?;
    let at = |what: &str| rev_parse(dest, what).ok().as_deref() == Some(commit);
    let branch = match rev {
        // pip: a name that is a branch of origin is checked out as that branch.
        Some(rev) => at(&format!("refs/remotes/origin/{rev}")).then(|| rev.to_string()),
        None => {
            let mut head = git(Some(dest));
            head.args(["symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"]);
            let head = run(head).unwrap_or_default();
            head.trim()
                .strip_prefix("origin/")
                .filter(|b| at(&format!("refs/remotes/origin/{b}")))
                .map(String::from)
        }
    };
    if let Some(branch) = branch {
        let mut co = git(Some(dest));
        let upstream = format!("origin/{branch}");
        co.args(["checkout", "--quiet", "-B", &branch, "--track", &upstream]);
        run(co).with_context(|| format!("{}: git cannot check out the branch {branch}", dest.display()))?;
    }
    Ok(())
}

/// The commit `dir`'s HEAD is at.
pub fn head(dir: &Path) -> Result<String> {
    rev_parse(dir, "HEAD").with_context(|| format!("{}: git rev-parse HEAD failed", dir.display()))
}

/// The URL of `dir`'s `origin`, `None` when `dir` is no repository's root
/// or has no `origin`.
pub fn origin(dir: &Path) -> Option<String> {
    if !dir.join(".git").exists() {
        return None;
    }
    let mut cmd = git(Some(dir));
    cmd.args(["remote", "get-url", "origin"]);
    run(cmd).ok().map(|u| u.trim().to_string())
}

/// Moves the checkout `dir` to `commit`, which the clone `from` has, as pip
/// updates an editable's checkout (`git reset --hard`, then the
/// submodules); refused when tracked files have uncommitted changes.
pub fn update(dir: &Path, from: &Path, commit: &str) -> Result<()> {
    let shown = dir.display();
    let mut status = git(Some(dir));
    status.args(["status", "--porcelain", "--untracked-files=no"]);
    let changes = run(status).with_context(|| format!("{shown}: git status failed"))?;
    if !changes.trim().is_empty() {
        bail!(
            "{shown} has uncommitted changes, and going to {commit} would lose them: commit or stash them first"
        );
    }
    if rev_parse(dir, &format!("{commit}^{{commit}}")).is_err() {
        let mut fetch = git(Some(dir));
        fetch.args(["fetch", "--quiet", "--tags"]).arg(from).arg("HEAD");
        run(fetch).with_context(|| format!("{shown}: git cannot fetch {commit} from {}", from.display()))?;
    }
    reset(dir, commit)
}

/// `git reset --hard` to `commit`, and the submodules to match.
pub fn reset(dir: &Path, commit: &str) -> Result<()> {
    let mut reset = git(Some(dir));
    reset.args(["reset", "--quiet", "--hard", commit]);
    run(reset).with_context(|| format!("{}: git cannot reset to {commit}", dir.display()))?;
    if dir.join(".gitmodules").is_file() {
        let mut sub = git(Some(dir));
        sub.args(["submodule", "update", "--quiet", "--init", "--recursive"]);
        run(sub).with_context(|| format!("{}: git cannot update its submodules", dir.display()))?;
    }
    Ok(())
}

fn rev_parse(dir: &Path, what: &str) -> Result<String> {
    let mut cmd = git(Some(dir));
    cmd.args(["rev-parse", "--verify", "--quiet", what]);
    Ok(run(cmd)?.trim().to_string())
}

/// A copy of the folder `from` at `to`: folders, files (with their modes)
/// and symbolic links as they are.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let (src, dest) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type()?;
        if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src)?, &dest)?;
        } else if kind.is_dir() {
            copy_tree(&src, &dest)?;
        } else {
            std::fs::copy(&src, &dest)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::Cache;
    use crate::git::tests::{sh, tagged_repo};

    #[test]
    fn a_branch_is_checked_out_tracking_origin_a_tag_detached_and_updates_keep_edits() {
        let (dir, repo) = tagged_repo();
        sh(&repo, &["checkout", "-q", "-b", "feature"]);
        std::fs::write(repo.join("a.txt"), "two").unwrap();
        sh(&repo, &["commit", "-q", "-am", "two"]);
        let cache = Cache::at(dir.path().join("cache")).unwrap();
        let url = format!("file://{}", repo.display());

        let feature = crate::git::checkout(&cache, &url, Some("feature")).unwrap();
        let mine = dir.path().join("mine");
        copy_checkout(&feature.root, &mine, Some("feature"), &feature.commit).unwrap();
        assert_eq!(sh(&mine, &["rev-parse", "--abbrev-ref", "HEAD@{upstream}"]), "origin/feature");
        assert_eq!(origin(&mine).as_deref(), Some(url.as_str()));

        let tag = crate::git::checkout(&cache, &url, Some("v1")).unwrap();
        let tagged = dir.path().join("tagged");
        copy_checkout(&tag.root, &tagged, Some("v1"), &tag.commit).unwrap();
        assert_eq!(
            (head(&tagged).unwrap(), sh(&tagged, &["rev-parse", "--abbrev-ref", "HEAD"])),
            (tag.commit.clone(), "HEAD".into())
        );

        std::fs::write(mine.join("a.txt"), "edited").unwrap();
        let err = format!("{:#}", update(&mine, &tag.root, &tag.commit).unwrap_err());
        assert!(err.contains("uncommitted changes"), "{err}");
        assert_eq!(std::fs::read_to_string(mine.join("a.txt")).unwrap(), "edited");
        sh(&mine, &["checkout", "-q", "--", "."]);
        // A commit made after the clone comes from the cache's new checkout.
        std::fs::write(repo.join("a.txt"), "three").unwrap();
        sh(&repo, &["commit", "-q", "-am", "three"]);
        let later = crate::git::checkout(&cache, &url, Some("feature")).unwrap();
        update(&mine, &later.root, &later.commit).unwrap();
        assert_eq!(std::fs::read_to_string(mine.join("a.txt")).unwrap(), "three");
        update(&mine, &tag.root, &tag.commit).unwrap();
        assert_eq!(
            (head(&mine).unwrap(), std::fs::read_to_string(mine.join("a.txt")).unwrap()),
            (tag.commit, "one".into())
        );
    }
}
