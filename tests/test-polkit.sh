#!/bin/bash
# Who may do what on the system bus: the shipped bus policy
# (data/org.certward.Certward1.conf) on a private dbus-daemon configured like
# the system bus, with Debian's polkitd and the shipped actions
# (data/org.certward.Certward1.policy). Any local user reads; every change
# asks polkit; root needs no one; a rule can delegate certificate management
# to a user without delegating programs that run as root.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
. "$(dirname "$0")/tap.sh"

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root to switch users and install polkit actions"; exit 0; }
POLKITD=/usr/lib/polkit-1/polkitd
[ -x "$POLKITD" ] || { echo "1..0 # SKIP polkitd is not installed (tests/deps.sh installs it)"; exit 0; }

B=$(mktemp -d /tmp/certward-polkit-XXXXXX)
chmod 755 "$B"
mkdir -p "$B/system.d" "$B/files"
ACTIONS=/usr/share/polkit-1/actions/org.certward.Certward1.policy
RULE=/etc/polkit-1/rules.d/49-certward-test-$$.rules
OWN_ACTIONS=
cleanup() {
  [ -n "${CW_PID:-}" ] && kill "$CW_PID" 2>/dev/null && wait "$CW_PID" 2>/dev/null
  [ -n "${PK_PID:-}" ] && kill "$PK_PID" 2>/dev/null && wait "$PK_PID" 2>/dev/null
  [ -n "${BUS_PID:-}" ] && kill "$BUS_PID" 2>/dev/null && wait "$BUS_PID" 2>/dev/null
  [ -n "${PEBBLE_PIDS:-}" ] && pebble_down
  rm -f "$RULE"
  [ -n "$OWN_ACTIONS" ] && rm -f "$ACTIONS"
  rm -rf "$B" "$TAP_TMP"
}
trap cleanup EXIT

sed "s|@DIR@|$B|g" "$CW_SOURCE_DIR/tests/system-like-bus.conf" >"$B/system-like.conf"
cp "$CW_SOURCE_DIR/data/org.certward.Certward1.conf" /usr/share/dbus-1/system.d/org.freedesktop.PolicyKit1.conf "$B/system.d/"

dbus-daemon --config-file="$B/system-like.conf" --nofork --nopidfile 2>"$B/bus.log" &
BUS_PID=$!
for i in $(seq 100); do [ -S "$B/system_bus_socket" ] && break; sleep 0.05; done
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$B/system_bus_socket

# polkitd reads actions only from its compiled-in directory; an installed
# certward's file is left alone (and used)
if [ ! -e "$ACTIONS" ]; then
  cp "$CW_SOURCE_DIR/data/org.certward.Certward1.policy" "$ACTIONS"
  OWN_ACTIONS=1
fi
start_polkitd() {
  "$POLKITD" --no-debug >"$B/polkitd.log" 2>&1 &
  PK_PID=$!
  for i in $(seq 100); do
    gdbus introspect --system --dest org.freedesktop.PolicyKit1 --object-path /org/freedesktop/PolicyKit1/Authority \
      >/dev/null 2>&1 && break
    sleep 0.05
  done
}
start_polkitd

. "$CW_SOURCE_DIR/tests/pebble.sh"
pebble_up 24590 "$B/pebble" || exit 1

bash "$CW_TEST_MAKE_FIXTURES" "$CW_TEST_FIXTURES"
F=$CW_TEST_FIXTURES
cp "$F/nopass.p12" "$F/renewed.pem" "$B/files/" && chmod 644 "$B/files/"*
cat > "$B/certward.conf" <<EOF
[acme]
directory=$PEBBLE_DIRECTORY
ca-file=$PEBBLE_CA
[dns-01]
provider-dir=$CW_PROVIDER_BUILD_DIR
[actions]
integration-dir=$B/integrations
EOF
# a preset root wrote: its target directory and its program are root's
mkdir -p "$B/integrations" "$B/pbx/tls"
cat > "$B/integrations/testpbx.conf" <<EOF
[Integration]
Description=a PBX that reads its own copy
[Target certificate]
Path=$B/pbx/tls/%n.pem
Format=fullchain
Mode=0644
[Reload]
Commands=/usr/bin/true
EOF

AS_NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
# uid 1 ("daemon" on Debian) stands for the PBX administrator a rule trusts
AS_DELEGATE="setpriv --reuid=1 --regid=1 --clear-groups"
CTL=$CERTWARDCTL
P=/org/certward/Certward1
CALL="gdbus call --system --dest org.certward.Certward1"

mkdir -p "$B/nobody-state" && chown 65534:65534 "$B/nobody-state"
fails "nobody cannot own the name" "cannot own org.certward.Certward1" \
  $AS_NOBODY "$CERTWARDD" --state-dir "$B/nobody-state" --config "$B/certward.conf"

"$CERTWARDD" --state-dir "$B/state" --config "$B/certward.conf" 2>"$B/daemon.log" &
CW_PID=$!
for i in $(seq 100); do $CALL --object-path $P --method org.freedesktop.DBus.Peer.Ping >/dev/null 2>&1 && break; sleep 0.05; done

like "root can import" "Imported $P/certificate/www_example_test" "$CTL" import "$B/files/nopass.p12"
C=$P/certificate/www_example_test
like "root can create an ACME account" "$P/account/" \
  $CALL --object-path $P --method org.certward.Manager1.CreateAccount "" "{'agree-terms': <true>}"
like "root can add an exec DNS provider" "$P/provider/" \
  $CALL --object-path $P --method org.certward.Manager1.AddProvider walk exec "{'program': '/bin/true'}"

# --- reading is open to every local user
like "nobody can list" "www.example.test" $AS_NOBODY "$CTL" list
like "nobody can show" "Fingerprint" $AS_NOBODY "$CTL" show www.example.test
like "nobody can read properties" "'Name': <'www.example.test'>" \
  $AS_NOBODY $CALL --object-path $C --method org.freedesktop.DBus.Properties.GetAll org.certward.Certificate1
like "nobody can enumerate objects" "$C" \
  $AS_NOBODY $CALL --object-path $P --method org.freedesktop.DBus.ObjectManager.GetManagedObjects
like "nobody can export the certificate" "BEGIN CERTIFICATE" $AS_NOBODY "$CTL" export www.example.test
like "nobody can ask FindForName" "www_example_test" \
  $AS_NOBODY $CALL --object-path $P --method org.certward.Manager1.FindForName www.example.test server

# --- every member of every interface, walked from the introspection data:
# what is not in this list of reads must be refused to nobody by polkit
OPEN="org.certward.Manager1.GetCertificates org.certward.Manager1.FindForName
org.certward.Manager1.GetHttpChallenge org.certward.Manager1.GetTlsAlpnChallenge org.certward.Manager1.GetAccounts org.certward.Manager1.GetProviderTypes
org.certward.Manager1.GetProviders org.certward.Manager1.GetIntegrations org.certward.Certificate1.Export
org.certward.Certificate1.GetRequest org.certward.TrustStore1.List org.certward.TrustStore1.Export
org.certward.Manager1.GetClusterStatus"
$AS_NOBODY "$AUTHZ_WALK" >"$B/walk" 2>"$B/walk.err"
walk_check() {
  local member verdict rest bad=0 n=0
  while read -r member verdict rest; do
    n=$((n + 1))
    if printf '%s\n' $OPEN | grep -qxF "$member"; then
      [ "$verdict" != org.certward.Error.PermissionDenied ] || { echo "# open but refused: $member $rest"; bad=1; }
    elif [ "$verdict" != org.certward.Error.PermissionDenied ] || ! grep -qE "not authorized for org\.certward\." <<<"$rest"; then
      echo "# not refused: $member $verdict $rest"; bad=1
    fi
  done <"$B/walk"
  echo "# walked $n members"
  # the walk saw the objects behind each interface, not just the manager
  for iface in Manager1 Certificate1 TrustStore1 Account1 Provider1; do
    grep -q "^org\.certward\.$iface\." "$B/walk" || { echo "# no $iface walked"; bad=1; }
  done
  [ -s "$B/walk" ] && [ "$bad" = 0 ]
}
ok "every method and property write outside the reads is refused to nobody, naming the polkit action" walk_check

fails "nobody cannot import (polkit refuses, names the action)" \
  "not authorized for org\.certward\.manage-certificates" $AS_NOBODY "$CTL" import "$B/files/nopass.p12" --name other
fails "nobody cannot set a certificate's targets" "org.certward.Error.PermissionDenied.*run-programs" \
  $AS_NOBODY $CALL --object-path $C --method org.freedesktop.DBus.Properties.Set org.certward.Certificate1 Targets "<@aa{sv} []>"
fails "nobody cannot export the private key" "not authorized for org\.certward\.export-key" \
  $AS_NOBODY "$CTL" export www.example.test --include-key
fails "without a terminal certwardctl says how to authenticate instead of waiting" \
  "authentication is required" $AS_NOBODY "$CTL" renew www.example.test </dev/null
fails "nobody may ask for an HTTP-01 answer (none pending)" "org.certward.Error.NotFound" \
  $AS_NOBODY $CALL --object-path $P --method org.certward.Manager1.GetHttpChallenge sometoken

# --- a rule delegates certificate management, not root
cat > "$RULE" <<'EOF'
polkit.addRule(function(action, subject) {
    if (subject.user == "daemon" &&
        (action.id == "org.certward.manage-certificates" || action.id == "org.certward.manage-trust"))
        return polkit.Result.YES;
});
EOF
# polkitd watches rules.d; wait until it answers with the new rule
for i in $(seq 100); do
  $AS_DELEGATE $CALL --object-path $C --method org.freedesktop.DBus.Properties.Set org.certward.Certificate1 Tenant "<'t1'>" \
    >/dev/null 2>&1 && break
  sleep 0.1
done
like "the delegated user can import" "Imported $P/certificate/other" \
  $AS_DELEGATE "$CTL" import "$B/files/nopass.p12" --name other
like "the delegated user can install a renewal" "Installed" \
  $AS_DELEGATE "$CTL" install www.example.test "$B/files/renewed.pem"
like "the delegated user can change the trust store" "." $AS_DELEGATE "$CTL" trust add "$PEBBLE_CA"
fails "the delegated user cannot add a program that runs as root (exec DNS provider)" \
  "not authorized for org\.certward\.run-programs" \
  $AS_DELEGATE $CALL --object-path $P --method org.certward.Manager1.AddProvider mine exec "{'program': '/tmp/x'}"
fails "the delegated user cannot set a deploy hook" "not authorized for org\.certward\.run-programs" \
  $AS_DELEGATE "$CTL" set www.example.test --deploy-hook /bin/true
fails "the delegated user cannot set reload commands" "org.certward.Error.PermissionDenied.*run-programs" \
  $AS_DELEGATE $CALL --object-path $C --method org.freedesktop.DBus.Properties.Set org.certward.Certificate1 ReloadCommands "<[('x', ['/bin/true'])]>"
fails "the delegated user cannot import with a deploy hook" "not authorized for org\.certward\.run-programs" \
  $AS_DELEGATE $CALL --object-path $P --method org.certward.Manager1.Import "{'name': <'other2'>, 'deploy-hooks': <['/bin/true']>}"
like "the delegated user can apply an integration (root's own file)" "^\\(\\)" \
  $AS_DELEGATE $CALL --object-path $C --method org.freedesktop.DBus.Properties.Set org.certward.Certificate1 Integrations "<['testpbx']>"
like "... and the PBX gets its copy" "BEGIN CERTIFICATE" \
  sh -c "for i in \$(seq 100); do [ -s '$B/pbx/tls/www.example.test.pem' ] && break; sleep 0.1; done; cat '$B/pbx/tls/www.example.test.pem'"
fails "the delegated user cannot let a group read the key" "org.certward.Error.PermissionDenied.*export-key" \
  $AS_DELEGATE $CALL --object-path $C --method org.freedesktop.DBus.Properties.Set org.certward.Certificate1 AccessGroup "<'daemon'>"
fails "the delegated user cannot export private keys" "not authorized for org\.certward\.export-key" \
  $AS_DELEGATE "$CTL" export www.example.test --include-key
fails "the delegated user cannot manage ACME accounts" "not authorized for org\.certward\.manage-accounts" \
  $AS_DELEGATE $CALL --object-path $P --method org.certward.Manager1.CreateAccount "" "{'agree-terms': <true>}"
fails "nobody is still refused" "not authorized for org\.certward\.manage-certificates" \
  $AS_NOBODY "$CTL" import "$B/files/nopass.p12" --name third

# --- without polkitd: root keeps working, everyone else is refused clearly
kill "$PK_PID"; wait "$PK_PID" 2>/dev/null; PK_PID=
fails "without polkitd the delegated user is refused, saying polkit is unreachable" "polkitd running" \
  $AS_DELEGATE "$CTL" import "$B/files/nopass.p12" --name fourth
like "without polkitd root can export the private key" "BEGIN PRIVATE KEY" "$CTL" export www.example.test --include-key
like "without polkitd root can remove" "Removed" "$CTL" remove other

tap_done
