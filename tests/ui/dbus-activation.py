#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""D-Bus activation, as a notification button uses it with the window closed:
the private session bus of tests/with-session.sh starts the build's aios from
its service file (`aios --gapplication-service`), which must be the GTK
application with its actions; an action then reaches it (app.quit ends it).
"""
import os
import re
import subprocess
import sys
import time

APP_ID = sys.argv[1] if len(sys.argv) > 1 else "com.example.Aios"
OBJECT_PATH = "/" + APP_ID.replace(".", "/")


def gdbus(*args):
    return subprocess.run(["gdbus", "call", "--session", *args],
                          check=True, capture_output=True, text=True, timeout=30).stdout


def poll(what, check, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def main():
    # nothing runs yet: the bus has to start it
    owner = gdbus("--dest", "org.freedesktop.DBus", "--object-path", "/org/freedesktop/DBus",
                  "--method", "org.freedesktop.DBus.NameHasOwner", APP_ID)
    assert "false" in owner, f"{APP_ID} is already on the bus"

    actions = gdbus("--dest", APP_ID, "--object-path", OBJECT_PATH,
                    "--method", "org.gtk.Actions.List")
    names = set(re.findall(r"'([\w.-]+)'", actions))
    for needed in ("quit", "preferences", "about"):
        assert needed in names, f"the activated app lacks app.{needed} (has {sorted(names)})"
    print(f"ok: the bus started {APP_ID} with actions {sorted(names)}")

    pid = int(re.search(r"uint32 (\d+)", gdbus(
        "--dest", "org.freedesktop.DBus", "--object-path", "/org/freedesktop/DBus",
        "--method", "org.freedesktop.DBus.GetConnectionUnixProcessID", APP_ID)).group(1))
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        cmdline = f.read().split(b"\0")
    expected = os.path.join(os.environ["AIOS_BUILD_DIR"], "src", "aios").encode()
    assert cmdline[0] == expected, f"the bus started {cmdline[0]!r}, not {expected!r}"
    assert b"--gapplication-service" in cmdline, f"started as {cmdline!r}"
    print(f"ok: it is {expected.decode()} --gapplication-service (pid {pid})")

    gdbus("--dest", APP_ID, "--object-path", OBJECT_PATH,
          "--method", "org.gtk.Actions.Activate", "quit", "[]", "{}")
    poll("the activated aios to quit", lambda: not os.path.exists(f"/proc/{pid}")
         or open(f"/proc/{pid}/stat").read().split()[2] == "Z")
    print("ok: app.quit over D-Bus ends it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
