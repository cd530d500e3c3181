//! The command line of wheel-meta, as one clap command: the binary parses it
//! and the man page and shell completions are generated from it.

use clap::{Arg, ArgAction, Command};
use wheelpipe::docs::Page;

const LONG_ABOUT: &str = "\
Reads the core metadata (name, version, Requires-Dist, Requires-Python,
Provides-Extra) of wheels and writes one `metadata` record per wheel, in the
order they finish, then an `end` record. Each record says where the metadata
came from and how many bytes and HTTP requests it took.

For a URL (http or https), wheel-meta first asks for `{url}.metadata`, the
index's PEP 658 metadata file, which is a few KB, unless `--no-pep658` is
given. When the server answers 404 it reads the wheel by range requests: one
for the last 12 KiB (the zip's end records and the end of its central
directory, where wheels keep the `.dist-info` entries), one more for the rest
of the directory only when those entries are not in it, and one for the
`.dist-info/METADATA` entry when it is not in the bytes already read. A
server that ignores ranges sends the whole wheel; one that refuses them (416,
501) is asked once more by position when it gave the file's length, else
gets a plain download, and later wheels from that host are downloaded whole
at once. A whole wheel is read as it arrives and the download stops once its
METADATA has been read, where the zip's local headers allow it (most wheels
keep `.dist-info` last, so most are read whole); beyond a few MB it goes to
a temporary file, never into memory. A `file://` URL or a local path is read
in place.

An `artifact` record says whether the index serves the PEP 658 file (its
`core_metadata` field, which wheel-resolve writes whenever the index
announces one): when it does, the file is read and its sha256 checked; when
the field is absent, wheel-meta goes straight to range requests, without
asking for a file the index does not have.

The cache (`--cache-dir`) keeps each metadata record read over the network
for a wheel whose sha256 is known (the artifact's `hashes`, or a
`#sha256=` fragment on a plain URL), keyed by URL and sha256; a later run
for the same URL and hash answers from it with `bytes` and `requests` 0. A
URL without a known hash is never answered from the cache, since the file
behind a URL may change. An artifact whose wheel is already in the cache's
wheel store is read there.

Input: the WHEEL arguments, else stdin: `artifact` records (their `path` when
set, else their `url`) or plain URLs and paths, one a line. Every record read
from stdin, `artifact` records included, is passed on unchanged; the upstream
`end` record is consumed and must say `ok: true`.

An sdist (a .tar.gz or .zip path or URL, or an artifact of `kind: sdist`)
or a project folder (a path, a file:// URL, or an artifact of `kind: dir`)
has no wheel to read: its metadata is made as wheel-resolve makes it. An
sdist's PKG-INFO is used when it is Metadata 2.2 or newer and none of
Requires-Dist, Requires-Python and Provides-Extra is Dynamic; else the
project's build backend is asked (prepare_metadata_for_build_wheel, in an
isolated build environment for `--python`, made by our tools and kept in
the cache; a backend without that hook builds the wheel). The record's
`from_source` says which (`pkg_info`, `prepare_hook`, `built_wheel`). An
sdist at an http(s) URL is first downloaded into the cache's store. The
build environments' requires come from the index options given here;
without any, from the input's `index` record (the indexes wheel-resolve
used); else as pip is configured. Sources need the cache.

A wheel that cannot be read is reported on stderr, naming its URL or path
(never credentials), and the others go on.";

/// The reference sections of the manual page and `--help`.
pub const PAGE: Page = Page {
    environment: &[],
    files: &[],
    examples: &[
        ("The metadata of a wheel on an index", "wheel-meta https://host/files/six-1.16.0-py2.py3-none-any.whl"),
        ("The metadata of local wheels, four at a time", "ls wheels/*.whl | wheel-meta -j 4"),
        ("The metadata of an sdist and of a project folder", "wheel-meta dist/proj-1.0.tar.gz ./otherproject"),
        ("The dependencies of every wheel of a resolution", "wheel-resolve requirements.txt | wheel-meta \\\n    | jq -r 'select(.type == \"metadata\") | .requires_dist[]'"),
    ],
};

pub fn command() -> Command {
    PAGE.attach(Command::new("wheel-meta"))
        .version(env!("CARGO_PKG_VERSION"))
        .about(
            "Read wheels' core metadata (PEP 658 file, else range requests, else full download), and sdists' \
             and project folders', as metadata records",
        )
        .long_about(LONG_ABOUT)
        .arg(wheelpipe::args::jobs("Wheels read at the same time").default_value("8"))
        .arg(wheelpipe::args::cache_dir().help(
            "The cache folder: a wheel found in its wheel store is read there, and metadata read over \
             the network is kept by URL and wheel sha256, only when the sha256 is known since a URL alone \
             may change content [default: $WHEELPIPE_CACHE_DIR, else $XDG_CACHE_HOME/wheelpipe]",
        ))
        .arg(
            Arg::new("no-pep658")
                .long("no-pep658")
                .action(ArgAction::SetTrue)
                .help(
                    "Do not ask for `{url}.metadata` for plain URLs: for an index known to lack PEP 658 \
                     files, where each probe is a wasted request",
                ),
        )
        .arg(wheelpipe::args::cert())
        .arg(wheelpipe::args::python(
            "The interpreter a source's metadata is prepared for (its build environments are made from it)",
        ))
        .args(wheelpipe::args::build())
        .args(wheelpipe::args::index())
        .args(wheelpipe::args::output())
        .arg(
            Arg::new("wheels")
                .value_name("WHEEL")
                .num_args(0..)
                .help(
                    "Wheel or sdist URLs (http, https, file), or paths of wheels, sdists or project folders; \
                     without any, read stdin",
                ),
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
