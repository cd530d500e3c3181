//! What the last stage shows a person when its stdout is a terminal, in
//! place of `installed`, `removed`, `satisfied` and `end` records (as uv
//! does): a one-line summary for each kind of change, then one line per
//! distribution, sorted by name:
//!
//! ```text
//! Installed 2 packages in 0.31s
//! 1 package already satisfied
//!  - django==5.1.0
//!  + django==5.2.8
//!  + asgiref==3.8.1
//! ```
//!
//! Nothing is shown when the `end` said the run failed (the error was).
//! An `artifact` record becomes a pin at once, `django==5.2.8` (with the
//! file's path once wheel-fetch set it), so `wheel-resolve requirements.txt`
//! on a terminal reads like a pinned requirements file. An `index` record
//! (settings for later stages) and a `hint` record (for a downstream
//! wheel-fetch only) are not shown. Other records are written as they are;
//! `--json` keeps every record ([`crate::runtime`]).

use std::time::Instant;

use serde_json::Value;

/// The records a summary stands for, gathered until the end.
pub struct Summary {
    started: Instant,
    installed: Vec<(String, String)>,
    removed: Vec<(String, String)>,
    satisfied: usize,
    ok: bool,
    /// True once a record this summary stands for came (a stage that
    /// writes none, such as wheel-fetch, shows no summary).
    seen: bool,
    colour: bool,
}

impl Default for Summary {
    fn default() -> Summary {
        use std::io::IsTerminal;
        Summary {
            started: Instant::now(),
            installed: Vec::new(),
            removed: Vec::new(),
            satisfied: 0,
            ok: false,
            seen: false,
            colour: crate::progress::colour(std::io::stdout().is_terminal()),
        }
    }
}

fn plural(n: usize) -> String {
    format!("{n} package{}", if n == 1 { "" } else { "s" })
}

impl Summary {
    /// What a person sees of a record line: nothing now (`Some("")`: the
    /// summary stands for it), a line of text, or `None`: the record as it is.
    pub fn show(&mut self, line: &str) -> Option<String> {
        let value = serde_json::from_str::<Value>(line).ok()?;
        if value.get("type").and_then(Value::as_str) != Some("artifact") {
            return self.take(line).then(String::new);
        }
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_string);
        let pin = format!("{}=={}", text("name")?, text("version")?);
        Some(match text("path") {
            Some(path) => format!("{pin}  {path}"),
            None => pin,
        })
    }

    /// Takes a record line: true when the summary stands for it (it is not
    /// to be written), false for a record to write as it is.
    pub fn take(&mut self, line: &str) -> bool {
        let Ok(value) = serde_json::from_str::<Value>(line) else { return false };
        let text = |key: &str| value.get(key).and_then(Value::as_str).unwrap_or("?").to_string();
        let kind = value.get("type").and_then(Value::as_str);
        self.seen |= matches!(kind, Some("installed" | "removed" | "satisfied"));
        match kind {
            Some("installed") => self.installed.push((text("name"), text("version"))),
            Some("removed") => self.removed.push((text("name"), text("version"))),
            Some("satisfied") => self.satisfied += 1,
            Some("end") => self.ok = value.get("ok").and_then(Value::as_bool).unwrap_or(false),
            // Settings and hints for the stages after, nothing for a person.
            Some("progress" | "index" | "hint" | "arriving") => {}
            _ => return false,
        }
        true
    }

    /// The lines to show, none when the run did not end well or wrote no
    /// record the summary stands for.
    pub fn lines(&self) -> Vec<String> {
        if !self.ok || !self.seen {
            return Vec::new();
        }
        let took = self.started.elapsed().as_secs_f64();
        let mut lines = Vec::new();
        if !self.removed.is_empty() {
            lines.push(format!("Removed {} in {took:.2}s", plural(self.removed.len())));
        }
        if !self.installed.is_empty() {
            lines.push(format!("Installed {} in {took:.2}s", plural(self.installed.len())));
        }
        if self.satisfied > 0 {
            lines.push(format!("{} already satisfied", plural(self.satisfied)));
        }
        let mut changes: Vec<(&str, bool, &str)> = Vec::new();
        changes.extend(self.removed.iter().map(|(n, v)| (n.as_str(), false, v.as_str())));
        changes.extend(self.installed.iter().map(|(n, v)| (n.as_str(), true, v.as_str())));
        changes.sort_by_key(|(name, added, _)| (crate::names::normalize(name), *added));
        for (name, added, version) in changes {
            let (sign, colour) = if added { ('+', "32;1") } else { ('-', "31;1") };
            let sign = if self.colour { format!("\x1b[{colour}m{sign}\x1b[0m") } else { sign.to_string() };
            lines.push(format!(" {sign} {name}=={version}"));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(lines: &[&str]) -> Vec<String> {
        let mut s = Summary { colour: false, ..Summary::default() };
        for line in lines {
            assert!(s.take(line), "{line}");
        }
        s.lines().into_iter().map(|l| l.split(" in ").next().unwrap().to_string()).collect()
    }

    #[test]
    fn a_summary_then_changes_sorted_by_name_removals_first() {
        let got = summary(&[
            r#"{"type":"installed","name":"Django","version":"5.2.8","files":3,"how":"link"}"#,
            r#"{"type":"removed","name":"django","version":"5.1.0"}"#,
            r#"{"type":"installed","name":"asgiref","version":"3.8.1","files":3,"how":"link"}"#,
            r#"{"type":"satisfied","name":"six","version":"1.16.0","location":"/v"}"#,
            r#"{"type":"end","tool":"wheel-unpack","ok":true,"count":2}"#,
        ]);
        let want = [
            "Removed 1 package",
            "Installed 2 packages",
            "1 package already satisfied",
            " + asgiref==3.8.1",
            " - django==5.1.0",
            " + Django==5.2.8",
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn a_failed_end_shows_nothing_and_other_records_are_written() {
        let mut s = Summary::default();
        assert!(!s.take(r#"{"type":"artifact","name":"a"}"#));
        assert!(!s.take("not json"));
        assert!(s.take(r#"{"type":"installed","name":"a","version":"1","files":1,"how":"copy"}"#));
        assert!(s.take(r#"{"type":"end","tool":"t","ok":false,"count":0}"#));
        assert!(s.lines().is_empty());
        let mut s = Summary::default();
        assert!(s.take(r#"{"type":"end","tool":"wheel-fetch","ok":true,"count":3}"#));
        assert!(s.lines().is_empty(), "no summary for a stage that installs nothing");
    }

    #[test]
    fn an_artifact_is_shown_as_a_pin_with_its_path_once_fetched() {
        let mut s = Summary::default();
        let artifact = r#"{"type":"artifact","name":"six","version":"1.16.0","filename":"f","url":"u"}"#;
        assert_eq!(s.show(artifact).as_deref(), Some("six==1.16.0"));
        let fetched = artifact.replace(r#""url":"u""#, r#""url":"u","path":"/c/six.whl""#);
        assert_eq!(s.show(&fetched).as_deref(), Some("six==1.16.0  /c/six.whl"));
        assert_eq!(s.show(r#"{"type":"end","tool":"t","ok":true,"count":1}"#).as_deref(), Some(""));
        assert_eq!(s.show(r#"{"type":"metadata","name":"six"}"#), None, "other records are written");
        let hint = r#"{"type":"hint","name":"six","version":"1.16.0","filename":"f","url":"u"}"#;
        assert_eq!(s.show(hint).as_deref(), Some(""), "a hint is for a fetch, not for a person");
    }
}
