#!/bin/bash
# The README's test command: installs dependencies, builds, runs the whole
# suite, and ends with one line "N passed, N failed" counting test cases
# (the TAP results of every test program).
# SPDX-License-Identifier: LGPL-2.1-or-later
set -uo pipefail
cd "$(dirname "$0")/.."

bash tests/deps.sh || { echo "0 passed, 1 failed"; exit 1; }
bash tests/build.sh || { echo "0 passed, 1 failed"; exit 1; }

meson test -C build --print-errorlogs --num-processes 2
status=$?

python3 - build/meson-logs/testlog.json <<'PY'
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
print(f"{passed} passed, {failed} failed")
PY
exit $status
