#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A local test peer for the exec room's HTTP connectors. It speaks the
# documented wire formats of the services Aios talks to, on loopback:
#   - a generic webhook receiver         POST /<mode>/hook
#   - Ollama                              /<mode>/api/chat, /api/embed, /api/tags
#   - the OpenAI API                      /<mode>/v1/chat/completions, /v1/models, /v1/embeddings
#   - the Stripe API                      /<mode>/v1/customers, /v1/invoiceitems, /v1/invoices, ...
# The first path segment is the fault mode, so a base URL selects it:
#   ok         normal answers
#   e500       500 with a JSON error
#   e429       429 with Retry-After: 7
#   e400       400 (Stripe error shape on /v1/)
#   e401       401
#   slow       answers after 3 s (tests use shorter deadlines)
#   truncated  announces a longer body than it sends, then closes
#   malformed  200 with broken JSON
#   wrongtype  200 with text/html
#   reset      closes the connection without answering
#   redirect   302 to /ok/...
# Every request is recorded; GET /_log returns them as a JSON array and
# POST /_reset forgets them. On start it prints "PORT <n>" on stdout.
import hashlib
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LOG = []
LOG_LOCK = threading.Lock()
IDEMPOTENT = {}  # Stripe: Idempotency-Key -> (status, body)
COUNTERS = {"cus": 0, "ii": 0, "in": 0}


def parse_stripe_form(body):
    out = {}
    for key, values in parse_qs(body, keep_blank_values=True).items():
        out[key] = values[-1]
    return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AiosTestPeer/1"

    def log_message(self, fmt, *args):
        pass

    def send_json(self, status, obj, extra=None, ctype="application/json"):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def record(self, body):
        with LOG_LOCK:
            LOG.append({
                "method": self.command,
                "path": self.path,
                "headers": {k: v for k, v in self.headers.items()},
                "body": body.decode("utf-8", "replace"),
            })

    def do_GET(self):
        if self.path == "/_log":
            with LOG_LOCK:
                self.send_json(200, LOG)
            return
        self.handle_any(b"")

    def do_POST(self):
        body = self.read_body()
        if self.path == "/_reset":
            with LOG_LOCK:
                LOG.clear()
            self.send_json(200, {"ok": True})
            return
        self.handle_any(body)

    def handle_any(self, body):
        self.record(body)
        parts = urlsplit(self.path).path.split("/", 2)
        mode = parts[1] if len(parts) > 1 else "ok"
        rest = "/" + (parts[2] if len(parts) > 2 else "")
        if mode == "e500":
            return self.send_json(500, {"error": {"message": "internal error", "type": "api_error"}})
        if mode == "e429":
            return self.send_json(429, {"error": {"message": "rate limited", "type": "rate_limit_error"}},
                                  {"Retry-After": "7"})
        if mode == "e400":
            return self.send_json(400, {"error": {"type": "invalid_request_error", "code": "parameter_invalid",
                                                  "message": "Invalid request", "param": "amount"}})
        if mode == "e401":
            return self.send_json(401, {"error": {"type": "invalid_request_error",
                                                  "message": "Invalid API Key provided"}})
        if mode == "slow":
            time.sleep(3)
            return self.send_json(200, {"ok": True})
        if mode == "truncated":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'{"ok": tr')
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if mode == "malformed":
            data = b'{"ok": true,,'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if mode == "wrongtype":
            data = b"<html><body>Welcome to nginx</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if mode == "reset":
            self.close_connection = True
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.connection.close()
            return
        if mode == "redirect":
            self.send_response(302)
            self.send_header("Location", "/ok" + rest)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.route(rest, body)

    def route(self, path, body):
        if path == "/hook":
            return self.send_json(200, {"received": True,
                                        "sha256": hashlib.sha256(body).hexdigest()})
        return self.send_json(404, {"error": {"message": "no route " + path}})


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print("PORT %d" % server.server_address[1], flush=True)
    # The peer ends with its parent: stdin closes when the test exits.
    threading.Thread(target=lambda: (sys.stdin.read(), server.shutdown()), daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
