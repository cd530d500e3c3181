//! SIGINT and SIGTERM: a tool installs the handlers once, its workers poll
//! [`interrupted`] between chunks of work, clean up, and the tool exits 130.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// Catches SIGINT and SIGTERM from now on (a second call does nothing).
pub fn install() {
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            // Registration only fails for forbidden signals, which these are not.
            let _ = signal_hook::flag::register(signal, Arc::clone(&flag));
        }
        flag
    });
}

/// True once SIGINT or SIGTERM arrived.
pub fn interrupted() -> bool {
    FLAG.get().is_some_and(|f| f.load(Ordering::Relaxed))
}

/// `Err(Failure::interrupted())` once a signal arrived, for `?` in loops.
pub fn check() -> Result<(), crate::exit::Failure> {
    if interrupted() {
        Err(crate::exit::Failure::interrupted())
    } else {
        Ok(())
    }
}
