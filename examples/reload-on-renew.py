#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A PBX-side subscriber in Python (python3-gi): reloads a service whenever
the certificate it uses is renewed or replaced.

    reload-on-renew.py [--session] NAME COMMAND...
"""
import subprocess
import sys

from gi.repository import Gio, GLib


def main(argv):
    session = len(argv) > 1 and argv[1] == "--session"
    if session:
        argv = argv[1:]
    if len(argv) < 3:
        print("usage: reload-on-renew.py [--session] NAME COMMAND...", file=sys.stderr)
        return 2
    name, command = argv[1], argv[2:]
    bus = Gio.bus_get_sync(Gio.BusType.SESSION if session else Gio.BusType.SYSTEM, None)

    def on_changed(connection, sender, path, interface, signal, parameters):
        _certificate, event, details = parameters.unpack()
        if details.get("name") != name or event not in ("renewed", "replaced"):
            return
        # the new files are in place when the signal comes
        print(f"{name} {event} ({details['fullchain-path']}): reloading", flush=True)
        subprocess.run(command, check=False)

    bus.signal_subscribe("org.certward.Certward1", "org.certward.Manager1", "CertificateChanged",
                         "/org/certward/Certward1", None, Gio.DBusSignalFlags.NONE, on_changed)
    GLib.MainLoop().run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
