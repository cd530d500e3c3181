//! The command line of wheel-unpack: one clap command, from which the binary,
//! the man page and the shell completions all come.

use clap::{value_parser, Arg, Command};
use wheelpipe::docs::Page;

const LONG_ABOUT: &str = "\
Installs wheels into a virtualenv exactly as pip would: the files of each
wheel in the scheme's folders, a RECORD that pip can uninstall from, INSTALLER
and REQUESTED, console and GUI launchers from entry_points.txt, and the .data
folders (scripts, headers, data). A distribution that is already installed at
the wheel's version is kept as it is (see --reinstall); at another version it
is replaced.

Every wheel is checked (names, hashes against its RECORD, layout) once, when
it is unpacked into the cache (unpacked/v2/ in the folder --cache-dir or the
environment names, never one worked out from a wheel's path; without a cache
folder each run extracts afresh), and staged in parallel as soon as it
arrives, its files linked from the cache (see --link-mode); nothing lands in
the virtualenv until every wheel staged well and the input ended with a good
`end` record. Then the set is committed with renames, journaled first and
undone if anything fails: all of the set or nothing, also on Ctrl-C; a run
killed in its commit is settled by the next run.

As pip and uv do: a wheel whose tags the virtualenv's python does not support
is refused (see --no-tag-check); two wheels writing one path with different
contents are installed in pip's order, dependencies first, so the dependent's
file is left, with a warning (see --no-overwrite); a wheel whose files do not
match its RECORD is installed, with a warning, only when the record's sha256
(from the index or a lock) vouches for it (see --no-verify-record).

With WHEEL arguments, installs those files (all count as requested). Without,
reads `artifact` records (with `path`, as wheel-fetch writes them) or plain
wheel paths from stdin, and `satisfied` records (distributions wheel-resolve
kept, checked to be still there), passes every other record through, and
writes one `installed` record per distribution installed and one `satisfied`
record per distribution kept, then an `end` record. A run that keeps
everything opens no wheel and writes nothing in the venv. When stdout is a
terminal it prints what a person wants instead (`Installed 3 packages in
0.31s`, then ` + six==1.16.0` per distribution; --json keeps the records).
Sources are built here, for the venv's python, by the build library (with
-C and --no-build-isolation): sdists (`kind: sdist`), and project folders
(`kind: dir`, or a folder given as an argument), rebuilt every time, PEP 660
editables with `editable`, installed with pip's direct_url.json; an
editable of the same folder and version is kept unless its pyproject.toml,
setup.py or setup.cfg changed since, a git checkout unless its commit did.
The build environments' requires come from the index options given here;
without any, from the input's `index` record (the indexes wheel-resolve
used); else as pip is configured (PIP_*, pip.conf).
An editable git checkout is installed from a clone in --src (pip's src
folder, VENV/src/NAME), never from the cache.
No stage reads after wheel-unpack, so it draws the pipeline's progress
whenever stderr is a terminal, wherever its stdout goes (see --progress).";

/// The reference sections of the manual page and `--help`.
pub const PAGE: Page = Page {
    environment: &[("VIRTUAL_ENV", "The virtualenv to install into when --venv is not given.")],
    files: &[
        (
            "VENV",
            "The folder itself is locked (flock) while a run installs, so that two runs on one venv take turns; \
             nothing is left in it.",
        ),
        (
            "CACHE/locks/venv-*.lock",
            "The venv's lock instead, keyed by its real path, where its file system refuses locks on folders (NFS).",
        ),
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
        .arg(wheelpipe::args::venv("The virtualenv to install into"))
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
                     back the same way, with a warning. RECORD, launchers and rewritten scripts \
                     are always new files; INSTALLER and REQUESTED, the same in every wheel, are \
                     hard links of one file a run (auto and hardlink only). A hard link is the cache's own \
                     file: an in-place edit in one venv edits the cache and the venvs linked \
                     before it; a later install notices (size, mtime, mode) and extracts that file \
                     again.",
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
            Arg::new("no-overwrite")
                .long("no-overwrite")
                .action(clap::ArgAction::SetTrue)
                .help("Refuse the set when two wheels, or a wheel and the venv, write one path differently")
                .long_help(
                    "Refuse the whole set when a wheel writes a path that another wheel of the run \
                     writes with other contents, or that exists in the virtualenv with other contents \
                     and belongs to no distribution being replaced. Without it, as pip does, the \
                     wheels are installed in pip's order (dependencies before the distributions \
                     that require them), the later one's file is left, and one warning names both \
                     distributions and the paths; the same contents go through in silence.",
                ),
        )
        .arg(
            Arg::new("allow-overwrite")
                .long("allow-overwrite")
                .action(clap::ArgAction::SetTrue)
                .conflicts_with("no-overwrite")
                .hide(true)
                .help("What wheel-unpack now does by default (kept for scripts that pass it)"),
        )
        .arg(
            Arg::new("no-verify-record")
                .long("no-verify-record")
                .action(clap::ArgAction::SetTrue)
                .help("Install wheels whose files do not match their RECORD, with nothing to vouch for them")
                .long_help(
                    "Do not check files against the wheel's RECORD hashes. Without it, a wheel whose \
                     files do not all match its RECORD is installed with a warning when its sha256 is \
                     the one the index or lock gave (it is then the file its publisher uploaded, as \
                     pip and uv install it), and refused otherwise.",
                ),
        )
        .arg(
            Arg::new("no-tag-check")
                .long("no-tag-check")
                .action(clap::ArgAction::SetTrue)
                .help("Install wheels whose tags the venv's python does not support")
                .long_help(
                    "Install wheels whose compatibility tags (a cp312 wheel in a 3.11 venv, another \
                     platform's) the virtualenv's python does not support. Without it, as pip and uv \
                     do, such a wheel is refused, naming its tags.",
                ),
        )
        .arg(
            Arg::new("exact")
                .long("exact")
                .action(clap::ArgAction::SetTrue)
                .help("Also remove the distributions the venv holds that are not in the set (uv pip sync)")
                .long_help(
                    "After installing the set (the wheels and the distributions kept, `satisfied` \
                     records included), remove every other distribution of the venv, in the same \
                     all-or-nothing commit, as pip uninstalls them, with one `removed` record each \
                     (uv pip sync). pip, setuptools and wheel are kept unless the set has them, as \
                     pip-sync keeps them, so a venv made with pip can still run it; wheel-remove \
                     removes them.",
                ),
        )
        .arg(
            Arg::new("reinstall")
                .long("reinstall")
                .action(clap::ArgAction::SetTrue)
                .help("Install every wheel, even those whose version the venv already has")
                .long_help(
                    "Install every wheel, even when the venv already has its distribution at the \
                     same version. Without it, such a wheel is kept as it is (pip's \"Requirement \
                     already satisfied\"): nothing of it is opened or touched and a `satisfied` \
                     record stands for it; for a direct URL (`artifact.direct`, a WHEEL path) the \
                     installed one must also come from the same URL (its direct_url.json) and, \
                     when both say, the same file (sha256).",
                ),
        )
        .arg(
            Arg::new("reinstall-package")
                .long("reinstall-package")
                .value_name("NAME")
                .action(clap::ArgAction::Append)
                .help("Install this distribution's wheel even if the venv has that version (repeatable)"),
        )
        .arg(wheelpipe::args::src().long_help(
            "Where an editable git requirement (`-e git+URL#egg=name`) is cloned, as pip's --src: \
             DIR/NAME (the normalized name), a clone of the repository the user may pull and \
             commit in, installed from there; one there from an earlier run is kept at the \
             same commit and moved (git reset --hard) to another, unless it has uncommitted \
             changes. Made or moved as part of the all-or-nothing install; wheel-remove \
             leaves it. [default: VENV/src]",
        ))
        .args(wheelpipe::args::build())
        .args(wheelpipe::args::index())
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
