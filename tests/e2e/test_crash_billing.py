#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Crash safety of the billing flow: `aios --headless` is SIGKILLed at
# random moments while billing runs for six clients are approved, second
# runs for the same clients and period are submitted, and invoices are
# being issued to a Stripe-compatible peer that is, in some rounds, slow
# enough (each call answered 1 s late) that kills land in the middle of the customer → invoice → items
# → finalize → send sequence. After the last restart: every run settles; no
# client has more than one invoice at the peer; an invoice the outbox says
# was sent is there exactly once, open, sent once, with the total the
# contract says, and its work records are marked billed by that run; an
# interrupted one is an unknown outcome for the operator, never resent; every
# POST carried an Idempotency-Key; nothing was issued without an approval.
# Run inside a private session bus (dbus-run-session).
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aiostest import Workspace, bus_has_name, check, kill, wait_for  # noqa: E402
from test_billing import Api, put  # noqa: E402

ROUNDS = int(os.environ.get("AIOS_CRASH_ROUNDS", "8"))
CLIENTS = 6


def start(ws):
    proc = ws.start_headless()
    wait_for(lambda: bus_has_name(ws.env), what="aios --headless on the session bus")
    return proc


def submit(ws, client):
    spec = {"client": client, "period": "2026-11", "issue_date": "2026-12-01"}
    return int(ws.run("submit", "billing", "--input", "-", stdin=json.dumps(spec)).stdout.strip())


def pending(ws):
    return [r[0] for r in ws.query("SELECT id FROM approvals WHERE status = 'pending' ORDER BY id")]


def main():
    seed = int(os.environ.get("AIOS_CRASH_SEED", str(int(time.time()))))
    rng = random.Random(seed)
    print("seed %d, %d rounds" % (seed, ROUNDS), flush=True)

    ws = Workspace("crash-billing")
    api = Api()
    headless = None
    expected = {}
    work = {}
    try:
        ws.run("config", "set", "invoice.url", api.base + "/slowstripe")
        for i in range(CLIENTS):
            name = "Client %d GmbH" % i
            email = "ap@client%d.example" % i
            rate = 80 + 5 * i
            put(ws, "client", {"name": name, "email": email})
            put(ws, "contract", {"client": name, "rate": rate, "currency": "EUR", "tax_rate": 19, "payment_days": 30})
            hours = [1 + i, 2.5]
            work[name] = [put(ws, "work", {"client": name, "date": "2026-11-%02d" % (3 + d), "hours": h,
                                           "description": "Task %d" % d}) for d, h in enumerate(hours)]
            subtotal = sum(int(h * rate * 100 + 0.5) for h in hours)   # cents, half away from zero
            expected[email] = (name, subtotal + (subtotal * 19 + 50) // 100)
            submit(ws, name)

        headless = start(ws)
        wait_for(lambda: len(pending(ws)) == CLIENTS, timeout=60, what="an invoice approval per client")
        approved = set()
        for round_no in range(ROUNDS):
            # Some rounds the peer answers at once, some 1 s late per call.
            ws.run("config", "set", "invoice.url", api.base + rng.choice(["/ok", "/slowstripe"]))
            waiting = pending(ws)
            for approval in rng.sample(waiting, min(len(waiting), rng.randint(1, 2))):
                if ws.run("approve", str(approval), check_rc=False).returncode == 0:
                    approved.add(approval)
            if rng.random() < 0.5:
                submit(ws, "Client %d GmbH" % rng.randrange(CLIENTS))   # a second run: must be refused
            time.sleep(rng.uniform(0.0, 3.5))
            kill(headless)
            headless = start(ws)

        ws.run("config", "set", "invoice.url", api.base + "/ok")
        for approval in pending(ws):
            if ws.run("approve", str(approval), check_rc=False).returncode == 0:
                approved.add(approval)

        def settled():
            busy = ws.query("SELECT COUNT(*) FROM runs WHERE status IN ('queued', 'running')")[0][0]
            sending = ws.query("SELECT COUNT(*) FROM outbox WHERE status IN ('prepared', 'sending')")[0][0]
            waiting_retry = ws.query("SELECT COUNT(*) FROM steps WHERE status = 'waiting' "
                                     "AND next_attempt_at IS NOT NULL")[0][0]
            return busy == 0 and sending == 0 and waiting_retry == 0

        wait_for(settled, timeout=180, what="every run to settle after the last restart")
        kill(headless)
        headless = None

        outbox = ws.query("SELECT o.id, o.run_id, o.status, json_extract (o.request_json, '$.customer.email'), "
                          "o.idempotency_key, a.status FROM outbox o JOIN approvals a ON a.id = o.approval_id")
        emails = [row[3] for row in outbox]
        check(len(emails) == len(set(emails)), "a client has two outbox items: %r" % emails)
        unknown = 0
        for oid, run_id, status, email, key, approval_status in outbox:
            name, total = expected[email]
            invoices = api.invoices_for(email)
            check(approval_status == "approved", "outbox %d without an approval (%s)" % (oid, approval_status))
            check(len(invoices) <= 1, "%s has %d invoices at the peer" % (name, len(invoices)))
            check(status in ("sent", "unknown"), "outbox %d ended as %s" % (oid, status))
            if status == "sent":
                inv = invoices[0] if invoices else {}
                check(inv.get("status") == "open" and inv.get("sent") == 1 and inv.get("total") == total,
                      "%s's sent invoice at the peer: %r (expected total %d)" % (name, inv, total))
                check(ws.query("SELECT status FROM runs WHERE id = ?", run_id)[0][0] == "succeeded",
                      "run %d sent its invoice but did not finish" % run_id)
                for w in work[name]:
                    fields, by_run = ws.query("SELECT fields_json, run_id FROM record_versions WHERE record_id = ? "
                                              "ORDER BY version DESC LIMIT 1", w)[0]
                    fields = json.loads(fields)
                    check(fields.get("billed") == "yes" and fields.get("invoice") == inv.get("id") and by_run == run_id,
                          "work %d of %s: %r (run %r)" % (w, name, fields, by_run))
            else:
                unknown += 1
                events = ws.query("SELECT COUNT(*) FROM events WHERE run_id = ? AND kind = 'outbox.unknown'", run_id)
                check(events[0][0] >= 1, "outbox %d's unknown outcome was not journaled" % oid)
        for email, (name, total) in expected.items():
            check(len(api.invoices_for(email)) <= 1, "%s has more than one invoice" % name)

        for r in api.get("/_log"):
            if r["method"] == "POST" and "/v1/" in r["path"]:
                k = {h.lower(): v for h, v in r["headers"].items()}.get("idempotency-key", "")
                check("billing/client-" in k, "a POST to %s was keyed %r" % (r["path"], k))

        runs = ws.query("SELECT id, status, attention FROM runs")
        check(all(s in ("succeeded", "failed", "cancelled", "waiting") for _, s, _ in runs), "runs did not settle: %r"
              % runs)
        for run_id, status, attention in runs:
            if status == "failed" and attention and "action" in attention:
                check("already" in attention or "unknown" in attention or "may or may not" in attention,
                      "run %d failed: %s" % (run_id, attention))
        print("ok: %d rounds, %d approvals, %d invoices sent, %d unknown outcomes (kept for the operator), %d runs"
              % (ROUNDS, len(approved), len(outbox) - unknown, unknown, len(runs)))
    finally:
        if headless is not None:
            kill(headless)
        api.stop()


if __name__ == "__main__":
    main()
