/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Import (CSV, vCard 2.1/3.0/4.0, workspace JSON) and workspace export.
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
#include "aios-memory-private.h"
#include "store/aios-journal.h"

#define EXPORT_FORMAT "aios-workspace"
#define EXPORT_VERSION 1

/* ---- the report ---------------------------------------------------------- */

static void
note_free (gpointer data)
{
  AiosImportNote *n = data;

  g_free (n->message);
  g_free (n);
}

static void
add_note (GPtrArray  *notes,
          guint       line,
          gint64      id,
          const char *format,
          ...) G_GNUC_PRINTF (4, 5);

static void
add_note (GPtrArray  *notes,
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

typedef struct {
  guint       line;
  char       *label;     /* how to name the row in messages */
  JsonObject *fields;
  char       *body;
  char       *error;     /* set: skip with this reason */
} Row;

static void
row_free (gpointer data)
{
  Row *row = data;

  g_free (row->label);
  g_clear_pointer (&row->fields, json_object_unref);
  g_free (row->body);
  g_free (row->error);
  g_free (row);
}

static Row *
row_new (guint line)
{
  Row *row = g_new0 (Row, 1);

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

typedef struct {
  AiosMemory       *memory;
  AiosImportReport *report;
  const char       *source;
  GHashTable       *email_lines;   /* folded email → first line in this file */
} Writer;

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
static gboolean
write_row (Writer      *w,
           const char  *kind,
           Row         *row,
           gboolean     match_title,
           GError     **error)
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
      add_note (w->report->skips, row->line, 0, "%s", row->error);
      return TRUE;
    }
  if (!aios_memory_validate (kind, row->fields, &local))
    {
      w->report->skipped++;
      add_note (w->report->skips, row->line, 0, "%s%s", label, local->message);
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
              add_note (w->report->skips, row->line, 0, "%s%s", label, local->message);
              return TRUE;
            }
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      w->report->updated++;
      if (first_line != NULL)
        add_note (w->report->updates, row->line, id,
                  _("%s%s #%" PRId64 " “%s” (same email as line %u) updated to version %" PRId64 ": %s"),
                  label, kind, id, existing->title, GPOINTER_TO_UINT (first_line), version, changes);
      else if (email_folded != NULL)
        add_note (w->report->updates, row->line, id,
                  _("%s%s #%" PRId64 " “%s” (same email) updated to version %" PRId64 ": %s"),
                  label, kind, id, existing->title, version, changes);
      else
        add_note (w->report->updates, row->line, id,
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
          add_note (w->report->skips, row->line, 0, "%s%s", label, local->message);
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
  Writer w = { memory, report, source, email_lines };
  g_autofree char *summary = NULL;
  g_autofree char *payload = NULL;
  AiosEvent ev = { 0 };

  if (!aios_store_begin (store, error))
    return FALSE;
  for (guint i = 0; i < rows->len; i++)
    {
      Row *row = g_ptr_array_index (rows, i);

      if (!write_row (&w, kind, row, match_title, error))
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

/* ---- CSV ----------------------------------------------------------------- */

typedef struct {
  guint      line;
  GPtrArray *cells;
  gboolean   unterminated;
} CsvRecord;

static void
csv_record_free (gpointer data)
{
  CsvRecord *r = data;

  g_ptr_array_unref (r->cells);
  g_free (r);
}

static char
detect_delimiter (const char *p,
                  const char *end)
{
  guint comma = 0, semi = 0, tab = 0;
  gboolean quoted = FALSE;

  for (; p < end; p++)
    {
      if (*p == '"')
        quoted = !quoted;
      else if (!quoted && (*p == '\n' || *p == '\r'))
        break;
      else if (!quoted && *p == ',')
        comma++;
      else if (!quoted && *p == ';')
        semi++;
      else if (!quoted && *p == '\t')
        tab++;
    }
  if (tab > comma && tab > semi)
    return '\t';
  if (semi > comma)
    return ';';
  return ',';
}

/* RFC 4180, leniently: quoted fields may hold the delimiter, "" and line
 * breaks (CRLF inside a field becomes LF); a record's line is where it
 * starts. */
static GPtrArray *
csv_parse (const char *p,
           const char *end,
           char        delim)
{
  GPtrArray *records = g_ptr_array_new_with_free_func (csv_record_free);
  GString *cell = g_string_new (NULL);
  CsvRecord *rec = NULL;
  guint line = 1;
  gboolean quoted = FALSE, cell_start = TRUE;

  while (p < end)
    {
      char c = *p;

      if (rec == NULL)
        {
          rec = g_new0 (CsvRecord, 1);
          rec->line = line;
          rec->cells = g_ptr_array_new_with_free_func (g_free);
        }

      if (quoted)
        {
          if (c == '"' && p + 1 < end && p[1] == '"')
            {
              g_string_append_c (cell, '"');
              p += 2;
              continue;
            }
          if (c == '"')
            {
              quoted = FALSE;
              p++;
              continue;
            }
          if (c == '\r' && p + 1 < end && p[1] == '\n')
            {
              p++;
              continue;
            }
          if (c == '\n')
            line++;
          g_string_append_c (cell, c);
          p++;
          continue;
        }

      if (c == '"' && cell_start)
        {
          quoted = TRUE;
          cell_start = FALSE;
          p++;
          continue;
        }
      if (c == delim)
        {
          g_ptr_array_add (rec->cells, g_strdup (cell->str));
          g_string_truncate (cell, 0);
          cell_start = TRUE;
          p++;
          continue;
        }
      if (c == '\r' || c == '\n')
        {
          g_ptr_array_add (rec->cells, g_strdup (cell->str));
          g_string_truncate (cell, 0);
          cell_start = TRUE;
          g_ptr_array_add (records, rec);
          rec = NULL;
          if (c == '\r' && p + 1 < end && p[1] == '\n')
            p++;
          p++;
          line++;
          continue;
        }
      g_string_append_c (cell, c);
      cell_start = FALSE;
      p++;
    }
  if (rec != NULL)
    {
      g_ptr_array_add (rec->cells, g_strdup (cell->str));
      rec->unterminated = quoted;
      g_ptr_array_add (records, rec);
    }
  g_string_free (cell, TRUE);
  return records;
}

static gboolean
csv_record_is_blank (CsvRecord *r)
{
  for (guint i = 0; i < r->cells->len; i++)
    {
      const char *c = g_ptr_array_index (r->cells, i);
      for (; *c; c++)
        if (!g_ascii_isspace (*c))
          return FALSE;
    }
  return TRUE;
}

static char *
header_key (const char *header)
{
  g_autofree char *folded = g_utf8_casefold (header, -1);
  GString *s = g_string_new (NULL);

  for (const char *p = folded; *p; p++)
    if (g_ascii_isalnum (*p))
      g_string_append_c (s, *p);
  return g_string_free (s, FALSE);
}

static char *
custom_name (const char *header,
             guint       column)
{
  g_autofree char *folded = g_utf8_casefold (header, -1);
  GString *s = g_string_new ("x-");
  gboolean dash = FALSE;

  for (const char *p = folded; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (g_unichar_isalnum (c))
        {
          if (dash && s->len > 2)
            g_string_append_c (s, '-');
          g_string_append_unichar (s, c);
          dash = FALSE;
        }
      else
        dash = TRUE;
    }
  if (s->len == 2)
    g_string_append_printf (s, "column-%u", column + 1);
  return g_string_free (s, FALSE);
}

/* Header names as contact exports spell them (Google, Outlook, Apple,
 * spreadsheets), compared without case, spaces or punctuation. */
static const struct { const char *key; const char *field; } header_map[] = {
  { "name", "name" }, { "fullname", "name" }, { "displayname", "name" }, { "contactname", "name" },
  { "contact", "name" },
  { "firstname", "@given" }, { "givenname", "@given" }, { "first", "@given" },
  { "lastname", "@family" }, { "surname", "@family" }, { "familyname", "@family" }, { "last", "@family" },
  { "email", "email" }, { "emailaddress", "email" }, { "mail", "email" }, { "email1value", "email" },
  { "primaryemail", "email" }, { "email1", "email" }, { "emailaddress1", "email" },
  { "company", "company" }, { "organization", "company" }, { "organisation", "company" }, { "org", "company" },
  { "companyname", "company" }, { "organization1name", "company" }, { "employer", "company" },
  { "role", "role" }, { "title", "role" }, { "jobtitle", "role" }, { "position", "role" },
  { "organization1title", "role" },
  { "phone", "phone" }, { "telephone", "phone" }, { "tel", "phone" }, { "mobile", "phone" },
  { "mobilephone", "phone" }, { "phone1value", "phone" }, { "businessphone", "phone" },
  { "primaryphone", "phone" }, { "cell", "phone" }, { "phonenumber", "phone" },
  { "address", "address" }, { "postaladdress", "address" }, { "businessaddress", "address" },
  { "homeaddress", "address" }, { "address1formatted", "address" },
  { "website", "website" }, { "web", "website" }, { "url", "website" }, { "homepage", "website" },
  { "webpage", "website" }, { "website1value", "website" },
  { "tags", "tags" }, { "labels", "tags" }, { "groups", "tags" }, { "groupmembership", "tags" },
  { "categories", "tags" },
  { "notes", "@body" }, { "note", "@body" }, { "comments", "@body" }, { "description", "@body" },
  { "source", "source" }, { "status", "status" }, { "score", "score" },
};

static const char *
map_header (const char *header)
{
  g_autofree char *key = header_key (header);

  for (guint i = 0; i < G_N_ELEMENTS (header_map); i++)
    if (g_str_equal (header_map[i].key, key))
      return header_map[i].field;
  return NULL;
}

static GPtrArray *
csv_rows (const char        *p,
          const char        *end,
          const char        *kind,
          AiosImportReport  *report,
          const char        *source,
          GError           **error)
{
  g_autoptr(GPtrArray) records = csv_parse (p, end, detect_delimiter (p, end));
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (row_free);
  const AiosKindSpec *spec = aios_memory_kind_lookup (kind);
  g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) claimed = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GString) kept = g_string_new (NULL);
  CsvRecord *header = NULL;
  guint first = 0;
  gboolean has_name = FALSE;

  while (first < records->len && csv_record_is_blank (g_ptr_array_index (records, first)))
    first++;
  if (first == records->len)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s is empty: there is nothing to import."), source);
      return NULL;
    }
  header = g_ptr_array_index (records, first);

  for (guint c = 0; c < header->cells->len; c++)
    {
      const char *h = g_ptr_array_index (header->cells, c);
      const char *field = map_header (h);

      if (field != NULL && field[0] != '@' && aios_kind_spec_get_field (spec, field) == NULL)
        field = NULL;
      if (field != NULL && g_hash_table_contains (claimed, field))
        field = NULL;
      if (field != NULL)
        {
          g_hash_table_add (claimed, (gpointer) field);
          g_ptr_array_add (targets, g_strdup (field));
          if (g_str_equal (field, spec->title_field) || g_str_equal (field, "@given") ||
              g_str_equal (field, "@family"))
            has_name = TRUE;
        }
      else
        {
          char *custom = custom_name (h, c);
          if (*h != '\0')
            g_string_append_printf (kept, "%s“%s” → %s", kept->len ? ", " : "", h, custom);
          g_ptr_array_add (targets, custom);
        }
    }

  if (!has_name)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s has no name column in its first line (expected e.g. Name, Full Name, "
                     "or First Name and Last Name). Nothing was imported."), source);
      return NULL;
    }
  if (kept->len > 0)
    add_note (report->notes, header->line, 0, _("Columns kept as custom fields: %s"), kept->str);

  for (guint i = first + 1; i < records->len; i++)
    {
      CsvRecord *rec = g_ptr_array_index (records, i);
      Row *row;
      g_autofree char *given = NULL;
      g_autofree char *family = NULL;

      if (csv_record_is_blank (rec))
        continue;
      row = row_new (rec->line);
      g_ptr_array_add (rows, row);

      if (rec->unterminated)
        {
          row->error = g_strdup (_("a quoted field is not closed (a \" is missing), so the rest of the file "
                                   "could not be read as rows"));
          continue;
        }
      for (guint c = header->cells->len; c < rec->cells->len; c++)
        if (*(const char *) g_ptr_array_index (rec->cells, c) != '\0')
          {
            row->error = g_strdup_printf (_("it has %u fields but the header has %u"),
                                          rec->cells->len, header->cells->len);
            break;
          }
      if (row->error != NULL)
        continue;

      for (guint c = 0; c < rec->cells->len && c < targets->len; c++)
        {
          const char *field = g_ptr_array_index (targets, c);
          g_autofree char *value = g_strstrip (g_strdup (g_ptr_array_index (rec->cells, c)));

          if (*value == '\0')
            continue;
          if (g_str_equal (field, "@given"))
            given = g_steal_pointer (&value);
          else if (g_str_equal (field, "@family"))
            family = g_steal_pointer (&value);
          else if (g_str_equal (field, "@body"))
            row->body = g_steal_pointer (&value);
          else
            json_object_set_string_member (row->fields, field, value);
        }
      if (!json_object_has_member (row->fields, spec->title_field) && (given != NULL || family != NULL))
        {
          g_autofree char *name = g_strjoin (" ", given ? given : "", family ? family : "", NULL);
          json_object_set_string_member (row->fields, spec->title_field, g_strstrip (name));
        }
      else
        {
          if (given != NULL)
            json_object_set_string_member (row->fields, "x-first-name", given);
          if (family != NULL)
            json_object_set_string_member (row->fields, "x-last-name", family);
        }
    }
  return g_steal_pointer (&rows);
}

/* ---- vCard --------------------------------------------------------------- */

typedef struct {
  guint  line;
  char  *text;
} LogicalLine;

static void
logical_line_free (gpointer data)
{
  LogicalLine *l = data;

  g_free (l->text);
  g_free (l);
}

static gboolean
is_quoted_printable (const char *line)
{
  const char *colon = strchr (line, ':');
  g_autofree char *head = colon ? g_ascii_strup (line, colon - line) : NULL;

  return head != NULL && strstr (head, "QUOTED-PRINTABLE") != NULL;
}

/* Unfolds continuation lines (a leading space or tab) and vCard 2.1's
 * quoted-printable soft line breaks (a trailing "="). */
static GPtrArray *
vcard_lines (const char *p,
             const char *end)
{
  g_autofree char *copy = g_strndup (p, end - p);
  g_auto(GStrv) raw = g_strsplit (copy, "\n", -1);
  GPtrArray *lines = g_ptr_array_new_with_free_func (logical_line_free);
  LogicalLine *cur = NULL;

  for (guint i = 0; raw[i] != NULL; i++)
    {
      char *l = raw[i];
      gsize n = strlen (l);

      if (n > 0 && l[n - 1] == '\r')
        l[--n] = '\0';
      if (cur != NULL && is_quoted_printable (cur->text) && g_str_has_suffix (cur->text, "="))
        {
          char *joined;
          cur->text[strlen (cur->text) - 1] = '\0';
          joined = g_strconcat (cur->text, l, NULL);
          g_free (cur->text);
          cur->text = joined;
          continue;
        }
      if (cur != NULL && (l[0] == ' ' || l[0] == '\t'))
        {
          char *joined = g_strconcat (cur->text, l + 1, NULL);
          g_free (cur->text);
          cur->text = joined;
          continue;
        }
      if (n == 0)
        {
          cur = NULL;
          continue;
        }
      cur = g_new0 (LogicalLine, 1);
      cur->line = i + 1;
      cur->text = g_strdup (l);
      g_ptr_array_add (lines, cur);
    }
  return lines;
}

typedef struct {
  char  *name;       /* upper case, without group */
  char **params;     /* upper case "KEY=VALUE" or bare "VALUE" */
  char  *value;
} Property;

static void
property_clear (Property *prop)
{
  g_free (prop->name);
  g_strfreev (prop->params);
  g_free (prop->value);
}

static gboolean
parse_property (const char *text,
                Property   *prop)
{
  const char *colon = NULL;
  gboolean quoted = FALSE;
  g_autofree char *head = NULL;
  g_auto(GStrv) parts = NULL;
  char *dot;

  for (const char *p = text; *p; p++)
    {
      if (*p == '"')
        quoted = !quoted;
      else if (*p == ':' && !quoted)
        {
          colon = p;
          break;
        }
    }
  if (colon == NULL || colon == text)
    return FALSE;
  head = g_ascii_strup (text, colon - text);
  parts = g_strsplit (head, ";", -1);
  dot = strrchr (parts[0], '.');
  prop->name = g_strdup (dot ? dot + 1 : parts[0]);
  prop->params = g_strdupv (parts + 1);
  prop->value = g_strdup (colon + 1);
  for (const char *p = prop->name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-')
      return FALSE;
  return *prop->name != '\0';
}

static const char *
param_value (Property   *prop,
             const char *key)
{
  gsize n = strlen (key);

  for (guint i = 0; prop->params[i] != NULL; i++)
    if (g_ascii_strncasecmp (prop->params[i], key, n) == 0 && prop->params[i][n] == '=')
      return prop->params[i] + n + 1;
  return NULL;
}

static gboolean
has_param (Property   *prop,
           const char *bare)
{
  for (guint i = 0; prop->params[i] != NULL; i++)
    {
      if (g_str_equal (prop->params[i], bare))
        return TRUE;
      if (g_str_has_prefix (prop->params[i], "TYPE=") && strstr (prop->params[i] + 5, bare) != NULL)
        return TRUE;
      if (g_str_equal (bare, "PREF") && g_str_has_prefix (prop->params[i], "PREF="))
        return TRUE;
    }
  return FALSE;
}

static char *
decode_qp (const char *s)
{
  GString *out = g_string_new (NULL);

  for (; *s; s++)
    {
      if (*s == '=' && g_ascii_isxdigit (s[1]) && g_ascii_isxdigit (s[2]))
        {
          g_string_append_c (out, (char) (g_ascii_xdigit_value (s[1]) * 16 + g_ascii_xdigit_value (s[2])));
          s += 2;
        }
      else
        g_string_append_c (out, *s);
    }
  return g_string_free (out, FALSE);
}

/* The value as UTF-8 text: quoted-printable and charsets decoded. */
static char *
property_text (Property  *prop,
               char     **error)
{
  const char *encoding = param_value (prop, "ENCODING");
  const char *charset = param_value (prop, "CHARSET");
  g_autofree char *raw = NULL;

  if ((encoding != NULL && g_str_equal (encoding, "QUOTED-PRINTABLE")) || has_param (prop, "QUOTED-PRINTABLE"))
    raw = decode_qp (prop->value);
  else
    raw = g_strdup (prop->value);

  if (charset != NULL && g_ascii_strcasecmp (charset, "UTF-8") != 0 && g_ascii_strcasecmp (charset, "US-ASCII") != 0)
    {
      g_autoptr(GError) local = NULL;
      char *converted = g_convert (raw, -1, "UTF-8", charset, NULL, NULL, &local);
      if (converted == NULL)
        {
          *error = g_strdup_printf (_("its %s value is not valid %s text"), prop->name, charset);
          return NULL;
        }
      return converted;
    }
  if (!g_utf8_validate (raw, -1, NULL))
    {
      *error = g_strdup_printf (_("its %s value is not UTF-8 text (give a CHARSET)"), prop->name);
      return NULL;
    }
  return g_steal_pointer (&raw);
}

/* Splits on unescaped @sep and unescapes \n \, \; \\ in each part. */
static GPtrArray *
split_unescape (const char *s,
                char        sep)
{
  GPtrArray *parts = g_ptr_array_new_with_free_func (g_free);
  GString *cur = g_string_new (NULL);

  for (; *s; s++)
    {
      if (*s == '\\' && s[1] != '\0')
        {
          s++;
          if (*s == 'n' || *s == 'N')
            g_string_append_c (cur, '\n');
          else
            g_string_append_c (cur, *s);
        }
      else if (*s == sep)
        {
          g_ptr_array_add (parts, g_string_free (cur, FALSE));
          cur = g_string_new (NULL);
        }
      else
        g_string_append_c (cur, *s);
    }
  g_ptr_array_add (parts, g_string_free (cur, FALSE));
  return parts;
}

static char *
unescape (const char *s)
{
  g_autoptr(GPtrArray) parts = split_unescape (s, '\0');
  return g_strstrip (g_strdup (g_ptr_array_index (parts, 0)));
}

static char *
join_nonempty (GPtrArray  *parts,
               guint       from,
               const char *sep)
{
  GString *s = g_string_new (NULL);

  for (guint i = from; i < parts->len; i++)
    {
      g_autofree char *p = g_strstrip (g_strdup (g_ptr_array_index (parts, i)));
      if (*p == '\0')
        continue;
      if (s->len > 0)
        g_string_append (s, sep);
      g_string_append (s, p);
    }
  return g_string_free (s, FALSE);
}

typedef struct {
  Row       *row;
  char      *fn;
  char      *n;
  GPtrArray *emails;
  GPtrArray *phones;
  char      *pref_email;
  char      *pref_phone;
  char      *title;
  char      *role;
  gboolean   closed;
} Card;

static void
card_clear (Card *card)
{
  g_free (card->fn);
  g_free (card->n);
  g_ptr_array_unref (card->emails);
  g_ptr_array_unref (card->phones);
  g_free (card->pref_email);
  g_free (card->pref_phone);
  g_free (card->title);
  g_free (card->role);
}

static void
set_once (JsonObject *fields,
          const char *name,
          const char *value)
{
  if (value != NULL && *value != '\0' && !json_object_has_member (fields, name))
    json_object_set_string_member (fields, name, value);
}

static void
card_finish (Card *card)
{
  JsonObject *f = card->row->fields;
  const char *email = card->pref_email ? card->pref_email
                                       : card->emails->len ? g_ptr_array_index (card->emails, 0) : NULL;
  const char *phone = card->pref_phone ? card->pref_phone
                                       : card->phones->len ? g_ptr_array_index (card->phones, 0) : NULL;
  g_autoptr(GString) other_emails = g_string_new (NULL);
  g_autoptr(GString) other_phones = g_string_new (NULL);

  if (card->fn != NULL && *card->fn != '\0')
    json_object_set_string_member (f, "name", card->fn);
  else if (card->n != NULL && *card->n != '\0')
    json_object_set_string_member (f, "name", card->n);
  set_once (f, "email", email);
  set_once (f, "phone", phone);
  set_once (f, "role", card->title ? card->title : card->role);
  for (guint i = 0; i < card->emails->len; i++)
    if (g_strcmp0 (g_ptr_array_index (card->emails, i), email) != 0)
      g_string_append_printf (other_emails, "%s%s", other_emails->len ? ", " : "",
                              (const char *) g_ptr_array_index (card->emails, i));
  for (guint i = 0; i < card->phones->len; i++)
    if (g_strcmp0 (g_ptr_array_index (card->phones, i), phone) != 0)
      g_string_append_printf (other_phones, "%s%s", other_phones->len ? ", " : "",
                              (const char *) g_ptr_array_index (card->phones, i));
  set_once (f, "x-other-emails", other_emails->str);
  set_once (f, "x-other-phones", other_phones->str);
  if (card->title != NULL && card->role != NULL)
    set_once (f, "x-vcard-role", card->role);
}

static void
card_property (Card     *card,
               Property *prop,
               guint     line)
{
  g_autofree char *error = NULL;
  g_autofree char *text = NULL;
  JsonObject *f = card->row->fields;

  if (card->row->error != NULL)
    return;
  if (g_str_equal (prop->name, "PHOTO") || g_str_equal (prop->name, "LOGO") || g_str_equal (prop->name, "SOUND") ||
      g_str_equal (prop->name, "KEY") || g_str_equal (prop->name, "PRODID") || g_str_equal (prop->name, "REV") ||
      g_str_equal (prop->name, "VERSION") || g_str_equal (prop->name, "BEGIN") || g_str_equal (prop->name, "END"))
    return;

  text = property_text (prop, &error);
  if (text == NULL)
    {
      card->row->error = g_strdup_printf (_("line %u: %s"), line, error);
      return;
    }

  if (g_str_equal (prop->name, "FN"))
    {
      g_free (card->fn);
      card->fn = unescape (text);
    }
  else if (g_str_equal (prop->name, "N"))
    {
      g_autoptr(GPtrArray) parts = split_unescape (text, ';');
      g_autoptr(GPtrArray) ordered = g_ptr_array_new ();
      /* N: family; given; additional; prefix; suffix */
      guint order[] = { 3, 1, 2, 0, 4 };
      for (guint i = 0; i < G_N_ELEMENTS (order); i++)
        if (order[i] < parts->len)
          g_ptr_array_add (ordered, g_ptr_array_index (parts, order[i]));
      g_free (card->n);
      card->n = join_nonempty (ordered, 0, " ");
    }
  else if (g_str_equal (prop->name, "EMAIL"))
    {
      char *v = unescape (text);
      if (g_str_has_prefix (v, "mailto:"))
        memmove (v, v + 7, strlen (v + 7) + 1);
      if (*v == '\0')
        g_free (v);
      else
        {
          if (has_param (prop, "PREF") && card->pref_email == NULL)
            card->pref_email = g_strdup (v);
          g_ptr_array_add (card->emails, v);
        }
    }
  else if (g_str_equal (prop->name, "TEL"))
    {
      char *v = unescape (text);
      if (g_str_has_prefix (v, "tel:"))
        memmove (v, v + 4, strlen (v + 4) + 1);
      if (*v == '\0')
        g_free (v);
      else
        {
          if (has_param (prop, "PREF") && card->pref_phone == NULL)
            card->pref_phone = g_strdup (v);
          g_ptr_array_add (card->phones, v);
        }
    }
  else if (g_str_equal (prop->name, "ORG"))
    {
      g_autoptr(GPtrArray) parts = split_unescape (text, ';');
      g_autofree char *company = g_strstrip (g_strdup (g_ptr_array_index (parts, 0)));
      g_autofree char *units = join_nonempty (parts, 1, ", ");
      set_once (f, "company", company);
      set_once (f, "x-department", units);
    }
  else if (g_str_equal (prop->name, "TITLE"))
    {
      g_free (card->title);
      card->title = unescape (text);
    }
  else if (g_str_equal (prop->name, "ROLE"))
    {
      g_free (card->role);
      card->role = unescape (text);
    }
  else if (g_str_equal (prop->name, "ADR"))
    {
      g_autoptr(GPtrArray) parts = split_unescape (text, ';');
      g_autofree char *address = join_nonempty (parts, 0, ", ");
      set_once (f, "address", address);
    }
  else if (g_str_equal (prop->name, "URL"))
    {
      g_autofree char *v = unescape (text);
      if (g_str_has_prefix (v, "http://") || g_str_has_prefix (v, "https://"))
        set_once (f, "website", v);
      else
        set_once (f, "x-url", v);
    }
  else if (g_str_equal (prop->name, "NOTE"))
    {
      g_autofree char *v = unescape (text);
      if (card->row->body == NULL)
        card->row->body = g_steal_pointer (&v);
    }
  else if (g_str_equal (prop->name, "CATEGORIES"))
    {
      g_autofree char *v = unescape (text);
      set_once (f, "tags", v);
    }
  else if (g_str_equal (prop->name, "NICKNAME") || g_str_equal (prop->name, "BDAY") ||
           g_str_equal (prop->name, "UID") || g_str_equal (prop->name, "ANNIVERSARY"))
    {
      g_autofree char *lower = g_ascii_strdown (prop->name, -1);
      g_autofree char *name = g_strconcat ("x-", lower, NULL);
      g_autofree char *v = unescape (text);
      set_once (f, name, v);
    }
}

static GPtrArray *
vcard_rows (const char        *p,
            const char        *end,
            AiosImportReport  *report,
            const char        *source,
            GError           **error)
{
  g_autoptr(GPtrArray) lines = vcard_lines (p, end);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (row_free);
  Card card = { 0 };
  gboolean in_card = FALSE;
  guint cards = 0, photos = 0;

  for (guint i = 0; i < lines->len; i++)
    {
      LogicalLine *l = g_ptr_array_index (lines, i);
      Property prop = { 0 };
      gboolean ok = parse_property (l->text, &prop);

      if (ok && g_str_equal (prop.name, "BEGIN") && g_ascii_strcasecmp (prop.value, "VCARD") == 0)
        {
          if (in_card)
            {
              card.row->error = g_strdup_printf (_("the vCard is not closed with END:VCARD before line %u"), l->line);
              card_clear (&card);
            }
          memset (&card, 0, sizeof card);
          card.row = row_new (l->line);
          card.emails = g_ptr_array_new_with_free_func (g_free);
          card.phones = g_ptr_array_new_with_free_func (g_free);
          g_ptr_array_add (rows, card.row);
          in_card = TRUE;
          cards++;
        }
      else if (!in_card)
        {
          /* text between cards is not a contact */
        }
      else if (ok && g_str_equal (prop.name, "END"))
        {
          card_finish (&card);
          card_clear (&card);
          in_card = FALSE;
        }
      else if (!ok)
        {
          if (card.row->error == NULL)
            card.row->error = g_strdup_printf (_("line %u is not a vCard property (NAME:value): “%.40s”"),
                                               l->line, l->text);
        }
      else if (g_str_equal (prop.name, "VERSION"))
        {
          g_autofree char *v = g_strstrip (g_strdup (prop.value));
          if (!g_str_equal (v, "2.1") && !g_str_equal (v, "3.0") && !g_str_equal (v, "4.0"))
            card.row->error = g_strdup_printf (_("vCard version %s is not supported (2.1, 3.0 and 4.0 are)"), v);
        }
      else
        {
          if (g_str_equal (prop.name, "PHOTO"))
            photos++;
          card_property (&card, &prop, l->line);
        }
      property_clear (&prop);
    }
  if (in_card)
    {
      if (card.row->error == NULL)
        card.row->error = g_strdup (_("the vCard is not closed with END:VCARD (the file ends inside it)"));
      card_clear (&card);
    }

  if (cards == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s holds no vCard (no BEGIN:VCARD line). Nothing was imported."), source);
      return NULL;
    }
  if (photos > 0)
    add_note (report->notes, 0, 0,
              g_dngettext (GETTEXT_PACKAGE, "%u photo was not imported (Aios keeps no pictures)",
                           "%u photos were not imported (Aios keeps no pictures)", photos), photos);
  for (guint i = 0; i < rows->len; i++)
    {
      Row *row = g_ptr_array_index (rows, i);
      if (row->error == NULL && !json_object_has_member (row->fields, "name"))
        row->error = g_strdup (_("the vCard has no name (FN or N)"));
    }
  return g_steal_pointer (&rows);
}

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
  g_autoptr(GString) head = g_string_new (NULL);
  sqlite3_stmt *stmt;
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
  stmt = aios_store_prepare (store, "SELECT component, version FROM schema_versions ORDER BY component", error);
  if (stmt == NULL)
    goto done;
  for (guint i = 0; (rc = sqlite3_step (stmt)) == SQLITE_ROW; i++)
    g_string_append_printf (head, "%s\"%s\":%d", i ? "," : "",
                            (const char *) sqlite3_column_text (stmt, 0), sqlite3_column_int (stmt, 1));
  sqlite3_reset (stmt);
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
        add_note (report->notes, 0, 0, _("%u rows of “%s” were already set here and kept as they are"),
                  kept, table);
      if (g_str_equal (table, "records"))
        report->imported += n;
      else if (n > 0)
        add_note (report->notes, 0, 0, _("Restored %u rows of “%s”"), n, table);
      if (g_hash_table_size (dropped) > 0)
        {
          g_autoptr(GList) keys = g_hash_table_get_keys (dropped);
          GString *s = g_string_new (NULL);
          for (GList *k = keys; k; k = k->next)
            g_string_append_printf (s, "%s%s", s->len ? ", " : "", (const char *) k->data);
          add_note (report->notes, 0, 0, _("Columns of “%s” this version does not have were left out: %s"),
                    table, s->str);
          g_string_free (s, TRUE);
        }
    }
  if (progress != NULL)
    progress (total, total, progress_data);
  return aios_memory_reindex (self, error);
}

static gboolean
import_workspace (AiosMemory         *self,
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
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s is not valid JSON (%s). Nothing was imported."), source, local->message);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
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
      g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (row_free);
      g_autoptr(GHashTable) email_lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      Writer w = { self, report, source, email_lines };
      guint n = records && JSON_NODE_HOLDS_ARRAY (records) ? json_array_get_length (json_node_get_array (records)) : 0;
      guint sessions = 0, deleted = 0;

      add_note (report->notes, 0, 0,
                _("This workspace already has data: the export's memory records were merged; its runs, "
                  "approvals and journal were not (import into an empty workspace to restore everything)"));
      for (guint i = 0; i < n; i++)
        {
          JsonNode *node = json_array_get_element (json_node_get_array (records), i);
          JsonObject *r = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
          const char *kind = r ? json_object_get_string_member_with_default (r, "kind", NULL) : NULL;
          Row *row = row_new (i + 1);

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
          if (!write_row (&w, kind, row, TRUE, error))
            goto fail;
          if (progress != NULL && (i % 100 == 99 || i + 1 == n))
            progress (i + 1, n, progress_data);
        }
      if (deleted > 0)
        add_note (report->notes, 0, 0, _("%u deleted records of the export were not merged"), deleted);
      if (sessions > 0)
        add_note (report->notes, 0, 0, _("%u session records of the export were not merged"), sessions);
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
      if (!import_workspace (self, start, bytes + len - start, source, report, progress, progress_data, error))
        return NULL;
      return g_steal_pointer (&report);
    case AIOS_IMPORT_VCARD:
      report = report_new ("vcard");
      rows = vcard_rows (start, bytes + len, report, source, error);
      break;
    case AIOS_IMPORT_CSV:
    case AIOS_IMPORT_AUTO:
    default:
      report = report_new ("csv");
      rows = csv_rows (start, bytes + len, "contact", report, source, error);
      break;
    }
  if (rows == NULL)
    return NULL;
  if (!write_rows (self, report, "contact", rows, FALSE, source, progress, progress_data, error))
    return NULL;
  return g_steal_pointer (&report);
}
