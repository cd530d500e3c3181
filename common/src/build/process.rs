//! The child processes of a build (a backend's hooks, `python -m venv`, our
//! own tools filling a build environment): started in a process group of
//! their own, so that Ctrl-C stops everything they started (compilers
//! included), with stdout and stderr merged into one pipe whose last lines
//! are kept for the error message.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::os::fd::OwnedFd;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

use crate::exit::Failure;

/// Lines of output kept for an error message.
pub const TAIL_LINES: usize = 30;

/// How a group of processes ended.
#[derive(Debug)]
pub struct Finished {
    /// Each process's status, in the order given.
    pub statuses: Vec<ExitStatus>,
    /// The last [`TAIL_LINES`] lines they wrote, stdout and stderr merged.
    pub tail: Vec<String>,
}

impl Finished {
    pub fn success(&self) -> bool {
        self.statuses.iter().all(ExitStatus::success)
    }
}

/// Runs `commands` as one process group, each one's stdout into the next
/// one's stdin (a pipeline; one command is a pipeline of one); the last
/// one's stdout and every stderr go to the kept output, echoed to our
/// stderr as they come when `echo` is set. On SIGINT or SIGTERM the group is
/// stopped (SIGTERM, then SIGKILL after two seconds) and the result is
/// [`Failure::interrupted`].
pub fn run(commands: Vec<Command>, echo: bool) -> Result<Finished> {
    let (read, write) = nix::unistd::pipe().context("cannot create a pipe")?;
    let mut children: Vec<Child> = Vec::new();
    let mut pgid = 0;
    let count = commands.len();
    for (i, mut cmd) in commands.into_iter().enumerate() {
        cmd.process_group(pgid);
        if let Some(prev) = children.last_mut() {
            cmd.stdin(prev.stdout.take().map_or(Stdio::null(), Stdio::from));
        } else {
            cmd.stdin(Stdio::null());
        }
        let stdout = if i + 1 == count { Stdio::from(write.try_clone()?) } else { Stdio::piped() };
        cmd.stdout(stdout).stderr(Stdio::from(write.try_clone()?));
        let program = cmd.get_program().to_string_lossy().into_owned();
        match cmd.spawn() {
            Ok(child) => {
                if pgid == 0 {
                    pgid = child.id() as i32;
                }
                children.push(child);
            }
            Err(err) => {
                stop(pgid, &mut children);
                return Err(err).with_context(|| format!("cannot start {program}"));
            }
        }
    }
    let reader = spawn_reader(read, echo);
    drop(write);
    let statuses = wait_all(pgid, &mut children)?;
    // Whatever they left running in the background would hold the pipe open.
    let _ = killpg(Pid::from_raw(pgid), Signal::SIGKILL);
    Ok(Finished { statuses, tail: reader.join().unwrap_or_default() })
}

/// Waits for every child, polling for a signal between checks.
fn wait_all(pgid: i32, children: &mut [Child]) -> Result<Vec<ExitStatus>> {
    let mut statuses: Vec<Option<ExitStatus>> = vec![None; children.len()];
    loop {
        if crate::signals::interrupted() {
            stop(pgid, children);
            return Err(Failure::interrupted().into());
        }
        for (child, status) in children.iter_mut().zip(statuses.iter_mut()) {
            if status.is_none() {
                *status = child.try_wait().context("cannot wait for a build process")?;
            }
        }
        if statuses.iter().all(Option::is_some) {
            return Ok(statuses.into_iter().flatten().collect());
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// Stops the group: SIGTERM, and SIGKILL for what is left after two seconds.
fn stop(pgid: i32, children: &mut [Child]) {
    if pgid == 0 {
        return;
    }
    let _ = killpg(Pid::from_raw(pgid), Signal::SIGTERM);
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        if children.iter_mut().all(|c| matches!(c.try_wait(), Ok(Some(_)))) {
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    // What the children started may outlive them: the group goes too.
    let _ = killpg(Pid::from_raw(pgid), Signal::SIGKILL);
    for child in children {
        let _ = child.wait();
    }
}

/// Reads lines until every writer is gone, keeping the last ones.
fn spawn_reader(fd: OwnedFd, echo: bool) -> thread::JoinHandle<Vec<String>> {
    thread::spawn(move || {
        let mut kept = VecDeque::with_capacity(TAIL_LINES + 1);
        let reader = BufReader::new(std::fs::File::from(fd));
        for line in reader.split(b'\n') {
            let Ok(line) = line else { break };
            let line = String::from_utf8_lossy(&line).trim_end().to_string();
            if echo {
                // The backend's own words, as they come, with the display out of the way.
                crate::progress::suspend(|| eprintln!("{line}"));
            }
            kept.push_back(line);
            if kept.len() > TAIL_LINES {
                kept.pop_front();
            }
        }
        kept.into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_merged_and_cut_to_the_tail() {
        let mut sh = Command::new("sh");
        sh.args(["-c", "i=0; while [ $i -lt 40 ]; do echo line$i; i=$((i+1)); done; echo err >&2; exit 3"]);
        let done = run(vec![sh], false).unwrap();
        assert!(!done.success());
        assert_eq!(done.statuses[0].code(), Some(3));
        assert_eq!(done.tail.len(), TAIL_LINES);
        assert!(done.tail.contains(&"err".to_string()) && done.tail.contains(&"line39".to_string()));
        assert!(!done.tail.contains(&"line0".to_string()));
    }

    #[test]
    fn a_pipeline_joins_stdout_to_stdin() {
        let mut echo = Command::new("sh");
        echo.args(["-c", "echo hello"]);
        let mut tr = Command::new("tr");
        tr.args(["a-z", "A-Z"]);
        let done = run(vec![echo, tr], false).unwrap();
        assert!(done.success());
        assert_eq!(done.tail, vec!["HELLO".to_string()]);
    }
}
