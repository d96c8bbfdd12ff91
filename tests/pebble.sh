# Sourced by the demo and the benchmark: a real Pebble (Debian's pebble, the
# ACME test CA) and pebble-challtestsrv as its DNS server (every name is
# 127.0.0.1) on loopback. The C tests have the same in tests/cw-test-pebble.c.
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   pebble_up BASE DIR [HTTP_PORT]
#                        ports BASE (ACME), +1 management, +2 where the
#                        validator fetches HTTP-01 answers (or HTTP_PORT:
#                        80 for an agent with the real default), +3
#                        TLS-ALPN, +4 DNS, +5 DNS management; files in DIR.
#                        Sets PEBBLE_DIRECTORY, PEBBLE_CA (the trust anchor
#                        of its HTTPS), PEBBLE_HTTP_PORT, PEBBLE_PIDS and
#                        PEBBLE_PID (Pebble's own).
#   pebble_root FILE     writes the root Pebble issues under (new at every start)
#   pebble_down

pebble_port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pebble_up() {
  local base=$1 dir=$2 http=${3:-$(($1 + 2))} p
  for p in $(seq "$base" $((base + 5))); do
    pebble_port_free "$p" || { echo "port $p is in use: stop what listens there" >&2; return 1; }
  done
  mkdir -p "$dir"
  (
    cd "$dir"
    openssl ecparam -name prime256v1 -genkey -noout -out ca.key
    openssl req -x509 -new -key ca.key -sha256 -days 30 -subj "/CN=Pebble listener CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem
    openssl ecparam -name prime256v1 -genkey -noout -out localhost.key
    openssl req -new -key localhost.key -subj "/CN=localhost" -out localhost.csr
    printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n' > ext
    openssl x509 -req -in localhost.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -sha256 -extfile ext \
      -out localhost.pem
  ) >/dev/null 2>&1
  cat > "$dir/pebble.json" <<JSON
{"pebble": {"listenAddress": "127.0.0.1:$base", "managementListenAddress": "127.0.0.1:$((base + 1))",
  "certificate": "$dir/localhost.pem", "privateKey": "$dir/localhost.key",
  "httpPort": $http, "tlsPort": $((base + 3)), "ocspResponderURL": "",
  "externalAccountBindingRequired": false}}
JSON
  pebble-challtestsrv -http01 "" -https01 "" -tlsalpn01 "" -dns01 "127.0.0.1:$((base + 4))" \
    -management "127.0.0.1:$((base + 5))" -defaultIPv4 127.0.0.1 -defaultIPv6 "" >"$dir/challtestsrv.log" 2>&1 &
  PEBBLE_PIDS=$!
  # validation on, without Pebble's random sleeps; every order validates anew
  PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 \
    pebble -config "$dir/pebble.json" -dnsserver "127.0.0.1:$((base + 4))" >"$dir/pebble.log" 2>&1 &
  PEBBLE_PID=$!
  PEBBLE_PIDS="$PEBBLE_PIDS $PEBBLE_PID"
  PEBBLE_DIRECTORY="https://127.0.0.1:$base/dir"
  PEBBLE_CA="$dir/ca.pem"
  PEBBLE_HTTP_PORT=$http
  PEBBLE_MANAGEMENT="https://127.0.0.1:$((base + 1))"
  for p in $(seq 100); do
    curl -fsS --cacert "$PEBBLE_CA" -o /dev/null "$PEBBLE_DIRECTORY" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "Pebble did not start:" >&2
  cat "$dir/pebble.log" >&2
  return 1
}

pebble_root() {
  curl -fsS --cacert "$PEBBLE_CA" "$PEBBLE_MANAGEMENT/roots/0" > "$1"
}

pebble_down() {
  # shellcheck disable=SC2086
  # wait reports the SIGTERM they died of: not a failure of the caller's
  # (under set -e, the last command of an && list would end its EXIT trap)
  [ -n "${PEBBLE_PIDS:-}" ] && kill $PEBBLE_PIDS 2>/dev/null && wait $PEBBLE_PIDS 2>/dev/null || true
  PEBBLE_PIDS=
  return 0
}
