#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The soak (issue 18): `aios --headless` is SIGKILLed again and again at
# random moments while leads arrive, approvals are decided (inside and after
# the undo grace) and emails and an invoice are sent, and the peers flip
# between faults: the SMTP peer restarts with another fault every few cycles
# (slow final reply, 450 for a while, 421, a connection dropped after the
# data), the Stripe-compatible peer's base URL switches between normal,
# slow, 500 and reset answers. After *every* kill, the workspace file is read
# as it was left, and must hold:
#   - PRAGMA integrity_check: ok;
#   - no message delivered twice (by Message-ID), none to a recipient no
#     approved outbox item names, none for an item the outbox does not say
#     was being sent, sent or unknown;
#   - no invoice twice at the Stripe peer for one idempotency key family,
#     and none without an approved outbox item;
#   - the journal complete: every sent item has its outbox.sent event, every
#     decided approval its decision event;
#   - memory consistent: every record's current version is its last one and
#     its versions are numbered 1..n without a gap.
# At the end, a last clean instance settles everything: every approved item
# is sent or an unknown outcome kept for the operator, never resent.
#
# AIOS_SOAK_CYCLES (default 16) and AIOS_SOAK_SEED choose the length and the
# randomness; `build-aux/aios-dev soak CYCLES` runs a long one.
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aiostest import SRC, Smtp, Workspace, bus_has_name, check, kill, wait_for  # noqa: E402

CYCLES = int(os.environ.get("AIOS_SOAK_CYCLES", "16"))
SMTP_FAULTS = ["none", "none", "data-slow", "rcpt450", "mail421", "data-drop"]
API_MODES = ["ok", "ok", "slowstripe", "e500", "reset"]
MESSAGE_ID = re.compile(r"^Message-ID:\s*(<[^>]+>)", re.I | re.M)


class Api:
    def __init__(self, tmp):
        self.proc = subprocess.Popen(["/usr/bin/python3", os.path.join(SRC, "tests", "peers", "exec-api-peer.py")],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().split()
        check(line and line[0] == "PORT", "the API peer did not start: %r" % line)
        self.base = "http://127.0.0.1:%s" % line[1]

    def objects(self):
        with urllib.request.urlopen(self.base + "/_objects", timeout=10) as r:
            return json.loads(r.read())

    def log(self):
        with urllib.request.urlopen(self.base + "/_log", timeout=10) as r:
            return json.loads(r.read())

    def stop(self):
        kill(self.proc)


def peer_dir(ws, n):
    path = os.path.join(ws.tmp, "smtp%d" % n)
    os.makedirs(path, exist_ok=True)
    return path


def db(ws):
    con = sqlite3.connect("file:%s?mode=ro" % ws.db, uri=True, timeout=30)
    con.execute("PRAGMA busy_timeout = 30000")
    return con


def pending(ws):
    return [row[0] for row in ws.query("SELECT id FROM approvals WHERE status = 'pending' ORDER BY id")]


def deliveries(smtps):
    out = []
    for smtp in smtps:
        for m in smtp.messages():
            mid = MESSAGE_ID.search(m["content"])
            out.append((mid.group(1) if mid else None, m["rcpt_tos"][0]))
    return out


def check_invariants(ws, smtps, api, cycle, final=False):
    con = db(ws)
    try:
        integrity = con.execute("PRAGMA integrity_check").fetchall()
        check(integrity == [("ok",)], "cycle %d: integrity_check says %r" % (cycle, integrity))

        delivered = deliveries(smtps)
        ids = [mid for mid, _ in delivered]
        check(None not in ids, "cycle %d: a delivered message has no Message-ID" % cycle)
        dupes = {mid for mid in ids if ids.count(mid) > 1}
        check(not dupes, "cycle %d: delivered twice: %s" % (cycle, sorted(dupes)))

        outbox = con.execute("SELECT o.id, o.connector, o.status, json_extract (o.request_json, '$.to'), "
                             "a.status, o.policy_rule FROM outbox o LEFT JOIN approvals a ON a.id = o.approval_id"
                             ).fetchall()
        for oid, connector, status, to, approval, rule in outbox:
            check(approval == "approved" or (approval is None and rule is not None) or status == "cancelled",
                  "cycle %d: outbox %d (%s, %s) has no approval and no policy rule (%r)"
                  % (cycle, oid, connector, status, approval))
        emails = [row for row in outbox if row[1] == "email"]
        allowed = {to for _, _, status, to, _, _ in emails if status in ("sending", "sent", "unknown")}
        for mid, to in delivered:
            check(to in allowed, "cycle %d: %s got %s, but no approved item for it is sending, sent or unknown"
                  % (cycle, to, mid))
        for oid, _, status, to, _, _ in emails:
            if status == "sent":
                n = sum(1 for _, t in delivered if t == to)
                check(n == 1, "cycle %d: outbox %d says sent, %s got %d messages" % (cycle, oid, to, n))

        invoices = [o for o in api.objects().values() if o.get("object") == "invoice"]
        issued = [row for row in outbox if row[1] == "invoice" and row[2] in ("sending", "sent", "unknown")]
        check(len(invoices) <= len(issued),
              "cycle %d: %d invoices at the peer for %d approved invoice items" % (cycle, len(invoices), len(issued)))
        keys = [row["headers"].get("Idempotency-Key") for row in api.log()
                if row["method"] == "POST" and "/v1/" in row["path"]]
        check(all(keys), "cycle %d: a Stripe POST went out without an Idempotency-Key" % cycle)

        unjournaled = con.execute(
            "SELECT o.id FROM outbox o WHERE o.status = 'sent' AND NOT EXISTS "
            "(SELECT 1 FROM event_links l JOIN events e ON e.id = l.event_id "
            " WHERE l.target_kind = 'outbox' AND l.target_id = CAST (o.id AS TEXT) AND e.kind = 'outbox.sent')"
        ).fetchall()
        check(not unjournaled, "cycle %d: sent items without an outbox.sent event: %r" % (cycle, unjournaled))
        undecided = con.execute(
            "SELECT a.id, a.status FROM approvals a WHERE a.status IN ('approved', 'rejected') AND NOT EXISTS "
            "(SELECT 1 FROM events e WHERE e.run_id = a.run_id AND e.step_id = a.step_id "
            " AND e.kind = 'approval.' || a.status)").fetchall()
        check(not undecided, "cycle %d: decisions without their event: %r" % (cycle, undecided))

        gaps = con.execute(
            "SELECT r.id, r.current_version, MAX (v.version), COUNT (*) FROM records r "
            "JOIN record_versions v ON v.record_id = r.id GROUP BY r.id "
            "HAVING r.current_version != MAX (v.version) OR COUNT (*) != MAX (v.version)").fetchall()
        check(not gaps, "cycle %d: records whose versions are inconsistent: %r" % (cycle, gaps))

        if final:
            for oid, connector, status, to, approval, rule in outbox:
                check(status in ("sent", "unknown", "failed", "cancelled"),
                      "outbox %d (%s) ended as %s" % (oid, connector, status))
        return len(delivered), len(invoices)
    finally:
        con.close()


def main():
    seed = int(os.environ.get("AIOS_SOAK_SEED", str(int(time.time()))))
    rng = random.Random(seed)
    print("seed %d, %d cycles" % (seed, CYCLES), flush=True)

    ws = Workspace("soak", undo_s="1")
    smtps = [Smtp(peer_dir(ws, 0), fault="none")]
    api = Api(ws.tmp)
    headless = None
    kills = approvals = 0
    try:
        ws.run("config", "set", "smtp.url", smtps[-1].url)
        ws.run("config", "set", "invoice.url", api.base + "/ok")
        ws.run("--demo")
        for cycle in range(CYCLES):
            if cycle % 3 == 0 and cycle > 0:
                fault = rng.choice(SMTP_FAULTS)
                smtps.append(Smtp(peer_dir(ws, len(smtps)), fault=fault))
                ws.run("config", "set", "smtp.url", smtps[-1].url)
            ws.run("config", "set", "invoice.url", api.base + "/" + rng.choice(API_MODES))
            for _ in range(rng.randint(0, 2)):
                n = rng.randint(0, 10 ** 6)
                lead = {"name": "Lead %d Example" % n, "email": "lead%d@client%d.example" % (n, n),
                        "company": "Client %d Ltd" % n,
                        "message": "We need a new website within a few weeks; budget is approved."}
                ws.run("submit", "lead-outreach", "--input", "-", stdin=json.dumps(lead))

            headless = ws.start_headless()
            wait_for(lambda: bus_has_name(ws.env), what="aios --headless on the session bus")
            time.sleep(rng.uniform(0.2, 1.0))
            waiting = pending(ws)
            for approval in rng.sample(waiting, min(len(waiting), rng.randint(0, 3))):
                if ws.run("approve", str(approval), check_rc=False).returncode == 0:
                    approvals += 1
            time.sleep(rng.uniform(0.0, 2.5))
            kill(headless)
            headless = None
            kills += 1
            check_invariants(ws, smtps, api, cycle)

        # A last clean instance decides nothing more and settles the rest.
        ws.run("config", "set", "invoice.url", api.base + "/ok")
        smtps.append(Smtp(peer_dir(ws, len(smtps)), fault="none"))
        ws.run("config", "set", "smtp.url", smtps[-1].url)
        headless = ws.start_headless()
        wait_for(lambda: bus_has_name(ws.env), what="the last aios --headless")

        def settled():
            busy = ws.query("SELECT COUNT(*) FROM runs WHERE status IN ('queued', 'running')")[0][0]
            sending = ws.query("SELECT COUNT(*) FROM outbox WHERE status IN ('prepared', 'sending')")[0][0]
            return busy == 0 and sending == 0

        wait_for(settled, timeout=180, what="every run to settle after the last restart")
        kill(headless)
        headless = None
        messages, invoices = check_invariants(ws, smtps, api, CYCLES, final=True)
        unknown = ws.query("SELECT COUNT(*) FROM outbox WHERE status = 'unknown'")[0][0]
        print("ok: %d cycles, %d kills, %d approvals, %d messages, %d invoices, %d unknown outcomes kept; "
              "every invariant held after every kill" % (CYCLES, kills, approvals, messages, invoices, unknown))
    finally:
        if headless is not None:
            kill(headless)
        for smtp in smtps:
            smtp.stop()
        api.stop()


if __name__ == "__main__":
    main()
