//! PEP 751 lock files (`pylock.toml`): [`write`] records a resolution's
//! wheels (one `[[packages]]` entry each, with URL, size and hashes), and
//! [`read`] installs from a lock without resolving: it checks the lock's
//! version, Requires-Python and environments, keeps the packages whose
//! marker holds, and picks each one's best wheel for the interpreter.

mod markers;
mod read;
mod write;

#[cfg(test)]
mod tests;

use std::path::Path;

pub use read::read;
pub use write::write;

/// The lock format this code writes, and the major version it reads.
pub const LOCK_VERSION: &str = "1.0";

/// What `created-by` says.
pub const CREATED_BY: &str = "wheel-resolve";

/// True for a file named as PEP 751 names lock files: `pylock.toml` or
/// `pylock.<name>.toml` (a name without dots).
pub fn is_lock_file(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else { return false };
    match name.strip_prefix("pylock.").and_then(|rest| rest.strip_suffix("toml")) {
        Some("") => true,
        Some(middle) => middle.strip_suffix('.').is_some_and(|n| !n.is_empty() && !n.contains('.')),
        None => false,
    }
}
