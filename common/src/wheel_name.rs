//! Wheel filenames (binary distribution format):
//! `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`, with
//! compressed tag sets (`py2.py3-none-any`); and telling an sdist's
//! filename from them.

use anyhow::{bail, Result};

/// True for the file names of source distributions.
pub fn is_sdist_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".tar.gz") || lower.ends_with(".zip")
}

/// `("name", "version")` of a source distribution's file name,
/// `name-version.tar.gz` (also `.zip`, `.tar.bz2`, `.tgz`, `.tar`, which
/// old sdists use): split at the stem's last `-`, as PEP 625 names are.
pub fn sdist_name_version(file: &str) -> Option<(&str, &str)> {
    let lower = file.to_ascii_lowercase();
    let ext = [".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar"].into_iter().find(|e| lower.ends_with(e))?;
    file[..file.len() - ext.len()].rsplit_once('-').filter(|(n, v)| !n.is_empty() && !v.is_empty())
}

/// A parsed wheel filename.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WheelFilename {
    /// As written in the filename (escaped); compare with `names::normalize`.
    pub name: String,
    pub version: String,
    /// The build tag, if any: (number, rest), for ordering.
    pub build: Option<(u64, String)>,
    pub python_tags: Vec<String>,
    pub abi_tags: Vec<String>,
    pub platform_tags: Vec<String>,
}

impl WheelFilename {
    /// Parses `x-1.0-py3-none-any.whl`; errors name the filename and what is wrong.
    pub fn parse(filename: &str) -> Result<WheelFilename> {
        let Some(stem) = filename.strip_suffix(".whl") else {
            bail!("{filename:?} is not a wheel filename: it does not end in .whl");
        };
        let parts: Vec<&str> = stem.split('-').collect();
        if parts.len() != 5 && parts.len() != 6 {
            bail!(
                "{filename:?} is not a valid wheel filename: expected \
                 name-version(-build)?-python-abi-platform.whl, found {} dash-separated parts",
                parts.len()
            );
        }
        if let Some(i) = parts.iter().position(|p| p.is_empty()) {
            bail!("{filename:?} is not a valid wheel filename: part {} is empty", i + 1);
        }
        let build = if parts.len() == 6 { Some(parse_build(filename, parts[2])?) } else { None };
        let n = parts.len();
        let split = |s: &str| -> Result<Vec<String>> {
            let tags: Vec<String> = s.split('.').map(str::to_string).collect();
            if tags.iter().any(String::is_empty) {
                bail!("{filename:?} is not a valid wheel filename: empty tag in {s:?}");
            }
            Ok(tags)
        };
        Ok(WheelFilename {
            name: parts[0].to_string(),
            version: parts[1].to_string(),
            build,
            python_tags: split(parts[n - 3])?,
            abi_tags: split(parts[n - 2])?,
            platform_tags: split(parts[n - 1])?,
        })
    }

    /// Every (python, abi, platform) triple the filename's compressed tag sets expand to.
    pub fn tags(&self) -> impl Iterator<Item = (&str, &str, &str)> + '_ {
        self.python_tags.iter().flat_map(move |p| {
            self.abi_tags.iter().flat_map(move |a| {
                self.platform_tags.iter().map(move |t| (p.as_str(), a.as_str(), t.as_str()))
            })
        })
    }
}

/// A build tag starts with a digit: its leading number, then the rest.
fn parse_build(filename: &str, tag: &str) -> Result<(u64, String)> {
    let digits = tag.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        bail!(
            "{filename:?} is not a valid wheel filename: the build tag {tag:?} does not start with a digit"
        );
    }
    let Ok(number) = tag[..digits].parse() else {
        bail!("{filename:?} is not a valid wheel filename: the build tag {tag:?} is too large");
    };
    Ok((number, tag[digits..].to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_plain_wheel_name() {
        let w = WheelFilename::parse("requests-2.31.0-py3-none-any.whl").unwrap();
        assert_eq!(w.name, "requests");
        assert_eq!(w.version, "2.31.0");
        assert_eq!(w.build, None);
        assert_eq!(w.tags().collect::<Vec<_>>(), [("py3", "none", "any")]);
    }

    #[test]
    fn parses_build_tags_and_compressed_tag_sets() {
        let w =
            WheelFilename::parse("Foo_Bar-1.0-12abc-py2.py3-none-manylinux1_x86_64.manylinux2010_x86_64.whl")
                .unwrap();
        assert_eq!(w.name, "Foo_Bar");
        assert_eq!(w.build, Some((12, "abc".to_string())));
        assert_eq!(w.python_tags, ["py2", "py3"]);
        assert_eq!(w.platform_tags, ["manylinux1_x86_64", "manylinux2010_x86_64"]);
        assert_eq!(w.tags().count(), 4);
        assert_eq!(w.tags().nth(1), Some(("py2", "none", "manylinux2010_x86_64")));
        let w = WheelFilename::parse("x-1-7-cp311-cp311-linux_x86_64.whl").unwrap();
        assert_eq!(w.build, Some((7, String::new())));
    }

    #[test]
    fn errors_name_the_file_and_the_problem() {
        let err = WheelFilename::parse("x-1.0.tar.gz").unwrap_err().to_string();
        assert!(err.contains("x-1.0.tar.gz") && err.contains(".whl"), "{err}");
        let err = WheelFilename::parse("x-1.0-none-any.whl").unwrap_err().to_string();
        assert!(err.contains("x-1.0-none-any.whl") && err.contains("4 dash-separated parts"), "{err}");
        let err = WheelFilename::parse("x-1.0-b1-py3-none-any.whl").unwrap_err().to_string();
        assert!(err.contains("build tag \"b1\""), "{err}");
        let err = WheelFilename::parse("x-1.0-py3..py4-none-any.whl").unwrap_err().to_string();
        assert!(err.contains("empty tag"), "{err}");
    }
}
