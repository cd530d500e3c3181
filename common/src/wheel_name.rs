//! Wheel filenames (binary distribution format):
//! `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`, with
//! compressed tag sets (`py2.py3-none-any`).

use anyhow::Result;

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
        todo!("{filename}")
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
