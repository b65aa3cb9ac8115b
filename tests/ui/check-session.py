#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks tests/with-session.sh itself, the environment every UI test gets:

run directly (suite ui), it starts the wrapper with this script inside, which
checks the temp HOME and XDG folders, the X server, that a secret stored in
the keyring reads back, that the notification server and the accessibility
bus answer, that the build's settings schema is found, and reports the
daemons' process ids; once the wrapper has returned, none of them may still
be running.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time


def gdbus_call(dest, path, method, *args):
    return subprocess.run(["gdbus", "call", "--session", "--dest", dest, "--object-path", path,
                           "--method", method, *args],
                          check=True, capture_output=True, text=True, timeout=30).stdout


def bus_pid(name):
    out = gdbus_call("org.freedesktop.DBus", "/org/freedesktop/DBus",
                     "org.freedesktop.DBus.GetConnectionUnixProcessID", name)
    return int(re.search(r"uint32 (\d+)", out).group(1))


def inside(report_path):
    home = os.environ["HOME"]
    tmp = os.path.dirname(home)
    assert os.path.basename(tmp).startswith("aios-session-"), f"HOME is {home}"
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR"):
        assert os.environ[var].startswith(tmp + os.sep), f"{var} is {os.environ[var]}"
    assert oct(os.stat(os.environ["XDG_RUNTIME_DIR"]).st_mode & 0o777) == "0o700"
    assert os.environ["GDK_BACKEND"] == "x11" and os.environ["GSK_RENDERER"] == "cairo"

    geometry = subprocess.run(["xdotool", "getdisplaygeometry"], check=True,
                              capture_output=True, text=True).stdout.split()
    assert geometry == ["1280", "800"], f"the X screen is {geometry}"

    subprocess.run(["secret-tool", "store", "--label=Aios session check", "app", "aios-check"],
                   input="s3cret", check=True, text=True, timeout=30)
    secret = subprocess.run(["secret-tool", "lookup", "app", "aios-check"],
                            check=True, capture_output=True, text=True, timeout=30).stdout
    assert secret == "s3cret", f"the keyring gave back {secret!r}"
    assert os.path.isdir(os.path.join(os.environ["XDG_DATA_HOME"], "keyrings"))

    info = gdbus_call("org.freedesktop.Notifications", "/org/freedesktop/Notifications",
                      "org.freedesktop.Notifications.GetServerInformation")
    assert "notification-daemon" in info.lower() or "notification" in info.lower(), info

    address = gdbus_call("org.a11y.Bus", "/org/a11y/bus", "org.a11y.Bus.GetAddress")
    assert "unix:" in address, address

    keys = subprocess.run(["gsettings", "list-keys", "com.example.Aios"], check=True,
                          capture_output=True, text=True).stdout.split()
    assert "last-page" in keys, keys

    pids = {name: bus_pid(name) for name in
            ("org.freedesktop.secrets", "org.freedesktop.Notifications", "org.a11y.Bus")}
    with open(report_path, "w") as f:
        json.dump({"pids": pids, "tmp": tmp}, f)
    print(f"ok: temp home, X 1280x800, keyring, notifications, AT-SPI bus, schema; daemons {pids}")


def running(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def outside():
    wrapper = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "with-session.sh")
    with tempfile.TemporaryDirectory() as scratch:
        report_path = os.path.join(scratch, "report.json")
        subprocess.run([wrapper, sys.executable, os.path.abspath(__file__), "--inside", report_path],
                       check=True, timeout=120)
        with open(report_path) as f:
            report = json.load(f)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(running(p) for p in report["pids"].values()):
        time.sleep(0.05)
    left = {name: pid for name, pid in report["pids"].items() if running(pid)}
    assert not left, f"daemons still running after the wrapper returned: {left}"
    assert not os.path.exists(report["tmp"]), f"{report['tmp']} was not removed"
    print("ok: the wrapper stopped its daemons and removed its folder")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--inside"]:
        inside(sys.argv[2])
    else:
        outside()
