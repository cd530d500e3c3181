//! The one progress display of a pipeline, seen from outside: a stage whose
//! stdout is a pipe writes `progress` records (rate-limited, with totals
//! that only grow, and a `finished` one just before `end`), the next stage
//! passes them on, the last stage keeps them out of a file and stderr quiet
//! when it is not a terminal, and on a terminal (a pty made by `script`)
//! the lines are drawn and Ctrl-C leaves the cursor shown and exits 130.

mod support;

use std::fs::File;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::*;
use wheelpipe::records::{Progress, Record};

/// Three wheels served by a local index and their URLs with `#sha256=`.
fn served(sb: &Sandbox) -> (Server, Vec<PathBuf>, Vec<String>) {
    let dir = sb.path().join("wheels");
    let mut wheels = alpha_beta(&dir);
    wheels.push(big_wheel(&dir, "gamma", 512));
    let server = Server::start(&wheels);
    let urls = wheels
        .iter()
        .map(|w| {
            let name = w.file_name().unwrap().to_str().unwrap();
            format!(
                "{}#sha256={}",
                server.file_url(name),
                wheelpipe::hash::sha256_hex(&std::fs::read(w).unwrap())
            )
        })
        .collect();
    (server, wheels, urls)
}

fn total_size(wheels: &[PathBuf]) -> u64 {
    wheels.iter().map(|w| std::fs::metadata(w).unwrap().len()).sum()
}

/// The `progress` records of `tool` in a stream, in order.
fn progress_of(records: &[Record], tool: &str) -> Vec<Progress> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Progress(p) if p.tool == tool => Some(p.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn fetch_into_a_pipe_writes_rate_limited_progress_whose_counts_only_grow() {
    let sb = Sandbox::new();
    let (server, wheels, urls) = served(&sb);
    server.faults().stall_ms = 300;
    let mut fetch = sb.fetch();
    fetch.args(["-j", "1"]).args(&urls);
    let started = Instant::now();
    let run = pipeline(vec![fetch], None);
    let took = started.elapsed();
    run.assert_success();
    assert_eq!(run.stderr(0), "", "nothing on a stderr that is not a terminal");
    let records = run.records();
    let progress = progress_of(&records, "wheel-fetch");
    assert!(progress.len() >= 2, "progress while the downloads wait: {run}");
    let at_most = took.as_millis() as usize / 100 + 2;
    assert!(progress.len() <= at_most, "{} records in {took:?}, at most ten a second: {run}", progress.len());
    for pair in progress.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!(b.done >= a.done && b.bytes_done >= a.bytes_done, "counts only grow: {a:?} then {b:?}");
        assert!(b.total >= a.total && b.bytes_total >= a.bytes_total, "totals only grow: {a:?} then {b:?}");
        assert!(!a.finished, "only the last one is finished: {a:?}");
    }
    for p in &progress {
        assert!(p.total == Some(3) && p.done <= 3, "{p:?}");
        assert!(p.bytes_total.is_none_or(|t| p.bytes_done <= t), "{p:?}");
    }
    assert!(progress.iter().any(|p| !p.active.is_empty()), "the files being fetched are named: {run}");
    let last = progress.last().unwrap();
    let size = total_size(&wheels);
    assert!(last.finished && last.done == 3 && last.active.is_empty(), "{last:?}");
    assert_eq!((last.bytes_done, last.bytes_total), (size, Some(size)), "{last:?}");
    assert!(matches!(&records[records.len() - 2], Record::Progress(p) if p == last), "then the end: {run}");
}

#[test]
fn unpack_into_a_pipe_keeps_progress_out_of_its_records() {
    let sb = Sandbox::new();
    let (_server, _wheels, urls) = served(&sb);
    let venv = sb.venv("venv");
    let mut fetch = sb.fetch();
    fetch.args(&urls);
    // wheel-unpack's stdout is a pipe here, as if `| jq` followed it: no
    // stage reads after wheel-unpack, so the progress it got is not passed
    // on into a program that wants the installed records.
    let run = pipeline(vec![fetch, sb.unpack(&venv)], None);
    run.assert_success();
    assert_eq!((run.stderr(0), run.stderr(1)), ("", ""), "{run}");
    let records = run.records();
    assert!(!records.iter().any(|r| matches!(r, Record::Progress(_))), "{run}");
    assert_eq!(records.len(), 4, "three installed and the end: {run}");
    assert!(matches!(records.last(), Some(Record::End(e)) if e.tool == "wheel-unpack" && e.ok), "{run}");
}

#[test]
fn the_last_stage_writes_no_progress_into_a_file_and_nothing_on_stderr() {
    let sb = Sandbox::new();
    let (_server, _wheels, urls) = served(&sb);
    let run_to_file = |mut cmd: Command, input: Option<Vec<u8>>, name: &str| -> (String, String) {
        let out = sb.path().join(name);
        cmd.stdout(File::create(&out).unwrap()).stderr(Stdio::piped());
        cmd.stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() });
        let mut child = cmd.spawn().unwrap();
        if let Some(bytes) = input {
            child.stdin.take().unwrap().write_all(&bytes).unwrap();
        }
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        (std::fs::read_to_string(out).unwrap(), String::from_utf8(output.stderr).unwrap())
    };
    let mut fetch = sb.fetch();
    fetch.args(&urls);
    let (records, stderr) = run_to_file(fetch, None, "fetched.jsonl");
    assert_eq!(stderr, "");
    assert!(!records.contains("\"progress\""), "{records}");
    assert_eq!(parse_records(&records).len(), 4, "three artifacts and the end: {records}");

    // Fed a stream with progress in it, wheel-unpack keeps it out of its file.
    let mut fetch = sb.fetch();
    fetch.args(&urls);
    let piped = pipeline(vec![fetch], None);
    assert!(piped.stdout.contains("\"progress\""), "{piped}");
    let venv = sb.venv("venv");
    let (records, stderr) = run_to_file(sb.unpack(&venv), Some(piped.stdout.into_bytes()), "installed.jsonl");
    assert_eq!(stderr, "");
    assert!(!records.contains("\"progress\""), "{records}");
    assert_eq!(parse_records(&records).len(), 4, "three installed and the end: {records}");
}

/// Runs `command` (a shell command) under `script`, so that its stdin,
/// stdout and stderr are a terminal; returns the process, its stdin and a
/// reader of everything the terminal showed.
fn on_a_terminal(sb: &Sandbox, command: &str) -> (std::process::Child, std::process::ChildStdin) {
    let mut script = sb.command("script");
    script.env("TERM", "xterm-256color").args(["-q", "-e", "-c", command, "/dev/null"]);
    script.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = script.spawn().expect("`script` from util-linux runs a command on a pty");
    let stdin = child.stdin.take().unwrap();
    (child, stdin)
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// `wheel-fetch -j 1 --cache-dir C [ARGS] URLS`, quoted for the shell.
fn fetch_words(sb: &Sandbox, args: &[&str], urls: &[String]) -> String {
    let mut words = vec![env!("CARGO_BIN_EXE_wheel-fetch").to_string(), "-j".into(), "1".into()];
    words.extend(["--cache-dir".to_string(), sb.cache().display().to_string()]);
    words.extend(args.iter().map(|a| a.to_string()));
    words.extend(urls.iter().cloned());
    words.iter().map(|w| shell_quote(w)).collect::<Vec<_>>().join(" ")
}

/// The shell command that runs wheel-fetch with stdout to `out.jsonl`.
fn fetch_command(sb: &Sandbox, args: &[&str], urls: &[String]) -> String {
    let out = sb.path().join("out.jsonl");
    format!("exec {} > {}", fetch_words(sb, args, urls), shell_quote(&out.display().to_string()))
}

fn wait_with_timeout(mut child: std::process::Child, limit: Duration) -> (std::process::ExitStatus, String) {
    let reader = child.stdout.take().map(|mut stdout| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = stdout.read_to_end(&mut buf);
            buf
        })
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the command on the terminal did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let screen = reader.map(|r| r.join().unwrap()).unwrap_or_default();
    (status, String::from_utf8_lossy(&screen).into_owned())
}

/// The terminal's output as it comes, read by a thread, for a test to wait
/// until something is drawn.
struct Screen {
    bytes: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    reader: std::thread::JoinHandle<()>,
}

impl Screen {
    /// Takes the child's stdout (the terminal) and reads it from now on.
    fn read(child: &mut std::process::Child) -> Screen {
        let mut out = child.stdout.take().unwrap();
        let bytes = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let shared = std::sync::Arc::clone(&bytes);
        let reader = std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n @ 1..) = out.read(&mut chunk) {
                shared.lock().unwrap().extend_from_slice(&chunk[..n]);
            }
        });
        Screen { bytes, reader }
    }

    fn contains(&self, text: &str) -> bool {
        String::from_utf8_lossy(&self.bytes.lock().unwrap()).contains(text)
    }

    /// Everything, once the terminal closed.
    fn text(self) -> String {
        self.reader.join().unwrap();
        let bytes = self.bytes.lock().unwrap();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

#[test]
fn on_a_terminal_the_lines_are_drawn_and_the_cursor_comes_back() {
    let sb = Sandbox::new();
    let (server, _wheels, urls) = served(&sb);
    server.faults().stall_ms = 300;
    let (child, stdin) = on_a_terminal(&sb, &fetch_command(&sb, &[], &urls));
    let (status, screen) = wait_with_timeout(child, Duration::from_secs(30));
    drop(stdin);
    assert!(status.success(), "{status}: {screen:?}");
    assert!(screen.contains("\x1b[?25l"), "the cursor is hidden while drawing: {screen:?}");
    assert!(
        screen.contains("wheel-fetch") && screen.contains("/3 wheels"),
        "a line for the stage: {screen:?}"
    );
    assert!(screen.contains("3 wheels, "), "the line ends as a summary: {screen:?}");
    let shown = screen.rfind("\x1b[?25h").expect("the cursor is shown again");
    assert!(shown > screen.rfind("\x1b[?25l").unwrap(), "{screen:?}");
    let records = std::fs::read_to_string(sb.path().join("out.jsonl")).unwrap();
    assert!(!records.contains("\"progress\"") && parse_records(&records).len() == 4, "{records}");
}

#[test]
fn ctrl_c_on_a_terminal_shows_the_cursor_again_and_exits_130() {
    let sb = Sandbox::new();
    let (server, _wheels, urls) = served(&sb);
    // Longer than the test waits: the run ends by Ctrl-C or not at all.
    server.faults().stall_ms = 600_000;
    let (mut child, mut stdin) = on_a_terminal(&sb, &fetch_command(&sb, &[], &urls));
    let screen = Screen::read(&mut child);
    // Once the display has drawn the stage's line, type Ctrl-C.
    wait_until("the stage's line on the terminal", || server.arrived() > 0 && screen.contains("wheel-fetch"));
    stdin.write_all(b"\x03").unwrap();
    stdin.flush().unwrap();
    let (status, _) = wait_with_timeout(child, Duration::from_secs(60));
    let screen = screen.text();
    assert!(server.requests().is_empty(), "ended before the server answered: {screen:?}");
    assert_eq!(status.code(), Some(130), "{screen:?}");
    assert!(screen.contains("wheel-fetch"), "the line was drawn: {screen:?}");
    assert!(screen.contains("interrupted"), "{screen:?}");
    let shown = screen.rfind("\x1b[?25h").expect("the cursor is shown again");
    assert!(shown > screen.rfind("\x1b[?25l").expect("it was hidden"), "{screen:?}");
}

#[test]
fn in_a_pipeline_on_a_terminal_the_last_stage_draws_every_stage() {
    let sb = Sandbox::new();
    let (server, _wheels, urls) = served(&sb);
    server.faults().stall_ms = 200;
    let venv = sb.venv("venv");
    let unpack = [env!("CARGO_BIN_EXE_wheel-unpack"), "--cache-dir"]
        .iter()
        .map(|w| shell_quote(w))
        .chain(
            [sb.cache(), PathBuf::from("--venv"), venv.root.clone()]
                .iter()
                .map(|p| shell_quote(&p.display().to_string())),
        )
        .collect::<Vec<_>>()
        .join(" ");
    let out = shell_quote(&sb.path().join("out.jsonl").display().to_string());
    let command = format!("{} | {unpack} > {out}", fetch_words(&sb, &[], &urls));
    let (child, stdin) = on_a_terminal(&sb, &command);
    let (status, screen) = wait_with_timeout(child, Duration::from_secs(60));
    drop(stdin);
    assert!(status.success(), "{status}: {screen:?}");
    // wheel-fetch writes into a pipe, so only wheel-unpack draws, from
    // wheel-fetch's records and its own count.
    assert!(screen.contains("wheel-fetch") && screen.contains("3 wheels, "), "{screen:?}");
    assert!(screen.contains("wheel-unpack") && screen.contains("3 wheels in "), "{screen:?}");
    assert_eq!(screen.matches("\x1b[?25l").count(), 1, "one display, not two: {screen:?}");
    assert!(screen.rfind("\x1b[?25h") > screen.rfind("\x1b[?25l"), "{screen:?}");
    let records = std::fs::read_to_string(sb.path().join("out.jsonl")).unwrap();
    assert!(!records.contains("\"progress\""), "{records}");
    assert_eq!(parse_records(&records).len(), 4, "three installed and the end: {records}");
}

#[test]
fn quiet_draws_nothing_and_no_color_draws_without_colours() {
    let sb = Sandbox::new();
    let (server, _wheels, urls) = served(&sb);
    server.faults().stall_ms = 200;
    let run = |args: &[&str], no_color: bool| -> String {
        let cache = sb.cache();
        let _ = std::fs::remove_dir_all(&cache);
        let mut command = fetch_command(&sb, args, &urls);
        if no_color {
            command = format!("NO_COLOR=1 {}", command.trim_start_matches("exec "));
        }
        let (child, stdin) = on_a_terminal(&sb, &command);
        let (status, screen) = wait_with_timeout(child, Duration::from_secs(30));
        drop(stdin);
        assert!(status.success(), "{status}: {screen:?}");
        screen
    };
    let screen = run(&["--quiet"], false);
    assert!(!screen.contains("wheel-fetch") && !screen.contains('\x1b'), "{screen:?}");
    let colours = ["\x1b[36;1m", "\x1b[32;1m"];
    let screen = run(&[], false);
    assert!(colours.iter().any(|c| screen.contains(c)), "in colour by default: {screen:?}");
    let screen = run(&[], true);
    assert!(screen.contains("3 wheels, "), "{screen:?}");
    assert!(!colours.iter().any(|c| screen.contains(c)), "no colour with NO_COLOR: {screen:?}");
}

#[test]
fn a_request_being_retried_says_so_on_the_display() {
    let sb = Sandbox::new();
    let (server, _wheels, _urls) = served(&sb);
    // The index is busy once: wheel-resolve waits a second (Retry-After)
    // and asks again; meanwhile its progress names what it retries and why.
    server.faults().fail_next_n_with(1, 503);
    let venv = sb.venv("venv");
    let reqs = sb.write("requirements.txt", "alpha\n");
    let run = pipeline(vec![sb.resolve(&server.url(), &venv, &[&reqs])], None);
    run.assert_success();
    let retrying: Vec<String> = progress_of(&run.records(), "wheel-resolve")
        .into_iter()
        .flat_map(|p| p.active)
        .filter(|a| a.contains("retrying"))
        .collect();
    let first = retrying.first().unwrap_or_else(|| panic!("a retry is shown: {run}"));
    assert!(
        first.contains(&server.url()) && first.contains("HTTP 503") && first.contains("attempt 2 of"),
        "{first}"
    );
    assert!(run.records().iter().any(|r| matches!(r, Record::Artifact(a) if a.name == "alpha")), "{run}");
}

#[test]
fn ctrl_c_ends_a_resolution_drawing_on_a_terminal_at_once() {
    let sb = Sandbox::new();
    let (server, _wheels, _urls) = served(&sb);
    server.faults().stall_ms = 10_000;
    let venv = sb.venv("venv");
    let reqs = sb.write("requirements.txt", "alpha\n");
    let resolve = sb.resolve(&server.url(), &venv, &[&reqs]);
    let words: Vec<String> = std::iter::once(resolve.get_program())
        .chain(resolve.get_args())
        .map(|w| shell_quote(&w.to_string_lossy()))
        .collect();
    let (mut child, mut stdin) = on_a_terminal(&sb, &format!("exec {}", words.join(" ")));
    // Read the terminal as it goes, and type Ctrl-C once the line is drawn.
    let screen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut out = child.stdout.take().unwrap();
    let reader = {
        let screen = std::sync::Arc::clone(&screen);
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n @ 1..) = out.read(&mut chunk) {
                screen.lock().unwrap().extend_from_slice(&chunk[..n]);
            }
        })
    };
    let drawn = |s: &std::sync::Mutex<Vec<u8>>| {
        String::from_utf8_lossy(&s.lock().unwrap()).contains("pages and metadata")
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while !drawn(&screen) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(drawn(&screen), "the resolution's line is drawn while the index stalls");
    let typed = Instant::now();
    stdin.write_all(b"\x03").unwrap();
    stdin.flush().unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        // A watchdog: the index answers after ten seconds, and a resolution
        // that ignored Ctrl-C would then end with 0, not 130.
        assert!(typed.elapsed() < Duration::from_secs(30), "Ctrl-C ends the resolution");
        std::thread::sleep(Duration::from_millis(20));
    };
    reader.join().unwrap();
    let screen = String::from_utf8_lossy(&screen.lock().unwrap()).into_owned();
    assert_eq!(status.code(), Some(130), "{screen:?}");
    assert!(screen.contains("wheel-resolve: interrupted"), "{screen:?}");
    let shown = screen.rfind("\x1b[?25h").expect("the cursor is shown again");
    assert!(shown > screen.rfind("\x1b[?25l").expect("it was hidden"), "{screen:?}");
}
