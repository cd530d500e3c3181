//! Exit codes shared by every tool (PROTOCOL.md) and the one way to print an
//! error: `wheel-fetch: error: {err:#}` on stderr.

use std::io;
use std::process::ExitCode;

/// How a tool ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Everything worked.
    Ok = 0,
    /// Some item failed; the stream's `end` record says `ok: false`.
    Failed = 1,
    /// Bad usage or bad input.
    Usage = 2,
    /// Interrupted by SIGINT or SIGTERM.
    Interrupted = 130,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

/// A failure that carries the exit code it should end the tool with.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    pub code: Exit,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure { code: Exit::Usage, message: message.into() }
    }
    pub fn failed(message: impl Into<String>) -> Failure {
        Failure { code: Exit::Failed, message: message.into() }
    }
    pub fn interrupted() -> Failure {
        Failure { code: Exit::Interrupted, message: "interrupted".into() }
    }
}

/// The exit code for an error: the one a [`Failure`] in its chain names,
/// else 1. A closed downstream pipe is not an error: 0.
pub fn code_for(err: &anyhow::Error) -> Exit {
    if is_broken_pipe(err) {
        return Exit::Ok;
    }
    err.chain().find_map(|c| c.downcast_ref::<Failure>()).map_or(Exit::Failed, |f| f.code)
}

/// True when the error means the reader of our stdout went away.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .any(|cause| cause.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe))
}
