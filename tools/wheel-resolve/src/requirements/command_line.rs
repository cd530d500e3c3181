//! The command line as pip's `install` reads it: positional arguments that
//! are requirements (`requests 'django<6'`) or requirement files, `-r FILE`
//! and `-c FILE` (repeatable), `-e`, and the options a requirements file may
//! also carry (`--pre`, `--only-binary`, ...). It goes through the same
//! parser as a file's lines, so both mean the same.
//!
//! A positional argument is a requirements file when it is `-` (stdin), an
//! existing file (other than a wheel or sdist), or a missing path that looks
//! like a requirements file (it ends in `.txt`, `.in` or `.toml`); anything
//! else is a requirement. So `wheel-resolve requests` asks for the project
//! `requests` unless a file of that name is in the current folder, as uv
//! decides it.

use std::path::{Path, PathBuf};

use super::options::Opt;
use super::{apply_option, parse_named, parse_one, Entry, Location, ParseError, Requirements, Source};

/// One thing the command line asks for, in the order given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// A requirements file (`-` is stdin), positional or `-r`.
    File(PathBuf),
    /// A requirement written as an argument.
    Requirement(String),
    /// `-c FILE`, `-e TARGET` and the options shared with requirement files.
    Option(Opt),
}

/// Where command-line requirements are said to come from, in messages.
pub const COMMAND_LINE: &str = "the command line";

/// What a positional argument is; `is_file` says whether a path is an
/// existing regular file (the file system, in the tool).
pub fn classify(arg: &str, is_file: &dyn Fn(&Path) -> bool) -> Item {
    let lower = arg.to_ascii_lowercase();
    let distribution = super::trees::is_distribution(arg);
    let looks_like_list = [".txt", ".in", ".toml"].iter().any(|e| lower.ends_with(e));
    if arg == "-" || (!distribution && (looks_like_list || is_file(Path::new(arg)))) {
        Item::File(PathBuf::from(arg))
    } else {
        Item::Requirement(arg.to_string())
    }
}

/// The `-c`, `-e` and shared options of the command line as [`Opt`]s, so a
/// caller builds [`Item::Option`]s without knowing the option module.
pub fn constraint(path: &str) -> Item {
    Item::Option(Opt::Constraint(path.to_string()))
}

pub fn editable(target: &str) -> Item {
    Item::Option(Opt::Editable(target.to_string()))
}

/// True for `-e TARGET`.
pub fn is_editable(item: &Item) -> bool {
    matches!(item, Item::Option(Opt::Editable(_)))
}

/// True for what names distributions or versions (requirements, files,
/// `-c`, `-e`), not for an option that only changes how they are read.
pub fn names_something(item: &Item) -> bool {
    !matches!(item, Item::Option(opt) if !matches!(opt, Opt::Constraint(_) | Opt::Editable(_)))
}

/// `--only-binary`, `--no-binary` (comma lists, `:all:`, `:none:`).
pub fn only_binary(value: &str) -> Item {
    Item::Option(Opt::OnlyBinary(value.to_string()))
}

pub fn no_binary(value: &str) -> Item {
    Item::Option(Opt::NoBinary(value.to_string()))
}

/// `--pre`, `--prefer-binary`, `--require-hashes`.
pub fn flag(name: &str) -> Item {
    Item::Option(match name {
        "pre" => Opt::Pre,
        "prefer-binary" => Opt::PreferBinary,
        _ => Opt::RequireHashes,
    })
}

/// Reads every item into `into`, files and options as a file's lines would
/// be, relative paths from the current folder.
pub fn parse_items(
    items: &[Item],
    source: &mut Source<'_>,
    into: &mut Requirements,
) -> Result<(), ParseError> {
    let location = Location { file: COMMAND_LINE.to_string(), line: 0 };
    for item in items {
        match item {
            Item::File(path) => parse_one(path, false, source, into, &mut Vec::new(), None)?,
            Item::Requirement(text) => {
                if let Some(tree) = super::trees::parse(text, Path::new(""), false) {
                    let tree = tree.map_err(|message| ParseError { location: location.clone(), message })?;
                    let entry = super::TreeEntry { tree, location: location.clone(), text: text.clone() };
                    into.trees.push(entry);
                    continue;
                }
                let requirement = parse_named(text, Path::new(""))
                    .map_err(|message| ParseError { location: location.clone(), message })?;
                into.requirements.push(Entry {
                    requirement,
                    hashes: Vec::new(),
                    location: location.clone(),
                    text: text.clone(),
                });
            }
            Item::Option(opt) => {
                apply_option(opt.clone(), false, Path::new(""), &location, source, into, &mut Vec::new())?
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_requirements_and_files_are_files() {
        let exists = |p: &Path| p == Path::new("requests") || p == Path::new("dev");
        let none = |_: &Path| false;
        assert_eq!(classify("requests", &none), Item::Requirement("requests".into()));
        assert_eq!(classify("django<6", &none), Item::Requirement("django<6".into()));
        assert_eq!(classify("requests", &exists), Item::File("requests".into()), "an existing file");
        assert_eq!(classify("dev", &exists), Item::File("dev".into()));
        assert_eq!(classify("-", &none), Item::File("-".into()));
        assert_eq!(classify("missing/reqs.txt", &none), Item::File("missing/reqs.txt".into()));
        assert_eq!(classify("pylock.toml", &none), Item::File("pylock.toml".into()));
        let wheel = "dist/a-1.0-py3-none-any.whl";
        assert_eq!(classify(wheel, &|_| true), Item::Requirement(wheel.into()), "a wheel is no list");
        let url = "a @ http://127.0.0.1:9/a-1.0-py3-none-any.whl";
        assert_eq!(classify(url, &none), Item::Requirement(url.into()));
    }
}
