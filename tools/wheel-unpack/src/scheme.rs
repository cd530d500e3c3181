//! Where a wheel's files go: the virtualenv's install scheme (purelib,
//! platlib, scripts, headers, data) and the mapping of each zip entry to an
//! absolute destination that provably stays inside the virtualenv.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use wheelpipe::interpreter::Interpreter;

/// The scheme's folders for one virtualenv, absolute and lexically normal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scheme {
    pub venv: PathBuf,
    pub purelib: PathBuf,
    pub platlib: PathBuf,
    pub scripts: PathBuf,
    /// `{venv}/include/site/pythonX.Y`; a distribution's headers go in a
    /// sub-folder named after it, as pip does in a virtualenv.
    pub headers_base: PathBuf,
    pub data: PathBuf,
    /// `{venv}/bin/python`, for shebangs.
    pub python: PathBuf,
    pub version: (u32, u32),
    /// The process's umask: file modes follow it, as pip's do.
    pub umask: u32,
}

/// The umask read by [`current_umask`], for code far from the scheme.
static UMASK: std::sync::OnceLock<u32> = std::sync::OnceLock::new();

/// Reads the umask (setting it back at once; done before threads start).
fn current_umask() -> u32 {
    use nix::sys::stat::{umask, Mode};
    let old = umask(Mode::from_bits_truncate(0o022));
    umask(old);
    *UMASK.get_or_init(|| old.bits())
}

/// True when creating a file with `mode` gives it exactly that mode, the
/// umask taking nothing away (so no chmod is needed after).
pub fn created_with(mode: u32) -> bool {
    UMASK.get().is_some_and(|umask| mode & umask == 0)
}

/// Removes `.` and resolves `..` without touching the disk (one home, in
/// common, with the `file://` URLs pip writes).
pub use wheelpipe::file_url::normalize;

impl Scheme {
    /// The site-packages folders of the venv (purelib, and platlib when it differs).
    pub fn libs(&self) -> Vec<&Path> {
        vec![self.purelib.as_path(), self.platlib.as_path()]
    }

    /// The scheme of the virtualenv `venv` (absolute), from its interpreter.
    pub fn from_interpreter(venv: &Path, python: &Interpreter) -> Result<Scheme> {
        let venv = normalize(venv);
        let real_venv = venv.canonicalize().with_context(|| format!("cannot read {}", venv.display()))?;
        let prefix = python.prefix.canonicalize().unwrap_or_else(|_| python.prefix.clone());
        if prefix != real_venv {
            bail!(
                "{} is not a virtualenv: its python's prefix is {}",
                venv.display(),
                python.prefix.display()
            );
        }
        // Put every path in the form of `venv` as given, so RECORD paths and
        // the inside-the-venv check compare like with like.
        let rebase = |p: &Path, what: &str| -> Result<PathBuf> {
            let p = normalize(p);
            let rel = p
                .strip_prefix(&python.prefix)
                .or_else(|_| p.strip_prefix(&prefix))
                .with_context(|| format!("the {what} folder {} is outside the virtualenv", p.display()))?;
            Ok(venv.join(rel))
        };
        let v = (python.version.0, python.version.1);
        Ok(Scheme {
            purelib: rebase(&python.paths.purelib, "purelib")?,
            platlib: rebase(&python.paths.platlib, "platlib")?,
            scripts: rebase(&python.paths.scripts, "scripts")?,
            headers_base: venv.join("include").join("site").join(format!("python{}.{}", v.0, v.1)),
            data: venv.clone(),
            python: venv.join("bin").join("python"),
            version: v,
            umask: current_umask(),
            venv,
        })
    }

    /// The mode pip gives a file: `0o666` less the umask; for one that is
    /// executable in the wheel, `0o777` less the umask, plus `0o111` whatever
    /// the umask (pip's `set_extracted_file_to_default_mode_plus_executable`).
    pub fn file_mode(&self, executable: bool) -> u32 {
        if executable {
            (0o777 & !self.umask) | 0o111
        } else {
            0o666 & !self.umask
        }
    }

    /// The mode of a generated launcher: distlib adds `0o555` to the default.
    pub fn launcher_mode(&self) -> u32 {
        self.file_mode(false) | 0o555
    }

    /// The folder where root files and the `.dist-info` go.
    pub fn lib_dir(&self, root_is_purelib: bool) -> &Path {
        if root_is_purelib {
            &self.purelib
        } else {
            &self.platlib
        }
    }

    /// The folder for a `.data/{key}/` sub-folder; `name` is the project's
    /// name as the requirement spells it, for headers.
    pub fn data_dir(&self, key: &str, name: &str) -> Option<PathBuf> {
        Some(match key {
            "purelib" => self.purelib.clone(),
            "platlib" => self.platlib.clone(),
            "scripts" => self.scripts.clone(),
            "headers" => self.headers_base.join(name),
            "data" => self.data.clone(),
            _ => return None,
        })
    }

    /// Joins a checked relative entry path to `base` and makes sure the
    /// result stays inside the virtualenv.
    pub fn inside(&self, base: &Path, rel: &str) -> Result<PathBuf> {
        let dest = normalize(&base.join(rel));
        let Ok(inner) = dest.strip_prefix(&self.venv) else {
            bail!("{rel} would be written to {}, outside the virtualenv", dest.display());
        };
        match inner.components().next() {
            None => bail!("{rel} would replace the virtualenv itself"),
            Some(first) if first.as_os_str().to_string_lossy().starts_with(".wheelpipe") => {
                bail!("{rel} would be written into wheel-unpack's own {}", dest.display())
            }
            Some(_) => Ok(dest),
        }
    }
}

/// Where one entry of a wheel goes.
impl Scheme {
    /// Where `path` (in the venv) is staged for a wheel whose staged tree
    /// is `tree`: purelib's files in `tree` itself, those of platlib and
    /// scripts in the siblings `{tree}.platlib` and `{tree}.scripts`, any
    /// other in `{tree}.venv` by its path from the venv's root. Each
    /// staging-only folder is an inode to allocate (as dear as a file on
    /// some disks): most wheels need only `tree`, made by its parent's
    /// spread (`crate::spread`), and a sibling is spread as well.
    pub fn staged(&self, tree: &Path, path: &Path) -> Option<PathBuf> {
        let bases = [(&self.purelib, ""), (&self.platlib, ".platlib"), (&self.scripts, ".scripts")];
        for (base, suffix) in bases {
            if let Ok(rel) = path.strip_prefix(base) {
                if !rel.as_os_str().is_empty() {
                    return Some(sibling(tree, suffix).join(rel));
                }
            }
        }
        path.strip_prefix(&self.venv).ok().map(|rel| sibling(tree, ".venv").join(rel))
    }

    /// The scheme folder that `dir` is, or holds: one a commit never moves.
    pub fn base_within(&self, dir: &Path) -> Option<&Path> {
        [&self.purelib, &self.platlib, &self.scripts]
            .into_iter()
            .map(PathBuf::as_path)
            .find(|b| b.starts_with(dir))
    }
}

/// `tree` with `suffix` added to its name (no suffix: `tree`).
fn sibling(tree: &Path, suffix: &str) -> PathBuf {
    let mut name = tree.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

#[derive(Debug, PartialEq, Eq)]
pub enum Target {
    /// A plain file at this destination.
    File(PathBuf),
    /// A `.data/scripts/` file: its shebang may be rewritten.
    Script(PathBuf),
}

/// Maps a (checked) entry name of a wheel to its destination. `data_dir` is
/// `{name}-{version}.data`.
pub fn target(scheme: &Scheme, lib_dir: &Path, data_dir: &str, name: &str, entry: &str) -> Result<Target> {
    let Some(rest) = entry.strip_prefix(data_dir).and_then(|r| r.strip_prefix('/')) else {
        return Ok(Target::File(scheme.inside(lib_dir, entry)?));
    };
    let Some((key, sub)) = rest.split_once('/') else {
        bail!("{entry}: files in {data_dir} must be in a scheme sub-folder (purelib, platlib, scripts, headers, data)");
    };
    let base = scheme.data_dir(key, name).with_context(|| {
        format!(
            "{entry}: unknown scheme key {key:?} in {data_dir} (purelib, platlib, scripts, headers, data)"
        )
    })?;
    let dest = scheme.inside(&base, sub)?;
    Ok(if key == "scripts" { Target::Script(dest) } else { Target::File(dest) })
}

/// The scheme of a CPython 3.11 virtualenv at `venv`, for tests.
#[cfg(test)]
pub(crate) fn for_tests(venv: &Path) -> Scheme {
    let lib = venv.join("lib/python3.11/site-packages");
    Scheme {
        purelib: lib.clone(),
        platlib: lib,
        scripts: venv.join("bin"),
        headers_base: venv.join("include/site/python3.11"),
        data: venv.to_path_buf(),
        python: venv.join("bin/python"),
        version: (3, 11),
        umask: 0o022,
        venv: venv.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scheme() -> Scheme {
        for_tests(Path::new("/v"))
    }

    #[test]
    fn maps_root_and_data_entries() {
        let s = scheme();
        let lib = s.purelib.clone();
        let t = |e: &str| target(&s, &lib, "x-1.data", "X", e);
        assert_eq!(t("x/a.py").unwrap(), Target::File("/v/lib/python3.11/site-packages/x/a.py".into()));
        assert_eq!(t("x-1.data/scripts/run").unwrap(), Target::Script("/v/bin/run".into()));
        assert_eq!(
            t("x-1.data/headers/x.h").unwrap(),
            Target::File("/v/include/site/python3.11/X/x.h".into())
        );
        assert_eq!(t("x-1.data/data/share/doc/a").unwrap(), Target::File("/v/share/doc/a".into()));
        assert_eq!(
            t("x-1.data/platlib/y.so").unwrap(),
            Target::File("/v/lib/python3.11/site-packages/y.so".into())
        );
        let err = t("x-1.data/bogus/a").unwrap_err().to_string();
        assert!(err.contains("unknown scheme key \"bogus\""), "{err}");
        assert!(t("x-1.data/run").is_err());
    }

    #[test]
    fn destinations_stay_inside_the_venv() {
        let s = scheme();
        assert!(s.inside(Path::new("/v/lib"), "../../etc/passwd").is_err());
        assert!(s.inside(Path::new("/v/include/site/python3.11/.."), "../../..").is_err());
        assert!(s.inside(Path::new("/v"), "share/a").is_ok());
        assert!(s.inside(Path::new("/v"), ".wheelpipe.lock").is_err());
        assert!(s.inside(Path::new("/v"), ".wheelpipe-staging-1/x").is_err());
        assert_eq!(normalize(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
    }

    #[test]
    fn staged_paths_go_by_scheme_folder() {
        let s = scheme();
        let t = Path::new("/t");
        let staged = |p: &str| s.staged(t, Path::new(p)).unwrap();
        assert_eq!(staged("/v/lib/python3.11/site-packages/a/b.py"), Path::new("/t/a/b.py"));
        assert_eq!(staged("/v/bin/run"), Path::new("/t.scripts/run"));
        assert_eq!(staged("/v/share/doc/x"), Path::new("/t.venv/share/doc/x"));
        assert_eq!(
            staged("/v/lib/python3.11/site-packages"),
            Path::new("/t.venv/lib/python3.11/site-packages")
        );
        assert_eq!(s.base_within(Path::new("/v/lib")), Some(Path::new("/v/lib/python3.11/site-packages")));
        assert_eq!(s.base_within(Path::new("/v/share")), None);
    }

    #[test]
    fn modes_follow_the_umask_like_pips() {
        let mut s = scheme();
        assert_eq!((s.file_mode(false), s.file_mode(true), s.launcher_mode()), (0o644, 0o755, 0o755));
        s.umask = 0o002;
        assert_eq!((s.file_mode(false), s.file_mode(true), s.launcher_mode()), (0o664, 0o775, 0o775));
        s.umask = 0o027;
        assert_eq!((s.file_mode(false), s.file_mode(true), s.launcher_mode()), (0o640, 0o751, 0o755));
        s.umask = 0o077;
        assert_eq!((s.file_mode(false), s.file_mode(true), s.launcher_mode()), (0o600, 0o711, 0o755));
    }
}
