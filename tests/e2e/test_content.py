#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The `content` flow end to end through the real binary, the offline engine
# and a WordPress-compatible peer (tests/peers/wordpress-peer.py): a brief
# becomes a post approval, the approval publishes exactly one post across a
# 500 answer, an answer lost after the post was made, and a coordinator
# SIGKILLed mid-publish; a wrong application password is a clear permanent
# error; the brief gets the post's link and id; QA refuses a phrase the tone
# guideline rules out and unfinished text.
# Run inside a private session bus with an unlocked keyring (tests/exec/with-keyring.sh).
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aiostest import SRC, Workspace, bus_has_name, check, kill, wait_for  # noqa: E402

PASSWORD = "abcd efgh ijkl mnop qrst uvwx"
BRIEF = {
    "topic": "Five things to fix before you redesign your website",
    "audience": "owners of small businesses planning a new website",
    "key_points": ["Know which pages bring you enquiries today",
                   "Write down the one action a visitor should take",
                   "Check that your site loads fast on a phone"],
    "length": 300,
    "call_to_action": "Book a free website review at https://northwind.example/review",
}


class WordPress:
    def __init__(self, tmp, fault="none"):
        self.dump = os.path.join(tmp, "wordpress-%s.json" % fault)
        self.proc = subprocess.Popen(["/usr/bin/python3", os.path.join(SRC, "tests", "peers", "wordpress-peer.py"),
                                      "--dump", self.dump, "--fault", fault, "--password", PASSWORD],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        check(line.startswith("PORT "), "the WordPress peer did not start: %r" % line)
        self.url = "http://127.0.0.1:%d" % int(line.split()[1])

    def state(self):
        with open(self.dump) as f:
            return json.load(f)

    def posts(self):
        return self.state()["posts"]

    def creates(self):
        return [r for r in self.state()["requests"] if r["method"] == "POST"]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def workspace(name, wp, password=PASSWORD):
    ws = Workspace(name)
    ws.run("config", "set", "publish.url", wp.url)
    ws.run("credentials", "set", "publish", stdin="editor:" + password)
    tone = {"name": "House tone", "purpose": "tone", "avoid": ["world-class", "game-changer"]}
    ws.run("memory", "put", "template", "--fields", "-", "--body", "Warm, direct and brief.",
           stdin=json.dumps(tone))
    return ws


def submit(ws, brief):
    out = ws.run("submit", "content", "--input", "-", "--json", stdin=json.dumps(brief)).stdout
    return json.loads(out)["run_id"]


def run_of(ws, run_id):
    return next(r for r in ws.json("runs") if r["id"] == run_id)


def approval_of(ws, run_id):
    return next(a for a in ws.json("approvals") if a["run_id"] == run_id)


def brief_record(ws):
    hits = ws.query("SELECT id FROM records WHERE kind = 'brief'")
    check(len(hits) == 1, "one brief in memory, found %d" % len(hits))
    return hits[0][0], json.loads(ws.run("memory", "show", str(hits[0][0]), "--json").stdout)


def headless_until(ws, predicate, what, timeout=60):
    proc = ws.start_headless()
    try:
        wait_for(lambda: bus_has_name(ws.env), what="aios --headless on the session bus")
        wait_for(predicate, timeout=timeout, what=what)
    finally:
        proc.terminate()
        proc.wait(15)


def test_publish_retried():
    """A brief → a post approval → 500 once → retried → one post; the brief links it."""
    wp = WordPress("/tmp", "500-once")
    ws = workspace("content-500", wp)
    try:
        run_id = submit(ws, BRIEF)
        approval = approval_of(ws, run_id)
        preview = approval["preview"]
        check(preview["title"] == BRIEF["topic"], "the approval shows the post's title: %r" % preview)
        check(preview["body"].startswith("This post is for " + BRIEF["audience"]), "the post opens for its audience")
        check("\n\n## What matters\n\n" in preview["body"], "the body is Markdown with headings: %r" % preview["body"])
        for point in BRIEF["key_points"]:
            check("- %s." % point in preview["body"], "the key point %r is a list item" % point)
        check("https://northwind.example/review" in preview["body"], "the call to action is in the post")
        check("<h2>" in preview["content"] and "<li>" in preview["content"], "the HTML for WordPress is shown too")
        check(preview["slug"].startswith("five-things-to-fix"), "the slug comes from the title: %r" % preview["slug"])
        check(wp.posts() == [], "nothing is published before the approval")

        ws.run("approve", str(approval["id"]))
        check(len(wp.creates()) == 1 and wp.posts() == [], "the first POST met the 500")
        check(run_of(ws, run_id)["status"] != "failed", "a 500 is retried, not a failure")
        headless_until(ws, lambda: run_of(ws, run_id)["status"] == "succeeded", "the retried publish to finish")

        posts = wp.posts()
        check(len(posts) == 1, "exactly one post, found %d" % len(posts))
        post = posts[0]
        check(post["slug"] == preview["slug"], "the post has the slug the approval showed")
        check(post["status"] == "publish", "the approved post is published")
        check(post["title"]["raw"] == BRIEF["topic"], "the title went out as approved")
        check("<h2>What matters</h2>" in post["content"]["raw"], "WordPress got HTML: %r" % post["content"]["raw"])
        check(wp.creates()[0]["authorization"].startswith("Basic "), "the POST carries Basic auth")
        lookups = [r for r in wp.state()["requests"] if r["method"] == "GET" and "slug=" in r["path"]]
        check(len(lookups) == 2 and "status=any" in lookups[0]["path"], "every attempt looked the slug up first")

        brief_id, brief = brief_record(ws)
        fields = brief["fields"]
        check(fields.get("post_id") == str(post["id"]), "the brief records the post id: %r" % fields)
        check(fields.get("post_url") == post["link"], "the brief records the post's link: %r vs %r" % (fields.get("post_url"), post["link"]))
        check(fields.get("published") == preview["body"], "the published text is kept")
        history = [json.loads(line) for line in ws.run("memory", "history", str(brief_id), "--json").stdout.splitlines()
                   if line.strip()]
        last = max(history, key=lambda v: v["version"])
        check(last.get("run_id") == run_id and last.get("author") == "agent:content-writer",
              "the published version's provenance is the run: %r" % last)
        print("ok: published once across a 500; brief %d has post %s" % (brief_id, fields["post_id"]), flush=True)
    finally:
        wp.stop()


def test_answer_lost():
    """The peer makes the post and drops the connection: the retry finds it by slug."""
    wp = WordPress("/tmp", "drop-after-create")
    ws = workspace("content-drop", wp)
    try:
        run_id = submit(ws, BRIEF)
        ws.run("approve", str(approval_of(ws, run_id)["id"]))
        check(len(wp.posts()) == 1, "the post was made before the connection dropped")
        headless_until(ws, lambda: run_of(ws, run_id)["status"] == "succeeded", "the publish to be found by slug")
        check(len(wp.posts()) == 1, "exactly one post after the lost answer, found %d" % len(wp.posts()))
        check(len(wp.creates()) == 1, "no second POST: the lookup by slug found the post")
        _, brief = brief_record(ws)
        check(brief["fields"].get("post_id") == str(wp.posts()[0]["id"]), "the brief has the post found by slug")
        print("ok: a lost answer does not make a second post", flush=True)
    finally:
        wp.stop()


def test_killed_mid_publish():
    """The coordinator is SIGKILLed while WordPress is making the post: never a second one."""
    wp = WordPress("/tmp", "slow-after-create")
    ws = workspace("content-kill", wp)
    try:
        run_id = submit(ws, BRIEF)
        proc = ws.start_headless()
        wait_for(lambda: bus_has_name(ws.env), what="aios --headless on the session bus")
        ws.run("approve", str(approval_of(ws, run_id)["id"]))
        wait_for(lambda: len(wp.posts()) == 1, what="the post to be made")
        kill(proc)
        headless_until(ws, lambda: run_of(ws, run_id)["status"] == "failed", "the interrupted publish to be recovered")
        run = run_of(ws, run_id)
        check("unknown" in (run.get("attention") or "").lower() or "may" in (run.get("attention") or ""),
              "an interrupted publish asks the operator: %r" % run)
        check(len(wp.posts()) == 1 and len(wp.creates()) == 1, "exactly one post after the kill")
        print("ok: a killed publish is an unknown outcome with one post", flush=True)
    finally:
        wp.stop()


def test_bad_password():
    wp = WordPress("/tmp", "none")
    ws = workspace("content-401", wp, password="wrong password here")
    try:
        run_id = submit(ws, BRIEF)
        ws.run("approve", str(approval_of(ws, run_id)["id"]))
        run = run_of(ws, run_id)
        check(run["status"] == "failed", "a refused password fails the run for the operator: %r" % run)
        attention = run.get("attention") or ""
        check("application password" in attention and "incorrect_password" in attention,
              "the error says what to fix: %r" % attention)
        check("wrong password" not in attention, "the secret is not in the error")
        check(wp.posts() == [], "nothing was published")
        print("ok: 401 is a clear permanent error", flush=True)
    finally:
        wp.stop()


def test_bad_request():
    wp = WordPress("/tmp", "invalid-param")
    ws = workspace("content-400", wp)
    try:
        run_id = submit(ws, BRIEF)
        ws.run("approve", str(approval_of(ws, run_id)["id"]))
        run = run_of(ws, run_id)
        attention = run.get("attention") or ""
        check(run["status"] == "failed" and "rejected the post" in attention and "rest_invalid_param" in attention,
              "a 400 is a permanent error with WordPress's code and message: %r" % run)
        check(len(wp.creates()) == 1, "a 400 is not retried")
        print("ok: 400 is a permanent error in WordPress's words", flush=True)
    finally:
        wp.stop()


def test_demo():
    """--demo with publish.url: the blog brief reaches a post approval; approved, one post."""
    wp = WordPress("/tmp", "none")
    ws = Workspace("content-demo")
    try:
        ws.run("config", "set", "publish.url", wp.url)
        ws.run("credentials", "set", "publish", stdin="editor:" + PASSWORD)
        out = ws.run("--demo").stdout
        check("post waits for your approval" in out, "--demo says the post waits: %r" % out)
        posts = [a for a in ws.json("approvals") if a["preview"].get("connector") == "publish"]
        check(len(posts) == 1, "one post approval from --demo, found %d" % len(posts))
        body = posts[0]["preview"]["body"]
        for phrase in ("game-changer", "world-class", "synergy", "cutting-edge"):
            check(phrase not in body.lower(), "the demo post avoids %r" % phrase)
        ws.run("approve", str(posts[0]["id"]))
        check(len(wp.posts()) == 1, "approving the demo post publishes one post")
        _, brief = brief_record(ws)
        check(brief["fields"].get("post_url") == wp.posts()[0]["link"], "the demo brief links its post")
        print("ok: --demo reaches a post approval and publishes once", flush=True)
    finally:
        wp.stop()


def test_qa():
    wp = WordPress("/tmp", "none")
    ws = workspace("content-qa", wp)
    try:
        hype = dict(BRIEF, topic="Why a world-class website matters")
        run = run_of(ws, submit(ws, hype))
        check(run["status"] == "failed" and "world-class" in (run.get("attention") or ""),
              "QA refuses a phrase the tone guideline rules out: %r" % run)
        todo = dict(BRIEF, topic="Pricing your services", key_points=["[TODO] add the numbers", "Say what is included"])
        run = run_of(ws, submit(ws, todo))
        check(run["status"] == "failed" and "unfinished" in (run.get("attention") or ""),
              "QA refuses unfinished text: %r" % run)
        unfilled = dict(BRIEF, topic="Questions to ask", call_to_action="Write to {{client.email}} today")
        run = run_of(ws, submit(ws, unfilled))
        check(run["status"] == "failed" and "placeholder" in (run.get("attention") or ""),
              "QA refuses an unfilled {{placeholder}}: %r" % run)
        short = dict(BRIEF, topic="A short one", length=20)
        run = run_of(ws, submit(ws, short))
        check(run["status"] == "failed" and "more than the brief's 20" in (run.get("attention") or ""),
              "QA refuses a post over the brief's length: %r" % run)
        check(ws.json("approvals") == [], "no refused draft reached the approvals")
        print("ok: QA refuses forbidden phrases, unfinished text and overlong posts", flush=True)
    finally:
        wp.stop()


def main():
    test_qa()
    test_bad_password()
    test_bad_request()
    test_demo()
    test_publish_retried()
    test_answer_lost()
    test_killed_mid_publish()
    print("all content tests passed")


if __name__ == "__main__":
    main()
