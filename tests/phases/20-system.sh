#!/bin/bash
# A phase of tests/run-tests.sh: the system tests (tests/system/test-system.sh): the Debian
# package built with dpkg-buildpackage, installed in a Debian 12 container
# that boots systemd, and checked there. A phase rather than a meson test:
# it tests the package, not the build tree; it needs root, the network
# (once, for the container tree and whenever its packages change) and
# both cores for two to five minutes (the package build is most of it), and
# it should not run in every developer's `meson test` nor beside the
# parallel suite. Ends with "N passed, N failed" (skips counted apart).
# SPDX-License-Identifier: LGPL-2.1-or-later
set -uo pipefail
cd "$(dirname "$0")/../.."

start=$(date +%s)
if [ "$(id -u)" = 0 ]; then
  bash tests/deps.sh --system || { echo "tests/deps.sh --system failed"; echo "0 passed, 1 failed"; exit 1; }
fi
log=$(mktemp)
bash tests/system/test-system.sh 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

skipped=$(grep -cE '^ok [0-9]+ .*# SKIP' "$log")
passed=$(($(grep -cE '^ok [0-9]+' "$log") - skipped))
failed=$(grep -cE '^not ok [0-9]+' "$log")
plan=$(grep -E '^1\.\.[0-9]+' "$log" | tail -1)
rm -f "$log"
# a run that died before its plan, or failed without saying what, is a failure
if [ -z "$plan" ] || { [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; }; then
  failed=$((failed + 1))
fi
case $plan in
  "1..0 # SKIP"*) echo "system tests skipped: ${plan#1..0 # SKIP }";;
  *) [ "$skipped" -gt 0 ] && echo "system tests: $skipped skipped (see # SKIP above)";;
esac
echo "system tests took $(($(date +%s) - start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
