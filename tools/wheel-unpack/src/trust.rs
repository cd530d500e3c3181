//! The verdict on a wheel whose files do not all match its own RECORD. pip
//! and uv install such published wheels; so does wheel-unpack when the
//! wheel's sha256 is the one the index or lock gave (then it is exactly the
//! file its publisher uploaded), with a warning. Without such a hash it is
//! refused, naming `--no-verify-record` and the wheels that require it.

use std::fmt;

use crate::job::{Staged, Warn};

/// A wheel refused because files do not match its RECORD and nothing
/// vouches for it.
#[derive(Debug)]
pub struct Untrusted {
    pub name: String,
    pub version: String,
    pub mismatched: Vec<String>,
    pub requested: bool,
    /// The distributions of the set that require it (`name version`).
    pub required_by: Vec<String>,
}

impl fmt::Display for Untrusted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let who = if !self.required_by.is_empty() {
            format!("required by {}", self.required_by.join(", "))
        } else if self.requested {
            "requested directly".to_string()
        } else {
            "a dependency of the set".to_string()
        };
        write!(
            f,
            "{} {} ({who}): {}; no sha256 from an index or lock says it is the file its publisher \
             uploaded (corrupt or tampered wheel?); install it anyway with --no-verify-record",
            self.name,
            self.version,
            mismatch_text(&self.mismatched)
        )
    }
}

impl std::error::Error for Untrusted {}

fn mismatch_text(files: &[String]) -> String {
    let shown: Vec<&str> = files.iter().take(3).map(String::as_str).collect();
    let more = files.len().saturating_sub(shown.len());
    let more = if more > 0 { format!(" and {more} more") } else { String::new() };
    let (n, s) = (files.len(), if files.len() == 1 { "" } else { "s" });
    format!("the hashes in its RECORD do not match {n} file{s} ({}{more})", shown.join(", "))
}

/// Judges a staged wheel with `mismatched` files: `vouched` when its sha256
/// is the one the record (from the index or a lock) gave.
pub fn judge(
    (name, version): (&str, &str),
    mismatched: Vec<String>,
    requested: bool,
    vouched: bool,
    warn: &Warn,
) -> Result<(), Untrusted> {
    if vouched {
        warn(format!(
            "{name} {version}: {}; installed all the same, as pip does: the wheel's sha256 is the one \
             the index or lock gave, so it is the file its publisher uploaded",
            mismatch_text(&mismatched)
        ));
        return Ok(());
    }
    let (name, version) = (name.to_string(), version.to_string());
    Err(Untrusted { name, version, mismatched, requested, required_by: Vec::new() })
}

/// Adds to a refusal the wheels of the set that require the refused one.
pub fn name_dependents(err: &mut anyhow::Error, staged: &[Staged]) {
    let Some(u) = err.downcast_mut::<Untrusted>() else { return };
    let key = wheelpipe::names::normalize(&u.name);
    let mut by: Vec<String> = staged
        .iter()
        .filter(|s| s.requires.contains(&key))
        .map(|s| format!("{} {}", s.name, s.version))
        .collect();
    by.sort();
    u.required_by = by;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vouched_wheel_warns_and_another_is_refused_with_the_way_out() {
        let said = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let heard = std::sync::Arc::clone(&said);
        let warn = move |m: String| heard.lock().unwrap().push(m);
        let files = || vec!["a.py".to_string()];
        assert!(judge(("ygg", "2.0"), files(), false, true, &warn).is_ok());
        assert!(said.lock().unwrap()[0].contains("do not match 1 file (a.py)"), "{:?}", said.lock().unwrap());
        let mut err = judge(("ygg", "2.0"), files(), false, false, &warn).unwrap_err();
        err.required_by = vec!["UnleashClient 5.0".into()];
        let text = err.to_string();
        assert!(
            text.contains("required by UnleashClient 5.0") && text.contains("--no-verify-record"),
            "{text}"
        );
        let many: Vec<String> = (0..5).map(|i| format!("f{i}")).collect();
        assert!(mismatch_text(&many).ends_with("(f0, f1, f2 and 2 more)"));
    }
}
