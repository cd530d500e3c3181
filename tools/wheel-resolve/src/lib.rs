//! wheel-resolve: a fully pinned requirements file (a lock) to the exact
//! wheels to install, as `artifact` records.

pub mod cli;
pub mod requirements;

pub fn main() -> std::process::ExitCode {
    let _args = cli::command().get_matches();
    std::process::ExitCode::SUCCESS
}
