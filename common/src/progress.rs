//! A stage's progress, and the one display of a pipeline. A stage counts
//! its items and bytes through a [`Reporter`]; what happens to the counts
//! depends on where its stdout goes ([`Role`]):
//!
//! - stdout a pipe: the stage is in the middle of a pipeline. It writes its
//!   own `progress` records (at most ten a second, and a last one with
//!   `finished` before its `end`) and passes upstream ones on, so the last
//!   stage sees them all.
//! - stdout anything else (a terminal, a file, `/dev/null`): the stage is
//!   the end of the pipeline and the drawer. It writes no `progress` records
//!   and consumes the upstream ones; when stderr is a terminal (and
//!   `--progress never` does not say otherwise) it draws every stage's line
//!   with indicatif on stderr ([`display`]), else nothing. A stage with no
//!   downstream stage (wheel-unpack) is the drawer wherever its stdout
//!   goes, and `--progress always` makes any stage one.
//!
//! A stage counts `unit`s (`wheels`); while its input is open, its total is
//! at least that of an upstream stage counting the same unit, so its bar is
//! not full while the items before it are still coming.

mod display;

use std::io::IsTerminal;
use std::ops::Deref;
use std::sync::{Arc, Mutex, Weak};
use std::thread;
use std::time::{Duration, Instant};

use crate::records::{Message, Progress as ProgressRecord, Record};
use display::Display;

/// The shortest time between two `progress` records of one stage.
pub const INTERVAL: Duration = Duration::from_millis(100);

/// What a stage does with progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// stdout is a pipe: write `progress` records, pass upstream ones on.
    Forward,
    /// The last stage with stderr a terminal: draw every stage's line.
    Draw,
    /// The last stage with nothing to draw on (or told to be quiet):
    /// consume upstream `progress` records and show nothing.
    Silent,
}

/// `--progress`: when a stage draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// When the stage ends the pipeline and stderr is a terminal.
    Auto,
    /// Whenever stderr is a terminal, even with stdout a pipe (into `jq`,
    /// `tee`): the stage then writes no `progress` records.
    Always,
    /// Never (a middle stage still writes its records for the next one).
    Never,
}

impl Mode {
    /// `auto`, `always` or `never` (`off` and `0` are `never`).
    pub fn parse(text: &str) -> Option<Mode> {
        match text.trim() {
            "auto" => Some(Mode::Auto),
            "always" | "on" => Some(Mode::Always),
            "never" | "off" | "0" => Some(Mode::Never),
            _ => None,
        }
    }
}

impl Role {
    /// The role from `mode`, where stdout and stderr go, and whether the
    /// stage `ends_pipeline` (has no downstream stage: its records are for
    /// people or files, never for another stage's display).
    pub fn detect(mode: Mode, ends_pipeline: bool) -> Role {
        let forwards = stdout_is_pipe() && !ends_pipeline && mode != Mode::Always;
        if forwards {
            Role::Forward
        } else if mode != Mode::Never && std::io::stderr().is_terminal() {
            Role::Draw
        } else {
            Role::Silent
        }
    }
}

/// Whether to colour text for a stream that `is_terminal` or not, as pip and
/// uv read the environment: `NO_COLOR` (set, not empty) never, else
/// `FORCE_COLOR` (set, not empty) always, else on terminals.
pub fn colour(is_terminal: bool) -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    if set("NO_COLOR") {
        false
    } else {
        set("FORCE_COLOR") || is_terminal
    }
}

/// True when stdout is a pipe or a socket: a next stage may read it.
pub fn stdout_is_pipe() -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::FileTypeExt;
    let Ok(fd) = std::io::stdout().as_fd().try_clone_to_owned() else { return false };
    std::fs::File::from(fd).metadata().is_ok_and(|m| m.file_type().is_fifo() || m.file_type().is_socket())
}

/// What one stage has counted.
#[derive(Default)]
struct State {
    done: u64,
    total: u64,
    bytes_done: u64,
    bytes_total: u64,
    /// True once a byte count is known (else the record has no `bytes_total`).
    sized: bool,
    active: Vec<(u64, String)>,
    next_id: u64,
    changed: bool,
    last_sent: Option<Instant>,
    /// The input is still open (see [`Reporter::input_open`]).
    open: bool,
    /// The largest total of an upstream stage counting the same unit.
    upstream_total: u64,
}

impl State {
    /// True once the stage counted anything (a stage that only passes
    /// upstream progress on gets no line of its own).
    fn started(&self) -> bool {
        self.total > 0 || self.done > 0 || !self.active.is_empty()
    }

    fn record(&self, tool: &str, unit: &str, finished: bool) -> ProgressRecord {
        let coming = if self.open { self.upstream_total } else { 0 };
        ProgressRecord {
            tool: tool.to_string(),
            unit: Some(unit.to_string()),
            done: self.done,
            total: Some(self.total.max(self.done).max(coming)),
            bytes_done: self.bytes_done,
            bytes_total: self.sized.then_some(self.bytes_total.max(self.bytes_done)),
            active: self.active.iter().map(|(_, name)| name.clone()).collect(),
            finished,
        }
    }
}

struct Shared {
    tool: &'static str,
    unit: &'static str,
    role: Role,
    state: Mutex<State>,
    display: Mutex<Option<Display>>,
}

/// A handle to a stage's counters; cheap to clone and share with workers.
#[derive(Clone)]
pub struct Reporter(Arc<Shared>);

/// The owner of a stage's progress: dropping it ends the display (the
/// cursor is shown again) on every way out, Ctrl-C included. Hand
/// [`Reporter`]s (`progress.handle()`) to threads that may outlive it.
pub struct StageProgress(Reporter);

/// How a run ended, for the last drawing of its lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every line ends as a summary of what its stage did.
    Complete,
    /// Lines whose stage did not finish say where it stopped; none claims
    /// a finished stage.
    Failed,
    /// Ctrl-C: the lines go.
    Interrupted,
}

/// The display drawing now, for [`suspend`].
static CURRENT: Mutex<Option<Weak<Shared>>> = Mutex::new(None);

/// Runs `f` (which prints) with the display of this process, if one is
/// drawing, out of the way.
pub fn suspend<R>(f: impl FnOnce() -> R) -> R {
    let current = CURRENT.lock().unwrap().as_ref().and_then(Weak::upgrade);
    match current {
        Some(shared) => Reporter(shared).suspend(f),
        None => f(),
    }
}

/// Closes the display of this process, if one is drawing (a tool ending
/// from a signal-watching thread).
pub fn close_current(outcome: Outcome) {
    let current = CURRENT.lock().unwrap().as_ref().and_then(Weak::upgrade);
    if let Some(shared) = current {
        StageProgress(Reporter(shared)).close(outcome);
    }
}

impl StageProgress {
    /// The progress of `tool` in `role`, counting `items`.
    pub fn new(tool: &'static str, role: Role) -> StageProgress {
        StageProgress::counting(tool, "items", role)
    }

    /// The progress of `tool`, which counts `unit`s (`wheels`), in `role`.
    pub fn counting(tool: &'static str, unit: &'static str, role: Role) -> StageProgress {
        let display = (role == Role::Draw).then(|| Display::new(tool));
        let shared =
            Arc::new(Shared { tool, unit, role, state: Mutex::default(), display: Mutex::new(display) });
        if role == Role::Draw {
            *CURRENT.lock().unwrap() = Some(Arc::downgrade(&shared));
            let weak = Arc::downgrade(&shared);
            thread::spawn(move || draw_own_line(weak));
        }
        StageProgress(Reporter(shared))
    }

    pub fn handle(&self) -> Reporter {
        self.0.clone()
    }

    /// Ends the display now, as `outcome` says, and shows the cursor. Later
    /// calls and the drop do nothing more.
    pub fn close(&self, outcome: Outcome) {
        let shared = &self.0 .0;
        let display = shared.display.lock().unwrap().take();
        if let Some(display) = display {
            let state = shared.state.lock().unwrap();
            if state.started() && outcome == Outcome::Complete {
                display.update(&state.record(shared.tool, shared.unit, true));
            }
            drop(state);
            display.close(outcome);
        }
    }
}

impl Deref for StageProgress {
    type Target = Reporter;
    fn deref(&self) -> &Reporter {
        &self.0
    }
}

impl Drop for StageProgress {
    fn drop(&mut self) {
        // A run cut short by Ctrl-C or a panic leaves no half-drawn lines;
        // a run that ends well closes with `Complete` before this.
        let interrupted = crate::signals::interrupted() || thread::panicking();
        self.close(if interrupted { Outcome::Interrupted } else { Outcome::Failed });
    }
}

/// The drawer's own line, redrawn ten times a second until the stage ends.
fn draw_own_line(shared: Weak<Shared>) {
    loop {
        thread::sleep(INTERVAL);
        let Some(shared) = shared.upgrade() else { return };
        let record = {
            let state = shared.state.lock().unwrap();
            if !state.started() {
                continue;
            }
            state.record(shared.tool, shared.unit, false)
        };
        let display = shared.display.lock().unwrap();
        match display.as_ref() {
            Some(display) => display.update(&record),
            None => return,
        }
    }
}

impl Reporter {
    pub fn role(&self) -> Role {
        self.0.role
    }

    fn change(&self, f: impl FnOnce(&mut State)) {
        let mut state = self.0.state.lock().unwrap();
        f(&mut state);
        state.changed = true;
    }

    /// `items` more to do, of `bytes` bytes (the sizes known so far).
    pub fn expect(&self, items: u64, bytes: Option<u64>) {
        self.change(|s| {
            s.total += items;
            if let Some(b) = bytes {
                s.bytes_total += b;
                s.sized = true;
            }
        })
    }

    /// Work on `name` starts; `size` is its size when already counted by
    /// [`Reporter::expect`]. The item leaves the active list when dropped.
    pub fn begin(&self, name: &str, size: Option<u64>) -> Item {
        let mut state = self.0.state.lock().unwrap();
        let id = state.next_id;
        state.next_id += 1;
        state.active.push((id, name.to_string()));
        state.changed = true;
        Item { reporter: self.clone(), id, bytes: Mutex::new(ItemBytes { size, pos: 0, counted: 0 }) }
    }

    /// Whether the stage's input is still open: while it is, the stage's
    /// total follows upstream stages counting the same unit.
    pub fn input_open(&self, open: bool) {
        self.change(|s| s.open = open);
    }

    /// Handles an upstream line the stage does not own: `true` when it was a
    /// `progress` record that this stage draws or drops, or a `message` it
    /// printed by `relay` (the console's, [`crate::stage::pass_on`]);
    /// `false` when the caller must pass the line on.
    pub fn upstream(&self, line: &str, relay: impl FnOnce(&Message)) -> bool {
        let progress = line.contains("\"progress\"");
        if !progress && !line.contains("\"message\"") {
            return false;
        }
        let Ok(record) = serde_json::from_str::<Record>(line) else { return false };
        match record {
            Record::Progress(p) => {
                if p.tool != self.0.tool && p.unit.as_deref() == Some(self.0.unit) {
                    let total = p.total.unwrap_or(0);
                    self.change(|s| s.upstream_total = s.upstream_total.max(total));
                }
                if self.0.role == Role::Forward {
                    return false;
                }
                if let Some(display) = self.0.display.lock().unwrap().as_ref() {
                    display.update(&p);
                }
                true
            }
            Record::Message(m) if self.0.role != Role::Forward => {
                relay(&m);
                true
            }
            _ => false,
        }
    }

    /// The record to write now, when this stage forwards, something changed
    /// and the last one is at least [`INTERVAL`] old.
    pub fn record(&self) -> Option<Record> {
        if self.0.role != Role::Forward {
            return None;
        }
        let mut state = self.0.state.lock().unwrap();
        let now = Instant::now();
        if !state.changed || state.last_sent.is_some_and(|t| now.duration_since(t) < INTERVAL) {
            return None;
        }
        state.changed = false;
        state.last_sent = Some(now);
        Some(Record::Progress(state.record(self.0.tool, self.0.unit, false)))
    }

    /// The last record, `finished`, to write just before `end`, when this
    /// stage forwards.
    pub fn last_record(&self) -> Option<Record> {
        self.closing_record(true)
    }

    /// The last record before `end`, when this stage forwards: `finished`
    /// when the stage ended well (`ok`), else the final counts of a stage
    /// that stopped, which the display must not draw as complete.
    pub fn closing_record(&self, ok: bool) -> Option<Record> {
        (self.0.role == Role::Forward)
            .then(|| Record::Progress(self.0.state.lock().unwrap().record(self.0.tool, self.0.unit, ok)))
    }

    /// Runs `f` (which prints to stderr) with the display out of the way.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match self.0.display.lock().unwrap().as_ref() {
            Some(display) => display.suspend(f),
            None => f(),
        }
    }
}

/// One item being worked on: its bytes as they come. Shared by reference
/// between the threads of one split download.
pub struct Item {
    reporter: Reporter,
    id: u64,
    bytes: Mutex<ItemBytes>,
}

struct ItemBytes {
    size: Option<u64>,
    /// Bytes of the current attempt.
    pos: u64,
    /// Bytes added to the stage's count (never taken back, so the count
    /// only grows, however often a transfer starts over).
    counted: u64,
}

impl Item {
    /// `n` more bytes arrived.
    pub fn add(&self, n: u64) {
        let mut b = self.bytes.lock().unwrap();
        b.pos += n;
        if b.pos > b.counted {
            let more = b.pos - b.counted;
            b.counted = b.pos;
            drop(b);
            self.reporter.change(|s| s.bytes_done += more);
        }
    }

    /// The transfer starts over from byte 0.
    pub fn restart(&self) {
        self.bytes.lock().unwrap().pos = 0;
    }

    /// The item's size, learned late (a plain URL's `Content-Length`).
    pub fn sized(&self, size: u64) {
        let mut b = self.bytes.lock().unwrap();
        if b.size.is_none() {
            b.size = Some(size);
            drop(b);
            self.reporter.change(|s| {
                s.bytes_total += size;
                s.sized = true;
            });
        }
    }

    /// The item is finished, `len` bytes long: a file found in a cache
    /// counts all its bytes at once, and the item leaves the active list.
    /// Call it once (it takes `&self`: the connections of one download
    /// share the item).
    pub fn done(&self, len: u64) {
        let id = self.id;
        let (size, counted) = {
            let b = self.bytes.lock().unwrap();
            (b.size, b.counted)
        };
        self.reporter.change(|s| {
            match size {
                Some(size) => s.bytes_total = (s.bytes_total + len).saturating_sub(size),
                None => s.bytes_total += len,
            }
            s.sized |= len > 0 || size.is_some();
            s.bytes_done += len.saturating_sub(counted);
            s.done += 1;
            s.active.retain(|(i, _)| *i != id);
        });
    }
}

impl Drop for Item {
    fn drop(&mut self) {
        let id = self.id;
        self.reporter.change(|s| s.active.retain(|(i, _)| *i != id));
    }
}

#[cfg(test)]
#[path = "progress/tests.rs"]
mod tests;
