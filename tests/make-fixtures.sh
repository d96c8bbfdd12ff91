#!/bin/bash
# Generates every input format the import must accept, and every kind of bad
# input it must refuse, into DIR. Made with OpenSSL (and certtool for dated
# certificates), so the code under test (GnuTLS) reads what another
# implementation wrote. Nothing here is committed: each test run makes its
# own keys.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail

D=${1:?usage: make-fixtures.sh DIR}
# the fixtures are those of this very script: a build tree from before a
# fixture was added gets it too
STAMP=$(sha256sum < "${BASH_SOURCE[0]}" | cut -d' ' -f1)
mkdir -p "$D"
cd "$D"
# tests run in parallel and share one fixture directory: one makes it
exec 9>"$D/.lock"
flock 9
[ -f .done ] && [ "$(cat .done)" = "$STAMP" ] && exit 0

q() { "$@" >/dev/null 2>&1; }
PASS=secret-pass

ec_key() { q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

# ---- a three-level PKI: root → intermediate → leaf ---------------------------
ec_key root.key
q openssl req -x509 -new -key root.key -sha256 -days 3650 -subj "/CN=Certward Test Root" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out root.pem

ec_key inter.key
q openssl req -new -key inter.key -subj "/CN=Certward Test Intermediate" -out inter.csr
printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' > inter.ext
q openssl x509 -req -in inter.csr -CA root.pem -CAkey root.key -CAcreateserial -days 1825 -sha256 \
  -extfile inter.ext -out inter.pem

leaf_ext() { printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$1"; }
leaf_ext "DNS:www.example.test,DNS:example.test,IP:192.0.2.10" > leaf.ext

# EC leaf (P-256) signed by the intermediate
ec_key leaf.key
q openssl req -new -key leaf.key -subj "/CN=www.example.test" -out leaf.csr
q openssl x509 -req -in leaf.csr -CA inter.pem -CAkey inter.key -CAcreateserial -days 365 -sha256 \
  -extfile leaf.ext -out leaf.pem

# RSA leaf (2048) for PKCS#1
q openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.key
q openssl req -new -key rsa.key -subj "/CN=rsa.example.test" -out rsa.csr
leaf_ext "DNS:rsa.example.test" > rsa.ext
q openssl x509 -req -in rsa.csr -CA inter.pem -CAkey inter.key -CAcreateserial -days 365 -sha256 \
  -extfile rsa.ext -out rsa.pem

# ---- the same material in every encoding ------------------------------------
q openssl x509 -in leaf.pem -outform DER -out leaf.der
q openssl x509 -in inter.pem -outform DER -out inter.der
cp leaf.key key-pkcs8.pem                                                   # BEGIN PRIVATE KEY
q openssl pkey -in leaf.key -outform DER -out key.der                       # DER PKCS#8
q openssl ec -in leaf.key -out key-sec1.pem                                 # BEGIN EC PRIVATE KEY
q openssl ec -in leaf.key -outform DER -out key-sec1.der                    # DER SEC1
q openssl pkcs8 -topk8 -in leaf.key -v2 aes-256-cbc -passout pass:$PASS -out key-enc.pem   # ENCRYPTED PRIVATE KEY
q openssl pkcs8 -topk8 -in leaf.key -v2 aes-256-cbc -passout pass:$PASS -outform DER -out key-enc.der
q openssl rsa -in rsa.key -traditional -out rsa-pkcs1.pem                   # BEGIN RSA PRIVATE KEY
q openssl rsa -in rsa.key -traditional -aes256 -passout pass:$PASS -out rsa-pkcs1-enc.pem  # Proc-Type: 4,ENCRYPTED

cat inter.pem root.pem > chain.ca-bundle
cat leaf.pem chain.ca-bundle > crt-and-bundle.pem                            # .crt + .ca-bundle pasted
# a bundle in a scrambled order, with OpenSSL-style text between the blocks
{ echo "Bag Attributes: junk"; cat inter.pem; cat leaf.key; echo "subject=..."; cat root.pem; cat leaf.pem; } > bundle-any-order.pem
{ cat leaf.pem; cat inter.pem; } | sed 's/$/\r/' > leaf-chain-crlf.pem       # Windows line ends

# PKCS#12, the ways tools write it
q openssl pkcs12 -export -inkey leaf.key -in leaf.pem -certfile chain.ca-bundle -passout pass:$PASS -out full.p12
q openssl pkcs12 -export -inkey leaf.key -in leaf.pem -certfile inter.pem -passout pass: -out nopass.p12
q openssl pkcs12 -export -inkey leaf.key -in leaf.pem -certfile inter.pem -passout pass:$PASS \
  -certpbe PBE-SHA1-3DES -keypbe PBE-SHA1-3DES -macalg sha1 -out legacy.p12
q openssl pkcs12 -export -inkey leaf.key -in leaf.pem -certfile inter.pem -passout pass:$PASS -nomac -out nomac.p12
q openssl pkcs12 -export -nokeys -in leaf.pem -certfile inter.pem -passout pass: -out certs-only.p12
# a key bag that asks for 3,000,000 PBKDF2 rounds behind a cheap MAC (-iter
# before -nomaciter: OpenSSL's -iter sets both)
q openssl pkcs12 -export -inkey leaf.key -in leaf.pem -certpbe NONE -iter 3000000 -nomaciter -passout pass:$PASS \
  -out kdf-keybag.p12

# PKCS#7 (.p7b) as some CAs deliver chains
q openssl crl2pkcs7 -nocrl -certfile leaf.pem -certfile inter.pem -out chain.p7b
q openssl crl2pkcs7 -nocrl -certfile leaf.pem -certfile inter.pem -outform DER -out chain-der.p7b

# ZIP bundles as CAs mail them
mkdir -p zip/sub && cp leaf.pem zip/www_example_test.crt && cp leaf.key zip/www_example_test.key \
  && cp chain.ca-bundle zip/sub/www_example_test.ca-bundle.pem && echo "Thank you for your order" > zip/README.txt
(cd zip && q zip -r ../bundle.zip .)
mkdir -p zipnokey && cp leaf.pem zipnokey/a.crt && (cd zipnokey && q zip -r ../nokey.zip .)
# an empty file next to the certificate and its key (found by fuzz/fuzz-material)
mkdir -p zipempty && cp leaf.pem leaf.key inter.pem zipempty/ && : > zipempty/empty.txt \
  && (cd zipempty && q zip -r ../empty-entry.zip .)
head -c 2000000 /dev/zero > big.bin && q zip big.zip big.bin && rm big.bin
head -c 300 bundle.zip > truncated.zip
# an entry named in Latin-1 ("café.txt") whose data fails its CRC: the
# read error names the entry (found by fuzz/fuzz-archive)
mkdir -p latin1 && printf 'hello' > "latin1/$(printf 'caf\xe9.txt')"
(cd latin1 && q zip -0 ../latin1.zip "$(printf 'caf\xe9.txt')")
LC_ALL=C sed 's/hello/jello/' latin1.zip > latin1-bad-crc.zip

# ---- what must be refused ---------------------------------------------------
ec_key other.key                                                            # a key for no certificate
q openssl req -x509 -new -key rsa.key -sha1 -days 30 -subj "/CN=sha1.example.test" -out sha1.pem   # SHA-1 signature
q openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa1024.key
q openssl req -x509 -new -key rsa1024.key -sha256 -days 30 -subj "/CN=weak.example.test" -out rsa1024.pem
# an "intermediate" with the right name and the wrong key: signatures do not link up
ec_key fake-inter.key
q openssl req -x509 -new -key fake-inter.key -sha256 -days 365 -subj "/CN=Certward Test Intermediate" \
  -addext "basicConstraints=critical,CA:TRUE" -out fake-inter.pem
# an expired certificate, and a renewed one for the same key (certtool takes dates)
cat > expired.tmpl <<'EOF'
cn = "old.example.test"
dns_name = "old.example.test"
activation_date = "2020-01-01 00:00:00"
expiration_date = "2021-01-01 00:00:00"
tls_www_server
EOF
q certtool --generate-self-signed --load-privkey leaf.key --template expired.tmpl --outfile expired.pem
cat > renewed.tmpl <<'EOF'
cn = "www.example.test"
dns_name = "www.example.test"
expiration_days = 400
tls_www_server
EOF
q certtool --generate-certificate --load-privkey leaf.key --load-ca-certificate inter.pem --load-ca-privkey inter.key \
  --template renewed.tmpl --outfile renewed.pem
# an expired CA (refused by the trust store)
cat > expired-ca.tmpl <<'EOF'
cn = "Expired Test CA"
ca
cert_signing_key
activation_date = "2019-01-01 00:00:00"
expiration_date = "2020-01-01 00:00:00"
EOF
q certtool --generate-self-signed --load-privkey root.key --template expired-ca.tmpl --outfile expired-ca.pem
# self-signed certificate with its key (no chain at all)
q openssl req -x509 -new -key leaf.key -sha256 -days 100 -subj "/CN=self.example.test" \
  -addext "subjectAltName=DNS:self.example.test" -out self.pem

printf 'this is not a certificate\n' > garbage.txt
head -c 700 /dev/urandom > random.bin
: > empty.pem
sed '/END CERTIFICATE/d' leaf.pem > no-end.pem
sed '2s/^.\{10\}/!!!!@@@@##/' leaf.pem > bad-base64.pem
printf -- '-----BEGIN FOO BAR-----\nAAAA\n-----END FOO BAR-----\n' > unknown-block.pem

echo "$STAMP" > .done
