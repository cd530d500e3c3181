//! The drawing of a pipeline's progress on stderr with indicatif: one line a
//! stage in pipeline order ([`ORDER`], the drawing stage last, stages this
//! code does not know before it in the order they first report), showing
//! bytes, rate and ETA when the stage counts bytes, else its items and their
//! unit, with up to [`ACTIVE_LINES`] lines under it naming what it works on
//! now. The cursor is hidden while drawing and shown again by
//! [`Display::close`]. Colours follow [`crate::progress::colour`].

use std::io::Write;
use std::sync::Mutex;

use indicatif::{HumanBytes, MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Outcome;
use crate::records::Progress;

/// The stages in the order a pipeline runs them, so that their lines keep
/// one order from run to run, whichever reports first.
pub const ORDER: &[&str] =
    &["wheel-resolve", "wheel-meta", "wheel-fetch", "wheel-build", "wheel-unpack", "wheel-remove"];

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
    /// Items of a known total.
    Items,
    /// Items, no total known yet.
    ItemsSoFar,
}

const CYAN: &str = "\x1b[36;1m";
const GREEN: &str = "\x1b[32;1m";
const YELLOW: &str = "\x1b[33;1m";
const RED: &str = "\x1b[31;1m";

struct StageLines {
    tool: String,
    rank: (usize, usize),
    unit: String,
    main: ProgressBar,
    kind: Option<Kind>,
    active: Vec<ProgressBar>,
    finished: bool,
}

pub struct Display {
    own: &'static str,
    multi: MultiProgress,
    stages: Mutex<Vec<StageLines>>,
    color: bool,
}

impl Display {
    /// The display of the stage `own`, whose line comes last.
    pub fn new(own: &'static str) -> Display {
        let _ = std::io::stderr().write_all(HIDE_CURSOR.as_bytes());
        let color = crate::progress::colour(true);
        Display {
            own,
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
            // A stage that has nothing to count yet gets no line yet.
            None if p.done == 0 && p.total.unwrap_or(0) == 0 && p.active.is_empty() && p.bytes_done == 0 => {
                return
            }
            None => self.add_stage(&mut stages, p),
        };
        let stage = &mut stages[index];
        if stage.finished {
            return;
        }
        let kind = match p.bytes_total {
            Some(_) => Kind::Bytes,
            None if p.bytes_done > 0 => Kind::BytesSoFar,
            None if p.total.is_some_and(|t| t > 0) => Kind::Items,
            None => Kind::ItemsSoFar,
        };
        if stage.kind != Some(kind) {
            stage.main.set_style(self.style(kind));
            stage.kind = Some(kind);
        }
        if let Some(unit) = &p.unit {
            stage.unit.clone_from(unit);
        }
        let total = p.total.map_or(String::new(), |t| format!("/{t}"));
        match kind {
            Kind::Bytes | Kind::BytesSoFar => {
                stage.main.set_message(format!("{}{total} {}", p.done, stage.unit));
                match p.bytes_total {
                    Some(t) => stage.main.set_length(t),
                    None => stage.main.unset_length(),
                }
                stage.main.set_position(p.bytes_done);
            }
            Kind::Items | Kind::ItemsSoFar => {
                match p.total {
                    Some(t) => stage.main.set_length(t),
                    None => stage.main.unset_length(),
                }
                stage.main.set_position(p.done);
                stage.main.set_message(stage.unit.clone());
            }
        }
        let names = if p.finished { &[][..] } else { &p.active[..] };
        self.show_active(stage, names);
        if p.finished {
            self.summarize(stage, p);
        }
    }

    /// A line for a stage seen for the first time, in its place: pipeline
    /// order, the drawing stage last, unknown stages before it as they come.
    fn add_stage(&self, stages: &mut Vec<StageLines>, p: &Progress) -> usize {
        let known = ORDER.iter().position(|t| *t == p.tool);
        let rank = if p.tool == self.own { (2, 0) } else { known.map_or((1, stages.len()), |i| (0, i)) };
        let main = ProgressBar::hidden().with_style(self.style(Kind::Items));
        main.set_prefix(self.paint(&p.tool, CYAN));
        let index = stages.iter().position(|s| s.rank > rank).unwrap_or(stages.len());
        let main = match stages.get(index) {
            Some(next) => self.multi.insert_before(&next.main, main),
            None => self.multi.add(main),
        };
        let unit = p.unit.clone().unwrap_or_else(|| "items".to_string());
        let lines = StageLines {
            tool: p.tool.clone(),
            rank,
            unit,
            main,
            kind: None,
            active: Vec::new(),
            finished: false,
        };
        stages.insert(index, lines);
        index
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

    /// Turns a stage's line into what it did: `3 wheels, 8.58 MiB in 0.7s
    /// (12.26 MiB/s)`; a stage that did not do all it counted says
    /// `2 of 3 wheels`, in yellow, never as complete.
    fn summarize(&self, stage: &mut StageLines, p: &Progress) {
        let took = stage.main.elapsed().as_secs_f64();
        let total = p.total.unwrap_or(p.done);
        let count = if p.done < total {
            format!("{} of {total} {}", p.done, stage.unit)
        } else {
            counted(p.done, &stage.unit)
        };
        let what = match p.bytes_total {
            Some(_) => {
                let rate = HumanBytes((p.bytes_done as f64 / took.max(0.001)) as u64);
                format!("{count}, {} in {took:.1}s ({rate}/s)", HumanBytes(p.bytes_done))
            }
            None => format!("{count} in {took:.1}s"),
        };
        let colour = if p.done < total { YELLOW } else { GREEN };
        self.end_line(stage, colour, what);
    }

    /// Draws a stage's line a last time as `text`, its name in `colour`.
    fn end_line(&self, stage: &mut StageLines, colour: &str, text: String) {
        let style = ProgressStyle::with_template("{prefix:>14} {msg}").expect("a valid template");
        stage.main.set_style(style);
        stage.main.set_prefix(self.paint(&stage.tool, colour));
        stage.main.finish_with_message(text);
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
            Kind::ItemsSoFar => "{prefix:>14} {spinner} {pos} {msg}",
        };
        ProgressStyle::with_template(template).expect("a valid template").progress_chars("=> ")
    }

    /// Runs `f` with the lines cleared, then draws them again.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.multi.suspend(f)
    }

    /// Ends the drawing as `outcome` says: summaries stay, a stage that
    /// did not finish says where it stopped (after a failure) or every line
    /// goes (Ctrl-C); the lines of active items go; the cursor is shown.
    pub fn close(self, outcome: Outcome) {
        for stage in self.stages.lock().unwrap().iter_mut() {
            for bar in &stage.active {
                bar.finish_and_clear();
                self.multi.remove(bar);
            }
            match outcome {
                Outcome::Interrupted => stage.main.finish_and_clear(),
                _ if stage.finished => {}
                Outcome::Complete => stage.main.finish(),
                Outcome::Failed => {
                    let (done, total) = (stage.main.position(), stage.main.length());
                    let of = total.filter(|t| *t > 0).map_or(String::new(), |t| format!(" of {t}"));
                    let text = match stage.kind {
                        Some(Kind::Items | Kind::ItemsSoFar) | None => {
                            format!("stopped at {done}{of} {}", stage.unit)
                        }
                        Some(_) => format!(
                            "stopped at {}{}",
                            HumanBytes(done),
                            total.map_or(String::new(), |t| format!(" of {}", HumanBytes(t)))
                        ),
                    };
                    self.end_line(stage, RED, text);
                }
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

/// `n unit`, the unit made singular for one when it is a plain plural
/// (`1 wheel`, `3 wheels`; `1 pages and metadata` stays as it is).
fn counted(n: u64, unit: &str) -> String {
    match unit.strip_suffix('s') {
        Some(one) if n == 1 && !unit.contains(' ') => format!("1 {one}"),
        _ => format!("{n} {unit}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_is_counted_in_the_singular() {
        assert_eq!(super::counted(1, "wheels"), "1 wheel");
        assert_eq!(super::counted(3, "wheels"), "3 wheels");
        assert_eq!(super::counted(0, "builds"), "0 builds");
        assert_eq!(super::counted(1, "pages and metadata"), "1 pages and metadata");
    }
}
