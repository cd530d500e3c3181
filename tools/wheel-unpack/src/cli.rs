//! The command line of wheel-unpack.

pub fn command() -> clap::Command {
    clap::Command::new("wheel-unpack")
}
