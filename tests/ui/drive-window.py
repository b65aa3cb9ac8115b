#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Drives the real aios window as a user would, through the X server and the
accessibility bus (run under tests/with-session.sh):

- switches pages with the keyboard (Ctrl+3, Ctrl+4, Ctrl+5, Ctrl+2, Ctrl+1, typed with
  xdotool) and by pressing the view switcher's tabs (AT-SPI actions), and
  checks which tab the window reports as selected;
- opens Preferences with Ctrl+comma and through the primary menu, the
  keyboard shortcuts with Ctrl+?, and quits with Ctrl+Q.

Everything is polled, never slept for a fixed time.
"""
import os
import subprocess
import sys
import tempfile
import time

import pyatspi

PAGES = ["Today", "Inbox", "Timeline", "Memory", "Runs"]
TIMEOUT = 15.0


def poll(what, check, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = check()
        except Exception:  # the tree changes under us while we look
            result = None
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


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


def find(node, role=None, name=None):
    return next(find_all(node, role, name), None)


def find_app():
    desktop = pyatspi.Registry.getDesktop(0)
    for app in children(desktop):
        if app.name == "aios" and app.childCount > 0:
            return app
    return None


def has_state(node, state):
    return node.getState().contains(state)


def frames(app, name):
    return [f for f in children(app) if f.name == name and f.getRoleName() in ("frame", "dialog", "window")]


def selected_page(main):
    """The page tab the (wide) view switcher in the header bar marks selected."""
    switcher = find(main, "page tab list")
    tabs = [t for t in find_all(switcher, "page tab")]
    assert [t.name for t in tabs] == PAGES, f"the view switcher shows {[t.name for t in tabs]}"
    selected = [t.name for t in tabs if has_state(t, pyatspi.STATE_SELECTED)]
    return selected[0] if len(selected) == 1 else None


def xdotool(*args):
    subprocess.run(["xdotool", *args], check=True)


def focus_main_window():
    # no window manager here: give the window the keyboard focus directly
    window_ids = poll("the X window named Aios",
                      lambda: subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "^Aios$"],
                                             capture_output=True, text=True).stdout.split())
    xdotool("windowfocus", "--sync", window_ids[0])


def press_keys(keys):
    focus_main_window()
    xdotool("key", "--clearmodifiers", keys)


def main():
    build = os.environ["AIOS_BUILD_DIR"]
    workspace = os.path.join(tempfile.mkdtemp(prefix="aios-drive-"), "workspace.db")
    app_process = subprocess.Popen([os.path.join(build, "src", "aios"), "--workspace", workspace])
    try:
        app = poll("aios on the accessibility bus", find_app)
        main_window = poll("the main window", lambda: (frames(app, "Aios") or [None])[0])
        poll("the Today tab selected", lambda: selected_page(main_window) == "Today")
        assert os.path.isfile(workspace), "the workspace was not created"

        # keyboard accelerators, as typed on the keyboard
        for number, page in [(3, "Timeline"), (4, "Memory"), (5, "Runs"), (2, "Inbox"), (1, "Today")]:
            press_keys(f"ctrl+{number}")
            poll(f"Ctrl+{number} to show {page}", lambda: selected_page(main_window) == page)
            print(f"ok: Ctrl+{number} shows {page}")

        # the view switcher's tabs, pressed through their accessible action
        switcher = find(main_window, "page tab list")
        for page in ["Memory", "Timeline"]:
            tab = find(switcher, "page tab", page)
            action = tab.queryAction()
            names = [action.getName(i) for i in range(action.nActions)]
            action.doAction(names.index("click") if "click" in names else 0)
            poll(f"pressing the {page} tab to show it", lambda: selected_page(main_window) == page)
            print(f"ok: the {page} tab shows {page}")

        # Preferences with Ctrl+comma
        press_keys("ctrl+comma")
        preferences = poll("Preferences after Ctrl+comma", lambda: (frames(app, "Preferences") or [None])[0])
        for title in ["Models", "Connectors & Credentials", "Policies & Budgets", "Workspace"]:
            poll(f"the {title} preferences page", lambda: find(preferences, "page tab", title))
        print("ok: Ctrl+comma opens Preferences with its four pages")
        xdotool("key", "Escape")
        poll("Preferences to close on Escape", lambda: not frames(app, "Preferences"))

        # Preferences through the primary menu
        # (the GtkMenuButton and its inner toggle both carry the name; the
        # inner one has the action)
        menu_button = poll("the Main Menu button",
                           lambda: next((n for n in find_all(main_window, name="Main Menu")
                                         if n.getRoleName() in ("push button", "toggle button")
                                         and n.queryAction().nActions > 0), None))
        menu_button.queryAction().doAction(0)
        item = poll("the Preferences menu item",
                    lambda: next((n for n in find_all(app, name="Preferences")
                                  if n.getRoleName() in ("menu item", "push button", "check menu item")),
                                 None))
        item.queryAction().doAction(0)
        poll("Preferences from the menu", lambda: frames(app, "Preferences"))
        print("ok: the primary menu opens Preferences")
        xdotool("key", "Escape")
        poll("Preferences to close", lambda: not frames(app, "Preferences"))

        # Keyboard shortcuts with Ctrl+?
        press_keys("ctrl+question")
        poll("the Shortcuts window after Ctrl+?", lambda: frames(app, "Keyboard Shortcuts"))
        print("ok: Ctrl+? shows the keyboard shortcuts")
        xdotool("key", "Escape")
        poll("Shortcuts to close", lambda: not frames(app, "Keyboard Shortcuts"))

        # narrow, the page switcher moves to a bar at the bottom, and works there
        window_id = poll("the X window", lambda: subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--name", "^Aios$"],
            capture_output=True, text=True).stdout.split())[0]
        xdotool("windowsize", "--sync", window_id, "400", "700")

        def bottom_switcher():
            lists = list(find_all(main_window, "page tab list"))
            for tab_list in lists:
                extents = tab_list.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
                if extents.y > 600 and extents.height > 20:
                    return tab_list
            return None
        bottom = poll("the switcher bar at the bottom of a narrow window", bottom_switcher)
        runs_tab = find(bottom, "page tab", "Runs")
        action = runs_tab.queryAction()
        names = [action.getName(i) for i in range(action.nActions)]
        action.doAction(names.index("click") if "click" in names else 0)
        poll("the bottom bar's Runs tab to show Runs", lambda: selected_page(main_window) == "Runs")
        print("ok: narrow, the switcher bar at the bottom switches pages")
        xdotool("windowsize", "--sync", window_id, "1100", "720")
        poll("the bottom bar to go when wide again",
             lambda: bottom_switcher() is None or not has_state(bottom, pyatspi.STATE_SHOWING))

        # Ctrl+Q quits
        press_keys("ctrl+q")
        status = poll("aios to quit after Ctrl+Q", lambda: app_process.poll() is not None and (app_process.returncode,))
        assert status == (0,), f"aios exited with {status[0]}"
        print("ok: Ctrl+Q quits")
    finally:
        if app_process.poll() is None:
            app_process.terminate()
            app_process.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
