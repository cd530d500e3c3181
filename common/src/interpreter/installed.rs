//! The distributions an interpreter sees: the `NAME-VERSION.dist-info`
//! folders of the folders on its `sys.path`, as `importlib.metadata` finds
//! them: the first folder that has a distribution hides the same name
//! further on. So a venv made with `--system-site-packages` sees its own
//! site-packages, then its base interpreter's. Read from the disk at each
//! run (what is installed changes without the interpreter changing), only
//! the METADATA headers of each. Legacy `.egg-info` installs are left out.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::metadata::CoreMetadata;
use crate::names::normalize;

/// One installed distribution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstalledDist {
    /// As its METADATA spells it.
    pub name: String,
    pub version: String,
    /// The folder on `sys.path` that holds its `.dist-info`.
    pub location: PathBuf,
    pub requires_dist: Vec<String>,
    pub provides_extra: Vec<String>,
}

/// Every distribution in `dirs` (in `sys.path` order), by normalized name;
/// a `.dist-info` whose METADATA cannot be read is left out.
pub fn scan(dirs: &[PathBuf]) -> BTreeMap<String, InstalledDist> {
    let mut found = BTreeMap::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        let mut infos: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "dist-info") && p.is_dir())
            .collect();
        // Two versions in one folder (a broken install): the listing's order decides, made stable.
        infos.sort();
        for info in infos {
            let Some(dist) = read(&info, dir) else { continue };
            found.entry(normalize(&dist.name)).or_insert(dist);
        }
    }
    found
}

fn read(info: &Path, location: &Path) -> Option<InstalledDist> {
    let text = std::fs::read_to_string(info.join("METADATA")).ok()?;
    let meta = CoreMetadata::parse(&text, &info.display().to_string()).ok()?;
    Some(InstalledDist {
        name: meta.name,
        version: meta.version,
        location: location.to_path_buf(),
        requires_dist: meta.requires_dist,
        provides_extra: meta.provides_extra,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dist(dir: &Path, folder: &str, name: &str, version: &str) {
        let info = dir.join(folder);
        std::fs::create_dir_all(&info).unwrap();
        let text = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nRequires-Dist: b>=1\n");
        std::fs::write(info.join("METADATA"), text).unwrap();
    }

    #[test]
    fn the_first_folder_on_the_path_hides_the_later_ones() {
        let tmp = tempfile::tempdir().unwrap();
        let (venv, base) = (tmp.path().join("venv"), tmp.path().join("base"));
        dist(&venv, "Foo_Bar-2.0.dist-info", "Foo_Bar", "2.0");
        dist(&base, "foo_bar-1.0.dist-info", "foo-bar", "1.0");
        dist(&base, "six-1.16.0.dist-info", "six", "1.16.0");
        std::fs::create_dir_all(base.join("broken-1.0.dist-info")).unwrap();
        let found = scan(&[venv.clone(), tmp.path().join("missing"), base.clone()]);
        assert_eq!(found.keys().collect::<Vec<_>>(), ["foo-bar", "six"]);
        assert_eq!((found["foo-bar"].version.as_str(), &found["foo-bar"].location), ("2.0", &venv));
        assert_eq!(found["six"].location, base);
        assert_eq!(found["six"].requires_dist, ["b>=1"]);
    }
}
