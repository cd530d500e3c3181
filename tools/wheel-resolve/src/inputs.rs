//! What the command line asks to resolve: its requirements, files (`-r`,
//! positional), constraints and options in the order given, read through
//! the requirements parser; then what `PIP_*` variables and pip's
//! configuration files add (`PIP_CONSTRAINT`, `PIP_PRE`, `PIP_ONLY_BINARY`,
//! `PIP_NO_BINARY`), as pip adds its configured defaults to its options.
//! A project's own file among them goes to [`project_input`].

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::ArgMatches;
use wheelpipe::config::InstallOptions;
use wheelpipe::exit::Failure;

use crate::project_input::{self, Projects, Selection};
use crate::pylock;
use crate::requirements::command_line::{self, Item};
use crate::requirements::{Requirements, Source};

/// The command line's items, ordered as they were written.
pub fn items(matches: &ArgMatches) -> Vec<Item> {
    let mut found: Vec<(usize, Item)> = Vec::new();
    let mut each = |id: &str, make: &dyn Fn(&str) -> Item| {
        let (Some(values), Some(indices)) = (matches.get_many::<String>(id), matches.indices_of(id)) else {
            return;
        };
        found.extend(indices.zip(values).map(|(i, v)| (i, make(v))));
    };
    let is_file = |p: &Path| p.is_file() || project_input::is_project_file(p);
    each("requirements", &|v| command_line::classify(v, &is_file));
    each("requirement", &|v| Item::File(PathBuf::from(v)));
    each("constraint", &command_line::constraint);
    each("editable", &command_line::editable);
    each("only-binary", &command_line::only_binary);
    each("no-binary", &command_line::no_binary);
    found.sort_by_key(|(i, _)| *i);
    let mut items: Vec<Item> = found.into_iter().map(|(_, item)| item).collect();
    for flag in ["pre", "prefer-binary", "require-hashes"] {
        if matches.get_flag(flag) {
            items.push(command_line::flag(flag));
        }
    }
    items
}

/// The one pylock.toml the items name, if they name one; an error if it
/// comes with other requirements.
pub fn lock_input(items: &[Item]) -> Result<Option<PathBuf>> {
    let is_lock = |item: &Item| matches!(item, Item::File(p) if pylock::is_lock_file(p));
    let asks = items.iter().filter(|i| command_line::names_something(i)).count();
    match items.iter().find(|i| is_lock(i)) {
        Some(Item::File(lock)) if asks == 1 => Ok(Some(lock.clone())),
        Some(_) => Err(Failure::usage("a pylock.toml is installed alone, without other requirements").into()),
        None => Ok(None),
    }
}

/// What `--extra`, `--all-extras` and `--group` select of project files.
pub fn selection(matches: &ArgMatches) -> Selection {
    let values = |id: &str| matches.get_many::<String>(id).into_iter().flatten();
    let normalized = |id: &str| values(id).map(|n| wheelpipe::names::normalize(n)).collect();
    let (path_groups, groups): (Vec<&String>, Vec<&String>) = values("group").partition(|g| g.contains(':'));
    Selection {
        extras: normalized("extra"),
        all_extras: matches.get_flag("all-extras"),
        groups: groups.into_iter().map(|n| wheelpipe::names::normalize(n)).collect(),
        path_groups: path_groups.into_iter().cloned().collect(),
    }
}

/// Reads what `items` name; a usage error names the file and line. The
/// project files among them (pyproject.toml, setup.cfg, setup.py) are
/// read, and put among the requirements later ([`Projects::complete`]); the
/// groups of `--group PATH:NAME` (and of a bare `--group NAME` when no
/// project file is given: ./pyproject.toml's) come last.
pub fn read(items: &[Item], selection: &Selection) -> Result<(Requirements, Projects)> {
    let grouped = !selection.groups.is_empty();
    let asks = grouped
        || !selection.path_groups.is_empty()
        || items.iter().any(|i| match i {
            Item::File(_) | Item::Requirement(_) => true,
            Item::Option(_) => command_line::is_editable(i),
        });
    if !asks {
        return Err(Failure::usage(
            "nothing to resolve: give requirements (`requests 'django<6'`), -r FILE or a pylock.toml",
        )
        .into());
    }
    let mut reqs = Requirements::default();
    let mut projects = Projects::default();
    for item in items {
        match item {
            Item::File(path) if project_input::is_project_file(path) => {
                projects.add(path, reqs.requirements.len())?
            }
            other => parse(std::slice::from_ref(other), &mut reqs)?,
        }
    }
    let mut path_groups = Vec::new();
    for value in &selection.path_groups {
        path_groups.push(
            project_input::PathGroup::parse(value).expect("a value with a `:`").map_err(Failure::usage)?,
        );
    }
    if grouped && projects.is_empty() {
        // As pip and uv: a bare `--group NAME` with no project file given is
        // that group of ./pyproject.toml alone (PEP 735: installing a group
        // never implies the project's own dependencies).
        path_groups.extend(selection.groups.iter().map(|name| project_input::PathGroup {
            given: name.clone(),
            path: Path::new("pyproject.toml").to_path_buf(),
            name: name.clone(),
        }));
    }
    for group in &path_groups {
        reqs.requirements.extend(group.entries().map_err(Failure::usage)?);
    }
    Ok((reqs, projects))
}

/// Adds what the environment and pip's configuration say: their constraint
/// files are read, the rest joins the command line's options.
pub fn add_configured(reqs: &mut Requirements, configured: &InstallOptions) -> Result<()> {
    let mut items: Vec<Item> = configured.constraints.iter().map(|c| command_line::constraint(c)).collect();
    items.extend(configured.only_binary.iter().map(|v| command_line::only_binary(v)));
    items.extend(configured.no_binary.iter().map(|v| command_line::no_binary(v)));
    if configured.pre {
        items.push(command_line::flag("pre"));
    }
    // The configured values come first, as pip's defaults do: the command line adds to them.
    let mut first = Requirements::default();
    parse(&items, &mut first)?;
    reqs.constraints.splice(0..0, first.constraints);
    reqs.options.binary.splice(0..0, first.options.binary);
    reqs.options.pre |= first.options.pre;
    Ok(())
}

fn parse(items: &[Item], into: &mut Requirements) -> Result<()> {
    let mut read = |path: &Path| {
        if path == Path::new("-") {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text)?;
            Ok(text)
        } else {
            std::fs::read_to_string(path)
        }
    };
    let var = |name: &str| std::env::var(name).ok();
    command_line::parse_items(items, &mut Source { read: &mut read, var: &var }, into)
        .map_err(|e| Failure::usage(e.to_string()).into())
}
