//! Man pages (`man/`) and shell completions (`completions/`) are generated
//! from each tool's clap command; this test regenerates them and fails when
//! the committed files differ. Run with `WHEELPIPE_BLESS=1` to rewrite them.

use std::path::{Path, PathBuf};

use clap_complete::Shell;

fn commands() -> Vec<clap::Command> {
    vec![
        wheel_resolve::cli::command(),
        wheel_fetch::cli::command(),
        wheel_unpack::cli::command(),
        wheel_meta::cli::command(),
        wheel_build::cli::command(),
    ]
}

/// Every generated file: its path under the repository and its contents.
fn generated() -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for command in commands() {
        let name = command.get_name().to_string();
        let mut page = Vec::new();
        clap_mangen::Man::new(command.clone()).render(&mut page).unwrap();
        files.push((PathBuf::from(format!("man/{name}.1")), page));
        for (shell, file) in [
            (Shell::Bash, format!("completions/{name}.bash")),
            (Shell::Zsh, format!("completions/_{name}")),
            (Shell::Fish, format!("completions/{name}.fish")),
        ] {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut command.clone(), &name, &mut out);
            files.push((PathBuf::from(file), out));
        }
    }
    files
}

#[test]
fn man_pages_and_completions_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bless = std::env::var_os("WHEELPIPE_BLESS").is_some();
    let mut stale = Vec::new();
    for (path, contents) in generated() {
        let full = root.join(&path);
        if bless {
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(&full, &contents).unwrap();
        } else if std::fs::read(&full).ok().as_deref() != Some(&contents[..]) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files (run `WHEELPIPE_BLESS=1 cargo test --test cli_docs`): {stale:?}"
    );
}

#[test]
fn every_argument_has_help() {
    for command in commands() {
        assert!(command.get_about().is_some(), "{} has no about text", command.get_name());
        for arg in command.get_arguments() {
            let id = arg.get_id().as_str();
            if id == "help" || id == "version" {
                continue;
            }
            assert!(arg.get_help().is_some(), "{} --{id} has no help text", command.get_name());
        }
    }
}
