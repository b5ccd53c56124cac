#!/usr/bin/env python3
"""An SMTP server for herald's tests: aiosmtpd, requiring STARTTLS and then AUTH (PLAIN or
LOGIN), writing every message it accepts to OUTDIR as a JSON file.

Usage: smtp_server.py CERT KEY OUTDIR USER PASSWORD
Prints the port it listens on (127.0.0.1), then serves until its standard input closes.
"""
import json
import os
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

cert, key, outdir, user, password = sys.argv[1:6]
context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(cert, key)
lock = threading.Lock()
count = 0


class Handler:
    async def handle_DATA(self, server, session, envelope):
        global count
        with lock:
            count += 1
            path = os.path.join(outdir, "%04d.json" % count)
        record = {
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "data": envelope.content.decode("utf-8", "replace"),
            "tls": session.ssl is not None,
            "authenticated": bool(session.authenticated),
        }
        with open(path + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)
        return "250 OK"


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login.decode() == user
        and auth_data.password.decode() == password
    )
    return AuthResult(success=ok, handled=False)


with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]

controller = Controller(
    Handler(),
    hostname="127.0.0.1",
    port=port,
    server_hostname="localhost",
    tls_context=context,
    require_starttls=True,
    authenticator=authenticate,
    auth_require_tls=True,
)
controller.start()
print(port, flush=True)
sys.stdin.read()
controller.stop()
