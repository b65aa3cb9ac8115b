/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Credentials against a real gnome-keyring-daemon on a private session bus
 * (run through tests/exec/with-keyring.sh): store, use (a signed webhook),
 * replace, remove, through the API, the in-process command and the real
 * binary; and the secret's bytes never appear in the database file, its WAL,
 * or the journal.
 */
#include "config.h"

#include <libsecret/secret.h>

#include "cli/aios-cli.h"
#include "store/aios-journal.h"
#include "exec-test-util.h"
#include "exec/aios-webhook-connector.h"

#define SECRET_A "whsec-A-7f3e9c1d0b5a"
#define SECRET_B "whsec-B-0a1b2c3d4e5f"
#define SMTP_SECRET "mailer@example.com:pa55-Wörd-9x"

static void
done_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static char *
lookup (AiosCredentials  *credentials,
        const char       *name,
        GError          **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  char *secret;
  char *copy;

  aios_credentials_lookup_async (credentials, name, NULL, done_cb, &result);
  secret = aios_credentials_lookup_finish (credentials, wait_result (&result), error);
  copy = g_strdup (secret);
  if (secret != NULL)
    secret_password_free (secret);
  return copy;
}

static void
store (AiosCredentials *credentials,
       const char      *name,
       const char      *secret)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  aios_credentials_store_async (credentials, name, secret, NULL, done_cb, &result);
  g_assert_true (aios_credentials_store_finish (credentials, wait_result (&result), &error));
  g_assert_no_error (error);
}

static void
clear (AiosCredentials *credentials,
       const char      *name)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  aios_credentials_clear_async (credentials, name, NULL, done_cb, &result);
  g_assert_true (aios_credentials_clear_finish (credentials, wait_result (&result), &error));
  g_assert_no_error (error);
}

static const char *
signature_of_last (ExecPeer *peer)
{
  g_autoptr(JsonArray) log = exec_peer_log (peer);
  JsonObject *req = json_array_get_object_element (log, json_array_get_length (log) - 1);
  JsonObject *headers = json_object_get_object_member (req, "headers");

  return json_object_has_member (headers, AIOS_WEBHOOK_SIGNATURE_HEADER)
         ? g_intern_string (json_object_get_string_member (headers, AIOS_WEBHOOK_SIGNATURE_HEADER))
         : NULL;
}

static void
assert_no_secret_in_workspace (AiosWorkspace *ws,
                               const char    *path,
                               const char    *secret)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = aios_journal_list (aios_workspace_get_store (ws), 0, 0, 10000, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (events->len, >, 0);
  g_assert_false (exec_file_contains (path, secret));
  g_assert_false (exec_file_contains (wal, secret));
  for (guint i = 0; i < events->len; i++)
    {
      g_autofree char *json = aios_event_to_json (events->pdata[i], NULL);
      g_assert_null (strstr (json, secret));
    }
}

static void
test_store_use_remove (void)
{
  char *path = NULL;
  AiosWorkspace *ws = exec_workspace_new (&path);
  AiosCredentials *credentials = aios_workspace_get_credentials (ws);
  AiosConnector *webhook = aios_workspace_get_connector (ws, "webhook");
  ExecPeer *peer = exec_peer_start ("exec-api-peer.py");
  g_autofree char *url = exec_peer_url (peer, "ok", "/hook");
  const char *body = "{\"amount\":42}";
  g_autofree char *hex_a = g_compute_hmac_for_string (G_CHECKSUM_SHA256, (const guchar *) SECRET_A,
                                                      strlen (SECRET_A), body, -1);
  g_autofree char *hex_b = g_compute_hmac_for_string (G_CHECKSUM_SHA256, (const guchar *) SECRET_B,
                                                      strlen (SECRET_B), body, -1);
  g_autofree char *expect_a = g_strconcat ("sha256=", hex_a, NULL);
  g_autofree char *expect_b = g_strconcat ("sha256=", hex_b, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = NULL;
  g_autofree char *got = NULL;
  g_autoptr(JsonNode) r1 = NULL;
  g_autoptr(JsonNode) r2 = NULL;
  g_autoptr(JsonNode) r3 = NULL;
  g_autoptr(JsonNode) preview = NULL;
  g_autoptr(JsonObject) request = exec_json_object ("{\"body\":{\"amount\":42}}");

  exec_set (ws, "webhook.url", url);

  missing = lookup (credentials, "webhook", &error);
  g_assert_null (missing);
  g_assert_error (error, AIOS_CREDENTIALS_ERROR, AIOS_CREDENTIALS_ERROR_NOT_FOUND);
  g_clear_error (&error);

  store (credentials, "webhook", SECRET_A);
  got = lookup (credentials, "webhook", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got, ==, SECRET_A);
  g_assert_true (aios_credentials_has_reference (credentials, "webhook"));

  preview = aios_connector_prepare (webhook, request, &error);
  g_assert_no_error (error);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (preview), "signed"));

  r1 = exec_execute (webhook, "{\"body\":{\"amount\":42}}", "key-1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (signature_of_last (peer), ==, expect_a);

  /* Replace */
  store (credentials, "webhook", SECRET_B);
  r2 = exec_execute (webhook, "{\"body\":{\"amount\":42}}", "key-2", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (signature_of_last (peer), ==, expect_b);

  /* Remove: unsigned again, and nothing left in the keyring. */
  clear (credentials, "webhook");
  g_assert_false (aios_credentials_has_reference (credentials, "webhook"));
  g_free (got);
  got = lookup (credentials, "webhook", &error);
  g_assert_null (got);
  g_assert_error (error, AIOS_CREDENTIALS_ERROR, AIOS_CREDENTIALS_ERROR_NOT_FOUND);
  g_clear_error (&error);
  r3 = exec_execute (webhook, "{\"body\":{\"amount\":42}}", "key-3", &error);
  g_assert_no_error (error);
  g_assert_null (signature_of_last (peer));

  assert_no_secret_in_workspace (ws, path, SECRET_A);
  assert_no_secret_in_workspace (ws, path, SECRET_B);

  exec_peer_stop (peer);
  exec_workspace_free (ws, path);
}

static int
run_cli (AiosWorkspace *ws,
         const char    *stdin_text,
         char         **out,
         const char    *first,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(AiosCliCall) call = NULL;
  va_list args;
  int status;

  va_start (args, first);
  for (const char *a = first; a != NULL; a = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  call = aios_cli_call_new (ws, NULL, (const char * const *) argv->pdata);
  if (stdin_text != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (stdin_text, strlen (stdin_text));
      aios_cli_call_set_stdin (call, bytes);
    }
  status = aios_cli_run (call);
  if (out != NULL)
    *out = g_strconcat (aios_cli_call_get_output (call) ? aios_cli_call_get_output (call) : "",
                        aios_cli_call_get_errors (call) ? aios_cli_call_get_errors (call) : "", NULL);
  return status;
}

static void
test_cli (void)
{
  char *path = NULL;
  AiosWorkspace *ws = exec_workspace_new (&path);
  g_autofree char *out = NULL;
  g_autofree char *got = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (run_cli (ws, SMTP_SECRET "\n", &out, "credentials", "set", "smtp", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "");
  got = aios_credentials_lookup_sync (aios_workspace_get_credentials (ws), "smtp", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got, ==, SMTP_SECRET);   /* the newline is not part of it */
  g_clear_pointer (&got, secret_password_free);

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_cli (ws, NULL, &out, "credentials", "list", "--json", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "{\"name\":\"smtp\",\"stored\":true}"));
  g_assert_nonnull (strstr (out, "{\"name\":\"invoice\",\"stored\":false}"));
  g_assert_null (strstr (out, "pa55"));

  /* Wrong shape, unknown name: refused with one clear line, nothing stored. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_cli (ws, "no-colon", &out, "credentials", "set", "smtp", NULL), ==, 1);
  g_assert_nonnull (strstr (out, "user:password"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_cli (ws, "x", &out, "credentials", "set", "paypal", NULL), ==, 1);
  g_assert_nonnull (strstr (out, "Unknown credential"));
  got = aios_credentials_lookup_sync (aios_workspace_get_credentials (ws), "smtp", &error);
  g_assert_cmpstr (got, ==, SMTP_SECRET);
  g_clear_pointer (&got, secret_password_free);

  assert_no_secret_in_workspace (ws, path, "pa55-W");

  /* credentials test: a real call for the invoice API, the keyring for the webhook */
  {
    ExecPeer *peer = exec_peer_start ("exec-api-peer.py");
    g_autofree char *url = exec_peer_url (peer, "ok", "");
    g_autofree char *bad = exec_peer_url (peer, "e401", "");

    exec_set (ws, "invoice.url", url);
    g_clear_pointer (&out, g_free);
    g_assert_cmpint (run_cli (ws, "sk_test_cli\n", &out, "credentials", "set", "invoice", NULL), ==, 0);
    g_clear_pointer (&out, g_free);
    g_assert_cmpint (run_cli (ws, NULL, &out, "credentials", "test", "invoice", NULL), ==, 0);
    g_assert_nonnull (strstr (out, "accepted the key"));
    {
      g_autoptr(JsonArray) log = exec_peer_log (peer);
      JsonObject *headers = json_object_get_object_member (json_array_get_object_element (log, 0), "headers");
      g_assert_cmpstr (json_object_get_string_member (headers, "Authorization"), ==, "Bearer sk_test_cli");
    }
    exec_set (ws, "invoice.url", bad);
    g_clear_pointer (&out, g_free);
    g_assert_cmpint (run_cli (ws, NULL, &out, "credentials", "test", "invoice", NULL), ==, 1);
    g_assert_nonnull (strstr (out, "Invalid API Key provided"));
    g_clear_pointer (&out, g_free);
    g_assert_cmpint (run_cli (ws, NULL, &out, "credentials", "test", "webhook", NULL), ==, 1);
    g_assert_nonnull (strstr (out, "No webhook credential"));
    g_clear_pointer (&out, g_free);
    g_assert_cmpint (run_cli (ws, "whsec_cli", &out, "credentials", "set", "webhook", NULL), ==, 0);
    g_clear_pointer (&out, g_free);
    g_assert_cmpint (run_cli (ws, NULL, &out, "credentials", "test", "webhook", NULL), ==, 0);
    g_assert_nonnull (strstr (out, "keyring gives the secret"));
    exec_peer_stop (peer);
    assert_no_secret_in_workspace (ws, path, "sk_test_cli");
    assert_no_secret_in_workspace (ws, path, "whsec_cli");
  }

  /* prices */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_cli (ws, NULL, &out, "prices", "set", "gpt-test", "0.15", "0.6", NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_cli (ws, NULL, &out, "prices", "--json", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "{\"model\":\"gpt-test\",\"input_per_mtok\":0.150000,\"output_per_mtok\":0.600000}\n");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_cli (ws, NULL, &out, "prices", "set", "gpt-test", "-1", "0.6", NULL), ==, 1);

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_cli (ws, NULL, &out, "credentials", "clear", "smtp", NULL), ==, 0);
  got = aios_credentials_lookup_sync (aios_workspace_get_credentials (ws), "smtp", &error);
  g_assert_null (got);
  g_assert_error (error, AIOS_CREDENTIALS_ERROR, AIOS_CREDENTIALS_ERROR_NOT_FOUND);

  exec_workspace_free (ws, path);
}

static void
llm_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static AiosLlmResult *
ask (AiosWorkspace  *ws,
     const char     *prompt,
     GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  AiosLlmRequest request = { 0 };

  request.role = "drafter";
  request.prompt = prompt;
  aios_llm_complete_async (aios_workspace_get_llm (ws), &request, NULL, llm_done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return aios_llm_complete_finish (aios_workspace_get_llm (ws), result, error);
}

/* The cloud tier's API key comes from the keyring, as a Bearer token. */
static void
test_cloud_key (void)
{
  char *path = NULL;
  AiosWorkspace *ws = exec_workspace_new (&path);
  ExecPeer *peer = exec_peer_start ("exec-api-peer.py");
  g_autofree char *url = exec_peer_url (peer, "needkey", "/v1");
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosLlmResult) refused = NULL;
  g_autoptr(AiosLlmResult) answered = NULL;
  g_autoptr(JsonArray) log = NULL;
  JsonObject *headers;

  exec_set (ws, "llm.cloud.url", url);
  exec_set (ws, "llm.cloud.model", "gpt-test");
  aios_credentials_clear_sync (aios_workspace_get_credentials (ws), "llm.cloud", NULL);
  refused = ask (ws, "without a key", &error);
  g_assert_null (refused);
  g_assert_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT);
  g_assert_nonnull (strstr (error->message, "refused the credentials"));
  g_clear_error (&error);

  aios_credentials_store_sync (aios_workspace_get_credentials (ws), "llm.cloud", "sk-test-key", &error);
  g_assert_no_error (error);
  answered = ask (ws, "with a key", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (answered->text, ==, "Echo: with a key");
  log = exec_peer_log (peer);
  headers = json_object_get_object_member (json_array_get_object_element (log, 1), "headers");
  g_assert_cmpstr (json_object_get_string_member (headers, "Authorization"), ==, "Bearer sk-test-key");
  assert_no_secret_in_workspace (ws, path, "sk-test-key");

  aios_credentials_clear_sync (aios_workspace_get_credentials (ws), "llm.cloud", &error);
  exec_peer_stop (peer);
  exec_workspace_free (ws, path);
}

static void
test_binary (void)
{
  g_autofree char *dir = g_dir_make_tmp ("aios-cred-XXXXXX", NULL);
  g_autofree char *db = g_build_filename (dir, "ws.db", NULL);
  g_autofree char *aios = g_build_filename (g_getenv ("AIOS_BUILD_DIR"), "src", "aios", NULL);
  g_autoptr(GSubprocess) set = NULL;
  g_autoptr(GSubprocess) list = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autoptr(AiosWorkspace) ws = NULL;
  g_autofree char *got = NULL;

  set = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                          G_SUBPROCESS_FLAGS_STDERR_MERGE, &error,
                          aios, "--workspace", db, "credentials", "set", "invoice", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (set, "sk_test_binary_51Hx", NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, "");
  g_assert_true (g_subprocess_get_if_exited (set));
  g_assert_cmpint (g_subprocess_get_exit_status (set), ==, 0);

  g_clear_pointer (&out, g_free);
  list = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                           aios, "--workspace", db, "credentials", "list", NULL);
  g_subprocess_communicate_utf8 (list, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (out, "invoice"));
  g_assert_null (strstr (out, "sk_test"));

  ws = aios_workspace_open (db, &error);
  g_assert_no_error (error);
  got = aios_credentials_lookup_sync (aios_workspace_get_credentials (ws), "invoice", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got, ==, "sk_test_binary_51Hx");
  g_clear_pointer (&got, secret_password_free);
  assert_no_secret_in_workspace (ws, db, "sk_test_binary");
  aios_credentials_clear_sync (aios_workspace_get_credentials (ws), "invoice", &error);
  g_assert_no_error (error);
}

int
main (int argc, char *argv[])
{
  /* Not G_TEST_OPTION_ISOLATE_DIRS: the keyring daemon keeps its files in
   * the private XDG_DATA_HOME that with-keyring.sh set up. */
  g_test_init (&argc, &argv, NULL);
  g_assert_nonnull (g_getenv ("DBUS_SESSION_BUS_ADDRESS"));
  g_assert_cmpstr (g_getenv ("DBUS_SESSION_BUS_ADDRESS"), !=, "disabled:");

  g_test_add_func ("/exec/credentials/store-use-remove", test_store_use_remove);
  g_test_add_func ("/exec/credentials/cli", test_cli);
  g_test_add_func ("/exec/credentials/binary", test_binary);
  g_test_add_func ("/exec/credentials/cloud-key", test_cloud_key);
  return g_test_run ();
}
