# SPDX-License-Identifier: GPL-3.0-or-later
#
# Shared pieces of the end-to-end tests: a private workspace and XDG dirs,
# the real `aios` binary run as a process, the real SMTP peer
# (tests/peers/exec-smtp-peer.py, Debian's aiosmtpd) and read-only looks
# into the workspace's SQLite file.
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

SRC = os.environ.get("AIOS_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("AIOS_BUILD_DIR") or os.path.join(SRC, "build")
AIOS = os.path.join(BUILD, "src", "aios")


def fail(message):
    print("FAIL: " + message, flush=True)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


class Smtp:
    """The aiosmtpd peer on loopback; every accepted message is a JSON line in .log."""

    def __init__(self, tmp, fault="none"):
        self.log = os.path.join(tmp, "smtp-%s.log" % fault)
        open(self.log, "w").close()
        self.proc = subprocess.Popen(["/usr/bin/python3", os.path.join(SRC, "tests", "peers", "exec-smtp-peer.py"),
                                      "--log", self.log, "--fault", fault],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        check(line.startswith("PORT "), "the SMTP peer did not start: %r" % line)
        self.port = int(line.split()[1])
        self.url = "smtp://127.0.0.1:%d" % self.port

    def messages(self):
        with open(self.log) as f:
            return [json.loads(line) for line in f if line.strip()]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Workspace:
    def __init__(self, name="e2e", undo_s="0"):
        self.tmp = tempfile.mkdtemp(prefix="aios-%s-" % name)
        self.env = dict(os.environ)
        for var, sub in (("HOME", "home"), ("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"),
                         ("XDG_CACHE_HOME", "cache")):
            path = os.path.join(self.tmp, sub)
            os.makedirs(path, exist_ok=True)
            self.env[var] = path
        self.env["LC_ALL"] = "C.UTF-8"
        self.env.pop("G_DEBUG", None)   # a killed coordinator is the point of some tests
        self.db = os.path.join(self.env["XDG_DATA_HOME"], "aios", "workspace.db")
        if undo_s is not None:
            # Approved actions go at once unless a test is about the undo grace.
            self.run("config", "set", "approvals.undo_s", undo_s)

    def run(self, *args, stdin=None, check_rc=True, timeout=60):
        proc = subprocess.run([AIOS] + list(args), input=stdin, capture_output=True, text=True,
                              env=self.env, timeout=timeout)
        if check_rc and proc.returncode != 0:
            fail("aios %s exited %d: %s%s" % (" ".join(args), proc.returncode, proc.stdout, proc.stderr))
        return proc

    def json(self, *args):
        return json.loads(self.run(*args, "--json").stdout)

    def query(self, sql, *params):
        con = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True, timeout=10)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def start_headless(self):
        return subprocess.Popen([AIOS, "--headless"], env=self.env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)


def wait_for(predicate, timeout=30, what="a condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    fail("timed out waiting for " + what)


def kill(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait()


def bus_has_name(env, name="com.example.Aios"):
    proc = subprocess.run(["gdbus", "call", "--session", "--dest", "org.freedesktop.DBus",
                           "--object-path", "/org/freedesktop/DBus", "--method",
                           "org.freedesktop.DBus.NameHasOwner", name],
                          capture_output=True, text=True, env=env)
    return proc.returncode == 0 and "true" in proc.stdout


def activate_action(env, action, parameter):
    """What GNOME Shell does for a notification button: org.gtk.Actions.Activate."""
    return subprocess.run(["gdbus", "call", "--session", "--dest", "com.example.Aios",
                           "--object-path", "/com/example/Aios", "--method", "org.gtk.Actions.Activate",
                           action, "[<'%s'>]" % parameter, "{}"],
                          capture_output=True, text=True, env=env, timeout=30)
