#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A webhook receiver for the control room's tests. It counts the requests
# it receives per Idempotency-Key and answers according to the first path
# segment (the base URL selects it):
#   ok/hook           200 {"received": n}
#   fail503x2/hook    503 for the first two requests of each key, then 200
#   e429/hook         429 with Retry-After: 1 for the first request of each key
#   e400/hook         400 (a permanent error)
#   slow/hook         200 after 1.5 s
# GET /_stats returns {"keys": {key: count}, "accepted": {key: count},
# "without_key": n, "total": n}. On start it prints "PORT <n>"; it exits
# when its standard input closes (the test ended, however it ended).
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
KEYS = {}
ACCEPTED = {}
STATS = {"without_key": 0, "total": 0}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, obj, extra=None):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/_stats":
            with LOCK:
                self.reply(200, {"keys": KEYS, "accepted": ACCEPTED,
                                 "without_key": STATS["without_key"], "total": STATS["total"]})
        else:
            self.reply(404, {"error": "not found"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        key = self.headers.get("Idempotency-Key")
        mode = self.path.strip("/").split("/")[0]
        with LOCK:
            STATS["total"] += 1
            if not key:
                STATS["without_key"] += 1
                n = 0
            else:
                KEYS[key] = KEYS.get(key, 0) + 1
                n = KEYS[key]
        if mode == "fail503x2" and n <= 2:
            self.reply(503, {"error": "try later"})
            return
        if mode == "e429" and n <= 1:
            self.reply(429, {"error": "slow down"}, {"Retry-After": "1"})
            return
        if mode == "slow":
            time.sleep(1.5)
        if mode == "e400":
            self.reply(400, {"error": "bad request"})
            return
        try:
            json.loads(body or b"null")
        except ValueError:
            self.reply(400, {"error": "not json"})
            return
        with LOCK:
            if key:
                ACCEPTED[key] = ACCEPTED.get(key, 0) + 1
        self.reply(200, {"received": n})


def watch_parent():
    # The test holds our stdin open; when it ends (even by a crash) we go.
    sys.stdin.buffer.read()
    os._exit(0)


def main():
    threading.Thread(target=watch_parent, daemon=True).start()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print("PORT %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
