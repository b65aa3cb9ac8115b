#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Approvals are announced on the desktop by the process that runs the
# coordinator, through the real notification server of tests/with-session.sh
# (notification-daemon): what already waits at start comes as one batched
# notification; a new approval gets its own ("Approve email to ...?", body:
# the subject) with Approve and Open buttons bound to app.approve and
# app.show-approval; a real click on the popup's Approve button sends the
# email once, and the notification is withdrawn once decided.
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aiostest import Smtp, Workspace, bus_has_name, check, kill, wait_for  # noqa: E402


class Monitor:
    """dbus-monitor on the notification interface, its output kept in a file."""

    def __init__(self, tmp, env):
        self.path = os.path.join(tmp, "monitor.log")
        self.file = open(self.path, "w")
        self.proc = subprocess.Popen(["dbus-monitor", "--session",
                                      "interface='org.freedesktop.Notifications'"],
                                     stdout=self.file, stderr=subprocess.DEVNULL, env=env)
        time.sleep(0.5)

    def text(self):
        self.file.flush()
        with open(self.path) as f:
            return f.read()

    def stop(self):
        kill(self.proc)
        self.file.close()


def main():
    ws = Workspace("notify")
    # The notification server and the display belong to the session.
    for var in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS"):
        check(var in os.environ, "run this under tests/with-session.sh (%s is missing)" % var)
    smtp = Smtp(ws.tmp)
    monitor = Monitor(ws.tmp, ws.env)
    headless = None
    try:
        ws.run("config", "set", "smtp.url", smtp.url)
        ws.run("--demo")
        headless = ws.start_headless()
        wait_for(lambda: bus_has_name(ws.env), what="aios --headless on the session bus")

        wait_for(lambda: "5 approvals wait for you" in monitor.text(), what="the batched notification")
        check(monitor.text().count("method call") >= 1, "no Notify call seen")

        lead = '{"name": "Ines Carvalho", "email": "ines@carvalho-studio.example", "company": "Carvalho Studio", ' \
               '"message": "We need a new website within two weeks; the budget is approved."}'
        ws.run("submit", "lead-outreach", "--input", "-", stdin=lead)
        wait_for(lambda: "Approve email to Ines Carvalho?" in monitor.text(), what="the new approval's notification")
        text = monitor.text()
        approval = ws.query("SELECT a.id FROM approvals a JOIN runs r ON r.id = a.run_id "
                            "WHERE json_extract (r.input_json, '$.name') = 'Ines Carvalho'")[0][0]
        for key in ("app.approve::%d" % approval, "app.show-approval::%d" % approval, "Approve", "Open",
                    "Your project with Northwind Studio"):
            check(key in text, "the notification lacks %r" % key)

        # A real click on the popup's Approve button, as the operator would:
        # notification-daemon draws it on the X server; AT-SPI says where the
        # button is, xdotool clicks it; the server emits ActionInvoked, and
        # GLib runs app.approve in aios --headless.
        before = len(smtp.messages())
        press = subprocess.run(["/usr/bin/python3", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                                 "press-notification-button.py"), "Approve"],
                               capture_output=True, text=True, env=ws.env, timeout=60)
        check(press.returncode == 0, "could not press the popup's Approve button: %s%s" % (press.stdout, press.stderr))
        wait_for(lambda: len(smtp.messages()) == before + 1, what="the email approved by the click")
        sent = smtp.messages()[-1]
        check(sent["rcpt_tos"] == ["ines@carvalho-studio.example"], "the click sent to %r" % sent["rcpt_tos"])
        status = ws.query("SELECT status, decided_by FROM approvals WHERE id = ?", approval)
        check(status == [("approved", "operator")], "the click did not approve it: %r" % status)
        wait_for(lambda: "CloseNotification" in monitor.text(), what="the notification to be withdrawn")
        check(headless.poll() is None, "aios --headless died")

        # At most one notification per approval, ever: a restart does not
        # announce again what was announced (the 4 still waiting from the
        # batch), only what is new.
        def notifies():
            return sum(1 for line in monitor.text().splitlines() if "member=Notify" in line)
        announced = ws.query("SELECT count(*) FROM events WHERE kind = 'approval.announced'")[0][0]
        check(announced == 6, "expected 6 journaled announcements (5 batched, Ines), found %d" % announced)
        headless.send_signal(signal.SIGTERM)
        headless.wait(timeout=30)
        before = notifies()
        headless = ws.start_headless()
        wait_for(lambda: bus_has_name(ws.env), what="aios --headless on the session bus again")
        lead = '{"name": "Jonas Berg", "email": "jonas@berg.example", "company": "Berg AB", ' \
               '"message": "We need a website this quarter, budget approved."}'
        ws.run("submit", "lead-outreach", "--input", "-", stdin=lead)
        wait_for(lambda: "Approve email to Jonas Berg?" in monitor.text(), what="the new approval's notification")
        time.sleep(1.0)   # anything else the restart would have said has been said by now
        check(notifies() == before + 1,
              "after the restart %d notifications were sent instead of 1 (for Jonas)" % (notifies() - before))
        check("4 approvals wait for you" not in monitor.text(), "the restart announced the waiting batch again")
        print("ok: batched, then one with Approve/Open; a real click approved and sent it once; withdrawn; "
              "a restart announced only the new approval")
    finally:
        if headless is not None:
            kill(headless)
        monitor.stop()
        smtp.stop()


if __name__ == "__main__":
    main()
