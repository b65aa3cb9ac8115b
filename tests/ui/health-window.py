#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Health view, read back through the accessibility bus (run under
tests/with-session.sh), on the scripted workspace of tests/e2e/test_stats.py
(the real coordinator and the SMTP peer's fault modes: an undo, an edit, a
rejection, a 550, a dropped line resolved, a 450 recovered; a webhook denied
by a policy rule, retried and denied again; a draft the quality check
refuses; an operator's flow whose one attempt meets a 500):

- Runs → Health opens the Health window;
- each week chart is an image named for its figure whose accessible
  description holds every week's value, exactly those of
  `aios stats --weeks 8 --json`;
- this week's sentence is the one `aios stats` prints; the costliest flow,
  the most common failure and the integration cost are there in words;
- the most common failure's run button shows that run on the Runs page.
"""
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
sys.path.insert(0, HERE)

import pyatspi  # noqa: E402
from aiostest import AIOS, Workspace  # noqa: E402
from test_stats import Peers, scenario  # noqa: E402

TIMEOUT = 20.0


def poll(what, check, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = check()
        except Exception:  # the tree changes under us while we look
            result = None
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def children(node):
    for i in range(node.childCount):
        child = node.getChildAtIndex(i)
        if child is not None:
            yield child


def find_all(node, role=None, name=None, depth=0):
    if depth > 50:
        return
    if (role is None or node.getRoleName() == role) and (name is None or node.name == name):
        yield node
    for child in children(node):
        yield from find_all(child, role, name, depth + 1)


def find(node, role=None, name=None):
    return next(find_all(node, role, name), None)


def frames(app, name):
    return [f for f in children(app) if f.name == name and f.getRoleName() in ("frame", "dialog", "window")]


def press(node):
    action = node.queryAction()
    names = [action.getName(i) for i in range(action.nActions)]
    action.doAction(names.index("click") if "click" in names else 0)


def duration(ms):
    s = ms // 1000
    if s < 60:
        return "%d s" % s
    if s < 3600:
        return "%d min" % (s // 60)
    if s % 3600 // 60 == 0:
        return "%d h" % (s // 3600)
    return "%d h %d min" % (s // 3600, s % 3600 // 60)


def main():
    ws = Workspace("health")
    peers = Peers(ws)
    app_process = None
    try:
        runs = scenario(ws, peers)
        stats = json.loads(ws.run("stats", "--weeks", "8", "--json").stdout)
        text = ws.run("stats", "--weeks", "8").stdout
        sentences = [line for line in text.splitlines() if line.startswith("This week (")]
        sentence = "\n".join(sentences)
        assert len(sentences) == 4, sentences
        weeks = stats["weeks"]
        assert len(weeks) == 8
        this_week = weeks[-1]["total"]
        assert this_week["runs"] == 11 and this_week["failed"] == 6 and this_week["interventions"]["total"] == 11, \
            this_week
        expected = {
            "Runs": ", ".join("%s: %d" % (w["week"], w["total"]["runs"]) for w in weeks),
            "Failures": ", ".join("%s: %d" % (w["week"], w["total"]["failed"]) for w in weeks),
            "Your interventions": ", ".join("%s: %d" % (w["week"], w["total"]["interventions"]["total"])
                                            for w in weeks),
            "Time items waited for you": ", ".join("%s: %s" % (w["week"], duration(w["total"]["waiting_s"] * 1000))
                                                   for w in weeks),
        }

        env = dict(ws.env)
        app_process = subprocess.Popen([AIOS], env=env)
        app = poll("aios on the accessibility bus",
                   lambda: next((a for a in children(pyatspi.Registry.getDesktop(0))
                                 if a.name == "aios" and a.childCount > 0), None))
        main_window = poll("the main window", lambda: (frames(app, "Aios") or [None])[0])
        switcher = poll("the view switcher", lambda: find(main_window, "page tab list"))
        press(find(switcher, "page tab", "Runs"))
        health = poll("the Health button", lambda: find(main_window, "push button", "Health"))
        press(health)
        window = poll("the Health window", lambda: (frames(app, "Health") or [None])[0])

        for title, description in expected.items():
            chart = poll("the %s chart" % title, lambda: find(window, "image", title))
            poll("the %s chart's figures" % title, lambda: chart.description == description)
            print("ok: the %s chart says %s" % (title, description))

        labels = [n.name or n.queryText().getText(0, -1) for n in find_all(window, "label")]
        assert sentence in labels, "this week's sentence %r not in %r" % (sentence, labels)
        print("ok: this week in words:", sentence)
        assert any("not time you spent on it" in label for label in labels), "waiting time is named for what it is"
        assert find(window, None, "lead-outreach") is not None, "the costliest flow is listed"
        top = stats["top_failure"]
        assert top["class"] == "policy_denial", top
        assert find(window, None, "Most often: policy denial (2 times)") is not None, "the most common failure in words"
        assert find(window, None, "One of your policy rules denied the action.") is not None, "what it means"
        seconds = stats["integration"]["seconds"]
        assert find(window, None, "%s from the first start to the first approved action" % duration(seconds * 1000)), \
            "the integration cost"
        print("ok: the costliest flow, the most common failure and the integration cost")

        run_id = top["runs"][0]
        assert run_id == runs["G"][1], (top, runs)
        detail_title = "Run %d · lead-followup v1" % run_id
        assert find(main_window, "label", detail_title) is None, "run %d is not shown before the button" % run_id
        button = poll("the Run %d button" % run_id, lambda: find(window, "push button", "Run %d" % run_id))
        press(button)
        poll("the Health window to close", lambda: not frames(app, "Health"))
        poll("run %d shown on the Runs page" % run_id, lambda: find(main_window, "label", detail_title))
        print("ok: the failure's run button shows run %d" % run_id)
    finally:
        if app_process is not None and app_process.poll() is None:
            app_process.terminate()
            app_process.wait(10)
        peers.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
