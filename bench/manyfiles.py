#!/usr/bin/env python3
"""Write a wheel with many small files, to time installers on the part of an
install that is all file system work (no network: install it by path).

    manyfiles.py OUT_DIR [--files N] [--name NAME]

Writes OUT_DIR/NAME-1.0-py3-none-any.whl (NAME default `manyfiles`) holding
N files in all (default 10,104), dist-info included: modules of a few hundred
bytes each, 100 to a package, with a RECORD pip and wheel-unpack can verify.
The same arguments always give the same wheel, byte for byte.
"""
import argparse
import base64
import hashlib
import os
import zipfile

DIST_INFO_FILES = 3  # METADATA, WHEEL, RECORD


def record_hash(data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode()


def payload(name, count):
    """(path, bytes) for `count` module files, 100 a package, each package
    with its __init__.py among them."""
    files = []
    for i in range(count):
        package, index = divmod(i, 100)
        module = "__init__" if index == 0 else f"m{index:02}"
        body = f'"""Module {index} of package {package}."""\n\nVALUE = {i}\n' + "# padding\n" * 20
        files.append((f"{name}/p{package:03}/{module}.py", body.encode()))
    return files


def write_wheel(out, name, total):
    dist_info = f"{name}-1.0.dist-info"
    files = payload(name, max(total - DIST_INFO_FILES, 0))
    files.append((f"{dist_info}/METADATA",
                  f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n".encode()))
    files.append((f"{dist_info}/WHEEL",
                  b"Wheel-Version: 1.0\nGenerator: manyfiles.py\nRoot-Is-Purelib: true\nTag: py3-none-any\n"))
    record = "".join(f"{path},{record_hash(data)},{len(data)}\n" for path, data in files)
    record += f"{dist_info}/RECORD,,\n"
    files.append((f"{dist_info}/RECORD", record.encode()))
    path = os.path.join(out, f"{name}-1.0-py3-none-any.whl")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for member, data in files:
            info = zipfile.ZipInfo(member, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            z.writestr(info, data, zipfile.ZIP_DEFLATED)
    return path, len(files)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--files", type=int, default=10104)
    ap.add_argument("--name", default="manyfiles")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    path, count = write_wheel(args.out, args.name, args.files)
    print(f"{path}: {count} files")


if __name__ == "__main__":
    main()
