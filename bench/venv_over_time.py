#!/usr/bin/env python3
"""The venv over time, on real wheels: what a project's second day does to a
virtualenv, checked against the index in $INDEX_URL (run it under serve.sh).

    venv_over_time.py [--checks twice,exact,upgrade] [--sets web,jupyter,data]
                      [--old reqs/web-old.txt] [--new reqs/web.txt] [--runs 5]

Checks (each in new virtualenvs and caches):
  twice    each set installed twice into one venv by the pipeline: the second
           run exits 0 and changes nothing (the inode, mtime and ctime of every
           file and folder under the venv are compared); the second run's time
           and `wheel-unpack` alone on the set's fetched artifact stream (a
           lock installed again) are printed, medians of --runs
  exact    the first set installed, then the second with `wheel-unpack
           --exact`: `wheel-list --freeze` must give exactly the second
           set's pins, and so must `pip list`; `pip check` must pass
  upgrade  --old installed, then --new, once by pip and once by the pipeline:
           the two venvs must hold the same files (modes and contents) and the
           same RECORD rows, but for INSTALLER and launchers, whose bodies
           differ by design (their shebangs must agree). --old's pins must be
           in the mirror: `mirror.py DIR reqs/*.txt reqs/web-old.txt`

The pipeline and the tools are chosen as in compare.py (WHEEL_BIN,
WHEEL_JOBS, PIP, TARGET_PYTHON). Exits 1 when a check fails.
"""
import argparse
import hashlib
import json
import os
import re
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import compare

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.environ.get("WHEEL_BIN", os.path.join(os.path.dirname(HERE), "target", "release"))
# pip reads only the index it is given, whatever the machine's pip.conf says.
PIP_ENV = {k: v for k, v in os.environ.items() if k not in ("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL")}
PIP_ENV["PIP_CONFIG_FILE"] = os.devnull


def sh(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def pipeline(index, reqs, venv, cache, unpack_args=()):
    """The three stages, as compare.py runs them, with extra wheel-unpack options."""
    cmd = compare.wheel_pipeline(reqs, venv, cache, index, False)
    if unpack_args:
        cmd[-1] += " " + " ".join(unpack_args)
    return cmd


def stat_tree(root):
    """path -> (inode, mtime_ns, ctime_ns, size, mode) for everything under root."""
    out = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(folder, name)
            st = os.lstat(path)
            out[os.path.relpath(path, root)] = (st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_mode)
    return out


def tree_diff(before, after, limit=10):
    changed = [p for p in before if p in after and before[p] != after[p]]
    gone = [p for p in before if p not in after]
    new = [p for p in after if p not in before]
    lines = [f"changed {p}" for p in changed] + [f"gone {p}" for p in gone] + [f"new {p}" for p in new]
    return lines[:limit] + ([f"... {len(lines) - limit} more"] if len(lines) > limit else [])


def cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd, **kw):
    """(wall seconds, CPU seconds of every process it ran, the process)."""
    start, used = time.perf_counter(), cpu()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, **kw)
    return time.perf_counter() - start, cpu() - used, p


def check_twice(args, reqs, work):
    """None or why the second run of `reqs` on one venv was not a no-op."""
    venv, cache = compare.new_venv(work, "twice-"), tempfile.mkdtemp(dir=work, prefix="cache-")
    cmd = pipeline(args.index, reqs, venv, cache)
    first = sh(cmd)
    if first.returncode != 0:
        return f"the first install failed: {first.stderr.strip()[-300:]}"
    wrong = compare.check(venv, compare.pins(reqs))
    if wrong:
        return f"the first install: {wrong}"
    before = stat_tree(venv)
    times, cpus = [], []
    for _ in range(args.runs):
        seconds, used, p = timed(cmd)
        if p.returncode != 0:
            return f"a second run exited {p.returncode}: {p.stderr.strip()[-300:]}"
        times.append(seconds)
        cpus.append(used)
        diff = tree_diff(before, stat_tree(venv))
        if diff:
            return "a second run changed the venv:\n    " + "\n    ".join(diff)
    # The set's artifacts, resolved for an empty venv and fetched: a lock.
    empty = compare.new_venv(work, "empty-")
    lock = os.path.join(work, "lock.jsonl")
    resolve = compare.wheel_pipeline(reqs, empty, cache, args.index, True)
    fetch = [os.path.join(BIN, "wheel-fetch"), "-j", os.environ.get("WHEEL_JOBS", "8"), "--cache-dir", cache]
    with open(lock, "w") as out:
        script = f"{shlex.join(resolve)} | {shlex.join(fetch)}"
        r = subprocess.run(["bash", "-o", "pipefail", "-c", script], stdout=out, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        return f"resolve | fetch for an empty venv failed: {r.stderr.strip()[-300:]}"
    unpack = [os.path.join(BIN, "wheel-unpack"), "--venv", venv, "--cache-dir", cache]
    alone, alone_cpus = [], []
    for _ in range(args.runs):
        with open(lock) as stream:
            seconds, used, p = timed(unpack, stdin=stream)
        if p.returncode != 0:
            return f"wheel-unpack on the lock exited {p.returncode}: {p.stderr.strip()[-300:]}"
        alone.append(seconds)
        alone_cpus.append(used)
        diff = tree_diff(before, stat_tree(venv))
        if diff:
            return "wheel-unpack on the lock changed the venv:\n    " + "\n    ".join(diff)
    m = statistics.median
    print(f"    {os.path.basename(reqs)}: {len(compare.pins(reqs))} pins; second run: pipeline "
          f"{m(times):.3f} s ({m(cpus):.3f} s CPU), wheel-unpack alone on the fetched lock "
          f"{m(alone):.3f} s ({m(alone_cpus):.3f} s CPU); medians of {args.runs}", flush=True)
    return None


def installed_by_list(venv):
    p = sh([os.path.join(BIN, "wheel-list"), "--venv", venv, "--freeze"])
    if p.returncode != 0:
        raise RuntimeError(f"wheel-list: {p.stderr.strip()}")
    pairs = (line.split("==", 1) for line in p.stdout.splitlines() if "==" in line)
    return {compare_name(n): v for n, v in pairs}


def compare_name(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def check_exact(args, work):
    first, second = args.reqs[0], args.reqs[1]
    venv, cache = compare.new_venv(work, "exact-"), tempfile.mkdtemp(dir=work, prefix="cache-")
    for reqs, extra in ((first, ()), (second, ("--exact",))):
        p = sh(pipeline(args.index, reqs, venv, cache, extra))
        if p.returncode != 0:
            return f"{os.path.basename(reqs)} {' '.join(extra)}: exit {p.returncode}: {p.stderr.strip()[-300:]}"
    want = compare.pins(second)
    listed = installed_by_list(venv)
    if listed != want:
        extra = sorted(set(listed) - set(want))
        missing = sorted(set(want) - set(listed))
        wrong = sorted(n for n in want if n in listed and listed[n] != want[n])
        return f"wheel-list --freeze: extra {extra}, missing {missing}, other versions {wrong}"
    py = os.path.join(venv, "bin", "python")
    p = sh(compare.PIP + ["--python", py, "list", "--format", "json"], env=PIP_ENV)
    by_pip = {compare_name(d["name"]): d["version"] for d in json.loads(p.stdout or "[]")}
    if by_pip != want:
        return f"pip list differs from the pins: {sorted(set(by_pip) ^ set(want))}"
    wrong = compare.check(venv, want)
    if wrong:
        return wrong
    print(f"    {os.path.basename(first)} then {os.path.basename(second)} --exact: "
          f"{len(want)} distributions, as pinned", flush=True)
    return None


def comparable(venv):
    """path -> what must agree between pip's venv and ours (like tests/like_pip.rs)."""
    out = {}
    for folder, dirs, files in os.walk(venv):
        for name in dirs:
            out[os.path.relpath(os.path.join(folder, name), venv)] = "dir"
        for name in files:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, venv)
            if os.path.islink(path):
                out[rel] = "link " + os.readlink(path)
                continue
            mode = os.lstat(path).st_mode & 0o777
            with open(path, "rb") as f:
                data = f.read().replace(venv.encode(), b"{VENV}")
            if rel.endswith(".dist-info/INSTALLER"):
                out[rel] = "installer"
            elif rel.endswith(".dist-info/RECORD"):
                # A launcher's hash depends on the venv's path, INSTALLER's on the installer.
                rows = sorted(line.split(",")[0] if "/bin/" in line or line.split(",")[0].endswith(
                    "/INSTALLER") else line for line in data.decode().splitlines())
                out[rel] = f"record {mode:o}\n" + "\n".join(rows)
            elif rel.startswith("bin/") and data.startswith(b"#!") and is_launcher(data):
                out[rel] = f"launcher {mode:o} {data.splitlines()[0].decode(errors='replace')}"
            else:
                out[rel] = f"file {mode:o} {hashlib.sha256(data).hexdigest()}"
    return out


def is_launcher(data):
    """An entry point's launcher (each installer writes its own body)."""
    return b"sys.exit(" in data and b"import " in data and len(data) < 2000


def check_upgrade(args, work):
    # One folder name, so that the activate scripts name one prompt.
    by_pip, ours = (os.path.join(tempfile.mkdtemp(dir=work, prefix=p), "venv") for p in ("pip-", "ours-"))
    for venv in (by_pip, ours):
        subprocess.run([compare.TARGET_PYTHON, "-m", "venv", "--without-pip", venv], check=True)
    pip_cache, cache = (tempfile.mkdtemp(dir=work, prefix="cache-") for _ in range(2))
    for reqs in (args.old, args.new):
        p = sh(compare.PIP + ["--python", os.path.join(by_pip, "bin", "python"), "install", "-q",
                              "--no-compile", "--index-url", args.index, "--cache-dir", pip_cache,
                              "-r", reqs], env=PIP_ENV)
        if p.returncode != 0:
            return f"pip install -r {os.path.basename(reqs)}: {p.stderr.strip()[-300:]}"
        p = sh(pipeline(args.index, reqs, ours, cache))
        if p.returncode != 0:
            return f"the pipeline on {os.path.basename(reqs)}: {p.stderr.strip()[-300:]}"
    want, got = comparable(by_pip), comparable(ours)
    # The venvs' own files (pyvenv.cfg names its folder, bin/python links).
    lines = [f"missing {k}" for k in want if k not in got]
    lines += [f"extra {k}" for k in got if k not in want]
    lines += [f"differs {k}:\n      pip:  {' | '.join(sorted(set(want[k].splitlines()) - set(got[k].splitlines())))}"
              f"\n      ours: {' | '.join(sorted(set(got[k].splitlines()) - set(want[k].splitlines())))}"
              for k in want if k in got and want[k] != got[k]]
    if lines:
        return "the upgraded venvs differ:\n    " + "\n    ".join(lines[:20])
    old, new = compare.pins(args.old), compare.pins(args.new)
    moved = sorted(n for n in new if old.get(n) != new[n])
    print(f"    {os.path.basename(args.old)} -> {os.path.basename(args.new)}: {len(moved)} upgraded "
          f"({', '.join(moved)}); {len(want)} paths agree with pip's", flush=True)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checks", default="twice,exact,upgrade")
    ap.add_argument("--sets", default="web,jupyter,data")
    ap.add_argument("--old", default=os.path.join(HERE, "reqs", "web-old.txt"))
    ap.add_argument("--new", default=os.path.join(HERE, "reqs", "web.txt"))
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    args.index = os.environ.get("INDEX_URL") or compare.usage_error("INDEX_URL is not set: run it under serve.sh")
    args.reqs = [os.path.join(HERE, "reqs", f"{s}.txt") for s in args.sets.split(",")]
    work = tempfile.mkdtemp(prefix="wheelbench-venv-")
    failed = False
    try:
        for name in args.checks.split(","):
            print(f"{name}:", flush=True)
            if name == "twice":
                results = [check_twice(args, reqs, work) for reqs in args.reqs]
            elif name == "exact":
                results = [check_exact(args, work)]
            elif name == "upgrade":
                results = [check_upgrade(args, work)]
            else:
                compare.usage_error(f"unknown check {name} (twice, exact, upgrade)")
            for why in filter(None, results):
                print(f"  FAILED: {why}", flush=True)
                failed = True
    finally:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
