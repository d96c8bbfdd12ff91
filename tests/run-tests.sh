#!/bin/bash
# The README's test command: installs dependencies, builds, runs the whole
# suite, then every phase in tests/phases/ (the Debian package in a booted
# container, fuzzing, a sanitizer build, ...), and ends with one line
# "N passed, N failed" counting test cases (the TAP results of every test
# program and phase). CW_PHASES=none runs the meson suite only.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -uo pipefail
cd "$(dirname "$0")/.."

bash tests/deps.sh || { echo "0 passed, 1 failed"; exit 1; }
bash tests/build.sh || { echo "0 passed, 1 failed"; exit 1; }

start=$(date +%s)
meson test -C build --print-errorlogs --num-processes 2
status=$?

counts=$(python3 - build/meson-logs/testlog.json <<'PY'
import json, re, sys
passed = failed = 0
for line in open(sys.argv[1]):
    test = json.loads(line)
    out = test.get("stdout") or ""
    ok = len(re.findall(r"^ok\b", out, re.M))
    bad = len(re.findall(r"^not ok\b", out, re.M))
    # a program that died before reporting counts as one failure
    if test["result"] not in ("OK", "SKIP", "EXPECTEDFAIL") and bad == 0:
        bad = 1
    passed += ok
    failed += bad
print(passed, failed)
PY
)
passed=${counts% *} failed=${counts#* }
echo "=== meson suite: $passed passed, $failed failed ($(( $(date +%s) - start )) s)"

# Each phase ends with "N passed, N failed"; one that dies before saying so
# counts as a failure.
if [ "${CW_PHASES:-all}" != none ]; then
  for phase in tests/phases/*.sh; do
    [ -e "$phase" ] || continue
    phase_start=$(date +%s)
    log=$(mktemp)
    bash "$phase" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
    rm -f "$log"
    [ -n "$line" ] || line="0 passed, 1 failed"
    p=${line%% passed*} f=${line#*, }; f=${f%% failed*}
    if [ "$rc" -ne 0 ]; then
      status=1
      [ "$f" -eq 0 ] && f=1
    fi
    passed=$((passed + p)) failed=$((failed + f))
    echo "=== $phase: $p passed, $f failed ($(( $(date +%s) - phase_start )) s)"
  done
fi
echo "all tests took $(( $(date +%s) - start )) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] || status=1
exit $status
