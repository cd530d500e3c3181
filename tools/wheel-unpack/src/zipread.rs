//! How a wheel's zip is read: positioned reads (pread) through one buffer,
//! so the zip crate's seek and few small reads for each entry (central
//! header, local header, data) cost no system call while the bytes are in
//! the buffer; a seek moves an offset, not the file's. A clone shares the
//! open file and the parsed central directory, so each extraction thread
//! reads the wheel without opening and parsing it again.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::sync::Arc;

/// A wheel opened for reading.
pub type Zip = zip::ZipArchive<Positional>;

/// Bytes read at once; a read at least this long bypasses the buffer.
const BUFFER: usize = 64 * 1024;

/// A file read with positioned reads through a buffer.
#[derive(Debug)]
pub struct Positional {
    file: Arc<File>,
    len: u64,
    pos: u64,
    /// The file's bytes from `start`.
    buf: Vec<u8>,
    start: u64,
}

impl Positional {
    pub fn new(file: File) -> io::Result<Positional> {
        let len = file.metadata()?.len();
        Ok(Positional { file: Arc::new(file), len, pos: 0, buf: Vec::new(), start: 0 })
    }
}

impl Clone for Positional {
    /// The same file and position, with a buffer of its own.
    fn clone(&self) -> Positional {
        let (file, len, pos) = (Arc::clone(&self.file), self.len, self.pos);
        Positional { file, len, pos, buf: Vec::new(), start: 0 }
    }
}

impl Read for Positional {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let buffered = self.pos >= self.start && self.pos < self.start + self.buf.len() as u64;
        if !buffered {
            if out.len() >= BUFFER {
                let n = self.file.read_at(out, self.pos)?;
                self.pos += n as u64;
                return Ok(n);
            }
            self.buf.resize(BUFFER, 0);
            let n = self.file.read_at(&mut self.buf, self.pos)?;
            self.buf.truncate(n);
            self.start = self.pos;
        }
        let at = (self.pos - self.start) as usize;
        let n = out.len().min(self.buf.len() - at);
        out[..n].copy_from_slice(&self.buf[at..at + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Positional {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let pos = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos =
            pos.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "a seek before the start"))?;
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_the_file_holds_wherever_it_seeks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let mut r = Positional::new(File::open(&path).unwrap()).unwrap();
        for (to, len) in
            [(SeekFrom::End(-10), 10), (SeekFrom::Start(5), 100), (SeekFrom::Current(70_000), 80_000)]
        {
            let at = r.seek(to).unwrap() as usize;
            let mut got = vec![0; len];
            r.read_exact(&mut got).unwrap();
            assert_eq!(got, bytes[at..at + len]);
        }
        let mut clone = r.clone();
        let mut rest = Vec::new();
        clone.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, bytes[70_105 + 80_000..]);
        assert!(r.seek(SeekFrom::Current(-1_000_000)).is_err());
    }
}
