#!/usr/bin/python3
"""A real SMTP server on 127.0.0.1 for the tests and the demo, built on aiosmtpd.

Each message received is written whole to MAILBOX/new/NNNN.eml (a Maildir-like folder) with the
envelope in MAILBOX/new/NNNN.envelope.json. With --tls the server offers STARTTLS and requires it
before AUTH and MAIL; with --implicit-tls it speaks TLS from the first byte. With --user and
--password it requires that login; --refuse-login rejects every login with 535 5.7.139, as
Microsoft 365 does when basic authentication is off. When ready it writes its port and the PEM
certificate that verifies it (with --tls or --implicit-tls) as JSON to --ready-file, and runs
until SIGTERM.

Needs Debian's python3-aiosmtpd (run with /usr/bin/python3).
"""
import argparse
import asyncio
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

REFUSED_LOGIN = ("535 5.7.139 Authentication unsuccessful, basic authentication is "
                 "disabled. [alur-relay test server]")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certificate(folder):
    cert = os.path.join(folder, "smtp-cert.pem")
    key = os.path.join(folder, "smtp-key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", key, "-out", cert],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


class Mailbox:
    def __init__(self, folder, refused_recipients=()):
        self.refused_recipients = set(refused_recipients)
        self.folder = os.path.join(folder, "new")
        os.makedirs(self.folder, exist_ok=True)
        self.count = len([n for n in os.listdir(self.folder) if n.endswith(".eml")])
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused_recipients:
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            stem = os.path.join(self.folder, "%04d" % self.count)
        # Written under a temporary name, so a reader never sees half a message.
        with open(stem + ".tmp", "wb") as out:
            out.write(envelope.original_content)
        with open(stem + ".envelope.json", "w") as out:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                       "login": session.auth_data.login.decode()
                       if isinstance(session.auth_data, LoginPassword) else None}, out)
        os.rename(stem + ".tmp", stem + ".eml")
        return "250 2.0.0 OK queued as %04d" % self.count


def authenticator(user, password, refuse):
    def check(server, session, envelope, mechanism, auth_data):
        if refuse:
            return AuthResult(success=False, handled=False, message=REFUSED_LOGIN)
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user
              and auth_data.password.decode() == password)
        # handled=False lets aiosmtpd send the failure reply itself (535 5.7.8).
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)
    return check


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mailbox", required=True, help="folder that receives the messages")
    parser.add_argument("--ready-file", required=True,
                        help="JSON file written when the server accepts connections")
    parser.add_argument("--tls", action="store_true", help="offer and require STARTTLS")
    parser.add_argument("--implicit-tls", action="store_true", help="speak TLS from the first byte")
    parser.add_argument("--user", help="login that the server requires")
    parser.add_argument("--password", help="password of --user")
    parser.add_argument("--refuse-login", action="store_true",
                        help="reject every login with 535 5.7.139")
    parser.add_argument("--refuse-recipient", action="append", default=[],
                        help="answer 550 to RCPT TO for this address (repeatable)")
    args = parser.parse_args()

    os.makedirs(args.mailbox, exist_ok=True)
    cert = key = None
    context = None
    if args.tls or args.implicit_tls:
        cert, key = make_certificate(args.mailbox)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)

    options = {}
    if args.user or args.refuse_login:
        options["authenticator"] = authenticator(args.user, args.password, args.refuse_login)
        options["auth_required"] = True
        # aiosmtpd counts only STARTTLS as TLS for AUTH; an implicit TLS session is TLS
        # from the first byte, so the requirement is kept for STARTTLS only.
        options["auth_require_tls"] = args.tls
    if args.tls:
        options["tls_context"] = context
        options["require_starttls"] = True
    if args.implicit_tls:
        options["ssl_context"] = context

    port = free_port()
    controller = Controller(Mailbox(args.mailbox, args.refuse_recipient), hostname="127.0.0.1",
                            port=port,
                            server_hostname="127.0.0.1", **options)
    controller.start()

    ready = {"port": port, "certificate": cert, "mailbox": os.path.join(args.mailbox, "new")}
    with open(args.ready_file + ".tmp", "w") as out:
        json.dump(ready, out)
    os.rename(args.ready_file + ".tmp", args.ready_file)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
