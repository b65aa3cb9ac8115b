/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Contacts from vCard 2.1, 3.0 and 4.0: folded lines, quoted-printable,
 * charsets, escaped values.
 */
#define G_LOG_DOMAIN "aios-memory"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "aios-memory-import-private.h"
#include "aios-memory-kinds.h"

/* ---- vCard --------------------------------------------------------------- */

static gboolean
is_quoted_printable (const char *line)
{
  const char *colon = strchr (line, ':');
  g_autofree char *head = colon ? g_ascii_strup (line, colon - line) : NULL;

  return head != NULL && strstr (head, "QUOTED-PRINTABLE") != NULL;
}

/* The physical lines of [*p, end), one by one: any line end counts (LF,
 * CRLF, a bare CR as classic Mac OS wrote, CR CR LF as iOS exports do). */
static gboolean
next_physical_line (const char **p,
                    const char  *end,
                    const char **line,
                    gsize       *len)
{
  const char *q = *p;

  if (q >= end)
    return FALSE;
  *line = q;
  while (q < end && *q != '\n' && *q != '\r')
    q++;
  *len = q - *line;
  while (q < end && *q == '\r')
    q++;
  if (q < end && *q == '\n')
    q++;
  *p = q;
  return TRUE;
}

/* Logical lines, unfolded in one pass into one buffer: continuation lines
 * (a leading space or tab) and vCard 2.1's quoted-printable soft line
 * breaks (a trailing "="). */
typedef struct {
  const char *p;
  const char *end;
  guint       physical;   /* physical lines read */
  GString    *text;       /* the logical line */
  guint       line;       /* where it starts */
  const char *pending;    /* a physical line read ahead, not yet taken */
  gsize       pending_len;
  int         qp;         /* the line's value is quoted-printable: 1, 0, -1 not known yet */
  gsize       scanned;    /* how far the name and parameters were looked through */
} Unfolder;

/* Decided once the colon ending the name and parameters is read, so a
 * long line is looked through once. */
static gboolean
unfolder_is_qp (Unfolder *u)
{
  const char *colon;

  if (u->qp >= 0)
    return u->qp;
  colon = memchr (u->text->str + u->scanned, ':', u->text->len - u->scanned);
  if (colon == NULL)
    {
      u->scanned = u->text->len;
      return FALSE;
    }
  u->qp = is_quoted_printable (u->text->str);
  return u->qp;
}

static gboolean
next_logical_line (Unfolder *u)
{
  const char *l;
  gsize n;

  g_string_truncate (u->text, 0);
  u->qp = -1;
  u->scanned = 0;
  for (;;)
    {
      if (u->pending != NULL)
        {
          l = u->pending;
          n = u->pending_len;
          u->pending = NULL;
        }
      else if (next_physical_line (&u->p, u->end, &l, &n))
        u->physical++;
      else
        return u->text->len > 0;

      if (u->text->len == 0)
        {
          if (n == 0)
            continue;   /* blank lines separate nothing */
          g_string_append_len (u->text, l, n);
          u->line = u->physical;
          continue;
        }
      if (u->text->str[u->text->len - 1] == '=' && unfolder_is_qp (u))
        {
          g_string_truncate (u->text, u->text->len - 1);
          g_string_append_len (u->text, l, n);
          continue;
        }
      if (n > 0 && (l[0] == ' ' || l[0] == '\t'))
        {
          g_string_append_len (u->text, l + 1, n - 1);
          continue;
        }
      if (n > 0)
        {
          u->pending = l;
          u->pending_len = n;
        }
      return TRUE;
    }
}

typedef struct {
  guint       line;
  const char *text;
} LogicalLine;

/* @value, without the blanks around it, is @word (in any case). */
static gboolean
value_is (const char *value,
          const char *word)
{
  gsize n = strlen (word);

  while (g_ascii_isspace (*value))
    value++;
  if (g_ascii_strncasecmp (value, word, n) != 0)
    return FALSE;
  for (value += n; *value; value++)
    if (!g_ascii_isspace (*value))
      return FALSE;
  return TRUE;
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

/* The value as UTF-8 text: quoted-printable and charsets decoded. The file
 * itself is UTF-8 (checked before), so a value written as it is, with
 * bytes beyond ASCII, is UTF-8 whatever its CHARSET says; the CHARSET
 * applies to what quoted-printable encodes, and to 7-bit charsets. */
static char *
property_text (Property  *prop,
               char     **error)
{
  const char *encoding = param_value (prop, "ENCODING");
  const char *charset = param_value (prop, "CHARSET");
  gboolean qp = (encoding != NULL && g_str_equal (encoding, "QUOTED-PRINTABLE")) || has_param (prop, "QUOTED-PRINTABLE");
  g_autofree char *raw = qp ? decode_qp (prop->value) : g_strdup (prop->value);
  gboolean ascii = TRUE;

  for (const char *c = raw; *c && ascii; c++)
    ascii = !(*c & 0x80);
  if (charset != NULL && (qp || ascii) &&
      g_ascii_strcasecmp (charset, "UTF-8") != 0 && g_ascii_strcasecmp (charset, "US-ASCII") != 0)
    {
      g_autoptr(GError) local = NULL;
      char *converted = g_convert (raw, -1, "UTF-8", charset, NULL, NULL, &local);

      if (converted != NULL)
        return converted;
      /* A charset iconv does not know: its text may still be UTF-8. */
      if (!g_error_matches (local, G_CONVERT_ERROR, G_CONVERT_ERROR_NO_CONVERSION) ||
          !g_utf8_validate (raw, -1, NULL))
        {
          *error = g_strdup_printf (_("its %s value is not valid %s text"), prop->name, charset);
          return NULL;
        }
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

/* Splits on unescaped @sep, keeping the escapes for a second split. */
static GPtrArray *
split_raw (const char *s,
           char        sep)
{
  GPtrArray *parts = g_ptr_array_new_with_free_func (g_free);
  const char *start = s;

  for (; *s; s++)
    {
      if (*s == '\\' && s[1] != '\0')
        s++;
      else if (*s == sep)
        {
          g_ptr_array_add (parts, g_strndup (start, s - start));
          start = s + 1;
        }
    }
  g_ptr_array_add (parts, g_strdup (start));
  return parts;
}

static char *join_nonempty (GPtrArray *parts, guint from, const char *sep);

/* N (family; given; additional; prefixes; suffixes, each a comma list)
 * as people write a name: "Dr. John Q. Doe Jr.", "... Jr., M.D." */
static char *
name_from_n (const char *text)
{
  g_autoptr(GPtrArray) parts = split_raw (text, ';');
  g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func (g_free);
  const guint order[] = { 3, 1, 2, 0, 4 };

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      g_autoptr(GPtrArray) list = NULL;

      if (order[i] >= parts->len)
        continue;
      list = split_unescape (g_ptr_array_index (parts, order[i]), ',');
      g_ptr_array_add (words, join_nonempty (list, 0, order[i] == 4 ? ", " : " "));
    }
  return join_nonempty (words, 0, " ");
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
  AiosImportReport    *report;
  AiosImportRow       *row;
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
      /* the card's first problem is the one reported */
      if (card->row->error == NULL)
        card->row->error = g_strdup_printf (_("line %u: %s"), line, error);
      return;
    }
  if (strlen (text) > AIOS_IMPORT_MAX_FIELD)
    {
      gsize full = strlen (text);
      g_autofree char *size = g_format_size (full);
      g_autofree char *cap = g_format_size_full (AIOS_IMPORT_MAX_FIELD, G_FORMAT_SIZE_IEC_UNITS);
      char *cut = text + AIOS_IMPORT_MAX_FIELD;

      while (cut > text && ((guchar) *cut & 0xC0) == 0x80)
        cut--;
      *cut = '\0';
      aios_import_add_note (card->report->notes, card->row->line, 0,
                            _("the %s value on line %u (%s) was cut to its first %s"), prop->name, line, size, cap);
    }

  if (g_str_equal (prop->name, "FN"))
    {
      g_free (card->fn);
      card->fn = unescape (text);
    }
  else if (g_str_equal (prop->name, "N"))
    {
      g_free (card->n);
      card->n = name_from_n (text);
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
      if (g_ascii_strncasecmp (v, "tel:", 4) == 0)
        {
          /* A tel URI (RFC 3966): the number, its extension, no other parameters. */
          g_auto(GStrv) parts = g_strsplit (v + 4, ";", -1);
          g_autoptr(GString) number = g_string_new (parts[0]);
          for (guint i = 1; parts[i] != NULL; i++)
            if (g_ascii_strncasecmp (parts[i], "ext=", 4) == 0 && parts[i][4] != '\0')
              g_string_append_printf (number, " ext. %s", parts[i] + 4);
          g_free (v);
          v = g_string_free (g_steal_pointer (&number), FALSE);
        }
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

GPtrArray *
aios_import_vcard_rows (const char        *p,
                        const char        *end,
                        AiosImportReport  *report,
                        const char        *source,
                        GError           **error)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GString) text = NULL;
  Unfolder u = { p, end, 0, NULL, 0, NULL, 0, -1, 0 };
  Card card = { 0 };
  gboolean in_card = FALSE;
  guint cards = 0, photos = 0;

  if ((gsize) (end - p) > AIOS_IMPORT_VCARD_MAX_FILE)
    {
      g_autofree char *cap = g_format_size_full (AIOS_IMPORT_VCARD_MAX_FILE, G_FORMAT_SIZE_IEC_UNITS);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s is larger than %s, the most a vCard file may have. Split it into smaller files "
                     "and import them one by one. Nothing was imported."), source, cap);
      return NULL;
    }

  rows = g_ptr_array_new_with_free_func (aios_import_row_free);
  text = g_string_sized_new (256);
  u.text = text;
  while (next_logical_line (&u))
    {
      LogicalLine line = { u.line, u.text->str };
      LogicalLine *l = &line;
      Property prop = { 0 };
      gboolean ok = parse_property (l->text, &prop);

      if (ok && g_str_equal (prop.name, "BEGIN") && value_is (prop.value, "VCARD"))
        {
          if (in_card)
            {
              g_free (card.row->error);
              card.row->error = g_strdup_printf (_("the vCard is not closed with END:VCARD before line %u"), l->line);
              card_clear (&card);
            }
          memset (&card, 0, sizeof card);
          card.report = report;
          card.row = aios_import_row_new (l->line);
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
          if (!g_str_equal (v, "2.1") && !g_str_equal (v, "3.0") && !g_str_equal (v, "4.0") &&
              card.row->error == NULL)
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
    aios_import_add_note (report->notes, 0, 0,
              g_dngettext (GETTEXT_PACKAGE, "%u photo was not imported (Aios keeps no pictures)",
                           "%u photos were not imported (Aios keeps no pictures)", photos), photos);
  for (guint i = 0; i < rows->len; i++)
    {
      AiosImportRow *row = g_ptr_array_index (rows, i);
      if (row->error == NULL && !json_object_has_member (row->fields, "name"))
        row->error = g_strdup (_("the vCard has no name (FN or N)"));
    }
  return g_steal_pointer (&rows);
}

