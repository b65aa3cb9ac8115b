#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Crash safety of the first workflow: `aios --headless` is SIGKILLed at
# random moments while approvals are decided and emails are being sent to
# an SMTP server slow enough (it accepts the message, then waits seconds
# before its final reply) that kills land mid-send. After the last restart:
# every run settles, no recipient ever receives a message twice, nothing
# unapproved was sent, and an interrupted send is shown as an unknown
# outcome for the operator instead of being resent.
# Run inside a private session bus (dbus-run-session).
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aiostest import Smtp, Workspace, bus_has_name, check, kill, wait_for  # noqa: E402

ROUNDS = int(os.environ.get("AIOS_CRASH_ROUNDS", "12"))
EXTRA_LEADS = 10


def pending(ws):
    return [row[0] for row in ws.query("SELECT id FROM approvals WHERE status = 'pending' ORDER BY id")]


def start(ws):
    proc = ws.start_headless()
    wait_for(lambda: bus_has_name(ws.env), what="aios --headless on the session bus")
    return proc


def main():
    seed = int(os.environ.get("AIOS_CRASH_SEED", str(int(time.time()))))
    rng = random.Random(seed)
    print("seed %d, %d rounds" % (seed, ROUNDS), flush=True)

    ws = Workspace("crash")
    smtp = Smtp(ws.tmp, fault="data-slow")
    headless = None
    try:
        ws.run("config", "set", "smtp.url", smtp.url)
        ws.run("--demo")
        for i in range(EXTRA_LEADS):
            lead = {"name": "Lead %d Example" % i, "email": "lead%d@client%d.example" % (i, i),
                    "company": "Client %d Ltd" % i, "source": "website form",
                    "message": "We need a new website within a few weeks; budget is approved."}
            ws.run("submit", "lead-outreach", "--input", "-", stdin=json.dumps(lead))

        headless = start(ws)
        wait_for(lambda: len(pending(ws)) == 5 + EXTRA_LEADS, timeout=60, what="every good lead to wait for approval")
        approved = set()

        for round_no in range(ROUNDS):
            waiting = pending(ws)
            for approval in rng.sample(waiting, min(len(waiting), rng.randint(1, 3))):
                proc = ws.run("approve", str(approval), check_rc=False)
                if proc.returncode == 0:
                    approved.add(approval)
            time.sleep(rng.uniform(0.0, 3.5))
            kill(headless)
            headless = start(ws)

        # Decide what is left, then let the last instance settle everything.
        for approval in pending(ws):
            if ws.run("approve", str(approval), check_rc=False).returncode == 0:
                approved.add(approval)

        def settled():
            busy = ws.query("SELECT COUNT(*) FROM runs WHERE status IN ('queued', 'running')")[0][0]
            sending = ws.query("SELECT COUNT(*) FROM outbox WHERE status IN ('prepared', 'sending')")[0][0]
            waiting_retry = ws.query("SELECT COUNT(*) FROM steps WHERE status = 'waiting' "
                                     "AND next_attempt_at IS NOT NULL")[0][0]
            return busy == 0 and sending == 0 and waiting_retry == 0

        wait_for(settled, timeout=120, what="every run to settle after the last restart")
        kill(headless)
        headless = None

        messages = smtp.messages()
        sent_to = [m["rcpt_tos"][0] for m in messages]
        dupes = {to for to in sent_to if sent_to.count(to) > 1}
        check(not dupes, "recipients got a message twice: %s" % sorted(dupes))

        approved_to = {row[0] for row in ws.query(
            "SELECT json_extract (o.request_json, '$.to') FROM outbox o JOIN approvals a ON a.id = o.approval_id "
            "WHERE a.status = 'approved'")}
        unapproved = set(sent_to) - approved_to
        check(not unapproved, "messages went out without an approval: %s" % sorted(unapproved))

        outbox = ws.query("SELECT id, run_id, status, json_extract (request_json, '$.to') FROM outbox")
        unknown = [row for row in outbox if row[2] == "unknown"]
        for oid, run_id, status, to in outbox:
            check(status in ("sent", "unknown"), "outbox %d ended as %s" % (oid, status))
            if status == "sent":
                check(sent_to.count(to) == 1, "outbox %d says sent but %s got %d messages" % (oid, to, sent_to.count(to)))
        for oid, run_id, status, to in unknown:
            run = ws.query("SELECT status FROM runs WHERE id = ?", run_id)[0][0]
            attention = ws.query("SELECT COUNT(*) FROM events WHERE run_id = ? AND kind = 'outbox.unknown'", run_id)[0][0]
            check(attention >= 1, "outbox %d's unknown outcome was not journaled for the operator" % oid)
            check(run not in ("queued", "running"), "run %d with an unknown send is still running" % run_id)

        runs = ws.query("SELECT id, status FROM runs")
        check(all(s in ("succeeded", "failed", "cancelled", "waiting") for _, s in runs),
              "runs did not settle: %r" % runs)
        print("ok: %d rounds, %d approvals, %d messages, %d unknown outcomes (kept for the operator)"
              % (ROUNDS, len(approved), len(messages), len(unknown)))
    finally:
        if headless is not None:
            kill(headless)
        smtp.stop()


if __name__ == "__main__":
    main()
