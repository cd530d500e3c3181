#!/usr/bin/env python3
"""When each stage of a cold pipeline is done: run under serve.sh.

    serve.sh ROOT --latency 25 --conn-rate 10 --rate 400 -- bench/stages.py BIN_DIR bench/reqs/web.txt --runs 3

Runs `wheel-resolve | wheel-fetch -j 8 | wheel-unpack` on a new cache and
venv, relaying the pipes itself to stamp each record, and prints, a run a
line: when wheel-resolve wrote its first artifact, when wheel-fetch wrote its
last (the last byte verified), and when wheel-unpack ended. The run's
folders are deleted only after the last run: on an ext4 without a journal,
a tree deleted less than a minute before makes the next one slower to write
(see bench/README.md, "A full disk").
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time


def relay(src, dst, marks, name, t0):
    for line in src:
        if json.loads(line).get("type") == "artifact":
            marks.append((time.monotonic() - t0, name))
        dst.write(line)
        dst.flush()
    dst.close()


def run_once(bin_dir, reqs, index, work):
    venv, cache = os.path.join(work, "venv"), os.path.join(work, "cache")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    tool = lambda name: os.path.join(bin_dir, name)
    t0 = time.monotonic()
    resolve = subprocess.Popen(
        [tool("wheel-resolve"), "--index-url", index, "--python", os.path.join(venv, "bin", "python"),
         "--cache-dir", cache, reqs], stdout=subprocess.PIPE)
    fetch = subprocess.Popen([tool("wheel-fetch"), "-j", "8", "--cache-dir", cache],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    unpack = subprocess.Popen([tool("wheel-unpack"), "--venv", venv, "--cache-dir", cache],
                              stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    marks = []
    threads = [threading.Thread(target=relay, args=(resolve.stdout, fetch.stdin, marks, "resolved", t0)),
               threading.Thread(target=relay, args=(fetch.stdout, unpack.stdin, marks, "fetched", t0))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = [p.wait() for p in (resolve, fetch, unpack)]
    end = time.monotonic() - t0
    if codes != [0, 0, 0]:
        sys.exit(f"the pipeline failed: exit codes {codes}")
    first = min(t for t, n in marks if n == "resolved")
    last = max(t for t, n in marks if n == "fetched")
    return first, last, end


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bin_dir")
    ap.add_argument("reqs")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    index = os.environ["INDEX_URL"]
    root = tempfile.mkdtemp(prefix="stages-")
    try:
        rows = []
        for i in range(args.runs):
            row = run_once(os.path.abspath(args.bin_dir), os.path.abspath(args.reqs), index,
                           os.path.join(root, str(i)))
            rows.append(row)
            print("first artifact %.3f s  last wheel fetched %.3f s  installed %.3f s" % row, flush=True)
        med = [statistics.median(col) for col in zip(*rows)]
        print("median: first artifact %.3f s  last wheel fetched %.3f s  installed %.3f s" % tuple(med))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
