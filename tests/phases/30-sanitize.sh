#!/bin/bash
# A phase of tests/run-tests.sh: the whole meson suite once more, in a
# build with AddressSanitizer and UndefinedBehaviorSanitizer (gcc,
# build-sanitize/), leak detection on.
# Every process counts — the test programs and what they start (certwardd,
# certwardctl, the plugins inside them): a sanitizer report of any of them
# is a failure, even when its test did not notice. Suppressions, for
# leaks inside the libraries only, are in fuzz/lsan.supp. The last line
# counts test cases (TAP) plus reports: "N passed, N failed".
# SPDX-License-Identifier: LGPL-2.1-or-later
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=$ROOT/build-sanitize
REPORTS=$BUILD/sanitizer-reports

fail() { echo "phase-30-sanitize: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

start=$(date +%s)
bash tests/deps.sh || fail "cannot install the dependencies"
if [ ! -f "$BUILD/build.ninja" ]; then
  # b_lundef=false: the plugins are shared modules whose ASan symbols come
  # from the program that loads them
  meson setup "$BUILD" -Db_sanitize=address,undefined -Db_lundef=false >/dev/null || fail "meson setup failed"
fi
ninja -C "$BUILD" >/dev/null || fail "the sanitizer build failed"
echo "built in $(( $(date +%s) - start )) s"

rm -rf "$REPORTS"
mkdir -p "$REPORTS"
# log_path: each process writes its reports to a file of its own, so that
# those of daemons and command-line tools are seen too.
# intercept_tls_get_addr=0: gcc 12's LeakSanitizer crashes ("Tracer caught
# signal 11") on the dynamic TLS of modules GIO loads (glib-networking);
# without the interception it does not scan that TLS, which holds no heap
# pointers of ours.
# fast_unwind_on_malloc=0: Debian's libraries have no frame pointers, so
# the fast unwinder stops at g_malloc, and a leak inside libsoup could not
# be told from one of ours; 16 frames reach the suppressed functions.
export ASAN_OPTIONS="detect_leaks=1:intercept_tls_get_addr=0:fast_unwind_on_malloc=0:malloc_context_size=16:log_path=$REPORTS/asan"
export LSAN_OPTIONS="suppressions=$ROOT/fuzz/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$REPORTS/ubsan"
# GLib 2.74's slice allocator hides its blocks from ASan
export G_SLICE=always-malloc
# for tests that cannot run under the sanitizers (they say so in a SKIP)
export CW_TEST_SANITIZED=1

meson test -C "$BUILD" --print-errorlogs --num-processes 2 --timeout-multiplier 3
status=$?

PHASE_START=$start python3 - "$BUILD/meson-logs/testlog.json" "$REPORTS" <<'PY'
import json, os, re, sys, time
passed = failed = skipped = 0
for line in open(sys.argv[1]):
    test = json.loads(line)
    out = test.get("stdout") or ""
    skip = len(re.findall(r"^ok\b.*# SKIP", out, re.M))
    ok = len(re.findall(r"^ok\b", out, re.M))
    bad = len(re.findall(r"^not ok\b", out, re.M))
    # a program that died before reporting counts as one failure
    if test["result"] not in ("OK", "SKIP", "EXPECTEDFAIL") and bad == 0:
        bad = 1
    passed += ok
    skipped += skip
    failed += bad
# every report of a process the tests started is a failure of its own
reports = sorted(os.listdir(sys.argv[2]))
for name in reports:
    with open(os.path.join(sys.argv[2], name), errors="replace") as f:
        print(f"--- sanitizer report {name}:\n" + "".join(f.readlines()[:40]))
failed += len(reports)
print(f"{skipped} of the passed test cases skipped under the sanitizers; {len(reports)} sanitizer reports; "
      f"the phase took {int(time.time()) - int(os.environ['PHASE_START'])} s")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
rc=$?
[ $status -eq 0 ] && [ $rc -eq 0 ]
