/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Finding records by an exact field (the lookup keys), counting them by
 * kind, and rebuilding their search index.
 */
#define G_LOG_DOMAIN "aios-memory"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "aios-memory-private.h"

/**
 * aios_memory_find:
 *
 * Exact lookup on a field, ignoring case (e-mail addresses, names). Fields
 * marked as keys in the schema use an index; others are compared in a scan.
 *
 * Returns: (transfer full) (nullable): the oldest matching current, not
 *   deleted record, or %NULL (without @error) when there is none
 */
AiosRecord *
aios_memory_find (AiosMemory  *self,
                  const char  *kind,
                  const char  *field,
                  const char  *value,
                  GError     **error)
{
  const AiosKindSpec *spec;
  const AiosFieldSpec *fs;
  g_autofree char *trimmed = NULL;
  g_autofree char *folded = NULL;
  sqlite3_stmt *stmt;
  gint64 id = 0;
  int rc;

  g_return_val_if_fail (AIOS_IS_MEMORY (self), NULL);
  g_return_val_if_fail (field != NULL && value != NULL, NULL);

  spec = aios_memory_kind_lookup (kind);
  if (spec == NULL)
    {
      g_set_error (error, AIOS_MEMORY_ERROR, AIOS_MEMORY_ERROR_UNKNOWN_KIND,
                   _("“%s” is not a kind of record"), kind ? kind : "");
      return NULL;
    }
  trimmed = g_strstrip (g_strdup (value));
  folded = g_utf8_casefold (trimmed, -1);
  fs = aios_kind_spec_get_field (spec, field);

  if (fs != NULL && fs->key)
    {
      stmt = aios_store_prepare (aios_memory_get_store (self),
                                 "SELECT k.record_id FROM record_keys k JOIN records r ON r.id = k.record_id "
                                 "WHERE k.kind = ? AND k.field = ? AND k.value = ? AND r.deleted = 0 "
                                 "ORDER BY k.record_id LIMIT 1", error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_text (stmt, 1, spec->name, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, field, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, folded, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        id = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        {
          aios_store_set_error (aios_memory_get_store (self), rc, error, _("look up a memory record"));
          return NULL;
        }
    }
  else
    {
      g_autofree char *path = g_strdup_printf ("$.\"%s\"", field);

      if (strchr (field, '"') != NULL)
        return NULL;
      stmt = aios_store_prepare (aios_memory_get_store (self),
                                 "SELECT id, json_extract (fields_json, ?) FROM records "
                                 "WHERE kind = ? AND deleted = 0 ORDER BY id", error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_text (stmt, 1, path, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, spec->name, -1, SQLITE_STATIC);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          const char *v = (const char *) sqlite3_column_text (stmt, 1);
          g_autofree char *t = NULL;
          g_autofree char *f = NULL;

          if (v == NULL)
            continue;
          t = g_strstrip (g_strdup (v));
          f = g_utf8_casefold (t, -1);
          if (g_str_equal (f, folded))
            {
              id = sqlite3_column_int64 (stmt, 0);
              break;
            }
        }
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        {
          aios_store_set_error (aios_memory_get_store (self), rc, error, _("look up a memory record"));
          return NULL;
        }
    }

  if (id == 0)
    return NULL;
  return aios_memory_load_version (self, id, 0, error);
}

/**
 * aios_memory_find_all:
 * @field: a field marked as a key in the kind's schema
 *
 * Returns: (transfer full) (element-type AiosRecord): the matching current,
 *   not deleted records, oldest first, or %NULL with @error
 */
GPtrArray *
aios_memory_find_all (AiosMemory  *self,
                      const char  *kind,
                      const char  *field,
                      const char  *value,
                      GError     **error)
{
  const AiosKindSpec *spec;
  const AiosFieldSpec *fs;
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) aios_record_free);
  g_autoptr(GArray) ids = NULL;
  g_autofree char *trimmed = NULL;
  g_autofree char *folded = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (AIOS_IS_MEMORY (self), NULL);
  g_return_val_if_fail (field != NULL && value != NULL, NULL);

  spec = aios_memory_kind_lookup (kind);
  fs = spec != NULL ? aios_kind_spec_get_field (spec, field) : NULL;
  if (fs == NULL || !fs->key)
    {
      g_set_error (error, AIOS_MEMORY_ERROR, AIOS_MEMORY_ERROR_UNKNOWN_KIND,
                   _("“%s” is not a key field of a %s"), field, kind ? kind : "");
      return NULL;
    }
  trimmed = g_strstrip (g_strdup (value));
  folded = g_utf8_casefold (trimmed, -1);
  stmt = aios_store_query (aios_memory_get_store (self),
                           "SELECT k.record_id FROM record_keys k JOIN records r ON r.id = k.record_id "
                           "WHERE k.kind = ? AND k.field = ? AND k.value = ? AND r.deleted = 0 "
                           "ORDER BY k.record_id", error, "sss", spec->name, field, folded);
  if (stmt == NULL)
    return NULL;
  ids = aios_store_collect_ids (aios_memory_get_store (self), stmt, _("look up memory records"), error);
  if (ids == NULL)
    return NULL;
  for (guint i = 0; i < ids->len; i++)
    {
      AiosRecord *record = aios_memory_load_version (self, g_array_index (ids, gint64, i), 0, error);
      if (record == NULL)
        return NULL;
      g_ptr_array_add (records, record);
    }
  return g_steal_pointer (&records);
}

/**
 * aios_memory_count_kinds:
 *
 * Returns: (transfer full): kind name → GINT_TO_POINTER (current, not
 *   deleted records of that kind); every kind is present
 */
GHashTable *
aios_memory_count_kinds (AiosMemory  *self,
                         GError     **error)
{
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (AIOS_IS_MEMORY (self), NULL);
  for (guint i = 0; i < aios_memory_n_kinds (); i++)
    g_hash_table_insert (counts, (gpointer) aios_memory_kind_nth (i)->name, GINT_TO_POINTER (0));

  stmt = aios_store_prepare (aios_memory_get_store (self),
                             "SELECT kind, COUNT(*) FROM records WHERE deleted = 0 GROUP BY kind", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const AiosKindSpec *spec = aios_memory_kind_lookup ((const char *) sqlite3_column_text (stmt, 0));
      if (spec != NULL)
        g_hash_table_insert (counts, (gpointer) spec->name, GINT_TO_POINTER (sqlite3_column_int (stmt, 1)));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      aios_store_set_error (aios_memory_get_store (self), rc, error, _("count memory records"));
      return NULL;
    }
  return g_steal_pointer (&counts);
}

/**
 * aios_memory_reindex:
 *
 * Rebuilds the lookup keys and the full-text index of every record from
 * its current version (after a workspace restore). Joins the caller's
 * transaction.
 */
gboolean
aios_memory_reindex (AiosMemory  *self,
                     GError     **error)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) aios_record_free);
  sqlite3_stmt *stmt;
  int rc;

  if (!aios_store_begin (aios_memory_get_store (self), error))
    return FALSE;
  if (!aios_store_exec (aios_memory_get_store (self), "DELETE FROM records_fts; DELETE FROM record_keys;", error))
    goto fail;
  stmt = aios_store_prepare (aios_memory_get_store (self),
                             "SELECT id, kind, title, layer, current_version, fields_json, body, '', 0, NULL, "
                             "updated_at, deleted FROM records ORDER BY id", error);
  if (stmt == NULL)
    goto fail;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (records, aios_record_from_row (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      aios_store_set_error (aios_memory_get_store (self), rc, error, _("index memory records"));
      goto fail;
    }
  for (guint i = 0; i < records->len; i++)
    {
      AiosRecord *r = g_ptr_array_index (records, i);
      const AiosKindSpec *spec = aios_memory_kind_lookup (r->kind);

      if (spec == NULL)
        continue;
      if (!aios_memory_index_current (self, r->id, spec, r->title, r->fields, r->body, r->deleted, error))
        goto fail;
    }
  return aios_store_commit (aios_memory_get_store (self), error);

fail:
  aios_store_rollback (aios_memory_get_store (self));
  return FALSE;
}
