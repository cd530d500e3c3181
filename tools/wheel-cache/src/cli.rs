//! The command line of wheel-cache: one clap command with a subcommand per
//! action, from which the binary, the man page and the shell completions
//! all come.

use clap::{value_parser, Arg, Command};
use wheelpipe::docs::Page;

const LONG_ABOUT: &str = "\
Shows and cleans the cache the other tools share (the folder --cache-dir,
WHEELPIPE_CACHE_DIR or XDG_CACHE_HOME name, found as they find it).

The cache holds one folder per bucket, named with its layout's version:
wheels/v1 (downloaded wheels and sdists by sha256), unpacked/v2 (unpacked
wheels that venvs link from), index/v1 (index pages), metadata/v1 (metadata
records), build-envs/v1 (build environments), built/v1 (wheels built from
sources), interpreters/v1 (interpreter facts); then locks/ and tmp/.

wheel-cache dir prints the cache's folder. wheel-cache info counts each
bucket's entries and bytes (a file hard-linked into a venv counts once),
and the folders of older bucket versions, tmp/ and locks/ too.

wheel-cache clean removes every entry; with NAMEs, only the entries of
those projects (their wheels, unpacked wheels, built wheels, metadata and
index pages). The next run downloads them again.

wheel-cache prune removes what nothing should need: tmp/ (when no run uses
it), the folders of older bucket versions, entries left half made by a run
that was killed, lock files nobody holds, and with --older-than the
entries no run has used for that many days.

clean and prune take the lock a tool takes before it writes an entry and
leave an entry alone while a running tool holds it. Tools stamp the
entries they use (their modification time, at most once an hour), which is
what --older-than reads.

dir prints the folder alone, with --json as {\"type\": \"cache_dir\", \"path\"}.
info, clean and prune write lines for people on a terminal; otherwise (or
with --json) one JSON object per bucket: {\"type\": \"cache_bucket\", \"bucket\", \"folder\",
\"entries\", \"bytes\"} for info, {\"type\": \"cache_removed\", \"bucket\",
\"entries\", \"bytes\", \"busy\"} for clean and prune (busy: entries a running
tool held).";

/// The reference sections of the manual page and `--help`.
pub const PAGE: Page = Page {
    environment: &[],
    files: &[
        ("CACHE/locks/", "The lock files the tools take, and tmp.lock, held by every run using tmp/."),
        ("CACHE/tmp/", "Files being written; emptied by prune when no run uses it."),
    ],
    examples: &[
        ("How big the cache is", "wheel-cache info"),
        ("Drop what no run used for a month", "wheel-cache prune --older-than 30"),
        ("Download numpy and its unpacked copy again next time", "wheel-cache clean numpy"),
        ("Empty the cache", "wheel-cache clean"),
    ],
};

pub fn command() -> Command {
    PAGE.attach(Command::new("wheel-cache"))
        .version(env!("CARGO_PKG_VERSION"))
        .about("Show, clean and prune the cache the wheelpipe tools share")
        .long_about(LONG_ABOUT)
        .subcommand_required(true)
        .disable_help_subcommand(true)
        .arg(wheelpipe::args::cache_dir().global(true))
        .arg(wheelpipe::args::quiet().global(true))
        .arg(wheelpipe::args::json().global(true))
        .subcommand(Command::new("dir").about("Print the cache's folder"))
        .subcommand(Command::new("info").about("Count each bucket's entries and bytes"))
        .subcommand(
            Command::new("clean").about("Remove every entry, or those of the named projects").arg(
                Arg::new("names")
                    .value_name("NAME")
                    .num_args(1..)
                    .help("Projects whose entries to remove (any spelling: Foo.Bar is foo-bar)"),
            ),
        )
        .subcommand(
            Command::new("prune").about("Remove what no run needs: temporary, abandoned, old entries").arg(
                Arg::new("older-than")
                    .long("older-than")
                    .value_name("DAYS")
                    .value_parser(value_parser!(u32))
                    .help("Also remove the entries no run has used for DAYS days"),
            ),
        )
}

#[cfg(test)]
mod tests {
    #[test]
    fn command_is_well_formed() {
        super::command().debug_assert();
        assert!(super::command().try_get_matches_from(["wheel-cache"]).is_err(), "a subcommand is needed");
        let m = super::command().try_get_matches_from(["wheel-cache", "prune", "--cache-dir", "c"]).unwrap();
        assert!(m.get_one::<std::path::PathBuf>("cache-dir").is_some(), "global options go anywhere");
    }
}
