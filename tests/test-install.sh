#!/bin/bash
# What "meson install" puts on a system, into a --destdir tree: programs,
# man pages, the bash completion where bash-completion's pkg-config says,
# docs/ and examples/ in the doc directory, the plugin header with
# certward-provider.pc. A DNS plugin from outside the tree
# (tests/plugins/outside.c) builds with nothing but
# `pkg-config --cflags --libs certward-provider` against that tree and the
# built agent loads it; and installing again keeps an edited
# /etc/certward/certward.conf.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
if [ -z "${CW_IN_SESSION:-}" ]; then
  exec env -u DBUS_SESSION_BUS_ADDRESS CW_IN_SESSION=1 dbus-run-session -- bash "$0" "$@" 2> >(grep -v 'fd limit' >&2)
fi
. "$(dirname "$0")/tap.sh"

T=$(mktemp -d /tmp/certward-install-XXXXXX)
cleanup() {
  [ -n "${CW_PID:-}" ] && kill "$CW_PID" 2>/dev/null && wait "$CW_PID" 2>/dev/null
  rm -rf "$T" "$TAP_TMP"
}
trap cleanup EXIT

R=$T/root
option() {
  meson introspect "$CW_BUILD_DIR" --buildoptions |
    python3 -c "import json, sys; print(next(o['value'] for o in json.load(sys.stdin) if o['name'] == '$1'))"
}
PREFIX=$(option prefix)
LIBDIR=$PREFIX/$(option libdir)
DATADIR=$PREFIX/$(option datadir)
SYSCONFDIR=$(option sysconfdir)
case $SYSCONFDIR in /*) ;; *) SYSCONFDIR=$PREFIX/$SYSCONFDIR ;; esac
DOCDIR=$DATADIR/doc/certward

ok "meson install --destdir" meson install -C "$CW_BUILD_DIR" --no-rebuild --destdir "$R"

for f in "$PREFIX/bin/certwardctl" "$PREFIX/$(option libexecdir)/certwardd" \
         "$DATADIR/man/man1/certwardctl.1" "$DATADIR/man/man5/certward.conf.5" \
         "$DATADIR/man/man7/certward-providers.7" "$DATADIR/man/man8/certwardd.8" \
         "$DOCDIR/README.md" "$DOCDIR/certward.conf" "$DOCDIR/docs/architecture.md" "$DOCDIR/docs/dbus-api.md" \
         "$DOCDIR/docs/dns-providers.md" "$DOCDIR/docs/scep.md" "$DOCDIR/examples/reload-on-renew.c" "$DOCDIR/examples/reload-on-renew.py" \
         "$PREFIX/include/certward/certward-provider.h" "$SYSCONFDIR/certward/certward.conf"; do
  ok "installed: ${f#$PREFIX/}" test -s "$R$f"
done
# polkit reads actions only from its own directory, under /usr/share whatever our prefix
ok "the polkit actions are installed and valid XML with every action the agent asks for" python3 - \
  "$R$DATADIR/polkit-1/actions/org.certward.Certward1.policy" "$CW_SOURCE_DIR/src/daemon/cw-authority.h" <<'PY'
import re, sys, xml.etree.ElementTree as ET
ids = {a.get("id") for a in ET.parse(sys.argv[1]).getroot().iter("action")}
asked = set(re.findall(r'"(org\.certward\.[a-z-]+)"', open(sys.argv[2]).read()))
assert asked and asked == ids, (asked, ids)
PY
ok "every page of docs/ is installed" bash -c "
  for p in '$CW_SOURCE_DIR'/docs/*.md; do test -s '$R$DOCDIR/docs/'\$(basename \$p) || { echo \$p; exit 1; }; done"
ok "README's links into docs/ and examples/ resolve in the doc directory" python3 - "$R$DOCDIR" <<'PY'
import os, re, sys
root = sys.argv[1]
links = re.findall(r"\]\(((?:docs|examples)/[^)#]*)", open(os.path.join(root, "README.md")).read())
missing = [l for l in links if not os.path.exists(os.path.join(root, l)) and not l.endswith(("demo.sh", "examples/"))]
assert links and not missing, missing
PY

# bash completion: where bash-completion.pc puts completions, for our prefix
COMPLETIONSDIR=$(pkg-config --variable=completionsdir --define-variable=datadir="$DATADIR" bash-completion 2>/dev/null ||
                 echo "$DATADIR/bash-completion/completions")
ok "the completion is in bash-completion's completionsdir ($COMPLETIONSDIR)" test -s "$R$COMPLETIONSDIR/certwardctl"

# ---- certward-provider.pc against the destdir tree ----------------------
# The destdir tree is used as a pkg-config sysroot, as for any staged
# install. The sysroot applies to GLib's flags too, and GLib is not in the
# tree: its directories are linked in from the system, each only where the
# tree has nothing (so our own header is found only if it was installed).
export PKG_CONFIG_PATH=$R$LIBDIR/pkgconfig PKG_CONFIG_SYSROOT_DIR=$R
for flag in $(pkg-config --cflags-only-I gio-2.0 gmodule-2.0 2>/dev/null); do
  dir=${flag#-I}
  if [ ! -e "$dir" ] && [ -d "/${dir#$R/}" ]; then
    mkdir -p "$(dirname "$dir")" && ln -s "/${dir#$R/}" "$dir"
  fi
done
ok "pkg-config finds certward-provider" pkg-config --exists certward-provider
like "--cflags point at the installed header's directory" "-I$R$PREFIX/include/certward( |$)" \
  pkg-config --cflags certward-provider
ok "abi_version is the header's CW_PROVIDER_ABI_VERSION" bash -c "
  [ \"\$(pkg-config --variable=abi_version certward-provider)\" = \
    \"\$(sed -n 's/^#define CW_PROVIDER_ABI_VERSION //p' '$R$PREFIX/include/certward/certward-provider.h')\" ]"
# (pkgconf puts the sysroot in front of path variables too)
PROVIDERDIR=$(pkg-config --variable=providerdir certward-provider)
PROVIDERDIR=${PROVIDERDIR#$R}
ok "providerdir is where the shipped plugins went ($PROVIDERDIR)" test -s "$R$PROVIDERDIR/exec.so"

# the plugin is built from a copy, away from the source tree's headers
mkdir -p "$T/plugin" "$T/plugins"
cp "$CW_SOURCE_DIR/tests/plugins/outside.c" "$T/plugin/"
ok "an out-of-tree plugin builds with pkg-config --cflags --libs certward-provider alone" bash -c "
  cd '$T/plugin' && cc -shared -fPIC -Wall -Werror -o '$T/plugins/outside.so' outside.c \
    \$(pkg-config --cflags --libs certward-provider)"
printf '[dns-01]\nprovider-dir=%s\n' "$T/plugins" > "$T/certward.conf"
"$CERTWARDD" --session --state-dir "$T/state" --config "$T/certward.conf" 2>>"$T/daemon.log" &
CW_PID=$!
for i in $(seq 100); do gdbus call --session --dest org.certward.Certward1 --object-path /org/certward/Certward1 \
  --method org.freedesktop.DBus.Peer.Ping >/dev/null 2>&1 && break; sleep 0.05; done
like "the agent loads it: provider types lists it" "^outside " "$CERTWARDCTL" --session provider types
kill "$CW_PID"; wait "$CW_PID" 2>/dev/null; CW_PID=

# ---- an upgrade keeps the administrator's configuration ----------------
echo "# edited by the administrator" >> "$R$SYSCONFDIR/certward/certward.conf"
ok "installing again" meson install -C "$CW_BUILD_DIR" --no-rebuild --destdir "$R"
ok "keeps an edited certward.conf" grep -q "edited by the administrator" "$R$SYSCONFDIR/certward/certward.conf"
ok "and the new example is in the doc directory" cmp "$CW_SOURCE_DIR/data/certward.conf" "$R$DOCDIR/certward.conf"

tap_done
