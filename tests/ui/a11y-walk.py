#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every control has a name a screen reader can say (issue 19): the real aios
window under tests/with-session.sh, with the sample company and a local SMTP
peer, walked through the accessibility bus (AT-SPI) as Orca would see it:
every page (Today, Inbox, Timeline, Memory, Runs), then Preferences and the
shortcuts window. A control fails the walk when it has no name, when its name
is a toolkit type ("GtkMenuButton", "GtkImage"), carries a mnemonic underscore
("_Approve") or says its label twice ("Approve Approve"). Only what is shown
is walked: hidden pages' controls are not read either."""
import os
import re
import subprocess
import sys
import tempfile
import time

import pyatspi

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import importlib.util  # noqa: E402

spec = importlib.util.spec_from_file_location("ea", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                                 "edit-approve.py"))
ea = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ea)

# What a person operates; their names are what a screen reader announces.
CONTROLS = {"push button", "toggle button", "check box", "radio button", "combo box", "menu item",
            "check menu item", "radio menu item", "page tab", "spin button", "slider", "switch", "link",
            "entry", "password text", "text"}
TYPE_NAME = re.compile(r"^(Gtk|Adw|Gdk|Aios)[A-Z]\w*$")
MNEMONIC = re.compile(r"(^|\s)_[^\W_]")


def labelled(node):
    try:
        for rel in node.getRelationSet():
            if rel.getRelationType() == pyatspi.RELATION_LABELLED_BY and rel.getNTargets() > 0:
                return " ".join(t.name or "" for t in (rel.getTarget(i) for i in range(rel.getNTargets())))
    except Exception:
        pass
    return ""


def problem(node):
    """GTK 4.8 names every accessible without a name after its type
    ("GtkStackPage", "AdwGizmo"); screen readers skip containers and fillers,
    so only controls are judged: for them a type name means no name."""
    role = node.getRoleName()
    if role not in CONTROLS:
        return None
    name = (node.name or "").strip()
    if not name or TYPE_NAME.match(name):
        name = labelled(node).strip()
    if not name or TYPE_NAME.match(name):
        return "has no name (GTK reads %r)" % (node.name or "")
    if True:
        if MNEMONIC.search(name):
            return "is read with its mnemonic underscore: %r" % name
        words = name.split()
        half = len(words) // 2
        if len(words) >= 2 and len(words) % 2 == 0 and words[:half] == words[half:]:
            return "says its label twice: %r" % name
    return None


def walk(node, where, found, depth=0):
    if depth > 80:
        return
    try:
        if not ea.showing(node):
            return
    except Exception:
        pass
    why = problem(node)
    if why is not None:
        path = []
        p = node
        for _ in range(4):
            p = p.parent
            if p is None:
                break
            path.append("%s %r" % (p.getRoleName(), (p.name or "")[:30]))
        found.append("%s: a %s %s (in %s)" % (where, node.getRoleName(), why, " < ".join(path)))
    for child in ea.children(node):
        walk(child, where, found, depth + 1)


def main():
    build = os.environ["AIOS_BUILD_DIR"]
    source = os.environ["AIOS_SOURCE_DIR"]
    aios = os.path.join(build, "src", "aios")
    tmp = tempfile.mkdtemp(prefix="aios-a11y-")
    workspace = os.path.join(tmp, "workspace.db")
    log = os.path.join(tmp, "smtp.log")
    peer = subprocess.Popen(["/usr/bin/python3", os.path.join(source, "tests", "peers", "exec-smtp-peer.py"),
                             "--log", log], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    app_process = None
    found = []
    try:
        line = peer.stdout.readline().strip()
        assert line.startswith("PORT "), f"the SMTP peer said {line!r}"
        subprocess.run([aios, "--workspace", workspace, "config", "set", "smtp.url",
                        f"smtp://127.0.0.1:{line[5:]}"], check=True, capture_output=True)
        subprocess.run([aios, "--workspace", workspace, "--demo"], check=True, capture_output=True)
        app_process = subprocess.Popen([aios, "--workspace", workspace])

        def alive():
            if app_process.poll() is not None:
                raise AssertionError(f"aios ended with status {app_process.returncode}")

        app = ea.poll("aios on the accessibility bus", ea.find_app, alive=alive)
        window = ea.main_window_id()
        pages = ["Today", "Inbox", "Timeline", "Memory", "Runs"]
        for page in pages:
            tab = ea.poll("the %s tab" % page,
                          lambda: next((t for t in ea.find_all(app, "page tab", ea.named(page)) if ea.showing(t)),
                                       None), alive=alive)
            tab.queryAction().doAction(0)
            time.sleep(1.0)   # the page's rows and detail are drawn
            frame = ea.find(app, "frame")
            walk(frame, page, found)

        for what, keys in (("Preferences", "ctrl+comma"), ("Keyboard Shortcuts", "ctrl+question")):
            ea.xdotool("windowfocus", "--sync", window)
            ea.xdotool("key", keys)
            dialog = ea.poll("the %s window" % what,
                             lambda: next((f for f in ea.children(app) if what in (f.name or "")), None),
                             alive=alive)
            time.sleep(1.0)
            walk(dialog, what, found)
            dialog.queryComponent()  # still there
            ea.xdotool("key", "Escape")
            time.sleep(0.5)
        alive()
    finally:
        if app_process is not None and app_process.poll() is None:
            app_process.terminate()
            app_process.wait(10)
        peer.stdin.close()
        peer.wait(10)
    if found:
        print("%d controls a screen reader cannot name well:" % len(found))
        for f in found:
            print("  " + f)
        return 1
    print("ok: every shown control on every page, Preferences and the shortcuts has a clean name")
    return 0


if __name__ == "__main__":
    sys.exit(main())
