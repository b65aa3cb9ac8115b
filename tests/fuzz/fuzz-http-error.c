/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * HTTP answers as src/exec/aios-http.c reads them: an error body made into
 * an excerpt (aios_http_body_excerpt), and a 2xx body that must be JSON
 * (aios_http_parse_json), both from the same bytes.
 */
#include "config.h"

#include <libsoup/soup.h>

#include "fuzz-util.h"
#include "exec/aios-connector.h"
#include "exec/aios-http.h"

static SoupMessage *msg;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  msg = soup_message_new ("POST", "http://127.0.0.1:9/hook");
  soup_message_headers_replace (soup_message_get_response_headers (msg), "Content-Type", "application/json");
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GBytes) body = g_bytes_new (data, size);
  g_autofree char *excerpt = aios_http_body_excerpt (body);
  g_autoptr(JsonNode) json = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_utf8_validate (excerpt, -1, NULL));
  for (const char *p = excerpt; *p; p = g_utf8_next_char (p))
    g_assert_false (g_unichar_iscntrl (g_utf8_get_char (p)));
  json = aios_http_parse_json (msg, body, "fuzz", 0, &error);
  g_assert_true ((json == NULL) == (error != NULL));
  if (error != NULL)
    g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_UNKNOWN_OUTCOME);
  return 0;
}
