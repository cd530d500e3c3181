//! What is built: an sdist (`.tar.gz`, `.zip`), unpacked into the build's
//! temporary folder with every entry kept inside it, or a source folder,
//! built in place as pip and `python -m build` do.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// A thing to build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A source distribution file.
    Sdist(PathBuf),
    /// A project folder (pyproject.toml or setup.py at its root).
    Tree(PathBuf),
}

impl Source {
    /// A path given by a user: a folder, or a file whose name says sdist.
    pub fn from_path(path: &Path) -> Result<Source> {
        if path.is_dir() {
            return Ok(Source::Tree(path.to_path_buf()));
        }
        if !path.is_file() {
            bail!("{}: no such file or folder", path.display());
        }
        let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
        if !is_sdist_name(&name) {
            bail!("{}: not a source distribution (.tar.gz or .zip) nor a project folder", path.display());
        }
        Ok(Source::Sdist(path.to_path_buf()))
    }

    pub fn path(&self) -> &Path {
        match self {
            Source::Sdist(p) | Source::Tree(p) => p,
        }
    }

    /// How errors name it: the sdist's `name version`, else the path.
    pub fn shown(&self) -> String {
        let file = self.path().file_name().map(|n| n.to_string_lossy().into_owned());
        match (self, file.as_deref().and_then(sdist_name_version)) {
            (Source::Sdist(_), Some((name, version))) => format!("{name} {version}"),
            _ => self.path().display().to_string(),
        }
    }
}

/// True for the file names of source distributions (its home is
/// [`crate::wheel_name`], beside the wheel filenames; here for builds).
pub use crate::wheel_name::is_sdist_name;

/// `("name", "version")` of an sdist's file name (its home is
/// [`crate::wheel_name`] too).
pub use crate::wheel_name::sdist_name_version;

/// Unpacks the sdist at `sdist` into `dest` (an empty folder) and returns
/// the project's root: the one top folder sdists have, else `dest`.
pub fn unpack_sdist(sdist: &Path, dest: &Path) -> Result<PathBuf> {
    let name = sdist.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let file = File::open(sdist).with_context(|| format!("cannot open {}", sdist.display()))?;
    if name.ends_with(".zip") {
        let mut archive = zip::ZipArchive::new(BufReader::new(file))
            .with_context(|| format!("{}: not a valid zip file", sdist.display()))?;
        archive.extract(dest).with_context(|| format!("cannot unpack {}", sdist.display()))?;
    } else {
        untar(file, dest).with_context(|| format!("cannot unpack {}", sdist.display()))?;
    }
    let entries: Vec<_> = std::fs::read_dir(dest)?.collect::<std::io::Result<_>>()?;
    match entries.as_slice() {
        [one] if one.file_type()?.is_dir() => Ok(one.path()),
        _ => Ok(dest.to_path_buf()),
    }
}

/// Unpacks a gzipped tar: files, folders and symlinks only, each kept
/// inside `dest` (the tar crate refuses `..`, absolute names and paths
/// through links that leave it).
fn untar(file: File, dest: &Path) -> Result<()> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(BufReader::new(file)));
    archive.set_overwrite(true);
    for entry in archive.entries()? {
        let mut entry = entry?;
        let kind = entry.header().entry_type();
        if !(kind.is_file() || kind.is_dir() || kind.is_symlink() || kind == tar::EntryType::Continuous) {
            continue;
        }
        let shown = entry.path().map(|p| p.display().to_string()).unwrap_or_default();
        if !entry.unpack_in(dest).with_context(|| format!("entry {shown:?}"))? {
            bail!("entry {shown:?} leaves the archive's folder");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdist_names_split_at_the_last_dash() {
        assert_eq!(sdist_name_version("foo_bar-1.0.tar.gz"), Some(("foo_bar", "1.0")));
        assert_eq!(sdist_name_version("foo-bar-2.zip"), Some(("foo-bar", "2")));
        assert_eq!(sdist_name_version("x.whl"), None);
        assert!(is_sdist_name("A-1.TAR.GZ") && !is_sdist_name("a-1.tar.bz2"));
    }

    fn tar_gz(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), Default::default()));
        for (name, data) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_entry_type(tar::EntryType::Regular);
            // set_path refuses `..`; write the raw name as an attacker would.
            header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
            header.set_cksum();
            builder.append(&header, *data).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn an_sdist_unpacks_to_its_top_folder_and_never_outside() {
        let dir = tempfile::tempdir().unwrap();
        let sdist = dir.path().join("p-1.tar.gz");
        std::fs::write(&sdist, tar_gz(&[("p-1/setup.py", b"x"), ("p-1/pkg/a.py", b"y")])).unwrap();
        let dest = dir.path().join("out");
        std::fs::create_dir(&dest).unwrap();
        let root = unpack_sdist(&sdist, &dest).unwrap();
        assert_eq!(root, dest.join("p-1"));
        assert_eq!(std::fs::read(root.join("pkg/a.py")).unwrap(), b"y");

        let evil = dir.path().join("e-1.tar.gz");
        std::fs::write(&evil, tar_gz(&[("e-1/../../escaped.txt", b"z")])).unwrap();
        let dest = dir.path().join("out2");
        std::fs::create_dir(&dest).unwrap();
        assert!(unpack_sdist(&evil, &dest).is_err());
        assert!(!dir.path().join("escaped.txt").exists());
    }
}
