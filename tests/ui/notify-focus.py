#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""No notification while the operator looks at the window (issue 19): the
real aios window under tests/with-session.sh, focused with xdotool as a click
would; a lead submitted from the command line (forwarded to the window's
process, which runs the coordinator) reaches the Inbox as an approval, and no
Notify call reaches the session's notification server (dbus-monitor watches
the bus). Then the window loses the focus to another X window, the next lead's
approval is announced: the notifier is alive, only quiet while looked at."""
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import importlib.util  # noqa: E402

spec = importlib.util.spec_from_file_location("ea", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                                 "edit-approve.py"))
ea = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ea)

import pyatspi  # noqa: E402


def notifies(path):
    with open(path) as f:
        return [line for line in f if "member=Notify" in line]


def approvals(workspace):
    con = sqlite3.connect(f"file:{workspace}?mode=ro", uri=True, timeout=10)
    try:
        return con.execute("SELECT count(*) FROM approvals WHERE status = 'pending'").fetchone()[0]
    finally:
        con.close()


def main():
    build = os.environ["AIOS_BUILD_DIR"]
    source = os.environ["AIOS_SOURCE_DIR"]
    aios = os.path.join(build, "src", "aios")
    tmp = tempfile.mkdtemp(prefix="aios-notify-focus-")
    workspace = os.path.join(tmp, "workspace.db")
    log = os.path.join(tmp, "smtp.log")
    monitor_log = os.path.join(tmp, "monitor.log")

    peer = subprocess.Popen(["/usr/bin/python3", os.path.join(source, "tests", "peers", "exec-smtp-peer.py"),
                             "--log", log], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    monitor_file = open(monitor_log, "w")
    monitor = subprocess.Popen(["dbus-monitor", "--session", "interface='org.freedesktop.Notifications'"],
                               stdout=monitor_file, stderr=subprocess.DEVNULL)
    app_process = other = None
    try:
        line = peer.stdout.readline().strip()
        assert line.startswith("PORT "), f"the SMTP peer said {line!r}"
        subprocess.run([aios, "--workspace", workspace, "config", "set", "smtp.url",
                        f"smtp://127.0.0.1:{line[5:]}"], check=True, capture_output=True)
        # The sample company brings the templates the outreach drafts from.
        subprocess.run([aios, "--workspace", workspace, "--demo"], check=True, capture_output=True)
        waiting = approvals(workspace)
        app_process = subprocess.Popen([aios, "--workspace", workspace])

        def alive():
            if app_process.poll() is not None:
                raise AssertionError(f"aios exited with {app_process.returncode}")

        app = ea.poll("aios on the accessibility bus", ea.find_app, alive=alive)
        window = ea.main_window_id()
        ea.xdotool("windowfocus", "--sync", window)
        frame = ea.poll("the window's frame", lambda: ea.find(app, "frame"), alive=alive)
        ea.poll("the window to have the focus",
                lambda: frame.getState().contains(pyatspi.STATE_ACTIVE), alive=alive)
        time.sleep(1.0)   # the start's own announcements (none: nothing waits) are done
        before = len(notifies(monitor_log))

        def submit(name, email):
            lead = ('{"name": "%s", "email": "%s", "company": "Studio", '
                    '"message": "We need a website this quarter; the budget is approved."}' % (name, email))
            subprocess.run([aios, "--workspace", workspace, "submit", "lead-outreach", "--input", "-"],
                           input=lead, text=True, check=True, capture_output=True)

        submit("Dana Whitfield", "dana@whitfield.example")
        ea.poll("Dana's approval", lambda: approvals(workspace) == waiting + 1, alive=alive)
        time.sleep(1.5)   # > the notifier's 0.4 s flush
        monitor_file.flush()
        assert frame.getState().contains(pyatspi.STATE_ACTIVE), "the window lost the focus during the test"
        said = notifies(monitor_log)[before:]
        assert not said, f"a notification was sent while the window had the focus: {said}"

        # Another X client takes the focus: now the next approval is announced.
        other = subprocess.Popen(["xmessage", "-geometry", "+0+0", "elsewhere"])
        other_id = ea.poll("the other window",
                           lambda: ea.xdotool("search", "--onlyvisible", "--name", "^xmessage$").split())[0]
        ea.xdotool("windowfocus", "--sync", other_id)
        ea.poll("the window to lose the focus",
                lambda: not frame.getState().contains(pyatspi.STATE_ACTIVE), alive=alive)
        submit("Pat Lindqvist", "pat@lindqvist.example")
        def pat_announced():
            monitor_file.flush()
            with open(monitor_log) as f:
                return "Approve email to Pat Lindqvist?" in f.read()
        ea.poll("Pat's approval to be announced", pat_announced, alive=alive)
        print("ok: no notification while the window has the focus; one once it does not")
    finally:
        for proc in (app_process, other, monitor, peer):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
        monitor_file.close()


if __name__ == "__main__":
    main()
