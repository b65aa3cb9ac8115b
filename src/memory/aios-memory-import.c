/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Import (CSV, vCard 2.1/3.0/4.0, workspace JSON) and workspace export.
 * This file holds the policy and the writing of rows; the contact formats
 * are read in aios-memory-import-csv.c and -vcard.c, the workspace JSON in
 * aios-memory-workspace.c.
 * The policy is in aios-memory-import.h: one transaction; bad rows skipped
 * and reported with line and reason; whole-file problems import nothing;
 * known emails update the existing record as a new version.
 *
 * The workspace export is every table of the file (other rooms' too: runs,
 * approvals, the journal...) as JSON rows, except derived data (the search
 * index, embeddings). Imported into an empty workspace it restores all of
 * it, ids included; into one that already has records, only the memory
 * records are merged (like contacts: new ones added, known ones updated,
 * equal ones counted as unchanged), since another workspace's runs and
 * journal cannot be woven into this one's history.
 */
#define G_LOG_DOMAIN "aios-memory"

#include "config.h"

#include <inttypes.h>

#include <string.h>
#include <glib/gi18n.h>

#include "aios-memory-import.h"
#include "aios-memory-import-private.h"
#include "aios-memory-private.h"
#include "store/aios-journal.h"

/* ---- the report ---------------------------------------------------------- */

static void
note_free (gpointer data)
{
  AiosImportNote *n = data;

  g_free (n->message);
  g_free (n);
}

void
aios_import_add_note (GPtrArray  *notes,
          guint       line,
          gint64      id,
          const char *format,
          ...)
{
  AiosImportNote *n = g_new0 (AiosImportNote, 1);
  va_list args;

  va_start (args, format);
  n->message = g_strdup_vprintf (format, args);
  va_end (args);
  n->line = line;
  n->id = id;
  g_ptr_array_add (notes, n);
}

static AiosImportReport *
report_new (const char *format)
{
  AiosImportReport *r = g_new0 (AiosImportReport, 1);

  r->format = g_strdup (format);
  r->skips = g_ptr_array_new_with_free_func (note_free);
  r->updates = g_ptr_array_new_with_free_func (note_free);
  r->notes = g_ptr_array_new_with_free_func (note_free);
  return r;
}

void
aios_import_report_free (AiosImportReport *report)
{
  if (report == NULL)
    return;
  g_free (report->format);
  g_ptr_array_unref (report->skips);
  g_ptr_array_unref (report->updates);
  g_ptr_array_unref (report->notes);
  g_free (report);
}

static void
add_notes_json (JsonBuilder *b,
                const char  *name,
                GPtrArray   *notes)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; i < notes->len; i++)
    {
      AiosImportNote *n = g_ptr_array_index (notes, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "line");
      json_builder_add_int_value (b, n->line);
      json_builder_set_member_name (b, "id");
      if (n->id > 0)
        json_builder_add_int_value (b, n->id);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "reason");
      json_builder_add_string_value (b, n->message);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

/**
 * aios_import_report_to_json:
 *
 * Returns: (transfer full): the stable `aios import --json` shape
 */
JsonNode *
aios_import_report_to_json (const AiosImportReport *report)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, report->format);
  json_builder_set_member_name (b, "imported");
  json_builder_add_int_value (b, report->imported);
  json_builder_set_member_name (b, "updated");
  json_builder_add_int_value (b, report->updated);
  json_builder_set_member_name (b, "unchanged");
  json_builder_add_int_value (b, report->unchanged);
  json_builder_set_member_name (b, "skipped");
  json_builder_add_int_value (b, report->skipped);
  add_notes_json (b, "skips", report->skips);
  add_notes_json (b, "updates", report->updates);
  add_notes_json (b, "notes", report->notes);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* ---- rows, and writing them ---------------------------------------------- */

void
aios_import_row_free (gpointer data)
{
  AiosImportRow *row = data;

  g_free (row->label);
  g_clear_pointer (&row->fields, json_object_unref);
  g_free (row->body);
  g_free (row->error);
  g_free (row);
}

AiosImportRow *
aios_import_row_new (guint line)
{
  AiosImportRow *row = g_new0 (AiosImportRow, 1);

  row->line = line;
  row->fields = json_object_new ();
  return row;
}

static gboolean
same_content (JsonObject *a,
              const char *body_a,
              JsonObject *b,
              const char *body_b)
{
  g_autoptr(GList) ma = json_object_get_members (a);
  g_autoptr(GList) mb = json_object_get_members (b);

  if (g_list_length (ma) != g_list_length (mb))
    return FALSE;
  for (GList *l = ma; l != NULL; l = l->next)
    {
      g_autofree char *x = NULL;
      g_autofree char *y = NULL;
      if (!json_object_has_member (b, l->data))
        return FALSE;
      x = aios_memory_value_to_text (json_object_get_member (a, l->data));
      y = aios_memory_value_to_text (json_object_get_member (b, l->data));
      if (!g_str_equal (x, y))
        return FALSE;
    }
  return g_strcmp0 (body_a ? body_a : "", body_b ? body_b : "") == 0;
}

static char *
changed_fields_text (JsonObject *before,
                     JsonObject *after,
                     gboolean    body_changed)
{
  GString *s = g_string_new (NULL);
  g_autoptr(GList) names = json_object_get_members (after);

  for (GList *l = names; l != NULL; l = l->next)
    {
      g_autofree char *x = json_object_has_member (before, l->data)
                           ? aios_memory_value_to_text (json_object_get_member (before, l->data)) : g_strdup ("");
      g_autofree char *y = aios_memory_value_to_text (json_object_get_member (after, l->data));
      if (g_str_equal (x, y))
        continue;
      if (s->len > 0)
        g_string_append (s, ", ");
      if (*x == '\0')
        g_string_append_printf (s, "%s “%s”", (const char *) l->data, y);
      else
        g_string_append_printf (s, "%s “%s” → “%s”", (const char *) l->data, x, y);
    }
  if (body_changed)
    g_string_append_printf (s, "%s%s", s->len > 0 ? ", " : "", _("notes"));
  return g_string_free (s, FALSE);
}

/* Writes one row. Returns FALSE only for storage failures (which abort the
 * whole import); rows that cannot be taken are reported as skips. */
gboolean
aios_import_write_row (AiosImportWriter  *w,
                       const char        *kind,
                       AiosImportRow     *row,
                       gboolean           match_title,
                       GError           **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(AiosRecord) existing = NULL;
  g_autofree char *rationale = NULL;
  g_autofree char *email_folded = NULL;
  const char *email = NULL;
  const AiosKindSpec *spec = aios_memory_kind_lookup (kind);
  AiosProvenance prov = { "import", 0, NULL };
  gint64 id, version = 0;
  const char *label = row->label ? row->label : "";

  if (row->error != NULL)
    {
      w->report->skipped++;
      aios_import_add_note (w->report->skips, row->line, 0, "%s", row->error);
      return TRUE;
    }
  if (!aios_memory_validate (kind, row->fields, &local))
    {
      w->report->skipped++;
      aios_import_add_note (w->report->skips, row->line, 0, "%s%s", label, local->message);
      return TRUE;
    }

  if (spec != NULL && aios_kind_spec_get_field (spec, "email") != NULL)
    email = json_object_get_string_member_with_default (row->fields, "email", NULL);
  if (email != NULL && *email != '\0')
    {
      email_folded = g_utf8_casefold (email, -1);
      existing = aios_memory_find (w->memory, kind, "email", email, &local);
      if (local != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
    }
  if (existing == NULL && match_title && spec != NULL)
    {
      g_autoptr(AiosRecord) same = NULL;
      const char *title = json_object_get_string_member_with_default (row->fields, spec->title_field, NULL);

      if (title != NULL)
        same = aios_memory_find (w->memory, kind, spec->title_field, title, &local);
      if (local != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      if (same != NULL && same_content (same->fields, same->body, row->fields, row->body))
        existing = g_steal_pointer (&same);
    }

  if (existing != NULL)
    {
      g_autoptr(JsonObject) merged = NULL;
      JsonObjectIter iter;
      const char *name;
      JsonNode *node;
      const char *body = row->body != NULL && *row->body != '\0' ? row->body : existing->body;
      g_autofree char *changes = NULL;
      gpointer first_line = email_folded ? g_hash_table_lookup (w->email_lines, email_folded) : NULL;

      merged = json_object_new ();
      json_object_iter_init (&iter, existing->fields);
      while (json_object_iter_next (&iter, &name, &node))
        json_object_set_member (merged, name, json_node_copy (node));
      /* Imported values win; fields the row leaves empty keep their value. */
      json_object_iter_init (&iter, row->fields);
      while (json_object_iter_next (&iter, &name, &node))
        json_object_set_member (merged, name, json_node_copy (node));

      if (same_content (existing->fields, existing->body, merged, body))
        {
          w->report->unchanged++;
          return TRUE;
        }

      changes = changed_fields_text (existing->fields, merged,
                                     g_strcmp0 (existing->body, body) != 0);
      if (first_line != NULL)
        rationale = g_strdup_printf (_("Imported from %s, line %u (same email as line %u)"),
                                     w->source, row->line, GPOINTER_TO_UINT (first_line));
      else
        rationale = g_strdup_printf (_("Imported from %s, line %u (same email as the existing %s)"),
                                     w->source, row->line, kind);
      prov.rationale = rationale;
      id = aios_memory_put (w->memory, existing->id, NULL, merged, body, &prov, &version, &local);
      if (id == 0)
        {
          if (local->domain == AIOS_MEMORY_ERROR)
            {
              w->report->skipped++;
              aios_import_add_note (w->report->skips, row->line, 0, "%s%s", label, local->message);
              return TRUE;
            }
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      w->report->updated++;
      if (first_line != NULL)
        aios_import_add_note (w->report->updates, row->line, id,
                  _("%s%s #%" PRId64 " “%s” (same email as line %u) updated to version %" PRId64 ": %s"),
                  label, kind, id, existing->title, GPOINTER_TO_UINT (first_line), version, changes);
      else if (email_folded != NULL)
        aios_import_add_note (w->report->updates, row->line, id,
                  _("%s%s #%" PRId64 " “%s” (same email) updated to version %" PRId64 ": %s"),
                  label, kind, id, existing->title, version, changes);
      else
        aios_import_add_note (w->report->updates, row->line, id,
                  _("%s%s #%" PRId64 " “%s” updated to version %" PRId64 ": %s"),
                  label, kind, id, existing->title, version, changes);
      return TRUE;
    }

  rationale = row->line > 0 ? g_strdup_printf (_("Imported from %s, line %u"), w->source, row->line)
                            : g_strdup_printf (_("Imported from %s"), w->source);
  prov.rationale = rationale;
  id = aios_memory_put (w->memory, 0, kind, row->fields, row->body, &prov, &version, &local);
  if (id == 0)
    {
      if (local->domain == AIOS_MEMORY_ERROR)
        {
          w->report->skipped++;
          aios_import_add_note (w->report->skips, row->line, 0, "%s%s", label, local->message);
          return TRUE;
        }
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (email_folded != NULL && !g_hash_table_contains (w->email_lines, email_folded))
    g_hash_table_insert (w->email_lines, g_steal_pointer (&email_folded), GUINT_TO_POINTER (row->line));
  w->report->imported++;
  return TRUE;
}

static gboolean
write_rows (AiosMemory          *memory,
            AiosImportReport    *report,
            const char          *kind,
            GPtrArray           *rows,
            gboolean             match_title,
            const char          *source,
            AiosImportProgress   progress,
            gpointer             progress_data,
            GError             **error)
{
  AiosStore *store = aios_memory_get_store (memory);
  g_autoptr(GHashTable) email_lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  AiosImportWriter w = { memory, report, source, email_lines };
  g_autofree char *summary = NULL;
  g_autofree char *payload = NULL;
  AiosEvent ev = { 0 };

  if (!aios_store_begin (store, error))
    return FALSE;
  for (guint i = 0; i < rows->len; i++)
    {
      AiosImportRow *row = g_ptr_array_index (rows, i);

      if (!aios_import_write_row (&w, kind, row, match_title, error))
        {
          aios_store_rollback (store);
          return FALSE;
        }
      if (progress != NULL && (i % 100 == 99 || i + 1 == rows->len))
        progress (i + 1, rows->len, progress_data);
    }

  summary = g_strdup_printf (_("Imported %s: %u new, %u updated, %u unchanged, %u skipped"),
                             source, report->imported, report->updated, report->unchanged, report->skipped);
  payload = g_strdup_printf ("{\"format\":\"%s\",\"imported\":%u,\"updated\":%u,\"unchanged\":%u,\"skipped\":%u}",
                             report->format, report->imported, report->updated, report->unchanged,
                             report->skipped);
  ev.actor = (char *) "import";
  ev.kind = (char *) "memory.imported";
  ev.summary = summary;
  ev.payload_json = payload;
  if (aios_journal_append (store, &ev, error) == 0)
    {
      aios_store_rollback (store);
      return FALSE;
    }
  return aios_store_commit (store, error);
}

/* ---- text checks --------------------------------------------------------- */

static gboolean
check_text (const char  *data,
            gsize        len,
            const char  *source,
            const char **out_start,
            GError     **error)
{
  const char *end = NULL;
  const char *p = data;

  if (len >= 2 && (((guchar) data[0] == 0xFF && (guchar) data[1] == 0xFE) ||
                   ((guchar) data[0] == 0xFE && (guchar) data[1] == 0xFF)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s is UTF-16 text; save it as UTF-8 (with or without BOM) and import it again. Nothing was imported."),
                   source);
      return FALSE;
    }
  if (len >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    p += 3;

  for (const char *q = p; q < data + len; q++)
    if (*q == '\0')
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                     _("%s contains NUL bytes: it is not a text file. Nothing was imported."), source);
        return FALSE;
      }

  if (!g_utf8_validate_len (p, len - (p - data), &end))
    {
      guint line = 1;
      for (const char *q = data; q < end; q++)
        if (*q == '\n')
          line++;
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s is not UTF-8 text (first bad byte on line %u; it may be Latin-1 or Windows-1252). "
                     "Save it as UTF-8, e.g. iconv -f latin1 -t utf-8, and import it again. Nothing was imported."),
                   source, line);
      return FALSE;
    }
  {
    const char *q = p;
    while (q < data + len && g_ascii_isspace (*q))
      q++;
    if (q == data + len)
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                     _("%s is empty: there is nothing to import."), source);
        return FALSE;
      }
  }
  *out_start = p;
  return TRUE;
}

/* ---- entry point --------------------------------------------------------- */

static AiosImportFormat
sniff (const char *p,
       const char *end)
{
  while (p < end && g_ascii_isspace (*p))
    p++;
  if (end - p >= 11 && g_ascii_strncasecmp (p, "BEGIN:VCARD", 11) == 0)
    return AIOS_IMPORT_VCARD;
  if (p < end && *p == '{')
    return AIOS_IMPORT_WORKSPACE;
  return AIOS_IMPORT_CSV;
}

/**
 * aios_memory_import:
 * @format: what @data holds, or %AIOS_IMPORT_AUTO to tell by content
 * @source_name: the file's name, for messages and provenance
 * @progress: (nullable) (scope call): called as rows are written
 *
 * Imports contacts (CSV, vCard) or a workspace export. See the policy in
 * aios-memory-import.h.
 *
 * Returns: (transfer full) (nullable): what happened, row by row; %NULL
 *   with @error when nothing was imported
 */
AiosImportReport *
aios_memory_import (AiosMemory          *self,
                    GBytes              *data,
                    AiosImportFormat     format,
                    const char          *source_name,
                    AiosImportProgress   progress,
                    gpointer             progress_data,
                    GError             **error)
{
  g_autoptr(AiosImportReport) report = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  const char *bytes;
  const char *start = NULL;
  gsize len = 0;
  const char *source = source_name ? source_name : _("the file");

  g_return_val_if_fail (AIOS_IS_MEMORY (self), NULL);
  g_return_val_if_fail (data != NULL, NULL);

  bytes = g_bytes_get_data (data, &len);
  if (len == 0 || bytes == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s is empty: there is nothing to import."), source);
      return NULL;
    }
  if (!check_text (bytes, len, source, &start, error))
    return NULL;
  if (format == AIOS_IMPORT_AUTO)
    format = sniff (start, bytes + len);

  switch (format)
    {
    case AIOS_IMPORT_WORKSPACE:
      report = report_new ("workspace");
      if (!aios_import_workspace (self, start, bytes + len - start, source, report, progress, progress_data, error))
        return NULL;
      return g_steal_pointer (&report);
    case AIOS_IMPORT_VCARD:
      report = report_new ("vcard");
      rows = aios_import_vcard_rows (start, bytes + len, report, source, error);
      break;
    case AIOS_IMPORT_CSV:
    case AIOS_IMPORT_AUTO:
    default:
      report = report_new ("csv");
      rows = aios_import_csv_rows (start, bytes + len, "contact", report, source, error);
      break;
    }
  if (rows == NULL)
    return NULL;
  if (!write_rows (self, report, "contact", rows, FALSE, source, progress, progress_data, error))
    return NULL;
  return g_steal_pointer (&report);
}
