#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fails when po/POTFILES.in is out of step with the sources.

Every src/**/*.c and src/**/*.ui with a translatable string (_(), N_(), C_(),
NC_(), ngettext, translatable="yes") must be listed, and every listed file must
exist. Usage: check-potfiles.py [SOURCE_ROOT] (default: $AIOS_SOURCE_DIR).
"""
import os
import re
import sys

MARKERS = {
    ".c": re.compile(r"(?<![\w])(?:_|N_|C_|NC_|Q_)\s*\(|\b\w*ngettext\s*\("),
    ".ui": re.compile(r"translatable\s*=\s*[\"'](?:yes|true|1)[\"']"),
}


def listed_files(root):
    files = []
    with open(os.path.join(root, "po", "POTFILES.in"), encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if line and not line.startswith("#"):
                files.append((number, line))
    return files


def translatable_sources(root):
    for folder, dirs, names in os.walk(os.path.join(root, "src")):
        dirs.sort()
        for name in sorted(names):
            marker = MARKERS.get(os.path.splitext(name)[1])
            if marker is None:
                continue
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as f:
                if marker.search(f.read()):
                    yield os.path.relpath(path, root)


def self_test():
    """The check itself must fail on a stale list: proves it can fail."""
    import tempfile

    def tree(potfiles, sources):
        root = tempfile.mkdtemp(prefix="aios-potfiles-")
        os.makedirs(os.path.join(root, "po"))
        with open(os.path.join(root, "po", "POTFILES.in"), "w", encoding="utf-8") as f:
            f.write("# comment\n" + "".join(p + "\n" for p in potfiles))
        for name, text in sources.items():
            os.makedirs(os.path.dirname(os.path.join(root, name)), exist_ok=True)
            with open(os.path.join(root, name), "w", encoding="utf-8") as f:
                f.write(text)
        return root

    good = {"src/a.c": 'puts (_("Hi"));', "src/ui/b.ui": '<p translatable="yes">x</p>',
            "src/c.c": "my_func (x); /* no strings */"}
    cases = [
        (["src/a.c", "src/ui/b.ui"], good, 0),
        (["src/a.c"], good, 1),                                   # .ui missing
        (["src/ui/b.ui"], good, 1),                               # .c missing
        (["src/a.c", "src/ui/b.ui", "src/gone.c"], good, 1),      # listed, absent
        ([], {"src/n.c": 'ngettext ("a", "b", n);'}, 1),
        ([], {"src/n.c": 'C_("ctx", "b");'}, 1),
    ]
    for potfiles, sources, expected in cases:
        root = tree(potfiles, sources)
        status = run(root)
        if status != expected:
            print(f"self-test: {potfiles} {sorted(sources)} gave {status}, expected {expected}",
                  file=sys.stderr)
            return 1
    print("self-test: the check fails on each stale list")
    return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    return run(sys.argv[1] if len(sys.argv) > 1 else os.environ["AIOS_SOURCE_DIR"])


def run(root):
    listed = listed_files(root)
    names = {name for _, name in listed}
    problems = []
    for number, name in listed:
        if not os.path.isfile(os.path.join(root, name)):
            problems.append(f"po/POTFILES.in:{number}: {name} does not exist")
    for path in translatable_sources(root):
        if path not in names:
            problems.append(f"{path} has translatable strings but is missing from po/POTFILES.in")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print(f"po/POTFILES.in lists all {len(names)} files with translatable strings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
