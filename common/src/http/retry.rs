//! The one retry policy: how long to wait before each new try (the first
//! pause, doubling, at most ten seconds; a server's `Retry-After` wins where
//! there is one) and the loop that retries a piece of work whose failure
//! may pass, a body that broke off or arrived damaged, as well as a status
//! the server may not repeat. The client's own requests, wheel-fetch's
//! downloads and parts, and the index and metadata readers all use it.

use std::time::Duration;

use super::HttpOptions;

/// The longest pause between two tries.
const MAX_PAUSE: Duration = Duration::from_secs(10);

/// One try's failure.
#[derive(Debug)]
pub enum Attempt<E> {
    /// It may work next time: a broken or damaged body, a dropped connection.
    Again(E),
    /// Trying again would not help.
    Stop(E),
    /// It may work after this pause, which the server asked for (`Retry-After`).
    After(E, Duration),
}

impl HttpOptions {
    /// The pause before try `attempt + 1` (0 after the first failure).
    pub fn backoff(&self, attempt: u32) -> Duration {
        (self.backoff * 2u32.saturating_pow(attempt)).min(MAX_PAUSE)
    }

    /// Runs `work` until it succeeds, fails with [`Attempt::Stop`], or has
    /// failed with [`Attempt::Again`] or [`Attempt::After`] `retries + 1`
    /// times (the last error is returned). Between tries, `wait` gets the
    /// pause to wait (the backoff, or what [`Attempt::After`] says); an
    /// error from it (an interruption) ends the loop.
    pub fn retry<T, E>(
        &self,
        mut wait: impl FnMut(Duration) -> Result<(), E>,
        mut work: impl FnMut(u32) -> Result<T, Attempt<E>>,
    ) -> Result<T, E> {
        let mut attempt = 0;
        loop {
            let pause = match work(attempt) {
                Ok(done) => return Ok(done),
                Err(Attempt::Stop(err)) => return Err(err),
                Err(Attempt::Again(err) | Attempt::After(err, _)) if attempt >= self.retries => {
                    return Err(err)
                }
                Err(Attempt::Again(_)) => self.backoff(attempt),
                Err(Attempt::After(_, pause)) => pause,
            };
            wait(pause)?;
            attempt += 1;
        }
    }
}

/// A plain sleep, for [`HttpOptions::retry`] where nothing can interrupt.
pub fn sleep<E>(pause: Duration) -> Result<(), E> {
    std::thread::sleep(pause);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(retries: u32) -> HttpOptions {
        HttpOptions { retries, backoff: Duration::from_millis(100), ..HttpOptions::default() }
    }

    #[test]
    fn the_pause_doubles_up_to_ten_seconds() {
        let o = options(5);
        assert_eq!(o.backoff(0), Duration::from_millis(100));
        assert_eq!(o.backoff(3), Duration::from_millis(800));
        assert_eq!(o.backoff(40), MAX_PAUSE);
    }

    #[test]
    fn again_is_retried_until_the_retries_are_spent_stop_is_not() {
        let mut waits = Vec::new();
        let mut wait = |d: Duration| -> Result<(), String> {
            waits.push(d);
            Ok(())
        };
        let out: Result<(), String> =
            options(2).retry(&mut wait, |n| Err(Attempt::Again(format!("try {n}"))));
        assert_eq!(out, Err("try 2".to_string()));
        assert_eq!(waits, [Duration::from_millis(100), Duration::from_millis(200)]);
        let mut tries = 0;
        let out: Result<(), String> = options(5).retry(sleep, |_| {
            tries += 1;
            Err(Attempt::Stop("no".to_string()))
        });
        assert_eq!((out, tries), (Err("no".to_string()), 1));
        let out: Result<u32, String> =
            options(3).retry(sleep, |n| if n < 2 { Err(Attempt::Again(String::new())) } else { Ok(n) });
        assert_eq!(out, Ok(2));
        let mut waits = Vec::new();
        let mut wait = |d: Duration| -> Result<(), String> {
            waits.push(d);
            Ok(())
        };
        let asked = Duration::from_secs(3);
        let out: Result<(), String> =
            options(1).retry(&mut wait, |_| Err(Attempt::After("busy".into(), asked)));
        assert_eq!((out, waits), (Err("busy".to_string()), vec![asked]), "the server's pause wins");
    }
}
