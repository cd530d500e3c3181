//! The drawing of a pipeline's progress on stderr with indicatif: one line a
//! stage in the order the stages first report (bytes, rate and ETA when the
//! stage counts bytes, else items), with up to [`ACTIVE_LINES`] lines under
//! it naming what it works on now. The cursor is hidden while drawing and
//! shown again by [`Display::close`]. `NO_COLOR` turns colours off.

use std::io::Write;
use std::sync::Mutex;

use indicatif::{HumanBytes, MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::records::Progress;

/// Lines naming active items under a stage's line, at most.
pub const ACTIVE_LINES: usize = 3;

const HIDE_CURSOR: &str = "\x1b[?25l";
const SHOW_CURSOR: &str = "\x1b[?25h";

/// How a stage's line is drawn.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Bytes of a known total: a bar, rate and ETA.
    Bytes,
    /// Bytes, no total known yet: a count and a rate.
    BytesSoFar,
    /// Items only.
    Items,
}

const CYAN: &str = "\x1b[36;1m";
const GREEN: &str = "\x1b[32;1m";

struct StageLines {
    tool: String,
    main: ProgressBar,
    kind: Option<Kind>,
    active: Vec<ProgressBar>,
    finished: bool,
}

pub struct Display {
    multi: MultiProgress,
    stages: Mutex<Vec<StageLines>>,
    color: bool,
}

impl Display {
    pub fn new() -> Display {
        let _ = std::io::stderr().write_all(HIDE_CURSOR.as_bytes());
        let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Display {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(10)),
            stages: Mutex::default(),
            color,
        }
    }

    /// Draws the latest record of a stage (a new stage gets a new line).
    pub fn update(&self, p: &Progress) {
        let mut stages = self.stages.lock().unwrap();
        let index = match stages.iter().position(|s| s.tool == p.tool) {
            Some(i) => i,
            None => {
                let main = ProgressBar::hidden().with_style(self.style(Kind::Items));
                main.set_prefix(self.paint(&p.tool, CYAN));
                let main = self.multi.add(main);
                stages.push(StageLines {
                    tool: p.tool.clone(),
                    main,
                    kind: None,
                    active: Vec::new(),
                    finished: false,
                });
                stages.len() - 1
            }
        };
        let stage = &mut stages[index];
        if stage.finished {
            return;
        }
        let kind = match p.bytes_total {
            Some(_) => Kind::Bytes,
            None if p.bytes_done > 0 => Kind::BytesSoFar,
            None => Kind::Items,
        };
        if stage.kind != Some(kind) {
            stage.main.set_style(self.style(kind));
            stage.kind = Some(kind);
        }
        let total = p.total.map_or(String::new(), |t| format!("/{t}"));
        match kind {
            Kind::Bytes | Kind::BytesSoFar => {
                stage.main.set_message(format!("{}{total} files", p.done));
                match p.bytes_total {
                    Some(t) => stage.main.set_length(t),
                    None => stage.main.unset_length(),
                }
                stage.main.set_position(p.bytes_done);
            }
            Kind::Items => {
                match p.total {
                    Some(t) => stage.main.set_length(t),
                    None => stage.main.unset_length(),
                }
                stage.main.set_position(p.done);
            }
        }
        let names = if p.finished { &[][..] } else { &p.active[..] };
        self.show_active(stage, names);
        if p.finished {
            self.summarize(stage, p);
        }
    }

    fn show_active(&self, stage: &mut StageLines, names: &[String]) {
        let wanted = names.len().min(ACTIVE_LINES);
        while stage.active.len() > wanted {
            let bar = stage.active.pop().expect("not empty");
            bar.finish_and_clear();
            self.multi.remove(&bar);
        }
        while stage.active.len() < wanted {
            let after = stage.active.last().unwrap_or(&stage.main).clone();
            let bar = self.multi.insert_after(&after, ProgressBar::hidden());
            bar.set_style(ProgressStyle::with_template("{prefix:>14} {wide_msg}").expect("a valid template"));
            stage.active.push(bar);
        }
        for (i, bar) in stage.active.iter().enumerate() {
            let more = names.len() - wanted;
            let text = if i + 1 == wanted && more > 0 {
                format!("{} (and {more} more)", names[i])
            } else {
                names[i].clone()
            };
            bar.set_message(text);
        }
    }

    /// Turns a stage's line into what it did: `3 files, 8.58 MiB in 0.7s (12.26 MiB/s)`.
    fn summarize(&self, stage: &mut StageLines, p: &Progress) {
        let took = stage.main.elapsed();
        let what = match p.bytes_total {
            Some(_) => {
                let rate = p.bytes_done as f64 / took.as_secs_f64().max(0.001);
                format!(
                    "{} files, {} in {:.1}s ({}/s)",
                    p.done,
                    HumanBytes(p.bytes_done),
                    took.as_secs_f64(),
                    HumanBytes(rate as u64)
                )
            }
            None => format!("{} of {} in {:.1}s", p.done, p.total.unwrap_or(p.done), took.as_secs_f64()),
        };
        let style = ProgressStyle::with_template("{prefix:>14} {msg}").expect("a valid template");
        stage.main.set_style(style);
        stage.main.set_prefix(self.paint(&p.tool, GREEN));
        stage.main.finish_with_message(what);
        stage.finished = true;
    }

    /// `text` in a colour, unless `NO_COLOR` (by hand: indicatif's own
    /// colours follow stdout, which is not where the lines go).
    fn paint(&self, text: &str, colour: &str) -> String {
        if self.color {
            format!("{colour}{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn style(&self, kind: Kind) -> ProgressStyle {
        let template = match kind {
            Kind::Bytes => {
                "{prefix:>14} [{bar:24}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta} {msg}"
            }
            Kind::BytesSoFar => "{prefix:>14} {spinner} {bytes} {binary_bytes_per_sec} {msg}",
            Kind::Items => "{prefix:>14} [{bar:24}] {pos}/{len} {msg}",
        };
        ProgressStyle::with_template(template).expect("a valid template").progress_chars("=> ")
    }

    /// Runs `f` with the lines cleared, then draws them again.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.multi.suspend(f)
    }

    /// Ends the drawing: each stage's last line stays (`keep`) or goes, the
    /// lines of active items go, and the cursor is shown again.
    pub fn close(self, keep: bool) {
        for stage in self.stages.lock().unwrap().iter() {
            for bar in &stage.active {
                bar.finish_and_clear();
                self.multi.remove(bar);
            }
            if keep {
                stage.main.finish();
            } else {
                stage.main.finish_and_clear();
            }
        }
        // Dropping `self` now shows the cursor.
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        // After `close`, or on a panic on the way.
        let mut err = std::io::stderr();
        let _ = err.write_all(SHOW_CURSOR.as_bytes());
        let _ = err.flush();
    }
}
