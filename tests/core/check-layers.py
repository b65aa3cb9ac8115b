#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Proves the arrows between the rooms of src/ point only downward.

The rooms, from the ground up (HACKING.md says what each holds):

    store -> memory -> exec -> agents -> control -> app -> cli | ui

A file may include headers of its own room and of rooms below it; cli and ui
stand side by side at the top and may not include each other. main.c, at the
top of src/, may include anything. An include names its room ("store/aios-store.h")
unless it is a header beside the including file.

    check-layers.py SOURCE_DIR      check the tree, print each upward include
    check-layers.py --self-test     plant an upward include in a copy of a small
                                    tree and prove the check fails on it
"""
import os
import re
import shutil
import sys
import tempfile

ROOMS = ["store", "memory", "exec", "agents", "control", "app", "cli", "ui"]
RANK = {"store": 0, "memory": 1, "exec": 2, "agents": 3, "control": 4, "app": 5, "cli": 6, "ui": 6}
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)


def room_of_header(src, including_file, name):
    """The room a quoted include resolves to, or None for generated/outside headers."""
    beside = os.path.join(os.path.dirname(including_file), name)
    if "/" not in name and os.path.exists(beside):
        return os.path.relpath(os.path.dirname(beside), src).split(os.sep)[0]
    first = name.split("/")[0]
    if first in RANK and os.path.exists(os.path.join(src, name)):
        return first
    return None  # config.h, generated resource headers


def problems_in(src):
    problems = []
    for room in ROOMS:
        folder = os.path.join(src, room)
        if not os.path.isdir(folder):
            problems.append(f"src/{room}/ is missing: the check would see nothing there")
            continue
        for name in sorted(os.listdir(folder)):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for m in INCLUDE.finditer(text):
                target = room_of_header(src, path, m.group(1))
                if target is None or target == room:
                    continue
                if RANK[target] > RANK[room] or (RANK[target] == RANK[room]):
                    line = text.count("\n", 0, m.start()) + 1
                    problems.append(f"src/{room}/{name}:{line}: includes \"{m.group(1)}\" "
                                    f"from {target}/, which stands above {room}/")
    loose = [n for n in os.listdir(src) if n.endswith((".c", ".h")) and n != "main.c"]
    for name in sorted(loose):
        problems.append(f"src/{name}: sits loose at the top of src/; it belongs in a room")
    return problems


def self_test():
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "src")
        for room in ROOMS:
            os.makedirs(os.path.join(src, room))
        with open(os.path.join(src, "store", "aios-store.h"), "w") as f:
            f.write("#pragma once\n")
        with open(os.path.join(src, "control", "aios-coordinator.h"), "w") as f:
            f.write('#pragma once\n#include "store/aios-store.h"\n')
        with open(os.path.join(src, "exec", "aios-connector.c"), "w") as f:
            f.write('#include "config.h"\n#include "store/aios-store.h"\n')
        if problems_in(src):
            print("self-test: a clean tree was reported", file=sys.stderr)
            return 1
        # the planted upward include: exec/ reaching up into control/
        with open(os.path.join(src, "exec", "aios-connector.c"), "a") as f:
            f.write('#include "control/aios-coordinator.h"\n')
        found = problems_in(src)
        if not any("aios-connector.c:3" in p and "control/" in p for p in found):
            print(f"self-test: the planted upward include was not found: {found}", file=sys.stderr)
            return 1
        print(f"self-test: planted upward include reported: {found[0]}")
    return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    src = os.path.join(sys.argv[1], "src")
    problems = problems_in(src)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        return 1
    count = sum(1 for room in ROOMS for n in os.listdir(os.path.join(src, room)) if n.endswith((".c", ".h")))
    print(f"{count} files in {len(ROOMS)} rooms: every include points down")
    return 0


if __name__ == "__main__":
    sys.exit(main())
