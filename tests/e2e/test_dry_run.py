#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# `aios submit FLOW --dry-run` for every built-in flow (lead-outreach,
# content, billing, greeting, lead-followup) through the real binary, with
# every connector pointed at a live peer that speaks its protocol (the SMTP
# peer, the Stripe/webhook peer, the WordPress peer): each dry run prints
# its previews, and afterwards the peers saw nothing, and the workspace has
# no new run, step, approval, outbox row, journal event or memory version.
# Bad input is refused with one clear line.
import json
import os
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aiostest import SRC, Smtp, Workspace, check  # noqa: E402


class Peer:
    def __init__(self, args):
        self.proc = subprocess.Popen(["/usr/bin/python3"] + args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True)
        line = self.proc.stdout.readline()
        check(line.startswith("PORT "), "a peer did not start: %r" % line)
        self.base = "http://127.0.0.1:%d" % int(line.split()[1])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def counts(ws):
    out = {}
    for table in ("runs", "steps", "approvals", "outbox", "events", "record_versions"):
        out[table] = ws.query("SELECT COUNT(*) FROM %s" % table)[0][0]
    return out


def put(ws, kind, fields, body=None):
    args = ["memory", "put", kind, "--fields", "-"] + (["--body", body] if body else [])
    return int(ws.run(*args, stdin=json.dumps(fields)).stdout.split()[0])


def dry(ws, flow, spec, json_out=False):
    args = ["submit", flow, "--dry-run", "--input", "-"] + (["--json"] if json_out else [])
    return ws.run(*args, stdin=json.dumps(spec), check_rc=False)


def main():
    ws = Workspace("dry-run")
    smtp = Smtp(ws.tmp)
    api = Peer([os.path.join(SRC, "tests", "peers", "exec-api-peer.py")])
    wp_dump = os.path.join(ws.tmp, "wordpress.json")
    wp = Peer([os.path.join(SRC, "tests", "peers", "wordpress-peer.py"), "--dump", wp_dump, "--password", "x y z"])
    try:
        ws.run("config", "set", "smtp.url", smtp.url)
        ws.run("config", "set", "smtp.from", "robin@northwind.example")
        ws.run("config", "set", "invoice.url", api.base + "/ok")
        ws.run("config", "set", "webhook.url", api.base + "/ok/hook")
        ws.run("config", "set", "publish.url", wp.base)
        put(ws, "client", {"name": "Acme Corp", "email": "billing@acme.example"})
        put(ws, "contract", {"client": "Acme Corp", "rate": 95, "currency": "EUR", "unit": "hour", "tax_rate": 19,
                             "payment_days": 14, "billing_cadence": "monthly"})
        put(ws, "work", {"client": "Acme Corp", "date": "2026-11-03", "hours": 6, "description": "Homepage layout"})
        demo = json.load(open(os.path.join(SRC, "data", "demo", "sample-company.json")))
        for t in demo["templates"]:
            if t["fields"]["purpose"] != "outreach":
                put(ws, "template", t["fields"], body=t.get("body"))
        put(ws, "template", {"name": "First reply", "purpose": "outreach", "channel": "email",
                             "subject": "Your project with Northwind Studio"},
            body="Hi {{lead.first_name}},\n\nthank you for writing about {{lead.company}}.\n\nBest regards,\nRobin")
        before = counts(ws)

        lead = {"name": "Dana Whitfield", "email": "dana@whitfield.example", "company": "Whitfield Design",
                "message": "We need a new website this spring, budget 9000"}
        flows = [
            ("lead-outreach", lead, "email", ["to", "dana@whitfield.example", "subject"]),
            ("content", {"topic": "Why small sites load fast", "audience": "shop owners"}, "publish", ["title"]),
            ("billing", {"client": "Acme Corp", "period": "2026-11", "issue_date": "2026-12-01"}, "invoice",
             ["billing@acme.example", "678.30 EUR"]),
            ("greeting", {"name": "Bo"}, None, ["Hello Bo, thank you for getting in touch."]),
            ("lead-followup", lead, "webhook", [api.base + "/ok/hook"]),
        ]
        for flow, spec, connector, words in flows:
            proc = dry(ws, flow, spec)
            check(proc.returncode == 0, "dry run of %s exited %d: %s%s" % (flow, proc.returncode, proc.stdout,
                                                                           proc.stderr))
            out = proc.stdout
            check(out.startswith("Dry run of %s: nothing was sent" % flow), "the dry run says so: %r" % out)
            for word in words:
                check(word in out, "the %s dry run prints %r: %s" % (flow, word, out))
            check((("1 outward action previewed; none sent.") in out) == (connector is not None),
                  "the %s dry run counts its previews: %s" % (flow, out))

            doc = json.loads(dry(ws, flow, spec, json_out=True).stdout)
            check(doc["flow"] == flow and doc["dry_run"] is True and doc["sent"] == 0, "the JSON: %r" % doc)
            outcomes = [s["outcome"] for s in doc["steps"]]
            check("failed" not in outcomes, "no %s step failed: %r" % (flow, doc["steps"]))
            actions = [s for s in doc["steps"] if s["connector"]]
            if connector is None:
                check(actions == [], "greeting has no action: %r" % actions)
            else:
                check(len(actions) == 1 and actions[0]["connector"] == connector and actions[0]["preview"],
                      "one %s preview in the %s dry run: %r" % (connector, flow, actions))
                check(actions[0]["outcome"] == "would-ask", "it would wait for the operator: %r" % actions[0])

        # Nothing on any wire, nothing in the workspace.
        check(smtp.messages() == [], "the SMTP peer received nothing: %r" % smtp.messages())
        with urllib.request.urlopen(api.base + "/_log", timeout=10) as r:
            log = [e for e in json.loads(r.read()) if "/_log" not in e.get("path", "")]
        check(log == [], "the API peer received nothing: %r" % log)
        wp_requests = json.load(open(wp_dump))["requests"] if os.path.exists(wp_dump) else []
        check(wp_requests == [], "the WordPress peer received nothing: %r" % wp_requests)
        after = counts(ws)
        check(after == before, "the workspace is as it was: %r then %r" % (before, after))
        leftovers = [d for d in os.listdir("/tmp") if d.startswith("aios-dry-run-")]
        check(leftovers == [] or all(not os.path.exists(os.path.join("/tmp", d, "workspace.db")) for d in leftovers),
              "the scratch copies are gone: %r" % leftovers)

        # Bad input: one clear line, non-zero.
        bad = dry(ws, "lead-outreach", {"name": "No Email"})
        check(bad.returncode != 0 and "email" in bad.stderr and bad.stderr.count("\n") == 1,
              "a missing field is refused clearly: %r" % bad.stderr)
        unknown = dry(ws, "no-such-flow", {})
        check(unknown.returncode != 0 and "no-such-flow" in unknown.stderr, "an unknown flow: %r" % unknown.stderr)
        check(counts(ws) == before, "a refused dry run leaves nothing either")
    finally:
        smtp.stop()
        api.stop()
        wp.stop()
    print("ok")


if __name__ == "__main__":
    main()
