#!/bin/bash
# Extracts the Cockpit page's strings (a template kept only while this
# runs) and merges them into each po/LANG.po listed in LINGUAS. Run after changing strings;
# then translate what msgmerge marked new or fuzzy.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail
cd "$(dirname "$0")/.."
pot=$(mktemp --suffix=.pot)
trap 'rm -f "$pot"' EXIT
xgettext --language=JavaScript --from-code=UTF-8 --keyword=_ --keyword=N_ --keyword=ngettext:1,2 \
  --add-comments=TRANSLATORS --package-name=certward-cockpit --msgid-bugs-address= \
  --output="$pot" $(ls *.js views/*.js | sort) 2> >(grep -v -e msgid-bugs -e Makevars -e MSGID_BUGS -e "specify an" >&2)

for lang in $(cat po/LINGUAS); do
  msgmerge --quiet --update --backup=none --no-fuzzy-matching "po/$lang.po" "$pot"
  msgfmt -c --check-format -o /dev/null "po/$lang.po"
done
