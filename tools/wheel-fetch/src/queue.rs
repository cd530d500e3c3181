//! The jobs waiting for a worker. Files the cache already has go first: they
//! cost nothing and let the next stage start at once. Then the big downloads
//! (at least a quarter of the split size), largest first, so the biggest wheel never
//! starts last and the set is bound by the link, not by one slow transfer at
//! the end. Then the others, smallest first: while the big ones stream, the
//! small ones finish one after another and the next stage (unpacking) works
//! from the start instead of waiting for a crowd of half-done files. Among
//! equals, the order of arrival.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering as AtomicOrdering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use crate::input::Job;

/// What [`JobQueue::pop`] found.
pub enum Pop {
    Job(Box<Job>),
    /// Nothing yet; ask again (and look at the stop flag meanwhile).
    Wait,
    /// Closed and empty: the worker is done.
    Done,
}

struct Pending {
    cached: bool,
    /// At least the queue's `big` size.
    big: bool,
    size: u64,
    seq: u64,
    job: Box<Job>,
}

impl Pending {
    /// Higher goes first: cached, then big by size, then small by smallness.
    fn key(&self) -> (bool, bool, u64, std::cmp::Reverse<u64>) {
        let by_size = if self.big { self.size } else { u64::MAX - self.size };
        (self.cached, self.big, by_size, std::cmp::Reverse(self.seq))
    }
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

#[derive(Default)]
struct State {
    /// Cached and big jobs.
    heap: BinaryHeap<Pending>,
    /// The other jobs, smallest first.
    small: BinaryHeap<Pending>,
    seq: u64,
    closed: bool,
}

impl State {
    fn is_empty(&self) -> bool {
        self.heap.is_empty() && self.small.is_empty()
    }

    /// The next job for a worker of `lane`: a cached one first, then one
    /// of its lane, then any.
    fn pop(&mut self, lane: Lane) -> Option<Pending> {
        let cached = self.heap.peek().is_some_and(|p| p.cached);
        match lane {
            Lane::Big => self.heap.pop().or_else(|| self.small.pop()),
            Lane::Small if cached => self.heap.pop(),
            Lane::Small => self.small.pop().or_else(|| self.heap.pop()),
        }
    }
}

/// Which jobs a worker takes first. Half the connections take the big
/// downloads (they keep the link full) and half the small ones (each is
/// mostly the wait for its answer): the small ones' waits overlap the big
/// ones' bytes, instead of all coming at the end with the link idle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lane {
    Big,
    Small,
}

impl Lane {
    /// The lane of worker `i` of `n`: the first half (at least one) big.
    pub fn of(i: usize, n: usize) -> Lane {
        if i < n.div_ceil(2) {
            Lane::Big
        } else {
            Lane::Small
        }
    }
}

/// A priority queue shared by the reader (which pushes) and the workers.
#[derive(Default)]
pub struct JobQueue {
    state: Mutex<State>,
    ready: Condvar,
    /// Downloads of at least this many bytes go first, largest first.
    big: u64,
    /// Jobs popped and not yet [`JobQueue::finished`].
    running: AtomicUsize,
    /// The known sizes of the queued jobs, summed.
    queued_bytes: AtomicU64,
}

impl JobQueue {
    /// A queue that starts downloads of `big` bytes or more first.
    pub fn new(big: u64) -> JobQueue {
        JobQueue { big, ..JobQueue::default() }
    }

    /// Queues jobs that arrived together, under one lock, so a waiting
    /// worker picks the best of them, not the first; `cached` is true for a
    /// job whose file is already in the store.
    pub fn push_all(&self, jobs: Vec<(Job, bool)>) {
        let mut state = self.state.lock().unwrap();
        for (job, cached) in jobs {
            // An unknown size counts as small: most files are.
            let size = job.artifact.size.unwrap_or(0);
            let big = job.artifact.size.is_some_and(|s| s >= self.big);
            let seq = state.seq;
            state.seq += 1;
            if !cached {
                self.queued_bytes.fetch_add(size, AtomicOrdering::Relaxed);
            }
            let pending = Pending { cached, big, size, seq, job: Box::new(job) };
            if cached || big {
                state.heap.push(pending);
            } else {
                state.small.push(pending);
            }
        }
        self.ready.notify_all();
    }

    /// No more jobs will come.
    pub fn close(&self) {
        self.state.lock().unwrap().closed = true;
        self.ready.notify_all();
    }

    /// The best job for `lane`, waiting up to `wait` for one.
    pub fn pop(&self, wait: Duration, lane: Lane) -> Pop {
        let mut state = self.state.lock().unwrap();
        if state.is_empty() && !state.closed {
            state = self.ready.wait_timeout(state, wait).unwrap().0;
        }
        match state.pop(lane) {
            Some(p) => {
                self.running.fetch_add(1, AtomicOrdering::Relaxed);
                if !p.cached {
                    self.queued_bytes.fetch_sub(p.size, AtomicOrdering::Relaxed);
                }
                Pop::Job(p.job)
            }
            None if state.closed => Pop::Done,
            None => Pop::Wait,
        }
    }
}

impl JobQueue {
    /// A job [`JobQueue::pop`] gave is done.
    pub fn finished(&self) {
        self.running.fetch_sub(1, AtomicOrdering::Relaxed);
    }

    /// The known sizes of the jobs waiting, summed.
    pub fn queued_bytes(&self) -> u64 {
        self.queued_bytes.load(AtomicOrdering::Relaxed)
    }

    /// Jobs being worked on: a running download may still be shared.
    pub fn running(&self) -> usize {
        self.running.load(AtomicOrdering::Relaxed)
    }
}

/// Closes the queue when dropped, so workers end even if the reader fails.
pub struct CloseOnDrop(pub std::sync::Arc<JobQueue>);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        self.0.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::job_from_url;

    fn job(name: &str, size: Option<u64>) -> Job {
        let mut job = job_from_url(&format!("http://127.0.0.1/{name}-1.0-py3-none-any.whl")).unwrap();
        job.artifact.size = size;
        job
    }

    fn order(queue: &JobQueue) -> Vec<String> {
        queue.close();
        let mut names = Vec::new();
        while let Pop::Job(j) = queue.pop(Duration::ZERO, Lane::Big) {
            names.push(j.artifact.name.clone());
        }
        names
    }

    #[test]
    fn cached_first_then_big_ones_largest_first_then_the_rest_smallest_first() {
        let queue = JobQueue::new(16 << 20);
        queue.push_all(vec![(job("small", Some(10)), false), (job("unknown", None), false)]);
        queue.push_all(vec![(job("huge", Some(700 << 20)), false), (job("hit", Some(1)), true)]);
        queue.push_all(vec![(job("mid", Some(15 << 20)), false), (job("big", Some(20 << 20)), false)]);
        queue.push_all(vec![(job("small2", Some(10)), false)]);
        assert_eq!(order(&queue), ["hit", "huge", "big", "unknown", "small", "small2", "mid"]);
    }

    #[test]
    fn the_small_lane_takes_cached_then_small_ones_then_big_ones() {
        let queue = JobQueue::new(16 << 20);
        queue.push_all(vec![(job("small", Some(10)), false), (job("huge", Some(700 << 20)), false)]);
        queue.push_all(vec![(job("hit", Some(1)), true), (job("tiny", Some(5)), false)]);
        queue.close();
        let mut names = Vec::new();
        while let Pop::Job(j) = queue.pop(Duration::ZERO, Lane::Small) {
            names.push(j.artifact.name.clone());
        }
        assert_eq!(names, ["hit", "tiny", "small", "huge"]);
        assert_eq!((Lane::of(0, 1), Lane::of(3, 8), Lane::of(4, 8)), (Lane::Big, Lane::Big, Lane::Small));
    }

    #[test]
    fn an_open_empty_queue_waits_and_a_closed_one_is_done() {
        let queue = JobQueue::default();
        assert!(matches!(queue.pop(Duration::from_millis(1), Lane::Big), Pop::Wait));
        queue.close();
        assert!(matches!(queue.pop(Duration::from_millis(1), Lane::Small), Pop::Done));
    }
}
