//! The tools in a person's terminal, on a real pseudo-terminal: a summary
//! instead of records when the last stage's stdout is the terminal (records
//! with `--json`), wheel-unpack drawing whenever stderr is a terminal even
//! with its stdout piped on, `--progress always|never`, command-line errors
//! named by their tool, and an upstream failure's own error line kept, in
//! order, above a display that does not claim to be complete.

mod support;

use std::path::PathBuf;

use support::*;
use wheelpipe::records::{Level, Record};

/// Three wheels (alpha 1.0, beta 2.0, gamma 1.0) served by a local index,
/// and their URLs with `#sha256=`.
fn served(sb: &Sandbox) -> (Server, Vec<PathBuf>, Vec<String>) {
    let dir = sb.path().join("wheels");
    let mut wheels = alpha_beta(&dir);
    wheels.push(big_wheel(&dir, "gamma", 256));
    let server = Server::start(&wheels);
    let urls = wheels
        .iter()
        .map(|w| {
            let name = w.file_name().unwrap().to_str().unwrap();
            let sha = wheelpipe::hash::sha256_hex(&std::fs::read(w).unwrap());
            format!("{}#sha256={sha}", server.file_url(name))
        })
        .collect();
    (server, wheels, urls)
}

/// `sh -c "wheel-fetch URLS | wheel-unpack --venv V EXTRA"`.
fn fetch_unpack(sb: &Sandbox, urls: &[String], venv: &Venv, extra: &[&str]) -> std::process::Command {
    let mut fetch = sb.fetch();
    fetch.args(urls);
    let mut unpack = sb.unpack(venv);
    unpack.args(extra);
    let mut sh = sb.command("sh");
    sh.arg("-c").arg(shell(&[&fetch, &unpack]));
    sh
}

/// `text` without its colours (escape sequences ending in `m`).
fn plain(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("\x1b[") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let end = after.find(|c: char| c.is_ascii_alphabetic()).map_or(after.len(), |i| i + 1);
        if !after[..end].ends_with('m') {
            out.push_str(&rest[at..at + 2 + end]);
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

const STDOUT_ONLY: Tty = Tty { stdout: true, stderr: false };
const STDERR_ONLY: Tty = Tty { stdout: false, stderr: true };
const BOTH: Tty = Tty { stdout: true, stderr: true };

#[test]
fn a_person_at_a_terminal_sees_what_was_installed_not_records() {
    let sb = Sandbox::new();
    let (_server, _wheels, urls) = served(&sb);
    let venv = sb.venv("venv");
    let run = run_on_pty(fetch_unpack(&sb, &urls, &venv, &[]), STDOUT_ONLY, None);
    assert!(run.status.success(), "{run}");
    let screen = plain(&run.screen).replace("\r\n", "\n");
    assert!(screen.starts_with("Installed 3 packages in "), "{run}");
    assert!(run.screen.contains("\x1b[32;1m+\x1b[0m"), "in colour on a terminal: {run}");
    for line in [" + alpha==1.0\n", " + beta==2.0\n", " + gamma==1.0\n"] {
        assert!(screen.contains(line), "{line:?} in {run}");
    }
    assert!(
        screen.find("alpha") < screen.find("beta") && screen.find("beta") < screen.find("gamma"),
        "{run}"
    );
    assert!(!screen.contains('{'), "no records for a person: {run}");
    assert_eq!(run.stderr, "", "{run}");
    assert!(venv.site_packages().join("alpha").exists(), "{run}");

    // The same again: nothing to do is said as such, not as an error.
    let again = run_on_pty(fetch_unpack(&sb, &urls, &venv, &["--json"]), STDOUT_ONLY, None);
    assert!(again.status.success(), "{again}");
    let records = parse_records(&again.screen.replace("\r\n", "\n"));
    assert!(matches!(records.last(), Some(Record::End(e)) if e.ok), "--json keeps the records: {again}");
}

#[test]
fn a_failed_run_shows_the_error_and_no_summary() {
    let sb = Sandbox::new();
    let (_server, _wheels, mut urls) = served(&sb);
    urls[1] = urls[1].replace("beta", "missing");
    let venv = sb.venv("venv");
    let run = run_on_pty(fetch_unpack(&sb, &urls, &venv, &[]), STDOUT_ONLY, None);
    assert_eq!(run.status.code(), Some(1), "{run}");
    assert!(!run.screen.contains("Installed") && !run.screen.contains(" + "), "{run}");
    assert!(run.stderr.contains("wheel-fetch: error:") && run.stderr.contains("missing"), "{run}");
    assert!(run.stderr.contains("wheel-unpack: error: wheel-fetch reported a failure"), "{run}");
}

#[test]
fn unpack_piped_on_still_draws_on_a_terminal_stderr_and_never_means_never() {
    let sb = Sandbox::new();
    let (server, _wheels, urls) = served(&sb);
    server.faults().stall_ms = 200;
    let venv = sb.venv("venv");
    // As in `... | wheel-unpack --venv .venv | tail`: stdout is a pipe.
    let run = run_on_pty(fetch_unpack(&sb, &urls, &venv, &[]), STDERR_ONLY, None);
    assert!(run.status.success(), "{run}");
    assert!(run.screen.contains("wheel-fetch") && run.screen.contains("3 wheels, "), "{run}");
    assert!(run.screen.contains("wheel-unpack") && run.screen.contains("3 wheels in "), "{run}");
    let records = parse_records(&run.stdout);
    assert_eq!(records.len(), 4, "three installed and the end, no progress: {run}");

    let venv = sb.venv("venv2");
    let run = run_on_pty(fetch_unpack(&sb, &urls, &venv, &["--progress", "never"]), STDERR_ONLY, None);
    assert!(run.status.success(), "{run}");
    assert_eq!(run.screen, "", "{run}");
}

#[test]
fn progress_always_draws_with_stdout_piped_into_another_program() {
    let sb = Sandbox::new();
    let (server, _wheels, urls) = served(&sb);
    server.faults().stall_ms = 200;
    let mut fetch = sb.fetch();
    fetch.args(["--progress", "always"]).args(&urls);
    let run = run_on_pty(fetch, STDERR_ONLY, None);
    assert!(run.status.success(), "{run}");
    assert!(run.screen.contains("wheel-fetch") && run.screen.contains("3 wheels, "), "{run}");
    let records = parse_records(&run.stdout);
    assert!(!records.iter().any(|r| matches!(r, Record::Progress(_))), "it drew, so no records: {run}");
    assert_eq!(records.len(), 4, "{run}");

    // Without it, a stage piped on writes records for the next one, and
    // draws nothing itself.
    let mut fetch = sb.fetch();
    fetch.args(&urls);
    let run = run_on_pty(fetch, STDERR_ONLY, None);
    assert!(run.status.success(), "{run}");
    assert_eq!(run.screen, "", "{run}");
}

#[test]
fn an_upstream_error_is_printed_by_the_stage_that_draws_before_its_own() {
    let mut sb = Sandbox::new();
    sb.set_env("PIP_RETRIES", "0");
    let venv = sb.venv("venv");
    let reqs = sb.write("requirements.txt", "alpha==1.0\n");
    // A port nothing listens on: wheel-resolve fails at once.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let resolve = sb.resolve(&format!("http://127.0.0.1:{port}/simple"), &venv, &[&reqs]);
    let (fetch, unpack) = (sb.fetch(), sb.unpack(&venv));
    let mut sh = sb.command("sh");
    sh.arg("-c").arg(shell(&[&resolve, &fetch, &unpack]));
    let run = run_on_pty(sh, BOTH, None);
    assert_eq!(run.status.code(), Some(1), "{run}");
    let screen = &plain(&run.screen);
    let at = |text: &str| screen.find(text).unwrap_or_else(|| panic!("{text:?} on the screen: {run}"));
    let root = at("wheel-resolve: error:");
    assert!(screen[root..].contains(&format!("127.0.0.1:{port}")), "the root cause names the index: {run}");
    assert!(root < at("wheel-fetch: error: wheel-resolve reported a failure"), "{run}");
    assert!(at("wheel-fetch: error:") < at("wheel-unpack: error: wheel-fetch reported a failure"), "{run}");
    assert!(!screen.contains("{\"type\""), "messages are printed, not shown as records: {run}");
    assert!(!screen.contains("Installed"), "{run}");
    assert!(!screen.contains("wheel-fetch 0 wheels in"), "an upstream failure is not drawn as done: {run}");

    // How: a stage piped on whose stderr is the terminal does not print
    // beside the display another process draws, it sends its messages on.
    let run = run_on_pty(resolve, STDERR_ONLY, None);
    assert_eq!(run.status.code(), Some(1), "{run}");
    assert_eq!(run.screen, "", "{run}");
    let mut records = parse_records(&run.stdout);
    records.retain(|r| !matches!(r, Record::Progress(_)));
    match &records[..] {
        [Record::Message(m), Record::End(end)] => {
            assert!(m.tool == "wheel-resolve" && m.level == Level::Error, "{run}");
            assert!(m.text.contains(&format!("127.0.0.1:{port}")) && !end.ok, "{run}");
        }
        _ => panic!("a message, then the failing end: {run}"),
    }
}

#[test]
fn a_command_line_error_is_named_by_its_tool() {
    let sb = Sandbox::new();
    let venv = sb.venv("venv");
    for (mut cmd, tool) in [
        (sb.fetch(), "wheel-fetch"),
        (sb.meta(), "wheel-meta"),
        (sb.unpack(&venv), "wheel-unpack"),
        (sb.command(env!("CARGO_BIN_EXE_wheel-resolve")), "wheel-resolve"),
    ] {
        let out = cmd.arg("--no-such-option").output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{tool}: {stderr}");
        let prefix = format!("{tool}: error: unexpected argument '--no-such-option'");
        assert!(stderr.starts_with(&prefix), "{tool}: {stderr}");
    }
}

#[test]
fn a_missing_venv_says_how_to_make_one() {
    let sb = Sandbox::new();
    let mut unpack = sb.command(env!("CARGO_BIN_EXE_wheel-unpack"));
    unpack.args(["--venv", "nowhere", "x.whl"]);
    let out = unpack.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("does not exist") && stderr.contains("python3 -m venv nowhere"), "{stderr}");
}

/// The `a/b` counts drawn on `tool`'s line, in order.
fn counts_of(screen: &str, tool: &str) -> Vec<(u64, u64)> {
    let mut counts = Vec::new();
    for part in screen.split(tool).skip(1) {
        let line = part.split(['\r', '\n']).next().unwrap_or("");
        let Some(count) = line.split_whitespace().find(|w| w.contains('/') && !w.contains("/s")) else {
            continue;
        };
        if let Some((a, b)) = count.split_once('/') {
            if let (Ok(a), Ok(b)) = (a.parse(), b.parse()) {
                counts.push((a, b));
            }
        }
    }
    counts
}

#[test]
fn stage_lines_keep_pipeline_order_and_the_unpack_bar_waits_for_the_downloads() {
    let sb = Sandbox::new();
    let (server, _wheels, _urls) = served(&sb);
    // One download at a time, each a little slow: wheel-unpack gets the
    // wheels one by one while wheel-fetch still works.
    server.faults().stall_ms = 150;
    let venv = sb.venv("venv");
    let reqs = sb.write("requirements.txt", "alpha\nbeta\ngamma\n");
    let resolve = sb.resolve(&server.url(), &venv, &[&reqs]);
    let mut fetch = sb.fetch();
    fetch.args(["-j", "1"]);
    let unpack = sb.unpack(&venv);
    let mut sh = sb.command("sh");
    sh.arg("-c").arg(shell(&[&resolve, &fetch, &unpack]));
    let run = run_on_pty(sh, STDERR_ONLY, None);
    assert!(run.status.success(), "{run}");
    let screen = plain(&run.screen);
    let last = |tool: &str| screen.rfind(tool).unwrap_or_else(|| panic!("{tool} drawn: {run}"));
    assert!(last("wheel-resolve") < last("wheel-fetch"), "{run}");
    assert!(last("wheel-fetch") < last("wheel-unpack"), "{run}");
    assert!(screen.contains("pages and metadata"), "wheel-resolve's count says what it counts: {run}");
    let unpacked = counts_of(&screen, "wheel-unpack");
    assert!(!unpacked.is_empty(), "{run}");
    assert!(
        unpacked.iter().all(|&(_, total)| total == 3),
        "out of the 3 coming, never of those arrived: {unpacked:?}"
    );
    assert!(screen.contains("3 wheels in "), "{run}");
}

#[test]
fn one_distribution_has_one_name_in_every_record() {
    // The wheel's filename says `charset_normalizer`, its METADATA
    // `Charset.Normalizer`: every record says `charset-normalizer`.
    let sb = Sandbox::new();
    let dir = sb.path().join("wheels");
    let wheel = WheelBuilder::new("Charset.Normalizer", "3.4.0").build(&dir);
    let server = Server::start(std::slice::from_ref(&wheel));
    let venv = sb.venv("venv");
    let reqs = sb.write("requirements.txt", "charset_normalizer\n");
    let resolved = pipeline(vec![sb.resolve(&server.url(), &venv, &[&reqs])], None);
    resolved.assert_success();
    let meta = pipeline(vec![sb.meta()], Some(resolved.stdout.clone().into_bytes()));
    let installed = pipeline(vec![sb.fetch(), sb.unpack(&venv)], Some(resolved.stdout.into_bytes()));
    installed.assert_success();
    let mut names = Vec::new();
    for record in meta.records().into_iter().chain(installed.records()) {
        match record {
            Record::Artifact(a) => names.push(("artifact", a.name)),
            Record::Metadata(m) => names.push(("metadata", m.name)),
            Record::Installed(i) => names.push(("installed", i.name)),
            _ => {}
        }
    }
    // wheel-meta writes the artifact it passes on and the metadata it read
    // in whichever order they come.
    names.sort();
    let kinds: Vec<&str> = names.iter().map(|(k, _)| *k).collect();
    assert_eq!(kinds, ["artifact", "installed", "metadata"], "{meta}\n{installed}");
    assert!(names.iter().all(|(_, n)| n == "charset-normalizer"), "{names:?}");
}

#[test]
fn force_color_and_no_color_are_read_as_pip_and_uv_read_them() {
    let sb = Sandbox::new();
    let run = |vars: &[(&str, &str)]| -> String {
        let mut fetch = sb.fetch();
        fetch.arg("http://127.0.0.1:9/nothing-1.0-py3-none-any.whl").env("PIP_RETRIES", "0");
        fetch.envs(vars.iter().copied());
        let out = fetch.output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8(out.stderr).unwrap()
    };
    let red = "wheel-fetch: \x1b[31;1merror:\x1b[0m ";
    assert!(run(&[]).starts_with("wheel-fetch: error: "), "no colour into a pipe");
    assert!(run(&[("FORCE_COLOR", "1")]).starts_with(red), "FORCE_COLOR colours it anyway");
    let both = run(&[("FORCE_COLOR", "1"), ("NO_COLOR", "1")]);
    assert!(both.starts_with("wheel-fetch: error: "), "NO_COLOR wins: {both:?}");
}

#[test]
fn a_resolution_on_a_terminal_reads_as_pins() {
    let sb = Sandbox::new();
    let (server, _wheels, _urls) = served(&sb);
    let venv = sb.venv("venv");
    let reqs = sb.write("requirements.txt", "gamma\nalpha\n");
    let run = run_on_pty(sb.resolve(&server.url(), &venv, &[&reqs]), STDOUT_ONLY, None);
    assert!(run.status.success(), "{run}");
    // Sorted by name, beta (alpha's dependency) included, as a pinned file.
    assert_eq!(run.screen.replace("\r\n", "\n"), "alpha==1.0\nbeta==2.0\ngamma==1.0\n", "{run}");
    let mut json = sb.resolve(&server.url(), &venv, &[&reqs]);
    json.arg("--json");
    let run = run_on_pty(json, STDOUT_ONLY, None);
    let records = parse_records(&run.screen.replace("\r\n", "\n"));
    assert!(
        matches!(
            &records[..],
            [Record::Artifact(_), Record::Artifact(_), Record::Artifact(_), Record::End(_)]
        ),
        "{run}"
    );
}
