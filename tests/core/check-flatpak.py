#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Flatpak manifest cannot be built here (no runtime remote), so this checks
that it parses and agrees with the project: app id and project name from
meson.build, the command from src/meson.build and the desktop file, a current
GNOME runtime, meson as the build system of the app's module, a source that
is this repository, and finish-args that are each justified in the README.
Uses $AIOS_SOURCE_DIR.
"""
import configparser
import json
import os
import re
import sys

ALLOWED_FINISH_ARGS = {
    "--share=ipc", "--socket=fallback-x11", "--socket=wayland", "--device=dri",
    "--share=network", "--talk-name=org.freedesktop.secrets",
}


def read(root, *parts):
    with open(os.path.join(root, *parts), encoding="utf-8") as f:
        return f.read()


def main():
    root = os.environ["AIOS_SOURCE_DIR"]
    manifest_path = os.path.join(root, "build-aux", "flatpak", "com.example.Aios.json")
    manifest = json.loads(read(root, "build-aux", "flatpak", "com.example.Aios.json"))
    meson = read(root, "meson.build")
    problems = []

    def expect(cond, message):
        if not cond:
            problems.append(message)

    app_id = re.search(r"app_id_base\s*=\s*'([^']+)'", meson).group(1)
    project = re.search(r"project\(\s*'([^']+)'", meson).group(1)
    executable = re.search(r"executable\(\s*'([^']+)'", read(root, "src", "meson.build")).group(1)
    desktop = configparser.ConfigParser(interpolation=None)
    desktop.optionxform = str
    desktop.read_string(read(root, "data", app_id + ".desktop.in"))
    desktop_exec = desktop["Desktop Entry"]["Exec"].split()[0]

    expect(manifest.get("id") == app_id, f"id {manifest.get('id')!r} is not meson's {app_id!r}")
    expect(manifest.get("command") == executable,
           f"command {manifest.get('command')!r} is not the executable {executable!r}")
    expect(desktop_exec == executable, f"the desktop file runs {desktop_exec!r}, not {executable!r}")
    expect(manifest.get("runtime") == "org.gnome.Platform", "runtime is not org.gnome.Platform")
    expect(manifest.get("sdk") == "org.gnome.Sdk", "sdk is not org.gnome.Sdk")
    version = str(manifest.get("runtime-version", "0"))
    expect(version == "master" or float(version) >= 47, f"runtime-version {version} is older than 47")

    modules = manifest.get("modules", [])
    expect(len(modules) > 0 and isinstance(modules[-1], dict), "no modules")
    if modules and isinstance(modules[-1], dict):
        app = modules[-1]
        expect(app.get("name") == project, f"the last module is {app.get('name')!r}, not {project!r}")
        expect(app.get("buildsystem") == "meson", "the app module is not built with meson")
        dirs = [s for s in app.get("sources", []) if s.get("type") == "dir"]
        expect(len(dirs) == 1, "the app module does not build from this repository (a dir source)")
        for s in dirs:
            path = os.path.normpath(os.path.join(os.path.dirname(manifest_path), s["path"]))
            expect(os.path.samefile(path, root), f"dir source {s['path']} is not the repository root")
        for opt in app.get("config-opts", []):
            m = re.match(r"-D([\w-]+)=", opt)
            expect(m is not None and re.search(r"option\('%s'" % re.escape(m.group(1)),
                                               read(root, "meson_options.txt")) is not None,
                   f"config-opt {opt} is not an option in meson_options.txt")

    readme = read(root, "README.md")
    for arg in manifest.get("finish-args", []):
        expect(arg in ALLOWED_FINISH_ARGS, f"finish-arg {arg} is not one of the justified minimal set")
        expect(f"`{arg}`" in readme, f"finish-arg {arg} is not justified in README.md")
    for needed in ("--share=network", "--talk-name=org.freedesktop.secrets"):
        expect(needed in manifest.get("finish-args", []), f"finish-args lack {needed}")

    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print(f"{app_id}: runtime org.gnome.Platform {version}, command {executable}, "
          f"{len(modules)} module(s), {len(manifest.get('finish-args', []))} justified finish-args")
    return 0


if __name__ == "__main__":
    sys.exit(main())
