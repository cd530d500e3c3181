//! Two wheels writing one path, or a wheel writing a path another
//! distribution in the venv owns, as pip settles it: the same contents go
//! through in silence; different contents are installed in pip's order
//! (see [`crate::order`]: the later wheel's file is the one left) with one
//! warning for each pair of distributions, naming both and the paths.
//! `--no-overwrite` refuses the set instead, as wheel-unpack used to.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use crate::commit::OldDist;
use crate::job::Staged;
use crate::scheme::Scheme;

/// Whether a run may overwrite files, and where it says so.
#[derive(Clone, Copy)]
pub enum Overwrite<'a> {
    /// `--no-overwrite`: any clash refuses the set.
    Refuse,
    Warn(&'a dyn Fn(String)),
}

/// Checks the set (in install order) against itself and the venv; refuses
/// two wheels of one distribution, a file where the venv has a folder, and
/// with [`Overwrite::Refuse`] any path written twice or already there and
/// owned by no distribution being replaced.
pub fn check_conflicts(
    scheme: &Scheme,
    staged: &[Staged],
    old: &[OldDist],
    overwrite: Overwrite,
) -> Result<()> {
    let mut by_key: BTreeMap<String, &Staged> = BTreeMap::new();
    // Keyed by the path's bytes: comparing paths component by component
    // was a tenth of a warm install's CPU (12,000 files for jupyter).
    let mut by_dest: BTreeMap<&[u8], (&Path, &Path, &Staged)> = BTreeMap::new();
    // (earlier, later) distribution to the paths they both write, differently.
    let mut clashes: BTreeMap<(String, String), Vec<PathBuf>> = BTreeMap::new();
    for s in staged {
        if let Some(other) = by_key.insert(s.key(), s) {
            bail!("{} and {} are both {}", other.wheel.display(), s.wheel.display(), s.name);
        }
        for f in &s.files {
            let Some((_, staged, other)) =
                by_dest.insert(f.dest.as_os_str().as_bytes(), (&f.dest, &f.staged, s))
            else {
                continue;
            };
            if same_contents(staged, &f.staged) {
                continue;
            }
            if let Overwrite::Refuse = overwrite {
                let (a, b, dest) = (other.wheel.display(), s.wheel.display(), f.dest.display());
                bail!("{a} and {b} both install {dest}, with different contents (refused by --no-overwrite)");
            }
            clashes.entry((label(other), label(s))).or_default().push(f.dest.clone());
        }
    }
    let mut folders = Folders::default();
    let owned = |p: &Path| old.iter().any(|o| o.files.contains(p) || p.starts_with(&o.dist_info));
    let mut taken = Vec::new();
    for (dest, staged, s) in by_dest.into_values() {
        let folder = dest.parent().is_some_and(|parent| folders.exists(parent));
        let Some(meta) = folder.then(|| fs::symlink_metadata(dest).ok()).flatten() else { continue };
        if owned(dest) {
            continue;
        }
        let wheel = s.wheel.display();
        if meta.is_dir() {
            bail!("{} (from {wheel}) is a folder in the virtualenv", dest.display());
        }
        if same_contents(dest, staged) {
            continue;
        }
        if let Overwrite::Refuse = overwrite {
            bail!(
                "{} (from {wheel}) already exists in the virtualenv, with other contents, and belongs to \
                 no distribution being replaced (refused by --no-overwrite)",
                dest.display()
            );
        }
        taken.push((dest.to_path_buf(), s));
    }
    if let Overwrite::Warn(warn) = overwrite {
        tell(scheme, clashes, &taken, warn);
    }
    Ok(())
}

/// Which folders of the venv exist, each looked at once at most: a missing
/// folder has no files, nor folders (a new package's tree is one look at
/// its top, not one a folder: django's were 1,400 failing `statx`).
#[derive(Default)]
struct Folders<'a> {
    seen: HashMap<&'a Path, bool>,
}

impl<'a> Folders<'a> {
    fn exists(&mut self, dir: &'a Path) -> bool {
        if let Some(known) = self.seen.get(dir) {
            return *known;
        }
        let parent_exists = dir.parent().is_none_or(|p| self.exists(p));
        let exists = parent_exists && fs::symlink_metadata(dir).is_ok();
        self.seen.insert(dir, exists);
        exists
    }
}

/// One warning for each pair of wheels writing paths differently, and one
/// for each file of the venv a wheel replaces, naming its owners.
fn tell(
    scheme: &Scheme,
    clashes: BTreeMap<(String, String), Vec<PathBuf>>,
    taken: &[(PathBuf, &Staged)],
    warn: &dyn Fn(String),
) {
    for ((a, b), paths) in clashes {
        let paths = shown(scheme, &paths);
        warn(format!(
            "{a} and {b} both install {paths}, with different contents: {b}'s is installed, as pip \
             orders them (dependencies first)"
        ));
    }
    let mut owners = owners(scheme, taken.iter().map(|(p, _)| p.as_path()));
    for (dest, s) in taken {
        let owner = match owners.get_mut(dest) {
            Some(o) => {
                o.sort();
                format!("{} (installed)", o.join(" and "))
            }
            None => "no installed distribution".to_string(),
        };
        let path = shown(scheme, std::slice::from_ref(dest));
        warn(format!("{} replaces {path} of {owner}, whose contents differ", label(s)));
    }
}

fn label(s: &Staged) -> String {
    format!("{} {}", s.name, s.version)
}

/// Paths relative to the venv, the first few.
fn shown(scheme: &Scheme, paths: &[PathBuf]) -> String {
    let rel = |p: &PathBuf| p.strip_prefix(&scheme.venv).unwrap_or(p).display().to_string();
    let mut text: Vec<String> = paths.iter().take(3).map(rel).collect();
    if paths.len() > 3 {
        text.push(format!("{} more", paths.len() - 3));
    }
    text.join(", ")
}

/// True when two files hold the same bytes (a missing one holds none).
pub fn same_contents(a: &Path, b: &Path) -> bool {
    let (Ok(ma), Ok(mb)) = (fs::metadata(a), fs::metadata(b)) else { return false };
    if ma.len() != mb.len() {
        return false;
    }
    let (Ok(mut fa), Ok(mut fb)) = (fs::File::open(a), fs::File::open(b)) else { return false };
    let (mut ba, mut bb) = (vec![0u8; 64 * 1024], vec![0u8; 64 * 1024]);
    loop {
        let n = match fa.read(&mut ba) {
            Ok(0) => return true,
            Ok(n) => n,
            Err(_) => return false,
        };
        if fb.read_exact(&mut bb[..n]).is_err() || ba[..n] != bb[..n] {
            return false;
        }
    }
}

/// The installed distributions (`name version`) whose RECORDs list each of
/// `paths`, read only when a clash needs a name.
fn owners<'p>(scheme: &Scheme, paths: impl Iterator<Item = &'p Path>) -> HashMap<PathBuf, Vec<String>> {
    let wanted: Vec<&Path> = paths.collect();
    let mut found = HashMap::new();
    if wanted.is_empty() {
        return found;
    }
    let mut libs = vec![&scheme.purelib];
    if scheme.platlib != scheme.purelib {
        libs.push(&scheme.platlib);
    }
    for lib in libs {
        let Ok(dir) = fs::read_dir(lib) else { continue };
        for e in dir.flatten() {
            let file = e.file_name().to_string_lossy().into_owned();
            let Some(stem) = file.strip_suffix(".dist-info") else { continue };
            let Ok(record) = fs::read_to_string(e.path().join("RECORD")) else { continue };
            let label = stem.replacen('-', " ", 1);
            for row in record.lines().filter_map(|l| crate::record::split_csv(l).ok()) {
                let path = crate::scheme::normalize(&lib.join(&row[0]));
                if wanted.contains(&path.as_path()) {
                    found.entry(path).or_insert_with(Vec::new).push(label.clone());
                }
            }
        }
    }
    found
}
