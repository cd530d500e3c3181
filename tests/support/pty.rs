//! Running the real binaries with some of their standard streams on a
//! pseudo-terminal (nix's `openpty`), as a person's shell does: what the
//! terminal showed, and apart from it what went to the streams that are not
//! on it (stdout into `jq`, stderr into a log). Unlike `script`, this says
//! exactly which stream is the terminal. A pipeline runs as `sh -c` with the
//! binaries' words quoted ([`shell`]).

#![allow(dead_code)]

use std::fs::File;
use std::io::{Read, Write};
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use nix::pty::{openpty, Winsize};

/// Which of a process's output streams are the terminal.
#[derive(Clone, Copy, Debug)]
pub struct Tty {
    pub stdout: bool,
    pub stderr: bool,
}

/// What a process on a terminal did.
#[derive(Debug)]
pub struct OnPty {
    pub status: ExitStatus,
    /// Everything the terminal got, escape sequences included.
    pub screen: String,
    /// stdout when it was not the terminal.
    pub stdout: String,
    /// stderr when it was not the terminal.
    pub stderr: String,
}

impl std::fmt::Display for OnPty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- screen:\n{:?}\n--- stdout:\n{}\n--- stderr:\n{}",
            self.status, self.screen, self.stdout, self.stderr
        )
    }
}

/// A shell line running `commands` joined by pipes (their programs and
/// arguments quoted; the environment is the `sh` command's own).
pub fn shell(commands: &[&Command]) -> String {
    let quote = |s: &std::ffi::OsStr| format!("'{}'", s.to_string_lossy().replace('\'', "'\\''"));
    let words = |c: &Command| {
        std::iter::once(quote(c.get_program())).chain(c.get_args().map(quote)).collect::<Vec<_>>().join(" ")
    };
    commands.iter().map(|c| words(c)).collect::<Vec<_>>().join(" | ")
}

fn read_all(mut r: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        // A terminal's reader gets EIO once every writer closed it.
        while let Ok(n) = r.read(&mut chunk) {
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        buf
    })
}

/// Runs `cmd` with the streams `tty` names on a new 100-column terminal and
/// the others piped, `input` on stdin (else nothing); kills it and fails
/// after a minute.
pub fn run_on_pty(mut cmd: Command, tty: Tty, input: Option<Vec<u8>>) -> OnPty {
    let size = Winsize { ws_row: 30, ws_col: 100, ws_xpixel: 0, ws_ypixel: 0 };
    let pty = openpty(Some(&size), None).expect("a pseudo-terminal");
    let slave = File::from(pty.slave);
    let on_tty = |yes: bool| if yes { Stdio::from(slave.try_clone().unwrap()) } else { Stdio::piped() };
    cmd.stdout(on_tty(tty.stdout)).stderr(on_tty(tty.stderr));
    cmd.stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {:?}: {e}", cmd.get_program()));
    // Only the child may hold the terminal now, so that its reader ends.
    drop((cmd, slave));
    let screen = read_all(File::from(pty.master));
    let stdout = child.stdout.take().map(read_all);
    let stderr = child.stderr.take().map(read_all);
    if let Some(bytes) = input {
        let mut stdin = child.stdin.take().unwrap();
        thread::spawn(move || {
            let _ = stdin.write_all(&bytes);
        });
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the command on the terminal did not end within a minute");
        }
        thread::sleep(Duration::from_millis(20));
    };
    let text = |h: Option<thread::JoinHandle<Vec<u8>>>| {
        h.map(|h| String::from_utf8_lossy(&h.join().unwrap()).into_owned()).unwrap_or_default()
    };
    let screen = String::from_utf8_lossy(&screen.join().unwrap()).into_owned();
    OnPty { status, screen, stdout: text(stdout), stderr: text(stderr) }
}
