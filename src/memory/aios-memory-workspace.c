/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The workspace as JSON: aios_memory_export() writes every table of the
 * file (other rooms' too: runs, approvals, the journal...) as rows, except
 * derived data (the search index, embeddings); importing an export into an
 * empty workspace restores all of it, ids included, and into one that has
 * records merges only the memory records (new ones added, known ones
 * updated as new versions, equal ones counted as unchanged).
 */
#define G_LOG_DOMAIN "aios-memory"

#include "config.h"

#include <inttypes.h>

#include <string.h>
#include <glib/gi18n.h>

#include "aios-memory-import-private.h"
#include "aios-memory-private.h"
#include "store/aios-journal.h"

#define EXPORT_FORMAT "aios-workspace"
#define EXPORT_VERSION 1

/* ---- workspace export ---------------------------------------------------- */

static gboolean
exported_table (const char *name)
{
  return !g_str_has_prefix (name, "sqlite_") && !g_str_has_prefix (name, "records_fts") &&
         !g_str_equal (name, "schema_versions") && !g_str_equal (name, "record_embeddings");
}

/* Tables that describe this workspace itself (its settings, its identity):
 * a restore keeps the values already here and adds only what is missing. */
static gboolean
keeps_own_rows (const char *table)
{
  return g_str_equal (table, "config") || g_str_has_suffix (table, "_meta");
}

static char *
quote_ident (const char *name)
{
  GString *s = g_string_new ("\"");

  for (const char *p = name; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (s, '"');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '"');
  return g_string_free (s, FALSE);
}

static GPtrArray *
list_tables (AiosStore  *store,
             GError    **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = aios_store_prepare (store, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *name = (const char *) sqlite3_column_text (stmt, 0);
      if (exported_table (name))
        g_ptr_array_add (names, g_strdup (name));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      aios_store_set_error (store, rc, error, _("export the workspace"));
      return NULL;
    }
  return g_steal_pointer (&names);
}

static gboolean
write_string (GOutputStream  *out,
              const char     *s,
              GCancellable   *cancellable,
              GError        **error)
{
  return g_output_stream_write_all (out, s, strlen (s), NULL, cancellable, error);
}

/**
 * aios_memory_export:
 *
 * Writes the whole workspace as JSON: {"format": "aios-workspace",
 * "version": 1, "exported_at": ms, "schema": {component: version},
 * "tables": {name: [row objects]}}. Blobs are {"base64": "..."}.
 */
gboolean
aios_memory_export (AiosMemory     *self,
                    GOutputStream  *out,
                    GCancellable   *cancellable,
                    GError        **error)
{
  AiosStore *store = aios_memory_get_store (self);
  sqlite3 *db = aios_store_get_db (store);
  g_autoptr(GPtrArray) tables = NULL;
  g_autoptr(GPtrArray) components = NULL;
  g_autoptr(GString) head = g_string_new (NULL);
  gboolean ok = FALSE;
  int rc;

  g_return_val_if_fail (AIOS_IS_MEMORY (self), FALSE);

  /* One read transaction: a consistent snapshot even while others write. */
  if (sqlite3_exec (db, aios_store_in_transaction (store) ? "SAVEPOINT export" : "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
    return aios_store_set_error (store, sqlite3_errcode (db), error, _("export the workspace"));

  tables = list_tables (store, error);
  if (tables == NULL)
    goto done;

  g_string_append_printf (head, "{\"format\":\"%s\",\"version\":%d,\"exported_at\":%" PRId64 ",\"schema\":{",
                          EXPORT_FORMAT, EXPORT_VERSION, aios_store_now_ms ());
  components = aios_store_list_components (store, error);
  if (components == NULL)
    goto done;
  for (guint i = 0; i < components->len; i++)
    g_string_append_printf (head, "%s\"%s\":%u", i ? "," : "", (const char *) components->pdata[i],
                            aios_store_get_component_version (store, components->pdata[i]));
  g_string_append (head, "},\"tables\":{");
  if (!write_string (out, head->str, cancellable, error))
    goto done;

  for (guint t = 0; t < tables->len; t++)
    {
      const char *table = g_ptr_array_index (tables, t);
      g_autofree char *quoted = quote_ident (table);
      g_autofree char *sql = g_strdup_printf ("SELECT * FROM %s ORDER BY rowid", quoted);
      g_autofree char *name_json = NULL;
      sqlite3_stmt *select = NULL;
      g_autoptr(JsonGenerator) gen = json_generator_new ();
      guint n = 0;

      {
        g_autoptr(JsonNode) s = json_node_new (JSON_NODE_VALUE);
        json_node_set_string (s, table);
        name_json = json_to_string (s, FALSE);
      }
      if (!write_string (out, t ? ",\n" : "\n", cancellable, error) ||
          !write_string (out, name_json, cancellable, error) ||
          !write_string (out, ":[", cancellable, error))
        goto done;

      /* WITHOUT ROWID tables have no rowid: order by their key instead. */
      if (sqlite3_prepare_v2 (db, sql, -1, &select, NULL) != SQLITE_OK)
        {
          g_free (sql);
          sql = g_strdup_printf ("SELECT * FROM %s", quoted);
          if (sqlite3_prepare_v2 (db, sql, -1, &select, NULL) != SQLITE_OK)
            {
              aios_store_set_error (store, sqlite3_errcode (db), error, _("export the workspace"));
              goto done;
            }
        }
      while ((rc = sqlite3_step (select)) == SQLITE_ROW)
        {
          g_autoptr(JsonBuilder) b = json_builder_new ();
          g_autoptr(JsonNode) root = NULL;
          g_autofree char *row = NULL;
          int cols = sqlite3_column_count (select);

          json_builder_begin_object (b);
          for (int c = 0; c < cols; c++)
            {
              json_builder_set_member_name (b, sqlite3_column_name (select, c));
              switch (sqlite3_column_type (select, c))
                {
                case SQLITE_INTEGER:
                  json_builder_add_int_value (b, sqlite3_column_int64 (select, c));
                  break;
                case SQLITE_FLOAT:
                  json_builder_add_double_value (b, sqlite3_column_double (select, c));
                  break;
                case SQLITE_TEXT:
                  json_builder_add_string_value (b, (const char *) sqlite3_column_text (select, c));
                  break;
                case SQLITE_BLOB:
                  {
                    g_autofree char *b64 = g_base64_encode (sqlite3_column_blob (select, c),
                                                            sqlite3_column_bytes (select, c));
                    json_builder_begin_object (b);
                    json_builder_set_member_name (b, "base64");
                    json_builder_add_string_value (b, b64);
                    json_builder_end_object (b);
                  }
                  break;
                default:
                  json_builder_add_null_value (b);
                  break;
                }
            }
          json_builder_end_object (b);
          root = json_builder_get_root (b);
          json_generator_set_root (gen, root);
          row = json_generator_to_data (gen, NULL);
          if (!write_string (out, n++ ? ",\n" : "\n", cancellable, error) ||
              !write_string (out, row, cancellable, error))
            {
              sqlite3_finalize (select);
              goto done;
            }
        }
      sqlite3_finalize (select);
      if (rc != SQLITE_DONE)
        {
          aios_store_set_error (store, rc, error, _("export the workspace"));
          goto done;
        }
      if (!write_string (out, "]", cancellable, error))
        goto done;
    }
  ok = write_string (out, "}}\n", cancellable, error);

done:
  sqlite3_exec (db, aios_store_in_transaction (store) ? "RELEASE export" : "COMMIT", NULL, NULL, NULL);
  return ok;
}

/* ---- workspace import ---------------------------------------------------- */

static gboolean
table_columns (AiosStore   *store,
               const char  *table,
               GHashTable  *columns,
               GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = aios_store_prepare (store, "SELECT name FROM pragma_table_info (?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, table, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_add (columns, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return aios_store_set_error (store, rc, error, _("import the workspace"));
  return TRUE;
}

static gint64
count_rows (AiosStore  *store,
            const char *table)
{
  g_autofree char *quoted = quote_ident (table);
  g_autofree char *sql = g_strdup_printf ("SELECT COUNT(*) FROM %s", quoted);
  sqlite3_stmt *stmt = aios_store_prepare (store, sql, NULL);
  gint64 n = -1;

  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  if (stmt != NULL)
    sqlite3_reset (stmt);
  return n;
}

static gboolean
bind_json_value (sqlite3_stmt *stmt,
                 int           col,
                 JsonNode     *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return sqlite3_bind_null (stmt, col) == SQLITE_OK;
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *o = json_node_get_object (node);
      const char *b64 = json_object_get_string_member_with_default (o, "base64", NULL);
      gsize len = 0;
      guchar *bytes;

      if (b64 == NULL)
        return FALSE;
      bytes = g_base64_decode (b64, &len);
      sqlite3_bind_blob (stmt, col, bytes, (int) len, g_free);
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      sqlite3_bind_int64 (stmt, col, json_node_get_int (node));
      return TRUE;
    case G_TYPE_DOUBLE:
      sqlite3_bind_double (stmt, col, json_node_get_double (node));
      return TRUE;
    case G_TYPE_BOOLEAN:
      sqlite3_bind_int (stmt, col, json_node_get_boolean (node));
      return TRUE;
    case G_TYPE_STRING:
      sqlite3_bind_text (stmt, col, json_node_get_string (node), -1, SQLITE_TRANSIENT);
      return TRUE;
    default:
      return FALSE;
    }
}

/* Restores every table of the export into an empty workspace, ids kept. */
static gboolean
restore_tables (AiosMemory        *self,
                JsonObject        *tables,
                AiosImportReport  *report,
                AiosImportProgress progress,
                gpointer           progress_data,
                GError           **error)
{
  AiosStore *store = aios_memory_get_store (self);
  g_autoptr(GList) names = json_object_get_members (tables);
  guint total = 0, done = 0;

  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonNode *rows = json_object_get_member (tables, l->data);
      if (JSON_NODE_HOLDS_ARRAY (rows))
        total += json_array_get_length (json_node_get_array (rows));
    }

  if (!aios_store_exec (store, "PRAGMA defer_foreign_keys = ON", error))
    return FALSE;

  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *table = l->data;
      JsonNode *node = json_object_get_member (tables, table);
      g_autoptr(GHashTable) columns = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_autoptr(GHashTable) dropped = g_hash_table_new (g_str_hash, g_str_equal);
      JsonArray *rows;
      guint n, kept = 0;

      if (!JSON_NODE_HOLDS_ARRAY (node))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("The export's table “%s” is not a list of rows. Nothing was imported."), table);
          return FALSE;
        }
      rows = json_node_get_array (node);
      n = json_array_get_length (rows);
      if (!exported_table (table) || !table_columns (store, table, columns, error))
        return FALSE;
      if (g_hash_table_size (columns) == 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("The export has a table “%s” that this version of Aios does not know. Nothing was imported."),
                       table);
          return FALSE;
        }

      for (guint i = 0; i < n; i++)
        {
          JsonNode *row_node = json_array_get_element (rows, i);
          JsonObject *row;
          g_autoptr(GList) members = NULL;
          g_autoptr(GString) sql = g_string_new (keeps_own_rows (table) ? "INSERT OR IGNORE INTO " : "INSERT INTO ");
          g_autoptr(GString) values = g_string_new (" VALUES (");
          g_autofree char *qt = quote_ident (table);
          g_autoptr(GPtrArray) bound = g_ptr_array_new ();
          sqlite3_stmt *stmt;
          int rc;

          if (!JSON_NODE_HOLDS_OBJECT (row_node))
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("Row %u of the export's table “%s” is not an object. Nothing was imported."),
                           i + 1, table);
              return FALSE;
            }
          row = json_node_get_object (row_node);
          members = json_object_get_members (row);
          members = g_list_sort (members, (GCompareFunc) g_strcmp0);
          g_string_append_printf (sql, "%s (", qt);
          for (GList *m = members; m != NULL; m = m->next)
            {
              g_autofree char *qc = NULL;
              if (!g_hash_table_contains (columns, m->data))
                {
                  g_hash_table_add (dropped, m->data);
                  continue;
                }
              qc = quote_ident (m->data);
              g_string_append_printf (sql, "%s%s", bound->len ? ", " : "", qc);
              g_string_append_printf (values, "%s?", bound->len ? ", " : "");
              g_ptr_array_add (bound, m->data);
            }
          if (bound->len == 0)
            continue;
          g_string_append (sql, ")");
          g_string_append (values, ")");
          g_string_append (sql, values->str);

          stmt = aios_store_prepare (store, sql->str, error);
          if (stmt == NULL)
            return FALSE;
          for (guint c = 0; c < bound->len; c++)
            if (!bind_json_value (stmt, c + 1, json_object_get_member (row, bound->pdata[c])))
              {
                sqlite3_reset (stmt);
                g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                             _("Row %u of the export's table “%s” has a value of an unknown type in “%s”. "
                               "Nothing was imported."), i + 1, table, (const char *) bound->pdata[c]);
                return FALSE;
              }
          rc = sqlite3_step (stmt);
          sqlite3_reset (stmt);
          if (rc != SQLITE_DONE)
            {
              g_autofree char *what = g_strdup_printf (_("restore row %u of table “%s”"), i + 1, table);
              return aios_store_set_error (store, rc, error, what);
            }
          if (sqlite3_changes (aios_store_get_db (store)) == 0)
            kept++;
          done++;
          if (progress != NULL && done % 500 == 0)
            progress (done, total, progress_data);
        }

      if (kept > 0)
        aios_import_add_note (report->notes, 0, 0, _("%u rows of “%s” were already set here and kept as they are"),
                  kept, table);
      if (g_str_equal (table, "records"))
        report->imported += n;
      else if (n > 0)
        aios_import_add_note (report->notes, 0, 0, _("Restored %u rows of “%s”"), n, table);
      if (g_hash_table_size (dropped) > 0)
        {
          g_autoptr(GList) keys = g_hash_table_get_keys (dropped);
          GString *s = g_string_new (NULL);
          for (GList *k = keys; k; k = k->next)
            g_string_append_printf (s, "%s%s", s->len ? ", " : "", (const char *) k->data);
          aios_import_add_note (report->notes, 0, 0, _("Columns of “%s” this version does not have were left out: %s"),
                    table, s->str);
          g_string_free (s, TRUE);
        }
    }
  if (progress != NULL)
    progress (total, total, progress_data);
  return aios_memory_reindex (self, error);
}

gboolean
aios_import_workspace (AiosMemory         *self,
                       const char         *text,
                       gsize               len,
                       const char         *source,
                       AiosImportReport   *report,
                       AiosImportProgress  progress,
                       gpointer            progress_data,
                       GError            **error)
{
  AiosStore *store = aios_memory_get_store (self);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local = NULL;
  JsonObject *root, *tables, *schema;
  gboolean empty = TRUE;
  AiosEvent ev = { 0 };
  g_autofree char *summary = NULL;

  if (!json_parser_load_from_data (parser, text, len, &local))
    {
      /* json-glib quotes the bad string constant cut at a byte, maybe
       * inside a character (found by tests/fuzz/fuzz-workspace-import) */
      g_autofree char *why = g_utf8_make_valid (local->message, -1);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s is not valid JSON (%s). Nothing was imported."), source, why);
      return FALSE;
    }
  if (json_parser_get_root (parser) == NULL || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    goto not_export;
  root = json_node_get_object (json_parser_get_root (parser));
  if (g_strcmp0 (json_object_get_string_member_with_default (root, "format", NULL), EXPORT_FORMAT) != 0 ||
      !json_object_has_member (root, "tables") ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (root, "tables")))
    goto not_export;
  if (json_object_get_int_member_with_default (root, "version", 0) > EXPORT_VERSION)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s was exported by a newer Aios (format version %" PRId64 "). Nothing was imported."),
                   source, json_object_get_int_member (root, "version"));
      return FALSE;
    }
  tables = json_object_get_object_member (root, "tables");
  schema = json_object_has_member (root, "schema") ? json_object_get_object_member (root, "schema") : NULL;

  if (schema != NULL)
    {
      g_autoptr(GList) components = json_object_get_members (schema);
      for (GList *l = components; l != NULL; l = l->next)
        {
          gint64 theirs = json_object_get_int_member (schema, l->data);
          guint ours = aios_store_get_component_version (store, l->data);
          if (theirs > ours)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("%s comes from a newer Aios (%s schema %" PRId64 "; this workspace has %u). "
                             "Update Aios to import it. Nothing was imported."),
                           source, (const char *) l->data, theirs, ours);
              return FALSE;
            }
        }
    }

  {
    g_autoptr(GList) names = json_object_get_members (tables);
    for (GList *l = names; l != NULL; l = l->next)
      if (!keeps_own_rows (l->data) && exported_table (l->data) && count_rows (store, l->data) > 0)
        empty = FALSE;
  }

  if (!aios_store_begin (store, error))
    return FALSE;

  if (empty)
    {
      if (!restore_tables (self, tables, report, progress, progress_data, error))
        goto fail;
      summary = g_strdup_printf (_("Workspace restored from %s (%u records)"), source, report->imported);
    }
  else
    {
      JsonNode *records = json_object_get_member (tables, "records");
      g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (aios_import_row_free);
      g_autoptr(GHashTable) email_lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      AiosImportWriter w = { self, report, source, email_lines };
      guint n = records && JSON_NODE_HOLDS_ARRAY (records) ? json_array_get_length (json_node_get_array (records)) : 0;
      guint sessions = 0, deleted = 0;

      aios_import_add_note (report->notes, 0, 0,
                _("This workspace already has data: the export's memory records were merged; its runs, "
                  "approvals and journal were not (import into an empty workspace to restore everything)"));
      for (guint i = 0; i < n; i++)
        {
          JsonNode *node = json_array_get_element (json_node_get_array (records), i);
          JsonObject *r = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
          const char *kind = r ? json_object_get_string_member_with_default (r, "kind", NULL) : NULL;
          AiosImportRow *row = aios_import_row_new (i + 1);

          g_ptr_array_add (rows, row);
          if (r == NULL || kind == NULL)
            {
              row->error = g_strdup (_("the record has no kind"));
              continue;
            }
          if (json_object_get_int_member_with_default (r, "deleted", 0))
            {
              deleted++;
              g_ptr_array_remove_index (rows, rows->len - 1);
              continue;
            }
          if (g_strcmp0 (json_object_get_string_member_with_default (r, "layer", "durable"), "session") == 0)
            {
              sessions++;
              g_ptr_array_remove_index (rows, rows->len - 1);
              continue;
            }
          json_object_unref (row->fields);
          row->fields = aios_memory_parse_fields (json_object_get_string_member_with_default (r, "fields_json", "{}"));
          row->body = g_strdup (json_object_get_string_member_with_default (r, "body", ""));
          row->label = g_strdup_printf (_("record %" PRId64 " of the export: "),
                                        json_object_get_int_member_with_default (r, "id", 0));
          if (!aios_import_write_row (&w, kind, row, TRUE, error))
            goto fail;
          if (progress != NULL && (i % 100 == 99 || i + 1 == n))
            progress (i + 1, n, progress_data);
        }
      if (deleted > 0)
        aios_import_add_note (report->notes, 0, 0, _("%u deleted records of the export were not merged"), deleted);
      if (sessions > 0)
        aios_import_add_note (report->notes, 0, 0, _("%u session records of the export were not merged"), sessions);
      summary = g_strdup_printf (_("Imported %s: %u new, %u updated, %u unchanged, %u skipped"),
                                 source, report->imported, report->updated, report->unchanged, report->skipped);
    }

  ev.actor = (char *) "import";
  ev.kind = (char *) "memory.imported";
  ev.summary = summary;
  if (aios_journal_append (store, &ev, error) == 0)
    goto fail;
  return aios_store_commit (store, error);

fail:
  aios_store_rollback (store);
  return FALSE;

not_export:
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               _("%s is JSON but not an Aios workspace export (no \"format\": \"%s\"). Nothing was imported."),
               source, EXPORT_FORMAT);
  return FALSE;
}

