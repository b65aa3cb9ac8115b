#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A real SMTP server (Debian's python3-aiosmtpd) on loopback for the email
# connector's tests. Every message it accepts is appended to --log as one
# JSON line: envelope, the content as received (dot-stuffing undone by the
# server), whether TLS was up, and who logged in.
#
#   --tls none|starttls|implicit   with a self-signed certificate made now by
#                                  the openssl command (printed as "CA <path>")
#   --auth USER:PASS               require AUTH (only offered after TLS)
#   --mechanisms PLAIN,LOGIN       the AUTH mechanisms to offer
#   --fault rcpt450|rcpt550|mail421|data-drop|data-slow, or a hostile server:
#           auth-echo      a 535 that echoes the AUTH line (PLAIN and LOGIN
#                          payloads, also with the user as authzid) and the
#                          password itself
#           rcpt-binary    a 550 to RCPT with bytes that are not UTF-8, ESC
#                          sequences, a NUL and a C1 CSI
#           quit-garbage   accepts the message, then answers QUIT with nonsense
#           huge-line      no SMTP at all: a greeting line of --huge-bytes
#                          (64 MiB) without an end; logs {"huge_sent": n,
#                          "complete": bool} once the client hung up or all
#                          was sent
#   --maildir DIR                  also deliver each message for --maildir-rcpt
#                                  (every message without it) into the Maildir
#                                  DIR (tmp/ then new/, owned like DIR), where a
#                                  real IMAP server (Dovecot) finds it
# On start it prints "PORT <n>" (and "CA <path>" first when TLS is on).
import argparse
import asyncio
import base64
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

parser = argparse.ArgumentParser()
parser.add_argument("--log", required=True)
parser.add_argument("--tls", default="none", choices=["none", "starttls", "implicit"])
parser.add_argument("--auth")
parser.add_argument("--mechanisms", default="PLAIN,LOGIN")
parser.add_argument("--fault", default="none")
parser.add_argument("--huge-bytes", type=int, default=64 * 1024 * 1024)
parser.add_argument("--maildir")
parser.add_argument("--maildir-rcpt")
args = parser.parse_args()

LOCK = threading.Lock()
LOGINS = {}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def make_cert():
    d = tempfile.mkdtemp(prefix="aios-smtp-peer-")
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-addext", "basicConstraints=critical,CA:TRUE"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


class Handler:
    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if args.fault == "mail421":
            return "421 4.3.2 Service shutting down"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if args.fault == "rcpt450":
            return "450 4.2.1 Mailbox busy, try later"
        if args.fault == "rcpt550":
            return "550 5.1.1 No such user here"
        if args.fault == "rcpt-binary":
            return (b"550-5.1.1 caf\xe9 \xff\xfe\x00 \x1b[31mred\x1b[0m \x1b]0;owned\x07 \xc2\x9b2J\r\n"
                    b"550 5.1.1 No such user here")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope):
        if args.fault == "quit-garbage":
            return b"\xff\xfe this is not SMTP \x1b[2J"
        return "221 Bye"

    async def handle_DATA(self, server, session, envelope):
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "content": envelope.content.decode("utf-8", "replace"),
            "tls": session.ssl is not None or args.tls == "implicit",
            "login": LOGINS.get(id(session)),
        }
        with LOCK, open(args.log, "a") as f:
            f.write(json.dumps(record) + "\n")
        if args.maildir and (not args.maildir_rcpt or args.maildir_rcpt in envelope.rcpt_tos):
            deliver(envelope.content)
        if args.fault == "data-drop":
            server.transport.abort()
            return "250 OK"
        if args.fault == "data-slow":
            await asyncio.sleep(3)
        return "250 2.0.0 OK queued as AIOS1"


DELIVERED = [0]


def deliver(content):
    """Maildir delivery (the maildir(5) way): write into tmp/, then rename into new/."""
    st = os.stat(args.maildir)
    with LOCK:
        DELIVERED[0] += 1
        name = "%d.P%dQ%d.aios-test" % (int(time.time()), os.getpid(), DELIVERED[0])
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(args.maildir, sub), exist_ok=True)
        os.chown(os.path.join(args.maildir, sub), st.st_uid, st.st_gid)
    tmp = os.path.join(args.maildir, "tmp", name)
    with open(tmp, "wb") as f:
        f.write(content.replace(b"\r\n", b"\n"))
    os.chown(tmp, st.st_uid, st.st_gid)
    os.rename(tmp, os.path.join(args.maildir, "new", name))


def b64(data):
    return base64.b64encode(data).decode()


def authenticator(server, session, envelope, mechanism, auth_data):
    user, _, password = args.auth.partition(":")
    if args.fault == "auth-echo":
        login, sent = auth_data.login, auth_data.password
        if mechanism == "PLAIN":
            said = "AUTH PLAIN " + b64(b"\0" + login + b"\0" + sent)
        else:
            said = "AUTH LOGIN, then %s and %s" % (b64(login), b64(sent))
        return AuthResult(success=False, handled=False, message=(
            "535-5.7.8 You said: %s\r\n"
            "535-5.7.8 as authzid: %s\r\n"
            "535-5.7.8 (%s) password=%s\r\n"
            "535 5.7.8 Authentication credentials invalid" % (
                said, b64(login + b"\0" + login + b"\0" + sent), b64(sent)[:-2], sent.decode())))
    ok = auth_data.login.decode() == user and auth_data.password.decode() == password
    if ok:
        LOGINS[id(session)] = {"user": user, "mechanism": mechanism}
    return AuthResult(success=ok, handled=False)


def huge_line():
    """A greeting that never ends, sent until the client hangs up."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    print("PORT %d" % srv.getsockname()[1], flush=True)

    def serve():
        conn, _ = srv.accept()
        sent, complete = 0, False
        chunk = b"x" * 65536
        try:
            conn.sendall(b"220-")
            while sent < args.huge_bytes:
                n = min(len(chunk), args.huge_bytes - sent)
                conn.sendall(chunk[:n])
                sent += n
            conn.sendall(b"\r\n220 ok\r\n")
            complete = True
            conn.recv(1024)
        except OSError:
            pass
        with LOCK, open(args.log, "a") as f:
            f.write(json.dumps({"huge_sent": sent, "complete": complete}) + "\n")
        conn.close()

    threading.Thread(target=serve, daemon=True).start()
    sys.stdin.read()


def main():
    if args.fault == "huge-line":
        return huge_line()
    kwargs = {}
    ctx = None
    if args.tls != "none":
        cert, key = make_cert()
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)
        print("CA %s" % cert, flush=True)
    if args.tls == "starttls":
        kwargs.update(tls_context=ctx, require_starttls=True)
    if args.auth:
        offered = set(args.mechanisms.split(","))
        excluded = [m for m in ("PLAIN", "LOGIN") if m not in offered]
        # aiosmtpd only knows about STARTTLS; with implicit TLS the whole
        # connection is already encrypted, so AUTH may be offered at once.
        kwargs.update(authenticator=authenticator, auth_required=True,
                      auth_require_tls=args.tls != "implicit",
                      auth_exclude_mechanism=excluded)
    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port,
                            ssl_context=ctx if args.tls == "implicit" else None, **kwargs)
    controller.start()
    print("PORT %d" % port, flush=True)
    sys.stdin.read()   # ends with the test
    controller.stop()


if __name__ == "__main__":
    main()
