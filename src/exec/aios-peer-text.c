/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Peer text made safe to keep. A server's words may carry what the
 * connector sent it (an SMTP server that echoes the AUTH line in its 535
 * reply hands back the password in base64), arbitrary bytes (not UTF-8,
 * which would make the journal's JSON and the exports invalid) and terminal
 * control sequences (which would reach `aios runs` output). In this order:
 *
 *  1. every occurrence of a secret's bytes becomes [redacted];
 *  2. every run of base64 characters that looks like an AUTH payload
 *     becomes [redacted]: what follows "AUTH <mechanism>" (unless it is a
 *     short lower-case word), a run of eight or more that
 *     decodes (at any of the four alignments) to bytes holding a NUL (the
 *     shape of SASL PLAIN) or holding a secret (AUTH PLAIN and AUTH LOGIN
 *     encodings of the password, whatever the authorization identity);
 *  3. ASCII control characters (NUL, ESC, DEL ...) become \xNN (\n, \r, \t
 *     as such), bytes that are not UTF-8 become U+FFFD, and C1 controls and
 *     bidirectional overrides become \uNNNN.
 *
 * The result is valid UTF-8 without control characters.
 */
#include "config.h"

#include <string.h>

#include "aios-peer-text.h"

#define MIN_B64_RUN 4
#define MIN_NUL_RUN 8

static const char *
find_bytes (const char *hay,
            gsize       hlen,
            const char *needle,
            gsize       nlen)
{
  if (nlen == 0 || nlen > hlen)
    return NULL;
  for (gsize i = 0; i + nlen <= hlen; i++)
    if (hay[i] == needle[0] && memcmp (hay + i, needle, nlen) == 0)
      return hay + i;
  return NULL;
}

static gboolean
is_b64_char (guchar c)
{
  return g_ascii_isalnum (c) || c == '+' || c == '/' || c == '=' || c == '-' || c == '_';
}

static void
replace_all (GString    *s,
             const char *needle,
             gsize       nlen)
{
  gsize pos = 0;

  if (nlen == 0)
    return;
  while (pos + nlen <= s->len)
    {
      const char *hit = find_bytes (s->str + pos, s->len - pos, needle, nlen);
      gsize at;

      if (hit == NULL)
        break;
      at = hit - s->str;
      g_string_erase (s, at, nlen);
      g_string_insert (s, at, AIOS_PEER_TEXT_REDACTED);
      pos = at + strlen (AIOS_PEER_TEXT_REDACTED);
    }
}

/* Decodes run[offset..] as base64 (the standard and the URL alphabet),
 * padding and all: an echo with its "=" cut off still decodes whole. */
static guchar *
decode_at (const char *run,
           gsize       len,
           gsize       offset,
           gsize      *out_len)
{
  g_autoptr(GString) copy = g_string_sized_new (len + 4);
  gint state = 0;
  guint save = 0;
  guchar *out = g_malloc (len + 4);

  for (gsize i = offset; i < len; i++)
    if (run[i] != '=')
      g_string_append_c (copy, run[i] == '-' ? '+' : run[i] == '_' ? '/' : run[i]);
  if (copy->len % 4 == 1)
    g_string_truncate (copy, copy->len - 1);
  while (copy->len % 4 != 0)
    g_string_append_c (copy, '=');
  *out_len = g_base64_decode_step (copy->str, copy->len, out, &state, &save);
  memset (copy->str, 0, copy->len);
  return out;
}

static gboolean
decodes_to_secret (const char        *run,
                   gsize              len,
                   const char *const *secrets)
{
  for (gsize offset = 0; offset < 4 && offset + MIN_B64_RUN <= len; offset++)
    {
      gsize dlen = 0;
      g_autofree guchar *decoded = decode_at (run, len, offset, &dlen);
      gboolean hit = len >= MIN_NUL_RUN && memchr (decoded, '\0', dlen) != NULL;

      for (gsize i = 0; !hit && secrets != NULL && secrets[i] != NULL; i++)
        {
          gsize slen = strlen (secrets[i]);
          hit = slen > 0 && slen <= dlen && find_bytes ((const char *) decoded, dlen, secrets[i], slen) != NULL;
        }
      memset (decoded, 0, dlen);
      if (hit)
        return TRUE;
    }
  return FALSE;
}

static gboolean
is_mechanism (const char *run,
              gsize       len)
{
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isupper (run[i]) && !g_ascii_isdigit (run[i]) && run[i] != '-' && run[i] != '_')
      return FALSE;
  return len > 0;
}

/* A lower-case word after "AUTH LOGIN" is the server's prose ("failed"). */
static gboolean
is_word (const char *run,
         gsize       len)
{
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_islower (run[i]))
      return FALSE;
  return len < 16;
}

static void
redact_auth_payloads (GString           *s,
                      const char *const *secrets)
{
  gsize pos = 0;
  /* the two runs before the current one, for "AUTH <mechanism> <payload>" */
  gboolean prev_is_auth = FALSE, prev_prev_is_auth = FALSE, prev_is_mech = FALSE;

  while (pos < s->len)
    {
      gsize start, len;
      gboolean redact, is_auth, mech;

      if (!is_b64_char (s->str[pos]))
        {
          pos++;
          continue;
        }
      start = pos;
      while (pos < s->len && is_b64_char (s->str[pos]))
        pos++;
      len = pos - start;

      is_auth = len == 4 && g_ascii_strncasecmp (s->str + start, "AUTH", 4) == 0;
      mech = is_mechanism (s->str + start, len);
      redact = (prev_prev_is_auth && prev_is_mech && !is_word (s->str + start, len)) ||
               (len >= MIN_B64_RUN && decodes_to_secret (s->str + start, len, secrets));
      prev_prev_is_auth = prev_is_auth;
      prev_is_auth = is_auth;
      prev_is_mech = mech;
      if (redact)
        {
          g_string_erase (s, start, len);
          g_string_insert (s, start, AIOS_PEER_TEXT_REDACTED);
          pos = start + strlen (AIOS_PEER_TEXT_REDACTED);
        }
    }
}

static gboolean
is_format_control (gunichar c)
{
  return (c >= 0x80 && c <= 0x9f) ||          /* C1 controls (CSI is U+009B) */
         (c >= 0x202a && c <= 0x202e) ||      /* bidirectional embeddings and overrides */
         (c >= 0x2066 && c <= 0x2069) ||      /* bidirectional isolates */
         c == 0x2028 || c == 0x2029;          /* line and paragraph separators */
}

/**
 * aios_peer_text_sanitize:
 * @bytes: (array length=len): what the peer sent, any bytes
 * @len: its length, or -1 when @bytes ends with a NUL
 * @secrets: (nullable) (array zero-terminated=1): what must not come back
 *   out (the password the connector sent), as plain text
 *
 * Returns: (transfer full): valid UTF-8 without control characters, with
 *   secrets and anything that looks like an AUTH payload replaced by
 *   [redacted]
 */
char *
aios_peer_text_sanitize (const char        *bytes,
                         gssize             len,
                         const char *const *secrets)
{
  g_autoptr(GString) raw = NULL;
  g_autoptr(GString) escaped = NULL;
  g_autofree char *valid = NULL;
  GString *out;

  if (bytes == NULL)
    return g_strdup ("");
  if (len < 0)
    len = strlen (bytes);
  raw = g_string_new_len (bytes, len);

  for (gsize i = 0; secrets != NULL && secrets[i] != NULL; i++)
    replace_all (raw, secrets[i], strlen (secrets[i]));
  redact_auth_payloads (raw, secrets);

  /* ASCII controls are single bytes, never part of a UTF-8 sequence. */
  escaped = g_string_sized_new (raw->len);
  for (gsize i = 0; i < raw->len; i++)
    {
      guchar c = raw->str[i];

      if (c == '\n')
        g_string_append (escaped, "\\n");
      else if (c == '\r')
        g_string_append (escaped, "\\r");
      else if (c == '\t')
        g_string_append (escaped, "\\t");
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (escaped, "\\x%02x", c);
      else
        g_string_append_c (escaped, c);
    }
  memset (raw->str, 0, raw->len);
  valid = g_utf8_make_valid (escaped->str, escaped->len);
  memset (escaped->str, 0, escaped->len);

  out = g_string_sized_new (strlen (valid));
  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (is_format_control (c))
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
    }
  return g_string_free (out, FALSE);
}
