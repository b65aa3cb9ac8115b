#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Follow-up cadences end to end, through the real `aios --headless`, the
# real SMTP peer and test-scaled waits (the outreach template's cadence is
# "3s,3s"): approving the first email arms a durable wait, shown in `aios
# runs` as "Follow-up 1 due ..."; when it is over a follow-up approval
# appears, threaded (In-Reply-To and References = the first Message-ID as
# the peer received it, "Re: " subject); a SIGKILL of the coordinator
# during the second wait neither loses nor doubles the second follow-up;
# the cadence ends after its last step with a journaled cause; and a lead
# whose status is set to "replied" during its wait gets no more follow-ups,
# the stop journaled with its cause.
# Run inside a private session bus (dbus-run-session).
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aiostest import Smtp, Workspace, bus_has_name, check, kill, wait_for  # noqa: E402

DANA = "dana@whitfield-design.example"
SOFIA = "sofia.brandt@greenleaf-bakery.example"


def header(message, name):
    m = re.search(r"^%s: (.*(?:\r?\n[ \t].*)*)" % re.escape(name), message["content"], re.M)
    return re.sub(r"\s+", " ", m.group(1)).strip() if m else None


def pending(ws, run_id):
    return [a for a in ws.json("approvals") if a["run_id"] == run_id]


def run_of(ws, run_id):
    return next(r for r in ws.json("runs") if r["id"] == run_id)


def start(ws):
    proc = ws.start_headless()
    wait_for(lambda: bus_has_name(ws.env), what="aios --headless on the session bus")
    return proc


def to_of(approval):
    to = approval["request"]["to"]
    return to if isinstance(to, str) else to[0]


def main():
    ws = Workspace("cadence")
    smtp = Smtp(ws.tmp)
    headless = None
    try:
        ws.run("config", "set", "smtp.url", smtp.url)
        ws.run("--demo")
        template = ws.query("SELECT id FROM records WHERE kind = 'template' "
                            "AND json_extract (fields_json, '$.purpose') = 'outreach'")[0][0]
        ws.run("memory", "put", str(template), "--field", "cadence=3s,3s", "--rationale", "Follow up twice")
        by_to = {to_of(a): a for a in ws.json("approvals")}
        dana, sofia = by_to[DANA], by_to[SOFIA]

        headless = start(ws)
        ws.run("approve", str(dana["id"]))
        ws.run("approve", str(sofia["id"]))
        wait_for(lambda: len(smtp.messages()) == 2, what="the two first emails")
        first = {m["rcpt_tos"][0]: m for m in smtp.messages()}
        dana_id1 = header(first[DANA], "Message-ID")
        dana_subject = header(first[DANA], "Subject")
        check(header(first[DANA], "In-Reply-To") is None, "the first email is no reply")

        # The wait is durable and shown: "Follow-up 1 due <day> <time>".
        waiting = wait_for(lambda: (lambda r: r if r["waiting_for"] and "Follow-up 1 due" in r["waiting_for"] else None)(
            run_of(ws, dana["run_id"])), timeout=20, what="Dana's run to wait for follow-up 1")
        check(waiting["status"] == "waiting", "a waiting cadence is a waiting run: %r" % waiting)
        listing = ws.run("runs").stdout
        check("Follow-up 1 due" in listing, "`aios runs` shows the follow-up's time: %r" % listing)

        # Sofia replies meanwhile (what the IMAP reader records): her cadence stops.
        lead = ws.query("SELECT id FROM records WHERE kind = 'lead' AND json_extract (fields_json, '$.email') = ?", SOFIA)[0][0]
        ws.run("memory", "put", str(lead), "--field", "status=replied", "--rationale", "She answered")

        # Dana's follow-up 1: an approval, threaded.
        f1 = wait_for(lambda: pending(ws, dana["run_id"]), timeout=30, what="Dana's follow-up 1 approval")[0]
        check(f1["request"].get("in_reply_to") == dana_id1, "follow-up 1 answers the first email: %r" % f1["request"])
        check("In-Reply-To: %s" % dana_id1 in f1["preview"]["message"], "the preview shows the threading")
        check(f1["request"]["subject"] == "Re: " + dana_subject, "a Re: subject: %r" % f1["request"]["subject"])
        ws.run("approve", str(f1["id"]))
        wait_for(lambda: len(smtp.messages()) == 3, what="follow-up 1 at the SMTP peer")
        m2 = smtp.messages()[2]
        check(m2["rcpt_tos"] == [DANA], "follow-up 1 goes to Dana")
        check(header(m2, "In-Reply-To") == dana_id1, "In-Reply-To at the peer: %r" % header(m2, "In-Reply-To"))
        check(header(m2, "References") == dana_id1, "References at the peer: %r" % header(m2, "References"))
        check(header(m2, "Subject") == "Re: " + dana_subject, "Subject at the peer: %r" % header(m2, "Subject"))
        dana_id2 = header(m2, "Message-ID")
        check(dana_id2 != dana_id1, "follow-up 1 has its own Message-ID")

        # Sofia's run stopped with its cause journaled, and no follow-up for her.
        stop = wait_for(lambda: ws.query("SELECT summary FROM events WHERE run_id = ? AND kind = 'run.stopped'",
                                         sofia["run_id"]), timeout=20, what="Sofia's cadence to stop")
        check("Stopped following up Sofia" in stop[0][0] and "replied" in stop[0][0],
              "the stop says why: %r" % stop[0][0])
        check(run_of(ws, sofia["run_id"])["status"] == "succeeded", "a stopped cadence ends its run")
        check(not pending(ws, sofia["run_id"]), "no follow-up approval for a lead who replied")

        # SIGKILL during the second wait: the follow-up is neither lost nor doubled.
        wait_for(lambda: ws.query("SELECT 1 FROM steps WHERE run_id = ? AND name = 'follow-up-2' AND status = 'waiting'",
                                  dana["run_id"]), timeout=20, what="the second wait")
        kill(headless)
        headless = None
        time.sleep(1)
        headless = start(ws)
        f2 = wait_for(lambda: pending(ws, dana["run_id"]), timeout=30, what="Dana's follow-up 2 after the restart")
        check(len(f2) == 1, "one follow-up 2 approval: %r" % f2)
        kill(headless)
        headless = start(ws)
        ws.run("approve", str(f2[0]["id"]))
        wait_for(lambda: len(smtp.messages()) == 4, what="follow-up 2 at the SMTP peer")
        m3 = smtp.messages()[3]
        check(header(m3, "In-Reply-To") == dana_id2, "follow-up 2 answers follow-up 1: %r" % header(m3, "In-Reply-To"))
        check(header(m3, "References") == "%s %s" % (dana_id1, dana_id2),
              "References lists the thread, oldest first: %r" % header(m3, "References"))

        # The cadence is over: journaled, the run succeeded, nothing more is sent.
        stop = wait_for(lambda: ws.query("SELECT summary FROM events WHERE run_id = ? AND kind = 'run.stopped'",
                                         dana["run_id"]), timeout=20, what="Dana's cadence to end")
        check("Stopped following up Dana" in stop[0][0], "the end is journaled: %r" % stop[0][0])
        wait_for(lambda: run_of(ws, dana["run_id"])["status"] == "succeeded", what="Dana's run to succeed")
        time.sleep(4)
        sent = [m["rcpt_tos"][0] for m in smtp.messages()]
        check(sent.count(DANA) == 3 and sent.count(SOFIA) == 1, "each email exactly once: %r" % sent)
        ids = [header(m, "Message-ID") for m in smtp.messages()]
        check(len(set(ids)) == len(ids), "no message sent twice: %r" % ids)
        print("ok: 3 emails to Dana in one thread, 1 to Sofia, her cadence stopped on her reply, a SIGKILL in a wait")
    finally:
        if headless is not None:
            kill(headless)
        smtp.stop()


if __name__ == "__main__":
    main()
