#!/bin/bash
# certwardctl provider against the real certwardd on a private session bus,
# with the build tree's DNS provider plugins: types, add (and its errors),
# list, show, --json, test through the exec plugin, update, remove, the
# state file's mode, request --provider, and secrets never printed.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
if [ -z "${CW_IN_SESSION:-}" ]; then
  exec env -u DBUS_SESSION_BUS_ADDRESS CW_IN_SESSION=1 dbus-run-session -- bash "$0" "$@" 2> >(grep -v 'fd limit' >&2)
fi
. "$(dirname "$0")/tap.sh"

S=$(mktemp -d /tmp/certward-cli-providers-XXXXXX)
cleanup() {
  [ -n "${CW_PID:-}" ] && kill "$CW_PID" 2>/dev/null && wait "$CW_PID" 2>/dev/null
  rm -rf "$S" "$TAP_TMP"
}
trap cleanup EXIT

CTL="$CERTWARDCTL --session"
cat > "$S/certward.conf" <<EOF
[dns-01]
provider-dir=$CW_PROVIDER_BUILD_DIR
EOF

# the hooks: one logs its arguments, one fails
cat > "$S/hook.sh" <<EOF
#!/bin/sh
echo "\$@" >> "$S/hook.log"
exit 0
EOF
cat > "$S/fail.sh" <<'EOF'
#!/bin/sh
echo "boom" >&2
exit 3
EOF
chmod +x "$S/hook.sh" "$S/fail.sh"

start_daemon() {
  "$CERTWARDD" --session --state-dir "$S/state" --config "$S/certward.conf" 2>>"$S/daemon.log" &
  CW_PID=$!
  for i in $(seq 100); do gdbus call --session --dest org.certward.Certward1 --object-path /org/certward/Certward1 \
    --method org.freedesktop.DBus.Peer.Ping >/dev/null 2>&1 && break; sleep 0.05; done
}

start_daemon

like "provider --help works" "provider add NAME TYPE" $CTL provider --help
like "types has the header" "^TYPE +NAME" $CTL provider types
like "types lists exec" "^exec +" $CTL provider types
like "types lists exec's program field as required" "^ +program +required +Program" $CTL provider types
ok "--json types is JSON with exec's fields" bash -c "$CTL --json provider types | python3 -c '
import json, sys
t = {x[\"type\"]: x for x in json.load(sys.stdin)}
f = {x[\"key\"]: x for x in t[\"exec\"][\"fields\"]}
assert f[\"program\"][\"required\"] and not f[\"program\"][\"secret\"], f
assert not f[\"timeout\"][\"required\"], f'"

like "an empty list prints the header" "^NAME +TYPE +SETTINGS +SECRETS" $CTL provider list
fails "add without the required field names it" "program" $CTL provider add hook exec
fails "add with an unknown field names it" "frobnicate" $CTL provider add hook exec program="$S/hook.sh" frobnicate=1
fails "add with an unknown type" "no DNS provider type .*nosuchtype" $CTL provider add hook nosuchtype a=b
fails "a setting without =" "not a setting: write KEY=VALUE" $CTL provider add hook exec program
fails "a secret file that does not exist" "secret-file" $CTL provider add hook exec --secret-file program=/nonexistent
like "add prints the object path" "^/org/certward/Certward1/provider/hook$" $CTL provider add hook exec program="$S/hook.sh"
fails "the name is taken" "exists already" $CTL provider add hook exec program="$S/hook.sh"
like "add the failing one (program from a file)" "/provider/failing$" \
  bash -c "echo '$S/fail.sh' > '$S/prog' && $CTL provider add failing exec --secret-file program='$S/prog' timeout=30"
like "list shows the provider and its settings" "^hook +exec +program=$S/hook.sh +-$" $CTL provider list
like "list joins settings with commas" "^failing +exec +program=$S/fail.sh,timeout=30 " $CTL provider list
like "show shows the type" "^Type: +exec$" $CTL provider show hook
like "show shows the settings" "^Settings: +program=$S/hook.sh$" $CTL provider show hook
like "show shows no secrets" "^Secrets set: +-$" $CTL provider show hook
fails "show of an unknown provider" "no DNS provider named “nope”" $CTL provider show nope
ok "--json list is valid JSON" bash -c "$CTL --json provider list | python3 -c 'import json,sys; json.load(sys.stdin)'"
ok "--json list has the settings" bash -c "$CTL --json provider list | python3 -c '
import json, sys
d = {p[\"Name\"]: p for p in json.load(sys.stdin)}
assert d[\"hook\"][\"Type\"] == \"exec\" and d[\"hook\"][\"Settings\"] == {\"program\": \"$S/hook.sh\"}, d'"
ok "--json show parses" bash -c "$CTL --json provider show hook | python3 -c 'import json,sys; assert json.load(sys.stdin)[\"Name\"] == \"hook\"'"

like "test publishes and removes" "^ok: published and removed _certward-test.example.test$" \
  $CTL provider test hook example.test
ok "the hook saw present, then cleanup of the same record" bash -c "
  [ \$(wc -l < '$S/hook.log') = 2 ] || exit 1
  read -r a1 f1 v1 x1 < <(sed -n 1p '$S/hook.log'); read -r a2 f2 v2 x2 < <(sed -n 2p '$S/hook.log')
  [ \"\$a1 \$f1\" = 'present _certward-test.example.test.' ] && [ \"\$a2 \$f2\" = 'cleanup _certward-test.example.test.' ] &&
  [ -n \"\$v1\" ] && [ \"\$v1\" = \"\$v2\" ] && [ -z \"\$x1\$x2\" ]"
like "the zone is spelled as the agent does" "^ok: published and removed _certward-test.example.test$" \
  $CTL provider test hook Example.Test.
fails "a failing hook: test exits 1 with its message" "boom" $CTL provider test failing example.test
fails "test of an unknown provider" "no DNS provider named" $CTL provider test nope example.test

ok "the state file is mode 600" test "$(stat -c %a "$S/state/providers/hook.ini")" = 600
ok "the providers directory is mode 700" test "$(stat -c %a "$S/state/providers")" = 700

like "update changes the program" "Updated hook" $CTL provider update hook program="$S/fail.sh"
like "show has the new program" "^Settings: +program=$S/fail.sh$" $CTL provider show hook
like "update sets an optional field" "Updated hook" $CTL provider update hook timeout=5
like "KEY= clears it" "Updated hook" $CTL provider update hook timeout=
like "list shows the cleared setting gone" "^hook +exec +program=$S/fail.sh +-$" $CTL provider list
fails "update with a bad value changes nothing" "timeout" $CTL provider update hook timeout=abc
fails "update without settings" "settings to change" $CTL provider update hook
like "update from standard input" "Updated hook" bash -c "echo '$S/hook.sh' | $CTL provider update hook --secret-stdin program"
like "and it took" "^Settings: +program=$S/hook.sh$" $CTL provider show hook

fails "request --provider of an unknown provider" "no DNS provider" \
  $CTL request x --id a.example.test --challenge dns-01 --provider nosuch --no-wait

like "remove" "Removed hook" $CTL provider remove hook
ok "list no longer shows it" bash -c "! $CTL provider list | grep -q '^hook '"
ok "its state file is gone" test ! -e "$S/state/providers/hook.ini"
fails "remove of an unknown provider" "no DNS provider named “hook”" $CTL provider remove hook
fails "an unknown verb" "unknown provider command" $CTL provider frobnicate

# a known name becomes the provider option (an object path); the order then
# fails in the background, as no CA answers at port 9
like "request --provider NAME is accepted" "^Requested x " \
  $CTL request x --id a.example.test --challenge dns-01 --provider failing --directory https://127.0.0.1:9/directory --no-wait
fails "a provider in use cannot be removed" "used by the certificate x" $CTL provider remove failing

# a secret field: only rfc2136 has one among the plugins built here
if [ -e "$CW_PROVIDER_BUILD_DIR/rfc2136.so" ]; then
  SECRET=c2VjcmV0LXRzaWcta2V5LWZvci10ZXN0cy0xMjM0NQ==
  echo "$SECRET" > "$S/tsig"
  like "add rfc2136 with --secret-file" "/provider/dyn$" \
    $CTL provider add dyn rfc2136 nameserver=127.0.0.1:9 tsig-key=k --secret-file tsig-secret="$S/tsig"
  like "list names the secret that is set" "^dyn +rfc2136 +.*tsig-key=k.* +tsig-secret$" $CTL provider list
  like "show names the secret that is set" "^Secrets set: +tsig-secret$" $CTL provider show dyn
  ok "--json list names it among SecretsSet" bash -c "$CTL --json provider list | python3 -c '
import json, sys
d = {p[\"Name\"]: p for p in json.load(sys.stdin)}
assert d[\"dyn\"][\"SecretsSet\"] == [\"tsig-secret\"] and \"tsig-secret\" not in d[\"dyn\"][\"Settings\"], d'"
  for cmd in "provider list" "provider show dyn" "--json provider list" "--json provider show dyn"; do
    ok "$cmd does not print the secret" bash -c "$CTL $cmd > '$S/out' 2>&1 && ! grep -qF '$SECRET' '$S/out'"
  done
  ok "introspection and GetAll do not carry the secret" bash -c "
    gdbus introspect --session --dest org.certward.Certward1 --object-path /org/certward/Certward1/provider/dyn > '$S/intro' &&
    gdbus call --session --dest org.certward.Certward1 --object-path /org/certward/Certward1/provider/dyn \
      --method org.freedesktop.DBus.Properties.GetAll org.certward.Provider1 > '$S/getall' &&
    grep -q tsig-secret '$S/getall' && ! grep -qF '$SECRET' '$S/intro' '$S/getall'"
  ok "the daemon's log does not carry the secret" bash -c "! grep -qF '$SECRET' '$S/daemon.log'"
  like "a secret on the command line draws a warning" "warning: tsig-secret is a secret" \
    bash -c "$CTL provider update dyn tsig-secret=$SECRET 2>&1"
  like "--secret-stdin works for add" "/provider/dyn2$" \
    bash -c "echo '$SECRET' | $CTL provider add dyn2 rfc2136 nameserver=127.0.0.1:9 tsig-key=k --secret-stdin tsig-secret"
  like "update of another field keeps the secret" "^Secrets set: +tsig-secret$" \
    bash -c "$CTL provider update dyn2 tsig-key=k2 >/dev/null && $CTL provider show dyn2"
  ok "the rfc2136 state file is mode 600" test "$(stat -c %a "$S/state/providers/dyn.ini")" = 600
fi

tap_done
