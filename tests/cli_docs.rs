//! Man pages (`man/`) and shell completions (`completions/`) are generated
//! from each tool's clap command and its reference [`Page`] (exit status,
//! environment, files, examples); this test regenerates them and fails when
//! the committed files differ. Run with `WHEELPIPE_BLESS=1` to rewrite them.
//! A new tool adds its `command()` and `PAGE` to [`commands`].

use std::path::{Path, PathBuf};

use clap::{Arg, ArgAction, Command};
use clap_complete::Shell;
use roff::{bold, italic, roman, Inline, Roff};
use wheelpipe::docs::Page;

fn commands() -> Vec<(Command, &'static Page)> {
    vec![
        (wheel_resolve::cli::command(), &wheel_resolve::cli::PAGE),
        (wheel_fetch::cli::command(), &wheel_fetch::cli::PAGE),
        (wheel_unpack::cli::command(), &wheel_unpack::cli::PAGE),
        (wheel_meta::cli::command(), &wheel_meta::cli::PAGE),
        (wheel_list::cli::command(), &wheel_list::cli::PAGE),
        (wheel_remove::cli::command(), &wheel_remove::cli::PAGE),
        (wheel_build::cli::command(), &wheel_build::cli::PAGE),
        (wheel_cache::cli::command(), &wheel_cache::cli::PAGE),
    ]
}

/// `[-j|--jobs N]`, `[-q|--quiet]`, `<REQUIREMENTS>...`: an argument in the
/// synopsis, with its value's name (clap_mangen leaves it out).
fn synopsis_words(arg: &Arg) -> Vec<Inline> {
    let takes_value = matches!(arg.get_action(), ArgAction::Set | ArgAction::Append);
    let value = arg.get_value_names().and_then(|v| v.first()).map(|v| v.to_string());
    let value = value.unwrap_or_else(|| arg.get_id().to_string().to_uppercase());
    let mut words = Vec::new();
    let (open, close) = if arg.is_required_set() { ("<", ">") } else { ("[", "]") };
    if arg.is_positional() {
        words.push(roman(open));
        words.push(italic(value));
        words.push(roman(close));
        if arg.get_num_args().is_some_and(|n| n.max_values() > 1) {
            words.push(roman("..."));
        }
        return words;
    }
    words.push(roman("["));
    if let Some(short) = arg.get_short() {
        words.push(bold(format!("-{short}")));
        words.push(roman("|"));
    }
    words.push(bold(format!("--{}", arg.get_long().expect("options have a long name"))));
    if takes_value {
        words.push(roman(" "));
        words.push(italic(value));
    }
    words.push(roman("]"));
    words
}

fn synopsis(command: &Command) -> Roff {
    let mut roff = Roff::new();
    roff.control("SH", ["SYNOPSIS"]);
    let subcommands: Vec<&Command> = command.get_subcommands().collect();
    if subcommands.is_empty() {
        roff.text(synopsis_line(command, None));
    }
    // A line per subcommand: the tool's options, then the subcommand's.
    for (i, sub) in subcommands.into_iter().enumerate() {
        if i > 0 {
            roff.control("br", []);
        }
        roff.text(synopsis_line(command, Some(sub)));
    }
    roff
}

fn synopsis_line(command: &Command, sub: Option<&Command>) -> Vec<Inline> {
    let mut line = vec![bold(command.get_name().to_string())];
    let args = command.get_arguments().filter(|a| !a.is_hide_set());
    let (positionals, options): (Vec<&Arg>, Vec<&Arg>) = args.partition(|a| a.is_positional());
    for arg in options.into_iter().chain(positionals) {
        line.push(roman(" "));
        line.extend(synopsis_words(arg));
    }
    if let Some(sub) = sub {
        line.extend([roman(" "), bold(sub.get_name().to_string())]);
        for arg in sub.get_arguments().filter(|a| !a.is_hide_set() && !a.is_global_set()) {
            line.push(roman(" "));
            line.extend(synopsis_words(arg));
        }
    }
    line
}

/// The page's own sections; examples are not filled (so never hyphenated).
fn sections(page: &Page) -> Roff {
    let mut roff = Roff::new();
    for section in page.sections() {
        roff.control("SH", [section.title]);
        for (term, what) in section.entries {
            if section.commands {
                roff.control("PP", []).text([roman(term)]);
                roff.control("RS", ["4"]).control("nf", []);
                for line in what.lines() {
                    roff.text([roman(line)]);
                }
                roff.control("fi", []).control("RE", []);
            } else {
                roff.control("TP", []).text([bold(term)]).text([roman(what)]);
            }
        }
    }
    roff
}

/// The manual page: clap_mangen's title, name, description and options,
/// our synopsis and reference sections, then the version.
fn man_page(command: Command, page: &Page) -> Vec<u8> {
    let man = clap_mangen::Man::new(command.clone());
    let mut out = Vec::new();
    man.render_title(&mut out).unwrap();
    // No hyphenation anywhere: names, paths and URLs must read as written.
    Roff::new().control("nh", []).to_writer(&mut out).unwrap();
    man.render_name_section(&mut out).unwrap();
    synopsis(&command).to_writer(&mut out).unwrap();
    man.render_description_section(&mut out).unwrap();
    man.render_options_section(&mut out).unwrap();
    sections(page).to_writer(&mut out).unwrap();
    man.render_version_section(&mut out).unwrap();
    out
}

/// Every generated file: its path under the repository and its contents.
fn generated() -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for (command, page) in commands() {
        let name = command.get_name().to_string();
        files.push((PathBuf::from(format!("man/{name}.1")), man_page(command.clone(), page)));
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
    let subcommands =
        commands().into_iter().flat_map(|(c, _)| c.get_subcommands().cloned().collect::<Vec<_>>());
    for command in commands().into_iter().map(|(c, _)| c).chain(subcommands) {
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

#[test]
fn every_page_and_help_has_the_reference_sections_and_whole_examples() {
    for (command, page) in commands() {
        let name = command.get_name().to_string();
        let man = String::from_utf8(man_page(command.clone(), page)).unwrap();
        for title in ["SYNOPSIS", "EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES"] {
            let heading =
                if title.contains(' ') { format!(".SH \"{title}\"") } else { format!(".SH {title}") };
            assert!(man.contains(&heading), "{name}: {title}");
        }
        assert!(
            man.contains("\\fB\\-\\-cache\\-dir\\fR \\fIDIR\\fR"),
            "{name}: option values in the synopsis"
        );
        let examples = &man[man.find(".SH EXAMPLES").unwrap()..];
        assert!(examples.contains(".nf") && examples.contains(".fi"), "{name}: examples are not filled");

        let bin = std::path::Path::new(env!("CARGO_BIN_EXE_wheel-fetch")).with_file_name(&name);
        let out = std::process::Command::new(bin).arg("--help").env("COLUMNS", "80").output().unwrap();
        let help = String::from_utf8(out.stdout).unwrap();
        for title in ["Exit status:", "Environment:", "Files:", "Examples:"] {
            assert!(help.contains(title), "{name} --help: {title}");
        }
        let after = &help[help.find("Examples:").unwrap()..];
        for (_, command) in page.examples {
            for line in command.lines() {
                assert!(after.contains(&format!("  {line}\n")), "{name} --help: {line:?} whole on its line");
            }
        }
        assert!(!help.contains("(default: $VIRTUAL_ENV)"), "{name}: the env note says it once");
    }
}
