/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * AiosRecord, one version of a canonical record, and its fields as JSON
 * and as text.
 */
#define G_LOG_DOMAIN "aios-memory"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "aios-memory-private.h"

G_DEFINE_BOXED_TYPE (AiosRecord, aios_record, aios_record_copy, aios_record_free)

/* ---- AiosRecord ---------------------------------------------------------- */

AiosRecord *
aios_record_copy (const AiosRecord *record)
{
  AiosRecord *copy = g_new0 (AiosRecord, 1);

  *copy = *record;
  copy->kind = g_strdup (record->kind);
  copy->title = g_strdup (record->title);
  copy->layer = g_strdup (record->layer);
  copy->fields = record->fields ? json_object_ref (record->fields) : NULL;
  copy->body = g_strdup (record->body);
  copy->author = g_strdup (record->author);
  copy->rationale = g_strdup (record->rationale);
  return copy;
}

void
aios_record_free (AiosRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->kind);
  g_free (record->title);
  g_free (record->layer);
  g_clear_pointer (&record->fields, json_object_unref);
  g_free (record->body);
  g_free (record->author);
  g_free (record->rationale);
  g_free (record);
}

/**
 * aios_record_get_field:
 *
 * Returns: (nullable): the field's value when it is text, else %NULL; see
 *   aios_record_dup_field_text() for numbers and tag arrays
 */
const char *
aios_record_get_field (const AiosRecord *record,
                       const char       *name)
{
  JsonNode *node;

  g_return_val_if_fail (record != NULL, NULL);
  if (record->fields == NULL || !json_object_has_member (record->fields, name))
    return NULL;
  node = json_object_get_member (record->fields, name);
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return NULL;
}

/**
 * aios_record_dup_field_text:
 *
 * Returns: (transfer full): any field's value as text ("" when not set)
 */
char *
aios_record_dup_field_text (const AiosRecord *record,
                            const char       *name)
{
  g_return_val_if_fail (record != NULL, NULL);
  if (record->fields == NULL || !json_object_has_member (record->fields, name))
    return g_strdup ("");
  return aios_memory_value_to_text (json_object_get_member (record->fields, name));
}

JsonObject *
aios_memory_parse_fields (const char *json)
{
  g_autoptr(JsonNode) node = json != NULL ? json_from_string (json, NULL) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return json_object_new ();
  return json_object_ref (json_node_get_object (node));
}

char *
aios_memory_fields_to_string (JsonObject *fields)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, fields);
  return json_to_string (node, FALSE);
}

/**
 * aios_memory_fields_to_text:
 *
 * Returns: (transfer full): the field values joined by spaces, for the
 *   full-text index
 */
char *
aios_memory_fields_to_text (JsonObject *fields)
{
  GString *s = g_string_new (NULL);
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  json_object_iter_init (&iter, fields);
  while (json_object_iter_next (&iter, &name, &node))
    {
      g_autofree char *text = aios_memory_value_to_text (node);
      if (*text == '\0')
        continue;
      if (s->len > 0)
        g_string_append_c (s, ' ');
      g_string_append (s, text);
    }
  return g_string_free (s, FALSE);
}

AiosRecord *
aios_record_from_row (sqlite3_stmt *stmt)
{
  AiosRecord *r = g_new0 (AiosRecord, 1);

  r->id = sqlite3_column_int64 (stmt, 0);
  r->kind = aios_store_column_dup (stmt, 1);
  r->title = aios_store_column_dup (stmt, 2);
  r->layer = aios_store_column_dup (stmt, 3);
  r->version = sqlite3_column_int64 (stmt, 4);
  r->fields = aios_memory_parse_fields ((const char *) sqlite3_column_text (stmt, 5));
  r->body = aios_store_column_dup (stmt, 6);
  if (r->body == NULL)
    r->body = g_strdup ("");
  r->author = aios_store_column_dup (stmt, 7);
  r->run_id = sqlite3_column_int64 (stmt, 8);
  r->rationale = aios_store_column_dup (stmt, 9);
  r->ts = sqlite3_column_int64 (stmt, 10);
  r->deleted = sqlite3_column_int (stmt, 11) != 0;
  return r;
}

/**
 * aios_record_to_json:
 *
 * Returns: (transfer full): the stable `--json` shape of a record version
 */
JsonNode *
aios_record_to_json (const AiosRecord *record)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *time = aios_store_format_time (record->ts);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_int_value (b, record->id);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, record->kind);
  json_builder_set_member_name (b, "title");
  json_builder_add_string_value (b, record->title);
  json_builder_set_member_name (b, "layer");
  json_builder_add_string_value (b, record->layer);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, record->version);
  json_builder_set_member_name (b, "deleted");
  json_builder_add_boolean_value (b, record->deleted);
  json_builder_set_member_name (b, "fields");
  {
    JsonNode *fields = json_node_new (JSON_NODE_OBJECT);
    json_node_set_object (fields, record->fields);
    json_builder_add_value (b, fields);
  }
  json_builder_set_member_name (b, "body");
  json_builder_add_string_value (b, record->body ? record->body : "");
  json_builder_set_member_name (b, "author");
  json_builder_add_string_value (b, record->author);
  json_builder_set_member_name (b, "run_id");
  if (record->run_id > 0)
    json_builder_add_int_value (b, record->run_id);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "rationale");
  if (record->rationale != NULL)
    json_builder_add_string_value (b, record->rationale);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "ts");
  json_builder_add_int_value (b, record->ts);
  json_builder_set_member_name (b, "time");
  json_builder_add_string_value (b, time);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

