#!/bin/sh
# meson install script: puts the example configuration in place as
# SYSCONFDIR/certward/certward.conf only when there is none, so that
# installing a new version over a running system keeps the administrator's
# file (install_data would overwrite it). The example is also installed to
# the doc directory, to compare with after an upgrade. A packaging DESTDIR
# starts empty, so packages still get the file (a dpkg conffile).
# Usage: install-config.sh DIR FILE
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu
target="${DESTDIR:-}$1/certward.conf"
if [ -e "$target" ]; then
  echo "Keeping $target (the new example is in the doc directory)"
else
  install -D -m 644 "$2" "$target"
  echo "Installing $2 to $target"
fi
