/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The "rules" role of the offline engine: a transparent scorer. Config:
 *
 *   { "rules": [ { "field": "input.budget", "op": "gte", "value": 1000,
 *                  "score": 40, "reason": "Budget of 1000 or more" }, ... ],
 *     "threshold": 50 }
 *
 * `field` is a dotted path into the step context (input, steps, memory).
 * Ops: eq, ne, gt, gte, lt, lte, contains, exists. The output is
 * `{"score": N, "qualified": score >= threshold, "reasons": [...]}`, the
 * reasons being those of the rules that matched, so people see why.
 *
 * With `"margin"` (a number of points, or the name of a setting that holds
 * one, such as "leads.margin", 10 when unset) the output also says `near`:
 * not qualified, but within that margin of the threshold — a case for the
 * operator to decide rather than a decline (see lead-outreach.json).
 */
#define G_LOG_DOMAIN "aios-agents"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "aios-rules-agent.h"
#include "aios-template.h"

struct _AiosRulesAgent
{
  AiosAgent   parent_instance;

  AiosConfig *settings;
};

#define DEFAULT_MARGIN 10

G_DEFINE_FINAL_TYPE (AiosRulesAgent, aios_rules_agent, AIOS_TYPE_AGENT)

static const char *const ops[] = { "eq", "ne", "gt", "gte", "lt", "lte", "contains", "exists", NULL };

static gboolean
is_number (JsonNode *node)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  return type == G_TYPE_INT64 || type == G_TYPE_DOUBLE;
}

static gboolean
aios_rules_agent_check_config (AiosAgent   *agent,
                               JsonObject  *config,
                               GError     **error)
{
  JsonNode *rules = config ? json_object_get_member (config, "rules") : NULL;
  JsonNode *threshold = config ? json_object_get_member (config, "threshold") : NULL;
  JsonArray *array;

  if (rules == NULL || !JSON_NODE_HOLDS_ARRAY (rules))
    {
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_INVALID_CONFIG,
                   _(".rules: expected an array of rules"));
      return FALSE;
    }
  if (threshold != NULL && !is_number (threshold))
    {
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_INVALID_CONFIG,
                   _(".threshold: expected a number"));
      return FALSE;
    }
  {
    JsonNode *margin = json_object_get_member (config, "margin");

    if (margin != NULL && !is_number (margin) &&
        !(JSON_NODE_HOLDS_VALUE (margin) && json_node_get_value_type (margin) == G_TYPE_STRING))
      {
        g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_INVALID_CONFIG,
                     _(".margin: expected a number of points or a setting such as “leads.margin”"));
        return FALSE;
      }
  }

  array = json_node_get_array (rules);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *rule;
      const char *op;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_INVALID_CONFIG,
                       _(".rules[%u]: expected an object"), i);
          return FALSE;
        }
      rule = json_node_get_object (node);
      if (!json_object_has_member (rule, "field") ||
          json_node_get_value_type (json_object_get_member (rule, "field")) != G_TYPE_STRING)
        {
          g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_INVALID_CONFIG,
                       _(".rules[%u].field: expected a dotted path such as “input.budget”"), i);
          return FALSE;
        }
      op = json_object_has_member (rule, "op") &&
           json_node_get_value_type (json_object_get_member (rule, "op")) == G_TYPE_STRING
             ? json_object_get_string_member (rule, "op") : NULL;
      if (op == NULL || !g_strv_contains (ops, op))
        {
          g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_INVALID_CONFIG,
                       _(".rules[%u].op: expected one of eq, ne, gt, gte, lt, lte, contains, exists"), i);
          return FALSE;
        }
      if (!is_number (json_object_get_member (rule, "score")))
        {
          g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_INVALID_CONFIG,
                       _(".rules[%u].score: expected a number"), i);
          return FALSE;
        }
      if (!g_str_equal (op, "exists") && !json_object_has_member (rule, "value"))
        {
          g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_INVALID_CONFIG,
                       _(".rules[%u].value: expected a value to compare with"), i);
          return FALSE;
        }
    }
  return TRUE;
}

static double
as_number (JsonNode *node)
{
  if (is_number (node))
    return json_node_get_double (node);
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_ascii_strtod (json_node_get_string (node), NULL);
  return 0;
}

static gboolean
rule_matches (JsonObject *rule,
              JsonObject *context)
{
  const char *op = json_object_get_string_member (rule, "op");
  JsonNode *actual = aios_template_lookup (context, json_object_get_string_member (rule, "field"));
  JsonNode *expected = json_object_get_member (rule, "value");

  if (g_str_equal (op, "exists"))
    return actual != NULL && !JSON_NODE_HOLDS_NULL (actual);
  if (actual == NULL || JSON_NODE_HOLDS_NULL (actual))
    return FALSE;

  if (g_str_equal (op, "eq") || g_str_equal (op, "ne"))
    {
      gboolean equal = json_node_equal (actual, expected) ||
                       (is_number (actual) && is_number (expected) &&
                        as_number (actual) == as_number (expected));
      return g_str_equal (op, "eq") ? equal : !equal;
    }
  if (g_str_equal (op, "contains"))
    {
      if (JSON_NODE_HOLDS_ARRAY (actual))
        {
          JsonArray *array = json_node_get_array (actual);
          for (guint i = 0; i < json_array_get_length (array); i++)
            if (json_node_equal (json_array_get_element (array, i), expected))
              return TRUE;
          return FALSE;
        }
      if (json_node_get_value_type (actual) == G_TYPE_STRING &&
          json_node_get_value_type (expected) == G_TYPE_STRING)
        {
          g_autofree char *hay = g_utf8_casefold (json_node_get_string (actual), -1);
          g_autofree char *needle = g_utf8_casefold (json_node_get_string (expected), -1);
          return strstr (hay, needle) != NULL;
        }
      return FALSE;
    }
  if (g_str_equal (op, "gt"))
    return as_number (actual) > as_number (expected);
  if (g_str_equal (op, "gte"))
    return as_number (actual) >= as_number (expected);
  if (g_str_equal (op, "lt"))
    return as_number (actual) < as_number (expected);
  if (g_str_equal (op, "lte"))
    return as_number (actual) <= as_number (expected);
  return FALSE;
}

static void
aios_rules_agent_run_async (AiosAgent           *agent,
                            JsonObject          *context,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (agent, cancellable, callback, user_data);
  JsonObject *config = json_object_get_object_member (context, "config");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) out = json_object_new ();
  g_autoptr(JsonArray) reasons = json_array_new ();
  JsonArray *rules;
  double score = 0, threshold;

  g_task_set_source_tag (task, aios_rules_agent_run_async);

  if (config == NULL || !aios_agent_check_config (agent, config, &error))
    {
      g_task_return_new_error (task, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                               _("The rules agent's configuration is invalid: %s"),
                               error ? error->message : _("it has none"));
      return;
    }

  rules = json_object_get_array_member (config, "rules");
  threshold = json_object_has_member (config, "threshold")
                ? json_object_get_double_member (config, "threshold") : 0;
  for (guint i = 0; i < json_array_get_length (rules); i++)
    {
      JsonObject *rule = json_array_get_object_element (rules, i);

      if (!rule_matches (rule, context))
        continue;
      score += json_object_get_double_member (rule, "score");
      if (json_object_has_member (rule, "reason"))
        json_array_add_string_element (reasons, json_object_get_string_member (rule, "reason"));
    }

  if (score == (gint64) score)
    json_object_set_int_member (out, "score", (gint64) score);
  else
    json_object_set_double_member (out, "score", score);
  json_object_set_boolean_member (out, "qualified", score >= threshold);
  if (json_object_has_member (config, "margin"))
    {
      JsonNode *node = json_object_get_member (config, "margin");
      double margin = DEFAULT_MARGIN;

      if (is_number (node))
        margin = json_node_get_double (node);
      else if (AIOS_RULES_AGENT (agent)->settings != NULL)
        {
          g_autofree char *value = aios_config_get (AIOS_RULES_AGENT (agent)->settings, json_node_get_string (node));
          if (value != NULL)
            margin = g_ascii_strtod (value, NULL);
        }
      json_object_set_double_member (out, "margin", margin);
      json_object_set_boolean_member (out, "near", score < threshold && margin > 0 && score >= threshold - margin);
      json_object_set_double_member (out, "threshold", threshold);
    }
  json_object_set_array_member (out, "reasons", g_steal_pointer (&reasons));
  g_task_return_pointer (task, json_node_init_object (json_node_alloc (), out),
                         (GDestroyNotify) json_node_unref);
}

static JsonNode *
aios_rules_agent_run_finish (AiosAgent     *agent,
                             GAsyncResult  *result,
                             GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
aios_rules_agent_dispose (GObject *object)
{
  g_clear_object (&AIOS_RULES_AGENT (object)->settings);
  G_OBJECT_CLASS (aios_rules_agent_parent_class)->dispose (object);
}

/**
 * aios_rules_agent_set_config:
 * @config: the workspace's settings, where a "margin" setting is read
 */
void
aios_rules_agent_set_config (AiosRulesAgent *self,
                             AiosConfig     *config)
{
  g_return_if_fail (AIOS_IS_RULES_AGENT (self));
  g_set_object (&self->settings, config);
}

static void
aios_rules_agent_class_init (AiosRulesAgentClass *klass)
{
  AiosAgentClass *agent_class = AIOS_AGENT_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = aios_rules_agent_dispose;
  agent_class->check_config = aios_rules_agent_check_config;
  agent_class->run_async = aios_rules_agent_run_async;
  agent_class->run_finish = aios_rules_agent_run_finish;
}

static void
aios_rules_agent_init (AiosRulesAgent *self)
{
}

AiosAgent *
aios_rules_agent_new (void)
{
  return g_object_new (AIOS_TYPE_RULES_AGENT, "role", "rules", NULL);
}
