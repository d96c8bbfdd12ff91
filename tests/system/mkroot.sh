#!/bin/bash
# Makes the container tree the system tests boot: a minimal Debian 12 with
# systemd as init (debootstrap, from the mirror apt already uses), plus
# what the packages to be tested depend on, so that `dpkg -i` works inside
# without a network. Made once and reused (CI machines keep it between
# runs); the dependencies are installed again only when they change.
#
#   mkroot.sh ROOT [--with PACKAGES] [PACKAGE.deb...]
#
# --with: more Debian packages for the tests (a dependency line, "a, b"),
# e.g. the PBX software that certificates are delivered to; their services
# are installed disabled, so that the tree boots as before and each test
# starts what it needs. Dependencies of the .deb files on one another
# (cockpit-certward on certward) are left to `dpkg -i`.
#
# Needs root and, the first time and whenever the dependencies change,
# the Debian mirror. Exits 2 when the mirror cannot be used (debootstrap,
# apt-get update), 1 when the dependencies cannot be installed. Concurrent runs serialise on ROOT.lock; the tests
# take the same lock (shared) while they boot copies of the tree.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail

ROOT=${1:?usage: mkroot.sh ROOT [--with PACKAGES] [PACKAGE.deb...]}
shift
with=""
if [ "${1:-}" = --with ]; then
  with=${2:?usage: mkroot.sh ROOT [--with PACKAGES] [PACKAGE.deb...]}
  shift 2
fi
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

# the packages' Depends, as one dependency line for apt-get satisfy, less
# those on the packages given here (not in the archive)
ours=" "
for deb in "$@"; do
  ours="$ours$(dpkg-deb -f "$deb" Package) "
done
deps=""
for deb in "$@"; do
  while read -r d; do
    [ -n "$d" ] || continue
    case $ours in *" ${d%%[ (|]*} "*) continue;; esac
    deps="${deps:+$deps, }$d"
  done < <(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/^ *//; s/ *$//')
done
[ -n "$with" ] && deps="${deps:+$deps, }$with"
[ -n "$deps" ] || exit 0
stamp=$(printf '%s\n' "$deps" | tr ',' '\n' | sed 's/^ *//' | sort -u | sha256sum | cut -d' ' -f1)
if [ "$(cat "$ROOT/.certward-deps" 2>/dev/null)" != "$stamp" ]; then
  cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
  export DEBIAN_FRONTEND=noninteractive
  # no service starts in the chroot (a package's postinst would try)
  printf '#!/bin/sh\nexit 101\n' > "$ROOT/usr/sbin/policy-rc.d"
  chmod 755 "$ROOT/usr/sbin/policy-rc.d"
  trap 'rm -f "$ROOT/usr/sbin/policy-rc.d"' EXIT
  # everything there already (another checkout's run installed it, under
  # another stamp): no need of the mirror
  if ! plan=$(chroot "$ROOT" apt-get satisfy -s -qq --no-install-recommends "$deps" 2>/dev/null) ||
     printf '%s\n' "$plan" | grep -q '^Inst '; then
    chroot "$ROOT" apt-get update -qq || exit 2
    # unresolvable (the package's fault) is not unreachable (the network's)
    chroot "$ROOT" apt-get satisfy -s -qq --no-install-recommends "$deps" >/dev/null || exit 1
    chroot "$ROOT" apt-get satisfy -y -qq --no-install-recommends --download-only "$deps" >/dev/null || exit 2
    chroot "$ROOT" apt-get satisfy -y -qq --no-install-recommends "$deps" >/dev/null || exit 1
    chroot "$ROOT" apt-get clean
  fi
  if [ -n "$with" ]; then
    for p in $(printf '%s\n' "$with" | tr ',' '\n' | sed 's/^ *//; s/[ (|].*//'); do
      chroot "$ROOT" dpkg -L "$p" | grep -E '^/(usr/)?lib/systemd/system/[^/]+\.service$' | xargs -r -n1 basename |
        xargs -r chroot "$ROOT" systemctl disable --quiet || true
    done
  fi
  echo "$stamp" > "$ROOT/.certward-deps"
fi
