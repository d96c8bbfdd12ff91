#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks the core's structure from the built objects (nm), as TAP:

  1. no object calls into a higher layer (the build already refuses the
     headers; this also catches a declaration copied by hand);
  2. no circle between files: A calls B and B (maybe through others)
     calls A. Files are the .c units; a call is an undefined symbol of one
     object that another object defines.

usage: check-layers.py BUILD_DIR
"""
import os
import re
import subprocess
import sys

# the layers in order, as src/core/meson.build builds them
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "core", "meson.build")) as f:
    LAYERS = re.findall(r"^  \['([a-z0-9]+)', files\(", f.read(), re.M)


def symbols(objs):
    """{object: (defined, used)} from two runs of nm over every object."""
    objs = list(objs)
    result = {o: (set(), set()) for o in objs}
    for flags, index in ((["--defined-only", "-g"], 0), (["-u"], 1)):
        out = subprocess.run(["nm", "-A"] + flags + list(objs), capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            path, _, rest = line.partition(":")
            fields = rest.split()
            if not fields or path not in result:
                continue
            if index == 0 and not (len(fields) >= 3 and fields[1] in "TDBR"):
                continue
            result[path][index].add(fields[-1])
    return result


def main():
    build = sys.argv[1]
    objs = {}
    # the error domain is a library of its own (certwardctl links it alone)
    # but a unit of the base layer
    for layer, lib in [(layer, layer) for layer in LAYERS] + [("base", "error")]:
        d = os.path.join(build, "src", "core", "libcertward-%s.a.p" % lib)
        for name in sorted(os.listdir(d)):
            if name.endswith(".c.o"):
                unit = name[len(layer) + 1:-len(".c.o")]
                objs[unit] = (layer, os.path.join(d, name))
    defined_by = {}
    uses = {}
    found = symbols([path for _, path in objs.values()])
    for unit, (layer, path) in objs.items():
        defined, used = found[path]
        for s in defined:
            defined_by[s] = unit
        uses[unit] = used
    edges = {u: sorted({defined_by[s] for s in uses[u] if s in defined_by and defined_by[s] != u}) for u in objs}

    tests = []
    upward = [(a, b) for a in edges for b in edges[a] if LAYERS.index(objs[b][0]) > LAYERS.index(objs[a][0])]
    tests.append(("no call into a higher layer", ["%s (%s) -> %s (%s)" % (a, objs[a][0], b, objs[b][0]) for a, b in upward]))

    # Tarjan's strongly connected components
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    tests.append(("no circle between files", [" <-> ".join(c) for c in sccs]))

    print("1..%d" % len(tests))
    failed = 0
    for i, (name, problems) in enumerate(tests, 1):
        if problems:
            failed += 1
            print("not ok %d %s" % (i, name))
            for p in problems:
                print("#   %s" % p)
        else:
            print("ok %d %s" % (i, name))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
