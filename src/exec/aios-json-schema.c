/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A JSON Schema validator for the subset Aios uses for step outputs and
 * intake payloads: type (one or a list), properties, required,
 * additionalProperties (boolean or schema), items, enum, const,
 * minLength/maxLength, minimum/maximum, minItems/maxItems, pattern (GRegex).
 * Unknown keywords are ignored, as the specification says. The error names
 * the JSON path of the first violation, so a model can be told what to fix.
 */
#define G_LOG_DOMAIN "aios-exec"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "aios-json-schema.h"

G_DEFINE_QUARK (aios-json-schema-error-quark, aios_json_schema_error)

static const char *
type_of (JsonNode *node)
{
  if (JSON_NODE_HOLDS_NULL (node))
    return "null";
  if (JSON_NODE_HOLDS_OBJECT (node))
    return "object";
  if (JSON_NODE_HOLDS_ARRAY (node))
    return "array";
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_BOOLEAN:
      return "boolean";
    case G_TYPE_INT64:
      return "integer";
    case G_TYPE_DOUBLE:
      return "number";
    case G_TYPE_STRING:
      return "string";
    default:
      return "unknown";
    }
}

static gboolean
type_matches (JsonNode   *node,
              const char *type)
{
  const char *actual = type_of (node);

  if (g_str_equal (type, actual))
    return TRUE;
  if (g_str_equal (type, "number") && g_str_equal (actual, "integer"))
    return TRUE;
  if (g_str_equal (type, "integer") && g_str_equal (actual, "number"))
    {
      double d = json_node_get_double (node);
      return d == (double) (gint64) d;
    }
  return FALSE;
}

static double
number_of (JsonNode *node)
{
  return json_node_get_value_type (node) == G_TYPE_INT64 ? (double) json_node_get_int (node)
                                                          : json_node_get_double (node);
}

static gboolean
fail (GError    **error,
      const char *path,
      const char *format,
      ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError    **error,
      const char *path,
      const char *format,
      ...)
{
  va_list args;
  g_autofree char *what = NULL;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, AIOS_JSON_SCHEMA_ERROR, AIOS_JSON_SCHEMA_ERROR_INVALID, "%s: %s", path, what);
  return FALSE;
}

static gboolean validate (JsonNode *schema, JsonNode *node, const char *path, GError **error);

static gboolean
validate_object (JsonObject  *s,
                 JsonObject  *o,
                 const char  *path,
                 GError     **error)
{
  JsonObject *props = json_object_has_member (s, "properties") ? json_object_get_object_member (s, "properties") : NULL;
  JsonNode *additional = json_object_get_member (s, "additionalProperties");
  g_autoptr(GList) members = json_object_get_members (o);

  if (json_object_has_member (s, "required"))
    {
      JsonArray *required = json_object_get_array_member (s, "required");
      for (guint i = 0; required && i < json_array_get_length (required); i++)
        {
          const char *name = json_array_get_string_element (required, i);
          if (name != NULL && !json_object_has_member (o, name))
            return fail (error, path, _("“%s” is required"), name);
        }
    }

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      g_autofree char *child = g_strdup_printf ("%s.%s", path, name);
      JsonNode *value = json_object_get_member (o, name);

      if (props != NULL && json_object_has_member (props, name))
        {
          if (!validate (json_object_get_member (props, name), value, child, error))
            return FALSE;
        }
      else if (additional != NULL)
        {
          if (JSON_NODE_HOLDS_VALUE (additional) && json_node_get_value_type (additional) == G_TYPE_BOOLEAN)
            {
              if (!json_node_get_boolean (additional))
                return fail (error, path, _("“%s” is not allowed"), name);
            }
          else if (!validate (additional, value, child, error))
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
validate (JsonNode    *schema,
          JsonNode    *node,
          const char  *path,
          GError     **error)
{
  JsonObject *s;
  JsonNode *type;

  if (JSON_NODE_HOLDS_VALUE (schema) && json_node_get_value_type (schema) == G_TYPE_BOOLEAN)
    return json_node_get_boolean (schema) ? TRUE : fail (error, path, _("nothing is allowed here"));
  if (!JSON_NODE_HOLDS_OBJECT (schema))
    {
      g_set_error (error, AIOS_JSON_SCHEMA_ERROR, AIOS_JSON_SCHEMA_ERROR_BAD_SCHEMA,
                   _("%s: the schema is not an object"), path);
      return FALSE;
    }
  s = json_node_get_object (schema);

  type = json_object_get_member (s, "type");
  if (type != NULL)
    {
      gboolean ok = FALSE;
      if (JSON_NODE_HOLDS_ARRAY (type))
        {
          JsonArray *types = json_node_get_array (type);
          for (guint i = 0; !ok && i < json_array_get_length (types); i++)
            ok = type_matches (node, json_array_get_string_element (types, i));
        }
      else if (JSON_NODE_HOLDS_VALUE (type))
        ok = type_matches (node, json_node_get_string (type));
      if (!ok)
        return fail (error, path, _("expected %s, got %s"),
                     JSON_NODE_HOLDS_VALUE (type) ? json_node_get_string (type) : _("another type"),
                     type_of (node));
    }

  if (json_object_has_member (s, "enum"))
    {
      JsonArray *values = json_object_get_array_member (s, "enum");
      gboolean found = FALSE;
      for (guint i = 0; !found && values && i < json_array_get_length (values); i++)
        found = json_node_equal (json_array_get_element (values, i), node);
      if (!found)
        return fail (error, path, _("not one of the allowed values"));
    }
  if (json_object_has_member (s, "const") && !json_node_equal (json_object_get_member (s, "const"), node))
    return fail (error, path, _("not the required value"));

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      const char *str = json_node_get_string (node);
      glong len = g_utf8_strlen (str, -1);
      if (json_object_has_member (s, "minLength") && len < json_object_get_int_member (s, "minLength"))
        return fail (error, path, _("shorter than %" PRId64 " characters"),
                     json_object_get_int_member (s, "minLength"));
      if (json_object_has_member (s, "maxLength") && len > json_object_get_int_member (s, "maxLength"))
        return fail (error, path, _("longer than %" PRId64 " characters"),
                     json_object_get_int_member (s, "maxLength"));
      if (json_object_has_member (s, "pattern"))
        {
          g_autoptr(GRegex) re = g_regex_new (json_object_get_string_member (s, "pattern"), 0, 0, NULL);
          if (re != NULL && !g_regex_match (re, str, 0, NULL))
            return fail (error, path, _("does not match the pattern"));
        }
    }

  if (g_str_equal (type_of (node), "integer") || g_str_equal (type_of (node), "number"))
    {
      double v = number_of (node);
      if (json_object_has_member (s, "minimum") && v < json_object_get_double_member (s, "minimum"))
        return fail (error, path, _("less than the minimum"));
      if (json_object_has_member (s, "maximum") && v > json_object_get_double_member (s, "maximum"))
        return fail (error, path, _("more than the maximum"));
    }

  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);
      guint n = json_array_get_length (a);
      if (json_object_has_member (s, "minItems") && n < json_object_get_int_member (s, "minItems"))
        return fail (error, path, _("fewer than %" PRId64 " items"), json_object_get_int_member (s, "minItems"));
      if (json_object_has_member (s, "maxItems") && n > json_object_get_int_member (s, "maxItems"))
        return fail (error, path, _("more than %" PRId64 " items"), json_object_get_int_member (s, "maxItems"));
      if (json_object_has_member (s, "items"))
        for (guint i = 0; i < n; i++)
          {
            g_autofree char *child = g_strdup_printf ("%s[%u]", path, i);
            if (!validate (json_object_get_member (s, "items"), json_array_get_element (a, i), child, error))
              return FALSE;
          }
    }

  if (JSON_NODE_HOLDS_OBJECT (node))
    return validate_object (s, json_node_get_object (node), path, error);
  return TRUE;
}

/* The schema's own shape, before it is used: a keyword of the wrong type
 * ("required" an object, "minLength" a string) is a bad schema, never a
 * GLib critical (found by tests/fuzz/fuzz-json-schema). */
static gboolean
bad_schema (GError     **error,
            const char  *path,
            const char  *keyword,
            const char  *expected)
{
  g_set_error (error, AIOS_JSON_SCHEMA_ERROR, AIOS_JSON_SCHEMA_ERROR_BAD_SCHEMA,
               _("%s: the schema's “%s” must be %s"), path, keyword, expected);
  return FALSE;
}

static gboolean
holds_type (JsonNode *node,
            GType     type)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

static gboolean
check_schema (JsonNode    *schema,
              const char  *path,
              GError     **error)
{
  static const char *const counts[] = { "minLength", "maxLength", "minItems", "maxItems" };
  static const char *const bounds[] = { "minimum", "maximum" };
  JsonObject *s;
  JsonNode *node;

  if (holds_type (schema, G_TYPE_BOOLEAN))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (schema))
    {
      g_set_error (error, AIOS_JSON_SCHEMA_ERROR, AIOS_JSON_SCHEMA_ERROR_BAD_SCHEMA,
                   _("%s: the schema is not an object"), path);
      return FALSE;
    }
  s = json_node_get_object (schema);

  if ((node = json_object_get_member (s, "type")) != NULL)
    {
      gboolean ok = holds_type (node, G_TYPE_STRING);

      if (JSON_NODE_HOLDS_ARRAY (node))
        {
          JsonArray *types = json_node_get_array (node);

          ok = TRUE;
          for (guint i = 0; ok && i < json_array_get_length (types); i++)
            ok = holds_type (json_array_get_element (types, i), G_TYPE_STRING);
        }
      if (!ok)
        return bad_schema (error, path, "type", _("a type name or a list of them"));
    }
  if ((node = json_object_get_member (s, "required")) != NULL)
    {
      gboolean ok = JSON_NODE_HOLDS_ARRAY (node);

      for (guint i = 0; ok && i < json_array_get_length (json_node_get_array (node)); i++)
        ok = holds_type (json_array_get_element (json_node_get_array (node), i), G_TYPE_STRING);
      if (!ok)
        return bad_schema (error, path, "required", _("a list of names"));
    }
  if ((node = json_object_get_member (s, "enum")) != NULL && !JSON_NODE_HOLDS_ARRAY (node))
    return bad_schema (error, path, "enum", _("a list"));
  if ((node = json_object_get_member (s, "pattern")) != NULL && !holds_type (node, G_TYPE_STRING))
    return bad_schema (error, path, "pattern", _("a text"));
  for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
    if ((node = json_object_get_member (s, counts[i])) != NULL && !holds_type (node, G_TYPE_INT64))
      return bad_schema (error, path, counts[i], _("a whole number"));
  for (guint i = 0; i < G_N_ELEMENTS (bounds); i++)
    if ((node = json_object_get_member (s, bounds[i])) != NULL &&
        !holds_type (node, G_TYPE_INT64) && !holds_type (node, G_TYPE_DOUBLE))
      return bad_schema (error, path, bounds[i], _("a number"));
  if ((node = json_object_get_member (s, "items")) != NULL)
    {
      g_autofree char *items = g_strconcat (path, "[]", NULL);

      if (!check_schema (node, items, error))
        return FALSE;
    }
  if ((node = json_object_get_member (s, "additionalProperties")) != NULL && !holds_type (node, G_TYPE_BOOLEAN) &&
      !check_schema (node, path, error))
    return FALSE;
  if ((node = json_object_get_member (s, "properties")) != NULL)
    {
      g_autoptr(GList) names = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return bad_schema (error, path, "properties", _("an object"));
      names = json_object_get_members (json_node_get_object (node));
      for (GList *l = names; l != NULL; l = l->next)
        {
          g_autofree char *member = g_strdup_printf ("%s.%s", path, (const char *) l->data);

          if (!check_schema (json_object_get_member (json_node_get_object (node), l->data), member, error))
            return FALSE;
        }
    }
  return TRUE;
}

/**
 * aios_json_schema_validate:
 *
 * Returns: %TRUE when @instance satisfies @schema; else %FALSE with an error
 *   naming the first violation by its path ("$.items[2].amount: ...")
 */
gboolean
aios_json_schema_validate (JsonNode  *schema,
                           JsonNode  *instance,
                           GError   **error)
{
  g_return_val_if_fail (schema != NULL, FALSE);
  /* a model's answer of only blanks parses to no value at all */
  if (instance == NULL)
    {
      g_set_error_literal (error, AIOS_JSON_SCHEMA_ERROR, AIOS_JSON_SCHEMA_ERROR_INVALID,
                           _("$: the answer holds no JSON value"));
      return FALSE;
    }
  if (!check_schema (schema, "$", error))
    return FALSE;
  return validate (schema, instance, "$", error);
}
