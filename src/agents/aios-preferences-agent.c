/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The "preferences" role screens a run against the operator's learned
 * preferences (aios-learned-preferences.c) before anything is drafted.
 * Config: `applies_to` (email, post, invoice, other: the kind of draft).
 *
 * Its output says whether to write at all (`write`), and carries the
 * replace preferences the writer applies to its draft
 * (`learned_preferences`). When a skip preference matches the lead (the
 * run's input: its message lacks the word the operator rejected a lead
 * for), it fails closed: `write` is false, nothing is drafted or sent, and
 * a decision record "No outreach to …" names the preference and the
 * decisions it was learned from. The flow's later steps run only `when`
 * `write` is true. Like the lead-intake role's, the decision is written
 * once per run (a step run again after a crash reuses it).
 */
#define G_LOG_DOMAIN "aios-agents"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-preferences-agent.h"
#include "aios-learned-preferences.h"
#include "aios-template.h"
#include "store/aios-json.h"

#define AUTHOR "agent:preferences"

struct _AiosPreferencesAgent
{
  AiosAgent   parent_instance;

  AiosMemory *memory;
  AiosStore  *store;
};

G_DEFINE_FINAL_TYPE (AiosPreferencesAgent, aios_preferences_agent, AIOS_TYPE_AGENT)

static const char * const kinds[] = { "email", "post", "invoice", "other", NULL };

static gboolean
aios_preferences_agent_check_config (AiosAgent   *agent,
                                     JsonObject  *config,
                                     GError     **error)
{
  const char *kind = config != NULL ? json_object_get_string_member_with_default (config, "applies_to", NULL) : NULL;

  if (kind == NULL || !g_strv_contains (kinds, kind))
    {
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_INVALID_CONFIG,
                   _(".applies_to: expected “email”, “post”, “invoice” or “other”"));
      return FALSE;
    }
  return TRUE;
}

/* The decision record that says why nothing was written to the lead. */
static gboolean
decline (AiosPreferencesAgent  *self,
         JsonObject            *context,
         JsonObject            *out,
         GError               **error)
{
  gint64 run_id = json_object_get_int_member_with_default (context, "run_id", 0);
  JsonObject *skipped_by = json_object_get_object_member (out, "skipped_by");
  const char *name = aios_template_lookup_string (context, "input.name");
  const char *email = aios_template_lookup_string (context, "input.email");
  const char *who = name ? name : email ? email : _("this lead");
  g_autofree char *subject = g_strdup_printf (_("No outreach to %s"), who);
  g_autofree char *rationale = NULL;
  g_autoptr(AiosRecord) existing = NULL;
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autoptr(JsonObject) ref = json_object_new ();
  AiosProvenance prov = { AUTHOR, run_id, NULL };
  gint64 id, version = 0;

  rationale = g_strdup_printf (_("Did not write to %s: your learned preference “%s” (record %" G_GINT64_FORMAT
                                 ") matches this lead, so no email was drafted."),
                               who, json_object_get_string_member_with_default (skipped_by, "rule", ""),
                               json_object_get_int_member_with_default (skipped_by, "id", 0));
  prov.rationale = rationale;
  json_object_set_string_member (fields, "subject", subject);
  json_object_set_string_member (fields, "rationale", rationale);
  json_object_set_string_member (fields, "outcome", "other");
  json_object_set_string_member (fields, "action", "preference");

  existing = aios_memory_find (self->memory, "decision", "subject", subject, NULL);
  if (existing != NULL && existing->run_id == run_id && g_strcmp0 (existing->author, AUTHOR) == 0)
    {
      id = existing->id;
      version = existing->version;
    }
  else if ((id = aios_memory_put (self->memory, 0, "decision", fields, NULL, &prov, &version, error)) == 0)
    return FALSE;

  json_object_set_int_member (ref, "id", id);
  json_object_set_int_member (ref, "version", version);
  json_object_set_string_member (ref, "title", subject);
  json_object_set_object_member (out, "decision", json_object_ref (ref));
  json_object_set_string_member (ref, "as", "decision");
  json_array_add_object_element (json_object_get_array_member (out, "memory_used"), g_steal_pointer (&ref));
  json_object_set_string_member (out, "rationale", rationale);
  return TRUE;
}

static void
aios_preferences_agent_run_async (AiosAgent           *agent,
                                  JsonObject          *context,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  AiosPreferencesAgent *self = AIOS_PREFERENCES_AGENT (agent);
  g_autoptr(GTask) task = g_task_new (agent, cancellable, callback, user_data);
  JsonObject *config = json_object_get_object_member (context, "config");
  JsonNode *input = json_object_get_member (context, "input");
  g_autoptr(JsonObject) out = NULL;
  GError *error = NULL;

  g_task_set_source_tag (task, aios_preferences_agent_run_async);
  if (!aios_agent_check_config (agent, config, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  out = aios_learned_preferences_screen (self->memory, json_object_get_string_member (config, "applies_to"),
                                         input && JSON_NODE_HOLDS_OBJECT (input) ? json_node_get_object (input) : NULL,
                                         &error);
  if (out == NULL || (!json_object_get_boolean_member (out, "write") && !decline (self, context, out, &error)))
    {
      g_task_return_new_error (task, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_RETRYABLE,
                               _("Could not read the learned preferences: %s"), error->message);
      g_error_free (error);
      return;
    }
  g_task_return_pointer (task, aios_json_node_take_object (g_steal_pointer (&out)),
                         (GDestroyNotify) json_node_unref);
}

static JsonNode *
aios_preferences_agent_run_finish (AiosAgent     *agent,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
aios_preferences_agent_dispose (GObject *object)
{
  AiosPreferencesAgent *self = AIOS_PREFERENCES_AGENT (object);

  g_clear_object (&self->memory);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (aios_preferences_agent_parent_class)->dispose (object);
}

static void
aios_preferences_agent_class_init (AiosPreferencesAgentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  AiosAgentClass *agent_class = AIOS_AGENT_CLASS (klass);

  object_class->dispose = aios_preferences_agent_dispose;
  agent_class->check_config = aios_preferences_agent_check_config;
  agent_class->run_async = aios_preferences_agent_run_async;
  agent_class->run_finish = aios_preferences_agent_run_finish;
}

static void
aios_preferences_agent_init (AiosPreferencesAgent *self)
{
}

AiosAgent *
aios_preferences_agent_new (AiosMemory *memory,
                            AiosStore  *store)
{
  AiosPreferencesAgent *self = g_object_new (AIOS_TYPE_PREFERENCES_AGENT, "role", "preferences", NULL);

  self->memory = g_object_ref (memory);
  self->store = g_object_ref (store);
  return AIOS_AGENT (self);
}
