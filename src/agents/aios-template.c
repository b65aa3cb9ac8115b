/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Placeholder expansion for flow steps (agent configs and outward requests).
 * Deterministic: the same scope gives the same result, so replay with
 * recorded outputs reproduces the same requests.
 */
#define G_LOG_DOMAIN "aios-agents"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "aios-template.h"

#define MAX_DEPTH 64

/**
 * aios_template_lookup:
 * @path: dotted, e.g. "steps.draft.text"; digits index arrays
 *
 * Returns: (transfer none) (nullable): the node at @path in @scope
 */
JsonNode *
aios_template_lookup (JsonObject *scope,
                      const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, ".", -1);
  JsonNode *node = NULL;
  JsonObject *obj = scope;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *part = parts[i];

      if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
        {
          JsonArray *array = json_node_get_array (node);
          char *end = NULL;
          guint64 index = g_ascii_strtoull (part, &end, 10);

          if (*part == '\0' || *end != '\0' || index >= json_array_get_length (array))
            return NULL;
          node = json_array_get_element (array, index);
          continue;
        }
      if (node != NULL)
        {
          if (!JSON_NODE_HOLDS_OBJECT (node))
            return NULL;
          obj = json_node_get_object (node);
        }
      if (obj == NULL || !json_object_has_member (obj, part))
        return NULL;
      node = json_object_get_member (obj, part);
    }
  return node;
}

/* Calls @func for each placeholder of @text; returns FALSE on an unclosed one. */
static gboolean
scan_refs (const char          *text,
           AiosTemplateRefFunc  func,
           gpointer             user_data,
           GError             **error)
{
  const char *p = text;

  while ((p = strstr (p, "{{")) != NULL)
    {
      const char *end = strstr (p + 2, "}}");
      g_autofree char *path = NULL;

      if (end == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("a placeholder “{{” is not closed by “}}”"));
          return FALSE;
        }
      path = g_strstrip (g_strndup (p + 2, end - p - 2));
      func (path, user_data);
      p = end + 2;
    }
  return TRUE;
}

static gboolean
foreach_ref (JsonNode            *node,
             AiosTemplateRefFunc  func,
             gpointer             user_data,
             guint                depth,
             GError             **error)
{
  if (depth > MAX_DEPTH)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("nested more than %d levels deep"), MAX_DEPTH);
      return FALSE;
    }

  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        JsonNode *member;
        const char *name;

        json_object_iter_init (&iter, json_node_get_object (node));
        while (json_object_iter_next (&iter, &name, &member))
          if (!foreach_ref (member, func, user_data, depth + 1, error))
            return FALSE;
        return TRUE;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        for (guint i = 0; i < json_array_get_length (array); i++)
          if (!foreach_ref (json_array_get_element (array, i), func, user_data, depth + 1, error))
            return FALSE;
        return TRUE;
      }
    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_STRING)
        return scan_refs (json_node_get_string (node), func, user_data, error);
      return TRUE;
    case JSON_NODE_NULL:
    default:
      return TRUE;
    }
}

/**
 * aios_template_foreach_ref:
 *
 * Visits every placeholder path in @tmpl (for validation at load).
 */
gboolean
aios_template_foreach_ref (JsonNode            *tmpl,
                           AiosTemplateRefFunc  func,
                           gpointer             user_data,
                           GError             **error)
{
  return foreach_ref (tmpl, func, user_data, 0, error);
}

static void
append_value (GString  *out,
              JsonNode *value)
{
  if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
    g_string_append (out, json_node_get_string (value));
  else if (JSON_NODE_HOLDS_NULL (value))
    ;
  else
    {
      g_autofree char *text = json_to_string (value, FALSE);
      g_string_append (out, text);
    }
}

static JsonNode *
expand_string (const char  *text,
               JsonObject  *scope,
               GError     **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  const char *p = text;
  const char *start;

  /* Exactly one placeholder: keep the value's JSON type. */
  if (g_str_has_prefix (text, "{{") && g_str_has_suffix (text, "}}") &&
      strstr (text + 2, "{{") == NULL && strstr (text + 2, "}}") == text + strlen (text) - 2)
    {
      g_autofree char *path = g_strstrip (g_strndup (text + 2, strlen (text) - 4));
      JsonNode *value = aios_template_lookup (scope, path);

      if (value == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       _("{{%s}} refers to nothing: the value is missing"), path);
          return NULL;
        }
      return json_node_copy (value);
    }

  while ((start = strstr (p, "{{")) != NULL)
    {
      const char *end = strstr (start + 2, "}}");
      g_autofree char *path = NULL;
      JsonNode *value;

      if (end == NULL)
        break;
      g_string_append_len (out, p, start - p);
      path = g_strstrip (g_strndup (start + 2, end - start - 2));
      value = aios_template_lookup (scope, path);
      if (value == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       _("{{%s}} refers to nothing: the value is missing"), path);
          return NULL;
        }
      append_value (out, value);
      p = end + 2;
    }
  g_string_append (out, p);
  return json_node_init_string (json_node_alloc (), out->str);
}

static JsonNode *
expand (JsonNode    *node,
        JsonObject  *scope,
        guint        depth,
        GError     **error)
{
  if (depth > MAX_DEPTH)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("nested more than %d levels deep"), MAX_DEPTH);
      return NULL;
    }

  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        g_autoptr(JsonObject) out = json_object_new ();
        JsonObjectIter iter;
        JsonNode *member;
        const char *name;

        json_object_iter_init (&iter, json_node_get_object (node));
        while (json_object_iter_next (&iter, &name, &member))
          {
            JsonNode *value = expand (member, scope, depth + 1, error);
            if (value == NULL)
              return NULL;
            json_object_set_member (out, name, value);
          }
        return json_node_init_object (json_node_alloc (), out);
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        g_autoptr(JsonArray) out = json_array_sized_new (json_array_get_length (array));

        for (guint i = 0; i < json_array_get_length (array); i++)
          {
            JsonNode *value = expand (json_array_get_element (array, i), scope, depth + 1, error);
            if (value == NULL)
              return NULL;
            json_array_add_element (out, value);
          }
        return json_node_init_array (json_node_alloc (), out);
      }
    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_STRING &&
          strstr (json_node_get_string (node), "{{") != NULL)
        return expand_string (json_node_get_string (node), scope, error);
      return json_node_copy (node);
    case JSON_NODE_NULL:
    default:
      return json_node_copy (node);
    }
}

/**
 * aios_template_expand:
 * @tmpl: a JSON value with placeholders
 * @scope: `{"input": ..., "steps": {...}, "memory": {...}, "run": {...}}`
 *
 * Returns: (transfer full) (nullable): the expanded copy, or %NULL with
 *   @error naming the placeholder that refers to nothing
 */
JsonNode *
aios_template_expand (JsonNode    *tmpl,
                      JsonObject  *scope,
                      GError     **error)
{
  g_return_val_if_fail (tmpl != NULL, NULL);
  return expand (tmpl, scope, 0, error);
}

/**
 * aios_template_lookup_string:
 * @path: a dotted path such as "input.name"
 *
 * Returns: (transfer none) (nullable): the string at @path, or %NULL when
 *   it is missing, not a string, or empty
 */
const char *
aios_template_lookup_string (JsonObject *scope,
                             const char *path)
{
  JsonNode *node = aios_template_lookup (scope, path);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return *json_node_get_string (node) != '\0' ? json_node_get_string (node) : NULL;
}
