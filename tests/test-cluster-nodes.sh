#!/bin/bash
# Three certwardd nodes, each on its own private bus with its own state
# directory, sharing certificates through a real PostgreSQL 15 (tests/
# postgres.sh): a change on any node reaches the others with the same
# fingerprint, its files written locally, CertificateChanged once on each
# bus; the database stopped makes every node read-only (Unavailable) while
# it keeps serving; a node that was away catches up; a node with another
# key-file reads no key and overwrites nothing; an ACME order on one node is
# validated over HTTP-01 by another node's responder (the real Pebble); a
# forced renewal on another node is one order at the CA under a lease; the
# lease holder killed mid-order: another node finishes the renewal, one
# certificate issued; DNS providers added, updated and removed on any node
# reach every node with their secrets (sealed in the database); the trust
# store changed on any node changes on every node, Changed once per bus;
# the ACME account one node registered is every node's (key sealed); the
# default certificate, tenants and the expiry warning set on any node.
# Ports 24910-24929.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/postgres.sh"
. "$(dirname "$0")/pebble.sh"

if [ "$(id -u)" != 0 ]; then
  echo "1..0 # SKIP needs root (PostgreSQL runs as postgres)"
  exit 0
fi

S=$(mktemp -d /tmp/certward-cluster-XXXXXX)
chmod 0755 "$S"
declare -A BUS BUS_PID CW_PID MON_PID
cleanup() {
  for n in "${!MON_PID[@]}"; do kill "${MON_PID[$n]}" 2>/dev/null; done
  for n in "${!CW_PID[@]}"; do kill "${CW_PID[$n]}" 2>/dev/null && wait "${CW_PID[$n]}" 2>/dev/null; done
  for n in "${!BUS_PID[@]}"; do kill "${BUS_PID[$n]}" 2>/dev/null; done
  pg_down
  pebble_down 2>/dev/null
  rm -rf "$S" "$TAP_TMP"
}
trap cleanup EXIT

bash "$CW_TEST_MAKE_FIXTURES" "$CW_TEST_FIXTURES"
F=$CW_TEST_FIXTURES
pg_up 24910 "$S/pg" || { echo "Bail out! PostgreSQL did not start"; exit 1; }
# Pebble's validator fetches HTTP-01 answers from port 24922: node b's
# responder, never a's (24926) nor c's (24927)
pebble_up 24920 "$S/pebble" >/dev/null || { echo "Bail out! Pebble did not start"; exit 1; }
declare -A HTTP_PORT=([a]=24926 [b]=24922 [c]=24927 [d]=24928)
head -c 48 /dev/urandom > "$S/cluster.key"
head -c 48 /dev/urandom > "$S/other.key"
chmod 0600 "$S/cluster.key" "$S/other.key"

bus_up() {
  local n=$1 out
  out=$(dbus-daemon --session --fork --print-address=1 --print-pid=1 --nopidfile)
  BUS[$n]=$(echo "$out" | sed -n 1p)
  BUS_PID[$n]=$(echo "$out" | sed -n 2p)
}

# node NAME [KEY_FILE]: an agent on its own bus
start_node() {
  local n=$1 key=${2:-$S/cluster.key}
  [ -n "${BUS[$n]:-}" ] || bus_up "$n"
  mkdir -p "$S/$n"
  cat > "$S/$n/certward.conf" <<CONF
[cluster]
backend=postgresql
uri=$PG_CONNINFO
node=$n
key-file=$key
heartbeat=1
lease-time=5
[acme]
directory=$PEBBLE_DIRECTORY
ca-file=$PEBBLE_CA
contact=admin@example.test
[http-01]
address=127.0.0.1
port=${HTTP_PORT[$n]}
[dns-01]
provider-dir=$CW_PROVIDER_BUILD_DIR
CONF
  DBUS_SESSION_BUS_ADDRESS=${BUS[$n]} "$CERTWARDD" --session --state-dir "$S/$n/state" \
    --config "$S/$n/certward.conf" 2>>"$S/$n/daemon.log" &
  CW_PID[$n]=$!
  wait_available "$n"
}

# until NODE's database is connected (cluster status answers)
wait_available() {
  for _ in $(seq 200); do
    ctl "$1" --json cluster status 2>/dev/null | grep -q '"available" : true' && return 0
    sleep 0.05
  done
  return 1
}

stop_node() {
  kill "${CW_PID[$1]}" && wait "${CW_PID[$1]}"
  unset "CW_PID[$1]"
}

ctl() {
  local n=$1; shift
  DBUS_SESSION_BUS_ADDRESS=${BUS[$n]} "$CERTWARDCTL" --session "$@"
}

monitor() {
  local n=$1
  DBUS_SESSION_BUS_ADDRESS=${BUS[$n]} "$CERTWARDCTL" --session monitor >> "$S/$n/monitor.log" 2>/dev/null &
  MON_PID[$n]=$!
}

fingerprint() {
  ctl "$1" show "$2" 2>/dev/null | sed -n 's/^Fingerprint: *//p'
}

# wait_for NODE NAME FINGERPRINT: until NAME has FINGERPRINT on NODE ("" : gone)
wait_for() {
  for _ in $(seq 400); do
    [ "$(fingerprint "$1" "$2")" = "$3" ] && return 0
    sleep 0.05
  done
  return 1
}

events() {
  grep -cE " $2 +$3 " "$S/$1/monitor.log"
}

# until the command succeeds (10 s at most)
until_true() {
  for _ in $(seq 200); do "$@" && return 0; sleep 0.05; done
  return 1
}

# wait_changed NODE NAME FINGERPRINT: until NAME on NODE has another one (30 s at most)
wait_changed() {
  local fp
  for _ in $(seq 600); do
    fp=$(fingerprint "$1" "$2")
    [ -n "$fp" ] && [ "$fp" != "$3" ] && return 0
    sleep 0.05
  done
  return 1
}

# has_provider NODE NAME: NAME is in NODE's provider list
has_provider() { ctl "$1" provider list 2>/dev/null | grep -q "^$2 "; }
# secrets_set NODE NAME: the JSON list's SecretsSet of NAME on NODE
secrets_set() {
  ctl "$1" --json provider list | python3 -c '
import json, sys
print(",".join(",".join(p["SecretsSet"]) for p in json.load(sys.stdin) if p["Name"] == sys.argv[1]))' "$2"
}

# trust_changes NODE: TrustStore1.Changed signals seen on NODE's bus
trust_monitor() {
  dbus-monitor --address "${BUS[$1]}" "type='signal',interface='org.certward.TrustStore1',member='Changed'" \
    > "$S/$1/trust-signals.log" 2>/dev/null &
  MON_PID[trust$1]=$!
}
trust_changes() { grep -c 'interface=org.certward.TrustStore1; member=Changed' "$S/$1/trust-signals.log"; }
bundle_has_root() { grep -q 'Certward Test Root' "$S/$1/state/trust/ca-bundle.pem"; }

# certificates and orders Pebble made so far
issued() { grep -c "Issued certificate serial" "$S/pebble/pebble.log"; }
orders() { grep -c "Added order" "$S/pebble/pebble.log"; }
leases() { pg_psql "SELECT count(*) FROM certward_lease WHERE name = 'renew:$1'"; }
holder() { test "$(pg_psql "SELECT holder FROM certward_lease WHERE name = 'renew:$2' AND expires > now()")" = "$1"; }

wait_events() {
  for _ in $(seq 200); do
    [ "$(events "$1" "$2" "$3")" -ge "$4" ] && return 0
    sleep 0.05
  done
  return 1
}

for n in a b c; do start_node $n; monitor $n; done
sleep 0.3

like "cluster status: this node and every node live" '"name" : "c"' ctl a --json cluster status
like "cluster status in words" "^Database +connected" ctl b cluster status
ok "the schema was created by the agent" test "$(pg_psql 'SELECT version FROM certward_schema')" = 1

# ---- a change on a reaches b and c ----
ctl a import "$F/leaf.pem" "$F/key-sec1.pem" "$F/chain.ca-bundle" --name shared.example.test >/dev/null
FP1=$(fingerprint a shared.example.test)
ok "imported on a" test -n "$FP1"
ok "b has it with the same fingerprint" wait_for b shared.example.test "$FP1"
ok "c has it with the same fingerprint" wait_for c shared.example.test "$FP1"
for n in b c; do
  ok "$n wrote its own files" bash -c "openssl x509 -in $S/$n/state/certificates/shared*/current/cert.pem -noout -fingerprint -sha256 | tr -d : | tr A-F a-f | grep -q '$FP1'"
  ok "$n has the key" bash -c "grep -q 'PRIVATE KEY' $S/$n/state/certificates/shared*/current/key.pem"
done
for n in a b c; do
  ok "$n said added once" wait_events $n added shared.example.test 1
done
ok "the key is sealed in the database" test "$(pg_psql "SELECT position('PRIVATE KEY'::bytea in key) FROM certward_revision")" = 0

# ---- a replacement on c reaches a and b ----
ctl c import "$F/rsa.pem" --key "$F/rsa-pkcs1.pem" --chain "$F/inter.pem" --name shared.example.test --replace \
  >/dev/null 2>&1
FP2=$(fingerprint c shared.example.test)
ok "replaced on c" test -n "$FP2" -a "$FP2" != "$FP1"
ok "a switched to c's revision" wait_for a shared.example.test "$FP2"
ok "b switched to c's revision" wait_for b shared.example.test "$FP2"
ok "the database holds revision 2" test "$(pg_psql "SELECT revision FROM certward_certificate WHERE name = 'shared.example.test'")" = 2
for n in a b c; do
  ok "$n said replaced once" wait_events $n replaced shared.example.test 1
done

# ---- a renewal on a: renewed once on every bus ----
ctl a self-sign renewed.example.test --id renewed.example.test >/dev/null
FP7=$(fingerprint a renewed.example.test)
ok "c has a's self-signed certificate" wait_for c renewed.example.test "$FP7"
ok "b too" wait_for b renewed.example.test "$FP7"
ctl a renew renewed.example.test --force >/dev/null
FP8=$(fingerprint a renewed.example.test)
ok "renewed on a" test -n "$FP8" -a "$FP8" != "$FP7"
ok "b switched to the renewal" wait_for b renewed.example.test "$FP8"
ok "c switched to the renewal" wait_for c renewed.example.test "$FP8"
for n in a b c; do
  ok "$n said renewed once" wait_events $n renewed renewed.example.test 1
  ok "$n said nothing else of it" test "$(grep -c ' renewed.example.test ' "$S/$n/monitor.log")" = 2
done

# ---- a removal on b ----
ctl b import "$F/leaf.pem" "$F/key-sec1.pem" "$F/chain.ca-bundle" --name gone.example.test >/dev/null
FP3=$(fingerprint b gone.example.test)
ok "c got b's second certificate" wait_for c gone.example.test "$FP3"
ctl b remove gone.example.test --force >/dev/null 2>&1 || ctl b remove gone.example.test >/dev/null
ok "removed on a too" wait_for a gone.example.test ""
ok "removed on c too" wait_for c gone.example.test ""

# ---- DNS providers: shared with their secrets, sealed ----
SECRET=c2VjcmV0LXRzaWcta2V5LWZvci10ZXN0cy0xMjM0NQ==
echo "$SECRET" > "$S/tsig"
ok "a DNS provider added on a" ctl a provider add dyn rfc2136 nameserver=127.0.0.1:9 tsig-key=k \
  --secret-file tsig-secret="$S/tsig"
ok "b has it" until_true has_provider b dyn
ok "c has it" until_true has_provider c dyn
ok "b knows its secret is set" test "$(secrets_set b dyn)" = tsig-secret
ok "b's file has the secret" grep -qF "$SECRET" "$S/b/state/providers/dyn.ini"
ok "b's file is mode 600" test "$(stat -c %a "$S/b/state/providers/dyn.ini")" = 600
ok "the secret is sealed in the database" \
  test "$(pg_psql "SELECT count(*) FROM certward_object WHERE kind = 'dns-provider' AND (position(convert_to('$SECRET', 'UTF8') in data) > 0 OR position(convert_to('tsig', 'UTF8') in data) > 0)")" = 0
ok "an update on c" ctl c provider update dyn tsig-key=k2
ok "reaches a" until_true bash -c "DBUS_SESSION_BUS_ADDRESS=${BUS[a]} $CERTWARDCTL --session provider show dyn | grep -q 'tsig-key=k2'"
ok "and keeps the secret there" test "$(secrets_set a dyn)" = tsig-secret
ok "a DNS-01 request on b names it" ctl b request dnsuser.example.test --id dnsuser.example.test --challenge dns-01 \
  --provider dyn --directory https://127.0.0.1:9/directory --no-wait
fails "it is in use on b" "used by the certificate" ctl b provider remove dyn
ok "a still has it" has_provider a dyn
ctl b remove dnsuser.example.test --force >/dev/null 2>&1
ok "removed on b once unused" ctl b provider remove dyn
ok "gone on a" until_true bash -c "! DBUS_SESSION_BUS_ADDRESS=${BUS[a]} $CERTWARDCTL --session provider list | grep -q '^dyn '"
ok "gone on c" until_true bash -c "! DBUS_SESSION_BUS_ADDRESS=${BUS[c]} $CERTWARDCTL --session provider list | grep -q '^dyn '"
ok "a's file is gone" until_true test ! -e "$S/a/state/providers/dyn.ini"
ok "gone from the database" test "$(pg_psql "SELECT count(*) FROM certward_object")" = 0

# ---- the trust store: a change on any node reaches every node ----
for n in a b c; do trust_monitor $n; done
sleep 0.3
ROOT_FP=$(ctl a trust add "$F/root.pem")
ok "a trusts the test root" test -n "$ROOT_FP"
ok "b's bundle has it" until_true bundle_has_root b
ok "c's bundle has it" until_true bundle_has_root c
like "b's TrustStore1 lists it" "Certward Test Root" ctl b trust list
ok "removed on b" ctl b trust remove "$ROOT_FP"
ok "gone from a's bundle" until_true bash -c "! grep -q 'Certward Test Root' '$S/a/state/trust/ca-bundle.pem'"
ok "gone from c's bundle" until_true bash -c "! grep -q 'Certward Test Root' '$S/c/state/trust/ca-bundle.pem'"
ok "added again on c" ctl c trust add "$F/root.pem"
ok "a has it again" until_true bundle_has_root a
ok "reset on b" ctl b trust reset
ok "reset reached c" until_true bash -c "! grep -q 'Certward Test Root' '$S/c/state/trust/ca-bundle.pem'"
for n in a b c; do
  ok "$n's bus said Changed for each of the four" until_true test "$(trust_changes $n)" = 4
done
# a later event applied everywhere: no Changed came twice
ctl a provider add later rfc2136 nameserver=127.0.0.1:9 tsig-key=k --secret-file tsig-secret="$S/tsig" >/dev/null
for n in b c; do until_true has_provider $n later; done
for n in a b c; do
  ok "$n's bus said it once each" test "$(trust_changes $n)" = 4
done
ctl c provider remove later >/dev/null

# ---- the default certificate, tenants and the expiry warning ----
# twice: one of the two is not what b would have chosen by itself
ok "the default set on a" ctl a default renewed.example.test
ok "b's default is the same" until_true test "$(ctl b default)" = renewed.example.test
ok "set again on a" ctl a default shared.example.test
ok "b's default followed" until_true test "$(ctl b default)" = shared.example.test
ok "c's default is the same" until_true test "$(ctl c default)" = shared.example.test
ok "a tenant set on c" ctl c tenant set acme example.test
like "a has the tenant" "^acme: example.test" until_true bash -c "DBUS_SESSION_BUS_ADDRESS=${BUS[a]} $CERTWARDCTL --session tenant list | grep '^acme: '"
ok "the expiry warning set on b" ctl b expiry-days 45
ok "a has it" until_true test "$(ctl a expiry-days)" = 45
ok "c has it" until_true test "$(ctl c expiry-days)" = 45
ok "c kept the default a set" test "$(ctl c default)" = shared.example.test
ok "the tenant removed on a" ctl a tenant set acme
ok "gone on b" until_true bash -c "! DBUS_SESSION_BUS_ADDRESS=${BUS[b]} $CERTWARDCTL --session tenant list | grep -q '^acme: '"

# ---- HTTP-01: a orders, the CA asks b ----
ok "an ACME order on a" timeout 120 env DBUS_SESSION_BUS_ADDRESS="${BUS[a]}" "$CERTWARDCTL" --session \
  request http01.example.test --id http01.example.test --challenge http-01
FP6=$(fingerprint a http01.example.test)
ok "a got the certificate, validated through b's responder" test -n "$FP6"
ok "b has it" wait_for b http01.example.test "$FP6"
ok "c has it" wait_for c http01.example.test "$FP6"
ok "the tokens were withdrawn after the order" test "$(pg_psql 'SELECT count(*) FROM certward_http01')" = 0

# ---- the ACME account a registered is every node's ----
ACC=$(ctl a account list | awk '$2 == "valid" { print $1; exit }')
ok "a registered an account for its order" test -n "$ACC"
ok "b has a's account" until_true bash -c "DBUS_SESSION_BUS_ADDRESS=${BUS[b]} $CERTWARDCTL --session account list | grep -q '^$ACC '"
ok "c has a's account" until_true bash -c "DBUS_SESSION_BUS_ADDRESS=${BUS[c]} $CERTWARDCTL --session account list | grep -q '^$ACC '"
ok "b's copy of the key is mode 600" test "$(stat -c %a "$S/b/state/accounts/$ACC/key.pem")" = 600
ok "b's key is a's" cmp -s "$S/a/state/accounts/$ACC/key.pem" "$S/b/state/accounts/$ACC/key.pem"
ok "the account key is sealed in the database" \
  test "$(pg_psql "SELECT count(*) FROM certward_object WHERE kind = 'acme-account' AND position(convert_to('PRIVATE KEY', 'UTF8') in data) > 0")" = 0

# ---- a forced renewal on c: one order at the CA, renewed once on every bus ----
like "c's copy of a's ACME certificate renews like it" "Source: +acme" ctl c show http01.example.test
pg_psql "INSERT INTO certward_lease (name, holder, expires) VALUES ('renew:http01.example.test', 'z', now() + interval '1 hour')" >/dev/null
fails "no renewal while another node holds the lease" "node z renews" ctl b renew http01.example.test --force
pg_psql "DELETE FROM certward_lease" >/dev/null
ISSUED=$(issued)
ORDERS=$(orders)
ok "a forced renewal on c" ctl c renew http01.example.test --force
ok "c's renewal reached b" wait_changed b http01.example.test "$FP6"
FP9=$(fingerprint c http01.example.test)
ok "c has the new certificate" test -n "$FP9" -a "$FP9" != "$FP6"
ok "b has the same" wait_for b http01.example.test "$FP9"
ok "a has the same" wait_for a http01.example.test "$FP9"
for n in a b c; do
  ok "$n said renewed" wait_events $n renewed http01.example.test 1
done
ok "c gave the lease back" until_true test "$(leases http01.example.test)" = 0
for n in a b c; do
  ok "$n said renewed once" test "$(events $n renewed http01.example.test)" = 1
done
ok "exactly one order at the CA" test "$(orders)" = $((ORDERS + 1))
ok "exactly one certificate issued at the CA" test "$(issued)" = $((ISSUED + 1))
ok "c renewed with the shared account: it registered none of its own" \
  test "$(ctl c account list | awk '{ print $1 }')" = "$ACC"

# ---- the database goes away ----
pg_stop
for _ in $(seq 200); do
  [ "$(ctl a --json cluster status 2>&1 | grep -c Unavailable)" -ge 1 ] && break
  sleep 0.05
done
fails "a mutating call is Unavailable" "cluster database cannot be reached" \
  ctl a import "$F/leaf.pem" "$F/key-sec1.pem" "$F/chain.ca-bundle" --name refused.example.test
fails "on every node" "read-only" ctl b remove shared.example.test
fails "no renewal without the database" "cannot be reached|read-only" ctl c renew http01.example.test --force
fails "adding a DNS provider is Unavailable" "cannot be reached|read-only" \
  ctl a provider add refused rfc2136 nameserver=127.0.0.1:9 tsig-key=k --secret-file tsig-secret="$S/tsig"
ok "and left nothing here" test ! -e "$S/a/state/providers/refused.ini"
fails "the expiry warning is Unavailable" "cannot be reached|read-only" ctl c expiry-days 50
ok "and c's stays" test "$(ctl c expiry-days)" = 45
fails "a trust store change is Unavailable" "cannot be reached|read-only" ctl b trust add "$F/root.pem"
ok "and b's bundle is untouched" bash -c "! grep -q 'Certward Test Root' '$S/b/state/trust/ca-bundle.pem'"
like "reads still work" "shared.example.test" ctl c list
like "FindForName still answers" "shared" ctl b find rsa.example.test
ok "files are untouched" bash -c "grep -q 'PRIVATE KEY' $S/c/state/certificates/shared*/current/key.pem"
pg_start
for n in a b c; do
  ok "$n is back" wait_available $n
done
ok "nothing refused reached the database" test "$(pg_psql "SELECT count(*) FROM certward_certificate WHERE name = 'refused.example.test'")" = 0
ctl a import "$F/leaf.pem" "$F/key-sec1.pem" "$F/chain.ca-bundle" --name after.example.test >/dev/null
FP4=$(fingerprint a after.example.test)
ok "back: a change on a reaches c" wait_for c after.example.test "$FP4"

# ---- a node away catches up ----
stop_node c
ctl a import "$F/leaf.pem" "$F/key-sec1.pem" "$F/chain.ca-bundle" --name while-away.example.test >/dev/null
FP5=$(fingerprint a while-away.example.test)
ok "a provider added while c is away" ctl b provider add away rfc2136 nameserver=127.0.0.1:9 tsig-key=k \
  --secret-file tsig-secret="$S/tsig"
start_node c
ok "c caught up with what it missed" wait_for c while-away.example.test "$FP5"
ok "c caught up with the provider" until_true has_provider c away
ok "c applied it once" test "$(grep -c 'while-away.example.test now at revision' "$S/c/daemon.log")" = 1
like "c's status shows the last event it applied" '"last-event"' ctl c --json cluster status

# ---- another key-file ----
start_node d "$S/other.key"
monitor d
sleep 1
ok "d cannot read the shared keys and says why" grep -q "sealed with cluster key" "$S/d/daemon.log"
ok "d installed none of them" bash -c "! ctl d show shared.example.test >/dev/null 2>&1"
ok "nor the sealed provider" test ! -e "$S/d/state/providers/away.ini"
ok "the database still holds the certificate" test "$(pg_psql "SELECT count(*) FROM certward_certificate WHERE name = 'shared.example.test'")" = 1

# ---- the lease holder killed mid-order: another node finishes ----
# b answers the CA's HTTP-01 requests: stopped, it holds a's order open
ISSUED=$(issued)
ORDERS=$(orders)
FP10=$(fingerprint b http01.example.test)
kill -STOP "${CW_PID[b]}"
ok "a starts a renewal" ctl a renew http01.example.test --force --no-wait
ok "a holds its lease" until_true holder a http01.example.test
ok "a's order is at the CA" until_true test "$(orders)" -gt "$ORDERS"
LC_ALL=C like "cluster status on c shows a's lease" "renew:http01.example.test +a +until" ctl c cluster status
kill -KILL "${CW_PID[a]}"
wait "${CW_PID[a]}" 2>/dev/null
unset "CW_PID[a]"
kill -CONT "${CW_PID[b]}"
ok "another node took the renewal over when the lease expired" wait_changed b http01.example.test "$FP10"
FP11=$(fingerprint b http01.example.test)
ok "c has it too" wait_for c http01.example.test "$FP11"
ok "the takeover is logged" grep -q "ended without a result" "$S/b/daemon.log" "$S/c/daemon.log"
for n in b c; do
  ok "$n said renewed once more" wait_events $n renewed http01.example.test 2
done
ok "the lease went back" until_true test "$(leases http01.example.test)" = 0
ok "one certificate issued for the renewal" test "$(issued)" = $((ISSUED + 1))
# a comes back with its own order pending: it takes the others' renewal
# and resumes nothing
ORDERS=$(orders)
start_node a
ok "a caught up with the renewal made without it" wait_for a http01.example.test "$FP11"
ok "a placed no order of its own" test "$(orders)" = "$ORDERS"
ok "still one certificate for the renewal" test "$(issued)" = $((ISSUED + 1))

for n in a b c d; do stop_node $n; done
ok "every node stopped cleanly" true
tap_done
