//! The checks a wheel passes before any of it is used: safe entry names, no
//! symlinks, one `.dist-info` folder that matches the filename, and a WHEEL
//! file whose Wheel-Version this code understands.

use anyhow::{bail, Context, Result};

/// Checks one zip entry name; returns why it is refused. Names are
/// `/`-separated and relative, without `.`/`..`, backslashes or control
/// characters; a trailing `/` marks a folder.
pub fn check_entry_name(name: &str) -> std::result::Result<(), &'static str> {
    if name.is_empty() {
        return Err("an empty name");
    }
    if name.chars().any(|c| c.is_control()) {
        return Err("a control character in the name");
    }
    if name.contains('\\') {
        return Err("a backslash in the name");
    }
    if name.starts_with('/') {
        return Err("an absolute path");
    }
    let body = name.strip_suffix('/').unwrap_or(name);
    for part in body.split('/') {
        match part {
            "" => return Err("an empty path component"),
            "." | ".." => return Err("a `.` or `..` path component"),
            _ => {}
        }
    }
    Ok(())
}

/// Checks that the files' names (already checked one by one) make a tree:
/// no name twice, and none that is also another's folder.
pub fn check_paths<'a>(names: impl Iterator<Item = &'a str> + Clone) -> Result<()> {
    let mut files = std::collections::HashSet::new();
    for name in names.clone() {
        if !files.insert(name) {
            bail!("entry {name:?} appears twice");
        }
    }
    for name in names {
        let mut folders = name.match_indices('/').map(|(i, _)| &name[..i]);
        if let Some(folder) = folders.find(|f| files.contains(f)) {
            bail!("entry {folder:?} is a file and the folder of {name:?}");
        }
    }
    Ok(())
}

/// True when a zip entry's unix mode (external attributes) says symlink.
pub fn is_symlink_mode(mode: u32) -> bool {
    mode & 0o170000 == 0o120000
}

/// Finds the one top-level `{name}-{version}.dist-info` folder among the
/// entry names and checks it against the filename's name and version.
pub fn find_dist_info<'a>(names: impl Iterator<Item = &'a str>, name: &str, version: &str) -> Result<String> {
    let mut found: Vec<String> = Vec::new();
    for entry in names {
        let top = entry.split('/').next().unwrap_or("");
        if top.ends_with(".dist-info") && entry.len() > top.len() && !found.iter().any(|f| f == top) {
            found.push(top.to_string());
        }
    }
    let dir = match found.as_slice() {
        [one] => one.clone(),
        [] => bail!("no .dist-info folder"),
        many => bail!("more than one .dist-info folder: {}", many.join(", ")),
    };
    let stem = dir.strip_suffix(".dist-info").unwrap_or(&dir);
    let (dir_name, dir_version) = stem.split_once('-').unwrap_or((stem, ""));
    if !wheelpipe::names::same_release((dir_name, dir_version), (name, version)) {
        bail!("its .dist-info folder {dir} does not match the filename's {name} {version}");
    }
    Ok(dir)
}

/// What the WHEEL file says.
#[derive(Debug, PartialEq, Eq)]
pub struct WheelInfo {
    pub root_is_purelib: bool,
    /// Set when the format is newer than 1.0 in its minor version.
    pub warning: Option<String>,
}

/// Parses the WHEEL file (RFC 822 style headers).
pub fn parse_wheel_file(text: &str) -> Result<WheelInfo> {
    let header = |key: &str| {
        text.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim().eq_ignore_ascii_case(key).then(|| v.trim().to_string())
        })
    };
    let version = header("Wheel-Version").context("WHEEL has no Wheel-Version")?;
    let (major, minor) = version.split_once('.').unwrap_or((&version, "0"));
    let major: u32 = major.parse().with_context(|| format!("bad Wheel-Version {version:?}"))?;
    let minor: u32 = minor.parse().with_context(|| format!("bad Wheel-Version {version:?}"))?;
    if major != 1 {
        bail!("Wheel-Version {version} is not supported (only 1.x)");
    }
    let warning =
        (minor > 0).then(|| format!("Wheel-Version {version} is newer than 1.0; installing anyway"));
    let root_is_purelib = header("Root-Is-Purelib").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    Ok(WheelInfo { root_is_purelib, warning })
}

/// Refuses a wheel none of whose tags the interpreter supports, as pip
/// and uv do, naming its tags and the interpreter's best.
pub fn check_tags(tags: &wheelpipe::tags::Tags, wheel: &wheelpipe::wheel_name::WheelFilename) -> Result<()> {
    if tags.is_compatible(wheel) {
        return Ok(());
    }
    let best = tags.iter().next().map(|(p, a, t)| format!(" (its best is {p}-{a}-{t})")).unwrap_or_default();
    let wheel_tags = [&wheel.python_tags, &wheel.abi_tags, &wheel.platform_tags].map(|t| t.join("."));
    bail!(
        "its tags {} are not supported by the virtualenv's python{best}; install it anyway with --no-tag-check",
        wheel_tags.join("-")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names_that_escape_or_hide_are_refused() {
        for bad in ["../x.py", "a/../../x", "/etc/passwd", "a\\b.py", "a\0b", "a\nb", "a//b", "./a", ""] {
            assert!(check_entry_name(bad).is_err(), "{bad:?} was accepted");
        }
        for good in ["six.py", "a/b/c.py", "pkg/", "x-1.0.data/scripts/run", "naïve.txt"] {
            assert!(check_entry_name(good).is_ok(), "{good:?} was refused");
        }
    }

    #[test]
    fn names_that_do_not_make_a_tree_are_refused() {
        let check = |names: &[&str]| check_paths(names.iter().copied()).map_err(|e| e.to_string());
        assert!(check(&["a/b.py", "a/c.py", "ab", "a/bc/d"]).is_ok());
        assert!(check(&["a/b.py", "a/b.py"]).unwrap_err().contains("twice"));
        assert!(check(&["a/b", "a/b/c.py"]).unwrap_err().contains("is a file and the folder"));
        assert!(check(&["a/b/c.py", "a"]).unwrap_err().contains("is a file and the folder"));
    }

    #[test]
    fn symlink_modes() {
        assert!(is_symlink_mode(0o120777));
        assert!(!is_symlink_mode(0o100644));
        assert!(!is_symlink_mode(0o040755));
    }

    #[test]
    fn one_matching_dist_info() {
        let names = ["foo_bar/__init__.py", "Foo.Bar-1.0.dist-info/METADATA", "Foo.Bar-1.0.dist-info/RECORD"];
        assert_eq!(find_dist_info(names.into_iter(), "foo_bar", "1.0").unwrap(), "Foo.Bar-1.0.dist-info");
        assert!(find_dist_info(names.into_iter(), "foo_bar", "2.0").is_err());
        assert!(find_dist_info(names.into_iter(), "other", "1.0").is_err());
        let two = ["a-1.dist-info/METADATA", "b-1.dist-info/METADATA"];
        let err = find_dist_info(two.into_iter(), "a", "1").unwrap_err().to_string();
        assert!(err.contains("more than one"), "{err}");
        assert!(find_dist_info(["a.py"].into_iter(), "a", "1").is_err());
    }

    #[test]
    fn wheel_file_versions_and_purelib() {
        let w = parse_wheel_file("Wheel-Version: 1.0\nGenerator: x\nRoot-Is-Purelib: true\n").unwrap();
        assert_eq!(w, WheelInfo { root_is_purelib: true, warning: None });
        let w = parse_wheel_file("Wheel-Version: 1.9\nRoot-Is-Purelib: false\n").unwrap();
        assert!(!w.root_is_purelib);
        assert!(w.warning.is_some());
        assert!(parse_wheel_file("Wheel-Version: 2.0\n").is_err());
        assert!(parse_wheel_file("Generator: x\n").is_err());
    }
}
