#!/usr/bin/env python3
# A SIP client for the system tests: sends one OPTIONS over TLS to
# 127.0.0.1:PORT and prints the status line of the answer ("SIP/2.0 200
# Keepalive"). The server's certificate is not verified (it is compared by
# fingerprint by the caller); Python's ssl does the TLS. Exits 1 when there
# is no answer within the timeout.
#
#   sip-options.py PORT
# SPDX-License-Identifier: LGPL-2.1-or-later
import random
import socket
import ssl
import sys

port = int(sys.argv[1])
context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
branch = random.getrandbits(32)
# the port in the request URI: Kamailio's "uri==myself" compares it, and
# the stock kamailio.cfg answers OPTIONS for itself with 200
request = (f"OPTIONS sip:127.0.0.1:{port};transport=tls SIP/2.0\r\n"
           f"Via: SIP/2.0/TLS 127.0.0.1:5099;branch=z9hG4bK-cw{branch:08x}\r\n"
           "Max-Forwards: 70\r\n"
           "From: <sip:test@127.0.0.1>;tag=cw\r\n"
           f"To: <sip:127.0.0.1:{port}>\r\n"
           f"Call-ID: cw-{branch:08x}@127.0.0.1\r\n"
           "CSeq: 1 OPTIONS\r\n"
           "User-Agent: certward-system-test\r\n"
           "Content-Length: 0\r\n\r\n")
try:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw) as tls:
            tls.sendall(request.encode())
            reply = b""
            while b"\r\n\r\n" not in reply:
                chunk = tls.recv(4096)
                if not chunk:
                    break
                reply += chunk
except OSError as e:
    print(f"sip-options.py: {e}", file=sys.stderr)
    sys.exit(1)
if not reply:
    print("sip-options.py: no answer", file=sys.stderr)
    sys.exit(1)
print(reply.split(b"\r\n", 1)[0].decode(errors="replace"))
