#!/usr/bin/env python3
"""Count what a client asked of the benchmark's index, from serve.sh's
access log ($ACCESS_LOG): the README's wheel-meta table comes from it.

    logstat.py ACCESS_LOG [--root ROOT]

Prints, for the wheels (files/*.whl): GET and HEAD requests, how many
distinct wheels were read, requests per wheel, and the bytes sent, also as a
share of those wheels' sizes when --root (the mirror's root) is given; then
the PEP 658 .metadata requests and the index page requests. Empty the log
(`: > "$ACCESS_LOG"`) before each tool to count it alone.
"""
import argparse
import os
import sys
from urllib.parse import unquote


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("log")
    ap.add_argument("--root")
    args = ap.parse_args()
    requests = {"GET": 0, "HEAD": 0}
    wheels, sent, metadata, pages = set(), 0, 0, 0
    with open(args.log) as f:
        for line in f:
            parts = line.split()
            if len(parts) != 5:
                continue
            method, path, _, _, size = parts
            path = unquote(path.split("?", 1)[0])
            if path.endswith(".whl"):
                requests[method] = requests.get(method, 0) + 1
                wheels.add(os.path.basename(path))
                sent += int(size)
            elif path.endswith(".metadata"):
                metadata += 1
            else:
                pages += 1
    total = sum(requests.values())
    print(f"wheel requests: {total} ({', '.join(f'{m} {n}' for m, n in requests.items())}), "
          f"{len(wheels)} wheels, {total / max(len(wheels), 1):.2f} a wheel")
    line = f"wheel bytes: {sent / 1e6:.2f} MB"
    if args.root:
        size = sum(os.path.getsize(os.path.join(args.root, "files", w)) for w in wheels)
        line += f" of {size / 1e6:.1f} MB ({100 * sent / max(size, 1):.2f} %)"
    print(line)
    print(f"metadata files: {metadata}, index pages: {pages}")


if __name__ == "__main__":
    sys.exit(main())
