#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The repair-cost meter (`aios stats`) on a scripted workspace: the real
# binary and coordinator, the real SMTP peer (tests/peers/exec-smtp-peer.py)
# and its fault modes, so each failure class and each intervention happens
# for real:
#   A  approved inside the undo grace, undone, approved again   (1 undo)
#   B  approved with an edited subject                          (1 edit)
#   C  rejected                                                 (1 rejection)
#      and replayed from its draft step: a fork that waits again (1 replay)
#   D  approved, the server answers 550: permanent; rolled back (1 manual fix)
#   E  approved, the line drops after the data: unknown outcome; resolved --sent
#   F  approved, the server answers 450: retried by the coordinator on its
#      own, then delivered once the server works                (recovered)
#   G  a lead-followup run whose webhook a policy rule denies, retried by
#      the operator (`aios retry`): the fork is denied too  (2 denials, 1 retry)
#   H  a content run whose draft the quality check refuses ([TODO] left in)
#   I  an operator's own flow (ping) whose webhook a rule allows, one attempt
#      only, against the API peer answering 500: its retries used up
# Every item waits at least WAIT seconds in the inbox before its decision.
# `aios stats --json` must give exactly these figures, with the waiting
# time the sum of (decided - created) over the decisions; the text output
# says the same in words. Run inside a private session bus (the retry is
# left to `aios --headless`).
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aiostest import AIOS, SRC, Smtp, Workspace, bus_has_name, check, kill, wait_for  # noqa: E402

WAIT = 1.2


def put(ws, kind, fields, body=None):
    args = ["memory", "put", kind, "--fields", "-"] + (["--body", body] if body else [])
    return int(ws.run(*args, stdin=json.dumps(fields)).stdout.split()[0])


def submit(ws, name, email):
    spec = {"name": name, "email": email, "company": name.split()[-1] + " Ltd",
            "message": "We need a new website, budget 8000"}
    run_id = int(ws.run("submit", "lead-outreach", "--input", "-", stdin=json.dumps(spec)).stdout.strip())
    approval = wait_for(lambda: ws.query("SELECT id FROM approvals WHERE run_id = ? AND status = 'pending'", run_id),
                        what="the approval of run %d" % run_id)[0][0]
    return run_id, approval


def run_status(ws, run_id):
    return ws.query("SELECT status FROM runs WHERE id = ?", run_id)[0][0]


PING_FLOW = {
    "id": "ping", "title": "Ping", "description": "Tells a webhook the meter was tested; one attempt only.",
    "steps": [{"name": "notify", "agent": "template", "config": {"template": {"n": 1}}, "checkpoint": "policy",
               "retry": {"max_attempts": 1},
               "action": {"connector": "webhook", "request": {"event": "stats.ping", "body": {"n": "{{output.n}}"}}}}],
}


class Api:
    """The webhook peer (tests/peers/exec-api-peer.py); a base URL picks its fault mode."""

    def __init__(self):
        self.proc = subprocess.Popen(["/usr/bin/python3", os.path.join(SRC, "tests", "peers", "exec-api-peer.py")],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        check(line.startswith("PORT "), "the API peer did not start: %r" % line)
        self.base = "http://127.0.0.1:%d" % int(line.split()[1])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Peers:
    def __init__(self, ws):
        self.api = Api()
        self.good = Smtp(ws.tmp)
        self.reject550 = Smtp(ws.tmp, fault="rcpt550")
        self.drop = Smtp(ws.tmp, fault="data-drop")
        self.busy450 = Smtp(ws.tmp, fault="rcpt450")

    def stop(self):
        for peer in (self.api, self.good, self.reject550, self.drop, self.busy450):
            peer.stop()


def scenario(ws, peers):
    """Runs A-F (see the top of the file); returns {key: (run id, approval id)}."""
    good, reject550, drop, busy450 = peers.good, peers.reject550, peers.drop, peers.busy450
    headless = None
    try:
        ws.run("config", "set", "smtp.url", good.url)
        ws.run("config", "set", "smtp.from", "robin@northwind.example")
        demo = json.load(open(os.path.join(SRC, "data", "demo", "sample-company.json")))
        for t in demo["templates"]:
            put(ws, "template", t["fields"], body=t.get("body"))

        runs = {}
        for key, name in (("A", "Ada Archer"), ("B", "Ben Brook"), ("C", "Cy Cole"), ("D", "Di Dale"),
                          ("E", "Ed Eve"), ("F", "Flo Fern")):
            runs[key] = submit(ws, name, "%s@%s.example" % (name.split()[0].lower(), name.split()[1].lower()))
        time.sleep(WAIT)

        # A: approve inside a grace, undo, approve for good.
        ws.run("config", "set", "approvals.undo_s", "5")
        approve = subprocess.Popen([AIOS, "approve", str(runs["A"][1])], env=ws.env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        check(approve.stdout.readline().startswith("Will be sent"), "approve waits out the grace")
        undo = ws.run("undo", str(runs["A"][1]))
        check("taken back" in undo.stdout, "undo: %r" % undo.stdout)
        approve.communicate(timeout=30)
        ws.run("config", "set", "approvals.undo_s", "0")
        ws.run("approve", str(runs["A"][1]))

        # B: an edit. C: a rejection.
        edit = os.path.join(ws.tmp, "edit.json")
        with open(edit, "w") as f:
            json.dump({"subject": "A call next week?"}, f)
        ws.run("approve", str(runs["B"][1]), "--edit", edit)
        ws.run("reject", str(runs["C"][1]), "--reason", "not a fit")
        # C': the rejected run replayed from its draft (it waits for a decision again).
        replay = json.loads(ws.run("replay", str(runs["C"][0]), "--from", "draft", "--json").stdout)
        runs["C'"] = (replay.get("run_id") or replay.get("id"), 0)
        wait_for(lambda: ws.query("SELECT COUNT(*) FROM approvals WHERE run_id = ? AND status = 'pending'",
                                  runs["C'"][0])[0][0] == 1, what="the replay to wait for its approval")

        # D: permanent (550), then rolled back.
        ws.run("config", "set", "smtp.url", reject550.url)
        ws.run("approve", str(runs["D"][1]), check_rc=False)
        wait_for(lambda: run_status(ws, runs["D"][0]) == "failed", what="run D to fail")
        ws.run("rollback", str(runs["D"][0]))

        # E: unknown outcome (the line drops after the data), resolved --sent.
        ws.run("config", "set", "smtp.url", drop.url)
        ws.run("approve", str(runs["E"][1]), check_rc=False)
        wait_for(lambda: run_status(ws, runs["E"][0]) == "failed", what="run E to fail with an unknown outcome")
        ws.run("resolve", str(runs["E"][1]), "--sent")

        # G: lead-followup, its webhook denied by a rule; retried, denied again.
        rule = [{"field": "event", "op": "eq", "value": "lead.followup-drafted"}]
        ws.run("policy", "add", "no-hooks", "--connector", "webhook", "--deny", "--when", "-", stdin=json.dumps(rule))
        spec = {"name": "Gil Grey", "email": "gil@grey.example", "message": "a website, budget 5000"}
        g_run = int(ws.run("submit", "lead-followup", "--input", "-", stdin=json.dumps(spec)).stdout.strip())
        wait_for(lambda: run_status(ws, g_run) == "failed", what="run G to be denied")
        retried = json.loads(ws.run("retry", str(g_run), "--json").stdout)
        fork = retried.get("run_id") or retried.get("id")
        wait_for(lambda: run_status(ws, fork) == "failed", what="run G's retry to be denied too")
        runs["G"] = (g_run, fork)

        # H: content, refused by the quality check.
        brief = {"topic": "Pricing your services", "audience": "shop owners",
                 "key_points": ["[TODO] add the numbers", "Say what is included"]}
        h_run = int(ws.run("submit", "content", "--input", "-", stdin=json.dumps(brief)).stdout.strip())
        wait_for(lambda: run_status(ws, h_run) == "failed", what="run H to fail its quality check")
        runs["H"] = (h_run, 0)

        # I: the operator's ping flow, allowed by a rule, one attempt at a 500.
        flows = os.path.join(ws.env["XDG_CONFIG_HOME"], "aios", "flows")
        os.makedirs(flows, exist_ok=True)
        with open(os.path.join(flows, "ping.json"), "w") as f:
            json.dump(PING_FLOW, f)
        ws.run("config", "set", "webhook.url", peers.api.base + "/e500/hook")
        pings = [{"field": "event", "op": "eq", "value": "stats.ping"}]
        ws.run("policy", "add", "pings", "--connector", "webhook", "--allow", "--when", "-", stdin=json.dumps(pings))
        i_run = int(ws.run("submit", "ping").stdout.strip())
        wait_for(lambda: run_status(ws, i_run) == "failed", what="run I to use up its one attempt")
        runs["I"] = (i_run, 0)

        # F: 450 (retryable); the coordinator retries on its own after the
        # server is fixed.
        headless = ws.start_headless()
        wait_for(lambda: bus_has_name(ws.env), what="aios --headless on the session bus")
        ws.run("config", "set", "smtp.url", busy450.url)
        ws.run("approve", str(runs["F"][1]), check_rc=False)
        wait_for(lambda: ws.query("SELECT COUNT(*) FROM events WHERE run_id = ? AND kind = 'step.retry-scheduled'",
                                  runs["F"][0])[0][0] > 0, what="run F's retry to be scheduled")
        ws.run("config", "set", "smtp.url", good.url)
        wait_for(lambda: run_status(ws, runs["F"][0]) == "succeeded", timeout=40, what="run F to recover")
        kill(headless)
        headless = None

    finally:
        if headless is not None:
            kill(headless)
    return runs


def main():
    check(os.environ.get("DBUS_SESSION_BUS_ADDRESS", "disabled:") != "disabled:",
          "this test needs a session bus (run it under dbus-run-session)")
    ws = Workspace("stats")
    peers = Peers(ws)
    good = peers.good
    try:
        # Nothing yet: zero everywhere, no integration figure.
        empty = ws.json("stats")
        check(empty["total"]["runs"] == 0 and empty["integration"]["first_approved_at"] is None and
              empty["integration"]["seconds"] is None and empty["top_failure"] is None, "an empty meter: %r" % empty)
        check(len(empty["weeks"]) == 4, "four weeks by default: %r" % [w["week"] for w in empty["weeks"]])
        check(empty["waiting_is"] == "inbox-to-decision" and empty["active_time_measured"] is False,
              "the meter says what its time is")

        runs = scenario(ws, peers)
        delivered = sorted(r for m in good.messages() for r in m["rcpt_tos"])
        check(delivered == ["ada@archer.example", "ben@brook.example", "flo@fern.example"],
              "the good server got A, B and F: %r" % delivered)

        # What the workspace says, independently of the meter.
        decided = ws.query("SELECT created_at, decided_at FROM approvals WHERE status IN ('approved','rejected')")
        waiting_ms = sum(d - c for c, d in decided)
        check(len(decided) == 6 and waiting_ms >= 6 * WAIT * 1000, "six decisions, each after a wait: %r" % decided)
        first_approved = ws.query("SELECT MIN(decided_at) FROM approvals WHERE status = 'approved'")[0][0]

        stats = ws.json("stats")
        this_week = stats["weeks"][-1]
        check([w["flows"] for w in stats["weeks"][:-1]] == [[], [], []], "nothing in earlier weeks")
        check([x["flow"] for x in this_week["flows"]] == ["content", "lead-followup", "lead-outreach", "ping"],
              "four flows this week: %r" % this_week["flows"])
        f = this_week["flows"][2]
        expected = {
            "runs": 7,
            "failed": 2,
            "failures": {"retryable_recovered": 1, "permanent": 1, "retries_exhausted": 0, "unknown_outcome": 1,
                         "budget_stop": 0, "policy_denial": 0, "qa_failure": 0, "approval_expired": 0},
            "interventions": {"total": 10, "decisions": 6, "approvals": 5, "edits": 1, "rejections": 1, "undos": 1,
                              "retries": 0, "replays": 1, "manual_fixes": 1, "resolutions": 1},
            "waiting_s": waiting_ms // 1000,
            "flow": "lead-outreach",
        }
        check(f == expected, "the figures:\n%s\nexpected\n%s" % (json.dumps(f, indent=1), json.dumps(expected, indent=1)))
        followup = {
            "runs": 2,
            "failed": 2,
            "failures": {"retryable_recovered": 0, "permanent": 0, "retries_exhausted": 0, "unknown_outcome": 0,
                         "budget_stop": 0, "policy_denial": 2, "qa_failure": 0, "approval_expired": 0},
            "interventions": {"total": 1, "decisions": 0, "approvals": 0, "edits": 0, "rejections": 0, "undos": 0,
                              "retries": 1, "replays": 0, "manual_fixes": 0, "resolutions": 0},
            "waiting_s": 0,
            "flow": "lead-followup",
        }
        check(this_week["flows"][1] == followup, "the lead-followup figures: %r" % this_week["flows"][1])
        content = {
            "runs": 1,
            "failed": 1,
            "failures": {"retryable_recovered": 0, "permanent": 0, "retries_exhausted": 0, "unknown_outcome": 0,
                         "budget_stop": 0, "policy_denial": 0, "qa_failure": 1, "approval_expired": 0},
            "interventions": {"total": 0, "decisions": 0, "approvals": 0, "edits": 0, "rejections": 0, "undos": 0,
                              "retries": 0, "replays": 0, "manual_fixes": 0, "resolutions": 0},
            "waiting_s": 0,
            "flow": "content",
        }
        check(this_week["flows"][0] == content, "the content figures: %r" % this_week["flows"][0])
        ping = dict(content, flow="ping", failures=dict(content["failures"], qa_failure=0, retries_exhausted=1))
        check(this_week["flows"][3] == ping, "the ping figures: %r" % this_week["flows"][3])
        total = this_week["total"]
        check(total["runs"] == 11 and total["failed"] == 6 and total["interventions"]["total"] == 11 and
              total["failures"]["retries_exhausted"] == 1 and
              total["failures"]["qa_failure"] == 1 and
              total["failures"]["policy_denial"] == 2 and total["interventions"]["retries"] == 1 and
              total["waiting_s"] == waiting_ms // 1000, "the week's total: %r" % total)
        check(stats["total"] == this_week["total"], "the window's total")
        check(stats["flows"] == [f, followup, content, ping], "the costliest flows, lead-outreach first: %r" % stats["flows"])
        check(stats["top_failure"] == {"class": "policy_denial", "count": 2, "runs": [runs["G"][1], runs["G"][0]]},
              "the most common failure and its runs, newest first: %r" % stats["top_failure"])
        integration = stats["integration"]
        check(integration["first_approved_at"] == first_approved and
              integration["seconds"] == (first_approved - integration["first_start_at"]) // 1000 and
              integration["seconds"] >= 0, "the integration cost: %r" % integration)

        # The same in words.
        text = ws.run("stats").stdout
        print(text)
        waited = wait_words(waiting_ms)
        sentence = ("7 runs of lead-outreach, 2 failed (1 permanent, 1 unknown outcome), 1 recovered on its own "
                    "after a retry, you decided 6 approvals (1 edit, 1 rejection), and fixed things by hand 4 times; "
                    "items waited %s for you in total." % waited)
        check(("This week (%s): %s" % (this_week["week"], sentence)) in text, "the sentence: %s" % text)
        check(("This week (%s): 1 run of content, 1 failed (1 failed quality check)." % this_week["week"]) in text,
              "the content sentence: %s" % text)
        check(("This week (%s): 1 run of ping, 1 failed (1 with its retries used up)." % this_week["week"]) in text,
              "the ping sentence: %s" % text)
        check(("This week (%s): 2 runs of lead-followup, 2 failed (2 policy denials), and fixed things by hand 1 time."
               % this_week["week"]) in text, "the lead-followup sentence: %s" % text)
        check("The most common failure: policy denial (2 times), in runs %d, %d" % (runs["G"][1], runs["G"][0]) in text,
              "the most common failure in words: %s" % text)
        check("not time you spent on it" in text and "not measured" in text, "waiting time is named for what it is")
        check("Integration cost:" in text, "the integration cost in words: %s" % text)
        bad = ws.run("stats", "--weeks", "0", check_rc=False)
        check(bad.returncode != 0 and "--weeks" in bad.stderr, "a bad --weeks is refused: %r" % bad.stderr)
    finally:
        peers.stop()
    print("ok")


def wait_words(ms):
    s = ms // 1000
    if s < 60:
        return "%d s" % s
    if s < 3600:
        return "%d min" % (s // 60)
    return "%d h %d min" % (s // 3600, (s % 3600) // 60)


if __name__ == "__main__":
    main()
