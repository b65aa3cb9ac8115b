/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The "lead-intake" role keeps a lead's records in memory as a workflow
 * moves it along. Config `mode`:
 *
 *   "record"     write (or update) the lead and its contact from the run's
 *                input: name, email, company, phone, source, referrer, message
 *   "decline"    the lead scored below the threshold: store a decision record
 *                with the score and each rule's contribution; no email
 *   "escalate"   the lead scored just under the threshold (within the margin):
 *                the question for the operator ("Write to Pat anyway?") with
 *                the rules' reasons; the step's approval decides (Write
 *                anyway approves, Decline rejects); nothing is written
 *   "contacted"  the outreach email was sent: the lead says so, pointing at
 *                the journal event of the send and its Message-ID (read from
 *                the outbox, where the connector's answer is recorded)
 *
 * Every write goes through AiosMemory with provenance (agent:lead-intake,
 * the run, a rationale). A step may run again after a crash before its
 * result was recorded, so writes are idempotent per run: when the current
 * version was already written by this run with the same content, it is
 * reused instead of adding a duplicate version.
 */
#define G_LOG_DOMAIN "aios-agents"

#include "config.h"

#include <inttypes.h>

#include <string.h>
#include <glib/gi18n.h>

#include "aios-lead-intake-agent.h"
#include "aios-template.h"
#include "store/aios-journal-query.h"
#include "store/aios-json.h"

#define AUTHOR "agent:lead-intake"

struct _AiosLeadIntakeAgent
{
  AiosAgent   parent_instance;

  AiosMemory *memory;
  AiosStore  *store;
};

G_DEFINE_FINAL_TYPE (AiosLeadIntakeAgent, aios_lead_intake_agent, AIOS_TYPE_AGENT)

static const char *const modes[] = { "record", "decline", "contacted", "escalate", NULL };

static gboolean
aios_lead_intake_agent_check_config (AiosAgent   *agent,
                                     JsonObject  *config,
                                     GError     **error)
{
  const char *mode = config != NULL && json_object_has_member (config, "mode")
                       ? json_object_get_string_member_with_default (config, "mode", NULL) : NULL;

  if (mode == NULL || !g_strv_contains (modes, mode))
    {
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_INVALID_CONFIG,
                   _(".mode: expected “record”, “decline”, “escalate” or “contacted”"));
      return FALSE;
    }
  return TRUE;
}

static gint64
lookup_int (JsonObject *scope,
            const char *path)
{
  JsonNode *node = aios_template_lookup (scope, path);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return 0;
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_ascii_strtoll (json_node_get_string (node), NULL, 10);
  return json_node_get_int (node);
}

static JsonNode *
ref_node (gint64 id,
          gint64 version)
{
  g_autoptr(JsonObject) obj = json_object_new ();

  json_object_set_int_member (obj, "id", id);
  json_object_set_int_member (obj, "version", version);
  return json_node_init_object (json_node_alloc (), obj);
}

static gboolean
same_content (const AiosRecord *record,
              JsonObject       *fields,
              const char       *body)
{
  g_autoptr(JsonNode) a = json_node_init_object (json_node_alloc (), record->fields);
  g_autoptr(JsonNode) b = json_node_init_object (json_node_alloc (), fields);

  return json_node_equal (a, b) && g_strcmp0 (record->body ? record->body : "", body ? body : "") == 0;
}

/* Writes a version unless this run already wrote exactly this one. */
static gint64
put_once (AiosLeadIntakeAgent  *self,
          AiosRecord           *current,
          const char           *kind,
          JsonObject           *fields,
          const char           *body,
          gint64                run_id,
          const char           *rationale,
          gint64               *out_version,
          GError              **error)
{
  AiosProvenance provenance = { AUTHOR, run_id, rationale };

  if (current != NULL && current->run_id == run_id && g_strcmp0 (current->author, AUTHOR) == 0 &&
      same_content (current, fields, body))
    {
      *out_version = current->version;
      return current->id;
    }
  return aios_memory_put (self->memory, current ? current->id : 0, kind, fields, body,
                          &provenance, out_version, error);
}

static JsonObject *
copy_fields (const AiosRecord *record)
{
  JsonObject *fields = json_object_new ();

  if (record != NULL && record->fields != NULL)
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *value;

      json_object_iter_init (&iter, record->fields);
      while (json_object_iter_next (&iter, &name, &value))
        json_object_set_member (fields, name, json_node_copy (value));
    }
  return fields;
}

static void
set_if (JsonObject *fields,
        const char *name,
        const char *value)
{
  if (value != NULL)
    json_object_set_string_member (fields, name, value);
}

static char *
first_name (const char *name)
{
  const char *space = strchr (name, ' ');
  return space != NULL ? g_strndup (name, space - name) : g_strdup (name);
}

static JsonNode *
record_lead (AiosLeadIntakeAgent  *self,
             JsonObject           *context,
             gint64                run_id,
             GError              **error)
{
  const char *name = aios_template_lookup_string (context, "input.name");
  const char *email = aios_template_lookup_string (context, "input.email");
  const char *company = aios_template_lookup_string (context, "input.company");
  const char *source = aios_template_lookup_string (context, "input.source");
  const char *message = aios_template_lookup_string (context, "input.message");
  const char *phone = aios_template_lookup_string (context, "input.phone");
  g_autoptr(AiosRecord) lead = NULL;
  g_autoptr(AiosRecord) contact = NULL;
  g_autoptr(JsonObject) lead_fields = NULL;
  g_autoptr(JsonObject) contact_fields = NULL;
  g_autoptr(JsonObject) out = json_object_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *rationale = NULL;
  g_autofree char *given = NULL;
  gint64 lead_id, lead_version = 0, contact_id, contact_version = 0;

  if (name == NULL || email == NULL)
    {
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                   _("The lead has no name or no email address, so there is no one to reach"));
      return NULL;
    }

  lead = aios_memory_find (self->memory, "lead", "email", email, &local_error);
  if (local_error != NULL && !g_error_matches (local_error, AIOS_MEMORY_ERROR, AIOS_MEMORY_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  g_clear_error (&local_error);
  contact = aios_memory_find (self->memory, "contact", "email", email, &local_error);
  if (local_error != NULL && !g_error_matches (local_error, AIOS_MEMORY_ERROR, AIOS_MEMORY_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  lead_fields = copy_fields (lead);
  set_if (lead_fields, "name", name);
  set_if (lead_fields, "email", email);
  set_if (lead_fields, "company", company);
  set_if (lead_fields, "phone", phone);
  set_if (lead_fields, "source", source);
  if (!json_object_has_member (lead_fields, "status"))
    json_object_set_string_member (lead_fields, "status", "new");

  contact_fields = copy_fields (contact);
  set_if (contact_fields, "name", name);
  set_if (contact_fields, "email", email);
  set_if (contact_fields, "company", company);
  set_if (contact_fields, "phone", phone);

  rationale = g_strdup_printf (_("Lead received from %s"), source ? source : _("a submitted form"));

  if (!aios_store_begin (self->store, error))
    return NULL;
  lead_id = put_once (self, lead, "lead", lead_fields, message ? message : (lead ? lead->body : NULL),
                      run_id, rationale, &lead_version, error);
  if (lead_id == 0)
    goto fail;
  contact_id = put_once (self, contact, "contact", contact_fields, contact ? contact->body : NULL,
                         run_id, rationale, &contact_version, error);
  if (contact_id == 0)
    goto fail;
  if (!aios_store_commit (self->store, error))
    return NULL;

  given = first_name (name);
  json_object_set_member (out, "lead", ref_node (lead_id, lead_version));
  json_object_set_member (out, "contact", ref_node (contact_id, contact_version));
  json_object_set_string_member (out, "first_name", given);
  json_object_set_boolean_member (out, "known_before", lead != NULL);
  return aios_json_node_take_object (g_steal_pointer (&out));

fail:
  aios_store_rollback (self->store);
  return NULL;
}

static AiosRecord *
current_lead (AiosLeadIntakeAgent  *self,
              JsonObject           *context,
              GError              **error)
{
  gint64 id = lookup_int (context, "steps.record.lead.id");

  if (id <= 0)
    {
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_INVALID_CONFIG,
                   _("This step needs the output of a “record” step (inputs.steps: [\"record\"])"));
      return NULL;
    }
  return aios_memory_get (self->memory, id, error);
}

static char *
describe_reasons (JsonObject *context)
{
  JsonNode *node = aios_template_lookup (context, "steps.qualify.reasons");
  g_autoptr(GString) text = g_string_new (NULL);
  JsonArray *reasons;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return g_strdup (_("no rule matched"));
  reasons = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (reasons); i++)
    {
      JsonNode *r = json_array_get_element (reasons, i);
      if (JSON_NODE_HOLDS_VALUE (r) && json_node_get_value_type (r) == G_TYPE_STRING)
        g_string_append_printf (text, "%s%s", text->len ? "; " : "", json_node_get_string (r));
    }
  if (text->len == 0)
    return g_strdup (_("no rule matched"));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static JsonNode *
decline_lead (AiosLeadIntakeAgent  *self,
              JsonObject           *context,
              gint64                run_id,
              GError              **error)
{
  g_autoptr(AiosRecord) lead = current_lead (self, context, error);
  g_autoptr(AiosRecord) existing = NULL;
  g_autoptr(JsonObject) decision = json_object_new ();
  g_autoptr(JsonObject) lead_fields = NULL;
  g_autoptr(JsonObject) out = json_object_new ();
  g_autofree char *reasons = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *rationale = NULL;
  gint64 score = lookup_int (context, "steps.qualify.score");
  gint64 threshold = lookup_int (context, "config.threshold");
  gint64 decision_id, decision_version = 0, lead_id, lead_version = 0;

  if (lead == NULL)
    return NULL;

  reasons = describe_reasons (context);
  subject = g_strdup_printf (_("No outreach to %s"), lead->title);
  rationale = g_strdup_printf (_("Scored %" PRId64 " of the %" PRId64
                                 " needed for outreach (%s), so no email was drafted."),
                               score, threshold, reasons);

  json_object_set_string_member (decision, "subject", subject);
  json_object_set_string_member (decision, "rationale", rationale);
  json_object_set_string_member (decision, "outcome", "other");
  json_object_set_string_member (decision, "action", "lead-outreach");

  lead_fields = copy_fields (lead);
  json_object_set_int_member (lead_fields, "score", score);

  existing = aios_memory_find (self->memory, "decision", "subject", subject, NULL);

  if (!aios_store_begin (self->store, error))
    return NULL;
  decision_id = put_once (self, existing && existing->run_id == run_id ? existing : NULL,
                          "decision", decision, NULL, run_id, rationale, &decision_version, error);
  if (decision_id == 0)
    goto fail;
  lead_id = put_once (self, lead, "lead", lead_fields, lead->body, run_id, rationale, &lead_version, error);
  if (lead_id == 0)
    goto fail;
  if (!aios_store_commit (self->store, error))
    return NULL;

  json_object_set_member (out, "decision", ref_node (decision_id, decision_version));
  json_object_set_member (out, "lead", ref_node (lead_id, lead_version));
  json_object_set_string_member (out, "rationale", rationale);
  return aios_json_node_take_object (g_steal_pointer (&out));

fail:
  aios_store_rollback (self->store);
  return NULL;
}

static JsonNode *
escalate_lead (JsonObject  *context,
               GError     **error)
{
  g_autoptr(JsonObject) out = json_object_new ();
  g_autoptr(JsonObject) choices = json_object_new ();
  g_autofree char *reasons = describe_reasons (context);
  g_autofree char *question = NULL;
  g_autofree char *rationale = NULL;
  const char *name = aios_template_lookup_string (context, "steps.record.first_name");
  gint64 score = lookup_int (context, "steps.qualify.score");
  gint64 threshold = lookup_int (context, "config.threshold");
  JsonNode *margin = aios_template_lookup (context, "steps.qualify.margin");

  if (name == NULL)
    name = aios_template_lookup_string (context, "input.name");
  question = g_strdup_printf (_("Write to %s anyway?"), name ? name : _("this lead"));
  rationale = g_strdup_printf (_("Scored %" PRId64 " of the %" PRId64 " needed for outreach, within the margin of "
                                 "%" PRId64 " points where you decide: %s"),
                               score, threshold,
                               margin != NULL && JSON_NODE_HOLDS_VALUE (margin) ? (gint64) json_node_get_double (margin) : 0,
                               reasons);
  json_object_set_string_member (choices, "approve", _("Write anyway"));
  json_object_set_string_member (choices, "reject", _("Decline"));
  json_object_set_string_member (out, "question", question);
  json_object_set_string_member (out, "rationale", rationale);
  json_object_set_int_member (out, "score", score);
  json_object_set_int_member (out, "threshold", threshold);
  if (aios_template_lookup (context, "steps.qualify.reasons") != NULL)
    json_object_set_member (out, "reasons", json_node_copy (aios_template_lookup (context, "steps.qualify.reasons")));
  else
    json_object_set_array_member (out, "reasons", json_array_new ());
  json_object_set_boolean_member (out, "write_anyway", TRUE);
  json_object_set_object_member (out, "choices", g_steal_pointer (&choices));
  return json_node_init_object (json_node_alloc (), g_steal_pointer (&out));
}

/* The Message-ID the connector reported for this run's sent email. */
static char *
sent_message_id (AiosLeadIntakeAgent *self,
                 gint64               run_id)
{
  g_autoptr(JsonNode) response = aios_agent_get_sent_response (AIOS_AGENT (self), self->store, run_id, "email");
  char *message_id = NULL;

  if (response != NULL && JSON_NODE_HOLDS_OBJECT (response))
    message_id = g_strdup (json_object_get_string_member_with_default (json_node_get_object (response),
                                                                       "message_id", NULL));
  return message_id;
}

/* The journal event that recorded the send of this run's outbox item. */
static gint64
sent_event (AiosLeadIntakeAgent *self,
            gint64               run_id)
{
  return aios_journal_last_run_event_id (self->store, run_id, "outbox.sent");
}

static JsonNode *
mark_contacted (AiosLeadIntakeAgent  *self,
                JsonObject           *context,
                gint64                run_id,
                GError              **error)
{
  g_autoptr(AiosRecord) lead = current_lead (self, context, error);
  g_autoptr(JsonObject) fields = NULL;
  g_autoptr(JsonObject) out = json_object_new ();
  g_autofree char *rationale = NULL;
  g_autofree char *event_ref = NULL;
  g_autofree char *message_id = sent_message_id (self, run_id);
  const char *to = aios_template_lookup_string (context, "config.to");
  gint64 event_id = sent_event (self, run_id);
  gint64 id, version = 0;

  if (lead == NULL)
    return NULL;
  if (event_id == 0)
    {
      /* Fail closed: never mark a lead contacted without the send on record. */
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                   _("The journal has no sent email for this run, so the lead was not marked contacted"));
      return NULL;
    }

  fields = copy_fields (lead);
  json_object_set_string_member (fields, "status", "contacted");
  if (aios_template_lookup (context, "steps.qualify.score") != NULL)
    json_object_set_int_member (fields, "score", lookup_int (context, "steps.qualify.score"));
  event_ref = g_strdup_printf ("%" PRId64, event_id);
  json_object_set_string_member (fields, "x-contacted-event", event_ref);
  if (message_id != NULL)
    json_object_set_string_member (fields, "x-message-id", message_id);

  rationale = g_strdup_printf (_("Outreach email sent to %s (journal event #%" PRId64 ", Message-ID %s)"),
                               to ? to : aios_record_get_field (lead, "email"), event_id,
                               message_id ? message_id : _("unknown"));

  id = put_once (self, lead, "lead", fields, lead->body, run_id, rationale, &version, error);
  if (id == 0)
    return NULL;

  json_object_set_member (out, "lead", ref_node (id, version));
  json_object_set_int_member (out, "sent_event", event_id);
  return aios_json_node_take_object (g_steal_pointer (&out));
}

static void
aios_lead_intake_agent_run_async (AiosAgent           *agent,
                                  JsonObject          *context,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  AiosLeadIntakeAgent *self = AIOS_LEAD_INTAKE_AGENT (agent);
  g_autoptr(GTask) task = g_task_new (agent, cancellable, callback, user_data);
  JsonObject *config = json_object_get_object_member (context, "config");
  gint64 run_id = json_object_get_int_member_with_default (context, "run_id", 0);
  g_autoptr(GError) error = NULL;
  JsonNode *out = NULL;
  const char *mode;

  g_task_set_source_tag (task, aios_lead_intake_agent_run_async);

  if (!aios_agent_check_config (agent, config, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  mode = json_object_get_string_member (config, "mode");

  if (g_str_equal (mode, "record"))
    out = record_lead (self, context, run_id, &error);
  else if (g_str_equal (mode, "decline"))
    out = decline_lead (self, context, run_id, &error);
  else if (g_str_equal (mode, "escalate"))
    out = escalate_lead (context, &error);
  else
    out = mark_contacted (self, context, run_id, &error);

  if (out == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, out, (GDestroyNotify) json_node_unref);
}

static JsonNode *
aios_lead_intake_agent_run_finish (AiosAgent     *agent,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
aios_lead_intake_agent_dispose (GObject *object)
{
  AiosLeadIntakeAgent *self = AIOS_LEAD_INTAKE_AGENT (object);

  g_clear_object (&self->memory);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (aios_lead_intake_agent_parent_class)->dispose (object);
}

static void
aios_lead_intake_agent_class_init (AiosLeadIntakeAgentClass *klass)
{
  AiosAgentClass *agent_class = AIOS_AGENT_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = aios_lead_intake_agent_dispose;
  agent_class->check_config = aios_lead_intake_agent_check_config;
  agent_class->run_async = aios_lead_intake_agent_run_async;
  agent_class->run_finish = aios_lead_intake_agent_run_finish;
}

static void
aios_lead_intake_agent_init (AiosLeadIntakeAgent *self)
{
}

AiosAgent *
aios_lead_intake_agent_new (AiosMemory *memory,
                            AiosStore  *store)
{
  AiosLeadIntakeAgent *self = g_object_new (AIOS_TYPE_LEAD_INTAKE_AGENT, "role", "lead-intake", NULL);

  self->memory = g_object_ref (memory);
  self->store = g_object_ref (store);
  return AIOS_AGENT (self);
}
