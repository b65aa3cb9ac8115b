#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A hostile IMAP server on loopback (plain IMAP, which Aios allows only to a
# loopback host), for the watcher's bounded reads. It speaks enough IMAP4rev1
# (RFC 3501) to get the client to its fetch, then misbehaves:
#
#   --fault huge-literal  answers the message fetch with a literal of
#                         99999999999 bytes and streams junk after it
#   --fault huge-line     greets with a line of 8 MiB that never ends
#   --fault garbage       greets, then sends bytes that are not IMAP (ESC, NUL)
#   --fault bye           refuses the login with "* BYE" and the password echoed
#   --fault none          a well-behaved one-message mailbox (IDLE not offered),
#                         its UIDVALIDITY --uidvalidity (7)
# It prints "PORT <n>", and "SENT <n>" lines to --log: the bytes of junk the
# client read before it hung up.
import argparse
import os
import socket
import sys
import threading

parser = argparse.ArgumentParser()
parser.add_argument("--fault", default="none")
parser.add_argument("--log")
parser.add_argument("--uidvalidity", type=int, default=7)
args = parser.parse_args()

MESSAGE = (b"From: Pat <pat@example.net>\r\nTo: robin@example.com\r\nSubject: hi\r\n"
           b"Message-ID: <one@example.net>\r\n\r\nHello\r\n")


def log(text):
    if args.log:
        with open(args.log, "a") as f:
            f.write(text + "\n")


def serve(conn):
    f = conn.makefile("rb")
    sent = 0

    def send(data):
        conn.sendall(data)

    try:
        if args.fault == "huge-line":
            send(b"* OK ")
            chunk = b"x" * 65536
            while sent < 8 * 1024 * 1024:
                send(chunk)
                sent += len(chunk)
            return
        send(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hostile ready\r\n")
        if args.fault == "garbage":
            send(b"\x1b[31mHELLO\x00 this is not IMAP\r\n")
        while True:
            line = f.readline()
            if not line:
                return
            tag, _, rest = line.decode("latin-1").rstrip("\r\n").partition(" ")
            cmd = rest.split(" ")[0].upper()
            if cmd == "LOGIN":
                if args.fault == "bye":
                    send(b"* BYE go away, " + rest.split(" ")[-1].encode() + b"\r\n")
                    return
                send(tag.encode() + b" OK [CAPABILITY IMAP4rev1] logged in\r\n")
            elif cmd == "CAPABILITY":
                send(b"* CAPABILITY IMAP4rev1\r\n" + tag.encode() + b" OK done\r\n")
            elif cmd == "SELECT":
                send(b"* 1 EXISTS\r\n* OK [UIDVALIDITY %d] ok\r\n" % args.uidvalidity + b"* OK [UIDNEXT 2] ok\r\n" +
                     tag.encode() + b" OK [READ-WRITE] selected\r\n")
            elif cmd == "UID" and "RFC822.SIZE" in rest:
                send(b"* 1 FETCH (UID 1 RFC822.SIZE %d)\r\n" % len(MESSAGE) + tag.encode() + b" OK done\r\n")
            elif cmd == "UID":
                if args.fault == "huge-literal":
                    send(b"* 1 FETCH (UID 1 BODY[] {99999999999}\r\n")
                    chunk = b"y" * 65536
                    while sent < 64 * 1024 * 1024:
                        send(chunk)
                        sent += len(chunk)
                    return
                send(b"* 1 FETCH (UID 1 BODY[] {%d}\r\n" % len(MESSAGE) + MESSAGE + b")\r\n" +
                     tag.encode() + b" OK done\r\n")
            elif cmd == "NOOP":
                send(tag.encode() + b" OK done\r\n")
            elif cmd == "LOGOUT":
                send(b"* BYE bye\r\n" + tag.encode() + b" OK done\r\n")
                return
            else:
                send(tag.encode() + b" BAD what\r\n")
    except OSError:
        pass
    finally:
        log("SENT %d" % sent)
        conn.close()


def main():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    print("PORT %d" % s.getsockname()[1], flush=True)
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    while True:
        try:
            conn, _ = s.accept()
        except OSError:
            return
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


main()
