#!/bin/bash
# Builds the Debian packages of this checkout the way the README says
# (dpkg-buildpackage -us -uc -b), in a copy of the tree so the checkout
# stays clean; the .deb files land in OUTDIR.
#
#   build-deb.sh OUTDIR              version N, from debian/changelog
#   build-deb.sh --next OUTDIR SUFFIX
#                                    version N+SUFFIX of the packages in
#                                    OUTDIR, for the upgrade test: the same
#                                    files repacked (dpkg-deb) with the
#                                    higher version, which is all an
#                                    upgrade needs; a second
#                                    dpkg-buildpackage cost half a minute
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
next=""
if [ "${1:-}" = --next ]; then
  next=${3:?usage: build-deb.sh --next OUTDIR SUFFIX}
  shift
fi
OUT=${1:?usage: build-deb.sh [--next] OUTDIR [SUFFIX]}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

if [ -z "$next" ]; then
  rm -rf "$OUT/src"
  mkdir -p "$OUT/src"
  # what git tracks plus what is new and not ignored; a tarball without
  # git: everything but build trees
  if git -C "$SRC" rev-parse --show-toplevel >/dev/null 2>&1; then
    (cd "$SRC" && git ls-files -z -co --exclude-standard | tar --null -T - -cf -) | tar -xf - -C "$OUT/src"
  else
    tar -C "$SRC" --exclude=./build --exclude=./_build --exclude='./obj-*' --exclude=./.git -cf - . | tar -xf - -C "$OUT/src"
  fi
  cd "$OUT/src"
  dpkg-buildpackage -us -uc -b
else
  version=$(dpkg-parsechangelog -l "$OUT/src/debian/changelog" -S Version)
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  for deb in "$OUT"/*_"$version"_*.deb; do
    case $deb in *-dbgsym_*) continue;; esac
    package=$(dpkg-deb -f "$deb" Package)
    arch=$(dpkg-deb -f "$deb" Architecture)
    rm -rf "$work/pkg"
    # as root: owners and modes are kept
    dpkg-deb -R "$deb" "$work/pkg"
    sed -i "s/^Version: .*/Version: $version$next/" "$work/pkg/DEBIAN/control"
    dpkg-deb -b "$work/pkg" "$OUT/${package}_$version${next}_$arch.deb" >/dev/null
  done
fi
