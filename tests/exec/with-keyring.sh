#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs a test inside a private D-Bus session with a fresh, unlocked
# gnome-keyring-daemon (see shared/testing/RECIPES.md), so libsecret talks to
# a real Secret Service and nothing touches the user's own keyring.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp/home" XDG_RUNTIME_DIR="$tmp/run" XDG_DATA_HOME="$tmp/data" \
       XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache"
mkdir -p "$HOME" "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
chmod 700 "$XDG_RUNTIME_DIR"
exec dbus-run-session -- sh -c '
  eval "$(printf "aios-test-unlock" | gnome-keyring-daemon --daemonize --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL
  "$@"
  status=$?
  [ -n "${GNOME_KEYRING_PID:-}" ] && kill "$GNOME_KEYRING_PID" 2>/dev/null
  exit $status
' sh "$@"
