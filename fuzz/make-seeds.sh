#!/bin/bash
# Seed corpora of the harnesses, made at build time into OUT/<harness>/:
# certificates and keys in every encoding from OpenSSL and certtool (the
# keys are made here, never committed), ZIP bundles, ACME conversations
# (RFC 8555) and DNS provider API answers as the services document them,
# DNS messages from make-dns-seeds (ldns), SCEP messages and the keys
# that open them from make-scep-seeds (into OUT/scep-keys/).
# Usage: make-seeds.sh OUT MAKE-DNS-SEEDS MAKE-SCEP-SEEDS
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail

OUT=$1
DNS_SEEDS=$2
SCEP_SEEDS=$3
rm -rf "$OUT"
mkdir -p "$OUT"/{material,archive,acme-json,acme-order,dns,provider-http,scep}
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

q() { "$@" >/dev/null 2>&1; }
sep() { printf '\n--next--\n'; }
PASS=secret-pass

# ---- certificates and keys ---------------------------------------------------
q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out root.key
q openssl req -x509 -new -key root.key -sha256 -days 3650 -subj "/CN=Fuzz Root X1" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out root.pem
q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out inter.key
q openssl req -new -key inter.key -subj "/O=Fuzz/CN=Fuzz Intermediate" -out inter.csr
printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' > inter.ext
q openssl x509 -req -in inter.csr -CA root.pem -CAkey root.key -CAcreateserial -days 1825 -sha256 -extfile inter.ext -out inter.pem
q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out leaf.key
q openssl req -new -key leaf.key -subj "/C=IT/O=Fuzz Ltd/CN=www.example.test" -out leaf.csr
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:www.example.test,DNS:*.example.test,IP:192.0.2.10,IP:2001:db8::1,email:a@example.test\nauthorityKeyIdentifier=keyid\n' > leaf.ext
q openssl x509 -req -in leaf.csr -CA inter.pem -CAkey inter.key -CAcreateserial -days 365 -sha256 -extfile leaf.ext -out leaf.pem
q openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.key
q openssl req -x509 -new -key rsa.key -sha256 -days 100 -subj "/CN=rsa.example.test" -out rsa.pem
# a name with the odd string types and attributes X.509 allows
cat > odd.tmpl <<'EOF'
cn = "odd.example.test"
organization = "Ünïcödé GmbH"
email = "hostmaster@example.test"
unit = "Teil\\, mit Komma"
dns_name = "odd.example.test"
dns_name = "xn--bcher-kva.example.test"
ip_address = "192.0.2.77"
expiration_days = 30
tls_www_server
EOF
q certtool --generate-self-signed --load-privkey leaf.key --template odd.tmpl --outfile odd.pem

# flags byte (bits 0-1: the password, "secret-pass" = 2; bit 2: allow
# expired) then the files
material() {
  local name=$1 flags=$2; shift 2
  { printf "\\x$flags"; local first=1
    for f in "$@"; do [ $first = 1 ] || sep; first=0; cat "$f"; done; } > "$OUT/material/$name"
}
q openssl x509 -in leaf.pem -outform DER -out leaf.der
q openssl pkey -in leaf.key -outform DER -out leaf-key.der
q openssl ec -in leaf.key -out leaf-sec1.pem
q openssl ec -in leaf.key -outform DER -out leaf-sec1.der
q openssl pkcs8 -topk8 -in leaf.key -v2 aes-256-cbc -passout pass:$PASS -out leaf-enc.pem
q openssl pkcs8 -topk8 -in leaf.key -v2 aes-128-cbc -passout pass:$PASS -outform DER -out leaf-enc.der
q openssl rsa -in rsa.key -traditional -out rsa-pkcs1.pem
q openssl rsa -in rsa.key -traditional -aes128 -passout pass:$PASS -out rsa-pkcs1-enc.pem
q openssl pkcs12 -export -inkey leaf.key -in leaf.pem -certfile inter.pem -passout pass:$PASS -out full.p12
q openssl pkcs12 -export -inkey leaf.key -in leaf.pem -certfile inter.pem -passout pass: -out nopass.p12
q openssl pkcs12 -export -inkey leaf.key -in leaf.pem -certfile inter.pem -passout pass:$PASS \
  -certpbe PBE-SHA1-3DES -keypbe PBE-SHA1-3DES -macalg sha1 -out legacy.p12
q openssl pkcs12 -export -inkey leaf.key -in leaf.pem -passout pass:$PASS -nomac -out nomac.p12
q certtool --to-p12 --load-privkey leaf.key --load-certificate leaf.pem --p12-name fuzz --password $PASS \
  --outder --outfile certtool.p12
q openssl crl2pkcs7 -nocrl -certfile leaf.pem -certfile inter.pem -out chain.p7b
q openssl crl2pkcs7 -nocrl -certfile leaf.pem -certfile inter.pem -outform DER -out chain-der.p7b
cat leaf.pem inter.pem root.pem leaf.key > bundle.pem
material pem-bundle 00 bundle.pem
material pem-parts 00 leaf.pem leaf.key inter.pem
material der-parts 00 leaf.der leaf-key.der inter.pem
material sec1 00 leaf.pem leaf-sec1.pem
material sec1-der 00 leaf.der leaf-sec1.der
material pkcs8-encrypted 02 leaf.pem leaf-enc.pem inter.pem
material pkcs8-encrypted-der 02 leaf.der leaf-enc.der
material pkcs1 00 rsa.pem rsa-pkcs1.pem
material pkcs1-encrypted 02 rsa.pem rsa-pkcs1-enc.pem
material pkcs12 02 full.p12
material pkcs12-nopass 01 nopass.p12
material pkcs12-legacy 02 legacy.p12
material pkcs12-nomac 02 nomac.p12
material pkcs12-certtool 02 certtool.p12
material pkcs7 00 chain.p7b leaf.key
material pkcs7-der 00 chain-der.p7b leaf-key.der
material odd-names 04 odd.pem leaf.key

# ---- ZIP bundles ---------------------------------------------------------------
mkdir -p zip/sub && cp leaf.pem zip/www.crt && cp leaf.key zip/www.key && cp inter.pem zip/sub/ca-bundle.pem \
  && echo "Thank you for your order" > zip/README.txt && mkdir -p zip/__MACOSX && echo x > zip/__MACOSX/._www.crt
(cd zip && q zip -r "$WORK/bundle.zip" .)
(cd zip && q zip -0 -r "$WORK/stored.zip" www.crt www.key)
# an entry whose name is not UTF-8 (Latin-1 "é"), as old Windows tools write
printf 'x' > "$(printf 'caf\xe9.txt')" && q zip latin1.zip "$(printf 'caf\xe9.txt')" leaf.pem
cp bundle.zip stored.zip latin1.zip "$OUT/archive/"
material zip 00 bundle.zip
material zip-pkcs12 02 "$OUT/archive/stored.zip" full.p12

# ---- ACME (RFC 8555) -------------------------------------------------------------
# one answer of the CA, as fuzz-acme-json reads it
acme_json() { cat > "$OUT/acme-json/$1"; }
acme_json directory <<'EOF'
200
Content-Type: application/json

{"newNonce":"$S/nonce","newAccount":"$S/acct","newOrder":"$S/order","revokeCert":"$S/revoke","keyChange":"$S/key","renewalInfo":"$S/ari","meta":{"termsOfService":"$S/tos.pdf","website":"https://ca.example","caaIdentities":["ca.example"],"externalAccountRequired":false,"profiles":{"classic":"90 days","shortlived":"6 days"}}}
EOF
acme_json problem-subproblems <<'EOF'
403
Content-Type: application/problem+json
Retry-After: 120

{"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"Some of the identifiers requested were rejected","status":403,"subproblems":[{"type":"urn:ietf:params:acme:error:malformed","detail":"Invalid underscore in DNS name \"_example.org\"","identifier":{"type":"dns","value":"_example.org"}},{"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"This CA will not issue for \"example.net\"","identifier":{"type":"dns","value":"example.net"}}]}
EOF
acme_json problem-escapes <<'EOF'
429
Content-Type: application/problem+json
Retry-After: Wed, 21 Oct 2015 07:28:00 GMT

{"type":"urn:ietf:params:acme:error:rateLimited","detail":"too many certificates (5) already issued for \u00e9xample.test \ud83d\ude00 in the last 168h0m0s","status":429}
EOF
acme_json order-links <<'EOF'
201
Content-Type: application/json
Location: /acme/order/TOlocE8rfgo
Link: <$S/dir>;rel="index", <https://ca.example/cert/alt/1>;rel="alternate", </cert/alt/2>; rel="alternate up"

{"status":"pending","expires":"2016-01-05T14:09:07.99Z","notBefore":"2016-01-01T00:00:00Z","identifiers":[{"type":"dns","value":"www.example.org"},{"type":"ip","value":"192.0.2.1"}],"authorizations":["$S/authz/PAniVnsZcis","$S/authz/r4HqLzrSrpI"],"finalize":"$S/order/TOlocE8rfgo/finalize"}
EOF
acme_json authz <<'EOF'
200
Content-Type: application/json

{"status":"invalid","expires":"2016-01-02T14:09:30Z","identifier":{"type":"dns","value":"www.example.org"},"wildcard":true,"challenges":[{"url":"$S/chall/prV_B7yEyA4","type":"http-01","status":"invalid","token":"DGyRejmCefe7v4NfDGDKfA","error":{"type":"urn:ietf:params:acme:error:connection","detail":"Fetching http://www.example.org/.well-known/acme-challenge/DGyRejmCefe7v4NfDGDKfA: Timeout"}},{"url":"$S/chall/Rg5dV14Gh1Q","type":"dns-01","status":"pending","token":"DGyRejmCefe7v4NfDGDKfA"}]}
EOF
acme_json renewal-info <<'EOF'
200
Content-Type: application/json
Retry-After: 21600

{"suggestedWindow":{"start":"2025-01-02T04:00:00Z","end":"2025-01-03T04:00:00Z"},"explanationURL":"https://ca.example/docs/ari"}
EOF
acme_json deep <<'EOF'
400
Content-Type: application/problem+json

{"type":"urn:ietf:params:acme:error:malformed","detail":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}
EOF

# whole orders for fuzz-acme-order: a flags byte, then the answers in the
# order the client asks (directory, newOrder, authorizations, challenges,
# polls, finalize, the order, the chain, alternates)
DIR_ANSWER='200
Content-Type: application/json

{"newNonce":"$S/nonce","newAccount":"$S/acct","newOrder":"$S/order","renewalInfo":"$S/ari","meta":{"profiles":{"shortlived":"6 days"}}}'
ORDER_ANSWER='201
Content-Type: application/json
Location: $S/order/1

{"status":"pending","identifiers":[{"type":"dns","value":"www.example.test"}],"authorizations":["$S/authz/1"],"finalize":"$S/order/1/finalize"}'
AUTHZ_PENDING='200
Content-Type: application/json

{"status":"pending","identifier":{"type":"dns","value":"www.example.test"},"challenges":[{"type":"http-01","url":"$S/chall/1","token":"tok-http-1","status":"pending"},{"type":"dns-01","url":"$S/chall/2","token":"tok-dns-1","status":"pending"},{"type":"tls-alpn-01","url":"$S/chall/3","token":"tok-alpn-1","status":"pending"}]}'
CHALL_ANSWER='200
Content-Type: application/json

{"type":"http-01","url":"$S/chall/1","status":"processing","token":"tok-http-1"}'
AUTHZ_VALID='200
Content-Type: application/json

{"status":"valid","identifier":{"type":"dns","value":"www.example.test"},"challenges":[{"type":"http-01","url":"$S/chall/1","token":"tok-http-1","status":"valid","validated":"2025-01-01T00:00:00Z"}]}'
FINALIZED='200
Content-Type: application/json
Retry-After: 1

{"status":"processing","authorizations":["$S/authz/1"],"finalize":"$S/order/1/finalize"}'
ORDER_VALID='200
Content-Type: application/json

{"status":"valid","authorizations":["$S/authz/1"],"finalize":"$S/order/1/finalize","certificate":"$S/cert/1"}'
chain_answer() {
  printf '200\nContent-Type: application/pem-certificate-chain\n'
  [ -z "${1:-}" ] || printf '%s\n' "$1"
  printf '\n'
  cat leaf.pem inter.pem
}
order_seed() {
  local name=$1 flags=$2; shift 2
  { printf "\\x$flags"; local first=1
    for a in "$@"; do [ $first = 1 ] || sep; first=0; printf '%s' "$a"; done; } > "$OUT/acme-order/$name"
}
order_seed happy 00 "$DIR_ANSWER" "$ORDER_ANSWER" "$AUTHZ_PENDING" "$CHALL_ANSWER" "$AUTHZ_VALID" "$FINALIZED" \
  "$ORDER_VALID" "$(chain_answer)"
order_seed preferred-chain 01 "$DIR_ANSWER" "$ORDER_ANSWER" "$AUTHZ_PENDING" "$CHALL_ANSWER" "$AUTHZ_VALID" \
  "$ORDER_VALID" "$(chain_answer 'Link: <$S/cert/1/1>;rel="alternate", <$S/cert/1/2>;rel="alternate"')" \
  "$(chain_answer)" "$(printf '200\nContent-Type: application/pem-certificate-chain\n\n'; cat leaf.pem root.pem)"
order_seed already-valid 08 "$DIR_ANSWER" "$(printf '%s' "$ORDER_ANSWER" | sed 's/"pending"/"ready"/')" \
  "$AUTHZ_VALID" "$ORDER_VALID" "$(chain_answer)"
order_seed bad-nonce-then-replaced 02 "$DIR_ANSWER" '400
Content-Type: application/problem+json
Replay-Nonce: fresh-nonce-1

{"type":"urn:ietf:params:acme:error:badNonce","detail":"JWS has an invalid anti-replay nonce","status":400}' '409
Content-Type: application/problem+json

{"type":"urn:ietf:params:acme:error:alreadyReplaced","detail":"the certificate is already being replaced","status":409}' \
  "$ORDER_ANSWER" "$AUTHZ_VALID" "$ORDER_VALID" "$(chain_answer)"
order_seed invalid-authz 00 "$DIR_ANSWER" "$ORDER_ANSWER" "$AUTHZ_PENDING" "$CHALL_ANSWER" "$(cat "$OUT/acme-json/authz")"
order_seed rate-limited 04 "$DIR_ANSWER" "$(cat "$OUT/acme-json/problem-escapes")"
order_seed unavailable 00 "$DIR_ANSWER" '503
Retry-After: 2

' '503
Retry-After: 1
Content-Type: application/problem+json

{"type":"urn:ietf:params:acme:error:serverInternal","detail":"down for maintenance"}' "$ORDER_ANSWER"

# ---- DNS -------------------------------------------------------------------------
"$DNS_SEEDS" "$OUT/dns"

# ---- SCEP ------------------------------------------------------------------------
"$SCEP_SEEDS" "$OUT/scep" "$OUT/scep-keys"

# ---- DNS provider APIs -------------------------------------------------------------
# flags: bits 0-2 the provider (0 powerdns, 1 cloudflare, 2 hetzner,
# 3 digitalocean, 4 desec, 5 gandi, 6 route53), bit 3 cleanup, bit 4 zone ID given
provider() {
  local name=$1 flags=$2; shift 2
  { printf "\\x$flags"; local first=1
    for a in "$@"; do [ $first = 1 ] || sep; first=0; printf '%s' "$a"; done; } > "$OUT/provider-http/$name"
}
J='Content-Type: application/json'
X='Content-Type: text/xml'
V='aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
provider powerdns 00 "200
$J

{\"name\":\"example.com.\",\"rrsets\":[{\"name\":\"example.com.\",\"type\":\"SOA\",\"ttl\":3600,\"records\":[{\"content\":\"ns1.example.com. hostmaster.example.com. 1 60 60 3600 60\",\"disabled\":false}]},{\"name\":\"_acme-challenge.www.example.com.\",\"type\":\"TXT\",\"ttl\":120,\"records\":[{\"content\":\"\\\"other\\\"\",\"disabled\":false}]}]}" "204
"
provider powerdns-error 08 "422
$J

{\"error\": \"Record _acme-challenge.www.example.com./TXT 'x': Data field in DNS should start with quote\"}"
provider cloudflare 01 "200
$J

{\"success\":true,\"errors\":[],\"result\":[{\"id\":\"z123\",\"name\":\"example.com\"}]}" "200
$J

{\"success\":true,\"errors\":[],\"result\":{\"id\":\"r1\",\"type\":\"TXT\"}}"
provider cloudflare-cleanup 19 "200
$J

{\"success\":true,\"result\":[{\"id\":\"r2\",\"type\":\"TXT\",\"name\":\"_acme-challenge.www.example.com\",\"content\":\"\\\"$V\\\"\"},{\"id\":\"r1\",\"type\":\"TXT\",\"content\":\"$V\"}]}" "200
$J

{\"success\":true,\"result\":{\"id\":\"r1\"}}" "404
"
provider cloudflare-error 01 "403
$J

{\"success\":false,\"errors\":[{\"code\":10000,\"message\":\"Authentication error\"},{\"code\":\"x\",\"message\":\"\\u00e9\\ud800\"}],\"result\":null}"
provider hetzner 02 "200
$J

{\"zones\":[{\"id\":\"hz1\",\"name\":\"example.com\",\"ttl\":86400}]}" "200
$J

{\"record\":{\"id\":\"r9\",\"type\":\"TXT\"}}"
provider hetzner-cleanup 0a "200
$J

{\"zones\":[{\"id\":\"hz1\",\"name\":\"example.com\",\"ttl\":86400}]}" "200
$J

{\"records\":[{\"id\":\"r1\",\"type\":\"TXT\",\"name\":\"_acme-challenge.www\",\"value\":\"other\"},{\"id\":\"r2\",\"type\":\"TXT\",\"name\":\"_acme-challenge.www\",\"value\":\"\\\"$V\\\"\"}]}" "200
"
provider digitalocean 03 "201
$J

{\"domain_record\":{\"id\":28448433,\"type\":\"TXT\"}}"
provider digitalocean-cleanup 0b "200
$J

{\"domain_records\":[{\"id\":11,\"type\":\"TXT\",\"name\":\"_acme-challenge.www\",\"data\":\"other\"},{\"id\":12,\"type\":\"TXT\",\"name\":\"_acme-challenge.www\",\"data\":\"$V\"}],\"meta\":{\"total\":2}}" "204
"
provider desec 04 "404
$J

{\"detail\":\"Not found.\"}" "200
$J

[{\"subname\":\"_acme-challenge.www\",\"type\":\"TXT\"}]"
provider desec-cleanup 0c "200
$J

{\"subname\":\"_acme-challenge.www\",\"type\":\"TXT\",\"ttl\":3600,\"records\":[\"\\\"other\\\"\",\"\\\"$V\\\"\"]}" "200
$J

[]"
provider gandi 05 "200
$J

{\"rrset_name\":\"_acme-challenge.www\",\"rrset_type\":\"TXT\",\"rrset_ttl\":300,\"rrset_values\":[\"\\\"other\\\"\"]}" "201
$J

{\"message\":\"DNS Record Created\"}"
provider gandi-error 0d "403
$J

{\"code\":403,\"message\":\"Access was denied to this resource.\",\"object\":\"HTTPForbidden\",\"cause\":\"Forbidden\"}"
R53NS='xmlns="https://route53.amazonaws.com/doc/2013-04-01/"'
provider route53 06 "200
$X

<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<ListHostedZonesByNameResponse $R53NS><HostedZones><HostedZone><Id>/hostedzone/ZOTHER</Id><Name>www.example.com.</Name><CallerReference>a</CallerReference><Config><PrivateZone>false</PrivateZone></Config></HostedZone><HostedZone><Id>/hostedzone/Z123</Id><Name>example.com.</Name><CallerReference>b</CallerReference><Config><Comment>x</Comment><PrivateZone>false</PrivateZone></Config></HostedZone></HostedZones><DNSName>example.com.</DNSName><IsTruncated>false</IsTruncated><MaxItems>100</MaxItems></ListHostedZonesByNameResponse>" "200
$X

<?xml version=\"1.0\"?>
<ListResourceRecordSetsResponse $R53NS><ResourceRecordSets><ResourceRecordSet><Name>_acme-challenge.www.example.com.</Name><Type>TXT</Type><TTL>300</TTL><ResourceRecords><ResourceRecord><Value>\"other\"</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></ResourceRecordSets><IsTruncated>false</IsTruncated><MaxItems>1</MaxItems></ListResourceRecordSetsResponse>" "200
$X

<?xml version=\"1.0\"?>
<ChangeResourceRecordSetsResponse $R53NS><ChangeInfo><Id>/change/C1</Id><Status>PENDING</Status><SubmittedAt>2025-01-01T00:00:00.000Z</SubmittedAt></ChangeInfo></ChangeResourceRecordSetsResponse>"
provider route53-error 1e "403
$X

<?xml version=\"1.0\"?>
<ErrorResponse $R53NS><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error><RequestId>r1</RequestId></ErrorResponse>"
