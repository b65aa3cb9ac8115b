#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Always on (issue 21): `aios --headless`, started exactly as the systemd
# user unit's ExecStart line says (read from the built build/data/aios.service),
# runs the coordinator; `aios status` names that process; a plain `aios` opens
# the window in that same process (found through AT-SPI and the X server's
# _NET_WM_PID), with no second coordinator anywhere (a second
# `aios --headless`, on this bus or on another one, is refused); closing the
# window, with its close button or Ctrl+Q, leaves the coordinator running
# (a run submitted afterwards completes, an approval is sent); the desktop's
# launcher (D-Bus Activate) opens the window there too. Without a display,
# `--headless` cannot open a window and says why; started as the service it
# says how to restart it with the display, to `aios` and, when the launcher
# activates it, in a notification. When its display goes away the service ends
# as a failure (systemd restarts it) and, restarted with DISPLAY still set
# but no display behind it, runs without one. A window app started without the
# service still quits when its window closes. `aios status` with nothing
# running says so and exits 0.
#
# Runs under tests/with-session.sh (Xvfb, a session bus, AT-SPI).
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time

import pyatspi

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aiostest import AIOS, BUILD, Smtp, Workspace, bus_has_name, check, fail, kill, wait_for  # noqa: E402


def unit_command():
    """The unit's ExecStart, with the installed bindir replaced by the build's binary."""
    unit = os.path.join(BUILD, "data", "aios.service")
    with open(unit) as f:
        lines = [line.strip() for line in f if line.startswith("ExecStart=")]
    check(len(lines) == 1, "%s has no single ExecStart line: %r" % (unit, lines))
    argv = shlex.split(lines[0][len("ExecStart="):])
    check(os.path.basename(argv[0]) == "aios", "the unit runs %r, not aios" % argv[0])
    check(argv[1:] == ["--headless"], "the unit runs aios with %r" % argv[1:])
    return [AIOS] + argv[1:]


def children(node):
    for i in range(node.childCount):
        child = node.getChildAtIndex(i)
        if child is not None:
            yield child


def find_all(node, role=None, name=None, depth=0):
    if depth > 40:
        return
    if (role is None or node.getRoleName() == role) and (name is None or node.name == name):
        yield node
    for child in children(node):
        yield from find_all(child, role, name, depth + 1)


def aios_windows():
    """[(process id, frame)] of every frame named Aios on the accessibility bus."""
    found = []
    try:
        for app in children(pyatspi.Registry.getDesktop(0)):
            if app.name != "aios":
                continue
            for frame in children(app):
                if frame.name == "Aios" and frame.getRoleName() == "frame":
                    found.append((app.get_process_id(), frame))
    except Exception:   # the tree changes under us while we look
        return None
    return found


def x_window_pids():
    ids = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "^Aios$"],
                         capture_output=True, text=True).stdout.split()
    pids = []
    for window in ids:
        out = subprocess.run(["xprop", "-id", window, "_NET_WM_PID"], capture_output=True, text=True).stdout
        if "=" in out:
            pids.append(int(out.split("=")[1]))
    return ids, pids


def press(node):
    action = node.queryAction()
    names = [action.getName(i) for i in range(action.nActions)]
    action.doAction(names.index("click") if "click" in names else 0)


def close_button(frame):
    return next((n for n in find_all(frame, "push button", "Close") if n.queryAction().nActions > 0), None)


def status(ws):
    proc = ws.run("status", "--json")
    return json.loads(proc.stdout)


def alive(proc):
    return proc.poll() is None


def main():
    for var in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS"):
        check(var in os.environ, "run this under tests/with-session.sh (%s is missing)" % var)
    ws = Workspace("always-on")
    smtp = Smtp(ws.tmp)
    headless = None
    window_app = None
    try:
        # Nothing runs: a one-shot status says so, exit 0.
        text = ws.run("status").stdout
        check("No Aios process runs the coordinator of " + ws.db in text, "status with nothing running: %r" % text)
        none = status(ws)
        check(none["running"] is False and none["pid"] is None and none["mode"] is None,
              "status --json with nothing running: %r" % none)
        print("ok: aios status with nothing running says so (exit 0)")

        # The unit's command line.
        # Started by hand from a shell that is itself a child of some
        # service (a CI runner): it inherits systemd's variables, and is
        # still "headless", not "the service".
        command = unit_command()
        started = time.time()
        by_hand = dict(ws.env, INVOCATION_ID="0123456789abcdef0123456789abcdef",
                       SYSTEMD_EXEC_PID=str(os.getpid()))
        headless = subprocess.Popen(command, env=by_hand, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True)
        wait_for(lambda: bus_has_name(ws.env), what="aios --headless on the session bus")
        if not alive(headless):
            fail("aios --headless ended: %s" % headless.stderr.read())

        st = status(ws)
        check(st["running"] is True and st["pid"] == headless.pid and st["mode"] == "headless",
              "status names pid %d, mode headless: %r" % (headless.pid, st))
        check(st["workspace"] == ws.db, "status names the workspace %r" % st["workspace"])
        check(abs(st["started_at"] / 1000 - started) < 30, "status says it started at %r" % st["started_at"])
        for key in ("unit", "runs", "approvals", "intake"):
            check(key in st, "status --json lacks %r" % key)
        text = ws.run("status").stdout
        check("Process:    %d (headless)" % headless.pid in text, "status text: %r" % text)
        check("\nSince:      " in text and ("ago)" in text or "(now)" in text) and ws.db in text,
              "status text says since when and the workspace: %r" % text)
        print("ok: aios status names pid %d, headless, since %s" % (headless.pid, st["started_at"]))

        # What it watches: the sample company's leads wait for approval, and
        # the intake endpoint listens once enabled.
        ws.run("config", "set", "smtp.url", smtp.url)
        ws.run("--demo")
        st = wait_for(lambda: (lambda st: st if st["approvals"]["pending"] == 5 else None)(status(ws)),
                      what="the 5 sample approvals in status")
        check(st["runs"]["in_progress"] == 5 and st["runs"]["waiting"] == 5,
              "status counts the runs waiting for approval: %r" % st["runs"])
        check(st["approvals"]["next_expiry_at"] > time.time() * 1000, "the next expiry: %r" % st["approvals"])
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        ws.run("credentials", "set", "intake", stdin="a-token-for-the-test\n")
        ws.run("config", "set", "intake.port", str(port))
        ws.run("config", "set", "intake.enabled", "true")
        url = "http://127.0.0.1:%d/v1/leads" % port
        wait_for(lambda: status(ws)["intake"] == {"url": url}, what="the intake endpoint in status")
        text = ws.run("status").stdout
        for line in ("Runs:       5 in progress (0 queued, 0 running, 5 waiting)\n",
                     "Approvals:  5 pending; the first expires ", "Intake:     " + url + "\n"):
            check(line in text, "status text lacks %r: %r" % (line, text))
        print("ok: aios status says what it watches: 5 runs waiting, 5 approvals, the intake endpoint")

        # One process holds the workspace: a second --headless is refused,
        # forwarded on this bus and by the coordinator lock on another one.
        second = ws.run("--headless", check_rc=False, timeout=30)
        check(second.returncode != 0 and "already running" in second.stderr,
              "a second aios --headless on this bus: %d %r" % (second.returncode, second.stderr))
        other_bus = subprocess.run(["dbus-run-session", "--", AIOS, "--headless"], env=ws.env,
                                   capture_output=True, text=True, timeout=30)
        check(other_bus.returncode != 0 and
              "Process %d already runs the coordinator of %s" % (headless.pid, ws.db) in other_bus.stderr,
              "a second aios --headless on another bus: %d %r" % (other_bus.returncode, other_bus.stderr))
        print("ok: a second aios --headless is refused, on this bus and on another")

        # `aios` opens the window in the headless process.
        opened = ws.run(timeout=30)
        check(opened.returncode == 0, "aios (forwarded) exited %d: %s" % (opened.returncode, opened.stderr))
        windows = wait_for(lambda: aios_windows(), what="the Aios window on the accessibility bus")
        check([pid for pid, _ in windows] == [headless.pid],
              "the window belongs to pid %r, not the headless %d" % ([p for p, _ in windows], headless.pid))
        ids, pids = wait_for(lambda: x_window_pids() if x_window_pids()[0] else None, what="the X window")
        check(set(pids) == {headless.pid}, "the X window's _NET_WM_PID is %r, not %d" % (pids, headless.pid))
        st = status(ws)
        check(st["pid"] == headless.pid and st["mode"] == "headless", "with the window open, status: %r" % st)
        print("ok: aios opens the window in the headless process %d" % headless.pid)

        # Its close button closes it; the coordinator goes on.
        frame = windows[0][1]
        button = wait_for(lambda: close_button(frame), what="the window's Close button")
        press(button)
        wait_for(lambda: aios_windows() == [], what="the window to close")
        time.sleep(0.5)
        if not alive(headless):
            fail("closing the window ended the headless coordinator: %s" % headless.stderr.read())
        check(bus_has_name(ws.env), "the headless instance left the bus")
        run_id = json.loads(ws.run("submit", "greeting", "--input", "-", "--json",
                                   stdin='{"name": "Ada"}').stdout)["run_id"]
        wait_for(lambda: ws.query("SELECT status FROM runs WHERE id = ?", run_id) == [("succeeded",)],
                 what="the run submitted after the window closed to complete")
        first = ws.json("approvals")[0]
        ws.run("approve", str(first["id"]))
        wait_for(lambda: len(smtp.messages()) == 1, what="the email approved after the window closed")
        st = status(ws)
        check(st["pid"] == headless.pid and st["mode"] == "headless", "after closing, status: %r" % st)
        check(st["approvals"]["pending"] == 4, "status after one approval: %r" % st["approvals"])
        print("ok: closing the window leaves the coordinator running (run %d completed, approval %d sent)"
              % (run_id, first["id"]))

        # Ctrl+Q in the attached window closes it, not the service.
        ws.run(timeout=30)
        wait_for(lambda: aios_windows(), what="the window opened again")
        ids, _ = wait_for(lambda: x_window_pids() if x_window_pids()[0] else None, what="the X window again")
        subprocess.run(["xdotool", "windowfocus", "--sync", ids[0]], check=True)
        subprocess.run(["xdotool", "key", "--clearmodifiers", "ctrl+q"], check=True)
        wait_for(lambda: aios_windows() == [], what="Ctrl+Q to close the window")
        time.sleep(0.5)
        check(alive(headless), "Ctrl+Q in the attached window ended the service")
        print("ok: Ctrl+Q closes the attached window and leaves the coordinator running")

        # The desktop's launcher (D-Bus Activate) opens the window there too.
        subprocess.run(["gdbus", "call", "--session", "--dest", "com.example.Aios", "--object-path",
                        "/com/example/Aios", "--method", "org.freedesktop.Application.Activate", "{}"],
                       check=True, capture_output=True, env=ws.env, timeout=30)
        windows = wait_for(lambda: aios_windows(), what="the window opened by the launcher")
        check([pid for pid, _ in windows] == [headless.pid], "the launcher's window is in %r" % windows)
        press(wait_for(lambda: close_button(windows[0][1]), what="its Close button"))
        wait_for(lambda: aios_windows() == [], what="the launcher's window to close")
        check(alive(headless), "closing the launcher's window ended the service")
        print("ok: the desktop launcher opens the window in the headless process too")

        # SIGTERM stops it cleanly.
        headless.send_signal(signal.SIGTERM)
        check(headless.wait(20) == 0, "aios --headless exited %d on SIGTERM" % headless.returncode)
        wait_for(lambda: not bus_has_name(ws.env), what="the name to leave the bus")

        # As systemd starts the unit without the session's display (enabled
        # before the desktop session exported it): systemd sets
        # SYSTEMD_EXEC_PID to the pid it executes (here: exec keeps the
        # shell's pid). It is the plain service, and `aios` says why there
        # is no window and how to restart it with the display.
        no_display = dict(ws.env, INVOCATION_ID="0123456789abcdef0123456789abcdef")
        no_display.pop("DISPLAY", None)
        no_display.pop("WAYLAND_DISPLAY", None)
        headless = subprocess.Popen(["/bin/sh", "-c", 'SYSTEMD_EXEC_PID=$$ exec "$@"', "sh"] + command,
                                    env=no_display, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wait_for(lambda: bus_has_name(ws.env), what="aios --headless without a display")
        st = status(ws)
        check(st["pid"] == headless.pid and st["mode"] == "service", "status of the service: %r" % st)
        check("Process:    %d (the service" % headless.pid in ws.run("status").stdout, "status text of the service")
        refused = ws.run(check_rc=False, timeout=30)
        check(refused.returncode == 1 and "without a display, so it cannot open a window" in refused.stderr
              and "systemctl --user import-environment DISPLAY WAYLAND_DISPLAY && systemctl --user restart"
              in refused.stderr,
              "aios with a display-less service: %d %r" % (refused.returncode, refused.stderr))
        check(aios_windows() == [], "a window opened although the service has no display")
        # The desktop's launcher activates it over D-Bus: it cannot open a
        # window, and says so in a notification.
        monitor_log = os.path.join(ws.tmp, "monitor.log")
        with open(monitor_log, "w") as out:
            monitor = subprocess.Popen(["dbus-monitor", "--session", "interface='org.freedesktop.Notifications'"],
                                       stdout=out, stderr=subprocess.DEVNULL, env=ws.env)
        try:
            time.sleep(0.5)
            subprocess.run(["gdbus", "call", "--session", "--dest", "com.example.Aios", "--object-path",
                            "/com/example/Aios", "--method", "org.freedesktop.Application.Activate", "{}"],
                           check=True, capture_output=True, env=ws.env, timeout=30)
            wait_for(lambda: "systemctl --user import-environment" in open(monitor_log).read(),
                     what="the notification that the service cannot open a window")
            check("Aios runs without a display" in open(monitor_log).read(), "the notification's title")
        finally:
            kill(monitor)
        check(alive(headless), "activating the display-less service ended it")
        headless.send_signal(signal.SIGTERM)
        check(headless.wait(20) == 0, "aios --headless (no display) exited %d" % headless.returncode)
        wait_for(lambda: not bus_has_name(ws.env), what="the name to leave the bus")
        print("ok: the service without a display: status says service; aios says how to give it the display")

        # The session ends: its display goes away, and GTK ends the process
        # with it (a failure, so the unit's Restart=on-failure starts it
        # again). The restart finds DISPLAY still set in the environment
        # but no display behind it, and runs as the plain service.
        display_file = os.path.join(ws.tmp, "display")
        with open(display_file, "w") as fd:
            xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(fd.fileno()), "-screen", "0", "800x600x24",
                                     "-nolisten", "tcp"], pass_fds=(fd.fileno(),),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            number = wait_for(lambda: open(display_file).read().strip(), what="a second X server")
            session = dict(ws.env, DISPLAY=":" + number)
            headless = subprocess.Popen(command, env=session, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True)
            wait_for(lambda: bus_has_name(ws.env), what="aios --headless on the second display")
            check(status(ws)["pid"] == headless.pid, "status of the headless on the second display")
        finally:
            kill(xvfb)
        code = headless.wait(20)
        check(code != 0, "losing its display must end the service as a failure, not exit %d" % code)
        wait_for(lambda: not bus_has_name(ws.env), what="the name to leave the bus")
        headless = subprocess.Popen(command, env=session, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True)
        wait_for(lambda: bus_has_name(ws.env), what="the restarted service with a stale DISPLAY")
        check(status(ws)["pid"] == headless.pid, "status of the restarted service")
        refused = ws.run(check_rc=False, timeout=30)
        check(refused.returncode == 1 and "cannot open a window" in refused.stderr,
              "aios with the restarted, display-less service: %d %r" % (refused.returncode, refused.stderr))
        headless.send_signal(signal.SIGTERM)
        check(headless.wait(20) == 0, "the restarted service exited %d" % headless.returncode)
        wait_for(lambda: not bus_has_name(ws.env), what="the name to leave the bus")
        print("ok: the display going away ends the service (exit %d); restarted, it runs without one" % code)

        # A window app without the service still quits when its window closes.
        window_app = subprocess.Popen([AIOS], env=ws.env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, text=True)
        windows = wait_for(lambda: aios_windows(), what="the window of a plain aios")
        check([pid for pid, _ in windows] == [window_app.pid], "the plain window's pid: %r" % windows)
        st = status(ws)
        check(st["pid"] == window_app.pid and st["mode"] == "window", "status of the window app: %r" % st)
        press(wait_for(lambda: close_button(windows[0][1]), what="the plain window's Close button"))
        check(window_app.wait(20) == 0, "the window app exited %d" % window_app.returncode)
        print("ok: a window app without the service quits when its window closes")
    finally:
        for proc in (headless, window_app):
            if proc is not None:
                kill(proc)
        smtp.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
