//! The distributions an interpreter sees: the `NAME-VERSION.dist-info`
//! (and legacy `.egg-info`) entries of the folders on its `sys.path`, as
//! `importlib.metadata` finds them: the first folder that has a
//! distribution hides the same name further on. So a venv made with
//! `--system-site-packages` sees its own site-packages, then its base
//! interpreter's. Read from the disk at each run (what is installed changes
//! without the interpreter changing), only the metadata headers of each; an
//! `.egg-info`'s dependencies come from its `requires.txt`, as
//! `importlib.metadata` converts them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::metadata::CoreMetadata;
use crate::names::normalize;
use crate::site_packages::{self, InfoEntry};

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
        // Two versions in one folder (a broken install): the listing's order decides, made stable.
        for info in site_packages::info_entries(dir).unwrap_or_default() {
            let Some(dist) = read(&info, dir) else { continue };
            found.entry(normalize(&dist.name)).or_insert(dist);
        }
    }
    found
}

fn read(entry: &InfoEntry, location: &Path) -> Option<InstalledDist> {
    let (info, egg) = (&entry.path, entry.egg);
    let metadata = match (egg, entry.is_dir) {
        (false, true) => info.join("METADATA"),
        (true, true) => info.join("PKG-INFO"),
        // An `.egg-info` file is the PKG-INFO itself.
        (true, false) => info.to_path_buf(),
        (false, false) => return None,
    };
    let text = std::fs::read_to_string(metadata).ok()?;
    let mut meta = CoreMetadata::parse(&text, &info.display().to_string()).ok()?;
    if egg {
        let requires = std::fs::read_to_string(info.join("requires.txt")).unwrap_or_default();
        meta.requires_dist = egg_requires(&requires);
        // Old PKG-INFO has no Provides-Extra: the sections name the extras.
        for extra in requires.lines().filter_map(|l| l.trim().strip_prefix('[')?.split([':', ']']).next()) {
            if !extra.is_empty() && !meta.provides_extra.iter().any(|e| e == extra) {
                meta.provides_extra.push(extra.to_string());
            }
        }
    }
    Some(InstalledDist {
        name: meta.name,
        version: meta.version,
        location: location.to_path_buf(),
        requires_dist: meta.requires_dist,
        provides_extra: meta.provides_extra,
    })
}

/// An `.egg-info/requires.txt` as Requires-Dist lines: a `[extra:marker]`
/// section's lines get `; (marker) and extra == "extra"`.
fn egg_requires(text: &str) -> Vec<String> {
    let mut suffix = String::new();
    let mut lines = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let (extra, marker) = section.split_once(':').unwrap_or((section, ""));
            let mut conditions = Vec::new();
            match (extra.is_empty(), marker.is_empty()) {
                (false, false) => conditions.push(format!("({marker})")),
                (true, false) => conditions.push(marker.to_string()),
                _ => {}
            }
            if !extra.is_empty() {
                conditions.push(format!("extra == \"{extra}\""));
            }
            suffix =
                if conditions.is_empty() { String::new() } else { format!("; {}", conditions.join(" and ")) };
            continue;
        }
        lines.push(format!("{line}{suffix}"));
    }
    lines
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

    #[test]
    fn legacy_egg_info_installs_count_with_their_requires_txt() {
        let tmp = tempfile::tempdir().unwrap();
        let info = tmp.path().join("old_pkg-1.2-py3.11.egg-info");
        std::fs::create_dir_all(&info).unwrap();
        std::fs::write(info.join("PKG-INFO"), "Metadata-Version: 1.1\nName: old-pkg\nVersion: 1.2\n")
            .unwrap();
        let requires = "six\n\n[:python_version < \"3.12\"]\ntomli\n\n[socks]\npysocks\n\n[tls:sys_platform == \"win32\"]\nwincert\n";
        std::fs::write(info.join("requires.txt"), requires).unwrap();
        std::fs::write(
            tmp.path().join("flat-0.1.egg-info"),
            "Metadata-Version: 1.0\nName: flat\nVersion: 0.1\n",
        )
        .unwrap();
        let found = scan(&[tmp.path().to_path_buf()]);
        assert_eq!(found["flat"].version, "0.1");
        assert_eq!(found["old-pkg"].provides_extra, ["socks", "tls"]);
        assert_eq!(
            found["old-pkg"].requires_dist,
            [
                "six",
                "tomli; python_version < \"3.12\"",
                "pysocks; extra == \"socks\"",
                "wincert; (sys_platform == \"win32\") and extra == \"tls\""
            ]
        );
    }
}
