#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Replies read from the mailbox (issue 20, parts 2 and 5), with real servers
# on loopback: Dovecot (IMAPS, a certificate made by openssl, a passwd-file
# user) and the SMTP peer, which delivers the mail for robin@ into Dovecot's
# Maildir, so a reply really travels SMTP → mailbox → IMAP → `aios --headless`.
#
#  - the outreach goes out as a person's mail: From with the display name,
#    the Message-ID under the sender's domain;
#  - a reply (multipart, quoted-printable, Latin-1) to it is matched by
#    In-Reply-To, recorded as a note linked to the lead with provenance, the
#    lead becomes "replied", reply.received is journaled on the run that sent;
#  - an unsubscribe reply (matched by References only) makes the contact do
#    not contact, and a later email to it is refused before it can be sent,
#    with the reason in the journal; the SMTP peer never sees it;
#  - SIGKILL of the coordinator while it reads a batch of replies: after a
#    restart every reply is read exactly once;
#  - mail that answers no run is read once and starts nothing (imap.new_leads unset), and
#    starts lead-outreach for its sender with imap.new_leads = true.
#
# Runs in a private session bus with an unlocked keyring (tests/exec/with-keyring.sh).
import email.message
import email.utils
import json
import os
import smtplib
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aiostest import Dovecot, Smtp, Workspace, check, fail, kill, wait_for  # noqa: E402

ROBIN = "robin@northwind-studio.example"
DANA = "dana@whitfield-design.example"
MARCUS = "marcus@oyelaran-legal.example"
KENJI = "kenji@mori-analytics.example"


def lead(ws, address):
    rows = ws.query("SELECT id, fields_json FROM records WHERE kind = 'lead' "
                    "AND json_extract (fields_json, '$.email') = ?", address)
    check(len(rows) == 1, "one lead for %s: %r" % (address, rows))
    return rows[0][0], json.loads(rows[0][1])


def contact(ws, address):
    rows = ws.query("SELECT id, fields_json FROM records WHERE kind = 'contact' "
                    "AND json_extract (fields_json, '$.email') = ?", address)
    check(len(rows) == 1, "one contact for %s: %r" % (address, rows))
    return rows[0][0], json.loads(rows[0][1])


def reply(smtp, sender, name, subject, answers, text, references=None, msgid=None, charset="iso-8859-1"):
    """The lead's mail client: a multipart/alternative reply, quoted-printable, submitted to the SMTP peer."""
    m = email.message.EmailMessage()
    m["From"] = email.utils.formataddr((name, sender))
    m["To"] = email.utils.formataddr(("Robin Keller", ROBIN))
    m["Subject"] = subject
    m["Date"] = email.utils.formatdate(localtime=True)
    m["Message-ID"] = msgid or email.utils.make_msgid(domain=sender.split("@")[1])
    if answers:
        m["In-Reply-To"] = answers
    m["References"] = references or answers or ""
    m.set_content(text, charset=charset, cte="quoted-printable")
    m.add_alternative("<p>%s</p>" % text.replace("\n", "<br>"), subtype="html", charset="utf-8")
    with smtplib.SMTP("127.0.0.1", smtp.port) as s:
        s.send_message(m, from_addr=sender, to_addrs=[ROBIN])
    return m["Message-ID"]


def sent_to(smtp, address):
    return [m for m in smtp.messages() if address in m["rcpt_tos"]]


def header(content, name):
    for line in content.split("\r\n"):
        if line.lower().startswith(name.lower() + ":"):
            return line.split(":", 1)[1].strip()
    return None


def start(ws):
    import subprocess
    from aiostest import AIOS
    proc = subprocess.Popen([AIOS, "--headless"], env=ws.env, stdout=open(os.path.join(ws.tmp, "headless.out"), "a"),
                            stderr=subprocess.PIPE, text=True)
    wait_for(lambda: proc.poll() is not None or json.loads(ws.run("status", "--json").stdout)["running"], 30,
             "the headless coordinator")
    if proc.poll() is not None:
        fail("aios --headless ended: %s" % proc.stderr.read())
    return proc


def main():
    ws = Workspace("replies")
    dovecot = Dovecot(ws.tmp)
    smtp = Smtp(ws.tmp, extra=["--maildir", dovecot.maildir, "--maildir-rcpt", ROBIN])
    ws.env["AIOS_TEST_IMAP_CA_FILE"] = dovecot.cert
    proc = None
    try:
        ws.run("config", "set", "smtp.url", smtp.url)
        ws.run("config", "set", "smtp.from", ROBIN)
        ws.run("config", "set", "smtp.from_name", "Robin Keller")
        ws.run("config", "set", "imap.url", dovecot.url)
        ws.run("credentials", "set", "imap", stdin="robin:" + dovecot.password)
        ws.run("--demo")
        approvals = {a["request"]["to"] if isinstance(a["request"]["to"], str) else a["request"]["to"][0]: a
                     for a in ws.json("approvals")}
        for to in (DANA, MARCUS, KENJI):
            check("Robin Keller <%s>" % ROBIN == approvals[to]["preview"]["from"],
                  "the approval preview shows the identity: %r" % approvals[to]["preview"]["from"])
            ws.run("approve", str(approvals[to]["id"]))

        # Part 5: From with the display name, the Message-ID under the sender's own domain.
        first = sent_to(smtp, DANA)
        check(len(first) == 1, "one outreach email to Dana: %r" % first)
        check(header(first[0]["content"], "From") == "Robin Keller <%s>" % ROBIN,
              "From carries the display name: %r" % header(first[0]["content"], "From"))
        dana_id = header(first[0]["content"], "Message-ID")
        key = ws.query("SELECT idempotency_key FROM outbox WHERE approval_id = ?", approvals[DANA]["id"])[0][0]
        check(dana_id == "<%s@northwind-studio.example>" % key,
              "the Message-ID %r is the key %r under the sender's domain" % (dana_id, key))
        marcus_id = header(sent_to(smtp, MARCUS)[0]["content"], "Message-ID")
        kenji_id = header(sent_to(smtp, KENJI)[0]["content"], "Message-ID")
        check(os.listdir(os.path.join(dovecot.maildir, "new")) == [], "outreach is not delivered to Robin's mailbox")

        proc = start(ws)
        print("headless started", flush=True)

        # A reply to the outreach: matched, recorded, the lead replied, journaled on the run.
        subject = header(first[0]["content"], "Subject")
        dana_reply = reply(smtp, DANA, "Dana Whitfield", "Re: " + subject, dana_id,
                           "Hi Robin,\nsounds good, I'm interested - let's talk next week.\nGrüße, Dana")
        wait_for(lambda: ws.query("SELECT outcome FROM imap_messages WHERE message_id = ?", dana_reply) == [("reply",)],
                 60, "Dana's reply to be read (dovecot log: %s)" % dovecot.log()[-400:])
        lead_id, fields = lead(ws, DANA)
        check(fields.get("status") == "replied", "Dana's lead says replied: %r" % fields)
        note = ws.query("SELECT r.id, r.fields_json, v.body, v.author, v.run_id, v.rationale FROM records r "
                        "JOIN record_versions v ON v.record_id = r.id AND v.version = r.current_version "
                        "WHERE r.id = ?", int(fields["x-reply-note"]))
        check(len(note) == 1, "the lead points at the reply's note")
        nid, nfields, body, author, run_id, rationale = note[0]
        nfields = json.loads(nfields)
        check(nfields.get("x-lead") == str(lead_id) and nfields.get("x-message-id") == dana_reply,
              "the note is linked to the lead and names the reply: %r" % nfields)
        check("interested" in nfields.get("tags", []) and nfields.get("x-triage") == "interested",
              "the triage says interested: %r" % nfields)
        check("Grüße, Dana" in body and "let's talk next week" in body,
              "the text part, decoded from quoted-printable Latin-1 by GMime: %r" % body)
        check("<p>" not in body, "the text part, not the HTML alternative: %r" % body)
        check(author == "connector:imap" and run_id == approvals[DANA]["run_id"] and dana_reply in rationale,
              "the note's provenance: %r" % ((author, run_id, rationale),))
        history = ws.query("SELECT author, rationale FROM record_versions WHERE record_id = ? ORDER BY version DESC",
                           lead_id)
        check(history[0][0] == "connector:imap" and "replied" in history[0][1],
              "the lead's history has the reply: %r" % history)
        events = ws.query("SELECT kind, payload_json FROM events WHERE run_id = ? AND kind = 'reply.received'",
                          approvals[DANA]["run_id"])
        check(len(events) == 1 and json.loads(events[0][1])["note"] == nid,
              "reply.received on the run that sent: %r" % events)
        # ... and the triage's drafted answer waits in the Inbox, to Dana, as a reply.
        drafts = [a for a in ws.json("approvals") if a["flow"] == "reply-triage"]
        check(len(drafts) == 1 and drafts[0]["request"]["to"] == DANA, "one triage draft waits: %r" % drafts)
        check(drafts[0]["request"]["subject"] == "Re: " + subject and "short call" in drafts[0]["request"]["body"],
              "the draft answers the reply: %r" % drafts[0]["request"])
        check(drafts[0]["preview"]["from"] == "Robin Keller <%s>" % ROBIN, "the draft's preview shows the identity")
        # threaded as a person's answer: In-Reply-To her reply, References the thread and the reply
        check(drafts[0]["request"].get("in_reply_to") == dana_reply,
              "the answer is In-Reply-To Dana's reply: %r" % drafts[0]["request"])
        check(drafts[0]["request"].get("references", "").split()[-2:] == [dana_id, dana_reply],
              "the answer's References end with the thread: %r" % drafts[0]["request"].get("references"))
        check(ws.query("SELECT run_id FROM imap_messages WHERE message_id = ?", dana_reply)[0][0] == drafts[0]["run_id"],
              "the message read names the run it started")

        # An unsubscribe, matched by References alone: do not contact, and later mail is refused.
        marcus_reply = reply(smtp, MARCUS, "Marcus Oyelaran", "Re: your email", None,
                             "Please remove me from your list and do not contact me again.",
                             references="<older@elsewhere.example> " + marcus_id, charset="utf-8")
        wait_for(lambda: ws.query("SELECT outcome FROM imap_messages WHERE message_id = ?", marcus_reply) == [("reply",)],
                 60, "Marcus's unsubscribe to be read")
        _, cfields = contact(ws, MARCUS)
        check(cfields.get("do_not_contact") == "yes", "Marcus's contact says do not contact: %r" % cfields)
        check(lead(ws, MARCUS)[1].get("status") == "do-not-contact", "Marcus's lead says do-not-contact")
        before = len(sent_to(smtp, MARCUS))
        again = {"name": "Marcus Oyelaran", "email": MARCUS, "company": "Oyelaran Legal",
                 "source": "referral", "message": "budget for a website this quarter"}
        run2 = json.loads(ws.run("submit", "lead-outreach", "--input", "-", "--json", stdin=json.dumps(again)).stdout)["run_id"]
        wait_for(lambda: next(r for r in ws.json("runs") if r["id"] == run2)["status"] in ("failed", "succeeded"),
                 60, "the second run to Marcus to settle")
        reason = ws.query("SELECT summary, COALESCE (rationale, '') || COALESCE (payload_json, '') FROM events "
                          "WHERE run_id = ? AND (payload_json LIKE '%asked not to be contacted%' "
                          "OR summary LIKE '%asked not to be contacted%' OR rationale LIKE '%asked not to be contacted%')",
                          run2)
        check(reason, "the refusal is journaled with its reason: %r" % ws.query(
            "SELECT kind, summary, payload_json FROM events WHERE run_id = ?", run2))
        check(not any(a["run_id"] == run2 for a in ws.json("approvals")), "no approval for a do-not-contact address")
        check(not any(a["request"]["to"] == MARCUS for a in ws.json("approvals") if a["flow"] == "reply-triage"),
              "an unsubscribe is recorded, not answered")
        check(len(sent_to(smtp, MARCUS)) == before, "nothing more is sent to Marcus")

        # SIGKILL while reading a batch: every reply read exactly once after the restart.
        batch = [reply(smtp, KENJI, "Kenji Mori", "Re: hello %d" % i, kenji_id, "Automatic reply: I am out of office until Monday (%d)." % i)
                 for i in range(40)]
        marks = ",".join("?" * len(batch))
        deadline = time.monotonic() + 60
        while ws.query("SELECT COUNT (*) FROM imap_messages WHERE message_id IN (%s)" % marks, *batch)[0][0] < 2:
            check(time.monotonic() < deadline, "the batch did not start")
            time.sleep(0.005)
        kill(proc)
        read_at_kill = ws.query("SELECT COUNT (*) FROM imap_messages WHERE message_id IN (%s)" % marks, *batch)[0][0]
        proc = start(ws)
        wait_for(lambda: ws.query("SELECT COUNT (*) FROM imap_messages WHERE message_id IN (%s)"
                                  % ",".join("?" * len(batch)), *batch)[0][0] == len(batch), 60, "the whole batch")
        time.sleep(1)
        got = ws.query("SELECT payload_json FROM events WHERE run_id = ? AND kind = 'reply.received'",
                       approvals[KENJI]["run_id"])
        ids = sorted(json.loads(p)["message_id"] for (p,) in got)
        check(ids == sorted(batch), "each reply journaled once after SIGKILL: %r" % ids)
        check(len([a for a in ws.json("approvals") if a["flow"] == "reply-triage"]) == 1,
              "out-of-office replies are only recorded")
        notes = ws.query("SELECT COUNT (*) FROM records WHERE kind = 'note' "
                         "AND json_extract (fields_json, '$.x-lead') = ?", str(lead(ws, KENJI)[0]))[0][0]
        check(notes == len(batch), "one note per reply: %d" % notes)

        # Mail that answers nothing: read once, starts nothing.
        runs = len(ws.json("runs"))
        stray = reply(smtp, "someone@else.example", "Some One", "Hello", None, "Who are you?")
        wait_for(lambda: ws.query("SELECT outcome FROM imap_messages WHERE message_id = ?", stray) == [("unmatched",)],
                 60, "the stray message to be read")
        check(len(ws.json("runs")) == runs, "imap.new_leads unset: no run for a stray message")
        # With imap.new_leads, such mail starts lead outreach for its sender.
        ws.run("config", "set", "imap.new_leads", "true")
        newcomer = reply(smtp, "quinn@new-agency.example", "Quinn Newman", "A website for us?", None,
                         "We need a new website this quarter; is there budget for a call?")
        wait_for(lambda: ws.query("SELECT outcome FROM imap_messages WHERE message_id = ?", newcomer) == [("new-lead",)],
                 60, "the newcomer's mail to be read")
        started = ws.query("SELECT r.flow_id, json_extract (r.input_json, '$.email') FROM imap_messages m "
                           "JOIN runs r ON r.id = m.run_id WHERE m.message_id = ?", newcomer)
        check(started == [("lead-outreach", "quinn@new-agency.example")], "a lead-outreach run for the sender: %r" % started)
        checkpoint = ws.query("SELECT uidvalidity, last_uid FROM imap_mailboxes WHERE mailbox = 'INBOX'")
        check(checkpoint and checkpoint[0][1] == 44, "the checkpoint is at the 44th UID: %r" % checkpoint)
        print("ok: reply matched (In-Reply-To), unsubscribe (References) refused later mail, "
              "%d of %d replies read before SIGKILL and each once after, checkpoint %r"
              % (read_at_kill, len(batch), checkpoint[0]))
    finally:
        if proc is not None:
            kill(proc)
            print("aios --headless said: %s" % proc.stderr.read()[-3000:], flush=True)
        smtp.stop()
        dovecot.stop()


if __name__ == "__main__":
    main()
