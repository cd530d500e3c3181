//! wheel-unpack unpacking a wheel while wheel-fetch downloads it, through
//! the `arriving` records between them: a slow wheel is unpacked as it comes
//! and installs exactly what the same wheel unpacked whole installs; a
//! download whose bytes fail their sha256 and start over, or one shared by
//! two connections, still installs the right files and leaves no partial
//! tree in the cache; Ctrl-C while a wheel is unpacked as it comes leaves
//! the venv as it was and nothing in the cache; wheel-fetch writes the
//! records only into a pipe.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use support::*;
use wheelpipe::records::{End, Record};

/// A wheel of `parts` files of 32 KiB that do not compress, and a module.
fn slow_wheel(dir: &Path, parts: u64) -> PathBuf {
    let mut builder = WheelBuilder::new("slow", "1.0");
    for i in 0..parts {
        builder = builder.file(&format!("slow/part{i}.bin"), noise(32 * 1024, 77 + i));
    }
    builder.file("slow/__init__.py", "def main():\n    print('hi')\n").build(dir)
}

/// The records that ask wheel-fetch for `wheel` from `server`.
fn input(server: &Server, wheel: &Path) -> Vec<u8> {
    let mut artifact = artifact_for(wheel);
    artifact.url = server.file_url(&artifact.filename);
    artifact.path = None;
    let end = Record::End(End::new("wheel-resolve", true, 1)).to_line();
    format!("{}\n{end}\n", Record::Artifact(artifact).to_line()).into_bytes()
}

/// `wheel-fetch -j JOBS | wheel-unpack` of `wheel`, served at 1 MB/s, with
/// wheel-unpack's test notes on.
fn install_slowly(
    sb: &Sandbox,
    venv: &Venv,
    wheel: &Path,
    jobs: &str,
    set: impl FnOnce(&mut Faults),
) -> (Server, Run) {
    let server = Server::start(&[wheel]);
    {
        let mut faults = server.faults();
        faults.pace_bytes_per_sec = Some(1_000_000);
        set(&mut faults);
    }
    let mut fetch = sb.fetch();
    fetch.args(["-j", jobs]);
    let mut unpack = sb.unpack(venv);
    unpack.env("WHEELPIPE_TEST_NOTES", "1");
    let run = pipeline(vec![fetch, unpack], Some(input(&server, wheel)));
    run.assert_success();
    (server, run)
}

/// The same wheel installed from the store's copy by its record, unpacked
/// whole (no `arriving` record), in another sandbox.
fn installed_whole(wheel: &Path) -> (Sandbox, Venv) {
    let sb = Sandbox::new();
    let venv = sb.venv("venv");
    let end = Record::End(End::new("wheel-fetch", true, 1)).to_line();
    let input = format!("{}\n{end}\n", Record::Artifact(artifact_for(wheel)).to_line());
    pipeline(vec![sb.unpack(&venv)], Some(input.into_bytes())).assert_success();
    (sb, venv)
}

/// Every file and folder of a venv's `lib` (site-packages), with its mode
/// and contents' hash.
fn installed_tree(venv: &Venv) -> std::collections::BTreeMap<String, String> {
    snapshot(&venv.root.join("lib"))
}

fn cache_trees_left(sb: &Sandbox) -> usize {
    fs::read_dir(sb.cache().join("tmp/unpack")).map_or(0, |d| d.count())
}

#[test]
fn a_slow_wheel_is_unpacked_while_it_downloads_and_installs_what_a_whole_one_does() {
    let sb = Sandbox::new();
    let wheel = slow_wheel(&sb.path().join("wheels"), 20);
    let venv = sb.venv("venv");
    let (_server, run) = install_slowly(&sb, &venv, &wheel, "1", |_| {});
    assert!(run.stderr(1).contains("unpacked slow-1.0-py3-none-any.whl while it downloaded"), "{run}");
    let (_other, whole) = installed_whole(&wheel);
    assert_eq!(installed_tree(&venv), installed_tree(&whole));
    let ran = venv.run_python(&sb, "import slow; slow.main()");
    assert_eq!(String::from_utf8_lossy(&ran.stdout), "hi\n");
    assert_eq!(cache_trees_left(&sb), 0);
}

#[test]
fn a_wheel_shared_by_two_connections_is_unpacked_as_its_parts_come() {
    let sb = Sandbox::new();
    // 4 MiB, as wheel-fetch's own split tests use.
    let wheel = slow_wheel(&sb.path().join("wheels"), 128);
    let venv = sb.venv("venv");
    let (server, run) = install_slowly(&sb, &venv, &wheel, "2", |_| {});
    let asked: Vec<_> = server.file_requests().into_iter().filter_map(|e| e.range).collect();
    let later_part = asked.iter().any(|r| !r.starts_with("bytes=0-"));
    assert!(later_part, "a second connection took a later part: {asked:?} {run}");
    assert!(run.stderr(1).contains("while it downloaded"), "{run}");
    assert_eq!(installed_tree(&venv), installed_tree(&installed_whole(&wheel).1));
}

#[test]
fn a_download_that_fails_its_sha256_starts_over_and_installs_the_right_bytes() {
    let sb = Sandbox::new();
    let wheel = slow_wheel(&sb.path().join("wheels"), 20);
    let venv = sb.venv("venv");
    // The first body has a byte flipped: what was read of it is void.
    let (_server, run) = install_slowly(&sb, &venv, &wheel, "1", |f| f.flip_next_wheels = 1);
    assert_eq!(installed_tree(&venv), installed_tree(&installed_whole(&wheel).1), "{run}");
    assert_eq!(cache_trees_left(&sb), 0, "no partial tree stays in the cache");
}

#[test]
fn wheel_fetch_says_where_a_wheel_arrives_only_into_a_pipe() {
    let sb = Sandbox::new();
    let wheel = slow_wheel(&sb.path().join("wheels"), 20);
    let server = Server::start(&[&wheel]);
    server.faults().pace_bytes_per_sec = Some(1_000_000);
    let size = fs::metadata(&wheel).unwrap().len();
    let mut fetch = sb.fetch();
    fetch.args(["-j", "1"]);
    let run = pipeline(vec![fetch], Some(input(&server, &wheel)));
    run.assert_success();
    let arriving: Vec<_> = run
        .records()
        .into_iter()
        .filter_map(|r| match r {
            Record::Arriving(a) => Some(a),
            _ => None,
        })
        .collect();
    assert!(arriving.len() >= 2, "{run}");
    let sha256 = artifact_for(&wheel).hashes["sha256"].clone();
    for (a, b) in arriving.iter().zip(&arriving[1..]) {
        assert!(a.ready < b.ready && b.ready < size, "{a:?} then {b:?}");
    }
    for a in &arriving {
        assert_eq!(
            (a.filename.as_str(), a.sha256.as_str(), a.size),
            ("slow-1.0-py3-none-any.whl", &*sha256, size)
        );
        assert!(a.file.starts_with(sb.cache()), "a temporary file in the cache: {}", a.file.display());
        assert!(!a.file.exists(), "renamed into the store once whole");
    }

    // Into a file, with a cache of its own: no such records.
    let other = Sandbox::new();
    let out_path = other.path().join("fetched.jsonl");
    let mut fetch = other.fetch();
    fetch.args(["-j", "1"]);
    fetch.stdin(Stdio::piped()).stdout(fs::File::create(&out_path).unwrap());
    let mut child = fetch.spawn().unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), &input(&server, &wheel)).unwrap();
    assert!(child.wait().unwrap().success());
    let text = fs::read_to_string(&out_path).unwrap();
    assert!(text.contains("\"artifact\"") && !text.contains("\"arriving\""), "{text}");
}

#[test]
fn ctrl_c_while_a_wheel_is_unpacked_as_it_comes_leaves_the_venv_and_the_cache_clean() {
    let sb = Sandbox::new();
    // 4 MiB at 500 kB/s: eight seconds, ample time to be stopped.
    let wheel = slow_wheel(&sb.path().join("wheels"), 128);
    let venv = sb.venv("venv");
    let before = snapshot(&venv.root);
    let server = Server::start(&[&wheel]);
    server.faults().pace_bytes_per_sec = Some(500_000);
    let mut fetch = sb.fetch();
    fetch.args(["-j", "1"]);
    let (running, mut stdin) = Running::spawn_with_stdin(vec![fetch, sb.unpack(&venv)]);
    std::io::Write::write_all(&mut stdin, &input(&server, &wheel)).unwrap();
    let trees = sb.cache().join("tmp/unpack");
    let first_file = || {
        let tree = fs::read_dir(&trees).ok().and_then(|mut d| d.next()).and_then(Result::ok);
        tree.is_some_and(|t| t.path().join("files/0/0").exists())
    };
    wait_until("wheel-unpack writing the wheel's first file as it arrives", first_file);
    for pid in running.pids() {
        kill(Pid::from_raw(pid as i32), Signal::SIGINT).unwrap();
    }
    let run = running.wait();
    drop(stdin);
    assert_eq!(run.codes()[1], Some(130), "{run}");
    assert_eq!(snapshot(&venv.root), before, "the venv is as it was");
    assert_eq!(cache_trees_left(&sb), 0, "nothing half unpacked stays: {run}");
    let unpacked = fs::read_dir(sb.cache().join("unpacked/v2")).map_or(0, |d| d.count());
    assert_eq!(unpacked, 0, "no unpacked wheel from bytes never verified");
}
