#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The billing flow end to end through the real binary, the offline engine
# and the Stripe-compatible peer (tests/peers/exec-api-peer.py):
#   1. Acme's contract (95 EUR an hour, 19 % tax, 14 days) and three work
#      records (two in November): one invoice approval with the amounts the
#      contract says; a second run for November is refused while the first
#      waits; the approval survives a SIGKILL of the coordinator; approving it
#      issues exactly one invoice, every POST keyed with the outbox's key, the
#      work records are marked billed (new versions, provenance the run) and
#      the contract names the invoice; a third run, after more November work
#      was logged, is refused because the invoice for November was issued.
#   2. The README's example rule ("invoices under 50 EUR to existing
#      clients") allows a small billing-flow invoice without asking.
#   3. A SIGKILL mid-send (the peer answers each call 1 s late): the item is
#      an unknown outcome, never resent on its own, a new run for the same
#      period is refused, and the peer holds at most one invoice for it.
#   4. The README's "Try it: billing": with smtp.url and invoice.url set,
#      `aios --demo` reaches an invoice approval beside the lead emails;
#      approving it leaves exactly one invoice at the peer.
# Run inside a private session bus (dbus-run-session).
import json
import os
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aiostest import SRC, Smtp, Workspace, bus_has_name, check, fail, kill, wait_for  # noqa: E402


class Api:
    """The Stripe-compatible peer on loopback."""

    def __init__(self):
        self.proc = subprocess.Popen(["/usr/bin/python3", os.path.join(SRC, "tests", "peers", "exec-api-peer.py")],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        check(line.startswith("PORT "), "the API peer did not start: %r" % line)
        self.base = "http://127.0.0.1:%d" % int(line.split()[1])

    def get(self, path):
        with urllib.request.urlopen(self.base + path, timeout=10) as r:
            return json.loads(r.read())

    def invoices_for(self, email):
        objects = self.get("/_objects")
        customers = {k for k, v in objects.items() if v.get("object") == "customer" and v.get("email") == email}
        return [v for v in objects.values() if v.get("object") == "invoice" and v.get("customer") in customers]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def put(ws, kind, fields):
    return int(ws.run("memory", "put", kind, "--fields", "-", stdin=json.dumps(fields)).stdout.split()[0])


def start(ws):
    proc = ws.start_headless()
    wait_for(lambda: bus_has_name(ws.env), what="aios --headless on the session bus")
    return proc


def submit(ws, client, period="2026-11"):
    spec = {"client": client, "period": period, "issue_date": "2026-12-01"}
    return int(ws.run("submit", "billing", "--input", "-", stdin=json.dumps(spec)).stdout.strip())


def run_status(ws, run_id):
    rows = ws.query("SELECT status, attention FROM runs WHERE id = ?", run_id)
    return rows[0] if rows else (None, None)


def pending(ws, run_id):
    return [r[0] for r in ws.query("SELECT id FROM approvals WHERE run_id = ? AND status = 'pending'", run_id)]


def main():
    ws = Workspace("billing")
    api = Api()
    headless = None
    try:
        ws.run("config", "set", "invoice.url", api.base + "/ok")
        put(ws, "client", {"name": "Acme Corp", "email": "billing@acme.example"})
        contract = put(ws, "contract", {"client": "Acme Corp", "rate": 95, "currency": "EUR", "unit": "hour",
                                        "tax_rate": 19, "payment_days": 14, "billing_cadence": "monthly"})
        w1 = put(ws, "work", {"client": "Acme Corp", "date": "2026-11-03", "hours": 6,
                              "description": "Homepage layout", "project": "Website"})
        w2 = put(ws, "work", {"client": "Acme Corp", "date": "2026-11-28", "hours": 2.5,
                              "description": "Review call"})
        w3 = put(ws, "work", {"client": "Acme Corp", "date": "2026-12-01", "hours": 1,
                              "description": "December support"})

        # 1. One approval with the contract's amounts; a second run is refused.
        first = submit(ws, "Acme Corp")
        headless = start(ws)
        wait_for(lambda: pending(ws, first), timeout=30, what="the invoice approval")
        approval = pending(ws, first)[0]
        request = json.loads(ws.query("SELECT request_json FROM approvals WHERE id = ?", approval)[0][0])
        amounts = [item["amount"] for item in request["items"]]
        check(amounts == [57000, 23750, 15343], "line amounts %r, the contract says 6 h and 2.5 h at 95 EUR + 19 %% tax"
              % amounts)
        check(request["total"] == 96093 and request["tax"] == 15343 and request["subtotal"] == 80750,
              "subtotal/tax/total %r" % [request["subtotal"], request["tax"], request["total"]])
        check(request["currency"] == "eur" and request["days_until_due"] == 14 and request["due_date"] == "2026-12-15",
              "currency/terms/due %r" % [request["currency"], request["days_until_due"], request["due_date"]])
        check(request["customer"] == {"email": "billing@acme.example", "name": "Acme Corp"}, "customer %r"
              % request["customer"])
        why = ws.query("SELECT rationale FROM events WHERE run_id = ? AND kind = 'step.succeeded' ORDER BY id LIMIT 1",
                       first)[0][0]
        for ref in ("#%d version 1" % contract, "#%d v1" % w1, "#%d v1" % w2):
            check(ref in why, "the rationale does not name %s: %s" % (ref, why))
        check("#%d " % w3 not in why, "December's work was billed for November: %s" % why)
        linked = {r[0] for r in ws.query("SELECT target_id FROM event_links l JOIN events e ON e.id = l.event_id "
                                         "WHERE e.run_id = ? AND l.target_kind = 'record'", first)}
        check({str(contract), str(w1), str(w2)} <= linked, "the draft's event links %r" % linked)

        second = submit(ws, "Acme Corp")
        wait_for(lambda: run_status(ws, second)[0] == "failed", timeout=30, what="the second November run to be refused")
        check("already waits" in (run_status(ws, second)[1] or ""), "second run: %r" % (run_status(ws, second),))
        check(not pending(ws, second), "the second run asked for an approval")

        kill(headless)
        headless = start(ws)
        check(pending(ws, first) == [approval], "the approval did not survive the SIGKILL")
        ws.run("approve", str(approval))
        wait_for(lambda: run_status(ws, first)[0] == "succeeded", timeout=60, what="the billing run to finish")

        invoices = api.invoices_for("billing@acme.example")
        check(len(invoices) == 1, "the peer holds %d invoices for Acme" % len(invoices))
        inv = invoices[0]
        check(inv["status"] == "open" and inv.get("sent") == 1 and inv["total"] == 96093,
              "the invoice at the peer: %r" % inv)
        check([line["amount"] for line in inv["lines"]] == [57000, 23750, 15343], "lines at the peer %r" % inv["lines"])
        key = ws.query("SELECT idempotency_key FROM outbox WHERE run_id = ?", first)[0][0]
        check("billing/acme-corp/2026-11-01..2026-11-30" in key, "the outbox key %r does not name client and period" % key)
        check(inv["metadata"].get("aios_idempotency_key") == key, "the invoice's metadata %r" % inv["metadata"])
        posts = [r for r in api.get("/_log") if r["method"] == "POST" and r["path"].startswith("/ok/v1/")]
        check(len(posts) == 7, "%d POSTs for one invoice of three items" % len(posts))
        for r in posts:
            k = {h.lower(): v for h, v in r["headers"].items()}.get("idempotency-key", "")
            check(k.startswith(key + "/"), "a POST to %s was keyed %r" % (r["path"], k))

        for w in (w1, w2):
            fields, run_id = ws.query("SELECT fields_json, run_id FROM record_versions WHERE record_id = ? "
                                      "ORDER BY version DESC LIMIT 1", w)[0]
            fields = json.loads(fields)
            check(fields.get("billed") == "yes" and fields.get("invoice") == inv["id"] and run_id == first,
                  "work %d after billing: %r (run %r)" % (w, fields, run_id))
        fields = json.loads(ws.query("SELECT fields_json FROM record_versions WHERE record_id = ? "
                                     "ORDER BY version DESC LIMIT 1", w3)[0][0])
        check(fields.get("billed") is None, "December's work was marked billed: %r" % fields)
        last = json.loads(ws.query("SELECT fields_json FROM record_versions WHERE record_id = ? AND version = 2",
                                   contract)[0][0]).get("last_invoice", "")
        check(inv["id"] in last, "the contract's new version does not name the invoice: %r" % last)

        put(ws, "work", {"client": "Acme Corp", "date": "2026-11-30", "hours": 1, "description": "Late entry"})
        third = submit(ws, "Acme Corp")
        wait_for(lambda: run_status(ws, third)[0] == "failed", timeout=30, what="the third November run to be refused")
        check("already took" in (run_status(ws, third)[1] or ""), "third run: %r" % (run_status(ws, third),))
        check(len(api.invoices_for("billing@acme.example")) == 1, "a second invoice for Acme's November")

        # 2. The README's rule, as written there, allows a small invoice.
        with open(os.path.join(SRC, "README.md")) as f:
            readme = f.read()
        start_at = readme.index("echo '[{\"field\":\"amount\"")
        command = readme[start_at:readme.index("\n```", start_at)]
        rule = command[command.index("'") + 1:command.index("'", command.index("'") + 1)]
        ws.run("policy", "add", "small-invoices", "--connector", "invoice", "--allow", "--when", "-", stdin=rule)
        put(ws, "client", {"name": "Tiny Ltd", "email": "accounts@tiny.example"})
        put(ws, "contract", {"client": "Tiny Ltd", "rate": 30, "currency": "EUR", "tax_rate": 19, "payment_days": 30})
        put(ws, "work", {"client": "Tiny Ltd", "date": "2026-11-12", "hours": 1, "description": "Domain move"})
        tiny = submit(ws, "Tiny Ltd")
        wait_for(lambda: run_status(ws, tiny)[0] in ("succeeded", "failed", "waiting"), timeout=60,
                 what="the small invoice's run")
        check(run_status(ws, tiny)[0] == "succeeded", "small invoice run: %r" % (run_status(ws, tiny),))
        check(not ws.query("SELECT id FROM approvals WHERE run_id = ?", tiny), "the README rule did not allow it")
        allowed = ws.query("SELECT policy_rule FROM outbox WHERE run_id = ?", tiny)
        check(allowed == [("small-invoices",)], "outbox policy rule %r" % allowed)
        tiny_invoices = api.invoices_for("accounts@tiny.example")
        check(len(tiny_invoices) == 1 and tiny_invoices[0]["total"] == 3570, "Tiny's invoices %r" % tiny_invoices)

        # 3. A SIGKILL in the middle of the Stripe sequence.
        ws.run("config", "set", "invoice.url", api.base + "/slowstripe")
        put(ws, "client", {"name": "Globex", "email": "ap@globex.example"})
        put(ws, "contract", {"client": "Globex", "rate": 800, "currency": "EUR", "unit": "day", "tax_rate": 0,
                             "payment_days": 30})
        put(ws, "work", {"client": "Globex", "date": "2026-11-05", "days": 2, "description": "Workshop"})
        globex = submit(ws, "Globex")
        wait_for(lambda: pending(ws, globex), timeout=30, what="Globex's invoice approval")
        ws.run("approve", str(pending(ws, globex)[0]))
        wait_for(lambda: any(r["path"].startswith("/slowstripe/v1/invoices") for r in api.get("/_log")),
                 timeout=30, what="the send to reach the invoice call")
        kill(headless)
        headless = start(ws)
        wait_for(lambda: ws.query("SELECT status FROM outbox WHERE run_id = ?", globex)[0][0] == "unknown",
                 timeout=30, what="the interrupted send to be an unknown outcome")
        check(run_status(ws, globex)[0] not in ("queued", "running"), "run %d still runs" % globex)
        again = submit(ws, "Globex")
        wait_for(lambda: run_status(ws, again)[0] == "failed", timeout=30, what="a new Globex run to be refused")
        check("already took" in (run_status(ws, again)[1] or ""), "Globex again: %r" % (run_status(ws, again),))
        check(len(api.invoices_for("ap@globex.example")) <= 1, "two invoices for Globex")

        # 4. The demo, as the README tells it.
        kill(headless)
        headless = None
        demo = Workspace("billing-demo")
        smtp = Smtp(demo.tmp)
        try:
            demo.run("config", "set", "smtp.url", smtp.url)
            demo.run("config", "set", "invoice.url", api.base + "/ok")
            out = demo.run("--demo").stdout
            check("billing" in out, "--demo did not say it started billing: %s" % out)
            headless = start(demo)

            def kinds():
                return sorted(r[0] for r in demo.query("SELECT action_kind FROM approvals WHERE status = 'pending'"))
            wait_for(lambda: kinds() == ["email"] * 5 + ["invoice"], timeout=60,
                     what="five email approvals and one invoice approval from --demo")
            invoice_approval = demo.query("SELECT id FROM approvals WHERE action_kind = 'invoice'")[0][0]
            demo.run("approve", str(invoice_approval))
            wait_for(lambda: demo.query("SELECT status FROM outbox WHERE connector = 'invoice'") == [("sent",)],
                     timeout=60, what="the demo's invoice to be issued")
            harbor = api.invoices_for("ops@harborcoffee.example")
            check(len(harbor) == 1 and harbor[0]["total"] == 175228, "the demo's invoices at the peer: %r" % harbor)
        finally:
            smtp.stop()

        print("ok: one invoice per client and period (%s, %s), %d POSTs keyed, README rule matched"
              % (inv["id"], tiny_invoices[0]["id"], len(posts)))
    finally:
        if headless is not None:
            kill(headless)
        api.stop()


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        raise
    except Exception as e:  # noqa: BLE001 - a plain failure line for meson
        fail("%s: %s" % (type(e).__name__, e))
