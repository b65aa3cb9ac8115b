#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Schedules through the real `aios --headless`, with the wall clock moved
# by AIOS_CLOCK_OFFSET_MS (read by aios_store_now_ms()): an operator's
# flow (in $XDG_CONFIG_HOME/aios/flows) runs every weekday at 09:00 (TZ
# Europe/Berlin). It ticks once at Friday 09:00; the weekend is skipped
# (next: Monday); a restart after a forward jump to Tuesday 10:00 (Monday's
# and Tuesday's ticks missed, as after a sleep) runs it once, not twice; a
# restart at the same time runs nothing; a paused schedule does not tick
# and, resumed, does not catch up on what passed while paused. A schedule
# every 2 s ticks once per interval while running and once (not once per
# missed interval) after a restart that comes 10 s later. A broken schedule
# is refused with its JSON path.
# Run inside a private session bus (dbus-run-session).
import datetime
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aiostest import Workspace, bus_has_name, check, kill, wait_for  # noqa: E402

try:
    from zoneinfo import ZoneInfo
except ImportError:  # pragma: no cover
    ZoneInfo = None

TZ = "Europe/Berlin"


def flow(flow_id, schedule):
    return {"id": flow_id, "title": "Tick " + flow_id,
            "schedule": schedule,
            "steps": [{"name": "note", "agent": "template", "config": {"template": {"tick": "yes"}}}]}


def runs(ws, flow_id):
    return [r for r in ws.query("SELECT id, status FROM runs WHERE flow_id = ? ORDER BY id", flow_id)]


def offset_for(local):
    """The offset (ms) that makes the process's clock read @local now."""
    return int(local.timestamp() * 1000) - int(time.time() * 1000)


def start(ws, local):
    ws.env["AIOS_CLOCK_OFFSET_MS"] = str(offset_for(local))
    proc = ws.start_headless()
    wait_for(lambda: bus_has_name(ws.env), what="aios --headless on the session bus")
    return proc


def schedule_of(ws, flow_id):
    return next(s for s in ws.json("schedules") if s["flow"] == flow_id)


def local_of(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, ZoneInfo(TZ))


def main():
    check(ZoneInfo is not None, "python3 zoneinfo is needed")
    ws = Workspace("schedules")
    ws.env["TZ"] = TZ
    tz = ZoneInfo(TZ)
    flows_dir = os.path.join(ws.env["XDG_CONFIG_HOME"], "aios", "flows")
    os.makedirs(flows_dir, exist_ok=True)
    with open(os.path.join(flows_dir, "morning.json"), "w") as f:
        json.dump(flow("morning", {"every": "weekday", "at": "09:00", "input": {}}), f)
    with open(os.path.join(flows_dir, "broken.json"), "w") as f:
        json.dump(flow("broken", {"every": "fortnight"}), f)

    listing = ws.run("flows")
    check("broken.json: $.schedule" in listing.stderr and "fortnight" in listing.stderr,
          "a broken schedule is refused with its JSON path: %r" % listing.stderr)
    check("every weekday at 09:00" in listing.stdout, "`aios flows` shows the schedule: %r" % listing.stdout)

    # A Friday, 3 s before 09:00 local time.
    friday = datetime.datetime(2027, 3, 5, 8, 59, 57, tzinfo=tz)
    check(friday.weekday() == 4, "2027-03-05 is a Friday")
    headless = None
    try:
        headless = start(ws, friday)
        wait_for(lambda: len(runs(ws, "morning")) == 1, timeout=20, what="the Friday 09:00 tick")
        time.sleep(3)
        check(len(runs(ws, "morning")) == 1, "one tick per interval: %r" % runs(ws, "morning"))
        wait_for(lambda: runs(ws, "morning")[0][1] == "succeeded", what="the scheduled run to finish")
        s = schedule_of(ws, "morning")
        check(local_of(s["next_at"]).strftime("%A %H:%M") == "Monday 09:00",
              "the weekend is skipped: next %s" % local_of(s["next_at"]))
        check(local_of(s["last_tick_at"]).strftime("%A %H:%M") == "Friday 09:00", "the tick was Friday 09:00")
        listing = ws.run("schedules").stdout
        check("morning" in listing and "every weekday at 09:00" in listing, "`aios schedules` lists it: %r" % listing)
        kill(headless)

        # A forward jump to Tuesday 10:00: Monday's and Tuesday's ticks were missed: one run.
        tuesday = datetime.datetime(2027, 3, 9, 10, 0, 0, tzinfo=tz)
        headless = start(ws, tuesday)
        wait_for(lambda: len(runs(ws, "morning")) == 2, timeout=20, what="the tick missed while asleep")
        time.sleep(3)
        check(len(runs(ws, "morning")) == 2, "missed ticks run once, not once each: %r" % runs(ws, "morning"))
        s = schedule_of(ws, "morning")
        check(local_of(s["last_tick_at"]).strftime("%A %H:%M") == "Tuesday 09:00", "the tick is Tuesday's")
        check(local_of(s["next_at"]).strftime("%A %H:%M") == "Wednesday 09:00", "next: Wednesday")
        events = ws.query("SELECT COUNT (*) FROM events WHERE kind = 'schedule.ticked'")[0][0]
        check(events == 2, "each tick is journaled once: %d" % events)
        kill(headless)

        # A restart at the same time: nothing more.
        headless = start(ws, tuesday + datetime.timedelta(seconds=5))
        time.sleep(3)
        check(len(runs(ws, "morning")) == 2, "a restart runs no tick twice: %r" % runs(ws, "morning"))

        # Paused: no tick when due; resumed: the paused interval is not caught up.
        ws.run("schedules", "pause", "morning")
        check(ws.run("schedules", "pause", "nosuchflow", check_rc=False).returncode != 0,
              "pausing a flow without a schedule fails")
        check(schedule_of(ws, "morning")["paused"] is True, "the schedule says paused")
        kill(headless)
        headless = start(ws, datetime.datetime(2027, 3, 10, 9, 30, 0, tzinfo=tz))
        time.sleep(3)
        check(len(runs(ws, "morning")) == 2, "a paused schedule does not tick")
        ws.run("schedules", "resume", "morning")
        time.sleep(3)
        check(len(runs(ws, "morning")) == 2, "resuming does not catch up on paused time")
        s = schedule_of(ws, "morning")
        check(local_of(s["next_at"]).strftime("%A %H:%M") == "Thursday 09:00",
              "next after resuming: Thursday, got %s" % local_of(s["next_at"]))
        kill(headless)
        headless = None

        # Every 2 s: once per interval while running; one catch-up after a restart 10 s later.
        with open(os.path.join(flows_dir, "often.json"), "w") as f:
            json.dump(flow("often", {"every": "2s"}), f)
        now = datetime.datetime.now(tz)
        headless = start(ws, now)
        time.sleep(5.5)
        n = len(runs(ws, "often"))
        check(2 <= n <= 3, "every 2 s for 5.5 s: 2 or 3 ticks, got %d" % n)
        kill(headless)
        headless = None
        time.sleep(12)
        t0 = time.monotonic()
        headless = start(ws, datetime.datetime.now(tz))
        wait_for(lambda: len(runs(ws, "often")) > n, timeout=10, what="the tick missed while stopped")
        time.sleep(0.5)
        after = len(runs(ws, "often"))
        # Six intervals passed while stopped: one catch-up run, plus at most
        # the regular ticks of the time since the restart.
        allowed = n + 1 + int((time.monotonic() - t0) / 2) + 1
        check(n + 1 <= after <= allowed and after < n + 6,
              "the missed intervals run once on wake: %d then %d (at most %d)" % (n, after, allowed))
        print("ok: weekday ticks once each across restarts and a clock jump; pause; %d + 1 ticks of every 2s" % n)
    finally:
        if headless is not None:
            kill(headless)


if __name__ == "__main__":
    main()
