//! The command line of wheel-fetch.

pub fn command() -> clap::Command {
    clap::Command::new("wheel-fetch")
}
