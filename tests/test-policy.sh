#!/bin/bash
# The shipped system-bus policy (data/org.certward.Certward1.conf) on a
# private dbus-daemon configured like the system bus: any local user may read,
# only root may change anything or own the name, and certwardd itself refuses
# private keys to anyone but root.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
. "$(dirname "$0")/tap.sh"

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root to switch users"; exit 0; }

B=$(mktemp -d /tmp/certward-policy-XXXXXX)
chmod 755 "$B"
mkdir -p "$B/system.d" "$B/files"
cleanup() {
  [ -n "${CW_PID:-}" ] && kill "$CW_PID" 2>/dev/null && wait "$CW_PID" 2>/dev/null
  [ -n "${BUS_PID:-}" ] && kill "$BUS_PID" 2>/dev/null && wait "$BUS_PID" 2>/dev/null
  rm -rf "$B" "$TAP_TMP"
}
trap cleanup EXIT

cat > "$B/system-like.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$B/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <includedir>$B/system.d</includedir>
</busconfig>
EOF
cp "$CW_SOURCE_DIR/data/org.certward.Certward1.conf" "$B/system.d/"

dbus-daemon --config-file="$B/system-like.conf" --nofork --nopidfile 2>"$B/bus.log" &
BUS_PID=$!
for i in $(seq 100); do [ -S "$B/system_bus_socket" ] && break; sleep 0.05; done
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$B/system_bus_socket

bash "$CW_TEST_MAKE_FIXTURES" "$CW_TEST_FIXTURES"
F=$CW_TEST_FIXTURES
cp "$F/nopass.p12" "$F/renewed.pem" "$B/files/" && chmod 644 "$B/files/"*
touch "$B/empty.conf"

AS_NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
CTL=$CERTWARDCTL
P=/org/certward/Certward1
CALL="gdbus call --system --dest org.certward.Certward1"

mkdir -p "$B/nobody-state" && chown 65534:65534 "$B/nobody-state"
fails "nobody cannot own the name" "cannot own org.certward.Certward1" \
  $AS_NOBODY "$CERTWARDD" --state-dir "$B/nobody-state" --config "$B/empty.conf"

"$CERTWARDD" --state-dir "$B/state" --config "$B/empty.conf" 2>"$B/daemon.log" &
CW_PID=$!
for i in $(seq 100); do $CALL --object-path $P --method org.freedesktop.DBus.Peer.Ping >/dev/null 2>&1 && break; sleep 0.05; done

like "root can import" "Imported $P/certificate/www_example_test" "$CTL" import "$B/files/nopass.p12"
C=$P/certificate/www_example_test

like "nobody can list" "www.example.test" $AS_NOBODY "$CTL" list
like "nobody can show" "Fingerprint" $AS_NOBODY "$CTL" show www.example.test
like "nobody can read properties" "'Name': <'www.example.test'>" \
  $AS_NOBODY $CALL --object-path $C --method org.freedesktop.DBus.Properties.GetAll org.certward.Certificate1
like "nobody can call GetCertificates" "$C" $AS_NOBODY $CALL --object-path $P --method org.certward.Manager1.GetCertificates
like "nobody can enumerate objects" "$C" \
  $AS_NOBODY $CALL --object-path $P --method org.freedesktop.DBus.ObjectManager.GetManagedObjects
like "nobody can introspect" "org.certward.Certificate1" \
  $AS_NOBODY $CALL --object-path $C --method org.freedesktop.DBus.Introspectable.Introspect
like "nobody can export the certificate" "BEGIN CERTIFICATE" $AS_NOBODY "$CTL" export www.example.test

like "nobody can ask FindForName" "www_example_test" \
  $AS_NOBODY $CALL --object-path $P --method org.certward.Manager1.FindForName www.example.test server
like "nobody can list the trust store" "fingerprint|\\(\\[|@a" \
  $AS_NOBODY $CALL --object-path $P/TrustStore --method org.certward.TrustStore1.List
like "nobody can list ACME accounts" "@ao \\[\\]|\\(\\[" \
  $AS_NOBODY $CALL --object-path $P --method org.certward.Manager1.GetAccounts
like "nobody can list the DNS provider types (a front end's form)" "@a\\(ssa\\(sssbb\\)\\) \\[\\]|\\(\\[" \
  $AS_NOBODY $CALL --object-path $P --method org.certward.Manager1.GetProviderTypes
like "nobody can list the DNS providers" "@ao \\[\\]|\\(\\[" \
  $AS_NOBODY $CALL --object-path $P --method org.certward.Manager1.GetProviders
like "nobody can list the integrations (a front end's choices)" "@a\\(ssa\\{sv\\}\\) \\[\\]|\\(\\[" \
  $AS_NOBODY $CALL --object-path $P --method org.certward.Manager1.GetIntegrations
fails "nobody cannot set a certificate's targets" "AccessDenied|Rejected" \
  $AS_NOBODY $CALL --object-path $C --method org.freedesktop.DBus.Properties.Set org.certward.Certificate1 Targets "<@aa{sv} []>"
fails "nobody cannot add a DNS provider" "AccessDenied|Rejected" \
  $AS_NOBODY $CALL --object-path $P --method org.certward.Manager1.AddProvider x exec "{'program': '/bin/true'}"
fails "nobody may ask for an HTTP-01 answer (none pending)" "org.certward.Error.NotFound" \
  $AS_NOBODY $CALL --object-path $P --method org.certward.Manager1.GetHttpChallenge sometoken
fails "nobody cannot request ACME certificates" "AccessDenied|Rejected" \
  $AS_NOBODY $CALL --object-path $P --method org.certward.Manager1.Request x "['x.example.test']" "{}"
fails "nobody cannot create ACME accounts" "AccessDenied|Rejected" \
  $AS_NOBODY $CALL --object-path $P --method org.certward.Manager1.CreateAccount "" "{}"
fails "nobody cannot revoke" "AccessDenied|Rejected" \
  $AS_NOBODY $CALL --object-path $C --method org.certward.Certificate1.Revoke 1
fails "nobody cannot import" "AccessDenied|Rejected" $AS_NOBODY "$CTL" import "$B/files/nopass.p12" --name other
fails "nobody cannot create certificates" "AccessDenied|Rejected" $AS_NOBODY "$CTL" self-sign mine --id x.example.test
fails "nobody cannot change the default" "AccessDenied|Rejected" $AS_NOBODY "$CTL" default www.example.test
fails "nobody cannot change roles" "AccessDenied|Rejected" $AS_NOBODY "$CTL" set www.example.test --role client
fails "nobody cannot change the trust store" "AccessDenied|Rejected" $AS_NOBODY "$CTL" trust reset
fails "nobody cannot renew" "AccessDenied|Rejected" $AS_NOBODY "$CTL" renew www.example.test
fails "nobody cannot remove" "AccessDenied|Rejected" $AS_NOBODY "$CTL" remove www.example.test
fails "nobody cannot install" "AccessDenied|Rejected" $AS_NOBODY "$CTL" install www.example.test "$B/files/renewed.pem"
fails "nobody cannot set properties" "AccessDenied|Rejected" \
  $AS_NOBODY $CALL --object-path $C --method org.freedesktop.DBus.Properties.Set org.certward.Certificate1 Tenant "<'x'>"
fails "nobody cannot export the private key" "only root may export private keys" \
  $AS_NOBODY "$CTL" export www.example.test --include-key
fails "nobody gets PermissionDenied by name" "org.certward.Error.PermissionDenied" \
  $AS_NOBODY $CALL --object-path $C --method org.certward.Certificate1.Export "{'include-key': <true>}"

like "root can export the private key" "BEGIN PRIVATE KEY" "$CTL" export www.example.test --include-key
like "root can install" "Installed" "$CTL" install www.example.test "$B/files/renewed.pem"
like "root can remove" "Removed" "$CTL" remove www.example.test

tap_done
