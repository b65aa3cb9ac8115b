/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * AiosFlow: one declarative flow, parsed and validated when it loads
 * (aios-flow-parse.c has the format and its checks): its steps, its input
 * schema and the check of a run's input against it.
 */
#define G_LOG_DOMAIN "aios-control"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-flow.h"
#include "aios-flow-private.h"

G_DEFINE_FINAL_TYPE (AiosFlow, aios_flow, G_TYPE_OBJECT)
G_DEFINE_QUARK (aios-flow-error-quark, aios_flow_error)

static void
step_free (gpointer data)
{
  AiosFlowStep *step = data;

  g_free (step->name);
  g_free (step->agent);
  g_clear_pointer (&step->config, json_node_unref);
  g_strfreev (step->reads_steps);
  g_clear_pointer (&step->memory_queries, json_array_unref);
  g_free (step->when);
  g_strfreev (step->when_any);
  g_clear_pointer (&step->wait, json_node_unref);
  g_free (step->action_connector);
  g_clear_pointer (&step->action_request, json_node_unref);
  g_free (step->action_key);
  g_free (step);
}

static void
aios_flow_finalize (GObject *object)
{
  AiosFlow *self = AIOS_FLOW (object);

  g_free (self->id);
  g_free (self->title);
  g_free (self->description);
  g_free (self->source);
  g_free (self->hash);
  g_free (self->canonical);
  g_free (self->schedule_json);
  g_clear_pointer (&self->input_schema, json_object_unref);
  g_clear_pointer (&self->steps, g_ptr_array_unref);

  G_OBJECT_CLASS (aios_flow_parent_class)->finalize (object);
}

static void
aios_flow_class_init (AiosFlowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = aios_flow_finalize;
}

static void
aios_flow_init (AiosFlow *self)
{
  self->steps = g_ptr_array_new_with_free_func (step_free);
}

const char *
aios_flow_get_id (AiosFlow *self)
{
  g_return_val_if_fail (AIOS_IS_FLOW (self), NULL);
  return self->id;
}

const char *
aios_flow_get_title (AiosFlow *self)
{
  g_return_val_if_fail (AIOS_IS_FLOW (self), NULL);
  return self->title;
}

const char *
aios_flow_get_description (AiosFlow *self)
{
  g_return_val_if_fail (AIOS_IS_FLOW (self), NULL);
  return self->description;
}

const char *
aios_flow_get_source (AiosFlow *self)
{
  g_return_val_if_fail (AIOS_IS_FLOW (self), NULL);
  return self->source;
}

/**
 * aios_flow_get_hash:
 *
 * Returns: the SHA-256 of the canonical definition (its content version)
 */
const char *
aios_flow_get_hash (AiosFlow *self)
{
  g_return_val_if_fail (AIOS_IS_FLOW (self), NULL);
  return self->hash;
}

const char *
aios_flow_get_canonical_json (AiosFlow *self)
{
  g_return_val_if_fail (AIOS_IS_FLOW (self), NULL);
  return self->canonical;
}

/**
 * aios_flow_get_input_schema:
 *
 * Returns: (transfer none) (nullable): the input schema, if the flow has one
 */
JsonObject *
aios_flow_get_input_schema (AiosFlow *self)
{
  g_return_val_if_fail (AIOS_IS_FLOW (self), NULL);
  return self->input_schema;
}

guint
aios_flow_get_n_steps (AiosFlow *self)
{
  g_return_val_if_fail (AIOS_IS_FLOW (self), 0);
  return self->steps->len;
}

const AiosFlowStep *
aios_flow_get_step (AiosFlow *self,
                    guint     index)
{
  g_return_val_if_fail (AIOS_IS_FLOW (self), NULL);
  g_return_val_if_fail (index < self->steps->len, NULL);
  return g_ptr_array_index (self->steps, index);
}

/**
 * aios_flow_find_step:
 *
 * Returns: the index of the step named @name, or -1
 */
int
aios_flow_find_step (AiosFlow   *self,
                     const char *name)
{
  for (guint i = 0; i < self->steps->len; i++)
    if (g_strcmp0 (((AiosFlowStep *) self->steps->pdata[i])->name, name) == 0)
      return i;
  return -1;
}

static gboolean
has_type (JsonNode   *node,
          const char *type)
{
  if (g_str_equal (type, "object"))
    return JSON_NODE_HOLDS_OBJECT (node);
  if (g_str_equal (type, "array"))
    return JSON_NODE_HOLDS_ARRAY (node);
  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (g_str_equal (type, "string"))
    return json_node_get_value_type (node) == G_TYPE_STRING;
  if (g_str_equal (type, "boolean"))
    return json_node_get_value_type (node) == G_TYPE_BOOLEAN;
  if (g_str_equal (type, "integer"))
    return json_node_get_value_type (node) == G_TYPE_INT64;
  return json_node_get_value_type (node) == G_TYPE_INT64 || json_node_get_value_type (node) == G_TYPE_DOUBLE;
}

/**
 * aios_flow_check_input:
 * @input: a run's input
 *
 * Checks @input against the flow's input schema (required members and
 * member types), naming the member at fault.
 */
gboolean
aios_flow_check_input (AiosFlow  *self,
                       JsonNode  *input,
                       GError   **error)
{
  JsonObject *obj, *props;
  JsonArray *required;

  g_return_val_if_fail (AIOS_IS_FLOW (self), FALSE);

  if (input == NULL || !JSON_NODE_HOLDS_OBJECT (input))
    {
      g_set_error (error, AIOS_FLOW_ERROR, AIOS_FLOW_ERROR_BAD_INPUT,
                   _("The input of flow “%s” must be a JSON object"), self->id);
      return FALSE;
    }
  if (self->input_schema == NULL)
    return TRUE;
  obj = json_node_get_object (input);

  required = json_object_has_member (self->input_schema, "required")
               ? json_object_get_array_member (self->input_schema, "required") : NULL;
  for (guint i = 0; required != NULL && i < json_array_get_length (required); i++)
    {
      const char *name = json_array_get_string_element (required, i);
      if (!json_object_has_member (obj, name))
        {
          g_set_error (error, AIOS_FLOW_ERROR, AIOS_FLOW_ERROR_BAD_INPUT,
                       _("The input of flow “%s” needs “%s” ($.%s is missing)"), self->id, name, name);
          return FALSE;
        }
    }

  props = json_object_has_member (self->input_schema, "properties")
            ? json_object_get_object_member (self->input_schema, "properties") : NULL;
  if (props != NULL)
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *prop;

      json_object_iter_init (&iter, props);
      while (json_object_iter_next (&iter, &name, &prop))
        {
          JsonObject *p = json_node_get_object (prop);
          const char *type = json_object_has_member (p, "type") ? json_object_get_string_member (p, "type") : NULL;
          JsonNode *value = json_object_get_member (obj, name);

          if (type != NULL && value != NULL && !has_type (value, type))
            {
              g_set_error (error, AIOS_FLOW_ERROR, AIOS_FLOW_ERROR_BAD_INPUT,
                           _("The input of flow “%s”: $.%s: expected the type %s"), self->id, name, type);
              return FALSE;
            }
        }
    }
  return TRUE;
}

const char *
aios_checkpoint_to_string (AiosCheckpoint checkpoint)
{
  switch (checkpoint)
    {
    case AIOS_CHECKPOINT_APPROVAL:
      return "approval";
    case AIOS_CHECKPOINT_POLICY:
      return "policy";
    case AIOS_CHECKPOINT_NONE:
    default:
      return "none";
    }
}

const char *
aios_flow_get_schedule_json (AiosFlow *self)
{
  g_return_val_if_fail (AIOS_IS_FLOW (self), NULL);
  return self->schedule_json;
}

/**
 * aios_flow_parse_duration:
 * @text: "5s", "90m", "12h" or "3d" (a whole number and a unit)
 *
 * Returns: the duration in ms, or -1 when @text is not one
 */
gint64
aios_flow_parse_duration (const char *text)
{
  g_autofree char *s = text ? g_strstrip (g_strdup (text)) : NULL;
  char *end = NULL;
  guint64 n;
  gint64 unit;

  if (s == NULL || !g_ascii_isdigit (s[0]))
    return -1;
  n = g_ascii_strtoull (s, &end, 10);
  if (end == NULL || end[0] == '\0' || end[1] != '\0')
    return -1;
  switch (end[0])
    {
    case 's': unit = 1000; break;
    case 'm': unit = 60 * 1000; break;
    case 'h': unit = 3600 * 1000; break;
    case 'd': unit = 24 * 3600 * 1000; break;
    default: return -1;
    }
  if (n > 366 * 24 * 3600)
    return -1;
  return (gint64) n * unit;
}
