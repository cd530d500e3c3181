//! The command line of wheel-resolve.

pub fn command() -> clap::Command {
    clap::Command::new("wheel-resolve")
}
