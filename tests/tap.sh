# Minimal TAP for the shell tests (sourced).
# SPDX-License-Identifier: LGPL-2.1-or-later
TAP_N=0
TAP_FAILED=0

# ok DESCRIPTION COMMAND...: passes when COMMAND succeeds
ok() {
  local desc=$1; shift
  TAP_N=$((TAP_N + 1))
  if "$@" >"$TAP_TMP/out" 2>"$TAP_TMP/err"; then
    echo "ok $TAP_N - $desc"
  else
    TAP_FAILED=$((TAP_FAILED + 1))
    echo "not ok $TAP_N - $desc"
    sed 's/^/# stdout: /' "$TAP_TMP/out"; sed 's/^/# stderr: /' "$TAP_TMP/err"
  fi
}

# fails DESCRIPTION PATTERN COMMAND...: passes when COMMAND exits 1 and its
# stderr matches PATTERN (grep -E) while stdout stays empty
fails() {
  local desc=$1 pattern=$2; shift 2
  local rc=0
  TAP_N=$((TAP_N + 1))
  "$@" >"$TAP_TMP/out" 2>"$TAP_TMP/err" || rc=$?
  if [ "$rc" = 1 ] && grep -qE -- "$pattern" "$TAP_TMP/err" && [ ! -s "$TAP_TMP/out" ]; then
    echo "ok $TAP_N - $desc"
  else
    TAP_FAILED=$((TAP_FAILED + 1))
    echo "not ok $TAP_N - $desc (exit $rc, wanted 1 and /$pattern/ on stderr)"
    sed 's/^/# stdout: /' "$TAP_TMP/out"; sed 's/^/# stderr: /' "$TAP_TMP/err"
  fi
}

# like DESCRIPTION PATTERN COMMAND...: passes when COMMAND succeeds and its
# stdout matches PATTERN (grep -E)
like() {
  local desc=$1 pattern=$2; shift 2
  TAP_N=$((TAP_N + 1))
  if "$@" >"$TAP_TMP/out" 2>"$TAP_TMP/err" && grep -qE -- "$pattern" "$TAP_TMP/out"; then
    echo "ok $TAP_N - $desc"
  else
    TAP_FAILED=$((TAP_FAILED + 1))
    echo "not ok $TAP_N - $desc (wanted /$pattern/)"
    sed 's/^/# stdout: /' "$TAP_TMP/out"; sed 's/^/# stderr: /' "$TAP_TMP/err"
  fi
}

tap_done() {
  echo "1..$TAP_N"
  [ "$TAP_FAILED" = 0 ]
}

TAP_TMP=$(mktemp -d)
trap 'rm -rf "$TAP_TMP"' EXIT
