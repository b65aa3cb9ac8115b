#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Clicks a button of notification-daemon's popup as a user would: AT-SPI
# finds the button and where it is on screen, xdotool moves the pointer there
# and clicks (a real X event, which the popup turns into ActionInvoked).
#   press-notification-button.py LABEL
import subprocess
import sys
import time

import pyatspi


def find(node, role, name, depth=0):
    if node is None or depth > 40:
        return None
    try:
        if node.getRoleName() == role and node.name == name:
            return node
        for i in range(node.childCount):
            hit = find(node.getChildAtIndex(i), role, name, depth + 1)
            if hit is not None:
                return hit
    except Exception:
        return None
    return None


def main():
    label = sys.argv[1]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        desktop = pyatspi.Registry.getDesktop(0)
        for i in range(desktop.childCount):
            app = desktop.getChildAtIndex(i)
            if app is None or "notification" not in (app.name or ""):
                continue
            button = find(app, "push button", label)
            if button is not None:
                x, y, w, h = button.queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
                if w <= 0 or h <= 0:
                    continue
                subprocess.run(["xdotool", "mousemove", "--sync", str(x + w // 2), str(y + h // 2),
                                "click", "1"], check=True)
                print("clicked %s in %s at %d,%d" % (label, app.name, x + w // 2, y + h // 2))
                return 0
        time.sleep(0.3)
    names = [desktop.getChildAtIndex(i).name for i in range(desktop.childCount) if desktop.getChildAtIndex(i)]
    print("no %r button in a notification popup; applications: %r" % (label, names))
    return 1


if __name__ == "__main__":
    sys.exit(main())
