//! The command line of wheel-remove: one clap command, from which the binary,
//! the man page and the shell completions all come.

use clap::{Arg, ArgAction, Command};
use wheelpipe::docs::Page;

const LONG_ABOUT: &str = "\
Uninstalls distributions from a virtualenv as pip uninstall does, from each
one's RECORD: its files inside the venv (console and GUI launchers
included), the __pycache__ files of its modules, its .dist-info, and the
folders they leave empty. Files RECORD lists outside the venv are never
touched.

All or nothing, with the journal wheel-unpack uses: every file is moved
aside with renames, journaled first and undone if anything fails (also on
Ctrl-C); a run killed midway is settled by the next wheel-unpack or
wheel-remove on the venv. A NAME that is not installed refuses the whole
run, removing nothing (pip warns and goes on; here a typo cannot pass for
a success); so does one whose .dist-info has no RECORD, as in pip (its
files are unknown and would be left behind).

Writes one `removed` record per distribution (name, version, files), then
an `end` record; on a terminal, ` - name==version` lines for people. With
--dry-run, writes the records of what would be removed and lists its files
on stderr, changing nothing.";

/// The reference sections of the manual page and `--help`.
pub const PAGE: Page = Page {
    environment: &[("VIRTUAL_ENV", "The virtualenv to remove from when --venv is not given.")],
    files: &[(
        "VENV/.wheelpipe-staging-*",
        "The run's staging folder and journal; one left by a killed run is settled by the next.",
    )],
    examples: &[
        ("Uninstall two distributions", "wheel-remove --venv .venv requests urllib3"),
        ("See what would go", "wheel-remove --venv .venv --dry-run django"),
    ],
};

pub fn command() -> Command {
    PAGE.attach(Command::new("wheel-remove"))
        .version(env!("CARGO_PKG_VERSION"))
        .about("Uninstall distributions from a virtualenv as pip does, all or nothing")
        .long_about(LONG_ABOUT)
        .arg(wheelpipe::args::venv("The virtualenv to remove from"))
        .arg(
            Arg::new("dry-run")
                .long("dry-run")
                .action(ArgAction::SetTrue)
                .help("Say what would be removed (records, and files on stderr); change nothing"),
        )
        .arg(wheelpipe::args::cache_dir())
        .args(wheelpipe::args::output())
        .arg(
            Arg::new("names")
                .value_name("NAME")
                .num_args(1..)
                .required(true)
                .help("Distributions to remove, by name (any spelling: Foo.Bar is foo-bar)"),
        )
}

#[cfg(test)]
mod tests {
    #[test]
    fn command_is_well_formed() {
        super::command().debug_assert();
        assert!(super::command().try_get_matches_from(["wheel-remove", "--venv", "v"]).is_err());
    }
}
