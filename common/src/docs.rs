//! The reference sections of every tool's manual page and `--help`: EXIT
//! STATUS, ENVIRONMENT, FILES and EXAMPLES. What all tools share (the exit
//! codes, the variables every tool reads, the cache) is written here once;
//! a tool adds its own variables, files and examples in its [`Page`], and
//! `cli.rs` hands its command to [`Page::attach`]. `tests/cli_docs.rs`
//! renders the same [`Page::sections`] into the manual page, examples
//! unfilled, so both say the same thing.
//!
//! An example's command is written as it is typed, one line each, long ones
//! split with ` \` so that no line of `--help` wraps in the middle of a
//! command on an 80-column terminal.

use clap::Command;

/// One entry of a section: a term and what it means.
pub type Entry = (&'static str, &'static str);

/// What one tool adds to the shared sections.
pub struct Page {
    /// Variables this tool reads besides [`ENVIRONMENT`].
    pub environment: &'static [Entry],
    /// Files this tool reads or writes besides [`FILES`].
    pub files: &'static [Entry],
    /// What it does, then the command (lines joined by `\n`).
    pub examples: &'static [Entry],
}

/// The exit codes of every tool (PROTOCOL.md).
pub const EXIT_STATUS: &[Entry] = &[
    ("0", "Everything worked, or the reader of stdout went away."),
    (
        "1",
        "An item failed (a download, a wheel, a resolution), or the input did not end with an `end` \
         record saying ok; the output's `end` record says ok: false, and wheel-unpack installed nothing.",
    ),
    ("2", "Bad usage or bad input: an unknown option, a malformed requirement or input line."),
    ("130", "Interrupted by SIGINT or SIGTERM; nothing half done is left behind."),
];

/// The variables every tool reads.
pub const ENVIRONMENT: &[Entry] = &[
    ("WHEELPIPE_CACHE_DIR", "The cache folder when --cache-dir is not given."),
    (
        "XDG_CACHE_HOME",
        "The cache is $XDG_CACHE_HOME/wheelpipe when neither of the above is set (else ~/.cache/wheelpipe).",
    ),
    ("WHEELPIPE_PROGRESS", "auto, always or never: the default of --progress (off and 0 mean never)."),
    ("NO_COLOR", "When set and not empty, no colours, even on a terminal."),
    (
        "FORCE_COLOR",
        "When set and not empty (and NO_COLOR is not), colours even when the output is not a terminal.",
    ),
    ("SSL_CERT_FILE, PIP_CERT", "Extra CA certificates to trust, besides the system's (as --cert)."),
    ("HTTPS_PROXY, NO_PROXY", "The proxy to reach the network through, and the hosts reached directly."),
    (
        "PIP_DEFAULT_TIMEOUT, PIP_TIMEOUT",
        "Seconds a stalled connection is waited for before it is retried (default 15).",
    ),
    ("PIP_RETRIES", "How often a failed request is retried (default 5)."),
    ("PIP_CONFIG_FILE", "pip's configuration file, read as pip reads it; /dev/null reads none."),
];

/// The files every tool uses.
pub const FILES: &[Entry] = &[
    (
        "~/.cache/wheelpipe",
        "The cache (see --cache-dir), a folder per bucket named with its version: downloaded \
         wheels by sha256 (wheels/v1/), unpacked wheels (unpacked/v2/), index pages, metadata, \
         build environments, built wheels and interpreter facts. Nothing in it is trusted by name \
         alone; wheel-cache shows it and cleans it, also while tools run.",
    ),
    ("pip.conf", "pip's configuration files, read as pip reads them (see PIP_CONFIG_FILE)."),
];

/// A section of the reference, as [`Page::sections`] gives it.
pub struct Section {
    /// `EXIT STATUS`.
    pub title: &'static str,
    pub entries: Vec<Entry>,
    /// True for examples: each entry's text is a command, shown as typed.
    pub commands: bool,
}

impl Page {
    /// The sections in manual-page order.
    pub fn sections(&self) -> Vec<Section> {
        let joined = |shared: &[Entry], own: &[Entry]| own.iter().chain(shared).copied().collect();
        vec![
            Section { title: "EXIT STATUS", entries: EXIT_STATUS.to_vec(), commands: false },
            Section { title: "ENVIRONMENT", entries: joined(ENVIRONMENT, self.environment), commands: false },
            Section { title: "FILES", entries: joined(FILES, self.files), commands: false },
            Section { title: "EXAMPLES", entries: self.examples.to_vec(), commands: true },
        ]
    }

    /// The sections as the text after `--help`'s options.
    pub fn help(&self) -> String {
        let mut text = String::new();
        for section in self.sections() {
            let title: String = section
                .title
                .chars()
                .enumerate()
                .map(|(i, c)| if i == 0 { c } else { c.to_ascii_lowercase() })
                .collect();
            text.push_str(&format!("{title}:\n"));
            for (term, what) in section.entries {
                if section.commands {
                    text.push_str(&format!("  # {term}\n"));
                    for line in what.lines() {
                        text.push_str(&format!("  {line}\n"));
                    }
                    text.push('\n');
                } else {
                    text.push_str(&format!("  {term}\n          {what}\n"));
                }
            }
            if !section.commands {
                text.push('\n');
            }
        }
        text.trim_end().to_string()
    }

    /// `command` with these sections after its long help, and a pointer
    /// to them after the short one.
    pub fn attach(&self, command: Command) -> Command {
        command
            .after_long_help(self.help())
            .after_help("See --help for the exit status, environment, files and examples.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: Page = Page {
        environment: &[("PIP_INDEX_URL", "The index.")],
        files: &[],
        examples: &[("Install", "wheel-resolve requirements.txt \\\n    | wheel-unpack --venv .venv")],
    };

    #[test]
    fn the_help_has_every_section_and_commands_stay_whole_lines() {
        let help = PAGE.help();
        for title in ["Exit status:", "Environment:", "Files:", "Examples:"] {
            assert!(help.contains(title), "{help}");
        }
        assert!(
            help.find("PIP_INDEX_URL") < help.find("WHEELPIPE_CACHE_DIR"),
            "the tool's own first: {help}"
        );
        assert!(
            help.contains("  wheel-resolve requirements.txt \\\n      | wheel-unpack --venv .venv"),
            "{help}"
        );
        for line in help.lines().filter(|l| l.starts_with("  wheel-") || l.starts_with("      |")) {
            assert!(line.len() <= 80, "{line:?} would wrap on an 80-column terminal");
        }
    }
}
