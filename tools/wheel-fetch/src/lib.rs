//! wheel-fetch

pub mod cli;

pub fn main() -> std::process::ExitCode {
    let _args = cli::command().get_matches();
    std::process::ExitCode::SUCCESS
}
