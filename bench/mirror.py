#!/usr/bin/env python3
"""Build the benchmark's local package index: download the wheels pinned in
requirement files, then write a static index of them that any file server can
serve (serve.sh serves it with a set latency and bandwidth).

    mirror.py [--index-url URL] [--sources] DIR REQS.txt [REQS.txt ...]

The wheels are downloaded by `python -m pip download` of the interpreter that
runs this script, so they come from the index pip is configured to use
(PIP_INDEX_URL, pip.conf, or pip's default), or from --index-url when given.
No index is written here. The pins in reqs/*.txt are for CPython 3.11 on
Linux x86_64: run this with such an interpreter. Wheels already in DIR/wheels
are kept, so a second run only adds what is new.

With --sources, a pin that has no wheel is mirrored as its source
distribution (pip download --prefer-binary), for the sets of sdist-only
packages (reqs/sdists.txt, with reqs/build.txt: the backends that build them).

Writes under DIR/root:
  files/W, files/W.metadata   each wheel (hard link) and its METADATA (PEP 658);
                              each sdist (no .metadata: PEP 658 is for wheels)
  simple/                     PEP 503 HTML and PEP 691 JSON pages (index.html,
                              index.json per project and for the project list),
                              with sha256, Requires-Python and core-metadata
  nometa/                     the same pages without the core-metadata
                              attributes: a client must read metadata from the
                              wheel itself (range requests or a full download)
"""
import argparse
import email.parser
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(wheels, reqs, index_url, sources):
    """pip download of every pinned wheel, without dependencies (the .txt
    files pin the whole set) and without source distributions (with
    `sources`: a source distribution when a pin has no wheel)."""
    if sys.version_info[:2] != (3, 11):
        print(f"mirror.py: warning: the pins are for CPython 3.11, this is "
              f"{sys.version.split()[0]}: some wheels may not be found", file=sys.stderr)
    for req in reqs:
        cmd = [sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check",
               "--prefer-binary" if sources else "--only-binary=:all:", "--no-deps", "-d", wheels, "-r", req]
        if index_url:
            cmd += ["--index-url", index_url]
        if subprocess.run(cmd).returncode != 0:
            sys.exit(f"mirror.py: pip download failed for {req}")


def read_wheel(path):
    """The wheel's METADATA bytes, from its top-level .dist-info folder."""
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            folder, _, base = name.partition("/")
            if folder.endswith(".dist-info") and base == "METADATA":
                return z.read(name)
    sys.exit(f"mirror.py: {path}: no .dist-info/METADATA")


def add_file(wheels, files, filename):
    """Links one wheel into files/ and writes its .metadata; returns what
    the project pages say about it."""
    target = os.path.join(files, filename)
    if not os.path.exists(target):
        try:
            os.link(os.path.join(wheels, filename), target)
        except OSError:
            shutil.copy2(os.path.join(wheels, filename), target)
    metadata = read_wheel(target)
    with open(target + ".metadata", "wb") as f:
        f.write(metadata)
    headers = email.parser.BytesParser().parsebytes(metadata, headersonly=True)
    return normalize(headers["Name"]), {
        "filename": filename,
        "version": headers["Version"],
        "sha256": file_sha256(target),
        "size": os.path.getsize(target),
        "requires_python": headers.get("Requires-Python"),
        "metadata_sha256": hashlib.sha256(metadata).hexdigest(),
    }


SDISTS = (".tar.gz", ".zip")


def read_pkg_info(path):
    """The PKG-INFO bytes of an sdist: at its top folder, else (old
    setuptools sdists) in its .egg-info folder."""
    if path.endswith(".zip"):
        with zipfile.ZipFile(path) as z:
            names = {name: name for name in z.namelist()}
            read = z.read
    else:
        t = tarfile.open(path)
        names = {m.name: m for m in t.getmembers()}
        read = lambda member: t.extractfile(member).read()
    found = sorted((n.count("/"), n) for n in names if n.endswith("/PKG-INFO"))
    if not found:
        sys.exit(f"mirror.py: {path}: no PKG-INFO")
    return read(names[found[0][1]])


def add_sdist(wheels, files, filename):
    """Links one sdist into files/; returns what the project pages say about it."""
    target = os.path.join(files, filename)
    if not os.path.exists(target):
        try:
            os.link(os.path.join(wheels, filename), target)
        except OSError:
            shutil.copy2(os.path.join(wheels, filename), target)
    headers = email.parser.BytesParser().parsebytes(read_pkg_info(target), headersonly=True)
    return normalize(headers["Name"]), {
        "filename": filename,
        "version": headers["Version"],
        "sha256": file_sha256(target),
        "size": os.path.getsize(target),
        "requires_python": headers.get("Requires-Python"),
        "metadata_sha256": None,
    }


def project_pages(name, wheels, with_metadata):
    """A project's PEP 503 HTML page and PEP 691 JSON page, as strings."""
    links, files = [], []
    for w in wheels:
        url = f"../../files/{w['filename']}"
        attrs = f'href="{url}#sha256={w["sha256"]}"'
        entry = {"filename": w["filename"], "url": url, "hashes": {"sha256": w["sha256"]},
                 "size": w["size"]}
        if w["requires_python"]:
            attrs += f' data-requires-python="{html.escape(w["requires_python"])}"'
            entry["requires-python"] = w["requires_python"]
        if with_metadata and w["metadata_sha256"]:
            value = f"sha256={w['metadata_sha256']}"
            attrs += f' data-core-metadata="{value}" data-dist-info-metadata="{value}"'
            entry["core-metadata"] = entry["dist-info-metadata"] = {"sha256": w["metadata_sha256"]}
        links.append(f"<a {attrs}>{html.escape(w['filename'])}</a><br/>")
        files.append(entry)
    page = "<!DOCTYPE html>\n<html><body>\n" + "\n".join(links) + "\n</body></html>\n"
    doc = {"meta": {"api-version": "1.1"}, "name": name, "files": files,
           "versions": sorted({w["version"] for w in wheels})}
    return page, json.dumps(doc)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def write_index(base, projects, with_metadata):
    for name, wheels in projects.items():
        page, doc = project_pages(name, wheels, with_metadata)
        write(os.path.join(base, name, "index.html"), page)
        write(os.path.join(base, name, "index.json"), doc)
    names = sorted(projects)
    write(os.path.join(base, "index.html"), "<!DOCTYPE html>\n<html><body>\n"
          + "\n".join(f'<a href="{n}/">{n}</a><br/>' for n in names) + "\n</body></html>\n")
    write(os.path.join(base, "index.json"), json.dumps(
        {"meta": {"api-version": "1.1"}, "projects": [{"name": n} for n in names]}))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index-url", help="the index to download from (default: as pip is configured)")
    ap.add_argument("--sources", action="store_true",
                    help="mirror a pin without a wheel as its source distribution")
    ap.add_argument("dir")
    ap.add_argument("reqs", nargs="+")
    args = ap.parse_args()
    wheels = os.path.join(args.dir, "wheels")
    files = os.path.join(args.dir, "root", "files")
    os.makedirs(wheels, exist_ok=True)
    os.makedirs(files, exist_ok=True)
    download(wheels, args.reqs, args.index_url, args.sources)
    projects = {}
    for filename in sorted(os.listdir(wheels)):
        if filename.endswith(".whl"):
            name, info = add_file(wheels, files, filename)
            projects.setdefault(name, []).append(info)
        elif filename.endswith(SDISTS):
            name, info = add_sdist(wheels, files, filename)
            projects.setdefault(name, []).append(info)
    for flavour, with_metadata in (("simple", True), ("nometa", False)):
        write_index(os.path.join(args.dir, "root", flavour), projects, with_metadata)
    count = sum(len(w) for w in projects.values())
    print(f"{len(projects)} projects, {count} files; serve {os.path.join(args.dir, 'root')}")


if __name__ == "__main__":
    main()
