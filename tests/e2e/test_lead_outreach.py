#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The first workflow end to end, through the real `aios` binary and a real
# SMTP server: `aios --demo` submits six leads to lead-outreach; the good
# ones reach approval, the weak one gets a decision record; nothing is sent
# before an approval; an approval (with an edit) delivers exactly one
# message with the edited subject and the Message-ID derived from the
# idempotency key; a rejection sends nothing and leaves a decision record;
# the journal links each draft to the template, tone guideline and lead
# versions it used; a contacted lead points at the event of its send.
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aiostest import Smtp, Workspace, check, fail  # noqa: E402

GOOD = {"dana@whitfield-design.example", "marcus@oyelaran-legal.example",
        "sofia.brandt@greenleaf-bakery.example", "kenji@mori-analytics.example",
        "lena.vogt@vogt-architekten.example"}
WEAK = "pat123@freemail.example"


def recipients(approval):
    return approval["request"]["to"] if isinstance(approval["request"]["to"], str) else approval["request"]["to"][0]


def main():
    ws = Workspace("outreach")
    smtp = Smtp(ws.tmp)
    try:
        ws.run("config", "set", "smtp.url", smtp.url)
        out = ws.run("--demo").stdout
        check("6 leads submitted" in out, "aios --demo did not say what it did: %r" % out)

        # Idempotent: a second --demo adds nothing.
        again = ws.run("--demo").stdout
        check("already" in again, "a second --demo should say it is already loaded: %r" % again)
        check(len(ws.json("runs")) == 6, "a second --demo must not start more runs")

        approvals = ws.json("approvals")
        by_to = {recipients(a): a for a in approvals}
        check(set(by_to) == GOOD, "the good leads (and only they) wait for approval: %s" % sorted(by_to))
        check(WEAK not in by_to, "the weak lead must not reach approval")
        check(smtp.messages() == [], "nothing may be sent before an approval")

        # The weak lead: a decision record with the score and each rule's contribution.
        decisions = ws.query("SELECT r.id, r.title, v.rationale FROM records r JOIN record_versions v "
                             "ON v.record_id = r.id AND v.version = r.current_version "
                             "WHERE r.kind = 'decision' AND r.title LIKE 'No outreach to Pat%'")
        check(len(decisions) == 1, "the weak lead needs one decision record, found %r" % decisions)
        check("+10" in decisions[0][2] and "35" in decisions[0][2],
              "the decision says the score, the threshold and each rule's contribution: %r" % decisions[0][2])

        # Every preview shows the exact email, Message-ID included.
        for a in approvals:
            p = a["preview"]
            for header in ("From: robin@northwind-studio.example", "To: " + recipients(a), "Subject: ", "Message-ID: <aios-"):
                check(header in p["message"], "approval %d's preview lacks %r" % (a["id"], header))
            check("{{" not in p["message"], "approval %d's preview has an unfilled placeholder" % a["id"])

        # Approve Dana's with an edited subject.
        dana = by_to["dana@whitfield-design.example"]
        edit = os.path.join(ws.tmp, "edit.json")
        with open(edit, "w") as f:
            json.dump({"subject": "A call next week, Dana?"}, f)
        ws.run("approve", str(dana["id"]), "--edit", edit)
        msgs = smtp.messages()
        check(len(msgs) == 1, "approving one email sends exactly one message, got %d" % len(msgs))
        check(msgs[0]["rcpt_tos"] == ["dana@whitfield-design.example"], "wrong recipient: %r" % msgs[0]["rcpt_tos"])
        check("Subject: A call next week, Dana?" in msgs[0]["content"], "the edited subject was not sent")
        key = ws.query("SELECT idempotency_key FROM outbox WHERE approval_id = ?", dana["id"])[0][0]
        check("Message-ID: <%s@northwind-studio.example>" % key in msgs[0]["content"],
              "the Message-ID is not derived from the idempotency key %s" % key)
        check(dana["preview"]["message_id"] == "<%s@northwind-studio.example>" % key,
              "the preview's Message-ID differs from the one sent")
        diff = ws.query("SELECT payload_json FROM events WHERE kind = 'approval.approved' AND run_id = ?", dana["run_id"])
        check(diff and "A call next week, Dana?" in diff[0][0], "the edit is not kept in the journal: %r" % diff)

        # Reject Marcus's: nothing sent, a decision record with the reason.
        marcus = by_to["marcus@oyelaran-legal.example"]
        ws.run("reject", str(marcus["id"]), "--reason", "Marcus already works with a colleague")
        check(len(smtp.messages()) == 1, "a rejection must send nothing")
        reason = ws.query("SELECT v.rationale, r.fields_json FROM records r JOIN record_versions v "
                          "ON v.record_id = r.id AND v.version = r.current_version "
                          "WHERE r.kind = 'decision' AND r.fields_json LIKE '%rejected%'")
        check(any("Marcus already works with a colleague" in (row[0] or "") + row[1] for row in reason),
              "the rejection's reason is not kept as a decision record: %r" % reason)
        check(ws.run("reject", "999", "--reason", "x", check_rc=False).returncode != 0,
              "rejecting an unknown approval must fail")

        # Approve the rest; each recipient gets exactly one message.
        for to, a in by_to.items():
            if to not in ("dana@whitfield-design.example", "marcus@oyelaran-legal.example"):
                ws.run("approve", str(a["id"]))
        again = ws.run("approve", str(dana["id"]), check_rc=False)
        check(again.returncode != 0 and "aios:" in again.stderr, "approving twice must fail with a clear line")
        sent = [m["rcpt_tos"][0] for m in smtp.messages()]
        check(sorted(sent) == sorted(GOOD - {"marcus@oyelaran-legal.example"}),
              "each approved lead gets exactly one message: %r" % sent)

        # The journal links each draft to the template, tone and lead versions it used.
        for to in sent:
            run_id = by_to[to]["run_id"]
            links = ws.query("SELECT r.kind, r.fields_json FROM events e JOIN steps s ON s.id = e.step_id "
                             "JOIN event_links l ON l.event_id = e.id AND l.target_kind = 'record' "
                             "JOIN records r ON r.id = CAST (l.target_id AS INTEGER) "
                             "WHERE e.run_id = ? AND s.name = 'draft' AND e.kind = 'step.succeeded'", run_id)
            purposes = {json.loads(f).get("purpose") for k, f in links if k == "template"}
            check({"tone"} <= purposes and purposes & {"outreach", "outreach-referral"},
                  "run %d's draft is not linked to its template and tone: %r" % (run_id, purposes))
            check(any(k == "lead" for k, f in links), "run %d's draft is not linked to the lead" % run_id)

            # The lead says contacted, pointing at the event of the send.
            lead = ws.query("SELECT fields_json FROM records WHERE kind = 'lead' AND fields_json LIKE ?", '%' + to + '%')
            fields = json.loads(lead[0][0])
            check(fields.get("status") == "contacted", "lead %s is not marked contacted: %r" % (to, fields))
            event = ws.query("SELECT kind, run_id FROM events WHERE id = ?", int(fields["x-contacted-event"]))
            check(event == [("outbox.sent", run_id)], "lead %s points at %r, not its send" % (to, event))
            # ... and carries the Message-ID the connector reported (asked of the outbox's owner).
            reported = ws.query("SELECT json_extract (response_json, '$.message_id') FROM outbox "
                                "WHERE run_id = ? AND status = 'sent'", run_id)
            check(reported[0][0] and fields.get("x-message-id") == reported[0][0],
                  "lead %s has Message-ID %r, the send reported %r" % (to, fields.get("x-message-id"), reported))

        runs = {r["id"]: r for r in ws.json("runs")}
        check(all(r["status"] in ("succeeded", "cancelled") for r in runs.values()),
              "every run settles: %r" % [(r["id"], r["status"]) for r in runs.values()])
        # A template with a placeholder nothing fills: the QA step parks the
        # run as needs attention, with the reason, and nothing reaches the inbox.
        template = ws.query("SELECT id, body FROM records WHERE kind = 'template' "
                            "AND json_extract (fields_json, '$.purpose') = 'outreach'")[0]
        ws.run("memory", "put", str(template[0]), "--body", template[1] + "\nP.S. {{lead.budget}}",
               "--rationale", "Mention the budget")
        lead = {"name": "Quinn Example", "email": "quinn@example-agency.example", "company": "Example Agency",
                "message": "We need a website in two weeks; budget approved."}
        run_id = json.loads(ws.run("submit", "lead-outreach", "--input", "-", "--json", stdin=json.dumps(lead)).stdout)["run_id"]
        run = next(r for r in ws.json("runs") if r["id"] == run_id)
        check(run["status"] == "failed" and run["needs_attention"], "a failed QA check must park the run: %r" % run)
        check("placeholder" in (run["attention"] or ""), "the reason is not given: %r" % run["attention"])
        check(not any(a["run_id"] == run_id for a in ws.json("approvals")), "a failed draft must not reach approval")

        print("ok: %d leads, %d approvals, %d messages, 1 rejection, 1 decline, 1 QA failure"
              % (len(runs), len(approvals), len(sent)))
    finally:
        smtp.stop()


if __name__ == "__main__":
    main()
