#!/bin/bash
# The README's main job: build Certward, start certwardd on a private session
# bus with a temporary state directory, bring in a certificate the way an
# administrator would (a key, a certificate and the CA bundle), obtain one
# from a local ACME CA (Debian's Pebble) over HTTP-01, and show both with
# certwardctl, with a PBX-style subscriber watching the events; then the
# last mile: the ACME certificate delivered through the kamailio integration
# to a real Kamailio running as user kamailio, and a renewal it presents
# without a restart.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail
cd "$(dirname "$0")/.."

bash tests/deps.sh
bash tests/build.sh

if [ -z "${CW_IN_SESSION:-}" ]; then
  exec env -u DBUS_SESSION_BUS_ADDRESS CW_IN_SESSION=1 dbus-run-session -- bash "$0" "$@" 2> >(grep -v 'fd limit' >&2)
fi

W=$(mktemp -d /tmp/certward-demo-XXXXXX)
chmod 755 "$W"   # Kamailio, as user kamailio, reads its configuration from here
CTL="build/src/cli/certwardctl --session"
. tests/pebble.sh
cleanup() {
  [ -n "${MON:-}" ] && kill "$MON" 2>/dev/null || true
  [ -n "${KAMAILIO:-}" ] && kill "$KAMAILIO" 2>/dev/null && wait "$KAMAILIO" 2>/dev/null || true
  rm -f /etc/kamailio/tls/voip.pem /etc/kamailio/tls/voip.key
  [ -n "${DAEMON:-}" ] && kill "$DAEMON" 2>/dev/null && wait "$DAEMON" 2>/dev/null || true
  pebble_down
  rm -rf "$W"
}
trap cleanup EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "What the administrator brings: pbx.key, pbx.crt and the CA's ca-bundle.pem"
(
  cd "$W"
  q() { "$@" >/dev/null 2>&1; }
  q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -keyout root.key -out root.pem \
    -subj "/O=Demo/CN=Demo Root CA" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
  q openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout inter.key -out inter.csr -subj "/O=Demo/CN=Demo Issuing CA"
  q openssl x509 -req -in inter.csr -CA root.pem -CAkey root.key -CAcreateserial -days 1825 -out inter.pem \
    -extfile <(printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n')
  q openssl req -newkey rsa:2048 -nodes -keyout pbx.key -out pbx.csr -subj "/CN=pbx.example.test"
  q openssl x509 -req -in pbx.csr -CA inter.pem -CAkey inter.key -CAcreateserial -days 397 -out pbx.crt \
    -extfile <(printf 'subjectAltName=DNS:pbx.example.test,DNS:sip.example.test,IP:192.0.2.5\nextendedKeyUsage=serverAuth,clientAuth\n')
  cat inter.pem root.pem > ca-bundle.pem
  ls -l pbx.key pbx.crt ca-bundle.pem
)

step "Start a local ACME CA: Pebble on 127.0.0.1:24400 (the tests' recipe)"
pebble_up 24400 "$W/pebble"
echo "ACME directory: $PEBBLE_DIRECTORY"

step "Start certwardd (session bus, state in $W/state, configuration below)"
cat > "$W/certward.conf" <<EOF
[acme]
directory=$PEBBLE_DIRECTORY
ca-file=$PEBBLE_CA
contact=admin@example.test
[http-01]
mode=standalone
address=127.0.0.1
port=$PEBBLE_HTTP_PORT
[actions]
# the shipped integrations, from the source tree (installed: /usr/share/certward/integrations)
integration-dir=$PWD/data/integrations
EOF
cat "$W/certward.conf"
build/src/daemon/certwardd --session --state-dir "$W/state" --config "$W/certward.conf" 2>"$W/daemon.log" &
DAEMON=$!
for i in $(seq 100); do
  gdbus call --session --dest org.certward.Certward1 --object-path /org/certward/Certward1 \
    --method org.freedesktop.DBus.Peer.Ping >/dev/null 2>&1 && break
  sleep 0.05
done

step "A PBX service subscribes to CertificateChanged (certwardctl monitor)"
$CTL monitor > >(sed -u 's/^/[monitor] /') &
MON=$!
sleep 0.3

step "certwardctl import pbx.crt pbx.key ca-bundle.pem --role server --role sip-tls"
$CTL import "$W/pbx.crt" "$W/pbx.key" "$W/ca-bundle.pem" --role server --role sip-tls

step "certwardctl list"
$CTL list

step "certwardctl show pbx.example.test"
$CTL show pbx.example.test

step "The files a service points at (current/ is swapped atomically)"
ls -l "$W"/state/certificates/pbx_example_test/current/
openssl verify -CAfile "$W/root.pem" -untrusted "$W/state/certificates/pbx_example_test/current/chain.pem" \
  "$W/state/certificates/pbx_example_test/current/cert.pem"

step "The same over plain D-Bus: gdbus call … Properties.Get NotAfter"
gdbus call --session --dest org.certward.Certward1 \
  --object-path /org/certward/Certward1/certificate/pbx_example_test \
  --method org.freedesktop.DBus.Properties.Get org.certward.Certificate1 NotAfter

step "certwardctl request voip --id voip.example.test --id 127.0.0.1   (ACME, HTTP-01, from Pebble)"
$CTL request voip --id voip.example.test --id 127.0.0.1

step "certwardctl show voip"
$CTL show voip
pebble_root "$W/pebble-root.pem"
openssl verify -CAfile "$W/pebble-root.pem" -untrusted "$W/state/certificates/voip/current/chain.pem" \
  "$W/state/certificates/voip/current/cert.pem"

step "certwardctl account list   (registered on first use, key 0600 in the state directory)"
$CTL account list

step "The last mile: Kamailio (user kamailio) gets voip through the kamailio integration"
grep -v '^#' data/integrations/kamailio.conf
install -d -m 0750 -o root -g kamailio /etc/kamailio/tls
echo "(Kamailio is not running yet: its reload fails, as LastActions says; it reads the files when it starts)"
$CTL deliver voip --integration kamailio
ls -l /etc/kamailio/tls/voip.pem /etc/kamailio/tls/voip.key
cat > "$W/kamailio.cfg" <<EOF
#!KAMAILIO
log_stderror=yes
children=2
enable_tls=yes
listen=tls:127.0.0.1:24410
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules"
loadmodule "ctl.so"
loadmodule "sl.so"
loadmodule "tls.so"
modparam("tls", "config", "$W/tls.cfg")
request_route { if (method=="OPTIONS") { sl_send_reply("200", "OK"); exit; } }
EOF
printf '[server:default]\nmethod = TLSv1.2+\ncertificate = /etc/kamailio/tls/voip.pem\nprivate_key = /etc/kamailio/tls/voip.key\n' \
  > "$W/tls.cfg"
install -d -m 0770 -o kamailio -g kamailio /run/kamailio
setpriv --reuid=kamailio --regid=kamailio --init-groups /usr/sbin/kamailio -DD -f "$W/kamailio.cfg" -m 32 -M 4 \
  >"$W/kamailio.log" 2>&1 &
KAMAILIO=$!
served() {
  echo | openssl s_client -connect 127.0.0.1:24410 2>/dev/null | openssl x509 -noout -fingerprint -sha256 2>/dev/null |
    tr -d : | cut -d= -f2 | tr A-F a-f
}
fingerprint() { $CTL --json show voip | python3 -c 'import json,sys; print(json.load(sys.stdin)["Fingerprint"])'; }
for i in $(seq 100); do [ -n "$(served)" ] && break; sleep 0.1; done
printf 'OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1;branch=z9hG4bKdemo\r\nFrom: <sip:demo@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: demo\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n' |
  timeout 3 openssl s_client -quiet -connect 127.0.0.1:24410 2>/dev/null | head -1 || true
echo "Kamailio (pid $KAMAILIO) presents:   $(served)"
echo "certwardd's voip is:                 $(fingerprint)"

step "certwardctl renew voip --force   (a new order; files written, kamcmd tls.reload as kamailio, then \"renewed\")"
$CTL renew voip --force
echo "Kamailio (pid $KAMAILIO, still running: $(kill -0 "$KAMAILIO" && echo yes)) presents: $(served)"
echo "certwardd's voip is now:                            $(fingerprint)"
$CTL show voip | sed -n '/Last actions/,/Warnings/p'

step "Refused with a clear error: the wrong key"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$W/wrong.key" 2>/dev/null
$CTL import "$W/pbx.crt" "$W/wrong.key" --name wrong 2>&1 || true

sleep 0.3
kill "$MON"; MON=
step "What certwardd logged (journald fields when run by systemd)"
cat "$W/daemon.log"
