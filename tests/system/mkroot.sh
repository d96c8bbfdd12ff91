#!/bin/bash
# Makes the container tree the system tests boot: a minimal Debian 12 with
# systemd as init (debootstrap, from the mirror apt already uses), plus
# what the packages to be tested depend on, so that `dpkg -i` works inside
# without a network. Made once and reused (CI machines keep it between
# runs); the dependencies are installed again only when they change.
#
#   mkroot.sh ROOT [PACKAGE.deb...]
#
# Needs root and, the first time and whenever the dependencies change,
# the Debian mirror. Exits 2 when the mirror cannot be used (debootstrap,
# apt-get update), 1 when the dependencies cannot be installed. Concurrent runs serialise on ROOT.lock; the tests
# take the same lock (shared) while they boot copies of the tree.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail

ROOT=${1:?usage: mkroot.sh ROOT [PACKAGE.deb...]}
shift
mkdir -p "$(dirname "$ROOT")"
exec 9>"$ROOT.lock"
flock 9

mirror() {
  local m=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    m=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
    m=$(awk '$1 == "deb" && $0 ~ / bookworm / { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:/) { print $i; exit } }' \
          /etc/apt/sources.list)
  fi
  echo "${m:-http://deb.debian.org/debian}"
}

if [ ! -e "$ROOT/.certward-nsroot" ]; then
  rm -rf "$ROOT.new"
  # libpam-systemd: logind sessions for runuser; the rest boots systemd
  debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,libpam-systemd \
    bookworm "$ROOT.new" "$(mirror)" > "$ROOT.debootstrap.log" 2>&1 || {
    tail -5 "$ROOT.debootstrap.log" >&2; rm -rf "$ROOT.new"; exit 2; }
  # without it the container is named after the host
  rm -f "$ROOT.new/etc/hostname"
  touch "$ROOT.new/.certward-nsroot"
  rm -rf "$ROOT"
  mv "$ROOT.new" "$ROOT"
fi

# the packages' Depends, as one dependency line for apt-get satisfy
deps=""
for deb in "$@"; do
  d=$(dpkg-deb -f "$deb" Depends)
  [ -n "$d" ] && deps="${deps:+$deps, }$d"
done
[ -n "$deps" ] || exit 0
stamp=$(printf '%s\n' "$deps" | tr ',' '\n' | sed 's/^ *//' | sort -u | sha256sum | cut -d' ' -f1)
if [ "$(cat "$ROOT/.certward-deps" 2>/dev/null)" != "$stamp" ]; then
  cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
  export DEBIAN_FRONTEND=noninteractive
  chroot "$ROOT" apt-get update -qq || exit 2
  # unresolvable (the package's fault) is not unreachable (the network's)
  chroot "$ROOT" apt-get satisfy -s -qq --no-install-recommends "$deps" >/dev/null || exit 1
  chroot "$ROOT" apt-get satisfy -y -qq --no-install-recommends --download-only "$deps" >/dev/null || exit 2
  chroot "$ROOT" apt-get satisfy -y -qq --no-install-recommends "$deps" >/dev/null || exit 1
  chroot "$ROOT" apt-get clean
  echo "$stamp" > "$ROOT/.certward-deps"
fi
