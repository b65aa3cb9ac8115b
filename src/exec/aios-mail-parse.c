/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A message read from the mailbox, parsed with GMime 3 (the MIME library of
 * GNOME's mail client Geary): the headers a reply is matched by (From,
 * Subject, Message-ID, In-Reply-To, References, Date) and its text part,
 * whatever the multipart structure, transfer encoding and charset. GMime
 * decodes; this file only chooses the part and makes the text safe to keep.
 */
#define G_LOG_DOMAIN "aios-exec"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <gmime/gmime.h>

#include "aios-mail-parse.h"
#include "aios-peer-text.h"

void
aios_incoming_mail_free (AiosIncomingMail *mail)
{
  g_free (mail->from_name);
  g_free (mail->from_address);
  g_free (mail->subject);
  g_free (mail->message_id);
  g_free (mail->in_reply_to);
  g_clear_pointer (&mail->references, g_ptr_array_unref);
  g_free (mail->text);
  g_free (mail);
}

static void
ensure_gmime (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      g_mime_init ();
      g_once_init_leave (&once, 1);
    }
}

/* One line of peer text, or NULL. */
static char *
clean_line (const char *text)
{
  if (text == NULL || *text == '\0')
    return NULL;
  return aios_peer_text_sanitize (text, MIN (strlen (text), 998), NULL);
}

/* Multi-line peer text: each line sanitized, LF kept, at most @max bytes. */
static char *
clean_text (const char *text,
            gsize       max)
{
  g_auto(GStrv) lines = NULL;
  GString *out = g_string_new (NULL);
  g_autofree char *copy = g_strndup (text, MIN (strlen (text), max));

  lines = g_strsplit (copy, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      gsize len = strlen (lines[i]);
      g_autofree char *line = NULL;
      if (len > 0 && lines[i][len - 1] == '\r')
        lines[i][--len] = '\0';
      line = aios_peer_text_sanitize (lines[i], len, NULL);
      if (i > 0)
        g_string_append_c (out, '\n');
      g_string_append (out, line);
    }
  return g_string_free (out, FALSE);
}

static char *
bracket (const char *id)
{
  g_autofree char *line = clean_line (id);

  if (line == NULL || strpbrk (line, "<> \\") != NULL)
    return NULL;
  return g_strdup_printf ("<%s>", line);
}

typedef struct {
  GMimeTextPart *plain;
  GMimeTextPart *html;
} Parts;

static void
find_text (GMimeObject *parent,
           GMimeObject *part,
           gpointer     user_data)
{
  Parts *parts = user_data;
  GMimeContentDisposition *disposition = g_mime_object_get_content_disposition (part);

  if (!GMIME_IS_TEXT_PART (part))
    return;
  if (disposition != NULL && g_mime_content_disposition_is_attachment (disposition))
    return;
  if (parts->plain == NULL && g_mime_content_type_is_type (g_mime_object_get_content_type (part), "text", "plain"))
    parts->plain = GMIME_TEXT_PART (part);
  else if (parts->html == NULL && g_mime_content_type_is_type (g_mime_object_get_content_type (part), "text", "html"))
    parts->html = GMIME_TEXT_PART (part);
}

/* An HTML-only message's words, without its tags. */
static char *
strip_tags (const char *html)
{
  GString *out = g_string_new (NULL);
  gboolean in_tag = FALSE;

  for (const char *p = html; *p; p++)
    {
      if (*p == '<')
        {
          in_tag = TRUE;
          if (g_ascii_strncasecmp (p, "<br", 3) == 0 || g_ascii_strncasecmp (p, "<p", 2) == 0 ||
              g_ascii_strncasecmp (p, "</p", 3) == 0 || g_ascii_strncasecmp (p, "<div", 4) == 0)
            g_string_append_c (out, '\n');
        }
      else if (*p == '>')
        in_tag = FALSE;
      else if (!in_tag)
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

/**
 * aios_incoming_mail_parse:
 * @raw: an RFC 5322 message
 *
 * Returns: (transfer full) (nullable): the message, or %NULL when it is
 *   not a message at all
 */
AiosIncomingMail *
aios_incoming_mail_parse (GBytes  *raw,
                          GError **error)
{
  GMimeStream *stream = NULL;
  GMimeParser *parser = NULL;
  GMimeMessage *message = NULL;
  g_autoptr(AiosIncomingMail) mail = g_new0 (AiosIncomingMail, 1);
  InternetAddressList *from;
  const char *header;
  GDateTime *date;
  Parts parts = { NULL, NULL };
  g_autofree char *text = NULL;
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (raw, &size);

  ensure_gmime ();
  stream = g_mime_stream_mem_new_with_buffer ((const char *) data, size);
  parser = g_mime_parser_new_with_stream (stream);
  message = g_mime_parser_construct_message (parser, NULL);
  g_object_unref (parser);
  g_object_unref (stream);
  if (message == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The message could not be parsed as RFC 5322 mail"));
      return NULL;
    }

  mail->references = g_ptr_array_new_with_free_func (g_free);
  from = g_mime_message_get_from (message);
  if (from != NULL && internet_address_list_length (from) > 0)
    {
      InternetAddress *address = internet_address_list_get_address (from, 0);
      mail->from_name = clean_line (internet_address_get_name (address));
      if (INTERNET_ADDRESS_IS_MAILBOX (address))
        {
          g_autofree char *addr = clean_line (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address)));
          mail->from_address = addr != NULL ? g_ascii_strdown (addr, -1) : NULL;
        }
    }
  mail->subject = clean_line (g_mime_message_get_subject (message));
  if (mail->subject == NULL)
    mail->subject = g_strdup ("");
  mail->message_id = bracket (g_mime_message_get_message_id (message));

  header = g_mime_object_get_header (GMIME_OBJECT (message), "In-Reply-To");
  if (header != NULL)
    {
      g_autofree char *id = g_mime_utils_decode_message_id (header);
      mail->in_reply_to = bracket (id);
    }
  header = g_mime_object_get_header (GMIME_OBJECT (message), "References");
  if (header != NULL)
    {
      GMimeReferences *refs = g_mime_references_parse (NULL, header);
      for (int i = 0; refs != NULL && i < g_mime_references_length (refs) && i < 100; i++)
        {
          char *id = bracket (g_mime_references_get_message_id (refs, i));
          if (id != NULL)
            g_ptr_array_add (mail->references, id);
        }
      if (refs != NULL)
        g_mime_references_free (refs);
    }
  date = g_mime_message_get_date (message);
  if (date != NULL)
    mail->date = g_date_time_to_unix (date) * 1000;

  g_mime_message_foreach (message, find_text, &parts);
  if (parts.plain == NULL && parts.html == NULL && GMIME_IS_TEXT_PART (g_mime_message_get_mime_part (message)))
    parts.plain = GMIME_TEXT_PART (g_mime_message_get_mime_part (message));
  if (parts.plain != NULL)
    text = g_mime_text_part_get_text (parts.plain);
  else if (parts.html != NULL)
    {
      g_autofree char *html = g_mime_text_part_get_text (parts.html);
      text = html != NULL ? strip_tags (html) : NULL;
    }
  mail->text = clean_text (text != NULL ? text : "", AIOS_MAIL_MAX_TEXT);
  g_object_unref (message);
  return g_steal_pointer (&mail);
}
