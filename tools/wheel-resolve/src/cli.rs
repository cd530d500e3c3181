//! The command line of wheel-resolve, as one clap command: the binary parses
//! it and the man page and shell completions are generated from it.

use std::path::PathBuf;

use clap::{value_parser, Arg, ArgAction, Command};
use wheelpipe::docs::Page;

const LONG_ABOUT: &str = "\
Reads requirements as pip install takes them (arguments such as `requests`
'django<6', requirement files as arguments or with -r, constraints with -c)
and finds the newest set of versions that fits together and fits the target
interpreter: a backtracking resolver (PubGrub) over the index's versions,
with each version's dependencies read from its metadata (PEP 658, else a few
kilobytes of the wheel by range requests), all pages and metadata read ahead
in parallel. Markers are evaluated for the target interpreter; extras,
constraints, Requires-Python, yanked files (used only for an exact == pin,
with a warning) and pip's pre-release rules (only when asked for, by --pre
or a specifier naming one, or when nothing else fits) apply. Picks for every
distribution the one wheel that fits the interpreter best (its tags, its
Requires-Python, the --hash values) and writes one `artifact` record a wheel
on stdout, sorted by name, then an `end` record. When no set fits, the error
explains why, step by step.

An argument is a requirements file when it is -, an existing file (not a
wheel or sdist), or a missing path ending in .txt, .in or .toml; anything
else is a requirement. -r, -c and the arguments are read in the order given.

With --python naming the environment to install into, what it already has
is kept when it still fits (pip's default upgrade strategy), a `satisfied`
record instead of an artifact, even when the index no longer has that
version; its base's site-packages count for a venv made with
--system-site-packages. -U upgrades the requirements named (their
dependencies only if needed; --upgrade-strategy eager: all of them), -P NAME
one package; --reinstall and --reinstall-package NAME keep the version but
install it again. Without --python (python3 lends its markers and tags), with
-I or with --lock, nothing installed is looked at.

In hash-checking mode (--require-hashes, or any --hash) every distribution,
dependencies included, must be pinned with == and hashed, as pip demands.
A PEP 751 lock (`pylock.toml` or `pylock.NAME.toml`) given as the only
input is installed as locked, without resolving: each package whose marker
holds, with its best wheel for the interpreter. --lock FILE writes one.

`name @ URL` installs the wheel or sdist at that URL (its dependencies come from the
index); a path or URL of a wheel or sdist alone (`./dist/a-1.0-py3-none-any.whl`,
`file:///...`, `https://...`) means the same, its name taken from the file's name. When no wheel of a version fits, its source distribution is used
(as pip does): its metadata comes from PKG-INFO (Metadata 2.2+, not
Dynamic) or from its build backend, and its artifact record has
`kind: sdist`, which wheel-unpack builds. --only-binary forbids that,
--no-binary asks for it, --prefer-binary takes an older wheel over a newer
source.

Project folders and git repositories are requirements too, in pip's
spellings: `./proj`, `/abs/proj`, `path/to/proj` (a folder with a
pyproject.toml or setup.py), a `file:` folder URL, `name @ file:///folder`,
`git+URL[@rev][#egg=name&subdirectory=dir]` (cloned by the system's git
into the cache, the commit it resolves to recorded), `name @ git+URL`, and
-e for editables (PEP 660). Paths in a requirements file are relative to
its folder. Their metadata comes from the build backend
(prepare_metadata_for_build_wheel, or _editable), built in isolation by our
own tools unless --no-build-isolation, with the -C settings; their artifact
records have `kind: dir` and the folder as `path`, which wheel-unpack
builds and installs.

A pyproject.toml, setup.cfg or setup.py given as the input (an argument or
-r) stands for its project's requirements, as `uv pip install -r
pyproject.toml` reads them; the project itself is not installed. They are
`[project] dependencies` (setup.cfg: `[options] install_requires`), with the
optional dependencies of each --extra (or --all-extras), and the PEP 735
`[dependency-groups]` --group names. `--group PATH:NAME` (pip's and uv's
form) adds the group NAME of the pyproject.toml at PATH alone, whatever the
input: its requirements, not the project's dependencies; so does a bare
--group NAME when no project file is given (./pyproject.toml's group, as
pip and uv read it). When the file leaves the dependencies to the build
backend (`dynamic`, or a setup.py), its
prepare_metadata_for_build_wheel gives them.

The index comes from --index-url and the other index flags, else from the
requirement files' own options (`--index-url`, `--find-links`, ...), else from
PIP_* environment variables, pip's configuration files and pip's default.
Project pages and metadata are kept in the cache (--cache-dir) and
revalidated with the index as its Cache-Control and ETag allow.";

/// The reference sections of the manual page and `--help`.
pub const PAGE: Page = Page {
    environment: &[
        ("PIP_INDEX_URL, PIP_EXTRA_INDEX_URL", "The index and more indexes, when neither the command line nor the requirement files name one."),
        ("PIP_FIND_LINKS, PIP_NO_INDEX", "Folders or pages of links to look in as well; no index at all."),
        ("PIP_PRE, PIP_CONSTRAINT", "Allow pre-releases; constraint files (whitespace separated). The command line adds to them."),
        ("PIP_ONLY_BINARY, PIP_NO_BINARY", "pip's format controls (comma lists, :all:, :none:)."),
        ("PIP_TRUSTED_HOST, PIP_PROXY", "Hosts whose certificates are not checked; the proxy (over HTTPS_PROXY)."),
    ],
    files: &[("pylock.toml", "A PEP 751 lock: written by --lock, installed as locked when given as the only input.")],
    examples: &[
        (
            "Install requirements into a virtualenv, keeping what it has",
            "wheel-resolve --python .venv/bin/python requests 'django<6' \\\n    | wheel-fetch | wheel-unpack --venv .venv",
        ),
        (
            "Install a requirements file from a local index",
            "wheel-resolve -i http://127.0.0.1:8000/simple --python .venv/bin/python \\\n    -r requirements.txt | wheel-fetch -j 8 | wheel-unpack --venv .venv",
        ),
        ("Write a PEP 751 lock, then install from it", "wheel-resolve --lock pylock.toml requirements.txt > /dev/null\nwheel-resolve pylock.toml | wheel-fetch | wheel-unpack --venv .venv"),
    ],
};

pub fn command() -> Command {
    PAGE.attach(Command::new("wheel-resolve"))
        .version(env!("CARGO_PKG_VERSION"))
        .about("Resolve requirement files into the exact wheels to install")
        .long_about(LONG_ABOUT)
        .args(wheelpipe::args::index())
        .arg(
            Arg::new("pre")
                .long("pre")
                .action(ArgAction::SetTrue)
                .help("Consider pre-releases and development versions as well (pip --pre) [env: PIP_PRE]"),
        )
        .arg(Arg::new("no-deps").long("no-deps").action(ArgAction::SetTrue).help(
            "Install the requirements only, not their dependencies (pip --no-deps): no metadata is read",
        ))
        .arg(
            Arg::new("lock")
                .long("lock")
                .value_name("FILE")
                .value_parser(value_parser!(PathBuf))
                .help("Also write the resolution as a PEP 751 lock file (pylock.toml)"),
        )
        .arg(wheelpipe::args::cert())
        .arg(wheelpipe::args::python(
            "The target interpreter, usually a virtualenv's bin/python: its markers and tags decide, \
                     and, when given, what it has installed is kept if it fits",
        ))
        .arg(wheelpipe::args::cache_dir())
        .args(wheelpipe::args::output())
        .args(wheelpipe::args::build())
        .args(requirement_args())
        .args(project_args())
        .args(binary_args())
        .args(upgrade_args())
        .arg(Arg::new("trusted-host").long("trusted-host").value_name("HOST").action(ArgAction::Append).help(
            "Do not check the TLS certificate of HOST or HOST:PORT (may be repeated) [env: PIP_TRUSTED_HOST]",
        ))
        .arg(
            Arg::new("proxy")
                .long("proxy")
                .value_name("URL")
                .help("The proxy, scheme://[user:pass@]host:port [env: PIP_PROXY, else HTTPS_PROXY]"),
        )
}

/// What to install: positional requirements or files, `-r`, `-c`, `-e`.
fn requirement_args() -> Vec<Arg> {
    vec![
        Arg::new("requirements").value_name("REQUIREMENT_OR_FILE").num_args(1..).help(
            "Requirements (`requests`, 'django<6') or requirement files; an argument is a file when \
                 it is -, an existing file or a missing *.txt, *.in or *.toml; - reads stdin",
        ),
        Arg::new("requirement")
            .short('r')
            .long("requirement")
            .value_name("FILE")
            .action(ArgAction::Append)
            .help("Install from this requirements file (may be repeated); - reads stdin"),
        Arg::new("constraint")
            .short('c')
            .long("constraint")
            .value_name("FILE")
            .action(ArgAction::Append)
            .help("Constrain versions with this file (may be repeated) [env: PIP_CONSTRAINT]"),
        Arg::new("editable")
            .short('e')
            .long("editable")
            .value_name("PATH_OR_URL")
            .action(ArgAction::Append)
            .help("Install this project folder or git+ URL as an editable (PEP 660; may be repeated)"),
        Arg::new("require-hashes")
            .long("require-hashes")
            .action(ArgAction::SetTrue)
            .help("Require a --hash for every requirement, and every dependency pinned and hashed"),
    ]
}

/// What to take from a pyproject.toml, setup.cfg or setup.py given as the input.
fn project_args() -> Vec<Arg> {
    vec![
        Arg::new("extra")
            .long("extra")
            .value_name("NAME")
            .action(ArgAction::Append)
            .help("With a pyproject.toml, setup.cfg or setup.py as the input: its dependencies of this extra too (may be repeated)"),
        Arg::new("all-extras")
            .long("all-extras")
            .action(ArgAction::SetTrue)
            .help("With a pyproject.toml, setup.cfg or setup.py as the input: the dependencies of all its extras too"),
        Arg::new("group")
            .long("group")
            .value_name("[PATH:]NAME")
            .action(ArgAction::Append)
            .help("The requirements of this PEP 735 dependency group: NAME of the pyproject.toml given (else ./pyproject.toml), PATH:NAME of the pyproject.toml at PATH (may be repeated)"),
    ]
}

/// pip's format controls: when a source distribution may, or must, be used.
fn binary_args() -> Vec<Arg> {
    vec![
        Arg::new("only-binary")
            .long("only-binary")
            .value_name("NAMES")
            .action(ArgAction::Append)
            .help("Never use source distributions of these (comma list, :all:, :none:) [env: PIP_ONLY_BINARY]"),
        Arg::new("no-binary")
            .long("no-binary")
            .value_name("NAMES")
            .action(ArgAction::Append)
            .help("Use source distributions of these, built at install, even when a wheel fits (comma list, :all:, :none:) [env: PIP_NO_BINARY]"),
        Arg::new("prefer-binary")
            .long("prefer-binary")
            .action(ArgAction::SetTrue)
            .help("Prefer an older version with a wheel to a newer one with only a source distribution"),
    ]
}

/// What may move in an environment that `--python` already filled.
fn upgrade_args() -> Vec<Arg> {
    vec![
        Arg::new("upgrade")
            .short('U')
            .long("upgrade")
            .action(ArgAction::SetTrue)
            .help("Upgrade the named requirements to the newest versions that fit; their dependencies only if needed (pip -U)"),
        Arg::new("upgrade-strategy")
            .long("upgrade-strategy")
            .value_name("STRATEGY")
            .value_parser(["only-if-needed", "eager"])
            .default_value("only-if-needed")
            .help("With -U: eager upgrades every dependency as well (uv's --upgrade)"),
        Arg::new("upgrade-package")
            .short('P')
            .long("upgrade-package")
            .value_name("NAME")
            .action(ArgAction::Append)
            .help("Upgrade this package (may be repeated), keeping the other installed versions that fit"),
        Arg::new("reinstall")
            .long("reinstall")
            .visible_alias("force-reinstall")
            .action(ArgAction::SetTrue)
            .help("Install every distribution again, even at the version already installed"),
        Arg::new("reinstall-package")
            .long("reinstall-package")
            .value_name("NAME")
            .action(ArgAction::Append)
            .help("Install this package again (may be repeated)"),
        Arg::new("ignore-installed")
            .short('I')
            .long("ignore-installed")
            .action(ArgAction::SetTrue)
            .help("Resolve as if --python's environment were empty: keep nothing installed"),
    ]
}
