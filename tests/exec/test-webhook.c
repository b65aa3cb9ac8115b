/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The webhook connector against a real HTTP peer (tests/peers/exec-api-peer.py):
 * exact bytes on the wire, and each fault classified right.
 * No keyring here (DBUS_SESSION_BUS_ADDRESS=disabled:): the webhook goes out
 * unsigned, as documented; signing is tested in test-credentials.
 */
#include "config.h"

#include "exec-test-util.h"
#include "exec/aios-webhook-connector.h"
#include "cli/aios-cli.h"

typedef struct
{
  ExecPeer      *peer;
  AiosWorkspace *ws;
  char          *path;
  AiosConnector *webhook;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->peer = exec_peer_start ("exec-api-peer.py");
  f->ws = exec_workspace_new (&f->path);
  f->webhook = aios_workspace_get_connector (f->ws, "webhook");
  g_assert_nonnull (f->webhook);
  aios_connector_set_timeout_ms (f->webhook, 1500);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  exec_workspace_free (f->ws, f->path);
  exec_peer_stop (f->peer);
}

static void
use_mode (Fixture    *f,
          const char *mode)
{
  g_autofree char *url = exec_peer_url (f->peer, mode, "/hook");
  exec_set (f->ws, "webhook.url", url);
}

static const char *REQUEST = "{\"event\":\"lead.created\",\"body\":{\"name\":\"Ada\",\"note\":\"été\"}}";

static void
test_not_configured (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(JsonObject) request = exec_json_object (REQUEST);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) preview = aios_connector_prepare (f->webhook, request, &error);
  g_autoptr(JsonNode) result = NULL;

  g_assert_null (preview);
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED);
  g_clear_error (&error);
  result = exec_execute (f->webhook, REQUEST, "k-1", &error);
  g_assert_null (result);
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED);
  g_assert_cmpuint (json_array_get_length (exec_peer_log (f->peer)), ==, 0);
}

static void
test_prepare (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(JsonObject) request = exec_json_object (REQUEST);
  g_autoptr(JsonObject) bad = exec_json_object ("{\"body\": 12}");
  g_autoptr(JsonObject) bad_event = exec_json_object ("{\"event\":\"a\\r\\nX-Evil: 1\",\"body\":{}}");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) preview = NULL;
  g_autoptr(JsonNode) none = NULL;
  JsonObject *p, *headers;
  g_autofree char *url = NULL;

  use_mode (f, "ok");
  preview = aios_connector_prepare (f->webhook, request, &error);
  g_assert_no_error (error);
  p = json_node_get_object (preview);
  url = exec_peer_url (f->peer, "ok", "/hook");
  g_assert_cmpstr (json_object_get_string_member (p, "method"), ==, "POST");
  g_assert_cmpstr (json_object_get_string_member (p, "url"), ==, url);
  g_assert_cmpstr (json_object_get_string_member (p, "body"), ==, "{\"name\":\"Ada\",\"note\":\"été\"}");
  g_assert_false (json_object_get_boolean_member (p, "signed"));
  headers = json_object_get_object_member (p, "headers");
  g_assert_cmpstr (json_object_get_string_member (headers, "X-Aios-Event"), ==, "lead.created");
  g_assert_false (json_object_has_member (headers, AIOS_WEBHOOK_SIGNATURE_HEADER));

  none = aios_connector_prepare (f->webhook, bad, &error);
  g_assert_null (none);
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT);
  g_clear_error (&error);
  g_assert_null (aios_connector_prepare (f->webhook, bad_event, &error));
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT);

  /* prepare has no side effect */
  g_assert_cmpuint (json_array_get_length (exec_peer_log (f->peer)), ==, 0);
}

static void
test_deliver (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonArray) log = NULL;
  JsonObject *req, *headers, *answer;
  g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256,
                                                       "{\"name\":\"Ada\",\"note\":\"été\"}", -1);

  use_mode (f, "ok");
  result = exec_execute (f->webhook, REQUEST, "run-7-step-3", &error);
  g_assert_no_error (error);
  answer = json_node_get_object (result);
  g_assert_cmpint (json_object_get_int_member (answer, "status"), ==, 200);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (answer, "body"), "sha256"),
                   ==, sha);

  log = exec_peer_log (f->peer);
  g_assert_cmpuint (json_array_get_length (log), ==, 1);
  req = json_array_get_object_element (log, 0);
  g_assert_cmpstr (json_object_get_string_member (req, "method"), ==, "POST");
  g_assert_cmpstr (json_object_get_string_member (req, "path"), ==, "/ok/hook");
  g_assert_cmpstr (json_object_get_string_member (req, "body"), ==, "{\"name\":\"Ada\",\"note\":\"été\"}");
  headers = json_object_get_object_member (req, "headers");
  g_assert_cmpstr (json_object_get_string_member (headers, "Idempotency-Key"), ==, "run-7-step-3");
  g_assert_cmpstr (json_object_get_string_member (headers, "Content-Type"), ==, "application/json");
  g_assert_cmpstr (json_object_get_string_member (headers, "X-Aios-Event"), ==, "lead.created");
  g_assert_false (json_object_has_member (headers, AIOS_WEBHOOK_SIGNATURE_HEADER));
}

typedef struct
{
  const char *mode;
  int         code;
  gint64      retry_after_ms;
  const char *words;
} Fault;

static const Fault faults[] = {
  { "e500",      AIOS_CONNECTOR_ERROR_RETRYABLE,       -1,   "500" },
  { "e429",      AIOS_CONNECTOR_ERROR_RETRYABLE,       7000, "429" },
  { "e400",      AIOS_CONNECTOR_ERROR_PERMANENT,       -1,   "400" },
  { "e401",      AIOS_CONNECTOR_ERROR_PERMANENT,       -1,   "credentials" },
  { "redirect",  AIOS_CONNECTOR_ERROR_PERMANENT,       -1,   "302" },
  { "slow",      AIOS_CONNECTOR_ERROR_UNKNOWN_OUTCOME, -1,   "may or may not" },
  { "truncated", AIOS_CONNECTOR_ERROR_UNKNOWN_OUTCOME, -1,   "cut off" },
  { "reset",     AIOS_CONNECTOR_ERROR_UNKNOWN_OUTCOME, -1,   "may or may not" },
};

static void
test_faults (Fixture       *f,
             gconstpointer  data)
{
  for (gsize i = 0; i < G_N_ELEMENTS (faults); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) result = NULL;
      g_autoptr(JsonArray) log = NULL;

      g_test_message ("fault mode %s", faults[i].mode);
      exec_peer_reset (f->peer);
      use_mode (f, faults[i].mode);
      result = exec_execute (f->webhook, REQUEST, "k-fault", &error);
      g_assert_null (result);
      g_assert_error (error, AIOS_CONNECTOR_ERROR, faults[i].code);
      g_assert_cmpint (aios_connector_error_get_retry_after_ms (error), ==, faults[i].retry_after_ms);
      g_assert_nonnull (strstr (error->message, faults[i].words));
      /* Sent exactly once: never retried or redirected behind the coordinator's back. */
      log = exec_peer_log (f->peer);
      g_assert_cmpuint (json_array_get_length (log), ==, 1);
    }
}

static void
test_refused (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autofree char *url = NULL;

  /* A port that is bound but not listening refuses connections. */
  g_socket_bind (sock, addr, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (sock, &error);
  url = g_strdup_printf ("http://127.0.0.1:%u/hook",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  exec_set (f->ws, "webhook.url", url);
  result = exec_execute (f->webhook, REQUEST, "k-refused", &error);
  g_assert_null (result);
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_RETRYABLE);
}

static void
cancelled_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GError **error = user_data;
  JsonNode *node = aios_connector_execute_finish (AIOS_CONNECTOR (source), result, error);

  g_assert_null (node);
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(JsonObject) request = exec_json_object (REQUEST);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GError *error = NULL;

  use_mode (f, "ok");
  g_cancellable_cancel (cancellable);
  aios_connector_execute_async (f->webhook, request, "k-c", cancellable, cancelled_cb, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpuint (json_array_get_length (exec_peer_log (f->peer)), ==, 0);
}

static void
test_keyring_unavailable (Fixture       *f,
                          gconstpointer  data)
{
  AiosStore *store = aios_workspace_get_store (f->ws);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;

  /* A secret was stored once, but the keyring cannot be reached now (this
   * test has no session bus): fail closed rather than send unsigned. */
  g_assert_true (aios_store_exec (store, "INSERT INTO credential_refs VALUES ('webhook','default',1)", &error));
  use_mode (f, "ok");
  result = exec_execute (f->webhook, REQUEST, "k-locked", &error);
  g_assert_null (result);
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED);
  g_assert_nonnull (strstr (error->message, "keyring"));
  g_assert_cmpuint (json_array_get_length (exec_peer_log (f->peer)), ==, 0);

  /* The command line says so in one line, and stores nothing. */
  {
    const char *argv[] = { "credentials", "set", "invoice", NULL };
    g_autoptr(AiosCliCall) call = aios_cli_call_new (f->ws, NULL, argv);
    g_autoptr(GBytes) secret = g_bytes_new_static ("sk_never_stored", 15);

    aios_cli_call_set_stdin (call, secret);
    g_assert_cmpint (aios_cli_run (call), ==, 1);
    g_assert_nonnull (strstr (aios_cli_call_get_errors (call), "keyring is not available, so the invoice credential cannot be stored"));
    g_assert_false (aios_credentials_has_reference (aios_workspace_get_credentials (f->ws), "invoice"));
  }
}

static void
test_error_domain (void)
{
  g_autoptr(GError) error = g_error_new (AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_RETRYABLE, "x");
  g_autoptr(GError) copy = NULL;

  g_assert_cmpint (aios_connector_error_get_retry_after_ms (error), ==, -1);
  aios_connector_error_set_retry_after_ms (error, 1234);
  copy = g_error_copy (error);
  g_assert_cmpint (aios_connector_error_get_retry_after_ms (copy), ==, 1234);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/exec/error/retry-after", test_error_domain);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/exec/webhook/not-configured", test_not_configured);
  ADD ("/exec/webhook/prepare", test_prepare);
  ADD ("/exec/webhook/deliver", test_deliver);
  ADD ("/exec/webhook/faults", test_faults);
  ADD ("/exec/webhook/refused", test_refused);
  ADD ("/exec/webhook/cancel", test_cancel);
  ADD ("/exec/webhook/keyring-unavailable", test_keyring_unavailable);
#undef ADD
  return g_test_run ();
}
