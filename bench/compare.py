#!/usr/bin/env python3
"""Time pip, uv and the wheelpipe pipeline side by side on one requirements
file, against the index in $INDEX_URL (run it under serve.sh).

    compare.py REQS [--tools pip,uv,wheel] [--modes cold,warm,twice] [--runs 3]
               [--resolve] [--json OUT] [--work DIR] [--wheel NAME=BIN_DIR]...

Modes (each run gets a new virtualenv and, unless said, a new cache):
  cold   empty cache: everything comes from the index
  warm   one cache per tool, filled by an untimed run first
  twice  an untimed install, then the timed one: the same set again into the
         same virtualenv, with the cache the first one filled (the no-op re-run)

Runs alternate between the tools (pip, uv, wheel, pip, uv, ...), so a change
in the machine's speed hits all of them alike; each tool's median is printed
with its ratio to uv's. After every timed install the virtualenv is checked:
each distribution pinned in REQS must be there at its version (as
importlib.metadata sees it) and `pip check` must pass, else the run counts as
failed and is left out of the median.

--resolve times resolution alone, for REQS with loose requirements (reqs/*.in):
`uv pip compile` against `wheel-resolve`, cold or warm, and prints how many
pins each gives (pip has no resolve-only command to time).

Tools (environment variables):
  pip    `PIP` (a command, split on spaces); default: this python's -m pip
  uv     `UV`; default: uv on PATH
  wheel  `WHEEL_BIN`, the folder of the wheel-* binaries; default: target/release
         of this repository. `WHEEL_JOBS` for wheel-fetch -j (default 8).
         The pipeline, with one cache folder C for all three stages:
           wheel-resolve --index-url I --python V/bin/python --cache-dir C REQS
             | wheel-fetch -j 8 --cache-dir C | wheel-unpack --venv V --cache-dir C
  --wheel NAME=BIN_DIR adds another build of the pipeline as the tool NAME
  (say base=/path/to/old/release), which takes its turn like the others.
  The virtualenvs are made by `TARGET_PYTHON` (default: this python) with
  `-m venv --without-pip`, and they and the caches go in a new folder under
  --work (default: the temporary folder), deleted at the end.
"""
import argparse
import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET_PYTHON = os.environ.get("TARGET_PYTHON", sys.executable)
PIP = shlex.split(os.environ.get("PIP", f"{shlex.quote(sys.executable)} -m pip"))

CHECK = r"""
import importlib.metadata, json, re, sys
want = json.loads(sys.argv[1])
have = {re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower(): d.version
        for d in importlib.metadata.distributions()}
wrong = {name: [version, have.get(name)] for name, version in want.items()
         if have.get(name) != version}
print(json.dumps(wrong))
sys.exit(1 if wrong else 0)
"""


def usage_error(message):
    print(f"compare.py: {message}", file=sys.stderr)
    sys.exit(2)


def marker_holds(marker):
    """Whether an environment marker holds for this interpreter (pip's own
    copy of packaging evaluates it, so nothing needs installing)."""
    try:
        from packaging.markers import Marker
    except ImportError:
        from pip._vendor.packaging.markers import Marker
    return Marker(marker).evaluate()


def pins(reqs):
    """name -> version for every `name==version` line of a requirements file
    whose marker, if any, holds."""
    found = {}
    with open(reqs) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            m = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*==\s*([^\s;\\]+)\s*(;.*)?", line)
            if m and (not m.group(4) or marker_holds(m.group(4)[1:].strip())):
                found[re.sub(r"[-_.]+", "-", m.group(1)).lower()] = m.group(3)
    return found


def default_bin():
    return os.environ.get("WHEEL_BIN", os.path.join(os.path.dirname(HERE), "target", "release"))


def wheel_pipeline(reqs, venv, cache, index, resolve_only, bin_dir=None):
    bin_dir = bin_dir or default_bin()
    py = os.path.join(venv, "bin", "python")
    resolve = [os.path.join(bin_dir, "wheel-resolve"), "--index-url", index, "--python", py,
               "--cache-dir", cache, reqs]
    if resolve_only:
        return resolve
    q = shlex.quote
    jobs = os.environ.get("WHEEL_JOBS", "8")
    return ["bash", "-o", "pipefail", "-c",
            f"{shlex.join(resolve)} | {q(bin_dir)}/wheel-fetch -j {jobs} --cache-dir {q(cache)}"
            f" | {q(bin_dir)}/wheel-unpack --venv {q(venv)} --cache-dir {q(cache)}"]


def command(tool, args, venv, cache):
    reqs, index, resolve_only = args.reqs, args.index, args.resolve
    py = os.path.join(venv, "bin", "python")
    if tool in args.wheels:
        return wheel_pipeline(reqs, venv, cache, index, resolve_only, args.wheels[tool])
    if tool == "uv":
        uv = os.environ.get("UV") or shutil.which("uv") or usage_error("no uv: set UV")
        if resolve_only:
            return [uv, "pip", "compile", "-q", "--no-header", "--python", py,
                    "--index-url", index, "--cache-dir", cache, reqs]
        return [uv, "pip", "install", "-q", "--python", py, "--index-url", index,
                "--cache-dir", cache, "-r", reqs]
    if tool == "pip" and not resolve_only:
        return PIP + ["--python", py, "install", "-q", "--no-compile", "--disable-pip-version-check",
                      "--index-url", index, "--cache-dir", cache, "-r", reqs]
    usage_error(f"no command for {tool}" + (" with --resolve" if resolve_only else ""))


def check(venv, want):
    """None when the venv holds every pin and pip check passes, else why not."""
    py = os.path.join(venv, "bin", "python")
    c = subprocess.run([py, "-c", CHECK, json.dumps(want)], capture_output=True, text=True)
    if c.returncode != 0:
        return "wrong versions (want, have): " + (c.stdout.strip() or c.stderr.strip())[:300]
    c = subprocess.run(PIP + ["--python", py, "check"], capture_output=True, text=True)
    if c.returncode != 0:
        return "pip check: " + c.stdout.strip()[:300]
    return None


def count_pins(tool, args, out):
    if tool in args.wheels:
        return sum(1 for line in out.splitlines() if '"type":"artifact"' in line.replace(" ", ""))
    return sum(1 for line in out.splitlines() if "==" in line and not line.startswith("#"))


def new_venv(work, prefix):
    venv = tempfile.mkdtemp(dir=work, prefix=prefix)
    subprocess.run([TARGET_PYTHON, "-m", "venv", "--without-pip", venv], check=True)
    return venv


def run(tool, args, work, cache, twice):
    """One timed run in a new venv: (seconds, failure or None, pins or None).
    An install's stdout goes to /dev/null, as a person's would go to a
    terminal or a file (a pipe would make wheel-unpack a middle stage)."""
    venv = new_venv(work, f"{tool}-venv-")
    cmd = command(tool, args, venv, cache)
    if twice and subprocess.run(cmd, capture_output=True).returncode != 0:
        shutil.rmtree(venv, ignore_errors=True)
        return 0.0, "the first, untimed install failed", None
    start = time.perf_counter()
    out = subprocess.PIPE if args.resolve else subprocess.DEVNULL
    p = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if p.returncode != 0:
        failure = f"exit {p.returncode}: " + (p.stderr.strip().splitlines() or [""])[-1][:300]
    elif args.resolve:
        failure = None
    else:
        failure = check(venv, args.want)
    shutil.rmtree(venv, ignore_errors=True)
    return seconds, failure, count_pins(tool, args, p.stdout) if args.resolve else None


def measure(args, tools, mode, work):
    """Every run of one mode, the tools taking turns: tool -> result dict."""
    results = {t: {"times": [], "failures": [], "pins": None} for t in tools}
    warm = {}
    if mode == "warm":
        for t in tools:
            warm[t] = tempfile.mkdtemp(dir=work, prefix=f"{t}-warm-")
            venv = new_venv(work, f"{t}-fill-")
            subprocess.run(command(t, args, venv, warm[t]),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            shutil.rmtree(venv, ignore_errors=True)
    for _ in range(args.runs):
        for t in tools:
            cache = warm.get(t) or tempfile.mkdtemp(dir=work, prefix=f"{t}-cache-")
            seconds, failure, count = run(t, args, work, cache, mode == "twice")
            if t not in warm:
                shutil.rmtree(cache, ignore_errors=True)
            r = results[t]
            if failure:
                r["failures"].append(failure)
            else:
                r["times"].append(seconds)
            if count is not None:
                r["pins"] = count
    return results


def report(mode, results):
    base = results.get("uv", {}).get("times")
    for tool, r in results.items():
        r["median"] = statistics.median(r["times"]) if r["times"] else None
        line = f"  {mode:5} {tool:5} "
        line += f"{r['median']:8.3f} s" if r["median"] is not None else "       - s"
        if r["median"] is not None and base and tool != "uv":
            line += f"  {r['median'] / statistics.median(base):.2f}x uv"
        if r["pins"] is not None:
            line += f"  {r['pins']} pins"
        if r["failures"]:
            line += f"  FAILED {len(r['failures'])}: {r['failures'][0]}"
        print(line, flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reqs")
    ap.add_argument("--tools")
    ap.add_argument("--modes", default="cold,warm")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--resolve", action="store_true")
    ap.add_argument("--json")
    ap.add_argument("--work", help="the folder to put caches and venvs in (a new folder inside it)")
    ap.add_argument("--wheel", action="append", default=[], metavar="NAME=BIN_DIR",
                    help="another build of the wheel-* binaries, timed as the tool NAME")
    args = ap.parse_args()
    args.wheels = {"wheel": default_bin()}
    for spec in args.wheel:
        name, sep, bin_dir = spec.partition("=")
        if not sep or not name or name in ("pip", "uv") or not os.path.isdir(bin_dir):
            usage_error(f"--wheel {spec}: want NAME=BIN_DIR, a folder of wheel-* binaries")
        args.wheels[name] = os.path.abspath(bin_dir)
    args.index = os.environ.get("INDEX_URL") or usage_error("INDEX_URL is not set: run it under serve.sh")
    args.reqs = os.path.abspath(args.reqs)
    args.want = pins(args.reqs)
    tools = (args.tools or ("uv,wheel" if args.resolve else "pip,uv,wheel")).split(",")
    modes = args.modes.split(",")
    for mode in modes:
        if mode not in ("cold", "warm", "twice"):
            usage_error(f"unknown mode {mode} (cold, warm, twice)")
    if args.resolve and "twice" in modes:
        usage_error("--resolve times cold and warm only")
    print(f"{os.path.basename(args.reqs)}: {len(args.want)} pins, median of {args.runs} runs, "
          f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}", flush=True)
    work = tempfile.mkdtemp(prefix="wheelbench-", dir=args.work)
    everything = {}
    try:
        for mode in modes:
            everything[mode] = measure(args, tools, mode, work)
            report(mode, everything[mode])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(everything, f, indent=1)
    if any(r["failures"] for m in everything.values() for r in m.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
