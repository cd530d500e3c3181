//! Running the real binaries: a pipeline of processes joined by real pipes
//! (each stdout into the next stdin) with a watchdog, what each stage said
//! and how it exited, and the records of the last stage's stdout, decoded
//! strictly.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use wheelpipe::records::Record;

/// How long a pipeline may run before the test kills it and fails.
const PIPELINE_TIMEOUT: Duration = Duration::from_secs(60);

/// One process of a pipeline, once it ended.
#[derive(Debug)]
pub struct Stage {
    pub program: String,
    pub status: ExitStatus,
    pub stderr: String,
}

/// What a pipeline did.
#[derive(Debug)]
pub struct Run {
    pub stages: Vec<Stage>,
    /// The last stage's stdout.
    pub stdout: String,
}

impl Run {
    pub fn codes(&self) -> Vec<Option<i32>> {
        self.stages.iter().map(|s| s.status.code()).collect()
    }

    /// Fails the test, showing everything, unless every stage exited 0.
    pub fn assert_success(&self) {
        assert!(self.stages.iter().all(|s| s.status.success()), "a stage failed:\n{self}");
    }

    /// The last stage's stdout as records; every line must be one.
    pub fn records(&self) -> Vec<Record> {
        parse_records(&self.stdout)
    }

    /// The last stage's stdout as records, skipping lines of unknown types.
    pub fn records_lenient(&self) -> Vec<Record> {
        self.stdout.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
    }

    pub fn stderr(&self, i: usize) -> &str {
        &self.stages[i].stderr
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for s in &self.stages {
            writeln!(f, "--- {} exited {}; stderr:\n{}", s.program, s.status, s.stderr)?;
        }
        write!(f, "--- stdout:\n{}", self.stdout)
    }
}

/// Parses JSON lines into records, failing the test on any other line and
/// on any field the record types do not know (a new field is a decision
/// recorded in PROTOCOL.md, not an accident).
pub fn parse_records(text: &str) -> Vec<Record> {
    text.lines().filter(|l| !l.trim().is_empty()).map(parse_record).collect()
}

fn parse_record(line: &str) -> Record {
    let record: Record = serde_json::from_str(line).unwrap_or_else(|e| panic!("not a record ({e}): {line}"));
    let original: serde_json::Value = serde_json::from_str(line).unwrap();
    let known = serde_json::to_value(&record).unwrap();
    for key in original.as_object().unwrap().keys() {
        assert!(known.get(key).is_some(), "unknown or null field {key:?} in {line}");
    }
    record
}

/// Runs `commands` connected by real pipes (each stdout into the next stdin),
/// feeding `input` to the first; kills them all and fails after a minute.
pub fn pipeline(commands: Vec<Command>, input: Option<Vec<u8>>) -> Run {
    Running::spawn(commands, input).wait()
}

/// A pipeline that was started and has not been waited for.
pub struct Running {
    children: Vec<Child>,
    names: Vec<String>,
    stderr_readers: Vec<thread::JoinHandle<Vec<u8>>>,
    stdout_reader: thread::JoinHandle<Vec<u8>>,
}

impl Running {
    /// Starts the pipeline with the first stage's stdin left open to the
    /// test, which writes what it likes and drops it to close.
    pub fn spawn_with_stdin(commands: Vec<Command>) -> (Running, std::process::ChildStdin) {
        let mut running = Running::spawn_inner(commands, None, true);
        let stdin = running.children[0].stdin.take().unwrap();
        (running, stdin)
    }

    pub fn spawn(commands: Vec<Command>, input: Option<Vec<u8>>) -> Running {
        Running::spawn_inner(commands, input, false)
    }

    fn spawn_inner(commands: Vec<Command>, input: Option<Vec<u8>>, open: bool) -> Running {
        let mut children: Vec<Child> = Vec::new();
        let mut stderr_readers = Vec::new();
        let mut names = Vec::new();
        for (i, mut cmd) in commands.into_iter().enumerate() {
            names.push(Path::new(cmd.get_program()).file_name().unwrap().to_string_lossy().into_owned());
            let stdin = match children.last_mut() {
                Some(prev) => Stdio::from(prev.stdout.take().unwrap()),
                None if input.is_some() || open => Stdio::piped(),
                None => Stdio::null(),
            };
            cmd.stdin(stdin).stdout(Stdio::piped()).stderr(Stdio::piped());
            let mut child =
                cmd.spawn().unwrap_or_else(|e| panic!("cannot start {:?}: {e}", cmd.get_program()));
            stderr_readers.push(read_all(child.stderr.take().unwrap()));
            if i == 0 {
                if let Some(bytes) = input.clone() {
                    let mut stdin = child.stdin.take().unwrap();
                    thread::spawn(move || {
                        let _ = stdin.write_all(&bytes);
                    });
                }
            }
            children.push(child);
        }
        let stdout_reader = read_all(children.last_mut().unwrap().stdout.take().unwrap());
        Running { children, names, stderr_readers, stdout_reader }
    }

    /// The process ids, in pipeline order.
    pub fn pids(&self) -> Vec<u32> {
        self.children.iter().map(Child::id).collect()
    }

    /// Waits for every stage (a minute at most, then kills them and fails).
    pub fn wait(mut self) -> Run {
        let deadline = Instant::now() + PIPELINE_TIMEOUT;
        let mut statuses: Vec<Option<ExitStatus>> = vec![None; self.children.len()];
        while statuses.iter().any(Option::is_none) {
            for (c, s) in self.children.iter_mut().zip(statuses.iter_mut()) {
                if s.is_none() {
                    *s = c.try_wait().unwrap();
                }
            }
            if Instant::now() > deadline {
                for c in &mut self.children {
                    let _ = c.kill();
                }
                panic!("the pipeline {:?} did not end within {PIPELINE_TIMEOUT:?}", self.names);
            }
            thread::sleep(Duration::from_millis(5));
        }
        let stages = self
            .names
            .into_iter()
            .zip(statuses)
            .zip(self.stderr_readers)
            .map(|((program, status), r)| Stage {
                program,
                status: status.unwrap(),
                stderr: String::from_utf8_lossy(&r.join().unwrap()).into_owned(),
            })
            .collect();
        let stdout = String::from_utf8_lossy(&self.stdout_reader.join().unwrap()).into_owned();
        Run { stages, stdout }
    }
}

fn read_all(mut r: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        buf
    })
}
