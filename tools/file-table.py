#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Prints docs/architecture.md's table of the core's files: each .c of
src/core/LAYER/ in the layers' order (src/core/meson.build) with the top
comment that says what it owns (the comment after the SPDX line).

usage: file-table.py SOURCE_DIR        print the table
       file-table.py SOURCE_DIR --check  exit 1 when docs/architecture.md's
                                         table differs (tests/test-data.sh)
"""
import os
import re
import sys


def layers(src):
    text = open(os.path.join(src, "src", "core", "meson.build")).read()
    return re.findall(r"^  \['([a-z0-9]+)', files\(", text, re.M)


def owns(path):
    text = open(path, encoding="utf-8").read()
    m = re.match(r"/\* SPDX[^\n]*\*/\n/\*(.*?)\*/", text, re.S)
    if not m:
        return None
    lines = [line.strip().lstrip("*").strip() for line in m.group(1).splitlines()]
    return " ".join(line for line in lines if line)


def table(src):
    rows = ["| Layer | File | What it owns |", "|---|---|---|"]
    missing = []
    for layer in layers(src):
        d = os.path.join(src, "src", "core", layer)
        for name in sorted(os.listdir(d)):
            if not name.endswith(".c"):
                continue
            what = owns(os.path.join(d, name))
            if what is None:
                missing.append("%s/%s" % (layer, name))
                what = "?"
            rows.append("| %s | `%s` | %s |" % (layer, name, what))
    return "\n".join(rows) + "\n", missing


def main():
    src = sys.argv[1]
    text, missing = table(src)
    if "--check" not in sys.argv:
        sys.stdout.write(text)
        return 0
    doc = open(os.path.join(src, "docs", "architecture.md"), encoding="utf-8").read()
    ok = text in doc and not missing
    for m in missing:
        print("no top comment saying what it owns: src/core/" + m)
    if text not in doc:
        print("docs/architecture.md's file table is not what tools/file-table.py prints")
    return 0 if ok else 1


sys.exit(main())
