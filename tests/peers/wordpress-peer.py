#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A WordPress-compatible peer for the publish connector: the parts of the
# WordPress REST API (https://developer.wordpress.org/rest-api/reference/posts/)
# that Aios uses, with Basic auth by application password.
#
#   GET  /wp-json/wp/v2/users/me                  the signed-in user (401 without a login)
#   GET  /wp-json/wp/v2/posts[?slug=S&status=any]  posts, filtered by slug; status=any needs a login
#   POST /wp-json/wp/v2/posts                     create: 201 with the post (id, link, slug, status,
#                                                 title.rendered, content.rendered, excerpt.rendered)
#
# Errors have WordPress's shape {"code","message","data":{"status"}}: 401
# incorrect_password (a wrong application password) or rest_cannot_create (no
# login), 400 rest_invalid_param with data.params for bad input.
#
# Faults (--fault): none, 500-once (the first POST answers 500),
# drop-after-create (the first POST creates the post, then closes the
# connection without an answer), slow-after-create (the first POST creates
# the post, then waits 30 s before answering: a coordinator killed meanwhile),
# invalid-param (every POST is refused with 400 rest_invalid_param, as a site
# whose plugin rejects the post would).
#
# Prints "PORT n" when listening; every post is also written to --dump as a
# JSON list, so tests read what the site holds. Stops when stdin closes.
import argparse
import base64
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

lock = threading.Lock()
posts = []
state = {"faulted": False, "requests": []}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--user", default="editor")
    ap.add_argument("--password", default="abcd efgh ijkl mnop qrst uvwx")
    ap.add_argument("--dump", required=True)
    ap.add_argument("--port", type=int, default=0, help="the port to listen on (0: any free one)")
    ap.add_argument("--fault", default="none",
                    choices=["none", "500-once", "drop-after-create", "slow-after-create", "invalid-param"])
    args = ap.parse_args()

    def dump():
        with open(args.dump + ".tmp", "w") as f:
            json.dump({"posts": posts, "requests": state["requests"]}, f)
        import os
        os.replace(args.dump + ".tmp", args.dump)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def reply(self, status, body, headers=None):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def error(self, status, code, message, params=None):
            data = {"status": status}
            if params:
                data["params"] = params
            self.reply(status, {"code": code, "message": message, "data": data})

        def login(self):
            """None without credentials, False for wrong ones, True for the right ones."""
            auth = self.headers.get("Authorization", "")
            if not auth.startswith("Basic "):
                return None
            try:
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            except Exception:
                return False
            # WordPress accepts application passwords with or without their spaces.
            return user == args.user and password.replace(" ", "") == args.password.replace(" ", "")

        def refuse_bad_login(self):
            if self.login() is False:
                self.error(401, "incorrect_password", "The provided password is an invalid application password.")
                return True
            return False

        def base(self):
            return "http://%s" % self.headers.get("Host", "127.0.0.1")

        def do_GET(self):
            url = urlsplit(self.path)
            q = parse_qs(url.query)
            with lock:
                state["requests"].append({"method": "GET", "path": self.path})
                dump()
            if self.refuse_bad_login():
                return
            if url.path == "/wp-json/wp/v2/users/me":
                if not self.login():
                    self.error(401, "rest_not_logged_in", "You are not currently logged in.")
                    return
                self.reply(200, {"id": 1, "name": args.user.capitalize(), "slug": args.user})
                return
            if url.path == "/wp-json/wp/v2/posts":
                status = q.get("status", ["publish"])[0]
                if status != "publish" and not self.login():
                    self.error(400, "rest_invalid_param", "Invalid parameter(s): status",
                               {"status": "Status is forbidden."})
                    return
                with lock:
                    found = [p for p in posts
                             if ("slug" not in q or p["slug"] == q["slug"][0])
                             and (status == "any" or p["status"] == status)]
                self.reply(200, found, {"X-WP-Total": str(len(found)), "X-WP-TotalPages": "1"})
                return
            self.error(404, "rest_no_route", "No route was found matching the URL and request method.")

        def do_POST(self):
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            with lock:
                state["requests"].append({"method": "POST", "path": self.path,
                                          "authorization": self.headers.get("Authorization", "")})
                dump()
            if url.path != "/wp-json/wp/v2/posts":
                self.error(404, "rest_no_route", "No route was found matching the URL and request method.")
                return
            login = self.login()
            if login is False:
                self.error(401, "incorrect_password", "The provided password is an invalid application password.")
                return
            if login is None:
                self.error(401, "rest_cannot_create", "Sorry, you are not allowed to create posts as this user.")
                return
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                self.error(400, "rest_invalid_json", "Invalid JSON body passed.")
                return
            bad = {}
            for field in ("title", "content", "excerpt", "slug"):
                if field in body and not isinstance(body[field], str):
                    bad[field] = "%s is not of type string." % field
            if body.get("status", "draft") not in ("publish", "future", "draft", "pending", "private"):
                bad["status"] = "status is not one of publish, future, draft, pending, private."
            if not body.get("title") and not body.get("content"):
                bad["content"] = "Content, title, and excerpt are empty."
            if args.fault == "invalid-param":
                bad["content"] = "The content contains markup this site does not allow."
            if bad:
                self.error(400, "rest_invalid_param", "Invalid parameter(s): %s" % ", ".join(sorted(bad)), bad)
                return
            with lock:
                if args.fault == "500-once" and not state["faulted"]:
                    state["faulted"] = True
                    self.error(500, "internal_server_error", "There has been a critical error on this website.")
                    return
                slug = body.get("slug") or re.sub(r"[^a-z0-9]+", "-", body.get("title", "").lower()).strip("-")
                if any(p["slug"] == slug for p in posts):
                    slug = slug + "-2"   # WordPress makes slugs unique the same way
                post_id = 100 + len(posts) + 1
                post = {
                    "id": post_id,
                    "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
                    "slug": slug,
                    "status": body.get("status", "draft"),
                    "type": "post",
                    "link": "%s/%s/" % (self.base(), slug),
                    "title": {"raw": body.get("title", ""), "rendered": body.get("title", "")},
                    "content": {"raw": body.get("content", ""), "rendered": body.get("content", ""),
                                "protected": False},
                    "excerpt": {"raw": body.get("excerpt", ""), "rendered": "<p>%s</p>" % body.get("excerpt", ""),
                                "protected": False},
                    "author": 1,
                    "tags": [],
                }
                posts.append(post)
                dump()
                fault = args.fault if not state["faulted"] else "none"
                if fault in ("drop-after-create", "slow-after-create"):
                    state["faulted"] = True
            if fault == "drop-after-create":
                self.close_connection = True
                self.connection.shutdown(2)
                return
            if fault == "slow-after-create":
                time.sleep(30)
            self.reply(201, post, {"Location": "%s/wp-json/wp/v2/posts/%d" % (self.base(), post_id)})

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    with lock:
        dump()
    print("PORT %d" % server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
