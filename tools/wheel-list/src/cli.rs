//! The command line of wheel-list: one clap command, from which the binary,
//! the man page and the shell completions all come.

use clap::{Arg, ArgAction, Command};
use wheelpipe::docs::Page;

const LONG_ABOUT: &str = "\
Lists the distributions installed in a virtualenv, as pip list and pip
freeze do, from the files of its site-packages (every *.dist-info folder:
METADATA's name and version, INSTALLER, REQUESTED, direct_url.json, RECORD).
Only the venv's own site-packages is read, not the base interpreter's that a
venv made with --system-site-packages also sees (pip list --local).

Writes one `installed` record per distribution, sorted by name (name,
version, files: the rows of its RECORD, installer, requested, direct_url),
then an `end` record. With --freeze, writes requirement lines instead, as
pip freeze does: `name==version`, or `name @ URL` for one installed from a
URL named directly (PEP 610); wheel-resolve reads them back. Unlike pip
freeze, pip, setuptools and wheel are listed like any other.

When stdout is a terminal (and without --json), writes a table for people
instead, as pip list does.

A RECORD or direct_url.json that cannot be read is a warning on stderr, as
in pip list: its distribution is still listed (with no files, as
`name==version`).";

/// The reference sections of the manual page and `--help`.
pub const PAGE: Page = Page {
    environment: &[("VIRTUAL_ENV", "The virtualenv to list when --venv is not given.")],
    files: &[("VENV/lib/pythonX.Y/site-packages/*.dist-info", "What is installed, as pip reads it.")],
    examples: &[
        ("Freeze a venv, and install the same set elsewhere", "wheel-list --venv .venv --freeze > requirements.lock\nwheel-resolve --python other/bin/python requirements.lock \\\n    | wheel-fetch | wheel-unpack --venv other"),
        ("What was installed by hand (requested)", "wheel-list --venv .venv | jq -r 'select(.requested) | .name'"),
    ],
};

pub fn command() -> Command {
    PAGE.attach(Command::new("wheel-list"))
        .version(env!("CARGO_PKG_VERSION"))
        .about("List the distributions a virtualenv holds, as pip list / pip freeze")
        .long_about(LONG_ABOUT)
        .arg(wheelpipe::args::venv("The virtualenv to list"))
        .arg(
            Arg::new("freeze")
                .long("freeze")
                .action(ArgAction::SetTrue)
                .help("Write `name==version` (or `name @ URL`) lines instead of records"),
        )
        .arg(wheelpipe::args::cache_dir())
        .args(wheelpipe::args::output())
}

#[cfg(test)]
mod tests {
    #[test]
    fn command_is_well_formed() {
        super::command().debug_assert();
    }
}
