#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The translation pipeline end to end: every language in po/LINGUAS has a
.po that msgfmt accepts with format checks, meson compiled it into the
build's catalog, the catalog translates strings of the window (with context
and plurals), and the desktop file and metainfo were merged with it.
Uses $AIOS_SOURCE_DIR and $AIOS_BUILD_DIR.
"""
import gettext
import os
import re
import subprocess
import sys

# A few strings of the German catalog, from each kind of source file.
GERMAN = [
    (None, "Inbox", "Eingang"),                      # .ui
    (None, "Backed up at %s", "Gesichert um %s"),     # .c
    ("shortcut window", "Quit", "Beenden"),          # .ui with context
    (None, "Window width", "Fensterbreite"),         # gschema
]


def main():
    source = os.environ["AIOS_SOURCE_DIR"]
    build = os.environ["AIOS_BUILD_DIR"]
    problems = []

    with open(os.path.join(source, "po", "LINGUAS"), encoding="utf-8") as f:
        languages = [w for line in f for w in line.split("#")[0].split()]
    if "de" not in languages:
        problems.append("po/LINGUAS does not list de")

    for lang in languages:
        po = os.path.join(source, "po", lang + ".po")
        check = subprocess.run(["msgfmt", "--check", "--statistics", "-o", os.devnull, po],
                               capture_output=True, text=True)
        if check.returncode != 0:
            problems.append(f"msgfmt --check {po}:\n{check.stderr}")
        else:
            print(f"{lang}: {check.stderr.strip()}")
        mo = os.path.join(build, "po", lang, "LC_MESSAGES", "aios.mo")
        if not os.path.isfile(mo):
            problems.append(f"{mo} was not built")

    if not problems:
        catalog = gettext.translation("aios", localedir=os.path.join(build, "po"), languages=["de"])
        for context, msgid, expected in GERMAN:
            got = catalog.pgettext(context, msgid) if context else catalog.gettext(msgid)
            if got != expected:
                problems.append(f"de: {msgid!r} translates to {got!r}, expected {expected!r}")
        photos = catalog.ngettext("%u photo was not imported (Aios keeps no pictures)",
                                  "%u photos were not imported (Aios keeps no pictures)", 2)
        if not photos.startswith("%u Fotos"):
            problems.append(f"de: the plural form reads {photos!r}")

        data = os.path.join(build, "data")
        desktop_name = next(n for n in os.listdir(data) if n.endswith(".desktop"))
        desktop = open(os.path.join(data, desktop_name), encoding="utf-8").read()
        if not re.search(r"^GenericName\[de\]=.+", desktop, re.M):
            problems.append("the built desktop file has no German GenericName")
        metainfo_name = next(n for n in os.listdir(data) if n.endswith(".metainfo.xml"))
        metainfo = open(os.path.join(data, metainfo_name), encoding="utf-8").read()
        if 'xml:lang="de"' not in metainfo:
            problems.append("the built metainfo has no German text")

    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
