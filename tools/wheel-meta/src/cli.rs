//! The command line of wheel-meta, as one clap command: the binary parses it
//! and the man page and shell completions are generated from it.

use std::path::PathBuf;

use clap::{value_parser, Arg, Command};

const LONG_ABOUT: &str = "\
Reads the core metadata (name, version, Requires-Dist, Requires-Python,
Provides-Extra) of wheels and writes one `metadata` record per wheel, in the
order they finish, then an `end` record. Each record says where the metadata
came from and how many bytes and HTTP requests it took.

For a URL (http or https), wheel-meta first asks for `{url}.metadata`, the
index's PEP 658 metadata file, which is a few KB. When the server answers 404
it reads the wheel by range requests: one for the last 64 KiB (the zip's
central directory), one more when the directory is bigger, and one for the
`.dist-info/METADATA` entry when it is not in the bytes already read. A
server that ignores ranges sends the whole wheel, which is then read from a
temporary file; one that refuses them (416, 501) gets a plain download, and
later wheels from that host are downloaded whole at once. A `file://` URL or
a local path is read in place.

Input: the WHEEL arguments, else stdin: `artifact` records (their `path` when
set, else their `url`) or plain URLs and paths, one a line. Every record read
from stdin, `artifact` records included, is passed on unchanged; the upstream
`end` record is consumed and must say `ok: true`.

A wheel that cannot be read is reported on stderr, naming its URL or path
(never credentials), and the others go on. Exit status: 0 when every wheel
was read; 1 when one failed or the input's records did not end with an `end`
record saying ok; 2 on bad usage or a malformed input line; 130 when
interrupted. A closed stdout ends it quietly with 0.

Example:

    wheel-meta https://example.org/files/six-1.16.0-py2.py3-none-any.whl

    ls wheels/*.whl | wheel-meta -j 4";

pub fn command() -> Command {
    Command::new("wheel-meta")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Read wheels' core metadata (PEP 658 file, else range requests, else full download) as metadata records")
        .long_about(LONG_ABOUT)
        .arg(wheelpipe::args::jobs("Wheels read at the same time").default_value("8"))
        .arg(
            Arg::new("cache-dir")
                .long("cache-dir")
                .value_name("DIR")
                .value_parser(value_parser!(PathBuf))
                .help(
                    "A wheelpipe cache: an `artifact` whose sha256 is already in its wheel store is read \
                     there instead of over the network",
                ),
        )
        .arg(wheelpipe::args::cert())
        .arg(wheelpipe::args::quiet())
        .arg(
            Arg::new("wheels")
                .value_name("WHEEL")
                .num_args(0..)
                .help("Wheel URLs (http, https, file) or paths; without any, read stdin"),
        )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_is_consistent() {
        super::command().debug_assert();
    }

    #[test]
    fn jobs_must_be_positive() {
        let err = super::command().try_get_matches_from(["wheel-meta", "-j", "0"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }
}
