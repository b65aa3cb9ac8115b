/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * aios_peer_text_sanitize (src/exec/aios-peer-text.c), the gate every
 * peer's words pass before an error, the journal or an export. Input: one
 * byte N, N bytes of a secret, then the peer's text. The result must be
 * valid UTF-8 without control characters and, for a secret of eight or
 * more letters and digits, without the secret.
 */
#include "config.h"

#include <string.h>

#include "fuzz-util.h"
#include "exec/aios-peer-text.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  return 0;
}

/* A secret the escaping itself cannot spell (\xNN, \uNNNN, [redacted]). */
static gboolean
checkable (const char *secret)
{
  gsize len = strlen (secret);

  if (len < 8 || strstr ("[" AIOS_PEER_TEXT_REDACTED "]", secret) != NULL)
    return FALSE;
  for (const char *p = secret; *p; p++)
    if (!g_ascii_isalnum (*p) || *p == 'x' || *p == 'u')
      return FALSE;
  return TRUE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  gsize n = size > 0 ? MIN (data[0], size - 1) : 0;
  g_autofree char *secret = size > 0 ? fuzz_strndup (data + 1, n) : NULL;
  const char *text = size > 0 ? (const char *) data + 1 + n : "";
  gsize len = size > 0 ? size - 1 - n : 0;
  const char *secrets[] = { secret, NULL };
  g_autofree char *out = aios_peer_text_sanitize (text, len, secret != NULL && *secret ? secrets : NULL);
  g_autofree char *text_c = g_strndup (text, len);
  g_autofree char *out_c = aios_peer_text_sanitize (text_c, -1, NULL);

  g_assert_nonnull (out);
  g_assert_true (g_utf8_validate (out, -1, NULL));
  for (const char *p = out; *p; p = g_utf8_next_char (p))
    g_assert_false (g_unichar_iscntrl (g_utf8_get_char (p)));
  if (secret != NULL && strlen (secret) == n && checkable (secret))
    g_assert_null (strstr (out, secret));
  g_assert_true (g_utf8_validate (out_c, -1, NULL));
  return 0;
}
