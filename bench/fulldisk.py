#!/usr/bin/env python3
"""Warm installs on a clean file system and on a full one, in a loop-mounted
ext4 image, so the disk's state is set and the machine's own disk is spared.

    serve.sh ROOT ... -- fulldisk.py REQS --mirror ROOT [--image PATH] [--size 8G]
        [--fill 85] [--states clean,full,emptied] [--runs 5] [--tools uv,wheel]
        [--wheel NAME=BIN_DIR]... [--no-drop-caches] [--json OUT]

Needs root (mount). Makes an ext4 image of --size (sparse, at most 10G) at
--image, without a journal and mounted with `discard`, as the benchmark
machine's root file system is (`--mkfs` and `--mount` change that). Its flex
groups hold 2 block groups (`-G 2`), not 16: 8 GB then has 32 flex groups
instead of 4, so that where ext4 puts a new tree is a choice among many, as
on a large disk (252 GB: 126). Then for each state it runs
`compare.py REQS --modes warm` with its caches and venvs inside the image:

  clean    the new, empty file system
  full     after the image was filled to --fill percent of its blocks, the way
           a developer's disk fills: venvs (real wheels' files, copied), caches
           (wheel files) and build folders (big files, fallocated) written one
           after another, four in ten of them deleted again along the way
  emptied  after every tree of the fill was deleted again

Before each state the page cache is dropped (`sync; echo 3 >
/proc/sys/vm/drop_caches`, unless --no-drop-caches), so the fill's metadata
is on disk only, as for trees written long ago; compare.py's warm mode then
fills each tool's cache with an untimed run, so the caches themselves are in
the page cache when the timed runs start. The image is unmounted and deleted
at the end, also on an error or Ctrl-C (--keep keeps it).
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_SIZE = 10 << 30


def die(message):
    print(f"fulldisk.py: {message}", file=sys.stderr)
    sys.exit(2)


def size_bytes(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    if text[-1:].upper() in units:
        return int(float(text[:-1]) * units[text[-1].upper()])
    return int(text)


def used_share(mnt):
    s = os.statvfs(mnt)
    return 100 * (s.f_blocks - s.f_bfree) / s.f_blocks


def df_line(mnt):
    s = os.statvfs(mnt)
    inodes = 100 * (s.f_files - s.f_ffree) / s.f_files
    return f"{used_share(mnt):.0f} % of blocks used, {inodes:.0f} % of inodes"


def drop_caches():
    subprocess.run(["sync"], check=True)
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


def make_image(args):
    """Makes and mounts the image; returns the mount point."""
    folder = os.path.dirname(os.path.abspath(args.image))
    free = shutil.disk_usage(folder).free
    if free < args.size + (15 << 30):
        die(f"{folder} has {free >> 30} GB free: an image of {args.size >> 30} GB would leave "
            "less than 15 GB for everyone else")
    if os.path.exists(args.image):
        die(f"{args.image} exists: delete it or choose another --image")
    mnt = args.image + ".mnt"
    with open(args.image, "wb") as f:
        f.truncate(args.size)
    try:
        subprocess.run(["mkfs.ext4", "-q", *args.mkfs.split(), args.image], check=True)
        os.makedirs(mnt, exist_ok=True)
        subprocess.run(["mount", "-o", f"loop,{args.mount}", args.image, mnt], check=True)
    except (OSError, subprocess.CalledProcessError):
        remove_image(args, mnt)
        raise
    return mnt


def remove_image(args, mnt):
    """Unmounts and deletes what make_image made (nothing when it refused)."""
    if mnt is None:
        return
    if os.path.ismount(mnt):
        subprocess.run(["umount", mnt], check=False)
    if os.path.ismount(mnt):
        print(f"fulldisk.py: cannot unmount {mnt}: unmount it and delete {args.image}", file=sys.stderr)
        return
    if os.path.isdir(mnt):
        os.rmdir(mnt)
    if os.path.exists(args.image) and not args.keep:
        os.remove(args.image)


def templates(mirror, fill):
    """Unpacks every wheel of the mirror once, as a venv would hold it; the
    fill's venvs are copies of some of these trees."""
    files = os.path.join(mirror, "files")
    wheels = sorted(os.path.join(files, w) for w in os.listdir(files) if w.endswith(".whl"))
    trees = []
    for wheel in wheels:
        tree = os.path.join(fill, "template", os.path.basename(wheel)[:-4])
        with zipfile.ZipFile(wheel) as z:
            z.extractall(tree)
        trees.append(tree)
    return wheels, trees


def write_venv(rng, dest, trees):
    site = os.path.join(dest, "lib", "python3", "site-packages")
    os.makedirs(site)
    chosen = rng.sample(trees, min(len(trees), rng.randint(15, 60)))
    subprocess.run(["cp", "-a", *chosen, site], check=True)


def write_cache(rng, dest, wheels):
    for wheel in rng.sample(wheels, min(len(wheels), rng.randint(20, 80))):
        sub = os.path.join(dest, "wheels", "%02x" % rng.randrange(256), "%02x" % rng.randrange(256))
        os.makedirs(sub, exist_ok=True)
        shutil.copy(wheel, sub)


def write_build(rng, dest):
    """A build folder: many mid-sized and a few big files, allocated without
    writing their bytes (the allocator's state is what matters here)."""
    for i in range(rng.randint(30, 300)):
        sub = os.path.join(dest, "deps" if i % 3 else "incremental", f"d{i % 17}")
        os.makedirs(sub, exist_ok=True)
        size = int(min(64 << 20, rng.lognormvariate(12, 2.0))) + 1
        fd = os.open(os.path.join(sub, f"f{i}.rlib"), os.O_CREAT | os.O_WRONLY, 0o644)
        try:
            os.posix_fallocate(fd, 0, size)
        finally:
            os.close(fd)


def fill_disk(mnt, mirror, target, seed):
    """Writes venvs, caches and build folders, deleting some as it goes,
    until `target` percent of the blocks are used. Returns the trees left."""
    rng = random.Random(seed)
    fill = os.path.join(mnt, "fill")
    wheels, trees = templates(mirror, fill)
    left, i, start = [], 0, time.monotonic()
    while used_share(mnt) < target:
        kind = rng.choice(["venv", "venv", "cache", "build"])
        dest = os.path.join(fill, f"{kind}-{i}")
        try:
            if kind == "venv":
                write_venv(rng, dest, trees)
            elif kind == "cache":
                write_cache(rng, dest, wheels)
            else:
                write_build(rng, dest)
        except (OSError, subprocess.CalledProcessError):
            break  # the file system is full: that is as full as it gets
        left.append(dest)
        if len(left) > 3 and rng.random() < 0.4:
            shutil.rmtree(left.pop(rng.randrange(len(left))))
        i += 1
    print(f"  filled in {time.monotonic() - start:.0f} s: {i} trees written, {len(left)} left; "
          f"{df_line(mnt)}", flush=True)
    return fill


def compare(args, mnt, state):
    """compare.py's warm runs with their caches and venvs in the image."""
    work = os.path.join(mnt, "bench")
    os.makedirs(work, exist_ok=True)
    out = os.path.join(tempfile.gettempdir(), f"fulldisk-{os.getpid()}-{state}.json")
    cmd = [sys.executable, os.path.join(HERE, "compare.py"), args.reqs, "--modes", "warm",
           "--runs", str(args.runs), "--tools", args.tools, "--work", work, "--json", out]
    for spec in args.wheel:
        cmd += ["--wheel", spec]
    p = subprocess.run(cmd)
    with open(out) as f:
        results = json.load(f)["warm"]
    os.remove(out)
    return results, p.returncode


def summary(everything):
    print("\nstate    tool   median   x uv   runs (s)")
    for state, results in everything.items():
        base = results.get("uv", {}).get("median")
        for tool, r in results.items():
            med = r.get("median")
            ratio = f"{med / base:5.2f}" if med and base else "    -"
            times = " ".join(f"{t:.2f}" for t in r["times"])
            print(f"{state:8} {tool:6} {med or 0:6.3f} {ratio}   {times}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reqs")
    ap.add_argument("--mirror", required=True, help="the mirror's root (bench/mirror.py's DIR/root)")
    ap.add_argument("--image", default=os.path.join(tempfile.gettempdir(), "fulldisk.img"))
    ap.add_argument("--size", default="8G")
    ap.add_argument("--fill", type=float, default=85, help="percent of the blocks to fill (full state)")
    ap.add_argument("--states", default="clean,full,emptied")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--tools", default="uv,wheel")
    ap.add_argument("--wheel", action="append", default=[], metavar="NAME=BIN_DIR")
    ap.add_argument("--mkfs", default="-G 2 -O ^has_journal -E lazy_itable_init=0", help="mkfs.ext4 options")
    ap.add_argument("--mount", default="discard", help="mount options")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-drop-caches", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the image (unmounted) at the end")
    ap.add_argument("--json")
    args = ap.parse_args()
    args.size = size_bytes(args.size)
    args.reqs = os.path.abspath(args.reqs)
    states = args.states.split(",")
    if args.size > MAX_SIZE:
        die("--size: at most 10G")
    if any(s not in ("clean", "full", "emptied") for s in states):
        die("--states: clean, full, emptied")
    if not os.environ.get("INDEX_URL"):
        die("INDEX_URL is not set: run it under serve.sh")
    mnt = make_image(args)
    everything, failed = {}, False
    try:
        fill = None
        for state in states:
            if state == "full" and fill is None:
                fill = fill_disk(mnt, args.mirror, args.fill, args.seed)
            if state == "emptied" and fill is not None:
                shutil.rmtree(fill)
            if not args.no_drop_caches:
                drop_caches()
            print(f"{state}: {df_line(mnt)}", flush=True)
            everything[state], code = compare(args, mnt, state)
            failed |= code != 0
            shutil.rmtree(os.path.join(mnt, "bench"), ignore_errors=True)
    finally:
        remove_image(args, mnt)
    summary(everything)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(everything, f, indent=1)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
