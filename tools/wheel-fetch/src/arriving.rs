//! The `arriving` records: while a wheel downloads, which temporary file
//! holds its bytes and how many of its first bytes are written for good, so
//! that a wheel-unpack after this stage can unpack it as it comes instead of
//! after its last byte. Written only when stdout is a pipe, for wheels of a
//! known sha256 and size worth it, at most once each [`STEP`] bytes; a
//! record that would make the writer wait is dropped (the next one says
//! more).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use crossbeam_channel::Sender;
use wheelpipe::fetch::Watch;
use wheelpipe::hash::Sha256;
use wheelpipe::records::{Arriving, Artifact, Record};
use wheelpipe::stage::Event;

/// Bytes between two records of one download.
pub const STEP: u64 = 256 * 1024;

/// Smaller wheels are unpacked at once when whole: no record.
pub const MIN_SIZE: u64 = 2 * STEP;

/// Makes the watches of one worker's downloads; holds the worker's sender.
pub struct Announce(Sender<Event<Box<Artifact>>>);

impl Announce {
    pub fn new(events: Sender<Event<Box<Artifact>>>) -> Announce {
        Announce(events)
    }

    /// The watch of one download, none for a file too small to be worth it.
    pub fn watch(&self, filename: &str, sha256: &Sha256, size: u64) -> Option<Arc<dyn Watch>> {
        (size >= MIN_SIZE).then(|| {
            let record = Arriving {
                filename: filename.to_string(),
                sha256: sha256.to_string(),
                size,
                file: PathBuf::new(),
                ready: 0,
            };
            Arc::new(Watcher { events: self.0.clone(), told: Mutex::new(record) }) as Arc<dyn Watch>
        })
    }
}

/// One download's watch: the last record written.
struct Watcher {
    events: Sender<Event<Box<Artifact>>>,
    told: Mutex<Arriving>,
}

impl Watch for Watcher {
    fn ready(&self, file: &Path, bytes: u64) {
        let mut told = self.told.lock().unwrap_or_else(PoisonError::into_inner);
        if !worth_telling(&told, file, bytes) {
            return;
        }
        let record = Arriving { file: file.to_path_buf(), ready: bytes, ..told.clone() };
        let line = Record::Arriving(record.clone()).to_line();
        if self.events.try_send(Event::Pass(line)).is_ok() {
            *told = record;
        }
    }
}

/// A record is written when a new file has its first [`STEP`] bytes, when
/// the same file has [`STEP`] bytes more, or when it has fewer than told
/// (it starts over: what was read is void). The last bytes need none: the
/// `artifact` record says the file is whole.
fn worth_telling(told: &Arriving, file: &Path, bytes: u64) -> bool {
    if bytes >= told.size {
        return false;
    }
    if told.file != file {
        return bytes >= STEP;
    }
    bytes < told.ready || bytes - told.ready >= STEP
}

#[cfg(test)]
mod tests {
    use super::*;

    fn told(file: &str, ready: u64) -> Arriving {
        let (filename, sha256) = ("a-1-py3-none-any.whl".into(), "ab".repeat(32));
        Arriving { filename, sha256, size: 10 * STEP, file: file.into(), ready }
    }

    #[test]
    fn a_record_each_step_and_when_the_file_starts_over() {
        let never = told("", 0);
        assert!(!worth_telling(&never, Path::new("/t/1"), STEP - 1), "too little to start");
        assert!(worth_telling(&never, Path::new("/t/1"), STEP));
        let first = told("/t/1", STEP);
        assert!(!worth_telling(&first, Path::new("/t/1"), 2 * STEP - 1));
        assert!(worth_telling(&first, Path::new("/t/1"), 2 * STEP));
        assert!(worth_telling(&first, Path::new("/t/1"), 0), "truncated: the reader must know");
        assert!(worth_telling(&first, Path::new("/t/2"), STEP), "another file");
        assert!(!worth_telling(&first, Path::new("/t/1"), 10 * STEP), "whole: the artifact says it");
    }

    #[test]
    fn records_go_out_as_the_bytes_come() {
        let (tx, rx) = crossbeam_channel::bounded(8);
        let sha = Sha256::parse(&"cd".repeat(32)).unwrap();
        let announce = Announce::new(tx);
        assert!(announce.watch("small.whl", &sha, MIN_SIZE - 1).is_none());
        let watch = announce.watch("big-1-py3-none-any.whl", &sha, 4 * STEP).unwrap();
        for bytes in (0..4 * STEP).step_by(64 * 1024) {
            watch.ready(Path::new("/tmp/x.part"), bytes);
        }
        let lines: Vec<String> = rx
            .try_iter()
            .map(|e| match e {
                Event::Pass(line) => line,
                _ => panic!("only lines"),
            })
            .collect();
        assert_eq!(lines.len(), 3, "{lines:?}");
        let Ok(wheelpipe::records::Line::Known(Record::Arriving(last))) =
            wheelpipe::stream::parse_line(&lines[2])
        else {
            panic!("an arriving record: {}", lines[2])
        };
        assert_eq!((last.ready, last.size, last.sha256), (3 * STEP, 4 * STEP, "cd".repeat(32)));
        assert_eq!(last.file, Path::new("/tmp/x.part"));
    }
}
