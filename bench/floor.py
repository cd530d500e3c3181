#!/usr/bin/env python3
"""Cold fetches against the link floor: run under serve.sh.

    serve.sh ROOT --latency 25 --conn-rate 10 --rate 400 -- bench/floor.py bench/reqs/web.txt --rate 50

Resolves the set once, then, taking turns, times `wheel-fetch -j 8` alone
(a new cache each run) and the whole cold pipeline (resolve | fetch |
unpack, new cache and virtualenv each run), and prints each one's median as
a multiple of the link floor: the set's bytes at --rate megabytes a second.
With --timeline, also prints when each wheel was emitted by wheel-fetch (its
last byte verified) in the last fetch-alone run, to see where the link idles;
WHEELPIPE_FETCH_TRACE=1 in the environment makes wheel-fetch itself print one
line a transfer range on stderr, which --timeline keeps in trace.txt.
Before each timed run the earlier runs' writes are synced to disk, untimed.
The runs' folders go in a new folder under $TMPDIR (e.g. a mounted ext4
image with a journal, to time installs without this machine's journal-less
root: see bench/README.md, "A full disk").
"""

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run_fetch(bin_dir, jobs, lock, cache, extra):
    """Times wheel-fetch alone; returns (seconds, [(t, filename, size)], stderr)."""
    cmd = [os.path.join(bin_dir, "wheel-fetch"), "-j", str(jobs), "--cache-dir", cache] + extra
    os.sync()
    start = time.monotonic()
    with open(lock, "rb") as stdin:
        p = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        done = []
        for line in p.stdout:
            rec = json.loads(line)
            if rec.get("type") == "artifact":
                done.append((time.monotonic() - start, rec["filename"], rec.get("size") or 0))
        err = p.stderr.read().decode()
        p.wait()
    took = time.monotonic() - start
    if p.returncode != 0:
        sys.exit(f"wheel-fetch failed: {err}")
    return took, done, err


def run_pipeline(bin_dir, jobs, reqs, index, work, run):
    cache, venv = os.path.join(work, f"pc-{run}"), os.path.join(work, f"pv-{run}")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    q = shlex.quote
    py = os.path.join(venv, "bin", "python")
    sh = (f"{q(bin_dir)}/wheel-resolve --index-url {q(index)} --python {q(py)} --cache-dir {q(cache)} {q(reqs)}"
          f" | {q(bin_dir)}/wheel-fetch -j {jobs} --cache-dir {q(cache)}"
          f" | {q(bin_dir)}/wheel-unpack --venv {q(venv)} --cache-dir {q(cache)} > /dev/null")
    # The previous runs' writes go to disk first, untimed: a cold install
    # writes hundreds of MB, and after a few runs the kernel would make this
    # one wait for their writeback.
    os.sync()
    start = time.monotonic()
    subprocess.run(["bash", "-o", "pipefail", "-c", sh], check=True)
    return time.monotonic() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("reqs")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rate", type=float, default=50.0, help="the link, in MB/s")
    ap.add_argument("--jobs", type=int, default=8)
    ap.add_argument("--no-pipeline", action="store_true")
    ap.add_argument("--timeline", action="store_true")
    ap.add_argument("--fetch-arg", action="append", default=[])
    args = ap.parse_args()
    bin_dir = os.environ.get("WHEEL_BIN", os.path.join(os.path.dirname(HERE), "target", "release"))
    index = os.environ["INDEX_URL"]
    work = tempfile.mkdtemp(prefix="floor-")
    try:
        venv = os.path.join(work, "v")
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
        lock = os.path.join(work, "lock.jsonl")
        with open(lock, "wb") as out:
            subprocess.run([os.path.join(bin_dir, "wheel-resolve"), "--index-url", index, "--python",
                            os.path.join(venv, "bin", "python"), "--cache-dir", os.path.join(work, "rc"),
                            args.reqs], stdout=out, check=True)
        sizes = [json.loads(l).get("size") or 0 for l in open(lock) if '"artifact"' in l]
        total = sum(sizes)
        floor = total / (args.rate * 1e6)
        fetches, pipes, timeline, trace = [], [], [], ""
        # Each run's folders stay until the end: on an ext4 without a
        # journal, files written less than a minute after others were
        # deleted cost more (bench/README.md, "A full disk").
        for run in range(args.runs):
            cache = os.path.join(work, f"fc-{run}")
            took, timeline, trace = run_fetch(bin_dir, args.jobs, lock, cache, args.fetch_arg)
            fetches.append(took)
            if not args.no_pipeline:
                pipes.append(run_pipeline(bin_dir, args.jobs, args.reqs, index, work, run))
        name = os.path.basename(args.reqs)
        print(f"{name}: {len(sizes)} wheels, {total / 1e6:.1f} MB, floor {floor:.2f} s at {args.rate} MB/s")
        print(f"  fetch alone: median {statistics.median(fetches):.2f} s = "
              f"{statistics.median(fetches) / floor:.2f}x floor  (runs {', '.join(f'{t:.2f}' for t in fetches)})")
        if pipes:
            print(f"  cold pipeline: median {statistics.median(pipes):.2f} s = "
                  f"{statistics.median(pipes) / floor:.2f}x floor  (runs {', '.join(f'{t:.2f}' for t in pipes)})")
        if args.timeline:
            for t, f, s in timeline:
                print(f"    {t:6.2f} s  {s / 1e6:7.2f} MB  {f}")
            if trace:
                print(trace, end="")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
