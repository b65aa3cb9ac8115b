#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Learning from the operator's decisions, end to end through the real
# `aios` binary and a real SMTP server (tests/peers/exec-smtp-peer.py):
# an approved edit's phrase substitution ("Best regards" -> "Warm wishes")
# becomes a `preference` record, shows up in the next lead's draft and in
# its why, with links to the decision it came from, and stops once the
# preference is deleted; a rejection's reason ("no budget") becomes a rule
# that stops a matching lead's draft with a decision record naming it,
# while a lead that mentions a budget still gets its draft; a disabled rule
# stops applying.
import datetime
import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aiostest import Smtp, Workspace, check, fail  # noqa: E402


def recipient(approval):
    to = approval["request"]["to"]
    return to if isinstance(to, str) else to[0]


def approval_for(ws, email):
    found = [a for a in ws.json("approvals") if recipient(a) == email]
    return found[0] if found else None


def submit(ws, name, email, company, message):
    lead = {"name": name, "email": email, "company": company, "source": "website form", "message": message}
    out = ws.run("submit", "lead-outreach", "--input", "-", "--json", stdin=json.dumps(lead)).stdout
    return json.loads(out)["run_id"]


def preferences(ws):
    rows = ws.query("SELECT r.id, r.title, r.fields_json FROM records r WHERE r.kind = 'preference' "
                    "AND r.deleted = 0 ORDER BY r.id")
    return [(i, t, json.loads(f)) for i, t, f in rows]


def draft_event(ws, run_id):
    rows = ws.query("SELECT e.id, e.rationale FROM events e JOIN steps s ON s.id = e.step_id "
                    "WHERE e.run_id = ? AND s.name = 'draft' AND e.kind = 'step.succeeded'", run_id)
    check(len(rows) == 1, "run %d has no draft event: %r" % (run_id, rows))
    return rows[0]


def linked_records(ws, event_id):
    return {int(t) for (t,) in ws.query("SELECT target_id FROM event_links WHERE event_id = ? "
                                        "AND target_kind = 'record'", event_id)}


def main():
    ws = Workspace("learning")
    smtp = Smtp(ws.tmp)
    today = datetime.datetime.now()
    day = "%d %s" % (today.day, today.strftime("%B"))
    try:
        ws.run("config", "set", "smtp.url", smtp.url)
        ws.run("--demo")
        check(preferences(ws) == [], "a fresh workspace has no learned preferences")

        # The operator changes the closing of Dana's email and approves it.
        dana = approval_for(ws, "dana@whitfield-design.example")
        body = dana["request"]["body"]
        check("Best regards," in body, "the demo template closes with Best regards: %r" % body)
        edit = os.path.join(ws.tmp, "edit.json")
        with open(edit, "w") as f:
            json.dump({"body": body.replace("Best regards,", "Warm wishes,")}, f)
        ws.run("approve", str(dana["id"]), "--edit", edit)
        check(len(smtp.messages()) == 1 and "Warm wishes," in smtp.messages()[0]["content"],
              "the edited email is sent as edited")

        prefs = preferences(ws)
        check(len(prefs) == 1, "one edit teaches one preference: %r" % prefs)
        pref_id, title, fields = prefs[0]
        decision = ws.query("SELECT id FROM records WHERE kind = 'decision' "
                            "AND json_extract (fields_json, '$.approval_id') = ?", str(dana["id"]))[0][0]
        expected = "In outreach emails, write “Warm wishes” instead of “Best regards” — learned from your edit of %s" % day
        check(title == expected, "the preference reads %r, expected %r" % (title, expected))
        check(fields["action"] == "replace" and fields["phrase"] == "Best regards" and
              fields["replacement"] == "Warm wishes" and fields["applies_to"] == "email" and
              fields["enabled"] == "yes" and fields["learned_from"] == str(decision),
              "the preference's machine form: %r" % fields)

        # Two days later the operator makes the same change to Kenji's email,
        # drafted before the preference existed: the preference is strengthened.
        with sqlite3.connect(ws.db) as con:
            con.execute("UPDATE record_versions SET ts = ts - 2 * 86400000 WHERE record_id = ?", (decision,))
        con.close()
        earlier = today - datetime.timedelta(days=2)
        if earlier.month == today.month:
            days = "%d and %d %s" % (earlier.day, today.day, today.strftime("%B"))
        else:
            days = "%d %s and %d %s" % (earlier.day, earlier.strftime("%B"), today.day, today.strftime("%B"))
        kenji = approval_for(ws, "kenji@mori-analytics.example")
        with open(edit, "w") as f:
            json.dump({"body": kenji["request"]["body"].replace("Best regards,", "Warm wishes,")}, f)
        ws.run("approve", str(kenji["id"]), "--edit", edit)
        second = ws.query("SELECT id FROM records WHERE kind = 'decision' "
                          "AND json_extract (fields_json, '$.approval_id') = ?", str(kenji["id"]))[0][0]
        prefs = preferences(ws)
        check(len(prefs) == 1, "the same substitution strengthens the preference: %r" % prefs)
        pref_id, title, fields = prefs[0]
        expected = ("In outreach emails, write “Warm wishes” instead of “Best regards” — "
                    "learned from your edits of %s" % days)
        check(title == expected and fields["learned_from"] == "%d, %d" % (decision, second),
              "the strengthened preference reads %r (%r), expected %r" % (title, fields, expected))

        # The operator can read it as its own kind.
        shown = ws.json("memory", "show", str(pref_id))
        check(shown["kind"] == "preference" and shown["title"] == expected, "aios memory show: %r" % shown)

        # The next lead's draft applies it, says so, and links the decision.
        nora_run = submit(ws, "Nora Quist", "nora@quist-media.example", "Quist Media",
                          "We need a new website in six weeks; the budget is approved.")
        nora = approval_for(ws, "nora@quist-media.example")
        check(nora is not None, "the next lead reaches approval")
        check("Warm wishes," in nora["request"]["body"] and "Best regards" not in nora["request"]["body"],
              "the next draft writes Warm wishes: %r" % nora["request"]["body"])
        event_id, why = draft_event(ws, nora_run)
        said = "Wrote “Warm wishes” instead of “Best regards”, as you prefer (learned from your edits of %s)." % days
        check(said in (why or ""), "the draft's why says what it applied: %r" % why)
        check(said in ws.run("journal", "--run", str(nora_run)).stdout, "aios journal shows it too")
        links = linked_records(ws, event_id)
        check(decision in links and second in links and pref_id in links,
              "the draft links the decision %d and preference %d it applied: %r" % (decision, pref_id, links))

        # A rejection with a reason becomes a rule ...
        sofia = approval_for(ws, "sofia.brandt@greenleaf-bakery.example")
        ws.run("reject", str(sofia["id"]), "--reason", "no budget")
        rules = [p for p in preferences(ws) if p[2]["action"] == "skip"]
        check(len(rules) == 1, "the rejection teaches one rule: %r" % rules)
        rule_id, rule, rule_fields = rules[0]
        check(rule == "Don't write to leads whose message doesn't mention “budget” — "
                     "learned from your rejection of Sofia Brandt", "the rule reads %r" % rule)
        check(rule_fields["phrase"] == "budget" and rule_fields["condition"] == "lacks" and
              rule_fields["lead_field"] == "message", "the rule's machine form: %r" % rule_fields)
        ws.run("reject", str(approval_for(ws, "lena.vogt@vogt-architekten.example")["id"]),
               "--reason", "She wants a portfolio we do not build")
        check(len(preferences(ws)) == 2, "a reason that names nothing the lead lacked teaches nothing")

        # ... that stops a matching lead's draft and says why.
        theo_run = submit(ws, "Theo Park", "theo@park-studio.example", "Park Studio",
                          "We need a website for our studio in the next few weeks.")
        check(approval_for(ws, "theo@park-studio.example") is None, "the rule stops Theo's draft")
        steps = dict(ws.query("SELECT s.name, e.kind FROM steps s JOIN events e ON e.step_id = s.id "
                              "WHERE s.run_id = ? AND e.kind IN ('step.succeeded', 'step.skipped')", theo_run))
        check(steps.get("draft") == "step.skipped" and steps.get("send") == "step.skipped" and
              steps.get("preferences") == "step.succeeded",
              "nothing is drafted or sent for Theo: %r" % steps)
        run = next(r for r in ws.json("runs") if r["id"] == theo_run)
        check(run["status"] == "succeeded", "the run declines cleanly: %r" % run)
        declined = ws.query("SELECT id, json_extract (fields_json, '$.rationale') FROM records "
                            "WHERE kind = 'decision' AND title = 'No outreach to Theo Park'")
        check(len(declined) == 1 and rule in declined[0][1] and ("record %d" % rule_id) in declined[0][1],
              "a decision record names the preference: %r" % declined)

        # A lead that mentions a budget still gets its draft.
        uma_run = submit(ws, "Uma Reyes", "uma@reyes-bakery.example", "Reyes Bakery",
                         "Budget around 6k for a new website this month.")
        check(approval_for(ws, "uma@reyes-bakery.example") is not None, "a non-matching lead gets its draft")

        # The operator deletes the phrase preference: the next draft is as before.
        ws.run("memory", "delete", str(pref_id))
        vic_run = submit(ws, "Vic Osei", "vic@osei-legal.example", "Osei Legal",
                         "Looking for a website redesign within weeks, budget approved.")
        vic = approval_for(ws, "vic@osei-legal.example")
        check(vic is not None and "Best regards," in vic["request"]["body"] and "Warm wishes" not in vic["request"]["body"],
              "a deleted preference stops applying: %r" % (vic and vic["request"]["body"]))
        check("Warm wishes" not in (draft_event(ws, vic_run)[1] or ""), "and the why no longer mentions it")

        # The operator turns the rule off: a lead without a budget is written to again.
        ws.run("memory", "put", str(rule_id), "--field", "enabled=no")
        submit(ws, "Wen Li", "wen@li-design.example", "Li Design", "We need a website within a few weeks.")
        check(approval_for(ws, "wen@li-design.example") is not None, "a disabled rule stops applying")
        check(uma_run and nora_run, "runs started")
    finally:
        smtp.stop()
    print("ok")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        fail(str(e))
