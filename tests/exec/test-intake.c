/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The intake endpoint, over real HTTP on loopback, with its bearer token in
 * a real gnome-keyring-daemon (run through with-keyring.sh): off by
 * default, POST only, token, content type, size, schema, rate limit — and a
 * refused request leaves no run behind.
 */
#include "config.h"

#include "exec-test-util.h"
#include "control/aios-coordinator.h"
#include "store/aios-journal.h"

#define TOKEN "intake-token-5b0c1e"

typedef struct
{
  guint   status;
  char   *body;
  char   *retry_after;
  char   *allow;
} Answer;

static void
answer_clear (Answer *a)
{
  g_free (a->body);
  g_free (a->retry_after);
  g_free (a->allow);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Answer, answer_clear)

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
http (guint       port,
      const char *method,
      const char *path,
      const char *token,
      const char *type,
      const char *body,
      Answer     *answer)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u%s", port, path);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);

  if (token != NULL)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) b = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, type, b);
    }
  /* The server runs on this main context: send asynchronously and iterate. */
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, sent_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  bytes = soup_session_send_and_read_finish (session, result, &error);
  g_assert_no_error (error);
  answer->status = soup_message_get_status (msg);
  answer->body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  answer->retry_after = g_strdup (soup_message_headers_get_one (headers, "Retry-After"));
  answer->allow = g_strdup (soup_message_headers_get_one (headers, "Allow"));
  if (answer->status != 201)
    g_assert_cmpstr (soup_message_headers_get_content_type (headers, NULL), ==, "application/json");
}

static gint64
runs (AiosWorkspace *ws)
{
  sqlite3_stmt *stmt = aios_store_prepare (aios_workspace_get_store (ws), "SELECT COUNT(*) FROM runs", NULL);
  gint64 n;

  g_assert_nonnull (stmt);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

static guint
free_port (void)
{
  g_autoptr(GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (sock, addr, FALSE, NULL));
  bound = g_socket_get_local_address (sock, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
wait_listening (AiosIntakeServer *intake,
                gboolean          listening)
{
  for (guint i = 0; i < 500 && aios_intake_server_is_listening (intake) != listening; i++)
    g_main_context_iteration (NULL, FALSE), g_usleep (2000);
  g_assert_cmpint (aios_intake_server_is_listening (intake), ==, listening);
}

static void
test_intake (void)
{
  char *path = NULL;
  AiosWorkspace *ws = exec_workspace_new (&path);
  AiosIntakeServer *intake = aios_workspace_get_intake (ws);
  guint port = free_port ();
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  g_autoptr(GError) error = NULL;
  g_autofree char *big = NULL;
  const char *lead = "{\"name\":\"Ada\",\"email\":\"ada@example.com\",\"budget\":2000}";

  aios_credentials_store_sync (aios_workspace_get_credentials (ws), "intake", TOKEN, &error);
  g_assert_no_error (error);
  exec_set (ws, "intake.port", port_text);
  g_assert_true (aios_workspace_start (ws, &error));
  g_assert_no_error (error);

  /* Off by default */
  g_main_context_iteration (NULL, FALSE);
  g_assert_false (aios_intake_server_is_listening (intake));

  exec_set (ws, "intake.enabled", "true");
  wait_listening (intake, TRUE);
  g_assert_cmpuint (aios_intake_server_get_port (intake), ==, port);

  {
    g_auto (Answer) a = { 0 };
    http (port, "GET", "/v1/leads", TOKEN, NULL, NULL, &a);
    g_assert_cmpuint (a.status, ==, 405);
    g_assert_cmpstr (a.allow, ==, "POST");
    g_assert_nonnull (strstr (a.body, "\"code\":\"method-not-allowed\""));
  }
  {
    g_auto (Answer) a = { 0 };
    http (port, "POST", "/v1/leads", NULL, "application/json", lead, &a);
    g_assert_cmpuint (a.status, ==, 401);
  }
  {
    g_auto (Answer) a = { 0 };
    http (port, "POST", "/v1/leads", "intake-token-5b0c1f", "application/json", lead, &a);
    g_assert_cmpuint (a.status, ==, 401);
  }
  {
    g_auto (Answer) a = { 0 };
    http (port, "POST", "/v1/leads", TOKEN, "text/plain", lead, &a);
    g_assert_cmpuint (a.status, ==, 415);
  }
  {
    g_auto (Answer) a = { 0 };
    http (port, "POST", "/v1/leads", TOKEN, "application/json", "{\"name\": ", &a);
    g_assert_cmpuint (a.status, ==, 400);
    g_assert_nonnull (strstr (a.body, "\"code\":\"malformed\""));
  }
  {
    g_auto (Answer) a = { 0 };
    http (port, "POST", "/v1/leads", TOKEN, "application/json", "{\"name\":\"No Email\"}", &a);
    g_assert_cmpuint (a.status, ==, 422);
    g_assert_nonnull (strstr (a.body, "email"));
  }
  {
    g_auto (Answer) a = { 0 };
    GString *s = g_string_new ("{\"name\":\"Big\",\"email\":\"b@example.com\",\"message\":\"");
    while (s->len < AIOS_INTAKE_MAX_BODY + 10)
      g_string_append (s, "xxxxxxxxxxxxxxxx");
    g_string_append (s, "\"}");
    big = g_string_free (s, FALSE);
    http (port, "POST", "/v1/leads", TOKEN, "application/json", big, &a);
    g_assert_cmpuint (a.status, ==, 413);
  }
  {
    g_auto (Answer) a = { 0 };
    http (port, "POST", "/v1/unknown", TOKEN, "application/json", lead, &a);
    g_assert_cmpuint (a.status, ==, 404);
  }
  /* Nothing half-written by any refused request. */
  g_assert_cmpint (runs (ws), ==, 0);

  {
    g_auto (Answer) a = { 0 };
    g_autofree char *input = NULL;
    sqlite3_stmt *stmt;

    http (port, "POST", "/v1/leads", TOKEN, "application/json", lead, &a);
    g_assert_cmpuint (a.status, ==, 201);
    g_assert_true (g_str_has_prefix (a.body, "{\"run_id\":"));
    g_assert_cmpint (runs (ws), ==, 1);
    stmt = aios_store_prepare (aios_workspace_get_store (ws), "SELECT flow_id, input_json FROM runs", NULL);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "lead-followup");
    input = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    sqlite3_reset (stmt);
    g_assert_nonnull (strstr (input, "ada@example.com"));
  }

  /* Rate limit */
  aios_intake_server_set_rate_limit (intake, 2);
  {
    g_auto (Answer) a1 = { 0 };
    g_auto (Answer) a2 = { 0 };
    g_auto (Answer) a3 = { 0 };
    http (port, "POST", "/v1/leads", TOKEN, "application/json", lead, &a1);
    http (port, "POST", "/v1/leads", TOKEN, "application/json", lead, &a2);
    http (port, "POST", "/v1/leads", TOKEN, "application/json", lead, &a3);
    g_assert_cmpuint (a1.status, ==, 201);
    g_assert_cmpuint (a2.status, ==, 201);
    g_assert_cmpuint (a3.status, ==, 429);
    g_assert_nonnull (a3.retry_after);
    g_assert_cmpint (atoi (a3.retry_after), >=, 1);
  }
  g_assert_cmpint (runs (ws), ==, 3);

  /* Turned off again: the port closes. */
  exec_set (ws, "intake.enabled", "false");
  wait_listening (intake, FALSE);

  exec_workspace_free (ws, path);
}

static void
test_no_token (void)
{
  char *path = NULL;
  AiosWorkspace *ws = exec_workspace_new (&path);
  AiosIntakeServer *intake = aios_workspace_get_intake (ws);
  g_autofree char *port_text = g_strdup_printf ("%u", free_port ());
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = NULL;
  gboolean journaled = FALSE;

  /* The keyring outlives workspaces: make sure no token is left in it. */
  aios_credentials_clear_sync (aios_workspace_get_credentials (ws), "intake", &error);
  g_assert_no_error (error);
  exec_set (ws, "intake.port", port_text);
  exec_set (ws, "intake.enabled", "true");
  g_assert_true (aios_workspace_start (ws, &error));
  for (guint i = 0; i < 200 && !journaled; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
      g_clear_pointer (&events, g_ptr_array_unref);
      events = aios_journal_list (aios_workspace_get_store (ws), 0, 0, 1000, NULL);
      for (guint j = 0; j < events->len; j++)
        journaled |= g_str_equal (((AiosEvent *) events->pdata[j])->kind, "intake.failed");
    }
  g_assert_true (journaled);
  g_assert_false (aios_intake_server_is_listening (intake));
  exec_workspace_free (ws, path);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/exec/intake/endpoint", test_intake);
  g_test_add_func ("/exec/intake/no-token", test_no_token);
  return g_test_run ();
}
