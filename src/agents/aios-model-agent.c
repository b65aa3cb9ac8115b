/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The "model" agent role: a flow step that asks a language model.
 *
 *   { "agent": "model",
 *     "config": {
 *       "role": "drafter",            which tier (llm_roles; local by default)
 *       "system": "...",              optional
 *       "prompt": "Draft a reply to {{input.name}} ...",
 *       "schema": { ... },            optional: the output must satisfy it
 *       "fallback": { ... } } }       what the built-in engine answers when no
 *                                     model tier is configured (offline)
 *
 * Output: with a schema, the validated object itself; without, {"text": ...}.
 * Either way the prompts row and its journal event (linked to the run) say
 * which model answered, with tokens and cost. Model errors keep their
 * connector classification (retryable, permanent — e.g. a budget — or not
 * configured).
 */
#define G_LOG_DOMAIN "aios-agents"

#include "config.h"

#include <glib/gi18n.h>

#include "exec/aios-connector.h"
#include "aios-model-agent.h"

struct _AiosModelAgent
{
  AiosAgent  parent_instance;

  AiosLlm   *llm;
};

G_DEFINE_FINAL_TYPE (AiosModelAgent, aios_model_agent, AIOS_TYPE_AGENT)

static gboolean
is_string (JsonObject *o,
           const char *member)
{
  JsonNode *n = json_object_get_member (o, member);
  return n != NULL && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING;
}

static gboolean
aios_model_agent_check_config (AiosAgent   *agent,
                               JsonObject  *config,
                               GError     **error)
{
  if (config == NULL || !is_string (config, "prompt"))
    {
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_INVALID_CONFIG, _(".prompt: expected a string"));
      return FALSE;
    }
  if (json_object_has_member (config, "system") && !is_string (config, "system"))
    {
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_INVALID_CONFIG, _(".system: expected a string"));
      return FALSE;
    }
  if (json_object_has_member (config, "role") && !is_string (config, "role"))
    {
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_INVALID_CONFIG, _(".role: expected a string"));
      return FALSE;
    }
  if (json_object_has_member (config, "schema") && !JSON_NODE_HOLDS_OBJECT (json_object_get_member (config, "schema")))
    {
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_INVALID_CONFIG, _(".schema: expected an object"));
      return FALSE;
    }
  if (json_object_has_member (config, "fallback") &&
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (config, "fallback")))
    {
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_INVALID_CONFIG, _(".fallback: expected an object"));
      return FALSE;
    }
  return TRUE;
}

static void
completed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosLlmResult) r = aios_llm_complete_finish (AIOS_LLM (source), result, &error);

  if (r == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (r->json != NULL)
    {
      if (!JSON_NODE_HOLDS_OBJECT (r->json))
        {
          g_task_return_new_error (task, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                                   _("The step's schema must describe an object"));
          return;
        }
      g_task_return_pointer (task, json_node_copy (r->json), (GDestroyNotify) json_node_unref);
    }
  else
    {
      g_autoptr(JsonObject) out = json_object_new ();
      json_object_set_string_member (out, "text", r->text);
      g_task_return_pointer (task, json_node_init_object (json_node_alloc (), out),
                             (GDestroyNotify) json_node_unref);
    }
}

static void
aios_model_agent_run_async (AiosAgent           *agent,
                            JsonObject          *context,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  AiosModelAgent *self = AIOS_MODEL_AGENT (agent);
  g_autoptr(GTask) task = g_task_new (agent, cancellable, callback, user_data);
  JsonObject *config = json_object_has_member (context, "config")
                       ? json_object_get_object_member (context, "config") : NULL;
  g_autoptr(GError) error = NULL;
  const char *role;
  g_autofree char *tier = NULL;
  AiosLlmRequest request = { 0 };

  g_task_set_source_tag (task, aios_model_agent_run_async);
  if (!aios_model_agent_check_config (agent, config, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  role = json_object_get_string_member_with_default (config, "role",
                                                     json_object_get_string_member_with_default (context, "step", "model"));
  tier = aios_llm_get_tier_for_role (self->llm, role);
  if (g_str_equal (tier, "offline"))
    {
      /* The built-in engine: the flow's own deterministic answer. */
      if (json_object_has_member (config, "fallback"))
        g_task_return_pointer (task, json_node_copy (json_object_get_member (config, "fallback")),
                               (GDestroyNotify) json_node_unref);
      else
        g_task_return_new_error (task, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED,
                                 _("No language model is configured (set llm.local.url or llm.cloud.url) "
                                   "and this step has no offline fallback"));
      return;
    }

  request.role = role;
  request.system = json_object_get_string_member_with_default (config, "system", NULL);
  request.prompt = json_object_get_string_member (config, "prompt");
  request.schema = json_object_get_member (config, "schema");
  request.run_id = json_object_get_int_member_with_default (context, "run_id", 0);
  aios_llm_complete_async (self->llm, &request, cancellable, completed_cb, g_steal_pointer (&task));
}

static JsonNode *
aios_model_agent_run_finish (AiosAgent     *agent,
                             GAsyncResult  *result,
                             GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
aios_model_agent_dispose (GObject *object)
{
  g_clear_object (&AIOS_MODEL_AGENT (object)->llm);
  G_OBJECT_CLASS (aios_model_agent_parent_class)->dispose (object);
}

static void
aios_model_agent_class_init (AiosModelAgentClass *klass)
{
  AiosAgentClass *agent_class = AIOS_AGENT_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = aios_model_agent_dispose;
  agent_class->check_config = aios_model_agent_check_config;
  agent_class->run_async = aios_model_agent_run_async;
  agent_class->run_finish = aios_model_agent_run_finish;
}

static void
aios_model_agent_init (AiosModelAgent *self)
{
}

AiosAgent *
aios_model_agent_new (AiosLlm *llm)
{
  AiosModelAgent *self = g_object_new (AIOS_TYPE_MODEL_AGENT, "role", "model", NULL);

  self->llm = g_object_ref (llm);
  return AIOS_AGENT (self);
}
