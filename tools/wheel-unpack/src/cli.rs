//! The command line of wheel-unpack: one clap command, from which the binary,
//! the man page and the shell completions all come.

use clap::{value_parser, Arg, Command};
use wheelpipe::docs::Page;

const LONG_ABOUT: &str = "\
Installs wheels into a virtualenv exactly as pip would: the files of each
wheel in the scheme's folders, a RECORD that pip can uninstall from, INSTALLER
and REQUESTED, console and GUI launchers from entry_points.txt, and the .data
folders (scripts, headers, data). A distribution that is already installed is
replaced.

Every wheel is checked (names, hashes against its RECORD, layout) once, when
it is unpacked into the cache (unpacked/v1/ beside wheel-fetch's store when
the wheel comes from one, else under --cache-dir's folder; without a cache
folder each run extracts afresh), and staged in parallel as soon as it
arrives, its files linked from the cache (see --link-mode); nothing lands in
the virtualenv until every wheel staged well and the input ended with a good
`end` record. Then the set is committed with renames, journaled first and
undone if anything fails: all of the set or nothing, also on Ctrl-C; a run
killed in its commit is settled by the next run.

With WHEEL arguments, installs those files (all count as requested). Without,
reads `artifact` records (with `path`, as wheel-fetch writes them) or plain
wheel paths from stdin, passes every other record through, and writes one
`installed` record per distribution, then an `end` record. When stdout is a
terminal it prints what a person wants instead (`Installed 3 packages in
0.31s`, then ` + six==1.16.0` per distribution; --json keeps the records).
No stage reads after wheel-unpack, so it draws the pipeline's progress
whenever stderr is a terminal, wherever its stdout goes (see --progress).";

/// The reference sections of the manual page and `--help`.
pub const PAGE: Page = Page {
    environment: &[("VIRTUAL_ENV", "The virtualenv to install into when --venv is not given.")],
    files: &[
        ("VENV/.wheelpipe.lock", "Held while a run installs, so that two runs on one venv take turns."),
        (
            "VENV/.wheelpipe-staging-*",
            "A run's staging folder and journal; one left by a killed run is settled by the next.",
        ),
    ],
    examples: &[
        (
            "Install a requirements file",
            "wheel-resolve requirements.txt | wheel-fetch -j 8 \\\n    | wheel-unpack --venv .venv",
        ),
        ("Install wheels from a folder (pip install --no-deps)", "wheel-unpack --venv .venv dist/*.whl"),
        (
            "Keep the records of what was installed",
            "wheel-fetch < lock.jsonl | wheel-unpack --venv .venv \\\n    | tee installed.jsonl",
        ),
    ],
};

pub fn command() -> Command {
    PAGE.attach(Command::new("wheel-unpack"))
        .version(env!("CARGO_PKG_VERSION"))
        .about("Install wheels into a virtualenv, in parallel and all-or-nothing, as pip would")
        .long_about(LONG_ABOUT)
        .arg(
            Arg::new("venv")
                .long("venv")
                .value_name("DIR")
                .env("VIRTUAL_ENV")
                .required(true)
                .value_parser(value_parser!(std::path::PathBuf))
                .help("The virtualenv to install into"),
        )
        .arg(wheelpipe::args::jobs("Wheels unpacked at once [default: the number of cores]"))
        .arg(wheelpipe::args::cache_dir())
        .arg(
            Arg::new("link-mode")
                .long("link-mode")
                .value_name("MODE")
                .value_parser(["auto", "reflink", "hardlink", "copy"])
                .default_value("auto")
                .help("How files come from the cache of unpacked wheels into the venv")
                .long_help(
                    "How files come from the cache of unpacked wheels into the venv: auto tries a \
                     reflink (copy-on-write clone), then a hard link, then a copy, each file system \
                     refusal moving the run to the next; reflink and hardlink start there and fall \
                     back the same way, with a warning. RECORD, INSTALLER, REQUESTED, launchers \
                     and rewritten scripts are always new files.",
                ),
        )
        .arg(
            Arg::new("compile")
                .long("compile")
                .action(clap::ArgAction::SetTrue)
                .help("Byte-compile the .py files as pip does (by the venv's python, in parallel)")
                .long_help(
                    "Byte-compile every installed .py file as pip does by default (py_compile with \
                     its default optimization and invalidation mode; SOURCE_DATE_EPOCH makes them \
                     hash-based), by worker processes of the venv's python, in parallel; the .pyc \
                     files are in RECORD and part of the all-or-nothing commit.",
                ),
        )
        .arg(
            Arg::new("allow-overwrite")
                .long("allow-overwrite")
                .action(clap::ArgAction::SetTrue)
                .help("Let a wheel overwrite files of other distributions, with a warning")
                .long_help(
                    "Let a wheel overwrite a file that another installed distribution owns, or \
                     that another wheel of the run installs (the later by normalized name wins), \
                     with a warning for each; without it, either refuses the whole set.",
                ),
        )
        .arg(
            Arg::new("no-verify-record").long("no-verify-record").action(clap::ArgAction::SetTrue).help(
                "Do not check files against the wheel's RECORD hashes (for known-bad published wheels)",
            ),
        )
        .args(wheelpipe::args::output())
        .arg(
            Arg::new("wheels")
                .value_name("WHEEL")
                .num_args(0..)
                .value_parser(value_parser!(std::path::PathBuf))
                .help("Wheel files to install; without any, records or paths are read from stdin"),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_is_well_formed() {
        command().debug_assert();
    }

    #[test]
    fn parses_jobs_and_wheels() {
        let m = command()
            .try_get_matches_from(["wheel-unpack", "--venv", "v", "-j", "3", "a.whl", "b.whl"])
            .unwrap();
        assert_eq!(m.get_one::<u16>("jobs"), Some(&3));
        assert_eq!(m.get_many::<std::path::PathBuf>("wheels").unwrap().count(), 2);
        assert!(command().try_get_matches_from(["wheel-unpack", "--venv", "v", "-j", "0"]).is_err());
    }
}
