#!/usr/bin/env python3
"""Installs through faultproxy.py: how many of RUNS installs of a set, each
with a new cache and a new venv, survive an index that breaks a share of its
answers, and what the failures were (run it under serve.sh).

    faultruns.py REQS [--runs 10] [--rate 5] [--seed 1] [--faults LIST] [--stall 20]
                 [--index simple|nometa] [--keep DIR]

Run i goes through `faultproxy.py --seed SEED+i`. After each run:
  - a run that failed must have exited 1 and left the venv as it was (empty);
  - a clean run from the same cache, straight to the index, must install the
    set (nothing the faults did is left poisoned in the cache);
  - a run that succeeded must hold every pin, and `pip check` must pass.
Prints one line a run (its exit, seconds, the faults met, the last error
line) and a summary; exits 1 when a failure broke one of the rules above
(a failure that is only a failure does not). --keep keeps the proxy logs and
each run's stderr. The pipeline and the tools are chosen as in compare.py.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import compare
import faultproxy

HERE = os.path.dirname(os.path.abspath(__file__))


def site_files(venv):
    """What the venv holds beyond what `python -m venv --without-pip` made."""
    out = []
    for folder, _, files in os.walk(venv):
        out += [os.path.relpath(os.path.join(folder, f), venv) for f in files]
    return sorted(out)


def one_run(args, i, work, logs):
    venv, cache = compare.new_venv(work, f"venv-{i}-"), tempfile.mkdtemp(dir=work, prefix=f"cache-{i}-")
    empty = site_files(venv)
    proxy_log, err_log = os.path.join(logs, f"proxy-{i}.log"), os.path.join(logs, f"run-{i}.err")
    index_var = "FAULT_URL" if args.index == "simple" else "FAULT_NOMETA_URL"
    inner = compare.wheel_pipeline(args.reqs, venv, cache, f"${index_var}", False)
    inner[-1] = inner[-1].replace(f"'${index_var}'", f'"${index_var}"')
    cmd = [sys.executable, os.path.join(HERE, "faultproxy.py"), "--rate", str(args.rate),
           "--seed", str(args.seed + i), "--stall", str(args.stall), "--log", proxy_log]
    if args.faults:
        cmd += ["--faults", args.faults]
    start = time.perf_counter()
    with open(err_log, "w") as err:
        p = subprocess.run(cmd + ["--"] + inner, stdout=subprocess.DEVNULL, stderr=err)
    seconds = time.perf_counter() - start
    with open(proxy_log) as f:
        met = [t[-1] for t in (line.split() for line in f) if len(t) == 7 and t[-1] in faultproxy.ALL]
    with open(err_log) as f:
        errors = [line.strip() for line in f if "error" in line]
    broken = []
    if p.returncode == 0:
        why = compare.check(venv, args.want)
        if why:
            broken.append(f"exit 0 but {why}")
    else:
        if p.returncode != 1:
            broken.append(f"exit {p.returncode}, not 1")
        if site_files(venv) != empty:
            broken.append("the failed run changed the venv")
        clean = subprocess.run(compare.wheel_pipeline(args.reqs, venv, cache, args.clean_index, False),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if clean.returncode != 0:
            broken.append("the clean run from its cache failed: " + clean.stderr.strip()[-300:])
        elif compare.check(venv, args.want):
            broken.append("the clean run from its cache: " + compare.check(venv, args.want))
    shutil.rmtree(venv, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    counts = {k: met.count(k) for k in sorted(set(met))}
    faults = ", ".join(f"{k} {n}" for k, n in counts.items()) or "none"
    status = "ok" if p.returncode == 0 else f"exit {p.returncode}"
    print(f"  run {i:2} seed {args.seed + i}: {status:7} {seconds:6.1f} s  faults: {faults}", flush=True)
    if p.returncode != 0:
        print(f"          {errors[-1] if errors else '(no error line)'}", flush=True)
    for b in broken:
        print(f"          BROKEN: {b}", flush=True)
    return p.returncode == 0, broken


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reqs")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--rate", type=float, default=5.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--faults")
    ap.add_argument("--stall", type=float, default=20.0)
    ap.add_argument("--index", choices=["simple", "nometa"], default="simple")
    ap.add_argument("--keep")
    args = ap.parse_args()
    index = os.environ.get("INDEX_URL") or compare.usage_error("INDEX_URL is not set: run it under serve.sh")
    args.clean_index = index if args.index == "simple" else os.environ["NOMETA_URL"]
    args.reqs = os.path.abspath(args.reqs)
    args.want = compare.pins(args.reqs)
    work = tempfile.mkdtemp(prefix="wheelbench-faults-")
    logs = args.keep or work
    os.makedirs(logs, exist_ok=True)
    print(f"{os.path.basename(args.reqs)}: {args.runs} runs at {args.rate:g} % faults "
          f"({args.faults or 'all'}), index {args.index}, {time.strftime('%Y-%m-%d')}", flush=True)
    results = []
    try:
        for i in range(args.runs):
            results.append(one_run(args, i, work, logs))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ok = sum(1 for good, _ in results if good)
    broken = sum(1 for _, b in results if b)
    print(f"{ok} of {args.runs} installed; {broken} broke a rule", flush=True)
    sys.exit(1 if broken else 0)


if __name__ == "__main__":
    main()
