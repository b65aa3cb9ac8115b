/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One HTTP request for a connector: a total deadline (not only libsoup's
 * per-read timeout), a limit on the answer's size, and errors classified the
 * way the coordinator needs them:
 *
 *   nothing sent yet (refused, DNS, TLS, deadline before the body left)
 *       → RETRYABLE
 *   sent, but no complete answer (reset, deadline, cut-off body)
 *       → UNKNOWN_OUTCOME, or RETRYABLE when the request is idempotent
 *   429, 5xx → RETRYABLE with Retry-After; other 4xx → PERMANENT
 */
#define G_LOG_DOMAIN "aios-exec"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-http.h"
#include "aios-peer-text.h"

#define READ_CHUNK 16384

typedef struct
{
  SoupMessage   *msg;
  GCancellable  *inner;        /* cancelled by the deadline or the caller */
  GCancellable  *outer;
  gulong         outer_handler;
  guint          deadline;
  guint          timeout_ms;
  AiosHttpFlags  flags;
  gboolean       sent;
  gboolean       timed_out;
  GByteArray    *body;
  GInputStream  *stream;
} SendData;

static void
send_data_free (SendData *data)
{
  g_clear_handle_id (&data->deadline, g_source_remove);
  if (data->outer_handler != 0)
    g_cancellable_disconnect (data->outer, data->outer_handler);
  g_clear_object (&data->outer);
  g_clear_object (&data->inner);
  if (data->msg != NULL)
    g_signal_handlers_disconnect_by_data (data->msg, data);
  g_clear_object (&data->msg);
  g_clear_pointer (&data->body, g_byte_array_unref);
  g_clear_object (&data->stream);
  g_free (data);
}

SoupSession *
aios_http_session_new (void)
{
  /* Per-read timeout as a backstop; each request also has its own deadline. */
  return soup_session_new_with_options ("user-agent", "Aios/" PACKAGE_VERSION,
                                        "timeout", 120,
                                        "idle-timeout", 60,
                                        NULL);
}

GError *
aios_connector_error_new_retry (gint64      retry_after_ms,
                                const char *format,
                                ...)
{
  va_list args;
  GError *error;

  va_start (args, format);
  error = g_error_new_valist (AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_RETRYABLE, format, args);
  va_end (args);
  aios_connector_error_set_retry_after_ms (error, retry_after_ms);
  return error;
}

static void
wrote_body_cb (SoupMessage *msg,
               SendData    *data)
{
  data->sent = TRUE;
}

static gboolean
deadline_cb (gpointer user_data)
{
  SendData *data = user_data;

  data->deadline = 0;
  data->timed_out = TRUE;
  g_cancellable_cancel (data->inner);
  return G_SOURCE_REMOVE;
}

static void
outer_cancelled_cb (GCancellable *cancellable,
                    SendData     *data)
{
  g_cancellable_cancel (data->inner);
}

static void
return_transport_error (GTask  *task,
                        GError *error)
{
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GError) owned = error;
  g_autoptr(GUri) uri = soup_message_get_uri (data->msg) ? g_uri_ref (soup_message_get_uri (data->msg)) : NULL;
  g_autofree char *host = uri ? g_strdup (g_uri_get_host (uri)) : g_strdup ("?");
  guint status = soup_message_get_status (data->msg);
  gboolean cancelled = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  gboolean answered = status != SOUP_STATUS_NONE;
  g_autofree char *why = NULL;

  if (data->timed_out)
    why = g_strdup_printf (_("no answer from %s within %u s"), host, data->timeout_ms / 1000 ? data->timeout_ms / 1000 : 1);
  else
    why = g_strdup_printf ("%s (%s)", error->message, host);

  if (cancelled && !data->timed_out && !data->sent)
    {
      g_task_return_error (task, g_steal_pointer (&owned));
      return;
    }

  if (answered && status >= 400)
    {
      /* The status says what happened even if the body was cut off. */
      g_autoptr(GError) status_error = NULL;
      aios_http_check_status (data->msg, NULL, host, &status_error);
      g_task_return_error (task, g_steal_pointer (&status_error));
      return;
    }

  if (!data->sent || (data->flags & AIOS_HTTP_IDEMPOTENT) != 0)
    g_task_return_error (task, aios_connector_error_new_retry (-1, "%s", why));
  else if (answered)
    g_task_return_new_error (task, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_UNKNOWN_OUTCOME,
                             _("The request was sent and %s answered %u, but the answer was cut off: %s"),
                             host, status, error->message);
  else
    g_task_return_new_error (task, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_UNKNOWN_OUTCOME,
                             _("The request was sent but %s; it may or may not have been carried out"),
                             why);
}

static void read_cb (GObject *source, GAsyncResult *result, gpointer user_data);

static void
read_next (GTask *task)
{
  SendData *data = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (data->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   data->inner, read_cb, task);
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);

  if (chunk == NULL)
    {
      return_transport_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_bytes_get_size (chunk) == 0)
    {
      g_clear_handle_id (&data->deadline, g_source_remove);
      g_task_return_pointer (task, g_byte_array_free_to_bytes (g_steal_pointer (&data->body)),
                             (GDestroyNotify) g_bytes_unref);
      return;
    }
  if (data->body->len + g_bytes_get_size (chunk) > AIOS_HTTP_MAX_BODY)
    {
      g_task_return_new_error (task, AIOS_CONNECTOR_ERROR,
                               (data->flags & AIOS_HTTP_IDEMPOTENT) ? AIOS_CONNECTOR_ERROR_PERMANENT
                                                                     : AIOS_CONNECTOR_ERROR_UNKNOWN_OUTCOME,
                               _("The answer is larger than %d MB"), AIOS_HTTP_MAX_BODY / (1024 * 1024));
      return;
    }
  g_byte_array_append (data->body, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
  read_next (g_steal_pointer (&task));
}

static void
send_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  data->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (data->stream == NULL)
    {
      return_transport_error (task, g_steal_pointer (&error));
      return;
    }
  /* An answer means the server got the whole request. */
  data->sent = TRUE;
  read_next (g_steal_pointer (&task));
}

/**
 * aios_http_send_async:
 * @timeout_ms: the deadline for the whole exchange; 0 for the default
 *
 * Sends @msg and reads its whole answer (up to %AIOS_HTTP_MAX_BODY).
 * The status is NOT checked here: use aios_http_check_status().
 */
void
aios_http_send_async (SoupSession         *session,
                      SoupMessage         *msg,
                      AiosHttpFlags        flags,
                      guint                timeout_ms,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (session, cancellable, callback, user_data);
  SendData *data = g_new0 (SendData, 1);

  g_task_set_source_tag (task, aios_http_send_async);
  g_task_set_task_data (task, data, (GDestroyNotify) send_data_free);
  /* The deadline cancels the inner cancellable; the task must still run
   * its own error mapping, so it does not follow the caller's cancellable. */
  g_task_set_check_cancellable (task, FALSE);

  data->msg = g_object_ref (msg);
  data->flags = flags;
  data->timeout_ms = timeout_ms ? timeout_ms : AIOS_HTTP_DEFAULT_TIMEOUT_MS;
  data->inner = g_cancellable_new ();
  data->body = g_byte_array_new ();
  if (cancellable != NULL)
    {
      data->outer = g_object_ref (cancellable);
      data->outer_handler = g_cancellable_connect (cancellable, G_CALLBACK (outer_cancelled_cb), data, NULL);
    }
  data->deadline = g_timeout_add (data->timeout_ms, deadline_cb, data);
  g_signal_connect (msg, "wrote-body", G_CALLBACK (wrote_body_cb), data);

  soup_session_send_async (session, msg, G_PRIORITY_DEFAULT, data->inner,
                           send_cb, g_steal_pointer (&task));
}

/**
 * aios_http_send_finish:
 *
 * Returns: (transfer full) (nullable): the answer's body (any status)
 */
GBytes *
aios_http_send_finish (GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == aios_http_send_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * aios_http_parse_retry_after:
 *
 * Returns: the Retry-After header (seconds or an HTTP date) in ms, or -1
 */
gint64
aios_http_parse_retry_after (SoupMessage *msg)
{
  const char *value = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                    "Retry-After");
  guint64 seconds;
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) now = NULL;

  if (value == NULL)
    return -1;
  value += strspn (value, " \t");
  if (g_ascii_string_to_unsigned (value, 10, 0, G_MAXINT32, &seconds, NULL))
    return (gint64) seconds * 1000;
  when = soup_date_time_new_from_http_string (value);
  if (when == NULL)
    return -1;
  now = g_date_time_new_now_utc ();
  return MAX (0, g_date_time_difference (when, now) / 1000);
}

char *
aios_http_body_excerpt (GBytes *body)
{
  gsize len = 0;
  const char *text = body ? g_bytes_get_data (body, &len) : NULL;
  g_autoptr(GString) cut = NULL;

  if (text == NULL || len == 0)
    return g_strdup ("");
  /* peer text: valid UTF-8 (a sequence cut at the end becomes U+FFFD),
   * control characters escaped, AUTH-looking payloads redacted */
  cut = g_string_new_len (text, MIN (len, 200));
  for (gsize i = 0; i < cut->len; i++)
    if (cut->str[i] == '\r' || cut->str[i] == '\n' || cut->str[i] == '\t')
      cut->str[i] = ' ';
  return aios_peer_text_sanitize (cut->str, cut->len, NULL);
}

/**
 * aios_http_check_status:
 * @service: how to name the other side in messages
 *
 * Maps a non-2xx status to a classified error: 408, 425, 429 and 5xx are
 * retryable (with Retry-After), other statuses permanent.
 */
gboolean
aios_http_check_status (SoupMessage  *msg,
                        GBytes       *body,
                        const char   *service,
                        GError      **error)
{
  guint status = soup_message_get_status (msg);
  g_autofree char *reason = aios_peer_text_sanitize (soup_message_get_reason_phrase (msg), -1, NULL);
  g_autofree char *excerpt = aios_http_body_excerpt (body);

  if (status >= 200 && status < 300)
    return TRUE;

  if (status == 408 || status == 425 || status == 429 || status >= 500)
    {
      g_propagate_error (error,
                         aios_connector_error_new_retry (aios_http_parse_retry_after (msg),
                                                         _("%s answered %u %s %s"), service, status,
                                                         reason ? reason : "", excerpt));
      return FALSE;
    }
  g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
               status == 401 || status == 403 ? _("%s refused the credentials: %u %s %s")
                                              : _("%s rejected the request: %u %s %s"),
               service, status, reason ? reason : "", excerpt);
  return FALSE;
}

/**
 * aios_http_parse_json:
 *
 * Parses a 2xx answer that must be JSON. A wrong content type or malformed
 * JSON after a non-idempotent request that was carried out is an unknown
 * outcome; for an idempotent one it is retryable.
 *
 * Returns: (transfer full) (nullable): the parsed answer
 */
JsonNode *
aios_http_parse_json (SoupMessage    *msg,
                      GBytes         *body,
                      const char     *service,
                      AiosHttpFlags   flags,
                      GError        **error)
{
  const char *type = soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  gsize len = 0;
  const char *data = g_bytes_get_data (body, &len);
  int code = (flags & AIOS_HTTP_IDEMPOTENT) ? AIOS_CONNECTOR_ERROR_RETRYABLE
                                            : AIOS_CONNECTOR_ERROR_UNKNOWN_OUTCOME;

  if (type == NULL || (g_ascii_strcasecmp (type, "application/json") != 0 &&
                       !g_str_has_suffix (type, "+json")))
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, code,
                   _("%s answered with %s instead of JSON"), service, type ? type : _("no content type"));
      return NULL;
    }
  /* a body of only blanks parses to no value at all */
  if (len == 0 || !json_parser_load_from_data (parser, data ? data : "", len, &local_error) ||
      json_parser_get_root (parser) == NULL)
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, code,
                   _("%s answered with malformed JSON: %s"), service,
                   local_error ? local_error->message : _("empty body"));
      return NULL;
    }
  return json_node_copy (json_parser_get_root (parser));
}

char *
aios_hmac_sha256_hex (const char   *key,
                      const guchar *data,
                      gsize         len)
{
  return g_compute_hmac_for_data (G_CHECKSUM_SHA256, (const guchar *) key, strlen (key), data, len);
}
