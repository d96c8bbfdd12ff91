#!/bin/bash
# certwardctl against the real certwardd on a private session bus: every
# command, --json, the password prompt, errors on stderr with exit status 1,
# and monitor printing one line per event.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
if [ -z "${CW_IN_SESSION:-}" ]; then
  exec env -u DBUS_SESSION_BUS_ADDRESS CW_IN_SESSION=1 dbus-run-session -- bash "$0" "$@" 2> >(grep -v 'fd limit' >&2)
fi
. "$(dirname "$0")/tap.sh"

S=$(mktemp -d /tmp/certward-cli-XXXXXX)
cleanup() {
  [ -n "${MON_PID:-}" ] && kill "$MON_PID" 2>/dev/null
  [ -n "${CW_PID:-}" ] && kill "$CW_PID" 2>/dev/null && wait "$CW_PID" 2>/dev/null
  rm -rf "$S" "$TAP_TMP"
}
trap cleanup EXIT

bash "$CW_TEST_MAKE_FIXTURES" "$CW_TEST_FIXTURES"
F=$CW_TEST_FIXTURES
CTL="$CERTWARDCTL --session"
touch "$S/empty.conf"
echo secret-pass > "$S/pass"
echo wrong > "$S/wrong"

start_daemon() {
  "$CERTWARDD" --session --state-dir "$S/state" --config "$S/empty.conf" 2>>"$S/daemon.log" &
  CW_PID=$!
  for i in $(seq 100); do gdbus call --session --dest org.certward.Certward1 --object-path /org/certward/Certward1 \
    --method org.freedesktop.DBus.Peer.Ping >/dev/null 2>&1 && break; sleep 0.05; done
}

like "help works without an agent" "Commands:" bash -c "$CTL --help 2>&1"
like "a command's help works without an agent" "password-file" bash -c "$CTL import --help 2>&1"
fails "no agent: a clear error" "certwardd is not running on the session bus" $CTL list

start_daemon
"$CERTWARDCTL" --session monitor > "$S/monitor.log" &
MON_PID=$!
"$CERTWARDCTL" --session --json monitor > "$S/monitor.json" &
MON_JSON_PID=$!
sleep 0.3

like "empty list prints the header" "^NAME +IDENTITIES +STATE +EXPIRES" $CTL list
like "import key, certificate and chain as files" "Imported /org/certward/Certward1/certificate/www_example_test" \
  $CTL import "$F/leaf.pem" "$F/key-sec1.pem" "$F/chain.ca-bundle" --role server --role sip-tls --tenant t1
like "import with --key and --chain" "Imported .*/certificate/rsa" \
  $CTL import "$F/rsa.pem" --key "$F/rsa-pkcs1.pem" --chain "$F/inter.pem" --name rsa
like "import a PKCS#12 with --password-file" "Imported .*/certificate/p12" \
  $CTL import "$F/full.p12" --password-file "$S/pass" --name p12
like "import a ZIP bundle" "Imported .*/certificate/zip" $CTL import "$F/bundle.zip" --name zip
like "import from standard input" "Imported .*/certificate/stdin" bash -c "cat '$F/nopass.p12' | $CTL import - --name stdin"
like "a missing intermediate is a warning on stderr" "warning: the chain may be incomplete" \
  bash -c "$CTL import '$F/leaf.pem' '$F/leaf.key' --name lonely 2>&1"
if command -v script >/dev/null; then
  like "the password is asked for on a terminal" "Imported .*/certificate/prompted" \
    bash -c "printf 'secret-pass\n' | script -qec \"$CTL import '$F/full.p12' --name prompted\" /dev/null"
fi

fails "garbage: error on stderr, exit 1" "^certwardctl: .*garbage.txt: not a certificate" $CTL import "$F/garbage.txt"
fails "key mismatch is explained" "the private key does not match the certificate" $CTL import "$F/leaf.pem" "$F/other.key"
fails "wrong PKCS#12 password" "wrong PKCS#12 password" $CTL import "$F/full.p12" --password-file "$S/wrong" --name x
fails "no password and no terminal" "protected by a password" bash -c "$CTL import '$F/full.p12' --name x < /dev/null"
fails "an existing name needs --replace" "use --replace" $CTL import "$F/nopass.p12" --name p12
like "--replace replaces" "Imported .*/certificate/p12" $CTL import "$F/nopass.p12" --name p12 --replace
fails "a missing file" "No such file" $CTL import /nonexistent.pem
fails "an unknown role" "unknown role" $CTL import "$F/nopass.p12" --name y --role admin
fails "an unknown command" "unknown command" $CTL frobnicate

like "list shows name, identities, state and expiry" "^www.example.test +www.example.test,example.test,192.0.2.10 +valid +in 36[45] days" $CTL list
like "show prints the fingerprint" "^Fingerprint: +[0-9a-f]{64}$" $CTL show www.example.test
like "show prints roles and tenant" "^Roles: +server, sip-tls" $CTL show www.example.test
fails "show of an unknown name" "no certificate named “nope”" $CTL show nope
like "--json list is JSON with the properties" '"Name" : "www.example.test"' $CTL --json list
ok "--json show parses" bash -c "$CTL --json show rsa | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"KeyType\"]==\"rsa-2048\", d'"

like "export prints the PEM chain" "BEGIN CERTIFICATE" $CTL export www.example.test
ok "export --output with the key is mode 0600" bash -c "$CTL export www.example.test --include-key -o '$S/k.pem' && [ \$(stat -c %a '$S/k.pem') = 600 ] && grep -q 'PRIVATE KEY' '$S/k.pem'"
ok "export PKCS#12 opens in OpenSSL" bash -c "$CTL export www.example.test --format pkcs12 --include-key --password-file '$S/pass' -o '$S/x.p12' && openssl pkcs12 -in '$S/x.p12' -passin pass:secret-pass -nodes | grep -q 'PRIVATE KEY'"
ok "export DER equals the original" cmp <($CTL export www.example.test --format der) "$F/leaf.der"
fails "export PKCS#12 with a key needs a password" "needs a password" bash -c "$CTL export www.example.test --format pkcs12 --include-key -o '$S/y.p12' < /dev/null"

like "install a renewal" "Installed a new certificate for www.example.test" $CTL install www.example.test "$F/renewed.pem"
like "the revision went up" "^Revision: +2" $CTL show www.example.test
fails "install refuses another key's certificate" "does not match" $CTL install www.example.test "$F/rsa.pem"
like "remove" "Removed zip" $CTL remove zip
fails "removed means gone" "no certificate named “zip”" $CTL show zip

# local issuance, trust, names
like "ca create" "Created the CA .*/certificate/phones_CA" $CTL ca create phones-CA --org Acme
like "self-sign with --issuer" "Created .*/certificate/phones$" \
  $CTL self-sign phones --issuer phones-CA --id pbx.example.test --id 192.0.2.7 --role server --role sip-tls
ok "the local-CA certificate verifies with OpenSSL" bash -c "
  openssl verify -CAfile \$($CTL --json show phones-CA | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"CertificatePath\"])') \
    \$($CTL --json show phones | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"FullChainPath\"])')"
like "show says local-ca" "^Source: +local-ca" $CTL show phones
fails "a bad identity is explained" "not a valid DNS name" $CTL self-sign x --id "bad name"
ok "csr writes a request OpenSSL verifies" bash -c "$CTL csr outside --id sip.example.test -o '$S/req.csr' && openssl req -in '$S/req.csr' -verify -noout"
like "the request is pending" "^State: +pending" $CTL show outside
ok "the outside CA's answer installs" bash -c "
  cd '$F' && openssl x509 -req -in '$S/req.csr' -CA inter.pem -CAkey inter.key -CAcreateserial -days 365 -copy_extensions copy -out '$S/answer.pem' 2>/dev/null &&
  $CTL install outside '$S/answer.pem' >/dev/null && $CTL show outside | grep -Eq '^State: +valid'"
fails "renew refuses when not due" "not due for renewal" $CTL renew phones
like "renew --force reissues" "Renewed phones" $CTL renew phones --force
like "find: the exact name" "^phones$" $CTL find PBX.example.test --role sip-tls
like "find: the default otherwise" "^system$" $CTL find nothing.example.test
fails "find: nothing with a role nobody has" "no valid certificate with the client role" $CTL find nothing.example.test --role client
like "default shows the first-start identity" "^system$" $CTL default
fails "the default cannot be removed" "is the default certificate" $CTL remove system
fails "a CA that issued certificates cannot be removed" "issued 1 certificate that is still valid" $CTL remove phones-CA
ok "set changes roles" bash -c "$CTL set phones --role server && $CTL show phones | grep -Eq '^Roles: +server$'"
fails "set refuses an unknown role" "unknown role" $CTL set phones --role admin
like "default NAME" "phones is the default certificate" $CTL default phones
like "tenant set and list" "^acme: acme.example$" bash -c "$CTL tenant set acme acme.example && $CTL tenant list"
ok "a certificate for a tenant's domain gets the tenant" bash -c "$CTL self-sign acme-pbx --id pbx.acme.example >/dev/null && $CTL show acme-pbx | grep -Eq '^Tenant: +acme$'"
like "expiry-days shows the window" "^60$" $CTL expiry-days
fails "expiry-days refuses out-of-range values" "from 30 to 180 days" $CTL expiry-days 5
like "trust list shows the system roots" "system " $CTL trust list
ok "trust add, export and remove round trip" bash -c "
  fp=\$($CTL trust add '$F/root.pem') && $CTL trust export | grep -q 'Certward Test Root' &&
  $CTL trust remove \$fp && ! $CTL trust export | grep -q 'Certward Test Root'"
fails "trust add refuses a non-CA" "not a CA certificate" $CTL trust add "$F/leaf.pem"
ok "trust mode returns once the mode is live" bash -c "$CTL trust mode all && [ \$($CTL trust mode) = all ]"

# added: 7 imports, phones-CA, phones, acme-pbx, and outside when its answer
# is installed (a request alone has no files to announce); replaced: p12;
# renewed: the install on www.example.test and phones; removed: zip
EVENTS=15
command -v script >/dev/null || EVENTS=14
sleep 0.5
kill "$MON_PID" "$MON_JSON_PID"; wait "$MON_PID" "$MON_JSON_PID" 2>/dev/null; MON_PID=
like "monitor printed the import" "added +www.example.test /org/certward/Certward1/certificate/www_example_test fingerprint=[0-9a-f]{64}" cat "$S/monitor.log"
like "monitor printed the renewal" "renewed +www.example.test" cat "$S/monitor.log"
like "monitor printed the removal" "removed +zip" cat "$S/monitor.log"
ok "monitor printed one line per event" test "$(grep -c . "$S/monitor.log")" = "$EVENTS"
ok "monitor --json prints one JSON object per line" python3 -c "
import json
lines = [json.loads(l) for l in open('$S/monitor.json')]
assert len(lines) == $EVENTS, len(lines)
assert lines[0]['event'] == 'added' and lines[0]['details']['name'] == 'www.example.test', lines[0]
"

# renewal: actions, auto-renew, check, monitor --exec
printf '#!/bin/sh\necho "$1 $2 $CERTWARD_FULLCHAIN" >> "%s/exec.log"\n' "$S" > "$S/on-event"
chmod 755 "$S/on-event"
"$CERTWARDCTL" --session monitor --exec "$S/on-event" > /dev/null &
MON_PID=$!
sleep 0.3
ok "set --reload-unit and --deploy-hook" bash -c "$CTL set phones --reload-unit pbx.service --deploy-hook /usr/bin/true &&
  $CTL show phones | grep -Eq '^Reload units: +pbx.service$' && $CTL show phones | grep -Eq '^Deploy hooks: +/usr/bin/true$'"
fails "set refuses a unit that is not one" "not a systemd unit name" $CTL set phones --reload-unit "pbx service"
fails "set refuses a hook that is not an absolute path" "absolute path" $CTL set phones --deploy-hook ./hook.sh
ok "set --no-actions clears them" bash -c "$CTL set phones --no-actions && ! $CTL show phones | grep -q '^Reload units:'"
like "a local certificate renews itself with --auto-renew" "^Next renewal: +[0-9]{4}-" \
  bash -c "$CTL set phones --auto-renew && $CTL show phones"
fails "an imported certificate cannot renew itself" "not made by the agent" $CTL set www.example.test --auto-renew
like "check: nothing due" "nothing was due" $CTL check
"$CW_BUILD_DIR/examples/reload-on-renew" --session phones touch "$S/reloaded" > "$S/subscriber.log" &
SUB_PID=$!
sleep 0.3
ok "monitor --exec runs the program for each event" bash -c "$CTL renew phones --force >/dev/null &&
  for i in \$(seq 50); do grep -q '^renewed phones /' '$S/exec.log' 2>/dev/null && exit 0; sleep 0.1; done; exit 1"
ok "the example subscriber (examples/reload-on-renew.c) reloads on renewed" bash -c "
  for i in \$(seq 50); do [ -e '$S/reloaded' ] && exit 0; sleep 0.1; done; exit 1"
kill "$SUB_PID" 2>/dev/null

tap_done
