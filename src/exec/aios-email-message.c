/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A plain-text email as it goes on the wire:
 *
 *   Date, From ("Robin Keller <robin@northwind.example>" with smtp.from_name,
 *   the bare address without), To, Cc, Reply-To, Subject (RFC 2047 encoded
 *   words when not ASCII), Message-ID (<derived from the idempotency key
 *   @the sender's own domain>, so a resend of the same outbox item is
 *   recognisably the same message and a reply's In-Reply-To names it),
 *   MIME-Version, Content-Type text/plain; charset=UTF-8, and 7bit or
 *   quoted-printable. Bcc recipients get the message but no header.
 */
#define G_LOG_DOMAIN "aios-exec"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "aios-connector.h"
#include "aios-email-message.h"

#define MAX_RECIPIENTS 100
#define MAX_BODY (4 * 1024 * 1024)

void
aios_email_message_free (AiosEmailMessage *m)
{
  g_free (m->from);
  g_free (m->from_name);
  g_clear_pointer (&m->to, g_ptr_array_unref);
  g_clear_pointer (&m->cc, g_ptr_array_unref);
  g_clear_pointer (&m->bcc, g_ptr_array_unref);
  g_clear_pointer (&m->rcpts, g_ptr_array_unref);
  g_free (m->reply_to);
  g_free (m->subject);
  g_free (m->body);
  g_free (m->in_reply_to);
  g_free (m->references);
  g_free (m);
}

gboolean
aios_email_address_is_valid (const char *address)
{
  const char *at;

  if (address == NULL || *address == '\0' || strlen (address) > 254)
    return FALSE;
  at = strchr (address, '@');
  if (at == NULL || at == address || at[1] == '\0' || strchr (at + 1, '@') != NULL)
    return FALSE;
  for (const char *p = address; *p; p++)
    if ((guchar) *p <= ' ' || (guchar) *p >= 127 || strchr ("<>()[],;:\\\"", *p) != NULL)
      return FALSE;
  return strchr (at + 1, '.') != NULL || g_str_equal (at + 1, "localhost");
}

/**
 * aios_email_message_id_is_valid:
 *
 * Returns: whether @message_id is one msg-id, "<left@right>" of printable
 *   ASCII without spaces (RFC 5322 3.6.4), at most 250 bytes
 */
gboolean
aios_email_message_id_is_valid (const char *message_id)
{
  gsize len = message_id ? strlen (message_id) : 0;
  const char *at;

  if (len < 5 || len > 250 || message_id[0] != '<' || message_id[len - 1] != '>')
    return FALSE;
  at = strchr (message_id, '@');
  if (at == NULL || at == message_id + 1 || at == message_id + len - 2 || strchr (at + 1, '@') != NULL)
    return FALSE;
  for (gsize i = 1; i + 1 < len; i++)
    if ((guchar) message_id[i] <= ' ' || (guchar) message_id[i] >= 127 || strchr ("<>", message_id[i]) != NULL)
      return FALSE;
  return TRUE;
}

static gboolean
is_ascii (const char *s)
{
  for (; *s; s++)
    if ((guchar) *s >= 128)
      return FALSE;
  return TRUE;
}

/**
 * aios_email_encode_header_text:
 *
 * Returns: @text as is when it is printable ASCII, else RFC 2047 "B"
 *   encoded words of at most 75 characters, folded, split on UTF-8
 *   character boundaries
 */
char *
aios_email_encode_header_text (const char *text)
{
  GString *out;
  const char *p = text;

  if (is_ascii (text))
    return g_strdup (text);

  out = g_string_new (NULL);
  while (*p)
    {
      const char *end = p;
      g_autofree char *b64 = NULL;

      /* 45 bytes → 60 base64 characters, + 12 for =?UTF-8?B??= */
      while (*end)
        {
          const char *next = g_utf8_next_char (end);
          if (next - p > 45)
            break;
          end = next;
        }
      b64 = g_base64_encode ((const guchar *) p, end - p);
      if (out->len > 0)
        g_string_append (out, "\r\n ");
      g_string_append_printf (out, "=?UTF-8?B?%s?=", b64);
      p = end;
    }
  return g_string_free (out, FALSE);
}

static char *
format_mailbox (const char *name,
                const char *address)
{
  g_autofree char *display = NULL;

  if (name == NULL || *name == '\0')
    return g_strdup (address);
  if (!is_ascii (name))
    display = aios_email_encode_header_text (name);
  else if (strpbrk (name, "()<>[]:;@\\,.\"") != NULL)
    {
      GString *q = g_string_new ("\"");
      for (const char *c = name; *c; c++)
        {
          if (*c == '"' || *c == '\\')
            g_string_append_c (q, '\\');
          g_string_append_c (q, *c);
        }
      g_string_append_c (q, '"');
      display = g_string_free (q, FALSE);
    }
  else
    display = g_strdup (name);
  return g_strdup_printf ("%s <%s>", display, address);
}

static gboolean
read_addresses (JsonObject  *request,
                const char  *member,
                gboolean     required,
                GPtrArray   *formatted,
                GPtrArray   *rcpts,
                GError     **error)
{
  JsonNode *node = json_object_get_member (request, member);
  g_autoptr(JsonArray) single = NULL;
  JsonArray *list;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                     _("An email needs “%s”"), member);
      return !required;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    list = json_node_get_array (node);
  else
    {
      single = json_array_new ();
      json_array_add_element (single, json_node_copy (node));
      list = single;
    }
  if (required && json_array_get_length (list) == 0)
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                   _("An email needs at least one address in “%s”"), member);
      return FALSE;
    }

  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonNode *item = json_array_get_element (list, i);
      const char *address = NULL;
      const char *name = NULL;

      if (JSON_NODE_HOLDS_VALUE (item) && json_node_get_value_type (item) == G_TYPE_STRING)
        address = json_node_get_string (item);
      else if (JSON_NODE_HOLDS_OBJECT (item))
        {
          JsonObject *o = json_node_get_object (item);
          address = json_object_get_string_member_with_default (o, "address", NULL);
          name = json_object_get_string_member_with_default (o, "name", NULL);
        }
      if (!aios_email_address_is_valid (address))
        {
          g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                       _("“%s” in %s is not an email address"), address ? address : "?", member);
          return FALSE;
        }
      if (name != NULL && strpbrk (name, "\r\n") != NULL)
        {
          g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                       _("A name in %s must be one line"), member);
          return FALSE;
        }
      if (formatted != NULL)
        g_ptr_array_add (formatted, format_mailbox (name, address));
      g_ptr_array_add (rcpts, g_strdup (address));
    }
  if (rcpts->len > MAX_RECIPIENTS)
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                   _("An email may have at most %d recipients"), MAX_RECIPIENTS);
      return FALSE;
    }
  return TRUE;
}

static char *
normalise_newlines (const char *text)
{
  GString *out = g_string_sized_new (strlen (text));

  for (const char *p = text; *p; p++)
    {
      if (*p == '\r')
        {
          g_string_append_c (out, '\n');
          if (p[1] == '\n')
            p++;
        }
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

/**
 * aios_email_message_from_json:
 * @request: { "to": addr | [addr | {"name", "address"}], "cc", "bcc",
 *   "reply_to", "subject", "body" }
 * @from: the smtp.from setting
 * @from_name: (nullable): the smtp.from_name setting, the sender's display name
 */
AiosEmailMessage *
aios_email_message_from_json (JsonObject  *request,
                              const char  *from,
                              const char  *from_name,
                              GError     **error)
{
  g_autoptr(AiosEmailMessage) m = g_new0 (AiosEmailMessage, 1);
  const char *subject = json_object_get_string_member_with_default (request, "subject", NULL);
  const char *body = json_object_get_string_member_with_default (request, "body", NULL);
  const char *reply_to = json_object_get_string_member_with_default (request, "reply_to", NULL);

  m->to = g_ptr_array_new_with_free_func (g_free);
  m->cc = g_ptr_array_new_with_free_func (g_free);
  m->bcc = g_ptr_array_new_with_free_func (g_free);
  m->rcpts = g_ptr_array_new_with_free_func (g_free);

  if (!aios_email_address_is_valid (from))
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED,
                   _("Email is not configured: set smtp.from to the sender address"));
      return NULL;
    }
  m->from = g_strdup (from);
  if (from_name != NULL && *from_name != '\0')
    {
      if (strpbrk (from_name, "\r\n") != NULL || !g_utf8_validate (from_name, -1, NULL) ||
          strlen (from_name) > 200)
        {
          g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED,
                       _("smtp.from_name must be one line of at most 200 bytes"));
          return NULL;
        }
      m->from_name = g_strdup (from_name);
    }

  if (!read_addresses (request, "to", TRUE, m->to, m->rcpts, error) ||
      !read_addresses (request, "cc", FALSE, m->cc, m->rcpts, error) ||
      !read_addresses (request, "bcc", FALSE, NULL, m->rcpts, error))
    return NULL;

  if (reply_to != NULL)
    {
      if (!aios_email_address_is_valid (reply_to))
        {
          g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                       _("“%s” in reply_to is not an email address"), reply_to);
          return NULL;
        }
      m->reply_to = g_strdup (reply_to);
    }

  if (subject == NULL || *subject == '\0' || strpbrk (subject, "\r\n") != NULL ||
      !g_utf8_validate (subject, -1, NULL) || strlen (subject) > 998)
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                   _("An email needs a “subject” of one line"));
      return NULL;
    }
  m->subject = g_strdup (subject);

  /* A reply: In-Reply-To one msg-id, References the thread (RFC 5322 3.6.4). */
  {
    const char *in_reply_to = json_object_get_string_member_with_default (request, "in_reply_to", NULL);
    const char *references = json_object_get_string_member_with_default (request, "references", NULL);

    if (in_reply_to != NULL && *in_reply_to != '\0')
      {
        if (!aios_email_message_id_is_valid (in_reply_to))
          {
            g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                         _("“in_reply_to” must be one Message-ID such as <id@example.com>"));
            return NULL;
          }
        m->in_reply_to = g_strdup (in_reply_to);
      }
    if (references != NULL && *references != '\0')
      {
        g_auto(GStrv) ids = g_strsplit_set (references, " \t", -1);
        g_autoptr(GPtrArray) kept = g_ptr_array_new ();

        for (guint i = 0; ids[i] != NULL; i++)
          {
            if (*ids[i] == '\0')
              continue;
            if (!aios_email_message_id_is_valid (ids[i]) || kept->len >= 50)
              {
                g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                             _("“references” must be up to 50 Message-IDs separated by spaces"));
                return NULL;
              }
            g_ptr_array_add (kept, ids[i]);
          }
        g_ptr_array_add (kept, NULL);
        m->references = g_strjoinv (" ", (char **) kept->pdata);
      }
  }

  if (body == NULL || !g_utf8_validate (body, -1, NULL) || strlen (body) > MAX_BODY)
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                   _("An email needs a text “body” (at most %d MB)"), MAX_BODY / (1024 * 1024));
      return NULL;
    }
  m->body = normalise_newlines (body);
  return g_steal_pointer (&m);
}

/**
 * aios_email_message_id_for_key:
 * @key: the idempotency key
 * @from: (nullable): the sender address; its domain ends the id
 *
 * Returns: "<key@sender's domain>" (aios.local when there is no valid
 *   sender), the key kept when it is a dot-atom of safe characters, else
 *   its SHA-256 — the same key always gives the same id
 */
char *
aios_email_message_id_for_key (const char *key,
                               const char *from)
{
  const char *at = from != NULL && aios_email_address_is_valid (from) ? strrchr (from, '@') : NULL;
  g_autofree char *domain = g_ascii_strdown (at != NULL ? at + 1 : "aios.local", -1);
  gboolean safe = *key != '\0' && strlen (key) <= 128 && key[0] != '.';

  for (const char *p = key; safe && *p; p++)
    safe = g_ascii_isalnum (*p) || strchr ("-_.+=", *p) != NULL;
  if (safe && (strstr (key, "..") != NULL || g_str_has_suffix (key, ".")))
    safe = FALSE;
  if (safe)
    return g_strdup_printf ("<%s@%s>", key, domain);
  else
    {
      g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, key, -1);
      return g_strdup_printf ("<%s@%s>", hash, domain);
    }
}

char *
aios_email_format_date (GDateTime *when)
{
  static const char *days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
  static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  gint64 offset = g_date_time_get_utc_offset (when) / G_TIME_SPAN_MINUTE;

  return g_strdup_printf ("%s, %02d %s %04d %02d:%02d:%02d %c%02d%02d",
                          days[g_date_time_get_day_of_week (when) - 1],
                          g_date_time_get_day_of_month (when),
                          months[g_date_time_get_month (when) - 1],
                          g_date_time_get_year (when),
                          g_date_time_get_hour (when),
                          g_date_time_get_minute (when),
                          g_date_time_get_second (when),
                          offset < 0 ? '-' : '+',
                          (int) (ABS (offset) / 60), (int) (ABS (offset) % 60));
}

static gboolean
needs_qp (const char *body)
{
  gsize line = 0;

  for (const char *p = body; *p; p++)
    {
      if ((guchar) *p >= 128 || ((guchar) *p < 32 && *p != '\n' && *p != '\t'))
        return TRUE;
      line = *p == '\n' ? 0 : line + 1;
      if (line > 900)
        return TRUE;
    }
  return FALSE;
}

static void
append_qp (GString    *out,
           const char *body)
{
  gsize col = 0;

  for (const char *p = body; *p; p++)
    {
      guchar c = *p;
      char enc[4];
      gsize n;

      if (c == '\n')
        {
          g_string_append (out, "\r\n");
          col = 0;
          continue;
        }
      /* Literal: printable ASCII except '=', and space/tab unless at the end of a line. */
      if ((c >= 33 && c <= 126 && c != '=') ||
          ((c == ' ' || c == '\t') && p[1] != '\n' && p[1] != '\0'))
        {
          enc[0] = c;
          n = 1;
        }
      else
        {
          g_snprintf (enc, sizeof enc, "=%02X", c);
          n = 3;
        }
      if (col + n > 75)
        {
          g_string_append (out, "=\r\n");
          col = 0;
        }
      g_string_append_len (out, enc, n);
      col += n;
    }
}

/**
 * aios_email_message_dup_from:
 *
 * Returns: the From header's value: "Name <address>" (the name quoted or
 *   RFC 2047 encoded as needed) or the bare address without a name
 */
char *
aios_email_message_dup_from (AiosEmailMessage *m)
{
  return format_mailbox (m->from_name, m->from);
}

char *
aios_email_message_render (AiosEmailMessage *m,
                           const char       *message_id,
                           const char       *date)
{
  GString *out = g_string_new (NULL);
  g_autofree char *subject = aios_email_encode_header_text (m->subject);
  gboolean qp = needs_qp (m->body);
  g_autofree char *from = aios_email_message_dup_from (m);

  g_string_append_printf (out, "Date: %s\r\n", date);
  g_string_append_printf (out, "From: %s\r\n", from);
  for (guint pass = 0; pass < 2; pass++)
    {
      GPtrArray *list = pass == 0 ? m->to : m->cc;
      if (list->len == 0)
        continue;
      g_string_append (out, pass == 0 ? "To: " : "Cc: ");
      for (guint i = 0; i < list->len; i++)
        g_string_append_printf (out, "%s%s", i ? ",\r\n " : "", (char *) list->pdata[i]);
      g_string_append (out, "\r\n");
    }
  if (m->reply_to != NULL)
    g_string_append_printf (out, "Reply-To: %s\r\n", m->reply_to);
  g_string_append_printf (out, "Subject: %s\r\n", subject);
  g_string_append_printf (out, "Message-ID: %s\r\n", message_id);
  if (m->in_reply_to != NULL)
    g_string_append_printf (out, "In-Reply-To: %s\r\n", m->in_reply_to);
  if (m->references != NULL)
    {
      /* Folded between ids so no line passes 998 bytes. */
      g_auto(GStrv) ids = g_strsplit (m->references, " ", -1);
      g_string_append (out, "References:");
      for (guint i = 0; ids[i] != NULL; i++)
        g_string_append_printf (out, "%s%s", i ? "\r\n " : " ", ids[i]);
      g_string_append (out, "\r\n");
    }
  g_string_append (out, "MIME-Version: 1.0\r\n");
  g_string_append (out, "Content-Type: text/plain; charset=UTF-8\r\n");
  g_string_append_printf (out, "Content-Transfer-Encoding: %s\r\n", qp ? "quoted-printable" : "7bit");
  g_string_append (out, "\r\n");
  if (qp)
    append_qp (out, m->body);
  else
    for (const char *p = m->body; *p; p++)
      {
        if (*p == '\n')
          g_string_append (out, "\r\n");
        else
          g_string_append_c (out, *p);
      }
  if (out->len < 2 || out->str[out->len - 1] != '\n')
    g_string_append (out, "\r\n");
  return g_string_free (out, FALSE);
}

/**
 * aios_email_dot_stuff:
 * @rendered: a message with CRLF line ends, ending in CRLF
 *
 * Returns: the DATA payload: every line starting with "." gets another
 *   one (RFC 5321 4.5.2), then the terminating "." line
 */
GBytes *
aios_email_dot_stuff (const char *rendered)
{
  GString *out = g_string_sized_new (strlen (rendered) + 16);
  gboolean line_start = TRUE;

  for (const char *p = rendered; *p; p++)
    {
      if (line_start && *p == '.')
        g_string_append_c (out, '.');
      g_string_append_c (out, *p);
      line_start = *p == '\n';
    }
  g_string_append (out, ".\r\n");
  return g_string_free_to_bytes (out);
}
