#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A notification's Approve button with no window open: `aios --headless`
# exports app.approve on the session bus; invoking it the way GNOME Shell
# does (org.gtk.Actions.Activate) sends the approved email exactly once,
# even when pressed twice. Commands typed meanwhile reach the running
# instance. Run inside a private session bus (dbus-run-session).
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aiostest import (Smtp, Workspace, activate_action, bus_has_name, check,  # noqa: E402
                      kill, wait_for)


def main():
    check(os.environ.get("DBUS_SESSION_BUS_ADDRESS", "disabled:") != "disabled:",
          "this test needs a session bus (run it under dbus-run-session)")
    ws = Workspace("dbus")
    smtp = Smtp(ws.tmp)
    headless = None
    try:
        ws.run("config", "set", "smtp.url", smtp.url)
        ws.run("--demo")
        headless = ws.start_headless()
        wait_for(lambda: bus_has_name(ws.env), what="aios --headless on the session bus")

        # A command now reaches the running instance, which answers it.
        approvals = ws.json("approvals")
        check(len(approvals) == 5, "five approvals wait: %d" % len(approvals))
        target = next(a for a in approvals if a["request"]["to"] == "kenji@mori-analytics.example")
        check(smtp.messages() == [], "nothing is sent before the button is pressed")

        proc = activate_action(ws.env, "approve", target["id"])
        check(proc.returncode == 0, "org.gtk.Actions.Activate failed: %s" % proc.stderr)
        wait_for(lambda: len(smtp.messages()) == 1, what="the approved email at the SMTP server")
        check(smtp.messages()[0]["rcpt_tos"] == ["kenji@mori-analytics.example"], "wrong recipient")

        # Pressed again (a second click, or Approve after approving in the window).
        activate_action(ws.env, "approve", target["id"])
        proc = activate_action(ws.env, "show-approval", target["id"])
        check(proc.returncode == 0, "app.show-approval failed: %s" % proc.stderr)
        wait_for(lambda: ws.query("SELECT status FROM runs WHERE id = ?", target["run_id"])[0][0] == "succeeded",
                 what="the run to finish")
        check(len(smtp.messages()) == 1, "a second press must not send again: %d messages" % len(smtp.messages()))
        decided = ws.query("SELECT status, decided_by FROM approvals WHERE id = ?", target["id"])
        check(decided == [("approved", "operator")], "the approval is not recorded: %r" % decided)
        check(headless.poll() is None, "aios --headless died: %s" % headless.stderr.read() if headless.poll() else "")
        print("ok: approved over D-Bus, one message")
    finally:
        if headless is not None:
            kill(headless)
        smtp.stop()


if __name__ == "__main__":
    main()
