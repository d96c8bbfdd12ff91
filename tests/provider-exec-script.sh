#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Test double for the exec DNS provider (test-providers-dns.c): appends its
# arguments and $CERTWARD_ZONE to $CW_EXEC_LOG; the VALUE picks what it does.
printf '%s zone=%s\n' "$*" "$CERTWARD_ZONE" >> "$CW_EXEC_LOG"
case "$3" in
  fail)
    echo "a line that is not the last one" >&2
    echo "zone not found: example.test" >&2
    exit 3 ;;
  hang)
    # a child that would keep stderr open: the provider kills the whole group
    sleep 60 &
    echo $! > "$CW_EXEC_LOG.child"
    wait ;;
esac
exit 0
