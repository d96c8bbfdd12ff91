#!/bin/bash
# The man pages: each builds (scdoc, by meson) and man renders it without
# a warning; and they cannot fall behind the code: every configuration key
# the code accepts is in certward.conf(5) with its default (and no other
# key is), every certwardctl command, verb and option its --help lists is
# in certwardctl(1), every certwardd option in certwardd(8), and every DNS
# provider type and field the agent loads, with its required/secret flags,
# in certward-providers(7). Usage: test-man.sh MANDIR (the built pages).
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
if [ -z "${CW_IN_SESSION:-}" ]; then
  exec env -u DBUS_SESSION_BUS_ADDRESS CW_IN_SESSION=1 dbus-run-session -- bash "$0" "$@" 2> >(grep -v 'fd limit' >&2)
fi
. "$(dirname "$0")/tap.sh"

MANDIR=$1
SRC=$CW_SOURCE_DIR/man
T=$(mktemp -d /tmp/certward-man-XXXXXX)
cleanup() {
  [ -n "${CW_PID:-}" ] && kill "$CW_PID" 2>/dev/null && wait "$CW_PID" 2>/dev/null
  rm -rf "$T" "$TAP_TMP"
}
trap cleanup EXIT

# man's rendering in both encodings; any warning of groff's (-w all) fails
render() {
  MANWIDTH=80 man --warnings=all -l "$1" 2>"$T/warnings" >"$T/out" && [ -s "$T/out" ] && [ ! -s "$T/warnings" ] ||
    { cat "$T/warnings"; false; }
}
for page in certwardd.8 certwardctl.1 certward.conf.5 certward-providers.7; do
  ok "$page is built" test -s "$MANDIR/$page"
  ok "$page renders without warnings (UTF-8)" env LC_ALL=C.UTF-8 bash -c "$(declare -f render); T='$T'; render '$MANDIR/$page'"
  ok "$page renders without warnings (ASCII)" env LC_ALL=C bash -c "$(declare -f render); T='$T'; render '$MANDIR/$page'"
done
# the check above can fail: a page with a broken request draws a warning
{ cat "$MANDIR/certwardd.8"; printf '.ft Z\nbroken\n'; } > "$T/broken.8"
ok "a broken page is caught" bash -c "! env LC_ALL=C.UTF-8 bash -c \"\$(declare -f render); T='$T'; render '$T/broken.8'\""

# ---- certward.conf(5) against src/core/cw-config.c ------------------------
CONFIG_C=$(find "$CW_SOURCE_DIR/src" -name cw-config.c | head -1)
ok "every configuration key of the code is in certward.conf(5), with its default; no other key is" \
  python3 - "$CONFIG_C" "$SRC/certward.conf.5.scd" <<'PY'
import re, sys
code = open(sys.argv[1]).read()
# { "group", "key", TYPE_..., min, max, "default", choices },
keys = re.findall(r'\{\s*"([a-z0-9-]+)",\s*"([a-z0-9-]+)",\s*TYPE_\w+,\s*[^,]+,\s*[^,]+,\s*"([^"]*)"', code)
assert len(keys) >= 20, keys
page = open(sys.argv[2]).read()
sections = dict(re.findall(r"^# \[([a-z0-9-]+)\]\n(.*?)(?=^# )", page, re.M | re.S))
problems = []
for group, key, default in keys:
    body = sections.get(group)
    if body is None:
        problems.append(f"no section [{group}]")
        continue
    m = re.search(r"^\*" + re.escape(key) + r"=\*.*?\n((?:\t.*\n|\n)*)", body, re.M)
    if m is None:
        problems.append(f"[{group}] {key} missing")
        continue
    text = " ".join(m.group(1).split())
    want = f"Default: *{default}*." if default else "Default: empty."
    if want not in text:
        problems.append(f"[{group}] {key}: wants '{want}'")
documented = {(g, k) for g, body in sections.items() for k in re.findall(r"^\*([a-z0-9-]+)=\*", body, re.M)}
for extra in documented - {(g, k) for g, k, _ in keys}:
    problems.append(f"[{extra[0]}] {extra[1]} is documented but the code does not accept it")
assert not problems, problems
PY

# ---- certwardctl(1) against certwardctl --help --------------------------
# commands, the verbs of commands that have them (from their usage lines),
# and every option of every command and verb
python3 - "$CERTWARDCTL" > "$T/ctl-vocabulary" <<'PY'
import re, subprocess, sys
ctl = sys.argv[1]
def help_of(*args):
    r = subprocess.run([ctl, *args, "--help"], capture_output=True, text=True, env={"LC_ALL": "C"})
    assert r.returncode == 0, (args, r.stderr)
    return r.stdout
top = help_of()
commands = re.findall(r"^  ([a-z][a-z0-9-]*) ", top.split("Commands:\n")[1].split("\n\n")[0], re.M)
print("option", "", "--session"); print("option", "", "--json")
for c in commands:
    print("command", c)
    text = help_of(c)
    verbs = set()
    for line in text.splitlines():
        m = re.search(r"certwardctl " + c + r" (?:\[OPTION[^]]*\] )?(.*)", line)
        if m:
            for alt in m.group(1).split("|"):
                w = alt.split()
                if w and re.fullmatch(r"[a-z][a-z0-9-]*", w[0]):
                    verbs.add(w[0])
    for v in sorted(verbs):
        print("verb", c, v)
        try:
            text += help_of(c, v)
        except AssertionError:
            pass  # a verb without options of its own
    for opt in sorted(set(re.findall(r"^\s+(?:-\w, )?(--[a-z0-9-]+)", text, re.M)) - {"--help"}):
        print("option", c, opt)
PY
ok "the command list was read from --help" grep -q "^command provider" "$T/ctl-vocabulary"
ok "every command, verb and option of certwardctl --help is in certwardctl(1)" python3 - "$T/ctl-vocabulary" "$SRC/certwardctl.1.scd" <<'PY'
import re, sys
page = open(sys.argv[2]).read()
# definition terms: lines in the first column that start with *word*
terms = [l for l in page.splitlines() if l.startswith("*")]
missing = []
for line in open(sys.argv[1]):
    kind, *what = line.split()
    if kind == "command":
        ok = any(re.match(r"\*" + re.escape(what[0]) + r"[* ]", t) for t in terms)
    elif kind == "verb":
        ok = any(re.match(r"\*" + re.escape(what[0]) + " " + re.escape(what[1]) + r"\*", t) for t in terms)
    else:
        ok = ("*" + what[-1] + "*") in page
    if not ok:
        missing.append(" ".join(what))
assert not missing, missing
PY

# ---- certwardd(8) against certwardd --help -------------------------------
ok "every option of certwardd --help is in certwardd(8)" bash -c "
  opts=\$(LC_ALL=C '$CERTWARDD' --help | grep -oE '^ +(-[a-z], )?--[a-z-]+' | grep -oE -- '--[a-z-]+' | grep -v -- --help)
  [ -n \"\$opts\" ] || exit 1
  for o in \$opts; do grep -qF -- \"*\$o*\" '$SRC/certwardd.8.scd' || { echo \"missing \$o\"; exit 1; }; done"

# ---- certward-providers(7) against the plugins the agent loads ----------
printf '[dns-01]\nprovider-dir=%s\n' "$CW_PROVIDER_BUILD_DIR" > "$T/certward.conf"
"$CERTWARDD" --session --state-dir "$T/state" --config "$T/certward.conf" 2>>"$T/daemon.log" &
CW_PID=$!
for i in $(seq 100); do gdbus call --session --dest org.certward.Certward1 --object-path /org/certward/Certward1 \
  --method org.freedesktop.DBus.Peer.Ping >/dev/null 2>&1 && break; sleep 0.05; done
"$CERTWARDCTL" --session --json provider types > "$T/types.json"
ok "every provider type and field the agent loads is in certward-providers(7), flags and all" \
  python3 - "$T/types.json" "$SRC/certward-providers.7.scd" <<'PY'
import json, re, sys
types = json.load(open(sys.argv[1]))
assert len(types) >= 9, types
page = open(sys.argv[2]).read()
sections = dict(re.findall(r"^## ([a-z0-9-]+): .*?\n(.*?)(?=^#)", page, re.M | re.S))
problems = []
for t in types:
    body = sections.get(t["type"])
    if body is None:
        problems.append(f"no section for {t['type']}")
        continue
    for f in t["fields"]:
        flags = ("required" if f["required"] else "optional") + (", secret" if f["secret"] else "")
        if f"\n*{f['key']}* ({flags})\n" not in "\n" + body:
            problems.append(f"{t['type']} {f['key']} ({flags})")
    extra = set(re.findall(r"^\*([a-z0-9-]+)\* \(", body, re.M)) - {f["key"] for f in t["fields"]}
    problems += [f"{t['type']} {k} is documented but not a field" for k in extra]
assert not problems, problems
PY

# ---- README ------------------------------------------------------------
for page in certwardd.8 certwardctl.1 certward.conf.5 certward-providers.7; do
  ok "README links $page" grep -qF "(man/$page.scd)" "$CW_SOURCE_DIR/README.md"
done

tap_done
