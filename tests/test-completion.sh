#!/bin/bash
# The bash completion of certwardctl (completion/certwardctl), sourced into
# bash with Debian's bash-completion and driven as readline drives it
# (COMP_WORDS, COMP_CWORD, COMP_LINE, COMP_POINT): commands and options as
# --help lists them, the verbs of account/provider/trust/tenant/ca as their
# usage lines list them, option values, and names from a running agent:
# certificates, DNS providers, provider types and their fields, tenants.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
if [ -z "${CW_IN_SESSION:-}" ]; then
  exec env -u DBUS_SESSION_BUS_ADDRESS CW_IN_SESSION=1 dbus-run-session -- bash "$0" "$@" 2> >(grep -v 'fd limit' >&2)
fi
. "$(dirname "$0")/tap.sh"

T=$(mktemp -d /tmp/certward-completion-XXXXXX)
cleanup() {
  [ -n "${CW_PID:-}" ] && kill "$CW_PID" 2>/dev/null && wait "$CW_PID" 2>/dev/null
  rm -rf "$T" "$TAP_TMP"
}
trap cleanup EXIT

bash "$CW_TEST_MAKE_FIXTURES" "$CW_TEST_FIXTURES"
F=$CW_TEST_FIXTURES
# "certwardctl" on the command line is the built one
mkdir -p "$T/bin" && ln -s "$CERTWARDCTL" "$T/bin/certwardctl"
export PATH=$T/bin:$PATH

BC=/usr/share/bash-completion/bash_completion
ok "bash-completion is installed" test -r "$BC"
. "$BC"
. "$CW_SOURCE_DIR/completion/certwardctl"
like "complete -p names the function" "^complete -F _certwardctl certwardctl$" complete -p certwardctl

# comp LINE: what TAB offers at the end of LINE, sorted, one a line. Words
# are split as readline splits them: at blanks, and "=" (a character of
# COMP_WORDBREAKS) is a word of its own.
comp() {
  local line=$1 spaced
  spaced=${line//=/ = }
  COMP_LINE=$line COMP_POINT=${#line}
  read -ra COMP_WORDS <<<"$spaced"
  [[ $line == *" " ]] && COMP_WORDS+=("")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _certwardctl certwardctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
  printf '%s\n' "${COMPREPLY[@]}" | sort
}
# offers LINE WORD...: every WORD is offered
offers() {
  local line=$1 got w; shift
  got=$(comp "$line")
  for w in "$@"; do grep -qxF -- "$w" <<<"$got" || { echo "'$line' did not offer '$w' but: $got"; return 1; }; done
}
# offers_exactly LINE WORD...: those and nothing else
offers_exactly() {
  local line=$1; shift
  diff <(comp "$line") <(printf '%s\n' "$@" | sort)
}

# ---- from --help, without an agent ---------------------------------------
COMMANDS=$(LC_ALL=C certwardctl --help | sed -n '/^Commands:/,/^$/s/^  \([a-z-]*\) .*/\1/p')
ok "every command of --help is offered, and nothing else" offers_exactly "certwardctl " $COMMANDS
ok "a prefix: sh → show" offers_exactly "certwardctl sh" show
ok "global options" offers "certwardctl --" --session --json --help
ok "after --session, the commands" offers "certwardctl --session re" request renew remove revoke
ok "options of import, from its --help" offers "certwardctl import --" --name= --password-file= --replace --allow-expired
ok "options of renew" offers "certwardctl renew phones --" --force --reuse-key --new-key --no-wait
ok "options of a verb: account create" offers "certwardctl account create --" --agree-terms --eab-kid= --contact=
ok "options of a verb: provider add" offers "certwardctl provider add --" --secret-file= --secret-stdin=
ok "option values: --role" offers_exactly "certwardctl import --role " server sip-tls stir-shaken client ca
ok "option values after =: --role=s" offers_exactly "certwardctl import x.pem --role=s" server sip-tls stir-shaken
ok "option values: --challenge" offers_exactly "certwardctl request x --challenge " http-01 dns-01 tls-alpn-01
ok "option values: --format" offers_exactly "certwardctl export x --format " pem der pkcs12
ok "trust mode values" offers_exactly "certwardctl trust mode " none outgoing all
ok "files for import" bash -c "cd '$F' && $(declare -f comp offers); . '$BC'; . '$CW_SOURCE_DIR/completion/certwardctl'; offers 'certwardctl import lea' leaf.pem leaf.key"

# the verbs the script knows are those the usage lines list
for c in account provider trust tenant ca; do
  VERBS=$(LC_ALL=C certwardctl $c --help | python3 -c "
import re, sys
verbs = set()
for line in sys.stdin:
    m = re.search(r'certwardctl $c (?:\[OPTION[^]]*\] )?(.*)', line)
    if m:
        verbs |= {a.split()[0] for a in m.group(1).split('|') if a.split() and re.fullmatch(r'[a-z][a-z0-9-]*', a.split()[0])}
print(' '.join(sorted(verbs)))")
  ok "$c: the verbs of its --help ($VERBS)" offers_exactly "certwardctl $c " $VERBS
done

# ---- names from the agent ------------------------------------------------
ok "no agent: nothing offered, nothing printed" bash -c "
  $(declare -f comp); . '$BC'; . '$CW_SOURCE_DIR/completion/certwardctl'
  out=\$(comp 'certwardctl --session show ' 2>&1); [ -z \"\$out\" ]"

printf '[dns-01]\nprovider-dir=%s\n' "$CW_PROVIDER_BUILD_DIR" > "$T/certward.conf"
"$CERTWARDD" --session --state-dir "$T/state" --config "$T/certward.conf" 2>>"$T/daemon.log" &
CW_PID=$!
for i in $(seq 100); do gdbus call --session --dest org.certward.Certward1 --object-path /org/certward/Certward1 \
  --method org.freedesktop.DBus.Peer.Ping >/dev/null 2>&1 && break; sleep 0.05; done
CTL="certwardctl --session"
$CTL import "$F/nopass.p12" --name pbx-main >/dev/null
$CTL ca create phones-CA >/dev/null
$CTL provider add hook exec program=/bin/true >/dev/null
$CTL tenant set acme acme.example >/dev/null

ok "certificate names for show" offers_exactly "certwardctl --session show " phones-CA pbx-main system
ok "certificate names with a prefix" offers_exactly "certwardctl --session remove pb" pbx-main
ok "the second argument of install is a file, not a name" bash -c "
  cd '$F' && $(declare -f comp offers); . '$BC'; . '$CW_SOURCE_DIR/completion/certwardctl'
  offers 'certwardctl --session install pbx-main leaf.p' leaf.pem"
ok "local CAs for --issuer" offers "certwardctl --session self-sign x --issuer " phones-CA
ok "provider names for --provider" offers_exactly "certwardctl --session request x --provider " hook
ok "provider names for provider test" offers_exactly "certwardctl --session provider test " hook
ok "provider types for provider add NAME" offers "certwardctl --session provider add dns " exec rfc2136 cloudflare route53
ok "the type's fields for provider add NAME TYPE" offers_exactly "certwardctl --session provider add dns exec " program= timeout=
ok "the provider's fields for provider update NAME" offers_exactly "certwardctl --session provider update hook " program= timeout=
ok "tenants for --tenant" offers_exactly "certwardctl --session import x.pem --tenant " acme
ok "tenants for tenant set" offers_exactly "certwardctl --session tenant set " acme
ok "with --session, names come from the session bus only" bash -c "
  $(declare -f comp); . '$BC'; . '$CW_SOURCE_DIR/completion/certwardctl'
  [ -z \"\$(DBUS_SYSTEM_BUS_ADDRESS=unix:path=$T/none comp 'certwardctl show ')\" ]"

tap_done
