#!/bin/bash
# A phase of tests/run-tests.sh: the libFuzzer harnesses of fuzz/ (README
# there). Builds them with clang into build-fuzz/, replays the regression
# inputs of fuzz/corpus-regress/<harness>/ (crashes found before, each must
# stay fixed), then fuzzes each harness for FUZZ_SECONDS (60) from its
# seeds, two at a time. A harness passes when neither found anything; the last
# line counts harnesses: "N passed, N failed". Runs in a network namespace
# of its own when it can (root), so that a URL or address from the input
# can only reach loopback.
# Environment: FUZZ_SECONDS, FUZZ_JOBS (2), FUZZ_ONLY (space-separated
# harness names), FUZZ_OUT (where corpora and crash inputs go; default
# build-fuzz/fuzz-out).
# SPDX-License-Identifier: LGPL-2.1-or-later
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

SECONDS_EACH=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-2}
HARNESSES=${FUZZ_ONLY:-"material archive acme-json acme-order dns provider-http scep"}
BUILD=$ROOT/build-fuzz
OUT=${FUZZ_OUT:-$BUILD/fuzz-out}

fail() { echo "phase-10-fuzz: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

start=$(date +%s)
if [ -z "${FUZZ_IN_NETNS:-}" ]; then
  bash tests/deps.sh || fail "cannot install the build dependencies"
  if ! command -v clang >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] || fail "needs clang and libclang-rt-dev"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang libclang-rt-dev >/dev/null \
      || fail "cannot install clang"
  fi
  if [ ! -f "$BUILD/build.ninja" ]; then
    CC=clang meson setup "$BUILD" -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false -Dtests=false \
      >/dev/null || fail "meson setup failed"
  fi
  ninja -C "$BUILD" >/dev/null || fail "the harnesses do not build"
  echo "built in $(( $(date +%s) - start )) s"
  if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
    # the rest alone on a loopback-only network
    exec unshare --net env FUZZ_IN_NETNS=1 FUZZ_START="$start" \
      bash -c 'ip link set lo up && exec bash "$0"' "$ROOT/tests/phases/10-fuzz.sh"
  fi
fi
start=${FUZZ_START:-$start}

dict_for() {
  case $1 in
    material|archive) echo "-dict=$ROOT/fuzz/dict/material.dict" ;;
    acme-json|acme-order|provider-http) echo "-dict=$ROOT/fuzz/dict/http.dict" ;;
  esac
}

# ASan reports leaks at exit and between inputs; UBSan's findings are crashes
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:intercept_tls_get_addr=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/fuzz/lsan.supp:print_suppressions=0}

# one harness: the regression inputs once, then fuzzing; 0 when clean
run_one() {
  local h=$1 dir=$OUT/$1 bin=$BUILD/fuzz/fuzz-$1 regress=$ROOT/fuzz/corpus-regress/$1
  mkdir -p "$dir/corpus" "$dir/crashes"
  if [ -d "$regress" ] && [ -n "$(ls -A "$regress")" ]; then
    if ! "$bin" -runs=0 "$regress" >"$dir/regress.log" 2>&1; then
      echo "$h: a regression input fails again (see $dir/regress.log)"
      return 1
    fi
  fi
  # shellcheck disable=SC2046
  "$bin" -max_total_time="$SECONDS_EACH" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$dir/crashes/" $(dict_for "$h") "$dir/corpus" "$BUILD/fuzz/seeds/$h" >"$dir/fuzz.log" 2>&1
  local rc=$?
  local stats
  stats=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE|INITED)' "$dir/fuzz.log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+' || true)
  local execs
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$dir/fuzz.log" | grep -oE '[0-9]+$' || echo "?")
  if [ $rc -ne 0 ] || [ -n "$(ls -A "$dir/crashes")" ]; then
    echo "$h: FOUND SOMETHING after $execs runs ($stats): $(ls "$dir/crashes" | head -3 | tr '\n' ' ')"
    grep -E 'ERROR|SUMMARY|fuzz:|CRITICAL' "$dir/fuzz.log" | head -5 | sed 's/^/  /'
    return 1
  fi
  echo "$h: $execs runs in ${SECONDS_EACH} s, $stats, nothing found"
  return 0
}

rm -rf "$OUT"
mkdir -p "$OUT"
declare -A status
for h in $HARNESSES; do
  [ -x "$BUILD/fuzz/fuzz-$h" ] || { echo "$h: not built"; status[$h]=1; continue; }
  { run_one "$h" > "$OUT/$h.summary"; echo $? > "$OUT/$h.rc"; } &
  # at most JOBS at a time
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
done
wait
for h in $HARNESSES; do
  [ -f "$OUT/$h.rc" ] && status[$h]=$(cat "$OUT/$h.rc")
done

passed=0 failed=0
for h in $HARNESSES; do
  [ -f "$OUT/$h.summary" ] && cat "$OUT/$h.summary"
  if [ "${status[$h]:-1}" = 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "fuzzing took $(( $(date +%s) - start )) s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
