#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The undo grace and the operator's answer to an unknown outcome, through
# the real binary and the real SMTP peer (tests/peers/exec-smtp-peer.py):
#   - approve, then `aios undo` inside the grace: nothing on the wire, the
#     approval pending again, journaled with a decision record;
#   - with approvals.undo_s 0 an approval sends at once and says so;
#   - a restart inside the grace still waits, then sends once;
#   - `aios undo` after the send is refused;
#   - an unknown outcome (the server drops the line after the data)
#     resolved --sent: nothing resent, the outbox sent, the run goes on;
#     resolved --send-again: the same Message-ID reaches the server, one
#     distinct message.
# Run inside a private session bus (dbus-run-session).
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aiostest import AIOS, Smtp, Workspace, activate_action, bus_has_name, check, kill, wait_for  # noqa: E402


def message_ids(messages, rcpt):
    ids = []
    for m in messages:
        if rcpt in m["rcpt_tos"]:
            found = re.search(r"^Message-ID:\s*(\S+)", m["content"], re.M | re.I)
            ids.append(found.group(1) if found else None)
    return ids


def approval_for(ws, email):
    return next(a for a in ws.json("approvals") if a["request"]["to"] == email)


def status_of(ws, approval_id):
    return ws.query("SELECT status FROM approvals WHERE id = ?", approval_id)[0][0]


def outbox_of(ws, approval_id):
    return ws.query("SELECT status FROM outbox WHERE approval_id = ? ORDER BY id", approval_id)


def run_status(ws, run_id):
    return ws.query("SELECT status FROM runs WHERE id = ?", run_id)[0][0]


def journal_kinds(ws, run_id):
    return [row[0] for row in ws.query("SELECT kind FROM events WHERE run_id = ? ORDER BY id", run_id)]


def main():
    check(os.environ.get("DBUS_SESSION_BUS_ADDRESS", "disabled:") != "disabled:",
          "this test needs a session bus (run it under dbus-run-session)")
    ws = Workspace("undo", undo_s=None)
    smtp = Smtp(ws.tmp)
    drop = Smtp(ws.tmp, fault="data-drop")
    headless = None
    try:
        # The shipped default gives a grace.
        check(ws.run("config", "get", "approvals.undo_s", check_rc=False).stdout.strip() == "",
              "approvals.undo_s is unset in a new workspace")
        bad = ws.run("config", "set", "approvals.undo_s", "soon", check_rc=False)
        check(bad.returncode != 0 and "approvals.undo_s must be a number of seconds" in bad.stderr,
              "a bad grace is refused clearly: %r" % bad.stderr)
        ws.run("config", "set", "smtp.url", smtp.url)
        ws.run("--demo")

        # `aios approvals`: one compact block per item.
        text = ws.run("approvals").stdout
        blocks = [b for b in text.strip().split("\n\n") if b]
        check(len(blocks) == 5, "five blocks: %r" % text)
        for block in blocks:
            lines = block.split("\n")
            check(len(lines) <= 5, "a compact block: %r" % block)
            check(lines[1].split()[0] == "to" and "@" in lines[1], "the block names the recipient: %r" % block)
            check(any(line.split()[0] == "subject" for line in lines), "the block has the subject: %r" % block)
            check(any(line.split()[0] == "why" for line in lines), "the block says why: %r" % block)

        # 1. Approve, then undo inside the grace (the default, 5 s): the
        # one-shot approve stays for the grace; the undo reaches it.
        dana = approval_for(ws, "dana@whitfield-design.example") if any(
            a["request"]["to"] == "dana@whitfield-design.example" for a in ws.json("approvals")) else ws.json("approvals")[0]
        dana_to = dana["request"]["to"]
        started = time.monotonic()
        approve = subprocess.Popen([AIOS, "approve", str(dana["id"])], env=ws.env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        first = approve.stdout.readline()
        check(first.startswith("Will be sent to %s at " % dana_to) and
              "(“aios undo %d” to take it back)" % dana["id"] in first, "approve says when: %r" % first)
        undo = ws.run("undo", str(dana["id"]), check_rc=False)
        check(undo.returncode == 0, "undo inside the grace: %s%s" % (undo.stdout, undo.stderr))
        check("taken back" in undo.stdout, "undo says what it did: %r" % undo.stdout)
        out, err = approve.communicate(timeout=30)
        check(approve.returncode == 0, "approve exited %d: %s" % (approve.returncode, err))
        check("Taken back: nothing was sent to %s" % dana_to in out, "approve reports the undo: %r" % out)
        check(time.monotonic() - started < 20, "approve did not hang")
        time.sleep(0.5)
        check(smtp.messages() == [], "nothing on the wire after undo: %r" % smtp.messages())
        check(status_of(ws, dana["id"]) == "pending", "the approval is pending again")
        check(outbox_of(ws, dana["id"]) == [("cancelled",)], "its outbox row is cancelled: %r" % outbox_of(ws, dana["id"]))
        check(run_status(ws, dana["run_id"]) == "waiting", "the run waits again")
        kinds = journal_kinds(ws, dana["run_id"])
        check("approval.undo-grace" in kinds and "approval.undone" in kinds and "outbox.cancelled" in kinds,
              "the undo is journaled: %r" % kinds)
        decisions = ws.query("SELECT COUNT(*) FROM records WHERE kind = 'decision'")[0][0]
        check(decisions >= 2, "approve and undo each left a decision record: %d" % decisions)
        again = ws.run("undo", str(dana["id"]), check_rc=False)
        check(again.returncode != 0 and "not approved" in again.stderr, "a second undo is refused: %r" % again.stderr)

        # 2. With undo_s 0 an approval sends at once and says so.
        ws.run("config", "set", "approvals.undo_s", "0")
        sent = ws.run("approve", str(dana["id"]))
        check(re.match(r"Sent to %s at \d\d:\d\d" % re.escape(dana_to), sent.stdout), "approve says it sent: %r" % sent.stdout)
        check(message_ids(smtp.messages(), dana_to) and len(smtp.messages()) == 1, "one message after approve")
        late = ws.run("undo", str(dana["id"]), check_rc=False)
        check(late.returncode != 0 and "can no longer be taken back" in late.stderr,
              "undo after the send is refused: %r" % late.stderr)

        # 3. A restart inside the grace still waits, then sends once.
        ws.run("config", "set", "approvals.undo_s", "4")
        headless = ws.start_headless()
        wait_for(lambda: bus_has_name(ws.env), what="aios --headless on the session bus")
        second = ws.json("approvals")[0]
        second_to = second["request"]["to"]

        # app.undo on D-Bus (what a button outside the window would do).
        ws.run("approve", str(second["id"]))
        proc = activate_action(ws.env, "undo", second["id"])
        check(proc.returncode == 0, "org.gtk.Actions.Activate undo failed: %s" % proc.stderr)
        wait_for(lambda: status_of(ws, second["id"]) == "pending", what="app.undo to take the approval back")
        check(outbox_of(ws, second["id"]) == [("cancelled",)], "app.undo cancelled the outbox row")

        approved_at = time.monotonic()
        forwarded = ws.run("approve", str(second["id"]))
        check(forwarded.stdout.startswith("Will be sent to %s at " % second_to), "the running instance answers: %r"
              % forwarded.stdout)
        time.sleep(1)
        kill(headless)
        check(message_ids(smtp.messages(), second_to) == [], "nothing sent before the restart")
        headless = ws.start_headless()
        wait_for(lambda: bus_has_name(ws.env), what="aios --headless back on the session bus")
        time.sleep(max(0.0, approved_at + 3.0 - time.monotonic()))
        check(message_ids(smtp.messages(), second_to) == [], "the restart did not send early")
        wait_for(lambda: message_ids(smtp.messages(), second_to), timeout=20, what="the send after the grace")
        check(time.monotonic() - approved_at >= 3.8, "sent after the grace, not before")
        wait_for(lambda: outbox_of(ws, second["id"]) == [("sent",)], what="the outbox row sent")
        time.sleep(1)
        check(len(message_ids(smtp.messages(), second_to)) == 1, "sent once")
        kill(headless)
        headless = None

        # 4. Unknown outcome (the line drops after the data) resolved --sent.
        ws.run("config", "set", "approvals.undo_s", "0")
        ws.run("config", "set", "smtp.url", drop.url)
        third = ws.json("approvals")[0]
        third_to = third["request"]["to"]
        unknown = ws.run("approve", str(third["id"]))
        check("It is not known whether it reached %s" % third_to in unknown.stdout and
              "aios resolve %d --sent" % third["id"] in unknown.stdout, "approve explains the unknown outcome: %r"
              % unknown.stdout)
        check(outbox_of(ws, third["id"]) == [("unknown",)], "unknown outcome: %r" % outbox_of(ws, third["id"]))
        on_wire = len(drop.messages())
        check(on_wire == 1, "the server got the data once: %d" % on_wire)
        neither = ws.run("resolve", str(third["id"]), check_rc=False)
        check(neither.returncode != 0 and "--sent" in neither.stderr, "resolve needs a choice: %r" % neither.stderr)
        resolved = ws.run("resolve", str(third["id"]), "--sent")
        check("Recorded as sent to %s; nothing was resent" % third_to in resolved.stdout, "resolve --sent: %r"
              % resolved.stdout)
        check(len(drop.messages()) == on_wire and len(smtp.messages()) == 2, "nothing on the wire for --sent")
        check(outbox_of(ws, third["id"]) == [("sent",)], "the outbox row is sent")
        wait_for(lambda: run_status(ws, third["run_id"]) == "succeeded", what="the run to go on and finish")
        twice = ws.run("resolve", str(third["id"]), "--sent", check_rc=False)
        check(twice.returncode != 0 and "not of unknown outcome" in twice.stderr, "resolving twice is refused")

        # 5. Unknown outcome resolved --send-again: the same Message-ID.
        fourth = ws.json("approvals")[0]
        fourth_to = fourth["request"]["to"]
        ws.run("approve", str(fourth["id"]))
        check(outbox_of(ws, fourth["id"]) == [("unknown",)], "a second unknown outcome")
        ws.run("config", "set", "smtp.url", smtp.url)
        resent = ws.run("resolve", str(fourth["id"]), "--send-again")
        check(re.match(r"Sent again to %s at \d\d:\d\d" % re.escape(fourth_to), resent.stdout),
              "resolve --send-again says it sent: %r" % resent.stdout)
        first_ids = message_ids(drop.messages(), fourth_to)
        second_ids = message_ids(smtp.messages(), fourth_to)
        check(len(first_ids) == 1 and len(second_ids) == 1, "one attempt at each server: %r %r" % (first_ids, second_ids))
        check(first_ids[0] is not None and first_ids == second_ids,
              "the receiver sees one distinct message (the same Message-ID): %r %r" % (first_ids, second_ids))
        check(outbox_of(ws, fourth["id"]) == [("sent",)], "the outbox row is sent")
        wait_for(lambda: run_status(ws, fourth["run_id"]) == "succeeded", what="the resent run to finish")
        kinds = journal_kinds(ws, fourth["run_id"])
        check("outbox.resend" in kinds, "the resend is journaled: %r" % kinds)
        print("ok: undo inside the grace, at once with 0, a restart waits, unknown outcomes resolved both ways")
    finally:
        if headless is not None:
            kill(headless)
        smtp.stop()
        drop.stop()


if __name__ == "__main__":
    main()
