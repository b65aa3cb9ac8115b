#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Edits an email in the real aios window as a person would, under
tests/with-session.sh, with the real SMTP peer (tests/peers/exec-smtp-peer.py):
the sample company, Edit, a pointer click into the message, typed text, a
pause long enough for the caret to blink, then

- a click on Edit again: editing ends, the typed text stays, aios lives on;
- back into editing, the caret in the message, typing, and a click on Approve:
  aios lives on, the email goes out exactly once, with the typed text.

(GTK 4.8 aborted in the text view's blink_cb when the focused message lost its
cursor while its blink timeout was pending.) Everything is polled.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import pyatspi

TIMEOUT = 20.0
BLINK_WAIT = 2.5  # > gtk-cursor-blink-time (1.2 s): the blink timeout fires at least once


def poll(what, check, timeout=TIMEOUT, alive=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if alive is not None:
            alive()
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
    if depth > 60:
        return
    if (role is None or node.getRoleName() == role) and (name is None or name(node.name or "")):
        yield node
    for child in children(node):
        yield from find_all(child, role, name, depth + 1)


def find(node, role=None, name=None):
    return next(find_all(node, role, name), None)


def showing(node):
    # GTK 4.8 leaves STATE_SHOWING off; a widget that is not shown has no size
    extents = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    return extents.width > 0 and extents.height > 0


def named(label):
    # the accessible name may carry the mnemonic's underscore
    return lambda name: label in name.replace("_", "")


def find_app():
    desktop = pyatspi.Registry.getDesktop(0)
    for app in children(desktop):
        if app.name == "aios" and app.childCount > 0:
            return app
    return None


def xdotool(*args):
    return subprocess.run(["xdotool", *args], check=True, capture_output=True, text=True).stdout


def main_window_id():
    return poll("the X window named Aios",
                lambda: xdotool("search", "--onlyvisible", "--name", "^Aios$").split())[0]


def click(node):
    """A real pointer click in the middle of @node (window coordinates)."""
    extents = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    assert extents.width > 0 and extents.height > 0, f"{node.name!r} has no size"
    window = main_window_id()
    xdotool("windowfocus", "--sync", window)
    xdotool("mousemove", "--window", window, "--sync",
            str(extents.x + extents.width // 2), str(extents.y + min(extents.height // 2, 12)))
    xdotool("click", "1")


def type_text(text):
    xdotool("windowfocus", "--sync", main_window_id())
    xdotool("type", "--delay", "30", text)


def smtp_messages(log):
    if not os.path.exists(log):
        return []
    with open(log, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    scenarios = sys.argv[1:] or ["edit", "approve"]
    build = os.environ["AIOS_BUILD_DIR"]
    source = os.environ["AIOS_SOURCE_DIR"]
    aios = os.path.join(build, "src", "aios")
    tmp = tempfile.mkdtemp(prefix="aios-edit-approve-")
    workspace = os.path.join(tmp, "workspace.db")
    log = os.path.join(tmp, "smtp.log")

    peer = subprocess.Popen(["/usr/bin/python3", os.path.join(source, "tests", "peers", "exec-smtp-peer.py"),
                             "--log", log], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    app_process = None
    try:
        line = peer.stdout.readline().strip()
        assert line.startswith("PORT "), f"the SMTP peer said {line!r}"
        subprocess.run([aios, "--workspace", workspace, "config", "set", "smtp.url",
                        f"smtp://127.0.0.1:{line[5:]}"], check=True, capture_output=True)

        app_process = subprocess.Popen([aios, "--workspace", workspace])

        def alive():
            if app_process.poll() is not None:
                raise AssertionError(f"aios ended with status {app_process.returncode}")

        app = poll("aios on the accessibility bus", find_app, alive=alive)
        sample = poll("the Try with Sample Data button",
                      lambda: find(app, "push button", named("Try with Sample Data")), alive=alive)
        sample.queryAction().doAction(0)
        # the window opens on Today; the emails wait in the Inbox
        inbox_tab = poll("the Inbox tab", lambda: next((t for t in find_all(app, "page tab", named("Inbox"))
                                                         if showing(t)), None), alive=alive)
        inbox_tab.queryAction().doAction(0)

        edit = poll("the Edit button of a waiting email",
                    lambda: next((b for b in find_all(app, "push button", named("Edit")) if showing(b)), None),
                    timeout=60, alive=alive)
        approve = poll("the Approve button",
                       lambda: next((b for b in find_all(app, "push button", lambda n: n.replace("_", "")
                                                         .startswith("Approve")) if showing(b)), None),
                       alive=alive)
        # let the sample's runs settle: they stop at their approvals
        time.sleep(2)
        # Screen readers hear each button's name once, without the mnemonic.
        for button, want in ((edit, "Edit"), (approve, "Approve")):
            if button.name != want:
                raise SystemExit(f"the {want} button is read as {button.name!r}, not {want!r}")

        def body_view():
            return next((t for t in find_all(app, "text", lambda n: n == "Message") if showing(t)), None)

        def body_text():
            text = body_view().queryText()
            return text.getText(0, text.characterCount)

        def is_editing():
            # the Edit toggle reads "pressed" while editing
            return edit.getState().contains(pyatspi.STATE_PRESSED)

        # 1. Edit, the caret in the message, typing, then Edit again
        if "edit" in scenarios:
            leave_editing_with_edit(app, edit, is_editing, body_view, body_text, alive)

        # 2. Edit, the caret in the message, typing, then Approve
        if "approve" in scenarios:
            approve_edited(app, edit, approve, is_editing, body_view, body_text, alive, log)

        alive()
        app_process.terminate()
        app_process.wait(10)
    finally:
        if app_process is not None and app_process.poll() is None:
            app_process.terminate()
            app_process.wait(10)
        peer.stdin.close()
        peer.wait(10)
    return 0


def leave_editing_with_edit(app, edit, is_editing, body_view, body_text, alive):
    click(edit)
    poll("editing to start", is_editing, alive=alive)
    body = poll("the message body", body_view, alive=alive)
    click(body)
    type_text(" Typed-One")
    poll("the typed text in the message", lambda: "Typed-One" in body_text(), alive=alive)
    time.sleep(BLINK_WAIT)
    alive()
    click(edit)
    poll("editing to end", lambda: not is_editing(), alive=alive)
    time.sleep(BLINK_WAIT)
    alive()
    assert "Typed-One" in body_text(), "leaving editing lost the typed text"
    print("ok: Edit after typing in the message ends editing, and aios lives on")


def approve_edited(app, edit, approve, is_editing, body_view, body_text, alive, log):
    click(edit)
    poll("editing to start again", is_editing, alive=alive)
    body = poll("the message body", body_view, alive=alive)
    click(body)
    type_text(" Typed-Two")
    poll("the typed text in the message", lambda: "Typed-Two" in body_text(), alive=alive)
    time.sleep(BLINK_WAIT)
    alive()
    click(approve)
    sent = poll("the approved email at the SMTP server",
                lambda: [m for m in smtp_messages(log) if "Typed-Two" in json.dumps(m)],
                timeout=30, alive=alive)
    time.sleep(BLINK_WAIT)
    alive()
    sent = [m for m in smtp_messages(log) if "Typed-Two" in json.dumps(m)]
    assert len(sent) == 1, f"the approved email went out {len(sent)} times"
    print("ok: Approve after typing in the message sends it once, and aios lives on")


if __name__ == "__main__":
    sys.exit(main())
