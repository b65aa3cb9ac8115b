#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Proves libaios-core does not depend on GTK or libadwaita.

(i) No source outside src/ui includes a GTK, GDK, GSK or libadwaita header.
(ii) In build/compile_commands.json no object of libaios-core is compiled with
     gtk-4.0 or libadwaita include paths (while libaios-ui's objects are, which
     shows the check looks at the right thing).
Uses $AIOS_SOURCE_DIR and $AIOS_BUILD_DIR.
"""
import json
import os
import re
import shlex
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]\s*(gtk/|gdk/|gsk/|adwaita\.h|adw-|gtk\.h)', re.M)
GTK_PATH = re.compile(r"gtk-4\.0|libadwaita-1|graphene-1\.0")


def sources_including_gtk(src):
    for folder, dirs, names in os.walk(src):
        if os.path.relpath(folder, src).split(os.sep)[0] == "ui":
            dirs[:] = []
            continue
        for name in names:
            if name.endswith((".c", ".h")):
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as f:
                    for m in INCLUDE.finditer(f.read()):
                        yield path, m.group(0).strip()


def compile_entries(build):
    with open(os.path.join(build, "compile_commands.json"), encoding="utf-8") as f:
        for entry in json.load(f):
            args = entry.get("arguments") or shlex.split(entry["command"])
            yield entry.get("output", ""), entry["file"], args


def main():
    source_dir = os.environ["AIOS_SOURCE_DIR"]
    build_dir = os.environ["AIOS_BUILD_DIR"]
    problems = []

    for path, line in sources_including_gtk(os.path.join(source_dir, "src")):
        problems.append(f"{os.path.relpath(path, source_dir)}: {line} (only src/ui may use GTK)")

    core_objects = ui_objects_with_gtk = 0
    for output, file, args in compile_entries(build_dir):
        flags = [a for a in args if a.startswith(("-I", "-isystem")) or a.startswith("/")]
        gtk_flags = [a for a in flags if GTK_PATH.search(a)]
        if "libaios-core.a.p" in output:
            core_objects += 1
            if gtk_flags:
                problems.append(f"{file} (libaios-core) is compiled with {gtk_flags[0]}")
        elif "libaios-ui.a.p" in output and gtk_flags:
            ui_objects_with_gtk += 1

    if core_objects == 0:
        problems.append("no libaios-core object in compile_commands.json: the check saw nothing")
    if ui_objects_with_gtk == 0:
        problems.append("no libaios-ui object uses GTK include paths: the check cannot tell them apart")

    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print(f"{core_objects} libaios-core objects compiled without GTK or libadwaita; "
          f"{ui_objects_with_gtk} libaios-ui objects with them")
    return 0


if __name__ == "__main__":
    sys.exit(main())
