//! Everything a tool says to a person, in one place: errors, warnings and
//! notes on stderr as `wheel-fetch: error: ...`, and the human summary on
//! stdout. Every line goes through the progress display (it is cleared, the
//! line printed, the display drawn again), so no message tears a bar.
//!
//! A stage whose stdout is a pipe and whose stderr is a terminal is not the
//! one drawing: another process further down draws over the same terminal
//! and would erase a line printed beside its display. Such a stage sends its
//! messages downstream as `message` records instead ([`init`]'s
//! `downstream`), and the stage that draws prints them ([`relay`]), in the
//! order they came. [`init`] is called once by [`crate::runtime`]; before
//! that (in unit tests) messages go to stderr under the name `wheelpipe`.

use std::fmt::Display;
use std::io::{IsTerminal, Write};
use std::sync::OnceLock;

use crate::records::{Level, Message, Record};

struct Settings {
    tool: &'static str,
    quiet: bool,
    downstream: bool,
    colour: bool,
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

/// Says once for the process who speaks, whether warnings are shown
/// (`quiet`: only errors) and whether messages go downstream as records.
pub fn init(tool: &'static str, quiet: bool, downstream: bool) {
    let colour = crate::progress::colour(std::io::stderr().is_terminal());
    let _ = SETTINGS.set(Settings { tool, quiet, downstream, colour });
}

fn settings() -> &'static Settings {
    SETTINGS.get_or_init(|| Settings { tool: "wheelpipe", quiet: false, downstream: false, colour: false })
}

/// `tool: error: {err:#}`: the whole context chain.
pub fn error(err: &anyhow::Error) {
    say(Level::Error, format!("{err:#}"));
}

/// `tool: warning: text`, unless `--quiet`.
pub fn warn(text: impl Display) {
    if !settings().quiet {
        say(Level::Warning, text.to_string());
    }
}

/// `tool: text`: what the tool is doing, when a person should know (waiting
/// for a lock, interrupted); shown even with `--quiet`.
pub fn note(text: impl Display) {
    say(Level::Note, text.to_string());
}

fn say(level: Level, text: String) {
    let s = settings();
    if s.downstream {
        let message = Message { tool: s.tool.to_string(), level, text: text.clone() };
        let line = Record::Message(message).to_line() + "\n";
        // One write of the whole line: records written by other threads
        // through std::io::stdout never interleave with it. When nobody
        // reads stdout any more, stderr it is.
        if std::io::stdout().lock().write_all(line.as_bytes()).is_ok() {
            return;
        }
    }
    print(s.tool, level, &text);
}

/// Prints an upstream stage's `message` record here (warnings too, unless
/// `--quiet`).
pub fn relay(message: &Message) {
    if message.level != Level::Warning || !settings().quiet {
        print(&message.tool, message.level, &message.text);
    }
}

fn print(tool: &str, level: Level, text: &str) {
    let paint = |word: &str, code: &str| {
        if settings().colour {
            format!("\x1b[{code}m{word}\x1b[0m")
        } else {
            word.to_string()
        }
    };
    let line = match level {
        Level::Error => format!("{tool}: {} {text}", paint("error:", "31;1")),
        Level::Warning => format!("{tool}: {} {text}", paint("warning:", "33;1")),
        Level::Note => format!("{tool}: {text}"),
    };
    crate::progress::suspend(|| {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{line}");
    });
}

/// Prints a line for a person on stdout (the human summary), with the
/// display out of the way.
pub fn out(text: &str) {
    crate::progress::suspend(|| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    });
}
