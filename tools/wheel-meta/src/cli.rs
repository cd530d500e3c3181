//! The command line of wheel-meta.

pub fn command() -> clap::Command {
    clap::Command::new("wheel-meta")
}
