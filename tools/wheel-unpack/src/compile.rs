//! `--compile`: byte-compiling a wheel's `.py` files as pip does (pip calls
//! `compileall.compile_file(path, force=True, quiet=True)`, which is
//! `py_compile.compile` with the default optimization and invalidation mode),
//! by worker processes of the venv's own python, in parallel. Files are
//! compiled in the staging folder with the path they will have in the venv
//! (`dfile`), so the `.pyc` files are part of the commit and of RECORD.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;

use anyhow::{bail, Context, Result};

/// Reads batches of `source NUL dfile` lines ended by an empty line; answers
/// one line a file: the `.pyc` written beside the source, or nothing when
/// it does not compile (pip then records no `.pyc` either).
const WORKER: &str = r#"
import importlib.util, io, os, py_compile, sys, warnings, contextlib
warnings.filterwarnings("ignore")
batch = []
for line in sys.stdin.buffer:
    line = line.rstrip(b"\n")
    if line:
        batch.append([os.fsdecode(p) for p in line.split(b"\0")])
        continue
    out = []
    for src, dfile in batch:
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                cfile = importlib.util.cache_from_source(src)
                py_compile.compile(src, cfile=cfile, dfile=dfile, doraise=True)
            out.append(os.fsencode(cfile))
        except Exception:
            out.append(b"")
    sys.stdout.buffer.write(b"".join(o + b"\n" for o in out))
    sys.stdout.buffer.flush()
    batch = []
"#;

struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Worker {
    fn start(python: &Path) -> Result<Worker> {
        let mut child = Command::new(python)
            .args(["-c", WORKER])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start {} to compile", python.display()))?;
        let stdin = child.stdin.take().context("the worker's stdin")?;
        let stdout = BufReader::new(child.stdout.take().context("the worker's stdout")?);
        Ok(Worker { child, stdin, stdout })
    }

    fn compile(&mut self, files: &[(PathBuf, PathBuf)]) -> Result<Vec<Option<PathBuf>>> {
        let mut request = Vec::new();
        for (src, dfile) in files {
            request.extend_from_slice(src.as_os_str().as_bytes());
            request.push(0);
            request.extend_from_slice(dfile.as_os_str().as_bytes());
            request.push(b'\n');
        }
        request.push(b'\n');
        self.stdin
            .write_all(&request)
            .and_then(|()| self.stdin.flush())
            .context("the compile worker quit")?;
        let mut out = Vec::with_capacity(files.len());
        for _ in files {
            let mut line = Vec::new();
            if self.stdout.read_until(b'\n', &mut line)? == 0 {
                bail!("the compile worker quit");
            }
            line.pop();
            out.push((!line.is_empty()).then(|| PathBuf::from(OsStr::from_bytes(&line))));
        }
        Ok(out)
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The venv's python workers, started as needed and reused.
pub struct Compiler {
    python: PathBuf,
    idle: Mutex<Vec<Worker>>,
    threads: usize,
}

impl Compiler {
    pub fn new(python: &Path, threads: usize) -> Compiler {
        Compiler { python: python.to_path_buf(), idle: Mutex::new(Vec::new()), threads: threads.max(1) }
    }

    fn with_worker<T>(&self, f: impl FnOnce(&mut Worker) -> Result<T>) -> Result<T> {
        let idle = self.idle.lock().map_err(|_| anyhow::anyhow!("a compile thread panicked"))?.pop();
        let mut worker = match idle {
            Some(w) => w,
            None => Worker::start(&self.python)?,
        };
        let result = f(&mut worker)?;
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(worker);
        }
        Ok(result)
    }

    /// Compiles staged sources (`staged`, `dest` in the venv); returns
    /// each one's staged `.pyc`, `None` for a source that does not compile.
    pub fn compile(&self, files: &[(PathBuf, PathBuf)]) -> Result<Vec<Option<PathBuf>>> {
        if files.is_empty() {
            return Ok(Vec::new());
        }
        let chunk = files.len().div_ceil(self.threads).max(64);
        let parts: Vec<Result<Vec<_>>> = std::thread::scope(|s| {
            let handles: Vec<_> = files
                .chunks(chunk)
                .map(|part| s.spawn(move || self.with_worker(|w| w.compile(part))))
                .collect();
            let joined = handles.into_iter().map(|h| h.join());
            joined.map(|r| r.unwrap_or_else(|_| Err(anyhow::anyhow!("a compile thread panicked")))).collect()
        });
        let mut out = Vec::with_capacity(files.len());
        for part in parts {
            out.extend(part?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiles_with_the_final_path_and_skips_what_does_not_compile() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.py");
        let bad = dir.path().join("bad.py");
        std::fs::write(&good, "def f():\n    raise ValueError\n").unwrap();
        std::fs::write(&bad, "def (:\n").unwrap();
        let python = PathBuf::from("python3");
        let c = Compiler::new(&python, 2);
        let files =
            vec![(good.clone(), PathBuf::from("/venv/lib/good.py")), (bad, PathBuf::from("/v/bad.py"))];
        let out = c.compile(&files).unwrap();
        let pyc = out[0].clone().unwrap();
        assert!(pyc.starts_with(dir.path().join("__pycache__")), "{}", pyc.display());
        assert_eq!(out[1], None);
        let bytes = std::fs::read(&pyc).unwrap();
        let needle = b"/venv/lib/good.py";
        assert!(bytes.windows(needle.len()).any(|w| w == needle), "the .pyc names its final path");
        // The worker is reused.
        assert_eq!(c.compile(&files[..1]).unwrap().len(), 1);
    }
}
