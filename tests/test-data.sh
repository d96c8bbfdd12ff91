#!/bin/bash
# What data/ ships: a systemd unit that systemd accepts, hardened as the
# project card asks; a D-Bus activation file that names the unit; and the
# daemon's own handling of its configuration at start.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
. "$(dirname "$0")/tap.sh"

UNIT=$CW_BUILD_DIR/data/certwardd.service
ACTIVATION=$CW_BUILD_DIR/data/org.certward.Certward1.service
T=$(mktemp -d)
trap 'rm -rf "$T" "$TAP_TMP"' EXIT

# systemd-analyze wants ExecStart to exist: point it at the built daemon
sed "s|^ExecStart=.*|ExecStart=$CERTWARDD|" "$UNIT" > "$T/certwardd.service"
if command -v systemd-analyze >/dev/null; then
  ok "systemd-analyze verify accepts the unit without a word" \
    bash -c "out=\$(systemd-analyze verify '$T/certwardd.service' 2>&1) && [ -z \"\$out\" ] || { echo \"\$out\"; false; }"
fi
for line in "Type=dbus" "BusName=org.certward.Certward1" "ProtectSystem=strict" "StateDirectory=certward" \
            "NoNewPrivileges=yes" "ProtectHome=yes" "PrivateTmp=yes" "RestrictSUIDSGID=yes" "SystemCallFilter=@system-service"; do
  ok "the unit has $line" grep -qx "$line" "$UNIT"
done
ok "the activation file names the bus name" grep -qx "Name=org.certward.Certward1" "$ACTIVATION"
ok "the activation file starts the unit through its alias" bash -c "
  alias=\$(sed -n 's/^SystemdService=//p' '$ACTIVATION'); grep -qx \"Alias=\$alias\" '$UNIT'"
ok "the activation file and the unit run the same binary" bash -c "
  [ \"\$(sed -n 's/^Exec=//p' '$ACTIVATION')\" = \"\$(sed -n 's/^ExecStart=//p' '$UNIT')\" ]"
ok "the example configuration loads without a warning" bash -c "
  dbus-run-session -- timeout 5 '$CERTWARDD' --session --state-dir '$T/s1' --config '$CW_SOURCE_DIR/data/certward.conf' 2>'$T/log' & sleep 1; kill %1 2>/dev/null; wait; ! grep -E 'WARNING|unknown' '$T/log'"

ok "the Italian catalog is valid and its formats match" msgfmt -c --check-format -o /dev/null "$CW_SOURCE_DIR/po/it.po"
ok "docs/architecture.md's file table is every core file's top comment (tools/file-table.py)" \
  python3 "$CW_SOURCE_DIR/tools/file-table.py" "$CW_SOURCE_DIR" --check
ok "every file with translatable strings is in po/POTFILES" bash -c "
  cd '$CW_SOURCE_DIR' && diff <(grep -rl --include='*.c' '_(\\|N_(' src | sort) <(grep -v '^#' po/POTFILES | sort)"
ok "the Cockpit page's Italian catalog is valid and its formats match" msgfmt -c --check-format -o /dev/null "$CW_SOURCE_DIR/cockpit/po/it.po"
ok "the Cockpit page's Italian catalog translates every string of the page" bash -c "
  cd '$CW_SOURCE_DIR/cockpit' && xgettext --language=JavaScript --from-code=UTF-8 --keyword=_ --keyword=N_ --keyword=ngettext:1,2 \
    --msgid-bugs-address= -o '$T/cockpit.pot' *.js views/*.js 2>/dev/null &&
  msgcmp po/it.po '$T/cockpit.pot' && [ -z \"\$(msgattrib --untranslated --no-obsolete po/it.po)\" ]"

like "certwardd --version" "^certwardd [0-9]+\.[0-9]+" "$CERTWARDD" --version
fails "a missing --config file is named" "/nonexistent.conf" "$CERTWARDD" --session --config /nonexistent.conf --state-dir "$T/s"
printf '[store]\nkeep-revisions=0\n' > "$T/bad.conf"
fails "a bad value stops the start, naming file, group and key" "bad.conf: \[store\] keep-revisions: “0” is not a whole number from 1 to 100" \
  "$CERTWARDD" --session --config "$T/bad.conf" --state-dir "$T/s"

tap_done
