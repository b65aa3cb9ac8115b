/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Benchmark (prints figures; not a test): the connectors' own overhead
 * against the local peer.
 *
 *   1. webhook: N POSTs through the connector vs the same POSTs made with
 *      bare libsoup — requests/s, p50/p99, and the difference per request;
 *   2. model streaming: time to the first token through aios_llm (local
 *      tier, NDJSON) vs reading the same stream from a raw socket.
 *   RSS before and after.
 *
 * Run: build/tests/exec/bench-exec [N]   (AIOS_SOURCE_DIR must point at the
 * source tree, for the peer)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "exec-test-util.h"

static long
rss_kb (const char *field)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, field);
  return line ? atol (line + strlen (field) + 1) : -1;
}

static int
cmp_double (const void *a,
            const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static void
report (const char *what,
        GArray     *ms,
        double      total_s)
{
  g_array_sort (ms, cmp_double);
  printf ("%-34s n=%u  %8.1f req/s  p50 %6.3f ms  p99 %6.3f ms\n", what, ms->len,
          ms->len / total_s, g_array_index (ms, double, ms->len / 2),
          g_array_index (ms, double, MIN (ms->len - 1, (guint) (ms->len * 0.99))));
}

static double
median (GArray *ms)
{
  g_array_sort (ms, cmp_double);
  return g_array_index (ms, double, ms->len / 2);
}

static void
got (GObject      *source,
     GAsyncResult *result,
     gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
}

static double
raw_post (SoupSession *session,
          const char  *url,
          const char  *body)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) answer = NULL;
  gint64 t0 = g_get_monotonic_time ();

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Idempotency-Key", "raw");
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, got, &result);
  wait_for (&result);
  answer = soup_session_send_and_read_finish (session, result, NULL);
  g_assert (soup_message_get_status (msg) == 200);
  return (g_get_monotonic_time () - t0) / 1000.0;
}

static double
connector_post (AiosConnector *webhook,
                guint          i)
{
  g_autofree char *key = g_strdup_printf ("bench-%u", i);
  g_autoptr(GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr(JsonNode) r = exec_execute (webhook, "{\"body\":{\"n\":1,\"text\":\"benchmark\"}}", key, &error);

  g_assert_no_error (error);
  return (g_get_monotonic_time () - t0) / 1000.0;
}

/* First token over a raw socket: one kept-alive connection (as libsoup
 * keeps its own), write the request, read the chunked NDJSON stream to the
 * first line that carries content, then drain it to the end. */
static GSocketConnection *raw_conn;
static GDataInputStream *raw_in;

static double
raw_first_token (guint        port,
                 const char  *body)
{
  g_autofree char *request = g_strdup_printf ("POST /ok/api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                              "Content-Type: application/json\r\nContent-Length: %zu\r\n"
                                              "\r\n%s", strlen (body), body);
  gint64 t0;
  double first = -1;
  gboolean in_body = FALSE;

  if (raw_conn == NULL)
    {
      g_autoptr(GSocketClient) client = g_socket_client_new ();
      raw_conn = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);
      g_socket_set_option (g_socket_connection_get_socket (raw_conn), IPPROTO_TCP, TCP_NODELAY, 1, NULL);
      raw_in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (raw_conn)));
    }
  t0 = g_get_monotonic_time ();
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (raw_conn)), request, strlen (request),
                             NULL, NULL, NULL);
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line (raw_in, NULL, NULL, NULL);
      if (line == NULL)
        break;
      g_strchomp (line);
      if (!in_body)
        {
          in_body = *line == '\0';   /* the blank line after the headers */
          continue;
        }
      if (first < 0 && strstr (line, "\"content\":") && !strstr (line, "\"content\": \"\""))
        first = (g_get_monotonic_time () - t0) / 1000.0;
      if (g_str_equal (line, "0"))
        {
          g_autofree char *end = g_data_input_stream_read_line (raw_in, NULL, NULL, NULL);
          break;
        }
    }
  return first;
}

typedef struct
{
  gint64 t0;
  double first;
} FirstToken;

static void
on_token (const char *piece,
          gpointer    user_data)
{
  FirstToken *ft = user_data;

  if (ft->first < 0)
    ft->first = (g_get_monotonic_time () - ft->t0) / 1000.0;
}

static double
llm_first_token (AiosLlm *llm,
                 guint    i)
{
  g_autofree char *prompt = g_strdup_printf ("benchmark prompt number %u", i);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosLlmResult) r = NULL;
  FirstToken ft = { g_get_monotonic_time (), -1 };
  AiosLlmRequest request = { 0 };

  request.role = "bench";
  request.prompt = prompt;
  request.on_token = on_token;
  request.token_data = &ft;
  aios_llm_complete_async (llm, &request, NULL, got, &result);
  wait_for (&result);
  r = aios_llm_complete_finish (llm, result, &error);
  g_assert_no_error (error);
  return ft.first;
}

int
main (int argc, char *argv[])
{
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 300;
  ExecPeer *peer;
  char *path = NULL;
  AiosWorkspace *ws;
  AiosConnector *webhook;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GArray) raw = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) conn = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) raw_ft = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) llm_ft = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *hook = NULL;
  g_autofree char *local = NULL;
  long rss0, rss1;
  gint64 t0;
  double raw_s, conn_s;

  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  if (g_getenv ("AIOS_SOURCE_DIR") == NULL)
    g_setenv ("AIOS_SOURCE_DIR", ".", TRUE);
  peer = exec_peer_start ("exec-api-peer.py");
  ws = exec_workspace_new (&path);
  webhook = aios_workspace_get_connector (ws, "webhook");
  hook = exec_peer_url (peer, "ok", "/hook");
  local = exec_peer_url (peer, "ok", "");
  exec_set (ws, "webhook.url", hook);
  exec_set (ws, "llm.local.url", local);
  exec_set (ws, "llm.local.model", "qwen-test");

  /* warm up both paths (connection pools, SQLite pages) */
  for (guint i = 0; i < 20; i++)
    {
      raw_post (session, hook, "{\"n\":1,\"text\":\"benchmark\"}");
      connector_post (webhook, 100000 + i);
    }
  rss0 = rss_kb ("VmRSS:");

  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      double ms = raw_post (session, hook, "{\"n\":1,\"text\":\"benchmark\"}");
      g_array_append_val (raw, ms);
    }
  raw_s = (g_get_monotonic_time () - t0) / 1e6;
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      double ms = connector_post (webhook, i);
      g_array_append_val (conn, ms);
    }
  conn_s = (g_get_monotonic_time () - t0) / 1e6;

  for (guint i = 0; i < n / 3; i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"model\":\"qwen-test\",\"messages\":[{\"role\":\"user\","
                                               "\"content\":\"benchmark prompt number %u\"}],\"stream\":true}", i);
      double a = raw_first_token (peer->port, body);
      double b = llm_first_token (aios_workspace_get_llm (ws), i);
      g_array_append_val (raw_ft, a);
      g_array_append_val (llm_ft, b);
    }
  rss1 = rss_kb ("VmRSS:");

  printf ("Aios exec benchmark, %u requests against tests/peers/exec-api-peer.py on loopback\n", n);
  report ("webhook, bare libsoup POST", raw, raw_s);
  report ("webhook, through the connector", conn, conn_s);
  printf ("%-34s %+.3f ms per request (median)\n", "connector overhead", median (conn) - median (raw));
  g_array_sort (llm_ft, cmp_double);
  g_array_sort (raw_ft, cmp_double);
  printf ("%-34s n=%u  p50 %6.3f ms  p99 %6.3f ms\n", "first token, raw socket", raw_ft->len,
          median (raw_ft), g_array_index (raw_ft, double, MIN (raw_ft->len - 1, (guint) (raw_ft->len * 0.99))));
  printf ("%-34s n=%u  p50 %6.3f ms  p99 %6.3f ms\n", "first token, aios_llm (Ollama)", llm_ft->len,
          median (llm_ft), g_array_index (llm_ft, double, MIN (llm_ft->len - 1, (guint) (llm_ft->len * 0.99))));
  printf ("%-34s %+.3f ms (median)\n", "first-token overhead", median (llm_ft) - median (raw_ft));
  printf ("RSS %ld kB after warm-up, %ld kB at the end (%+ld kB over %u webhook requests and %u prompts); peak %ld kB\n",
          rss0, rss1, rss1 - rss0, n, n / 3, rss_kb ("VmHWM:"));

  exec_workspace_free (ws, path);
  exec_peer_stop (peer);
  return 0;
}
