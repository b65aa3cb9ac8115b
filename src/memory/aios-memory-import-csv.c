/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Contacts from CSV: RFC 4180 read leniently, with the header names that
 * Google, Outlook, Apple and Thunderbird exports use.
 */
#define G_LOG_DOMAIN "aios-memory"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "aios-memory-import-private.h"
#include "aios-memory-kinds.h"

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

GPtrArray *
aios_import_csv_rows (const char        *p,
                      const char        *end,
                      const char        *kind,
                      AiosImportReport  *report,
                      const char        *source,
                      GError           **error)
{
  g_autoptr(GPtrArray) records = csv_parse (p, end, detect_delimiter (p, end));
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (aios_import_row_free);
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
    aios_import_add_note (report->notes, header->line, 0, _("Columns kept as custom fields: %s"), kept->str);

  for (guint i = first + 1; i < records->len; i++)
    {
      CsvRecord *rec = g_ptr_array_index (records, i);
      AiosImportRow *row;
      g_autofree char *given = NULL;
      g_autofree char *family = NULL;

      if (csv_record_is_blank (rec))
        continue;
      row = aios_import_row_new (rec->line);
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

