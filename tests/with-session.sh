#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs one command inside a private desktop session, for UI tests:
#
#   tests/with-session.sh COMMAND [ARGS...]
#
# - HOME and every XDG_* folder in a fresh temp folder (removed afterwards),
# - an X server of its own (Xvfb on a free display, 1280x800x24),
# - a private session bus (dbus-run-session) that can D-Bus-activate the
#   build's aios (build/tests/com.example.Aios.service),
# - an unlocked gnome-keyring-daemon (secrets), a real notification server
#   (notification-daemon) and the accessibility bus (at-spi-bus-launcher),
# - GSETTINGS_SCHEMA_DIR at the build's compiled schemas, GDK_BACKEND=x11,
#   GSK_RENDERER=cairo, LC_ALL=C.UTF-8.
# It exits with COMMAND's status and stops every daemon it started.
#
# In meson (other rooms: do the same for your UI tests):
#   test('my-ui-test', with_session, args: [my_test_exe], env: test_env, suite: 'ui')
# By hand: AIOS_BUILD_DIR=build tests/with-session.sh build/src/aios
# AIOS_BUILD_DIR defaults to build/ next to this script's folder.
set -eu

here=$(cd "$(dirname "$0")" && pwd)

if [ "${1:-}" != "--inside-session" ]; then
  [ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }
  build=${AIOS_BUILD_DIR:-$here/../build}
  build=$(cd "$build" && pwd)
  export AIOS_BUILD_DIR="$build"

  tmp=$(mktemp -d "${TMPDIR:-/tmp}/aios-session-XXXXXX")
  xvfb_pid=""
  cleanup() {
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null && wait "$xvfb_pid" 2>/dev/null || true
    rm -rf "$tmp"
  }
  trap cleanup EXIT
  trap 'exit 130' INT TERM

  export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data"
  export XDG_CACHE_HOME="$tmp/cache" XDG_STATE_HOME="$tmp/state" XDG_RUNTIME_DIR="$tmp/runtime"
  mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_STATE_HOME" \
           "$XDG_RUNTIME_DIR" "$tmp/share/dbus-1/services"
  chmod 700 "$XDG_RUNTIME_DIR"
  # The private bus finds the build's aios for D-Bus activation here.
  for service in "$build"/tests/*.service; do
    [ -e "$service" ] && cp "$service" "$tmp/share/dbus-1/services/"
  done
  export XDG_DATA_DIRS="$tmp/share:/usr/local/share:/usr/share"
  export GSETTINGS_SCHEMA_DIR="$build/data"
  export GDK_BACKEND=x11 GSK_RENDERER=cairo LC_ALL=C.UTF-8
  unset WAYLAND_DISPLAY GTK_A11Y 2>/dev/null || true

  # -displayfd picks a free display atomically (parallel tests, other users).
  exec 9>"$tmp/display"
  # -noreset: by default the server resets when its last client leaves, and
  # a client connecting during the reset is refused.
  Xvfb -displayfd 9 -screen 0 1280x800x24 -nolisten tcp -noreset >"$tmp/xvfb.log" 2>&1 &
  xvfb_pid=$!
  exec 9>&-
  tries=0
  while [ ! -s "$tmp/display" ]; do
    tries=$((tries + 1))
    if [ $tries -gt 200 ] || ! kill -0 "$xvfb_pid" 2>/dev/null; then
      echo "with-session: Xvfb did not start:" >&2; cat "$tmp/xvfb.log" >&2; exit 1
    fi
    sleep 0.05
  done
  export DISPLAY=":$(head -n1 "$tmp/display")"
  # and wait until it answers clients
  tries=0
  until xdotool getdisplaygeometry >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ $tries -gt 200 ] || ! kill -0 "$xvfb_pid" 2>/dev/null; then
      echo "with-session: Xvfb on $DISPLAY does not answer:" >&2; cat "$tmp/xvfb.log" >&2; exit 1
    fi
    sleep 0.05
  done

  status=0
  dbus-run-session -- "$0" --inside-session "$@" || status=$?
  exit $status
fi

# Inside the private session bus.
shift
pids=""
cleanup_inside() {
  for pid in $pids; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in $pids; do
    # only our own children can be waited for; the keyring daemonized itself
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup_inside EXIT
trap 'exit 130' INT TERM

bus_pid_of() {
  gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
    --method org.freedesktop.DBus.GetConnectionUnixProcessID "$1" 2>/dev/null |
    sed -n 's/^(uint32 \([0-9]*\),)$/\1/p'
}

wait_for_name() {
  tries=0
  while ! gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
            --method org.freedesktop.DBus.NameHasOwner "$1" 2>/dev/null | grep -q true; do
    tries=$((tries + 1))
    if [ $tries -gt 200 ]; then
      echo "with-session: $1 did not appear on the session bus" >&2
      cat "$XDG_RUNTIME_DIR"/*.log >&2 2>/dev/null || true
      exit 1
    fi
    sleep 0.05
  done
}

/usr/libexec/at-spi-bus-launcher --launch-immediately >"$XDG_RUNTIME_DIR/at-spi.log" 2>&1 &
pids="$pids $!"
/usr/lib/notification-daemon/notification-daemon >"$XDG_RUNTIME_DIR/notification-daemon.log" 2>&1 &
pids="$pids $!"

# A non-empty password: an empty one makes the daemon ask through a prompt.
eval "$(printf 'aios-test-password' | gnome-keyring-daemon --daemonize --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
wait_for_name org.freedesktop.secrets
pids="$pids $(bus_pid_of org.freedesktop.secrets)"
wait_for_name org.freedesktop.Notifications
wait_for_name org.a11y.Bus

status=0
"$@" || status=$?
exit $status
