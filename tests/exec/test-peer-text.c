/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Peer text at the HTTP connectors' boundary: an error body with terminal
 * escape sequences and bytes that are not UTF-8 (tests/peers/exec-api-peer.py,
 * mode e400binary) reaches the error as valid UTF-8 with the controls written
 * out, through the webhook connector.
 */
#include "config.h"

#include "exec-test-util.h"

static void
test_http_error_body (void)
{
  ExecPeer *peer = exec_peer_start ("exec-api-peer.py");
  char *path = NULL;   /* exec_workspace_free () frees it */
  AiosWorkspace *ws = exec_workspace_new (&path);
  AiosConnector *webhook = aios_workspace_get_connector (ws, "webhook");
  g_autofree char *url = exec_peer_url (peer, "e400binary", "/hook");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;

  aios_connector_set_timeout_ms (webhook, 1500);
  exec_set (ws, "webhook.url", url);
  result = exec_execute (webhook, "{\"event\":\"lead.created\",\"body\":{\"a\":1}}", "k-binary", &error);
  g_assert_null (result);
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT);
  g_test_message ("error: %s", error->message);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_assert_null (strchr (error->message, '\033'));
  g_assert_null (strchr (error->message, '\a'));
  g_assert_nonnull (strstr (error->message, "bad \\x1b[2J\\x1b]0;owned\\x07 request \xef\xbf\xbd\xef\xbf\xbd end"));
  exec_workspace_free (ws, path);
  exec_peer_stop (peer);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/exec/peer-text/http-error-body", test_http_error_body);
  return g_test_run ();
}
