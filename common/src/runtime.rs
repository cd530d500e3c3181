//! The one runtime of every tool, from its command line to its exit code,
//! so that all tools (and new ones) parse, draw, speak and end alike:
//!
//! ```ignore
//! const TOOL: Tool = Tool { name: "wheel-x", unit: "wheels", ends_pipeline: false };
//! pub fn main() -> ExitCode {
//!     let (rt, matches) = Runtime::start(&TOOL, cli::command());
//!     let mut out = rt.writer();
//!     let result = run(&matches, &mut out, &rt.progress());
//!     rt.finish(&mut out, result)
//! }
//! ```
//!
//! [`Runtime::start`] parses the command line (a usage error is printed as
//! `wheel-x: error: ...`, exit 2), installs the SIGINT/SIGTERM handlers,
//! reads `--quiet`, `--progress` (else `WHEELPIPE_PROGRESS`) and `--json`
//! (see [`crate::args::output`]), picks the stage's progress [`Role`] and
//! starts its display. Messages go through [`crate::console`]. The tool
//! writes records with [`Runtime::writer`] (a summary for people when stdout
//! is a terminal, unless `--json`). [`Runtime::finish`] ends the display as
//! the run ended, prints the error, writes a failing `end` when the tool
//! did not write one, shows the summary, and gives the exit code.

use std::io::{IsTerminal, Stdout};
use std::process::ExitCode;
use std::sync::OnceLock;

use anyhow::Result;
use clap::{ArgMatches, Command};

use crate::exit::{code_for, Exit};
use crate::progress::{Mode, Outcome, Reporter, Role, StageProgress};
use crate::records::{End, Record};
use crate::stream::Writer;

/// What the runtime needs to know of a tool.
pub struct Tool {
    /// `wheel-fetch`: in messages, `progress` and `end` records.
    pub name: &'static str,
    /// What its progress counts (`wheels`); see [`crate::progress`].
    pub unit: &'static str,
    /// True for a tool no stage reads after (wheel-unpack): it draws
    /// whenever stderr is a terminal, wherever its stdout goes.
    pub ends_pipeline: bool,
}

/// A running tool; see the module documentation.
pub struct Runtime {
    tool: &'static Tool,
    progress: StageProgress,
    people: bool,
}

static RUNNING: OnceLock<Reporter> = OnceLock::new();

/// The running tool's progress, for code far from `main` (a silent one
/// before [`Runtime::start`], as in unit tests).
pub fn progress() -> Reporter {
    RUNNING.get().cloned().unwrap_or_else(|| StageProgress::new("wheelpipe", Role::Silent).handle())
}

fn flag(matches: &ArgMatches, id: &str) -> bool {
    matches.try_get_one::<bool>(id).ok().flatten().copied().unwrap_or(false)
}

/// `--quiet` is `never`; then `--progress`; then `WHEELPIPE_PROGRESS`.
fn mode(matches: &ArgMatches) -> Mode {
    if flag(matches, "quiet") {
        return Mode::Never;
    }
    let given = matches.try_get_one::<String>("progress").ok().flatten().cloned();
    given
        .or_else(|| std::env::var("WHEELPIPE_PROGRESS").ok())
        .and_then(|v| Mode::parse(&v))
        .unwrap_or(Mode::Auto)
}

impl Runtime {
    /// Parses `command`'s arguments and starts the tool (see the module
    /// documentation). `--help` and `--version` print and exit 0.
    pub fn start(tool: &'static Tool, command: Command) -> (Runtime, ArgMatches) {
        let matches = command.try_get_matches().unwrap_or_else(|err| usage_error(tool.name, err));
        crate::signals::install();
        let role = Role::detect(mode(&matches), tool.ends_pipeline);
        let downstream = role == Role::Forward && std::io::stderr().is_terminal();
        crate::console::init(tool.name, flag(&matches, "quiet"), downstream);
        let people = !flag(&matches, "json") && std::io::stdout().is_terminal();
        let progress = StageProgress::counting(tool.name, tool.unit, role);
        let _ = RUNNING.set(progress.handle());
        (Runtime { tool, progress, people }, matches)
    }

    /// For a tool whose work does not stop on [`crate::signals::interrupted`]
    /// (a resolution): on SIGINT or SIGTERM, the display goes, the cursor
    /// comes back, and the process exits 130 at once.
    pub fn end_on_signal(&self) {
        std::thread::spawn(|| loop {
            std::thread::sleep(std::time::Duration::from_millis(50));
            if crate::signals::interrupted() {
                crate::progress::close_current(Outcome::Interrupted);
                crate::console::note("interrupted");
                std::process::exit(Exit::Interrupted as i32);
            }
        });
    }

    /// The stage's progress counters, to hand to its workers.
    pub fn progress(&self) -> Reporter {
        self.progress.handle()
    }

    /// The writer of the tool's records on stdout.
    pub fn writer(&self) -> Writer<Stdout> {
        let out = Writer::stdout();
        if self.people {
            out.for_people()
        } else {
            out
        }
    }

    /// Ends the run: the display closes (complete, stopped or cleared),
    /// the error is printed, a failing `end` is written if the tool wrote
    /// none (so the next stage sees the failure, not only a missing `end`),
    /// the summary for people is shown, and the exit code returned. A
    /// closed stdout ends the tool quietly with 0.
    pub fn finish(self, out: &mut Writer<Stdout>, result: Result<Exit>) -> ExitCode {
        let code = match &result {
            Ok(code) => *code,
            Err(err) => code_for(err),
        };
        let broken_pipe = result.as_ref().is_err_and(crate::exit::is_broken_pipe);
        let outcome = match code {
            Exit::Ok if !broken_pipe => Outcome::Complete,
            Exit::Interrupted => Outcome::Interrupted,
            _ => Outcome::Failed,
        };
        self.progress.close(outcome);
        if let Err(err) = &result {
            if code != Exit::Ok && code != Exit::Interrupted {
                crate::console::error(err);
            }
            if !broken_pipe && !out.ended() {
                let _ = out.record(&Record::End(End::new(self.tool.name, false, 0)));
            }
        }
        if outcome == Outcome::Complete {
            out.show_summary();
        }
        code.into()
    }
}

/// Prints a command-line error as `tool: error: ...` and exits 2 (`--help`
/// and `--version` print on stdout and exit 0).
fn usage_error(tool: &str, err: clap::Error) -> ! {
    use clap::error::ErrorKind;
    let kind = err.kind();
    if matches!(kind, ErrorKind::DisplayHelp | ErrorKind::DisplayVersion)
        || kind == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    {
        err.exit();
    }
    let text = err.render().to_string();
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    eprint!("{tool}: error: {text}");
    std::process::exit(Exit::Usage as i32);
}
