/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The "template" role of the offline engine: fills a template from the
 * step's inputs. `config.template` is a string (output `{"text": ...}`) or
 * an object (output: the object), with placeholders such as
 * `{{input.name}}` already expanded by the coordinator. Deterministic.
 */
#define G_LOG_DOMAIN "aios-agents"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-template-agent.h"

struct _AiosTemplateAgent
{
  AiosAgent parent_instance;
};

G_DEFINE_FINAL_TYPE (AiosTemplateAgent, aios_template_agent, AIOS_TYPE_AGENT)

static gboolean
aios_template_agent_check_config (AiosAgent   *agent,
                                  JsonObject  *config,
                                  GError     **error)
{
  JsonNode *tmpl = config != NULL ? json_object_get_member (config, "template") : NULL;

  if (tmpl == NULL ||
      !(JSON_NODE_HOLDS_OBJECT (tmpl) ||
        (JSON_NODE_HOLDS_VALUE (tmpl) && json_node_get_value_type (tmpl) == G_TYPE_STRING)))
    {
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_INVALID_CONFIG,
                   _(".template: expected a string or an object"));
      return FALSE;
    }
  return TRUE;
}

static void
aios_template_agent_run_async (AiosAgent           *agent,
                               JsonObject          *context,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (agent, cancellable, callback, user_data);
  JsonObject *config = json_object_get_object_member (context, "config");
  JsonNode *tmpl = config != NULL ? json_object_get_member (config, "template") : NULL;
  g_autoptr(GError) error = NULL;

  g_task_set_source_tag (task, aios_template_agent_run_async);

  if (tmpl == NULL || !aios_agent_check_config (agent, config, &error))
    {
      g_task_return_new_error (task, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                               _("The template agent has no template to fill"));
      return;
    }

  if (JSON_NODE_HOLDS_OBJECT (tmpl))
    g_task_return_pointer (task, json_node_copy (tmpl), (GDestroyNotify) json_node_unref);
  else
    {
      g_autoptr(JsonObject) out = json_object_new ();
      json_object_set_string_member (out, "text", json_node_get_string (tmpl));
      g_task_return_pointer (task, json_node_init_object (json_node_alloc (), out),
                             (GDestroyNotify) json_node_unref);
    }
}

static JsonNode *
aios_template_agent_run_finish (AiosAgent     *agent,
                                GAsyncResult  *result,
                                GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
aios_template_agent_class_init (AiosTemplateAgentClass *klass)
{
  AiosAgentClass *agent_class = AIOS_AGENT_CLASS (klass);

  agent_class->check_config = aios_template_agent_check_config;
  agent_class->run_async = aios_template_agent_run_async;
  agent_class->run_finish = aios_template_agent_run_finish;
}

static void
aios_template_agent_init (AiosTemplateAgent *self)
{
}

AiosAgent *
aios_template_agent_new (void)
{
  return g_object_new (AIOS_TYPE_TEMPLATE_AGENT, "role", "template", NULL);
}
