#!/bin/bash
# System tests: the Debian package as an administrator gets it. Builds
# certward with dpkg-buildpackage, boots a Debian 12 container with systemd
# as PID 1 (systemd-nspawn, tests/system/nsbox.sh) and checks there, under
# the shipped unit and the real system bus, journal and systemd: install
# and start, the unit's exposure, D-Bus activation, the bus policy and
# polkit for other users, the journal field, import, issuance from Pebble
# over HTTP-01 on port 80, a reload action through org.freedesktop.systemd1
# (once per batch), the sandbox, delivery to Debian's Kamailio run by its
# own unit (files, key group, kamcmd tls.reload as kamailio, the renewal
# presented by the same process), `systemctl reload`, the Cockpit page's
# package, upgrade N -> N+1 with an order in flight, remove and purge. TAP
# on stdout; timings as comments.
#
# Needs root, systemd-nspawn, debootstrap, debhelper, lintian and pebble
# (bash tests/deps.sh --system); skips with the reason where it cannot run.
# The container tree is made once at $CW_NSROOT (default
# /var/cache/certward-ci/nsroot, from the Debian mirror apt uses, with
# Kamailio and its TLS module) and each run boots a throw-away copy of it.
# Pebble runs on the host's loopback (ports 24800-24805 are this test's;
# HTTP-01 on port 80), Kamailio in the container on 127.0.0.1:24806: the
# container shares the network namespace, so run this in a network
# namespace of your own when other suites may use port 80.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)

skip_all() {
  echo "1..0 # SKIP $*"
  exit 0
}
[ "$(id -u)" = 0 ] || skip_all "needs root (dpkg-buildpackage, systemd-nspawn)"
for c in systemd-nspawn debootstrap dpkg-buildpackage dh lintian nsenter flock pebble pebble-challtestsrv openssl curl; do
  command -v "$c" >/dev/null || skip_all "$c is missing: bash tests/deps.sh --system"
done

. "$SRC/tests/tap.sh"
. "$SRC/tests/pebble.sh"
. "$HERE/nsbox.sh"

NSROOT=${CW_NSROOT:-/var/cache/certward-ci/nsroot}
PEBBLE_BASE=24800
NEXT=+systest1
W=$(mktemp -d /var/tmp/certward-system-XXXXXX)
export NSBOX_DIR=$W/nsbox
export -f nsbox_exec nsbox_root
BOX=certward-sys-$$
cleanup() {
  [ -n "${LINTIAN_PID:-}" ] && kill "$LINTIAN_PID" 2>/dev/null
  # a stopped Pebble would not see the SIGTERM of pebble_down
  [ -n "${PEBBLE_PID:-}" ] && kill -CONT "$PEBBLE_PID" 2>/dev/null
  nsbox_stop "$BOX" >/dev/null 2>&1
  pebble_down
  rm -rf "$W" "$TAP_TMP"
}
trap cleanup EXIT

skip() {
  TAP_N=$((TAP_N + 1))
  echo "ok $TAP_N - $1 # SKIP $2"
}
# lintian takes half a minute of one core: it runs beside the container
# tests (LINTIAN_PID), and its result comes at the end
lintian_result() {
  local rc=0
  [ -n "${LINTIAN_PID:-}" ] || return 0
  wait "$LINTIAN_PID" || rc=$?
  LINTIAN_PID=
  ok "lintian finds no errors" test "$rc" = 0
  grep -E '^[EW]:' "$W/lintian.log" | sed 's/^/# lintian: /'
  elapsed "lintian (beside the container tests)" "$lintian_start"
}
# ends the run early: what follows needs what just failed or is missing
stop_here() {
  echo "# $*"
  lintian_result
  tap_done
  exit
}
elapsed() {
  echo "# time: $1 $(($(date +%s) - $2)) s"
}
# wait_until SECONDS COMMAND...: polls COMMAND twice a second; a bound on
# waiting for the agent, not an assertion about how long it takes
wait_until() {
  local i limit=$(($1 * 2))
  shift
  for ((i = 0; i < limit; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  return 1
}

# ---- the package ------------------------------------------------------------
# CW_SYSTEM_DEBS=DIR: use the packages a previous run's build-deb.sh (N
# and --next) left in DIR instead of building them (quicker iterations)
t=$(date +%s)
TAP_N=$((TAP_N + 1))
if [ -n "${CW_SYSTEM_DEBS:-}" ]; then
  mkdir -p "$W/deb" && cp "$CW_SYSTEM_DEBS"/*.deb "$CW_SYSTEM_DEBS"/*.changes "$CW_SYSTEM_DEBS"/*.buildinfo "$W/deb/"
  echo "ok $TAP_N - packages taken from $CW_SYSTEM_DEBS # SKIP not built in this run (CW_SYSTEM_DEBS)"
elif bash "$HERE/build-deb.sh" "$W/deb" > "$W/build.log" 2>&1; then
  echo "ok $TAP_N - dpkg-buildpackage -us -uc -b builds the packages"
else
  echo "not ok $TAP_N - dpkg-buildpackage -us -uc -b builds the packages"
  tail -30 "$W/build.log" | sed 's/^/# /'
  TAP_FAILED=$((TAP_FAILED + 1))
  stop_here "nothing to install"
fi
elapsed "package build" "$t"
VERSION=$(cd "$W/deb" && ls certward_*.deb | grep -v -- "$NEXT" | head -1 | cut -d_ -f2)
DEB=$(ls "$W"/deb/certward_"$VERSION"_*.deb)
DEV=$(ls "$W"/deb/certward-dev_"$VERSION"_*.deb)
COCKPIT=$(ls "$W"/deb/cockpit-certward_"$VERSION"_all.deb)

like "certward-dev ships the provider plugin header" "usr/include/certward/certward-provider.h" dpkg-deb -c "$DEV"
like "certward depends on glib-networking (libsoup's HTTPS) and libarchive13 (opened at run time)" \
  "glib-networking.*libarchive13" dpkg-deb -f "$DEB" Depends
like "cockpit-certward has the Cockpit page" "usr/share/cockpit/certward/manifest.json" dpkg-deb -c "$COCKPIT"
like "... with its translations" "usr/share/cockpit/certward/po.it.js" dpkg-deb -c "$COCKPIT"
ok "certward.conf is a conffile" bash -c "dpkg-deb --ctrl-tarfile '$DEB' | tar -xOf - ./conffiles | grep -qx /etc/certward/certward.conf"

lintian_start=$(date +%s)
lintian --fail-on error "$W"/deb/certward_"$VERSION"_*.changes > "$W/lintian.log" 2>&1 &
LINTIAN_PID=$!

t=$(date +%s)
TAP_N=$((TAP_N + 1))
if [ -n "${CW_SYSTEM_DEBS:-}" ]; then
  echo "ok $TAP_N - version $VERSION$NEXT taken from $CW_SYSTEM_DEBS # SKIP not built in this run"
elif bash "$HERE/build-deb.sh" --next "$W/deb" "$NEXT" > "$W/build-next.log" 2>&1; then
  echo "ok $TAP_N - version $VERSION$NEXT repacked from the same build"
else
  echo "not ok $TAP_N - version $VERSION$NEXT repacked from the same build"
  tail -20 "$W/build-next.log" | sed 's/^/# /'
  TAP_FAILED=$((TAP_FAILED + 1))
fi
DEB_NEXT=$(ls "$W"/deb/certward_"$VERSION$NEXT"_*.deb 2>/dev/null)
elapsed "package N+1 (repacked)" "$t"

# ---- the container ----------------------------------------------------------
t=$(date +%s)
# Kamailio: what the delivery tests give certificates to (mkroot.sh installs
# it disabled; the test configures and starts it); polkitd: certward's
# Recommends (apt's default installs it), which decides for other users
bash "$HERE/mkroot.sh" "$NSROOT" --with "kamailio, kamailio-tls-modules, polkitd" "$DEB" "$COCKPIT" > "$W/mkroot.log" 2>&1
rc=$?
if [ "$rc" = 2 ]; then
  sed 's/^/# /' "$W/mkroot.log"
  skip "the container tests" "cannot make the Debian 12 tree at $NSROOT: the Debian mirror is out of reach (see above)"
  stop_here "no container tree"
fi
ok "the packages' dependencies and Kamailio install in Debian 12" test "$rc" = 0
[ "$rc" = 0 ] || { sed 's/^/# /' "$W/mkroot.log"; stop_here "no container tree"; }
elapsed "container tree (debootstrap once, then reused)" "$t"

t=$(date +%s)
exec 8<"$NSROOT.lock"
flock -s 8      # mkroot.sh of another run must not change the tree while it is copied
if ! nsbox_start "$BOX" "$NSROOT" --ephemeral 2> "$W/boot.log"; then
  sed 's/^/# /' "$W/boot.log"
  skip "the container tests" "systemd-nspawn cannot boot a container on this machine (see above)"
  stop_here "no container"
fi
exec 8<&-
elapsed "boot of an --ephemeral copy" "$t"
CR=$(nsbox_root "$BOX")
C() { nsbox_exec "$BOX" "$@"; }
show() { C certwardctl show "$1"; }
prop() { C certwardctl show "$1" | sed -n "s/^$2: *//p"; }
main_pid() { C systemctl show -P MainPID certwardd.service; }
# is-active exits 3 for inactive: the state is the answer
unit_state() { C systemctl is-active certwardd.service || true; }

t=$(date +%s)
cp "$DEB" "$CR/root/"
ok "dpkg -i installs certward" C env DEBIAN_FRONTEND=noninteractive dpkg -i "/root/$(basename "$DEB")"
like "certwardd.service is active after the install" "^active$" C systemctl is-active certwardd.service
like "certwardd.service is enabled" "^enabled$" C systemctl is-enabled certwardd.service
ok "enabling made the D-Bus alias the activation file names" \
  test -L "$CR/etc/systemd/system/dbus-org.certward.Certward1.service"
like "the agent owns org.certward.Certward1 on the system bus" "org.certward.Certward1" \
  C busctl --system list --no-legend --acquired

exposure=$(C systemd-analyze security certwardd.service --no-pager 2>/dev/null | sed -n 's/.*Overall exposure level for certwardd.service: \([0-9.]*\).*/\1/p')
echo "# systemd-analyze security certwardd.service: exposure ${exposure:-?}"
ok "systemd-analyze security: exposure ${exposure:-?} is at most 2.5" \
  awk -v e="${exposure:-99}" 'BEGIN { exit !(e <= 2.5) }'
# CAP_CHOWN (bit 0), CAP_SETGID (6), CAP_SETUID (7), CAP_NET_BIND_SERVICE
# (10): no CAP_DAC_OVERRIDE, no CAP_KILL, nothing else
like "the agent's capability bounding set is CAP_NET_BIND_SERVICE, CAP_CHOWN, CAP_SETUID, CAP_SETGID alone" \
  "^CapBnd:[[:space:]]+00000000000004c1$" C grep CapBnd "/proc/$(main_pid)/status"

# the bus policy and the polkit actions are loaded: anyone reads; root
# changes, and others as polkit says (an administrator's password, which
# nobody without a session and an agent cannot give)
like "an unprivileged user may list certificates" "^NAME" C runuser -u nobody -- certwardctl list
fails "an unprivileged user may not make one: polkit wants an administrator" \
  "not authorized for org\.certward\.manage-certificates: authentication is required" \
  C runuser -u nobody -- certwardctl self-sign nope --id nope.test
fails "... and it was not made" "no certificate named" C certwardctl show nope

# D-Bus activation: a client's call starts the stopped unit through the bus
C systemctl stop certwardd.service
like "stopped" "^inactive$" unit_state
like "certwardctl list starts the agent through the bus" "^NAME" C certwardctl list
like "certwardd.service is active again" "^active$" C systemctl is-active certwardd.service
like "... started by dbus-daemon's activation request" "Activating via systemd: service name='org.certward.Certward1'" \
  C journalctl -u dbus.service --no-pager -o cat

# the Cockpit page: a package of its own, found by Cockpit's bridge
cp "$COCKPIT" "$CR/root/"
ok "dpkg -i installs cockpit-certward" C env DEBIAN_FRONTEND=noninteractive dpkg -i "/root/$(basename "$COCKPIT")"
like "cockpit-bridge --packages finds the page" "^certward +TLS certificates +/usr/share/cockpit/certward *$" \
  C cockpit-bridge --packages
elapsed "install and unit checks" "$t"

# ---- certificates -----------------------------------------------------------
# the agent's configuration for the tests: Pebble on the host's loopback,
# renewals without jitter or guard so that due ones go at once
t=$(date +%s)
PORT80_FREE=1
pebble_port_free 80 || PORT80_FREE=0
if [ "$PORT80_FREE" = 1 ] && pebble_up "$PEBBLE_BASE" "$W/pebble" 80 2> "$W/pebble-up.log"; then
  cp "$PEBBLE_CA" "$CR/etc/certward/pebble-ca.pem"
  pebble_root "$W/pebble-root.pem"
else
  PEBBLE_DIRECTORY=https://127.0.0.1:$PEBBLE_BASE/dir
  PEBBLE_PID=
fi
cat > "$CR/etc/certward/certward.conf" <<EOF
[acme]
directory=$PEBBLE_DIRECTORY
ca-file=/etc/certward/pebble-ca.pem
[renewal]
jitter=0
guard=0
EOF
[ -f "$CR/etc/certward/pebble-ca.pem" ] || sed -i '/^ca-file=/d' "$CR/etc/certward/certward.conf"
ok "the agent restarts with the test configuration" C systemctl restart certwardd.service

# a small PKI made with OpenSSL, imported as an administrator would
P=$W/pki
mkdir -p "$P"
(
  cd "$P"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout root.key -out root.pem -days 3650 \
    -subj "/CN=Certward system test root" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -out leaf.csr \
    -subj "/CN=imported.certward.test"
  printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:imported.certward.test\n' > leaf.ext
  openssl x509 -req -in leaf.csr -CA root.pem -CAkey root.key -CAcreateserial -extfile leaf.ext -out leaf.pem -days 365
) > "$W/pki.log" 2>&1
cp "$P/leaf.pem" "$P/leaf.key" "$P/root.pem" "$CR/root/"
like "import a certificate with its key and chain" "Imported .*/certificate/imported1" \
  C certwardctl import /root/leaf.pem /root/leaf.key /root/root.pem --name imported1
like "the imported certificate is valid" "^State: +valid" show imported1
ok "its files are under /var/lib/certward" test -s "$CR/var/lib/certward/certificates/imported1/current/fullchain.pem"

# the journal: the agent's lines about one certificate carry
# CERTWARD_CERTIFICATE=<name> (src/core/cw-log.h)
jr() { C journalctl -u certwardd.service --no-pager "$@"; }
ok "journalctl -u certwardd CERTWARD_CERTIFICATE=imported1 shows its import" \
  wait_until 10 bash -c "nsbox_exec '$BOX' journalctl -u certwardd.service --no-pager -o cat CERTWARD_CERTIFICATE=imported1 | grep -q '^imported1: imported'"
ok "... and only its lines" bash -c "
  out=\$(nsbox_exec '$BOX' journalctl -u certwardd.service --no-pager -o cat CERTWARD_CERTIFICATE=imported1)
  [ -n \"\$out\" ] && ! echo \"\$out\" | grep -v '^imported1: '"
like "the field is in the entry as written by the agent" '"CERTWARD_CERTIFICATE":"imported1"' \
  jr -o json CERTWARD_CERTIFICATE=imported1

if [ -z "${PEBBLE_PID:-}" ]; then
  reason="port 80 is in use on this machine's loopback"
  [ "$PORT80_FREE" = 1 ] && reason="Pebble did not start: $(tail -1 "$W/pebble-up.log")"
  for d in "a certificate issued by Pebble over HTTP-01 on port 80" "webroot outside the sandbox"; do
    skip "$d" "$reason"
  done
else
  like "a certificate from Pebble over HTTP-01, answered on port 80 by the unit's CAP_NET_BIND_SERVICE" \
    "issued1" C timeout 120 certwardctl request issued1 --id issued1.certward.test
  like "it is valid" "^State: +valid" show issued1
  ok "its chain verifies up to Pebble's root" \
    openssl verify -CAfile "$W/pebble-root.pem" -untrusted "$CR/var/lib/certward/certificates/issued1/current/chain.pem" \
      "$CR/var/lib/certward/certificates/issued1/current/cert.pem"

  # the sandbox, for the agent itself: ProtectSystem=strict leaves /var/www
  # read-only unless a drop-in grants it (README, [http-01] webroot)
  mkdir -p "$CR/var/www/html"
  fails "webroot mode under /var/www without a drop-in: a clear error" "/var/www/html.*[Rr]ead-only file system" \
    C timeout 120 certwardctl request webroot1 --id webroot1.certward.test --http-01-mode webroot --webroot /var/www/html
  ok "... and nothing was written there" bash -c "[ -z \"\$(ls -A '$CR/var/www/html')\" ]"
  C certwardctl remove webroot1 >/dev/null 2>&1
fi
elapsed "import, journal, issuance" "$t"

# ---- reload actions through the real systemd -------------------------------
# two services that count their reloads: one for a single renewal, one for
# a batch (so that the batch's count cannot include the single one's)
t=$(date +%s)
for u in cw-probe-single cw-probe-batch; do
  cat > "$CR/etc/systemd/system/$u.service" <<EOF
[Unit]
Description=Certward system test: a service that counts its reloads

[Service]
ExecStart=/bin/sleep infinity
ExecReload=/bin/sh -c 'echo reloaded >> /run/$u.log'
EOF
done
C systemctl daemon-reload
C systemctl start cw-probe-single.service cw-probe-batch.service
reloads() { cat "$CR/run/$1.log" 2>/dev/null | wc -l; }
reloaded() { show "$1" | grep -q "reload $2.service: done"; }
# ReloadOrRestartUnit answers once the job is queued: count when systemd
# has no job left, so that ExecReload has run (or a second one shows)
no_jobs() { [ -z "$(C systemctl list-jobs --no-legend)" ]; }

for n in batch1 batch2; do
  C certwardctl self-sign $n --id $n.certward.test >/dev/null
done
# more_reloads UNIT N: UNIT has been reloaded more than N times
more_reloads() { [ "$(reloads "$1")" -gt "$2" ]; }
# a reload unit set is a delivery (the current certificate, at once)
C certwardctl set batch1 --reload-unit cw-probe-single.service --auto-renew >/dev/null
ok "setting a reload unit reloads it through org.freedesktop.systemd1" wait_until 30 reloaded batch1 cw-probe-single
wait_until 30 no_jobs
like "... once" "^1$" reloads cw-probe-single
like "a forced renewal" "Renewed batch1" C certwardctl renew batch1 --force
ok "... reloads its unit again" wait_until 30 more_reloads cw-probe-single 1
wait_until 30 no_jobs
like "... exactly once" "^2$" reloads cw-probe-single

# a batch: two certificates due at the next start (their persisted backoff
# says retry now) are renewed by one check, which reloads their unit once
for n in batch1 batch2; do
  C certwardctl set $n --reload-unit cw-probe-batch.service --auto-renew >/dev/null
done
# the two settings' own deliveries, counted before the batch
wait_until 30 bash -c "
  nsbox_exec '$BOX' certwardctl show batch1 | grep -q 'reload cw-probe-batch.service: done' &&
  nsbox_exec '$BOX' certwardctl show batch2 | grep -q 'reload cw-probe-batch.service: done'"
wait_until 30 no_jobs
set_reloads=$(reloads cw-probe-batch)
C systemctl stop certwardd.service
now=$(date +%s)
for n in batch1 batch2; do
  sed -i "/^\[renewal\]$/a failures=1\nretry-at=$now" "$CR/var/lib/certward/certificates/$n/settings.ini"
done
C systemctl start certwardd.service
ok "both due certificates are renewed by the check at start" \
  wait_until 60 bash -c "nsbox_exec '$BOX' certwardctl show batch1 | grep -Eq '^Revision: +3$' && nsbox_exec '$BOX' certwardctl show batch2 | grep -Eq '^Revision: +2$'"
ok "... and their unit is reloaded" wait_until 30 more_reloads cw-probe-batch "$set_reloads"
ok "... which both record" bash -c "
  nsbox_exec '$BOX' certwardctl show batch1 | grep -q 'reload cw-probe-batch.service: done' &&
  nsbox_exec '$BOX' certwardctl show batch2 | grep -q 'reload cw-probe-batch.service: done'"
wait_until 30 no_jobs
like "the batch reloaded the unit exactly once" "^$((set_reloads + 1))$" reloads cw-probe-batch

# the sandbox, for deploy hooks: they run inside the agent's unit
cat > "$CR/usr/local/bin/cw-escape-hook" <<'EOF'
#!/bin/sh
# a deploy hook that tries to write where the unit grants nothing
log=/var/lib/certward/escape.log
status=0
for f in /etc/cw-escape /usr/local/cw-escape /opt/cw-escape /var/www/cw-escape /root/cw-escape /home/cw-escape; do
  if echo escaped 2>>"$log" > "$f"; then echo "wrote $f" >> "$log"; else status=1; fi
done
echo "ran for $CERTWARD_NAME" >> "$log"
exit $status
EOF
chmod 755 "$CR/usr/local/bin/cw-escape-hook"
# hooks run as root: one that its group may change is refused
install -m 0775 "$CR/usr/local/bin/cw-escape-hook" "$CR/usr/local/bin/cw-loose-hook"
fails "a hook writable by its group is refused" "cw-loose-hook.*writable by other users" \
  C certwardctl set batch2 --deploy-hook /usr/local/bin/cw-loose-hook
C certwardctl set batch2 --deploy-hook /usr/local/bin/cw-escape-hook >/dev/null
C certwardctl renew batch2 --force >/dev/null
ok "a deploy hook that writes outside the state directory runs" wait_until 30 test -e "$CR/var/lib/certward/escape.log"
like "... gets a clear error for each write" "Read-only file system" cat "$CR/var/lib/certward/escape.log"
ok "... which the administrator sees in LastActions" wait_until 30 bash -c "
  nsbox_exec '$BOX' certwardctl show batch2 | grep -q 'hook /usr/local/bin/cw-escape-hook: exit status 1'"
ok "... and nothing was written" bash -c "
  for f in etc/cw-escape usr/local/cw-escape opt/cw-escape var/www/cw-escape root/cw-escape home/cw-escape; do
    [ ! -e '$CR'/\$f ] || { echo \"\$f exists\"; exit 1; }; done; ! grep '^wrote' '$CR/var/lib/certward/escape.log'"

# systemctl reload: SIGHUP re-reads certward.conf without a restart; a bad
# file is reported in the journal and the configuration in use stays.
# systemctl returns once kill has sent the signal: wait for the agent.
until_journal() {
  C sh -c "for i in \$(seq 100); do journalctl -u certwardd.service -n 30 --no-pager | grep -qE '$1' && break; sleep 0.1; done
           journalctl -u certwardd.service -n 30 --no-pager"
}
pid=$(main_pid)
sed -i "s|^directory=.*|directory=https://localhost:$PEBBLE_BASE/dir|" "$CR/etc/certward/certward.conf"
ok "systemctl reload certwardd" C systemctl reload certwardd.service
like "... logs what changed" "configuration reloaded from /etc/certward/certward.conf: \\[acme\\] directory" \
  until_journal "configuration reloaded"
like "... re-reads certward.conf" "https://localhost:$PEBBLE_BASE/dir" \
  C busctl --system get-property org.certward.Certward1 /org/certward/Certward1 org.certward.Manager1 DefaultDirectory
like "... without a restart" "^$pid$" main_pid
cp "$CR/etc/certward/certward.conf" "$CR/root/certward.conf.good"
printf '[renewal]\ncheck-interval=soon\n' >> "$CR/etc/certward/certward.conf"
ok "systemctl reload with a bad certward.conf" C systemctl reload certwardd.service
like "... is reported in the journal, naming the key" "not reloaded.*check-interval" until_journal "not reloaded"
like "... and the configuration in use stays" "https://localhost:$PEBBLE_BASE/dir" \
  C busctl --system get-property org.certward.Certward1 /org/certward/Certward1 org.certward.Manager1 DefaultDirectory
like "... the agent still runs" "^$pid$" main_pid
cp "$CR/root/certward.conf.good" "$CR/etc/certward/certward.conf"
sed -i "s|^directory=.*|directory=$PEBBLE_DIRECTORY|" "$CR/etc/certward/certward.conf"
C systemctl reload certwardd.service
elapsed "reload actions and sandbox" "$t"

# ---- delivery to Kamailio under the shipped unit ----------------------------
# Debian's Kamailio, run by its own unit as user kamailio, with its stock
# kamailio.cfg (TLS switched on in kamailio-local.cfg, which it imports)
# and the ctl module's socket; tls.cfg names the files of the kamailio
# integration. What the unit must grant for this: CAP_CHOWN (the key's
# group), CAP_SETUID/CAP_SETGID (kamcmd as kamailio, whose control socket
# root could not open without CAP_DAC_OVERRIDE), ReadWritePaths=
# /etc/kamailio/tls.
t=$(date +%s)
SIP_PORT=$((PEBBLE_BASE + 6))
C install -d -m 0750 -o root -g kamailio /etc/kamailio/tls
# ReadWritePaths= names directories that exist when the unit starts; the
# administrator made this one after
ok "the agent restarts, now with /etc/kamailio/tls writable" C systemctl restart certwardd.service
if [ -n "${PEBBLE_PID:-}" ]; then
  echo "# sip1: issued by Pebble over HTTP-01"
  C timeout 120 certwardctl request sip1 --id sip1.certward.test > /dev/null
else
  echo "# sip1: self-signed (no Pebble, see above)"
  C certwardctl self-sign sip1 --id sip1.certward.test > /dev/null
fi
C certwardctl deliver sip1 --integration kamailio > "$W/deliver.out" 2>&1
like "certwardctl deliver sip1 --integration kamailio writes the full chain" "^target /etc/kamailio/tls/sip1.pem: written$" \
  cat "$W/deliver.out"
like "... and the key" "^target /etc/kamailio/tls/sip1.key: written$" cat "$W/deliver.out"
like "... the key 0640 root:kamailio (CAP_CHOWN)" "^640 root kamailio$" C stat -c '%a %U %G' /etc/kamailio/tls/sip1.key
like "... the full chain 0644 root:root" "^644 root root$" C stat -c '%a %U %G' /etc/kamailio/tls/sip1.pem

cat > "$CR/etc/kamailio/kamailio-local.cfg" <<EOF2
#!define WITH_TLS
listen=tls:127.0.0.1:$SIP_PORT
EOF2
cat > "$CR/etc/kamailio/tls.cfg" <<'EOF2'
[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
certificate = /etc/kamailio/tls/sip1.pem
private_key = /etc/kamailio/tls/sip1.key
EOF2
ok "Kamailio starts with TLS (kamailio.service, Debian's unit)" C systemctl start kamailio.service
KPID=$(C systemctl show -P MainPID kamailio.service)
like "... as user kamailio" "^kamailio$" C stat -c %U "/proc/$KPID"
# the SHA-256 fingerprint Kamailio presents, as OpenSSL sees it, and the
# agent's, both as lower-case hex without colons
served() {
  openssl s_client -connect "127.0.0.1:$SIP_PORT" < /dev/null 2> /dev/null |
    openssl x509 -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'
}
agent_fp() {
  C certwardctl --json show sip1 | python3 -c 'import json, sys; print(json.load(sys.stdin)["Fingerprint"])' |
    sed 's/://g' | tr 'A-F' 'a-f'
}
presenting() { [ -n "$(served)" ]; }
wait_until 30 presenting
before=$(agent_fp)
ok "its TLS port presents sip1 (s_client's fingerprint is certwardctl --json show's)" \
  test -n "$before" -a "$(served)" = "$before"
like "a SIP OPTIONS over TLS is answered 200" "^SIP/2\.0 200 " python3 "$HERE/sip-options.py" "$SIP_PORT"

like "certwardctl renew sip1 --force" "Renewed sip1" C timeout 120 certwardctl renew sip1 --force
ok "... runs kamcmd tls.reload as kamailio: LastActions says done" wait_until 60 bash -c "
  nsbox_exec '$BOX' certwardctl show sip1 | grep -q 'command kamailio: /usr/sbin/kamcmd tls.reload: done'"
after=$(agent_fp)
ok "... Kamailio presents the new certificate" test "$after" != "$before" -a "$(served)" = "$after"
like "... from the same process (MainPID)" "^$KPID$" C systemctl show -P MainPID kamailio.service
like "... which answers OPTIONS 200 over TLS" "^SIP/2\.0 200 " python3 "$HERE/sip-options.py" "$SIP_PORT"
C systemctl stop kamailio.service

# the sandbox, for targets: a directory the unit does not grant is
# accepted (root's, writable by nobody else) but stays read-only
C install -d -m 0755 /etc/myapp/tls
like "a target in a directory the unit does not grant is set, and its write fails: Read-only file system" \
  "/etc/myapp/tls/sip1.pem: .*[Rr]ead-only file system" \
  C certwardctl deliver sip1 --target path=/etc/myapp/tls/sip1.pem,format=fullchain
like "... which LastActions shows, saying how to allow the directory" \
  "/etc/myapp/tls/sip1.pem: .*[Rr]ead-only file system.*systemctl edit certwardd" show sip1
ok "... and nothing was written there" bash -c "[ -z \"\$(ls -A '$CR/etc/myapp/tls')\" ]"
C certwardctl deliver sip1 --no-targets > /dev/null
elapsed "delivery to Kamailio" "$t"

# ---- upgrade, remove, purge ------------------------------------------------
t=$(date +%s)
fingerprints() {
  for n in imported1 issued1 batch1 batch2; do
    printf '%s %s\n' "$n" "$(prop "$n" Fingerprint)"
  done
}
before=$(fingerprints)
if [ -n "${PEBBLE_PID:-}" ] && [ -n "$DEB_NEXT" ]; then
  # the CA stops answering: the order is in flight while dpkg restarts
  # the agent, and goes on after
  kill -STOP "$PEBBLE_PID"
  like "an order while the CA does not answer" "inflight" C certwardctl request inflight --id inflight.certward.test --no-wait
  ok "... is pending with its key and request on disk" \
    wait_until 30 test -s "$CR/var/lib/certward/certificates/inflight/pending/request.pem"
  old_pid=$(main_pid)
  cp "$DEB_NEXT" "$CR/root/"
  ok "dpkg -i upgrades to $VERSION$NEXT" C timeout 300 env DEBIAN_FRONTEND=noninteractive dpkg -i "/root/$(basename "$DEB_NEXT")"
  kill -CONT "$PEBBLE_PID"
  ok "the new version is installed" test "$(C dpkg-query -W -f '${Version}' certward)" = "$VERSION$NEXT"
  ok "the agent was restarted" bash -c "p=\$(nsbox_exec '$BOX' systemctl show -P MainPID certwardd.service); [ \"\$p\" != 0 ] && [ \"\$p\" != '$old_pid' ]"
  like "certwardd.service is active" "^active$" C systemctl is-active certwardd.service
  ok "the old agent stopped on SIGTERM with its order in flight (no timeout, no SIGKILL)" bash -c "
    ! nsbox_exec '$BOX' journalctl -u certwardd.service --no-pager -o cat | grep -Ei 'timed out|SIGKILL|killing'"
  ok "the order in flight completes after the restart" \
    wait_until 180 bash -c "nsbox_exec '$BOX' certwardctl show inflight | grep -Eq '^State: +valid'"
  ok "its certificate verifies up to Pebble's root" \
    openssl verify -CAfile "$W/pebble-root.pem" -untrusted "$CR/var/lib/certward/certificates/inflight/current/chain.pem" \
      "$CR/var/lib/certward/certificates/inflight/current/cert.pem"
  ok "nothing was lost: every certificate has its fingerprint of before" test "$(fingerprints)" = "$before"
else
  skip "upgrade with an order in flight" "no Pebble or no N+1 package (see above)"
fi

C cp /etc/certward/certward.conf /root/certward.conf.before
ok "dpkg --remove cockpit-certward" C env DEBIAN_FRONTEND=noninteractive dpkg --remove cockpit-certward
ok "... removes the page" test ! -e "$CR/usr/share/cockpit/certward"
ok "dpkg --remove certward" C env DEBIAN_FRONTEND=noninteractive dpkg --remove certward
like "the agent is stopped" "^inactive$" unit_state
ok "the state directory stays on remove" test -s "$CR/var/lib/certward/certificates/imported1/current/key.pem"
ok "the configuration stays on remove" C cmp /etc/certward/certward.conf /root/certward.conf.before
ok "dpkg --purge certward" C env DEBIAN_FRONTEND=noninteractive dpkg --purge certward
ok "purge deletes /var/lib/certward" test ! -e "$CR/var/lib/certward"
ok "purge deletes the configuration" test ! -e "$CR/etc/certward/certward.conf"
ok "purge deletes the unit's enablement and D-Bus alias" bash -c "
  [ ! -e '$CR/etc/systemd/system/dbus-org.certward.Certward1.service' ] &&
  [ ! -e '$CR/etc/systemd/system/multi-user.target.wants/certwardd.service' ]"
elapsed "upgrade, remove, purge" "$t"

lintian_result
tap_done
