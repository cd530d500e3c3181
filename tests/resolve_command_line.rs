//! wheel-resolve takes pip's habits: requirements as arguments
//! (`wheel-resolve top 'dep<2'`), requirement files as arguments or `-r`
//! (repeatable, `-` for stdin), `-c` (repeatable), `--pre`, and the
//! `PIP_PRE`, `PIP_CONSTRAINT`, `PIP_NO_BINARY` / `PIP_ONLY_BINARY` and
//! `PIP_PROXY` variables, as `pip install` reads them.

mod resolving;
mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use resolving::*;
use support::*;

/// `top` 1.0 and 2.0 need `dep`; `dep` has 1.0, 1.5, 2.0 and 3.0b1.
fn case() -> Case {
    Case::new(&[
        wheel("top", "1.0").requires_dist("dep"),
        wheel("top", "2.0").requires_dist("dep"),
        wheel("dep", "1.0"),
        wheel("dep", "1.5"),
        wheel("dep", "2.0"),
        wheel("dep", "3.0b1"),
    ])
}

fn pins(run: &Run) -> Vec<String> {
    run.assert_success();
    Resolved::from_run(run).pins()
}

#[test]
fn arguments_that_are_not_files_are_requirements() {
    let case = case();
    assert_eq!(pins(&case.resolve(&["top", "dep<2"])), ["dep==1.5", "top==2.0"]);
    case.file("reqs.txt", "top==1.0\n");
    assert_eq!(pins(&case.resolve(&["reqs.txt", "dep==1.0"])), ["dep==1.0", "top==1.0"]);
    // An existing file of that name is a file, as uv decides.
    case.file("top", "dep==2.0\n");
    assert_eq!(pins(&case.resolve(&["top"])), ["dep==2.0"]);
    // A missing *.txt is a file that is not there, not a project.
    let run = case.resolve(&["missing.txt"]);
    assert_eq!(run.codes(), [Some(2)], "{run}");
    assert!(run.stderr(0).contains("missing.txt: cannot read"), "{run}");
    let run = case.resolve(&["top", "dep<"]);
    assert_eq!(run.codes(), [Some(2)], "{run}");
    assert!(run.stderr(0).contains("the command line: invalid requirement `dep<`"), "{run}");
    let run = case.resolve(&[]);
    assert_eq!(run.codes(), [Some(2)], "{run}");
    assert!(run.stderr(0).contains("nothing to resolve"), "{run}");
}

#[test]
fn requirement_and_constraint_files_repeat_and_stdin_is_a_dash() {
    let case = case();
    case.file("a.txt", "top\n");
    case.file("b.txt", "dep>=1.5\n");
    case.file("c1.txt", "top<2\n");
    case.file("c2.txt", "dep<2\n");
    let run = case.resolve(&["-r", "a.txt", "-r", "b.txt", "-c", "c1.txt", "--constraint=c2.txt"]);
    assert_eq!(pins(&run), ["dep==1.5", "top==1.0"]);

    let run = case.resolve(&["pylock.toml", "-c", "c1.txt"]);
    assert_eq!(run.codes(), [Some(2)], "{run}");
    assert!(run.stderr(0).contains("a pylock.toml is installed alone"), "{run}");

    let stdin = |args: &[&str]| pipeline(vec![case.command(args)], Some(b"top==1.0\ndep==1.0\n".to_vec()));
    assert_eq!(pins(&stdin(&["-r", "-"])), ["dep==1.0", "top==1.0"]);
    assert_eq!(pins(&stdin(&["-", "-c", "c1.txt"])), ["dep==1.0", "top==1.0"]);
}

#[test]
fn pre_releases_and_constraints_come_from_the_environment_too() {
    let mut case = case();
    assert_eq!(pins(&case.resolve(&["dep", "--pre"])), ["dep==3.0b1"]);
    case.file("c1.txt", "dep<2\n");
    case.file("c2.txt", "top<2\n");
    case.sb.set_env("PIP_PRE", "yes");
    assert_eq!(pins(&case.resolve(&["dep"])), ["dep==3.0b1"], "PIP_PRE");
    case.sb.set_env("PIP_CONSTRAINT", "c1.txt c2.txt");
    assert_eq!(pins(&case.resolve(&["top"])), ["dep==1.5", "top==1.0"], "PIP_CONSTRAINT, two files");
    case.sb.set_env("PIP_NO_BINARY", "dep");
    let run = case.resolve(&["top"]);
    assert_eq!(run.codes(), [Some(1)], "{run}");
    assert!(run.stderr(0).contains("dep 1.5 has no source distribution (--no-binary)"), "{run}");
    case.sb.set_env("PIP_ONLY_BINARY", ":all:");
    assert_eq!(pins(&case.resolve(&["top", "--no-binary", ":none:"])), ["dep==1.5", "top==1.0"]);
}

#[test]
fn pip_proxy_carries_every_request() {
    let mut case = case();
    // A proxy that notes the first request line it gets and answers 502.
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = proxy.local_addr().unwrap().port();
    let seen = std::thread::spawn(move || {
        let (mut conn, _) = proxy.accept().unwrap();
        let mut line = String::new();
        BufReader::new(conn.try_clone().unwrap()).read_line(&mut line).unwrap();
        let _ = conn.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        line
    });
    case.sb.set_env("PIP_PROXY", &format!("http://127.0.0.1:{port}"));
    case.sb.set_env("PIP_RETRIES", "0");
    let run = case.resolve(&["top"]);
    assert_eq!(run.codes(), [Some(1)], "{run}");
    let line = seen.join().unwrap();
    let host = case.server.base().trim_start_matches("http://").to_string();
    assert!(line.starts_with(&format!("CONNECT {host} ")), "the proxy was asked to reach {host}: {line:?}");
    assert!(case.server.requests().is_empty(), "nothing reached the index directly");
}
