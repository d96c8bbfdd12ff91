#!/bin/bash
# Italian end to end: an agent started under LANG=it_IT.UTF-8 sends its
# error messages over D-Bus in Italian and certwardctl prints them, with
# its own words, the state names and the column headers in Italian, the
# columns lined up in characters (IDENTITÀ is 8 characters, 9 bytes).
# The agent's messages are in the agent's locale, whatever the caller's.
#
# The locale is compiled into the build tree (LOCPATH) rather than the
# system, and the catalogs are those of the build tree (CERTWARD_LOCALEDIR).
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
if [ -z "${CW_IN_SESSION:-}" ]; then
  exec env -u DBUS_SESSION_BUS_ADDRESS CW_IN_SESSION=1 dbus-run-session -- bash "$0" "$@" 2> >(grep -v 'fd limit' >&2)
fi
. "$(dirname "$0")/tap.sh"

S=$(mktemp -d /tmp/certward-i18n-XXXXXX)
cleanup() {
  [ -n "${CW_PID:-}" ] && kill "$CW_PID" 2>/dev/null && wait "$CW_PID" 2>/dev/null
  rm -rf "$S" "$TAP_TMP"
}
trap cleanup EXIT

bash "$CW_TEST_MAKE_FIXTURES" "$CW_TEST_FIXTURES"
F=$CW_TEST_FIXTURES
touch "$S/empty.conf"

# it_IT.UTF-8 from Debian's "locales" sources, compiled once per build tree
LOC=$CW_BUILD_DIR/tests/locale
if [ ! -s "$LOC/it_IT.UTF-8/LC_MESSAGES/SYS_LC_MESSAGES" ]; then
  mkdir -p "$LOC"
  localedef -i it_IT -f UTF-8 "$LOC/it_IT.UTF-8" >"$S/localedef.log" 2>&1
fi
IT=(env -u LC_ALL -u LANGUAGE -u LC_MESSAGES LOCPATH="$LOC" LANG=it_IT.UTF-8 CERTWARD_LOCALEDIR="$CW_BUILD_DIR/po")
C=(env -u LANGUAGE LC_ALL=C.UTF-8 CERTWARD_LOCALEDIR="$CW_BUILD_DIR/po")
ok "the it_IT.UTF-8 locale is available" "${IT[@]}" python3 -c 'import locale; locale.setlocale(locale.LC_ALL, "")'
ok "the Italian catalog is built" test -s "$CW_BUILD_DIR/po/it/LC_MESSAGES/certward.mo"

start_daemon() {
  "$@" "$CERTWARDD" --session --state-dir "$S/state" --config "$S/empty.conf" 2>>"$S/daemon.log" &
  CW_PID=$!
  for i in $(seq 100); do gdbus call --session --dest org.certward.Certward1 --object-path /org/certward/Certward1 \
    --method org.freedesktop.DBus.Peer.Ping >/dev/null 2>&1 && break; sleep 0.05; done
}
stop_daemon() {
  kill "$CW_PID" && wait "$CW_PID" 2>/dev/null
  CW_PID=
}

CTL_IT=("${IT[@]}" "$CERTWARDCTL" --session)
CTL_C=("${C[@]}" "$CERTWARDCTL" --session)

start_daemon "${IT[@]}"

fails "the agent's error reaches certwardctl in Italian" "^certwardctl: garbage.txt: non è un certificato" \
  "${CTL_IT[@]}" import "$F/garbage.txt"
fails "certwardctl's own errors are Italian" "nessun certificato denominato “nope”" "${CTL_IT[@]}" show nope
like "import" "Importato" "${CTL_IT[@]}" import "$F/leaf.pem" "$F/key-sec1.pem" "$F/chain.ca-bundle"
like "a request for an outside CA" "BEGIN NEW CERTIFICATE REQUEST" "${CTL_IT[@]}" csr fuori --id sip.example.test
fails "a failed first request: the CA's reason in Italian" "impossibile raggiungere il server ACME" \
  "${CTL_IT[@]}" request primo --id primo.example.test --directory https://127.0.0.1:9/directory

"${CTL_IT[@]}" list > "$S/list.txt"
like "list: Italian headers" "^NOME +IDENTITÀ +STATO +SCADENZA$" head -1 "$S/list.txt"
like "list: state valid in Italian" "^www.example.test +www.example.test,example.test,192.0.2.10 +valido +tra 36[45] giorni$" cat "$S/list.txt"
like "list: state pending in Italian" "^fuori +in attesa +-$" cat "$S/list.txt"
like "list: state failed in Italian" "^primo +.*non riuscito +-$" cat "$S/list.txt"
ok "list: every column starts under its header, counted in characters" python3 - "$S/list.txt" <<'PY'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
head = lines[0]
starts = [head.index(h) for h in ("NOME", "IDENTITÀ", "STATO", "SCADENZA")]
assert len(lines) >= 4, lines
# the identities may be empty; STATO and SCADENZA come after IDENTITÀ,
# which is one byte wider than it is long
for row in lines[1:]:
    for col in starts[2:]:
        assert row[col - 1] == " " and row[col] != " ", (col, row)
PY
"${CTL_IT[@]}" set www.example.test --reload-unit pbx.service
"${CTL_IT[@]}" show www.example.test > "$S/show.txt"
like "show: Italian labels and state" "^Stato: +valido$" cat "$S/show.txt"
like "show: the longest Italian label" "^Unità da ricaricare: pbx.service$" cat "$S/show.txt"
ok "show: the values form one column under Italian labels (Identità:, Unità da ricaricare:)" python3 - "$S/show.txt" <<'PY'
import re, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
cols = {len(l) - len(re.match(r"^(?:\S.*?:)? +(\S.*)$", l).group(1)) for l in lines}
assert len(lines) > 10 and len(cols) == 1, (cols, lines)
PY
like "show: a failed first request has no certificate yet" "^Certificato: +ancora nessun certificato$" "${CTL_IT[@]}" show primo
like "--json keeps the agent's state names" '"State" : "pending"' "${CTL_IT[@]}" --json show fuori

# the agent speaks its own locale: under systemd, the system's
stop_daemon
start_daemon "${C[@]}"
fails "an agent in the C locale answers in English, whatever the caller's locale" \
  "^certwardctl: garbage.txt: not a certificate" "${CTL_IT[@]}" import "$F/garbage.txt"
like "while certwardctl still speaks Italian" "^NOME +IDENTITÀ" "${CTL_IT[@]}" list
stop_daemon
start_daemon "${IT[@]}"
fails "an Italian agent answers an English caller in Italian" "non è un certificato" "${CTL_C[@]}" import "$F/garbage.txt"

tap_done
