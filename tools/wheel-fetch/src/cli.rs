//! The command line of wheel-fetch, as one clap command: the binary parses it
//! and the man page and shell completions are generated from it.

use std::path::PathBuf;

use clap::{value_parser, Arg, Command};
use wheelpipe::docs::Page;

const LONG_ABOUT: &str = "\
Downloads wheels in parallel into a content-addressed cache, checks each one's
sha256 while it streams, and writes each `artifact` record again with `path`
set to the verified file as soon as that file is ready, so the next stage can
start before the last download ends.

Input: the URL arguments, else stdin: `artifact` records (as wheel-resolve
writes them) or plain URLs, one a line; a `#sha256=HEX` fragment on a URL is
the expected hash. Every other record is passed through unchanged, and so
is an artifact of a project folder (`kind: dir`, a path or a git checkout
that wheel-resolve made). A file the
cache already has (same sha256) is not downloaded again. Errors go to stderr, each naming its URL; the other downloads go on.

Order: files the cache has go out first; then downloads of at least a
quarter of --split-size, largest first, so the biggest never starts last; then
the rest, smallest first. -j is the number of connections. A free connection
takes over the second half of the running download with the most time left
(its bytes left at its measured rate) when that download would otherwise end
after everything else (the queued bytes and the rest, at the rate the link
gives), or when nothing is queued; so no single file outlasts the others and
every connection stays busy to the last byte. This needs the size from the
index and a server that serves ranges; the first request asks for the whole
file as a range, and a server that ignores ranges sends it plainly.

Progress: when stdout is a pipe, `progress` records (at most ten a second)
go with the other records, for the last stage of the pipeline to draw with
its own line. Otherwise wheel-fetch is that last stage: on a terminal stderr
it draws the bytes, rate, ETA and the files being fetched, and writes no
`progress` records (see --progress). A stalled server is given up on after
the timeout (PIP_DEFAULT_TIMEOUT, pip's `timeout` option) and asked again.
When interrupted, temporary files are removed.";

/// The reference sections of the manual page and `--help`.
pub const PAGE: Page = Page {
    environment: &[],
    files: &[],
    examples: &[
        (
            "Install a requirements file, eight downloads at a time",
            "wheel-resolve requirements.txt \\\n    | wheel-fetch -j 8 | wheel-unpack --venv .venv",
        ),
        (
            "Download the wheels of a resolution into a folder (pip download)",
            "wheel-resolve requirements.txt > lock.jsonl\nwheel-fetch --dest wheels/ < lock.jsonl",
        ),
        (
            "Fetch one wheel, checking its hash",
            "wheel-fetch \"https://host/six-1.16.0-py2.py3-none-any.whl#sha256=HEX\"",
        ),
    ],
};

pub fn command() -> Command {
    PAGE.attach(Command::new("wheel-fetch"))
        .version(env!("CARGO_PKG_VERSION"))
        .about("Download wheels in parallel into a verified, content-addressed cache")
        .long_about(LONG_ABOUT)
        .arg(
            wheelpipe::args::jobs("Downloads at the same time (1 downloads one after the other)")
                .default_value("8"),
        )
        .arg(wheelpipe::args::cache_dir())
        .arg(
            Arg::new("dest")
                .short('d')
                .long("dest")
                .value_name("DIR")
                .value_parser(value_parser!(PathBuf))
                .help("Also put each verified wheel in DIR under its filename (hard link, else copy)"),
        )
        .arg(
            Arg::new("split-size")
                .long("split-size")
                .value_name("MB")
                .value_parser(value_parser!(u64))
                .default_value("1")
                .help(
                    "The smallest part, in megabytes, that a free connection takes over from a \
                     running download (size known, server serving ranges); 0: one connection a file",
                ),
        )
        .arg(wheelpipe::args::cert())
        .args(wheelpipe::args::output())
        .arg(
            Arg::new("urls")
                .value_name("URL")
                .num_args(0..)
                .help("Wheel URLs to fetch (a #sha256=HEX fragment is checked); without any, read stdin"),
        )
}
