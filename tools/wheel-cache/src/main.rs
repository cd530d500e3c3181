//! The `wheel-cache` binary: everything is in the library, so the man pages
//! and completions come from the same clap command.

fn main() -> std::process::ExitCode {
    wheel_cache::main()
}
