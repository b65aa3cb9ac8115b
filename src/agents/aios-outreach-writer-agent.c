/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The "outreach-writer" role drafts an email from the operator's own
 * template records, offline and deterministic. The step reads, through its
 * memory queries:
 *
 *   memory.template           the outreach template (fields.subject, body)
 *   memory.referral_template  (optional) used when the lead names a referrer
 *   memory.tone               the tone guideline the draft follows
 *   memory.signature          (optional) the operator's signature
 *
 * and fills `{{lead.first_name}}`, `{{lead.name}}`, `{{lead.company}}`,
 * `{{lead.referrer}}`, `{{signature}}` from the run's input and the record
 * step. Config: `from` (the sender) and `to`; for a follow-up also
 * `follow_up` (its number) and `subject` ("Re: ..."): the text is then the
 * template's `followup` field, or a short built-in note when it has none,
 * filled the same way. Unknown placeholders are left
 * as they are, for the QA step to catch. The output names every memory
 * version it used, so the journal can link the draft to them.
 */
#define G_LOG_DOMAIN "aios-agents"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "aios-outreach-writer-agent.h"
#include "aios-learned-preferences.h"
#include "aios-model-writer.h"
#include "aios-template.h"
#include "store/aios-json.h"

struct _AiosOutreachWriterAgent
{
  AiosAgent parent_instance;
};

G_DEFINE_FINAL_TYPE (AiosOutreachWriterAgent, aios_outreach_writer_agent, AIOS_TYPE_AGENT)

static JsonObject *
memory_record (JsonObject *context,
               const char *as)
{
  JsonNode *node = aios_template_lookup (context, as);
  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* Fills the known placeholders in @text; others stay as written. */
static char *
fill (const char *text,
      GHashTable *values)
{
  g_autoptr(GString) out = g_string_new (NULL);
  const char *p = text;

  while (*p != '\0')
    {
      const char *open = strstr (p, "{{");
      const char *close;
      g_autofree char *key = NULL;
      const char *value;

      if (open == NULL || (close = strstr (open + 2, "}}")) == NULL)
        {
          g_string_append (out, p);
          break;
        }
      g_string_append_len (out, p, open - p);
      key = g_strstrip (g_strndup (open + 2, close - open - 2));
      value = g_hash_table_lookup (values, key);
      if (value != NULL)
        g_string_append (out, value);
      else
        g_string_append_len (out, open, close + 2 - open);
      p = close + 2;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
add_used (JsonArray  *used,
          JsonObject *record,
          const char *as)
{
  g_autoptr(JsonObject) ref = json_object_new ();

  json_object_set_string_member (ref, "as", as);
  json_object_set_int_member (ref, "id", json_object_get_int_member_with_default (record, "id", 0));
  json_object_set_int_member (ref, "version", json_object_get_int_member_with_default (record, "version", 0));
  json_object_set_string_member (ref, "title", json_object_get_string_member_with_default (record, "title", ""));
  json_array_add_object_element (used, g_steal_pointer (&ref));
}

static void
aios_outreach_writer_agent_run_async (AiosAgent           *agent,
                                      JsonObject          *context,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (agent, cancellable, callback, user_data);
  g_autoptr(GHashTable) values = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(JsonObject) out = json_object_new ();
  g_autoptr(JsonArray) used = json_array_new ();
  JsonObject *tmpl = memory_record (context, "memory.template");
  JsonObject *referral = memory_record (context, "memory.referral_template");
  JsonObject *tone = memory_record (context, "memory.tone");
  JsonObject *signature = memory_record (context, "memory.signature");
  const char *name = aios_template_lookup_string (context, "input.name");
  const char *referrer = aios_template_lookup_string (context, "input.referrer");
  const char *first = aios_template_lookup_string (context, "steps.record.first_name");
  const char *from = aios_template_lookup_string (context, "config.from");
  const char *to = aios_template_lookup_string (context, "config.to");
  JsonObject *chosen;
  JsonObject *fields;
  g_autofree char *subject = NULL;
  g_autofree char *body = NULL;
  g_autofree char *rationale = NULL;

  g_task_set_source_tag (task, aios_outreach_writer_agent_run_async);

  if (tmpl == NULL || tone == NULL)
    {
      g_task_return_new_error (task, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT, "%s",
                                       tmpl == NULL
                                       ? _("There is no outreach template in memory to write the email from; "
                                           "add a template record with that purpose and retry the run")
                                       : _("There is no tone guideline in memory to write the email from; "
                                           "add a template record with that purpose and retry the run"));
      return;
    }

  chosen = referrer != NULL && referral != NULL ? referral : tmpl;
  fields = json_object_get_object_member (chosen, "fields");

  g_hash_table_insert (values, (char *) "lead.name", (char *) (name ? name : ""));
  g_hash_table_insert (values, (char *) "lead.first_name", (char *) (first ? first : name ? name : ""));
  if (aios_template_lookup_string (context, "input.company") != NULL)
    g_hash_table_insert (values, (char *) "lead.company", (char *) aios_template_lookup_string (context, "input.company"));
  if (referrer != NULL)
    g_hash_table_insert (values, (char *) "lead.referrer", (char *) referrer);
  if (signature != NULL)
    g_hash_table_insert (values, (char *) "signature",
                         (char *) json_object_get_string_member_with_default (signature, "body", ""));

  if (aios_template_lookup (context, "config.follow_up") != NULL &&
      aios_template_lookup_string (context, "config.subject") != NULL)
    {
      /* A follow-up: the first email's template's follow-up wording. */
      JsonObject *first = json_object_get_object_member (tmpl, "fields");
      const char *followup = first ? json_object_get_string_member_with_default (first, "followup", NULL) : NULL;

      chosen = tmpl;
      if (followup == NULL || *followup == '\0')
        followup = _("Hello {{lead.first_name}},\n\n"
                     "I wanted to follow up on my note below, in case it got buried. "
                     "Would a short call in the next few days suit you?\n\n{{signature}}");
      subject = g_strdup (aios_template_lookup_string (context, "config.subject"));
      body = fill (followup, values);
    }
  else
    {
      subject = fill (fields ? json_object_get_string_member_with_default (fields, "subject", "") : "", values);
      body = fill (json_object_get_string_member_with_default (chosen, "body", ""), values);
    }

  add_used (used, chosen, chosen == referral ? "referral_template" : "template");
  add_used (used, tone, "tone");
  if (signature != NULL)
    add_used (used, signature, "signature");

  rationale = g_strdup_printf (_("Filled “%s” for %s, following the tone guideline “%s”"),
                               json_object_get_string_member_with_default (chosen, "title", ""),
                               name ? name : to,
                               json_object_get_string_member_with_default (tone, "title", ""));

  json_object_set_string_member (out, "from", from ? from : "");
  json_object_set_string_member (out, "to", to ? to : "");
  json_object_set_string_member (out, "subject", subject);
  json_object_set_string_member (out, "body", body);
  json_object_set_string_member (out, "rationale", rationale);
  json_object_set_string_member (out, "tone", json_object_get_string_member_with_default (tone, "body", ""));
  json_object_set_array_member (out, "memory_used", g_steal_pointer (&used));
  aios_learned_preferences_apply (context, out);
  /* With a model for the role it writes the subject and body (only those). */
  if (aios_model_writer_wanted (agent))
    {
      JsonObject *draft = g_steal_pointer (&out);
      aios_model_writer_write (agent, context, draft, aios_model_spec_for_email (context, draft), g_steal_pointer (&task));
      return;
    }
  aios_model_writer_note_builtin (out);
  g_task_return_pointer (task, aios_json_node_take_object (g_steal_pointer (&out)),
                         (GDestroyNotify) json_node_unref);
}

static JsonNode *
aios_outreach_writer_agent_run_finish (AiosAgent     *agent,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
aios_outreach_writer_agent_class_init (AiosOutreachWriterAgentClass *klass)
{
  AiosAgentClass *agent_class = AIOS_AGENT_CLASS (klass);

  agent_class->run_async = aios_outreach_writer_agent_run_async;
  agent_class->run_finish = aios_outreach_writer_agent_run_finish;
}

static void
aios_outreach_writer_agent_init (AiosOutreachWriterAgent *self)
{
}

AiosAgent *
aios_outreach_writer_agent_new (void)
{
  return g_object_new (AIOS_TYPE_OUTREACH_WRITER_AGENT, "role", "outreach-writer", NULL);
}
