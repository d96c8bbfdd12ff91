#!/bin/bash
# Builds the Debian packages of this checkout the way the README says
# (dpkg-buildpackage -us -uc -b), in a copy of the tree so the checkout
# stays clean; the .deb files land in OUTDIR.
#
#   build-deb.sh OUTDIR              version N, from debian/changelog
#   build-deb.sh --next OUTDIR SUFFIX
#                                    version N+SUFFIX: the same build (no
#                                    clean, no recompile) under a new top
#                                    changelog entry, for the upgrade test
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
  cd "$OUT/src"
  name=$(dpkg-parsechangelog -S Source)
  version=$(dpkg-parsechangelog -S Version)
  {
    printf '%s (%s%s) unstable; urgency=medium\n\n' "$name" "$version" "$next"
    printf '  * Upgrade test: the same build under a higher version.\n\n'
    printf ' -- %s  %s\n\n' "$(dpkg-parsechangelog -S Maintainer)" "$(date -R)"
    cat debian/changelog
  } > debian/changelog.new
  mv debian/changelog.new debian/changelog
  # -nc: debian/debhelper-build-stamp says the build is done; only the
  # binary packages are made again, with the new version
  dpkg-buildpackage -us -uc -b -nc
fi
