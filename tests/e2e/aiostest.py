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

    def __init__(self, tmp, fault="none", extra=()):
        self.log = os.path.join(tmp, "smtp-%s.log" % fault)
        open(self.log, "w").close()
        self.proc = subprocess.Popen(["/usr/bin/python3", os.path.join(SRC, "tests", "peers", "exec-smtp-peer.py"),
                                      "--log", self.log, "--fault", fault] + list(extra),
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


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Dovecot:
    """A real IMAP server (Debian's dovecot-imapd), unprivileged, on free loopback ports:
    a temporary maildir, one passwd-file user, TLS with a certificate made now by openssl
    (see shared/testing/RECIPES.md). .maildir is where the SMTP peer delivers."""

    def __init__(self, tmp, user="robin", password="imap-secret"):
        import pwd
        self.dir = os.path.join(tmp, "dovecot")
        os.makedirs(os.path.join(self.dir, "run"), exist_ok=True)
        os.chmod(tmp, 0o755)
        os.chmod(self.dir, 0o755)
        self.user, self.password = user, password
        self.cert = os.path.join(self.dir, "cert.pem")
        key = os.path.join(self.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", self.cert], check=True, capture_output=True)
        os.chmod(key, 0o644)
        with open(os.path.join(self.dir, "passwd"), "w") as f:
            f.write("%s:{PLAIN}%s::::::\n" % (user, password))
        os.chmod(os.path.join(self.dir, "passwd"), 0o644)
        mail = os.path.join(self.dir, "mail", user, "Maildir")
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(mail, sub), exist_ok=True)
        dovecot = pwd.getpwnam("dovecot")
        for root, dirs, files in os.walk(os.path.join(self.dir, "mail")):
            os.chown(root, dovecot.pw_uid, dovecot.pw_gid)
        self.maildir = mail
        self.port, self.tls_port = free_port(), free_port()
        self.conf = os.path.join(self.dir, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write("""base_dir = {d}/run
state_dir = {d}/run
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{d}/cert.pem
ssl_key = <{d}/key.pem
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
first_valid_uid = 1
disable_plaintext_auth = yes
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = {d}/passwd
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={d}/mail/%u
}}
mail_location = maildir:{d}/mail/%u/Maildir
service imap-login {{
  inet_listener imap {{
    port = {p}
  }}
  inet_listener imaps {{
    port = {tp}
  }}
}}
""".format(d=self.dir, p=self.port, tp=self.tls_port))
        self.start()
        self.url = "imaps://127.0.0.1:%d" % self.tls_port
        self.starttls_url = "imap://127.0.0.1:%d" % self.port

    def start(self):
        # Dovecot daemonizes and keeps its stdout: no pipes, or run() waits forever.
        subprocess.run(["dovecot", "-c", self.conf], check=True, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: self._listening(), 20, "Dovecot to listen")

    def _listening(self):
        import socket
        try:
            socket.create_connection(("127.0.0.1", self.tls_port), 1).close()
            return True
        except OSError:
            return False

    def log(self):
        try:
            with open(os.path.join(self.dir, "dovecot.log")) as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        """Stops Dovecot and waits for its master process to end."""
        try:
            with open(os.path.join(self.dir, "run", "master.pid")) as f:
                pid = int(f.read().strip())
        except (OSError, ValueError):
            pid = None
        subprocess.run(["doveadm", "-c", self.conf, "stop"], capture_output=True)
        if pid is not None:
            wait_for(lambda: not os.path.exists("/proc/%d" % pid), 20, "Dovecot to end")
