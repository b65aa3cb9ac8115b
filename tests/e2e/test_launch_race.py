#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Launches never race (issue 18): an `aios` that starts while the previous
# one is exiting finds the app id still owned, asks that process for its
# actions, and the process leaves the bus without replying. GLib then fails
# the registration ("Failed to register: … NoReply: Message recipient
# disconnected from message bus without replying"). Here a peer plays the
# leaving instance exactly that way, on a private session bus: it owns
# com.example.Aios and exits on the first method call, without a reply.
# The command must still run (it becomes the primary instance once the name
# is free), with nothing about registering on stderr.
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aiostest import Workspace, check, fail, wait_for, bus_has_name  # noqa: E402

PEER = r'''
import os, sys
from gi.repository import Gio, GLib

NAME = sys.argv[1]
XML = """<node>
  <interface name="org.gtk.Actions">
    <method name="DescribeAll"><arg type="a{s(bgav)}" direction="out"/></method>
    <method name="List"><arg type="as" direction="out"/></method>
  </interface>
  <interface name="org.gtk.Application">
    <method name="CommandLine">
      <arg type="o" direction="in"/><arg type="aay" direction="in"/>
      <arg type="a{sv}" direction="in"/><arg type="i" direction="out"/>
    </method>
  </interface>
</node>"""

def on_call(conn, sender, path, iface, method, params, invocation):
    # The instance is going away: it leaves the bus without answering.
    os._exit(0)

def on_bus(conn, name):
    info = Gio.DBusNodeInfo.new_for_xml(XML)
    path = "/" + NAME.replace(".", "/")
    for iface in info.interfaces:
        conn.register_object(path, iface, on_call, None, None)

def on_name(conn, name):
    print("ready", flush=True)

Gio.bus_own_name(Gio.BusType.SESSION, NAME, Gio.BusNameOwnerFlags.NONE, on_bus, on_name, None)
GLib.MainLoop().run()
'''


def main():
    app_id = os.environ.get("AIOS_APP_ID", "com.example.Aios")
    ws = Workspace("launch-race")
    for round_ in range(3):
        peer = subprocess.Popen(["/usr/bin/python3", "-c", PEER, app_id], stdout=subprocess.PIPE, text=True,
                                env=ws.env)
        if peer.stdout.readline().strip() != "ready":
            fail("the leaving-instance peer did not start")
        check(bus_has_name(ws.env, app_id), "the peer owns %s" % app_id)
        proc = ws.run("runs", check_rc=False)
        peer.wait(timeout=30)
        if proc.returncode != 0 or "register" in proc.stderr:
            fail("round %d: `aios runs` raced the leaving instance: exit %d, stderr %r"
                 % (round_, proc.returncode, proc.stderr))
        wait_for(lambda: not bus_has_name(ws.env, app_id), what="the name to be free again")
    # Back-to-back commands with nothing in between: each one registers.
    for i in range(10):
        proc = ws.run("config", "get", "smtp.url", check_rc=False)
        if "register" in proc.stderr:
            fail("back-to-back command %d failed to register: %r" % (i, proc.stderr))
    print("ok: a command started while the previous instance leaves the bus still runs")


main()
