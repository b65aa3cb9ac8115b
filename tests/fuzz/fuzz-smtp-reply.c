/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * SMTP replies as src/exec/aios-smtp-session.c reads them: lines split at
 * '\n' (a '\r' before it dropped), each classified by
 * aios_smtp_reply_line_parse, the reply so far made into error text by
 * aios_smtp_reply_text with a password that must never show.
 */
#include "config.h"

#include <string.h>

#include "fuzz-util.h"
#include "exec/aios-smtp-session.h"

#define PASSWORD "s3cret-Pa55"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  return 0;
}

static void
check_text (GString *reply)
{
  g_autofree char *text = aios_smtp_reply_text (reply->str, reply->len, PASSWORD);

  g_assert_true (g_utf8_validate (text, -1, NULL));
  g_assert_null (strstr (text, PASSWORD));
  for (const char *p = text; *p; p++)
    g_assert_true ((guchar) *p >= 0x20 && *p != 0x7f);
  /* about MAX_ERROR_TEXT (1024) bytes and the ellipsis */
  g_assert_cmpuint (strlen (text), <=, 1024 + 3);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GString) reply = g_string_new (NULL);
  const char *p = (const char *) data;
  const char *end = p + size;

  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      gsize len = (nl != NULL ? nl : end) - p;
      AiosSmtpLine kind;
      int code = -1;

      if (len > 0 && p[len - 1] == '\r')
        len--;
      if (reply->len > 0)
        g_string_append_c (reply, '\n');
      g_string_append_len (reply, p, len);
      kind = aios_smtp_reply_line_parse (p, len, &code);
      if (kind != AIOS_SMTP_LINE_MALFORMED)
        g_assert_true (code >= 0 && code <= 999);
      if (kind != AIOS_SMTP_LINE_MORE)
        {
          check_text (reply);
          g_string_truncate (reply, 0);
        }
      p = nl != NULL ? nl + 1 : end;
    }
  if (reply->len > 0)
    check_text (reply);
  return 0;
}
