/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The intake endpoint, over real HTTP on loopback, with its bearer token in
 * a real gnome-keyring-daemon (run through with-keyring.sh): off by
 * default, POST only, token, content type, size, schema, rate limit — and a
 * refused request leaves no run behind. Hostile clients speak raw HTTP over
 * a socket: huge declared bodies, endless chunked bodies, stalled and
 * trickled headers, floods of bad tokens and empty bodies.
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

/* Raw HTTP: the server runs on this thread's main context, so the client
 * never blocks; it polls its non-blocking socket and lets the server run. */

static GSocket *
raw_connect (guint port)
{
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, port);
  g_autoptr(GError) error = NULL;
  GSocket *sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, &error);

  g_assert_no_error (error);
  g_socket_set_blocking (sock, FALSE);
  if (!g_socket_connect (sock, addr, NULL, &error))
    {
      g_assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING));
      g_clear_error (&error);
      while (g_socket_condition_check (sock, G_IO_OUT) == 0)
        g_main_context_iteration (NULL, FALSE), g_usleep (1000);
      g_assert_true (g_socket_check_connect_result (sock, &error));
    }
  return sock;
}

/* Reads what is there; FALSE once the peer closed (EOF or reset). */
static gboolean
raw_poll (GSocket *sock,
          GString *got)
{
  char buf[4096];

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive (sock, buf, sizeof buf, NULL, &error);

      if (n > 0)
        {
          g_string_append_len (got, buf, n);
          continue;
        }
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return TRUE;
      return FALSE;
    }
}

/* Sends all of @data; FALSE when the server closed the connection. */
static gboolean
raw_send (GSocket    *sock,
          const char *data,
          gsize       len,
          GString    *got)
{
  while (len > 0)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_send (sock, data, len, NULL, &error);

      if (n > 0)
        {
          data += n, len -= n;
          continue;
        }
      if (n < 0 && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return FALSE;
      if (!raw_poll (sock, got) || got->len > 0)
        return FALSE;
      g_main_context_iteration (NULL, FALSE), g_usleep (500);
    }
  return TRUE;
}

/* Waits up to @seconds for the server to close; what it sent is in @got.
 * Returns the seconds it took, or -1 if it stayed open. */
static double
raw_wait_closed (GSocket *sock,
                 double   seconds,
                 GString *got)
{
  gint64 start = g_get_monotonic_time ();

  while (g_get_monotonic_time () - start < seconds * G_USEC_PER_SEC)
    {
      if (!raw_poll (sock, got))
        return (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return -1;
}

/* Headers only, declaring a body of @length that is never sent: the answer
 * must come without it. */
static void
assert_refused_before_body (guint       port,
                            const char *token,
                            const char *length,
                            const char *status_line,
                            const char *code)
{
  g_autoptr(GSocket) sock = raw_connect (port);
  g_autoptr(GString) got = g_string_new (NULL);
  g_autofree char *auth = token ? g_strdup_printf ("Authorization: Bearer %s\r\n", token) : g_strdup ("");
  g_autofree char *request = g_strdup_printf ("POST /v1/leads HTTP/1.1\r\nHost: 127.0.0.1\r\n%s"
                                              "Content-Type: application/json\r\n"
                                              "Content-Length: %s\r\n\r\n", auth, length);
  g_autofree char *needle = g_strdup_printf ("\"code\":\"%s\"", code);

  g_assert_true (raw_send (sock, request, strlen (request), got));
  g_assert_cmpfloat (raw_wait_closed (sock, 5, got), >=, 0);
  g_assert_true (g_str_has_prefix (got->str, status_line));
  g_assert_nonnull (strstr (got->str, needle));
}

typedef struct
{
  AiosWorkspace    *ws;
  char             *path;
  AiosIntakeServer *intake;
  guint             port;
} Hostile;

static void
hostile_setup (Hostile       *h,
               gconstpointer  data)
{
  g_autofree char *port_text = NULL;
  g_autoptr(GError) error = NULL;

  h->ws = exec_workspace_new (&h->path);
  h->intake = aios_workspace_get_intake (h->ws);
  h->port = free_port ();
  port_text = g_strdup_printf ("%u", h->port);
  aios_credentials_store_sync (aios_workspace_get_credentials (h->ws), "intake", TOKEN, &error);
  g_assert_no_error (error);
  exec_set (h->ws, "intake.port", port_text);
  exec_set (h->ws, "intake.enabled", "true");
  aios_intake_server_set_timeouts (h->intake, 1, 3);
  g_assert_true (aios_workspace_start (h->ws, &error));
  wait_listening (h->intake, TRUE);
}

static void
hostile_teardown (Hostile       *h,
                  gconstpointer  data)
{
  exec_workspace_free (h->ws, h->path);
}

#define LEAD "{\"name\":\"Ada\",\"email\":\"ada@example.com\",\"budget\":2000}"

/* A declared 1 GiB body is refused at the headers, without the token and
 * with it, and the body is never read. */
static void
test_declared_huge (Hostile       *h,
                    gconstpointer  data)
{
  assert_refused_before_body (h->port, NULL, "1073741824", "HTTP/1.1 401", "unauthorized");
  assert_refused_before_body (h->port, "wrong-token", "1073741824", "HTTP/1.1 401", "unauthorized");
  assert_refused_before_body (h->port, TOKEN, "1073741824", "HTTP/1.1 413", "too-large");
  g_assert_cmpint (runs (h->ws), ==, 0);
}

/* A chunked body is cut off as soon as it passes the cap: the final chunk
 * is never sent, and the answer comes anyway. */
static void
test_chunked_huge (Hostile       *h,
                   gconstpointer  data)
{
  g_autoptr(GSocket) sock = raw_connect (h->port);
  g_autoptr(GString) got = g_string_new (NULL);
  g_autofree char *chunk = g_strnfill (16 * 1024, 'x');
  g_autofree char *framed = g_strdup_printf ("4000\r\n%s\r\n", chunk);
  const char *head = "POST /v1/leads HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " TOKEN "\r\n"
                     "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
  gsize sent = 0;

  g_assert_true (raw_send (sock, head, strlen (head), got));
  while (sent < 4 * 1024 * 1024 && raw_send (sock, framed, strlen (framed), got) && raw_poll (sock, got) &&
         got->len == 0)
    {
      sent += 16 * 1024;
      for (guint i = 0; i < 5; i++)
        g_main_context_iteration (NULL, FALSE);
    }
  g_assert_cmpuint (sent, <, 4 * 1024 * 1024);
  g_assert_cmpfloat (raw_wait_closed (sock, 5, got), >=, 0);
  g_assert_true (g_str_has_prefix (got->str, "HTTP/1.1 413"));
  g_assert_nonnull (strstr (got->str, "\"code\":\"too-large\""));
  g_assert_cmpint (runs (h->ws), ==, 0);
}

/* Half the headers, then silence: dropped after the idle timeout (long
 * before the whole-request deadline). */
static void
test_stalled (Hostile       *h,
              gconstpointer  data)
{
  g_autoptr(GSocket) sock = NULL;
  g_autoptr(GString) got = g_string_new (NULL);
  const char *half = "POST /v1/leads HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty";
  double took;

  aios_intake_server_set_timeouts (h->intake, 1, 60);
  sock = raw_connect (h->port);
  g_assert_true (raw_send (sock, half, strlen (half), got));
  took = raw_wait_closed (sock, 8, got);
  g_assert_cmpfloat (took, >=, 0);
  g_assert_cmpfloat (took, <, 4);
}

/* Headers trickled a byte at a time, never silent long enough for the idle
 * timeout: 408 once the whole request has taken too long. */
static void
test_trickled (Hostile       *h,
               gconstpointer  data)
{
  g_autoptr(GSocket) sock = NULL;
  g_autoptr(GString) got = g_string_new (NULL);
  const char *slow = "POST /v1/leads HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
  gint64 start;
  gboolean open = TRUE;

  aios_intake_server_set_timeouts (h->intake, 2, 3);
  sock = raw_connect (h->port);
  start = g_get_monotonic_time ();
  for (const char *c = slow; *c && open; c++)
    {
      open = raw_send (sock, c, 1, got) && raw_poll (sock, got);
      for (gint64 t = g_get_monotonic_time (); open && g_get_monotonic_time () - t < 300000;)
        g_main_context_iteration (NULL, FALSE), g_usleep (1000), open = raw_poll (sock, got);
    }
  if (open)
    g_assert_cmpfloat (raw_wait_closed (sock, 5, got), >=, 0);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 6 * G_USEC_PER_SEC);
  g_assert_true (g_str_has_prefix (got->str, "HTTP/1.1 408"));
  g_assert_nonnull (strstr (got->str, "\"code\":\"timeout\""));
}

/* Bad tokens have a budget of their own: a flood of them ends in 429 for
 * the flood, never for the operator's form. */
static void
test_bad_token_flood (Hostile       *h,
                      gconstpointer  data)
{
  guint limited = 0;

  aios_intake_server_set_rate_limit (h->intake, 5);
  for (guint i = 0; i < 40; i++)
    {
      g_auto (Answer) a = { 0 };
      http (h->port, "POST", "/v1/leads", i % 2 ? "bad-token" : NULL, "application/json", LEAD, &a);
      g_assert_true (a.status == 401 || a.status == 429);
      limited += a.status == 429;
    }
  g_assert_cmpuint (limited, >, 0);
  {
    g_auto (Answer) a = { 0 };
    http (h->port, "POST", "/v1/leads", TOKEN, "application/json", LEAD, &a);
    g_assert_cmpuint (a.status, ==, 201);
  }
  g_assert_cmpint (runs (h->ws), ==, 1);
}

/* An empty body, or only white space, is a clear 400, and the endpoint
 * answers the next request. */
static void
test_empty_body (Hostile       *h,
                 gconstpointer  data)
{
  {
    g_auto (Answer) a = { 0 };
    http (h->port, "POST", "/v1/leads", TOKEN, "application/json", "", &a);
    g_assert_cmpuint (a.status, ==, 400);
    g_assert_nonnull (strstr (a.body, "\"code\":\"empty\""));
  }
  {
    g_auto (Answer) a = { 0 };
    http (h->port, "POST", "/v1/leads", TOKEN, "application/json", " \n ", &a);
    g_assert_cmpuint (a.status, ==, 400);
    g_assert_nonnull (strstr (a.body, "\"code\":\"malformed\""));
  }
  {
    g_auto (Answer) a = { 0 };
    http (h->port, "POST", "/v1/leads", TOKEN, "application/json", LEAD, &a);
    g_assert_cmpuint (a.status, ==, 201);
  }
  g_assert_cmpint (runs (h->ws), ==, 1);
}

/* There is no note flow: /v1/notes is an unknown path like any other. */
static void
test_no_notes (Hostile       *h,
               gconstpointer  data)
{
  g_auto (Answer) a = { 0 };

  http (h->port, "POST", "/v1/notes", TOKEN, "application/json", "{\"text\":\"hi\"}", &a);
  g_assert_cmpuint (a.status, ==, 404);
  g_assert_nonnull (strstr (a.body, "\"code\":\"not-found\""));
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
  g_test_add ("/exec/intake/declared-huge", Hostile, NULL, hostile_setup, test_declared_huge, hostile_teardown);
  g_test_add ("/exec/intake/chunked-huge", Hostile, NULL, hostile_setup, test_chunked_huge, hostile_teardown);
  g_test_add ("/exec/intake/stalled", Hostile, NULL, hostile_setup, test_stalled, hostile_teardown);
  g_test_add ("/exec/intake/trickled", Hostile, NULL, hostile_setup, test_trickled, hostile_teardown);
  g_test_add ("/exec/intake/bad-token-flood", Hostile, NULL, hostile_setup, test_bad_token_flood, hostile_teardown);
  g_test_add ("/exec/intake/empty-body", Hostile, NULL, hostile_setup, test_empty_body, hostile_teardown);
  g_test_add ("/exec/intake/no-notes", Hostile, NULL, hostile_setup, test_no_notes, hostile_teardown);
  return g_test_run ();
}
