#!/bin/bash
# Installs what building and testing Certward need on Debian 12 (as root).
# Used by the README's two commands and by CI; safe to run again.
# With --system, also what the system tests need (.ci/phase-20-system.sh):
# the Debian package build and its lint, and a container with systemd.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail

# scdoc: the man pages; bash-completion: where completions go (its .pc);
# python3-polib: the Cockpit page's translations (po.LANG.js);
# libtasn1: SCEP's CMS EnvelopedData (asn1Parser compiles src/core/scep/cw-scep.asn)
BUILD="meson ninja-build pkg-config gcc libc6-dev gettext
  libglib2.0-dev libglib2.0-dev-bin libgnutls28-dev libsoup-3.0-dev libjson-glib-dev libarchive-dev libldns-dev
  libtasn1-6-dev libtasn1-bin scdoc bash-completion python3-polib libpq-dev"
# glib-networking: libsoup's TLS backend at run time; dbus: the bus itself
RUNTIME="glib-networking dbus-daemon dbus-bin libglib2.0-bin ca-certificates"
# the tests run the real components and check against independent tools;
# locales: it_IT for the Italian test; man-db: man -l renders the pages;
# the Cockpit page is tested in Debian's headless Chromium (no browser download);
# Kamailio and coturn receive certificates through their integrations;
# polkitd decides who may change what on the system bus;
# scep: micromdm's scepserver, the SCEP CA of tests/test-scep*.c;
# nginx with its stream module: the TLS-ALPN-01 router of docs/;
# postgresql-15: the cluster tests' throwaway database (initdb, as postgres)
TEST="openssl gnutls-bin zip util-linux bsdutils systemd python3 pebble curl
  bind9 bind9-utils bind9-dnsutils pdns-server pdns-backend-sqlite3 sqlite3 scep
  locales man-db groff-base cockpit-ws cockpit-bridge cockpit-system chromium
  kamailio kamailio-tls-modules coturn polkitd
  nginx libnginx-mod-stream postgresql-15"
SYSTEM=""
if [ "${1:-}" = --system ]; then
  # dpkg-buildpackage and dh (debhelper-compat 13), lintian, systemd-nspawn,
  # debootstrap for the Debian 12 tree the container boots
  SYSTEM="build-essential dpkg-dev debhelper lintian systemd-container debootstrap"
fi

missing=$(for p in $BUILD $RUNTIME $TEST $SYSTEM; do dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || echo "$p"; done)
if [ -n "$missing" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Services installed here (nginx) must not start: the tests run their own
  # on loopback ports, and a system nginx on port 80 would take the port the
  # system tests use. policy-rc.d (101: action forbidden) stops that while
  # apt runs, unless the machine already has one.
  policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
