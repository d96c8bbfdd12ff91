#!/bin/bash
# certwardctl as a new administrator meets it (issue 13): help that reads
# well and exits 0, usage lines one can type, errors that name the
# command-line option and say how to start a missing agent, and a
# certificate whose first request failed shown as "no certificate yet".
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
if [ -z "${CW_IN_SESSION:-}" ]; then
  exec env -u DBUS_SESSION_BUS_ADDRESS CW_IN_SESSION=1 dbus-run-session -- bash "$0" "$@" 2> >(grep -v 'fd limit' >&2)
fi
. "$(dirname "$0")/tap.sh"

S=$(mktemp -d /tmp/certward-cli-usability-XXXXXX)
cleanup() {
  [ -n "${CW_PID:-}" ] && kill "$CW_PID" 2>/dev/null && wait "$CW_PID" 2>/dev/null
  rm -rf "$S" "$TAP_TMP"
}
trap cleanup EXIT

bash "$CW_TEST_MAKE_FIXTURES" "$CW_TEST_FIXTURES"
F=$CW_TEST_FIXTURES
CTL="$CERTWARDCTL --session"
touch "$S/empty.conf"

# ---- help, without an agent --------------------------------------------

like "--help prints the commands on stdout" "^Commands:" $CTL --help
like "the arguments column does not run into the summary (HOST, Obtain)" "request +NAME --id HOST {2,}Obtain" $CTL --help
ok "every summary starts in the same column" python3 - "$CERTWARDCTL" <<'PY'
import re, subprocess, sys
out = subprocess.run([sys.argv[1], "--help"], capture_output=True, text=True, check=True).stdout
lines = out.split("Commands:\n")[1].split("\n\n")[0].splitlines()
# "  NAME  ARGS  Summary": the summary is the text after the last run of
# two or more spaces; every one must start at the same character
cols = {len(l) - len(re.split(r" {2,}", l)[-1]) for l in lines}
assert len(lines) > 10 and len(cols) == 1, (cols, lines)
PY

# every command, and every verb with options of its own, answers --help
# with exit status 0 and a usage line that starts with "certwardctl COMMAND"
COMMANDS=$($CTL --help | sed -n '/^Commands:/,/^$/s/^  \([a-z-]*\) .*/\1/p')
ok "the command list was found" test "$(echo "$COMMANDS" | wc -w)" -ge 20
for c in $COMMANDS; do
  like "certwardctl $c --help: exit 0, usage names certwardctl $c" "certwardctl $c( |$)" $CTL $c --help
done
for v in "account create" "provider types" "provider list" "provider show" "provider add" "provider update" \
         "provider remove" "provider test" "ca create"; do
  like "certwardctl $v --help names certwardctl $v" "^  certwardctl $v \[OPTION" $CTL $v --help
done
like "certwardctl ca --help shows the options of ca create" "\-\-issuer" $CTL ca --help
# verbs that parse no options of their own answer --help too (they crashed
# or waited for a bus that --help does not connect to)
for v in "account list" "account contact" "account rollover" "account deactivate" "trust list" "tenant set"; do
  like "certwardctl $v --help: exit 0 without an agent" "certwardctl ${v%% *}" timeout 10 $CTL $v --help
done

# ---- no agent ----------------------------------------------------------

fails "no system bus: the agent is not running, and how to start it" \
  "certwardd is not running.*systemctl enable --now certwardd" \
  env DBUS_SYSTEM_BUS_ADDRESS="unix:path=$S/no-bus" "$CERTWARDCTL" list
fails "no session bus: how tests start an agent" "certwardd is not running.*certwardd --session" \
  env -u DBUS_SESSION_BUS_ADDRESS DISPLAY= "$CERTWARDCTL" --session list
fails "a bus without the agent: how to start one" "certwardd is not running on the session bus; .*certwardd --session" \
  $CTL list

# ---- with an agent -----------------------------------------------------

"$CERTWARDD" --session --state-dir "$S/state" --config "$S/empty.conf" 2>>"$S/daemon.log" &
CW_PID=$!
for i in $(seq 100); do gdbus call --session --dest org.certward.Certward1 --object-path /org/certward/Certward1 \
  --method org.freedesktop.DBus.Peer.Ping >/dev/null 2>&1 && break; sleep 0.05; done

like "import" "Imported" $CTL import "$F/nopass.p12" --name taken
fails "import: a taken name is replaced with --replace (the CLI's option)" "“taken” exists; use --replace to overwrite it" \
  $CTL import "$F/nopass.p12" --name taken
fails "self-sign: the same" "“taken” exists; use --replace" $CTL self-sign taken --id x.example.test
like "--replace does it" "Imported" $CTL import "$F/nopass.p12" --name taken --replace

# a first request that fails (nothing listens on port 9) leaves a
# certificate object without a certificate
fails "a request the CA cannot be reached for fails" "cannot reach the ACME server" \
  $CTL request first --id first.example.test --directory https://127.0.0.1:9/directory
like "show: no certificate yet" "^Certificate: +no certificate yet$" $CTL show first
ok "show: no 1970 dates, no key mismatch, no paths to missing files" bash -c "
  out=\$($CTL show first) && ! grep -Eq '1970|does not match|Fingerprint|Full chain' <<<\"\$out\""
like "show: the state and the CA's reason" "^Last error: +.*cannot reach the ACME server" $CTL show first
like "list --names prints only names" "^first$" $CTL list --names
ok "list --names has no header" bash -c "! $CTL list --names | grep -q NAME"

tap_done
