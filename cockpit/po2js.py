#!/usr/bin/python3
"""Turns a gettext catalog (po/LANG.po) into po.LANG.js, the form Cockpit
loads for a package: cockpit.locale({...}). The bridge serves it as po.js
to browsers whose language is LANG. Fuzzy and untranslated entries are left
out, so the page shows English for them. Reads the catalog with polib.
usage: po2js.py LANG.po po.LANG.js
SPDX-License-Identifier: LGPL-2.1-or-later"""

import json
import re
import sys

import polib


def plural_function(header):
    """'nplurals=2; plural=(n != 1);' -> a JS function of n"""
    m = re.search(r"plural\s*=\s*([^;]+)", header or "")
    expression = m.group(1) if m else "(n != 1)"
    if not re.fullmatch(r"[\sn0-9()!=<>&|?:%+-]+", expression):
        raise SystemExit("unexpected Plural-Forms expression: " + expression)
    return "function(n) { return %s; }" % expression


def main():
    source, target = sys.argv[1], sys.argv[2]
    catalog = polib.pofile(source)
    language = catalog.metadata.get("Language", "")
    messages = {}
    for entry in catalog:
        if entry.obsolete or "fuzzy" in entry.flags or not entry.translated():
            continue
        key = (entry.msgctxt + "\u0004" if entry.msgctxt else "") + entry.msgid
        if entry.msgid_plural:
            forms = [entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)]
            messages[key] = [entry.msgid_plural] + forms
        else:
            messages[key] = [None, entry.msgstr]
    header = '"plural-forms": %s, "language": %s, "language-direction": "ltr"' % (
        plural_function(catalog.metadata.get("Plural-Forms")), json.dumps(language))
    body = ",\n".join("%s: %s" % (json.dumps(k, ensure_ascii=False), json.dumps(v, ensure_ascii=False))
                      for k, v in sorted(messages.items()))
    with open(target, "w", encoding="utf-8") as f:
        f.write("cockpit.locale({\n\"\": {%s},\n%s\n});\n" % (header, body))


if __name__ == "__main__":
    main()
