/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Replies read from the mailbox (issue 20, part 2): the IMAP watcher
 * (exec/aios-imap-watcher.c) hands over each new message; it is parsed with
 * GMime (exec/aios-mail-parse.c) and, in ONE transaction with the mailbox
 * checkpoint and the Message-ID claimed as read:
 *
 *  - matched to the run that sent it: its In-Reply-To, then its References,
 *    against the Message-IDs the outbox's sent items reported;
 *  - recorded as a note linked to the lead (fields x-lead, x-contact,
 *    x-message-id, x-in-reply-to, x-triage; tags "reply" and the triage),
 *    the body the reply's text part, the provenance "connector:imap" with
 *    the run that sent the answered message;
 *  - the lead gets a new version with status "replied" (or "do-not-contact"),
 *    pointing at the note; an unsubscribe sets do_not_contact = yes on the
 *    contact, after which the email connector refuses any mail to it;
 *  - journaled as reply.received on the run that sent the message, linked
 *    to the note, with the triage (interested, not-now, unsubscribe,
 *    out-of-office, unclear) by offline rules on the text;
 *  - for interested and not-now, a reply-triage run (data/flows/reply-triage.json)
 *    with an answer drafted from the triage, which waits in the Inbox for
 *    approval (Re: subject, to the sender); the others are only recorded.
 *
 * A message that answers no run is recorded as read (outcome "unmatched")
 * and, with imap.new_leads = true, starts lead-outreach for its sender.
 * A Message-ID read before (a restart, a UIDVALIDITY change) is skipped.
 */
#define G_LOG_DOMAIN "aios-app"

#include "config.h"

#include <string.h>
#include <inttypes.h>
#include <glib/gi18n.h>

#include "aios-reply-intake.h"
#include "control/aios-outbox.h"
#include "exec/aios-imap-checkpoint.h"
#include "exec/aios-mail-parse.h"
#include "store/aios-journal.h"

struct _AiosReplyIntake
{
  GObject          parent_instance;
  AiosWorkspace   *workspace;    /* not owned: it owns us */
  AiosImapWatcher *watcher;
};

G_DEFINE_FINAL_TYPE (AiosReplyIntake, aios_reply_intake, G_TYPE_OBJECT)

/* Offline triage: the first rule whose words the text has. */
static const struct {
  const char *triage;
  const char *words[12];
} rules[] = {
  { "unsubscribe", { "unsubscribe", "remove me", "stop emailing", "stop writing", "do not contact",
                     "don't contact", "do not email", "don't email", "no more emails", "take me off", NULL } },
  { "out-of-office", { "out of office", "out of the office", "automatic reply", "auto-reply", "autoreply",
                       "on vacation", "on holiday", "away until", "on leave", NULL } },
  { "not-now", { "not now", "not right now", "not at the moment", "maybe later", "next quarter", "next year",
                 "later this year", "get back to you", "not a good time", "no budget", NULL } },
  { "interested", { "interested", "sounds good", "let's talk", "lets talk", "a call", "happy to", "tell me more",
                    "send me", "yes", "when can", "book", NULL } },
};

/**
 * aios_reply_triage:
 *
 * Returns: interested, not-now, unsubscribe, out-of-office or unclear, by
 *   the offline rules above (first match wins, unsubscribe first)
 */
const char *
aios_reply_triage (const char *subject,
                   const char *text)
{
  g_autofree char *joined = g_strconcat (subject ? subject : "", "\n", text ? text : "", NULL);
  g_autofree char *lower = g_utf8_strdown (joined, -1);

  for (guint i = 0; i < G_N_ELEMENTS (rules); i++)
    for (guint j = 0; rules[i].words[j] != NULL; j++)
      if (strstr (lower, rules[i].words[j]) != NULL)
        return rules[i].triage;
  return "unclear";
}

static const char *
request_recipient (JsonNode *request)
{
  JsonObject *o = request != NULL && JSON_NODE_HOLDS_OBJECT (request) ? json_node_get_object (request) : NULL;
  JsonNode *to = o != NULL ? json_object_get_member (o, "to") : NULL;

  if (to == NULL)
    return NULL;
  if (JSON_NODE_HOLDS_ARRAY (to) && json_array_get_length (json_node_get_array (to)) > 0)
    to = json_array_get_element (json_node_get_array (to), 0);
  if (JSON_NODE_HOLDS_VALUE (to) && json_node_get_value_type (to) == G_TYPE_STRING)
    return json_node_get_string (to);
  if (JSON_NODE_HOLDS_OBJECT (to))
    return json_object_get_string_member_with_default (json_node_get_object (to), "address", NULL);
  return NULL;
}

static AiosOutboxItem *
match (AiosStore        *store,
       AiosIncomingMail *mail,
       GError          **error)
{
  AiosOutboxItem *item = NULL;

  if (mail->in_reply_to != NULL)
    {
      item = aios_outbox_find_sent_message (store, mail->in_reply_to, error);
      if (item != NULL || (error != NULL && *error != NULL))
        return item;
    }
  for (guint i = mail->references->len; i > 0; i--)
    {
      item = aios_outbox_find_sent_message (store, mail->references->pdata[i - 1], error);
      if (item != NULL || (error != NULL && *error != NULL))
        return item;
    }
  return NULL;
}

/* A new version of @record with @field = @value (and @extra_field = @extra). */
static gboolean
put_field (AiosMemory           *memory,
           AiosRecord           *record,
           const char           *field,
           const char           *value,
           const char           *extra_field,
           const char           *extra,
           const AiosProvenance *provenance,
           GError              **error)
{
  g_autoptr(JsonObject) fields = json_object_new ();

  {
    g_autoptr(GList) names = json_object_get_members (record->fields);
    for (GList *l = names; l != NULL; l = l->next)
      json_object_set_member (fields, l->data, json_node_copy (json_object_get_member (record->fields, l->data)));
  }
  json_object_set_string_member (fields, field, value);
  if (extra_field != NULL)
    json_object_set_string_member (fields, extra_field, extra);
  return aios_memory_put (memory, record->id, record->kind, fields, record->body, provenance, NULL, error) != 0;
}

static gint64 start_triage (AiosReplyIntake *self, AiosIncomingMail *mail, const char *address,
                            const char *triage, gint64 answers_run, GError **error);

static gboolean
record_reply (AiosReplyIntake  *self,
              AiosIncomingMail *mail,
              AiosOutboxItem   *item,
              gint64           *out_note,
              gint64           *out_triage_run,
              GError          **error)
{
  AiosMemory *memory = aios_workspace_get_memory (self->workspace);
  AiosStore *store = aios_workspace_get_store (self->workspace);
  const char *triage = aios_reply_triage (mail->subject, mail->text);
  const char *recipient = request_recipient (item->request);
  const char *address = recipient != NULL ? recipient : mail->from_address;
  g_autoptr(AiosRecord) lead = address != NULL ? aios_memory_find (memory, "lead", "email", address, NULL) : NULL;
  g_autoptr(AiosRecord) contact = address != NULL ? aios_memory_find (memory, "contact", "email", address, NULL) : NULL;
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autoptr(JsonArray) tags = json_array_new ();
  g_autofree char *title = NULL;
  g_autofree char *rationale = NULL;
  g_autofree char *note_id = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *payload = NULL;
  const char *who = mail->from_name != NULL ? mail->from_name : (mail->from_address ? mail->from_address : address);
  AiosProvenance provenance = { "connector:imap", item->run_id, NULL };
  AiosEvent ev = { 0 };
  AiosEventLink link = { "record", NULL, 1 };
  gint64 note;

  /* Translators: a note's title; %s is who replied, then the subject */
  title = g_strdup_printf (_("Reply from %s: %s"), who ? who : "?", mail->subject);
  json_object_set_string_member (fields, "title", title);
  json_array_add_string_element (tags, "reply");
  json_array_add_string_element (tags, triage);
  json_object_set_array_member (fields, "tags", g_steal_pointer (&tags));
  if (lead != NULL)
    {
      g_autofree char *id = g_strdup_printf ("%" PRId64, lead->id);
      json_object_set_string_member (fields, "x-lead", id);
    }
  if (contact != NULL)
    {
      g_autofree char *id = g_strdup_printf ("%" PRId64, contact->id);
      json_object_set_string_member (fields, "x-contact", id);
    }
  json_object_set_string_member (fields, "x-from", mail->from_address ? mail->from_address : "");
  json_object_set_string_member (fields, "x-message-id", mail->message_id);
  json_object_set_string_member (fields, "x-in-reply-to", mail->in_reply_to ? mail->in_reply_to : "");
  json_object_set_string_member (fields, "x-answers", aios_json_node_get_string (item->response, "message_id"));
  json_object_set_string_member (fields, "x-triage", triage);
  /* Translators: the provenance of a reply note; %s is a Message-ID, %" PRId64 " a run */
  rationale = g_strdup_printf (_("Reply %s to the email run %" PRId64 " sent, read from the mailbox"),
                               mail->message_id, item->run_id);
  provenance.rationale = rationale;
  note = aios_memory_put (memory, 0, "note", fields, mail->text, &provenance, NULL, error);
  if (note == 0)
    return FALSE;
  *out_note = note;
  note_id = g_strdup_printf ("%" PRId64, note);

  if (lead != NULL)
    {
      g_autofree char *why = g_strdup_printf (_("%s replied (note %" PRId64 ", triage: %s)"), who ? who : address,
                                              note, triage);
      AiosProvenance p = { "connector:imap", item->run_id, why };
      if (!put_field (memory, lead, "status", g_str_equal (triage, "unsubscribe") ? "do-not-contact" : "replied",
                      "x-reply-note", note_id, &p, error))
        return FALSE;
    }
  if (g_str_equal (triage, "unsubscribe") && contact != NULL)
    {
      g_autofree char *why = g_strdup_printf (_("%s asked not to be contacted again (note %" PRId64 ")"),
                                              who ? who : address, note);
      AiosProvenance p = { "connector:imap", item->run_id, why };
      if (!put_field (memory, contact, "do_not_contact", "yes", "x-unsubscribe-note", note_id, &p, error))
        return FALSE;
    }

  /* Translators: a journal summary; %s is who replied, then the triage */
  summary = g_strdup_printf (_("Reply received from %s (%s)"), who ? who : "?", triage);
  {
    g_autoptr(JsonBuilder) b = json_builder_new ();
    g_autoptr(JsonNode) root = NULL;
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "message_id");
    json_builder_add_string_value (b, mail->message_id);
    json_builder_set_member_name (b, "answers");
    json_builder_add_string_value (b, aios_json_node_get_string (item->response, "message_id"));
    json_builder_set_member_name (b, "outbox_id");
    json_builder_add_int_value (b, item->id);
    json_builder_set_member_name (b, "note");
    json_builder_add_int_value (b, note);
    json_builder_set_member_name (b, "triage");
    json_builder_add_string_value (b, triage);
    json_builder_end_object (b);
    root = json_builder_get_root (b);
    payload = json_to_string (root, FALSE);
  }
  ev.run_id = item->run_id;
  ev.actor = (char *) "connector:imap";
  ev.kind = (char *) "reply.received";
  ev.summary = summary;
  ev.payload_json = payload;
  link.target_id = note_id;
  if (aios_journal_append_linked (store, &ev, &link, 1, error) == 0)
    return FALSE;
  {
    g_autoptr(GError) local_error = NULL;
    *out_triage_run = start_triage (self, mail, mail->from_address ? mail->from_address : address, triage,
                                    item->run_id, &local_error);
    if (local_error != NULL)
      {
        g_propagate_error (error, g_steal_pointer (&local_error));
        return FALSE;
      }
  }
  return TRUE;
}

/* The drafted answer (offline, from the triage), or NULL when the reply
 * is only recorded (unsubscribe, out of office, unclear). */
static char *
draft_answer (const char *triage,
              const char *name,
              const char *sender)
{
  g_autofree char *first = NULL;

  if (name != NULL && *name != '\0')
    {
      const char *space = strchr (name, ' ');
      first = space != NULL ? g_strndup (name, space - name) : g_strdup (name);
    }
  if (g_str_equal (triage, "interested"))
    /* Translators: a drafted answer to an interested reply; %s is the first name, then the sender's name */
    return g_strdup_printf (_("Hello %s,\n\nthank you for your answer, I am glad to hear it. Would a short call "
                              "next week suit you? Tell me a day and a time that work for you.\n\nBest regards,\n%s\n"),
                            first ? first : "", sender ? sender : "");
  if (g_str_equal (triage, "not-now"))
    /* Translators: a drafted answer to a "not now" reply; %s is the first name, then the sender's name */
    return g_strdup_printf (_("Hello %s,\n\nthank you for letting me know. I will get back in touch in a few "
                              "months; if anything changes before then, just answer this email.\n\n"
                              "Best regards,\n%s\n"),
                            first ? first : "", sender ? sender : "");
  return NULL;
}

/* For interested and not-now: a reply-triage run whose draft waits in the
 * Inbox for approval. Returns the run, 0 when none was needed or on error. */
static gint64
start_triage (AiosReplyIntake  *self,
              AiosIncomingMail *mail,
              const char       *address,
              const char       *triage,
              gint64            answers_run,
              GError          **error)
{
  g_autofree char *sender = aios_config_get (aios_workspace_get_config (self->workspace), "smtp.from_name");
  g_autofree char *body = draft_answer (triage, mail->from_name, sender);
  g_autofree char *subject = NULL;
  g_autoptr(JsonObject) input = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (body == NULL)
    return 0;
  subject = g_ascii_strncasecmp (mail->subject, "re:", 3) == 0 ? g_strdup (mail->subject)
                                                                : g_strdup_printf ("Re: %s", mail->subject);
  input = json_object_new ();
  if (mail->from_name != NULL)
    json_object_set_string_member (input, "name", mail->from_name);
  json_object_set_string_member (input, "email", address);
  json_object_set_string_member (input, "triage", triage);
  json_object_set_string_member (input, "subject", subject);
  json_object_set_string_member (input, "body", body);
  json_object_set_string_member (input, "reply", mail->message_id);
  {
    /* Threaded as a person's answer is: In-Reply-To the reply, References
     * the thread it carried and the reply itself (at most 50 ids). */
    g_autoptr(GString) references = g_string_new (NULL);
    guint first = mail->references->len > 49 ? mail->references->len - 49 : 0;

    for (guint i = first; i < mail->references->len; i++)
      g_string_append_printf (references, "%s ", (const char *) mail->references->pdata[i]);
    g_string_append (references, mail->message_id);
    json_object_set_string_member (input, "references", references->str);
  }
  json_object_set_int_member (input, "answers_run", answers_run);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, input);
  return aios_coordinator_submit (aios_workspace_get_coordinator (self->workspace), "reply-triage", node,
                                  "connector:imap", error);
}

static gint64
start_new_lead (AiosReplyIntake  *self,
                AiosIncomingMail *mail,
                GError          **error)
{
  g_autoptr(JsonObject) input = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (input, "name", mail->from_name ? mail->from_name : mail->from_address);
  json_object_set_string_member (input, "email", mail->from_address);
  json_object_set_string_member (input, "source", "email");
  json_object_set_string_member (input, "message", mail->text);
  json_node_set_object (node, input);
  return aios_coordinator_submit (aios_workspace_get_coordinator (self->workspace), "lead-outreach", node,
                                  "connector:imap", error);
}

static gboolean
handle (AiosReplyIntake  *self,
        const char       *mailbox,
        gint64            uidvalidity,
        gint64            uid,
        GBytes           *raw,
        GError          **error)
{
  AiosStore *store = aios_workspace_get_store (self->workspace);
  AiosConfig *config = aios_workspace_get_config (self->workspace);
  g_autoptr(AiosIncomingMail) mail = NULL;
  g_autoptr(AiosOutboxItem) item = NULL;
  g_autoptr(GError) parse_error = NULL;
  g_autofree char *message_id = NULL;
  g_autofree char *new_leads = NULL;
  const char *outcome = "unmatched";
  gint64 run_id = 0, note = 0;

  if (raw != NULL)
    mail = aios_incoming_mail_parse (raw, &parse_error);
  if (mail != NULL && mail->message_id != NULL)
    message_id = g_strdup (mail->message_id);
  else
    /* No Message-ID to dedupe by: the mailbox position stands in. */
    message_id = g_strdup_printf ("<uid-%" PRId64 "-%" PRId64 "@%s>", uidvalidity, uid, mailbox);

  if (!aios_store_begin (store, error))
    return FALSE;
  if (!aios_imap_checkpoint_set (store, mailbox, uidvalidity, uid, error))
    goto fail;
  if (!aios_imap_checkpoint_claim (store, message_id, mailbox, uidvalidity, uid, "pending", 0, error))
    {
      if (error != NULL && *error != NULL)
        goto fail;
      g_debug ("Message %s was read before; skipped", message_id);
      return aios_store_commit (store, error);
    }

  if (mail == NULL)
    outcome = raw == NULL ? "too-large" : "unreadable";
  else if ((item = match (store, mail, error)) != NULL)
    {
      gint64 triage_run = 0;
      if (!record_reply (self, mail, item, &note, &triage_run, error))
        goto fail;
      outcome = "reply";
      run_id = triage_run != 0 ? triage_run : item->run_id;
    }
  else if (error != NULL && *error != NULL)
    goto fail;
  else if ((new_leads = aios_config_get (config, "imap.new_leads")) != NULL && g_str_equal (new_leads, "true") &&
           mail->from_address != NULL)
    {
      run_id = start_new_lead (self, mail, error);
      if (run_id == 0)
        goto fail;
      outcome = "new-lead";
    }
  if (!aios_imap_checkpoint_set_outcome (store, message_id, outcome, run_id, error))
    goto fail;
  return aios_store_commit (store, error);

fail:
  aios_store_rollback (store);
  return FALSE;
}

static gboolean
message_cb (const char  *mailbox,
            gint64       uidvalidity,
            gint64       uid,
            GBytes      *raw,
            gint64       size,
            gpointer     user_data,
            GError     **error)
{
  return handle (user_data, mailbox, uidvalidity, uid, raw, error);
}

static void
aios_reply_intake_dispose (GObject *object)
{
  AiosReplyIntake *self = AIOS_REPLY_INTAKE (object);

  if (self->watcher != NULL)
    aios_imap_watcher_stop (self->watcher);
  g_clear_object (&self->watcher);
  G_OBJECT_CLASS (aios_reply_intake_parent_class)->dispose (object);
}

static void
aios_reply_intake_class_init (AiosReplyIntakeClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = aios_reply_intake_dispose;
}

static void
aios_reply_intake_init (AiosReplyIntake *self)
{
}

AiosReplyIntake *
aios_reply_intake_new (AiosWorkspace *workspace)
{
  AiosReplyIntake *self = g_object_new (AIOS_TYPE_REPLY_INTAKE, NULL);

  self->workspace = workspace;
  self->watcher = aios_imap_watcher_new (aios_workspace_get_store (workspace), aios_workspace_get_config (workspace),
                                         aios_workspace_get_credentials (workspace), message_cb, self);
  return self;
}

/**
 * aios_reply_intake_arm:
 *
 * Starts watching the mailbox when imap.url is set (the process that runs
 * the coordinator calls it); without it, does nothing.
 */
void
aios_reply_intake_arm (AiosReplyIntake *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = aios_config_get (aios_workspace_get_config (self->workspace), "imap.url");

  if (url == NULL)
    return;
  if (!aios_imap_watcher_start (self->watcher, &error))
    g_warning ("Not reading replies: %s", error->message);
}

AiosImapWatcher *
aios_reply_intake_get_watcher (AiosReplyIntake *self)
{
  return self->watcher;
}
