//! The command line of wheel-build, as one clap command: the binary parses
//! it and the man page and shell completions are generated from it.

use std::path::PathBuf;

use clap::{value_parser, Arg, ArgAction, Command};
use wheelpipe::docs::Page;

const LONG_ABOUT: &str = "\
Builds wheels from sources, as `pip wheel --no-deps` does: sdists (.tar.gz,
.zip) and project folders (pyproject.toml or setup.py) in, wheels out. Each
source is built by its PEP 517 backend (its pyproject.toml's [build-system],
else setuptools' legacy backend for a setup.py project, as pip does), called
through a small Python shim run by the target interpreter (`--python`).

Build isolation: each distinct [build-system] requires set (with what the
backend's get_requires_for_build_wheel adds) gets a virtualenv of its own,
made by `python -m venv --without-pip` and filled by wheel-resolve,
wheel-fetch and wheel-unpack (the binaries beside this one), kept in the
cache and reused by later builds and runs. The requires come from the
index options given here (with PIP_* and pip's config, as wheel-resolve
reads them); without any, from the `index` record of the input (the
indexes the wheel-resolve before used); else as pip is configured.
`--no-build-isolation` builds in the target interpreter's own environment.

A wheel built from an sdist is kept in the cache under the sdist's sha256,
the interpreter and the config settings, so building the same sdist again
does nothing. A project folder is built in place and every time.

Input: the SOURCE arguments, else stdin: `artifact` records, or plain paths
one a line. An artifact of an sdist (`kind: \"sdist\"`, or a .tar.gz or
.zip filename), which needs its `path` (put wheel-fetch first), is replaced
by an artifact of the built wheel; an artifact of a wheel and every other
record are passed on unchanged. A plain path of a wheel becomes its
artifact. For each wheel built, one `artifact` record with `path` is
written, then an `end` record.

A failing build is reported with the package and the backend's last output
lines, leaves no temporary folder, and the others go on. Ctrl-C stops the
builders' process groups.

(wheel-unpack also builds, with this tool's library, the sdists that reach
it, so the plain wheel-resolve | wheel-fetch | wheel-unpack works as well.)";

/// The reference sections of the manual page and `--help`.
pub const PAGE: Page = Page {
    environment: &[],
    files: &[
        ("CACHE/build-envs/v1/", "Build environments, one per [build-system] requires set and interpreter."),
        ("CACHE/built/v1/", "Wheels built from sdists, by the sdist's sha256, the interpreter and the config settings."),
    ],
    examples: &[
        ("Build a project folder and an sdist into dist/", "wheel-build --dest dist/ ./myproject foo-1.0.tar.gz"),
        (
            "Build the sdists of a fetched set, then install",
            "wheel-fetch < sdists.jsonl | wheel-build --python .venv/bin/python \\\n    | wheel-unpack --venv .venv",
        ),
    ],
};

pub fn command() -> Command {
    PAGE.attach(Command::new("wheel-build"))
        .version(env!("CARGO_PKG_VERSION"))
        .about(
            "Build wheels from sdists and project folders (PEP 517), in isolated environments our tools make",
        )
        .long_about(LONG_ABOUT)
        .arg(
            Arg::new("dest")
                .short('w')
                .long("dest")
                .visible_alias("wheel-dir")
                .value_name("DIR")
                .value_parser(value_parser!(PathBuf))
                .help("Copy the wheels built (and wheel paths given) into DIR; records name the copies"),
        )
        .arg(wheelpipe::args::python(
            "The target interpreter: wheels are built for it, by it or by build environments made from it",
        ))
        .args(wheelpipe::args::build())
        .arg(
            Arg::new("editable")
                .short('e')
                .long("editable")
                .action(ArgAction::SetTrue)
                .help("Build PEP 660 editable wheels of project folders (build_editable)"),
        )
        .arg(wheelpipe::args::jobs("Builds run at the same time [default: the number of cores]"))
        .args(wheelpipe::args::index())
        .arg(wheelpipe::args::cache_dir())
        .arg(
            Arg::new("verbose")
                .short('v')
                .long("verbose")
                .action(ArgAction::SetTrue)
                .help("Show the backends' and the environment tools' output as it comes"),
        )
        .args(wheelpipe::args::output())
        .arg(
            Arg::new("sources")
                .value_name("SOURCE")
                .num_args(0..)
                .value_parser(value_parser!(PathBuf))
                .help("sdists, project folders or wheels; without any, records or paths are read from stdin"),
        )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_is_consistent() {
        super::command().debug_assert();
    }

    #[test]
    fn config_settings_repeat() {
        let m = super::command()
            .try_get_matches_from(["wheel-build", "-C", "a=1", "--config-settings", "a=2", "x.tar.gz"])
            .unwrap();
        assert_eq!(m.get_many::<String>("config-settings").unwrap().count(), 2);
    }
}
