/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The local intake endpoint (off by default): web forms and other tools on
 * this machine hand Aios leads as JSON.
 *
 *   POST http://127.0.0.1:<intake.port>/v1/leads   → a run of "lead-followup"
 *   Authorization: Bearer <the "intake" credential from the keyring>
 *   Content-Type: application/json, at most 64 KiB
 *
 * Answers are JSON: 201 {"run_id": N}; errors {"error": {"code", "message"}}
 * with 400 (malformed or empty), 401 (token), 404, 405 (anything but POST:
 * a GET never acts, since mail scanners open links), 408 (too slow), 413,
 * 415, 422 (the flow's input schema), 429 (rate limit, with Retry-After) or
 * 503. The run is created in one transaction by the coordinator, so a
 * refused request leaves nothing behind. It listens on the loopback
 * interface only.
 *
 * Everything but the body is judged as soon as the headers are in: path,
 * method, token, content type, declared length and the rate limit. A
 * request refused there is answered at once and its connection closed
 * without reading the body; a chunked body is counted while it arrives
 * and refused the moment it passes the cap. Requests with the token and
 * requests without it draw on separate budgets, so nobody without the
 * token can make the operator's own form wait. A silent connection is
 * closed after AIOS_INTAKE_IDLE_TIMEOUT_S, a request that has not fully
 * arrived after AIOS_INTAKE_REQUEST_TIMEOUT_S gets 408.
 */
#define G_LOG_DOMAIN "aios-app"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>
#include <libsecret/secret.h>
#include <libsoup/soup.h>

#include "aios-intake-server.h"
#include "aios-workspace.h"
#include "control/aios-coordinator.h"
#include "store/aios-journal.h"

#define DEFAULT_RATE_PER_MINUTE 60

/* A refused request's body is read and dropped for at most this many bytes
 * or seconds before the connection closes (so the client reads the answer
 * instead of a reset). */
#define DRAIN_MAX_BYTES (256 * 1024)
#define DRAIN_MAX_SECONDS 2

#define DEADLINE_KEY "aios-intake-deadline"

typedef struct
{
  guint          rate_per_minute;
  double         tokens;
  gint64         refilled_us;
} Bucket;

struct _AiosIntakeServer
{
  GObject        parent_instance;

  AiosWorkspace *workspace;     /* unowned: the workspace owns us */
  SoupServer    *server;
  char          *token;
  guint          port;
  gboolean       armed;
  GCancellable  *cancellable;

  guint          idle_timeout_s;
  guint          request_timeout_s;

  Bucket         authorized;    /* requests with the token */
  Bucket         unauthorized;  /* everything else */
};

G_DEFINE_FINAL_TYPE (AiosIntakeServer, aios_intake_server, G_TYPE_OBJECT)

static void
forget_token (AiosIntakeServer *self)
{
  if (self->token != NULL)
    {
      memset (self->token, 0, strlen (self->token));
      g_clear_pointer (&self->token, g_free);
    }
}

static void
stop_listening (AiosIntakeServer *self)
{
  if (self->server != NULL)
    {
      soup_server_disconnect (self->server);
      g_clear_object (&self->server);
    }
  forget_token (self);
  self->port = 0;
}

static void
aios_intake_server_dispose (GObject *object)
{
  AiosIntakeServer *self = AIOS_INTAKE_SERVER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  stop_listening (self);
  G_OBJECT_CLASS (aios_intake_server_parent_class)->dispose (object);
}

static void
aios_intake_server_class_init (AiosIntakeServerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = aios_intake_server_dispose;
}

static void
bucket_fill (Bucket *bucket,
             guint   requests_per_minute)
{
  bucket->rate_per_minute = MAX (1u, requests_per_minute);
  bucket->tokens = bucket->rate_per_minute;
  bucket->refilled_us = g_get_monotonic_time ();
}

static void
aios_intake_server_init (AiosIntakeServer *self)
{
  bucket_fill (&self->authorized, DEFAULT_RATE_PER_MINUTE);
  bucket_fill (&self->unauthorized, AIOS_INTAKE_UNAUTHORIZED_PER_MINUTE);
  self->idle_timeout_s = AIOS_INTAKE_IDLE_TIMEOUT_S;
  self->request_timeout_s = AIOS_INTAKE_REQUEST_TIMEOUT_S;
  self->cancellable = g_cancellable_new ();
}

AiosIntakeServer *
aios_intake_server_new (AiosWorkspace *workspace)
{
  AiosIntakeServer *self = g_object_new (AIOS_TYPE_INTAKE_SERVER, NULL);

  self->workspace = workspace;
  return self;
}

void
aios_intake_server_set_rate_limit (AiosIntakeServer *self,
                                   guint             requests_per_minute)
{
  g_return_if_fail (AIOS_IS_INTAKE_SERVER (self));
  bucket_fill (&self->authorized, requests_per_minute);
  bucket_fill (&self->unauthorized, self->unauthorized.rate_per_minute);
}

void
aios_intake_server_set_timeouts (AiosIntakeServer *self,
                                 guint             idle_seconds,
                                 guint             request_seconds)
{
  g_return_if_fail (AIOS_IS_INTAKE_SERVER (self));
  self->idle_timeout_s = idle_seconds ? idle_seconds : AIOS_INTAKE_IDLE_TIMEOUT_S;
  self->request_timeout_s = request_seconds ? request_seconds : AIOS_INTAKE_REQUEST_TIMEOUT_S;
}

gboolean
aios_intake_server_is_listening (AiosIntakeServer *self)
{
  g_return_val_if_fail (AIOS_IS_INTAKE_SERVER (self), FALSE);
  return self->server != NULL;
}

guint
aios_intake_server_get_port (AiosIntakeServer *self)
{
  g_return_val_if_fail (AIOS_IS_INTAKE_SERVER (self), 0);
  return self->port;
}

static void
journal (AiosIntakeServer *self,
         const char       *kind,
         const char       *summary)
{
  AiosEvent ev = { 0 };
  g_autoptr(GError) error = NULL;

  ev.actor = (char *) "connector:intake";
  ev.kind = (char *) kind;
  ev.summary = (char *) summary;
  if (aios_journal_append (aios_workspace_get_store (self->workspace), &ev, &error) == 0)
    g_warning ("%s", error->message);
}

/* Answers */

static void
reply_json (SoupServerMessage *msg,
            guint              status,
            const char        *json)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, json, strlen (json));
}

static void
reply_error (SoupServerMessage *msg,
             guint              status,
             const char        *code,
             const char        *message)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *json = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, code);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json = json_to_string (root, FALSE);
  reply_json (msg, status, json);
}

static gboolean
take_token (Bucket *bucket,
            gint64 *retry_after_s)
{
  gint64 now = g_get_monotonic_time ();
  double per_us = bucket->rate_per_minute / 60e6;

  if (bucket->refilled_us == 0)
    bucket->refilled_us = now;
  bucket->tokens = MIN ((double) bucket->rate_per_minute, bucket->tokens + (now - bucket->refilled_us) * per_us);
  bucket->refilled_us = now;
  if (bucket->tokens >= 1.0)
    {
      bucket->tokens -= 1.0;
      return TRUE;
    }
  *retry_after_s = (gint64) ((1.0 - bucket->tokens) / per_us / 1e6) + 1;
  return FALSE;
}

/* Compares in time independent of where the strings differ. */
static gboolean
token_matches (const char *expected,
               const char *given)
{
  gsize a = strlen (expected), b = strlen (given);
  guchar diff = a != b;

  for (gsize i = 0; i < a; i++)
    diff |= (guchar) expected[i] ^ (guchar) (i < b ? given[i] : 0);
  return diff == 0;
}

static gboolean
authorized (AiosIntakeServer  *self,
            SoupServerMessage *msg)
{
  const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                   "Authorization");

  return self->token != NULL && auth != NULL && g_str_has_prefix (auth, "Bearer ") &&
         token_matches (self->token, auth + 7);
}

static const char *
flow_for_path (const char *path)
{
  if (g_str_equal (path, "/v1/leads"))
    return "lead-followup";
  return NULL;
}

/* Answering without reading the body */

typedef struct
{
  GIOStream    *stream;
  GSocket      *socket;
  GBytes       *answer;
  GCancellable *cancellable;
  guint         deadline_id;
  gsize         drained;
  guint8        buffer[8192];
} Closing;

static void
closing_free (Closing *closing)
{
  g_clear_handle_id (&closing->deadline_id, g_source_remove);
  g_io_stream_close (closing->stream, NULL, NULL);
  if (closing->socket != NULL)
    g_socket_close (closing->socket, NULL);
  g_clear_object (&closing->socket);
  g_clear_object (&closing->stream);
  g_clear_pointer (&closing->answer, g_bytes_unref);
  g_clear_object (&closing->cancellable);
  g_free (closing);
}

static gboolean
closing_deadline_cb (gpointer user_data)
{
  Closing *closing = user_data;

  closing->deadline_id = 0;
  g_cancellable_cancel (closing->cancellable);
  return G_SOURCE_REMOVE;
}

static void
drained_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Closing *closing = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n <= 0 || (closing->drained += n) >= DRAIN_MAX_BYTES)
    {
      closing_free (closing);
      return;
    }
  g_input_stream_read_async (G_INPUT_STREAM (source), closing->buffer, sizeof closing->buffer,
                             G_PRIORITY_DEFAULT, closing->cancellable, drained_cb, closing);
}

static void
answered_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Closing *closing = user_data;
  GInputStream *in = g_io_stream_get_input_stream (closing->stream);

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL))
    {
      closing_free (closing);
      return;
    }
  /* The answer is out: say so with a FIN, then drop what the client may
   * still be sending for a little while, so closing does not reset the
   * connection under an answer it has not read yet. */
  if (closing->socket != NULL)
    g_socket_shutdown (closing->socket, FALSE, TRUE, NULL);
  g_input_stream_read_async (in, closing->buffer, sizeof closing->buffer,
                             G_PRIORITY_DEFAULT, closing->cancellable, drained_cb, closing);
}

static void
append_header (const char *name,
               const char *value,
               gpointer    user_data)
{
  if (g_ascii_strcasecmp (name, "Content-Length") == 0 || g_ascii_strcasecmp (name, "Connection") == 0 ||
      g_ascii_strcasecmp (name, "Transfer-Encoding") == 0)
    return;
  g_string_append_printf (user_data, "%s: %s\r\n", name, value);
}

/* Writes the answer prepared on @msg itself and closes the connection:
 * libsoup would first read the whole body, however large. Taking the
 * connection from libsoup inside got-headers or got-chunk is what its own
 * WebSocket upgrade does inside wrote-informational: its reading loop
 * stops as soon as the message has no I/O left. */
static void
answer_and_close (SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  guint status = soup_server_message_get_status (msg);
  g_autoptr(GBytes) content = soup_message_body_flatten (body);
  GString *text = g_string_new (NULL);
  Closing *closing;
  GIOStream *stream;

  g_object_ref (msg);
  g_string_append_printf (text, "HTTP/1.1 %u %s\r\n", status, soup_status_get_phrase (status));
  soup_message_headers_foreach (soup_server_message_get_response_headers (msg), append_header, text);
  g_string_append_printf (text, "Content-Length: %" G_GSIZE_FORMAT "\r\nConnection: close\r\n\r\n",
                          g_bytes_get_size (content));
  g_string_append_len (text, g_bytes_get_data (content, NULL), g_bytes_get_size (content));

  stream = soup_server_message_steal_connection (msg);
  g_object_unref (msg);
  if (stream == NULL)
    {
      g_string_free (text, TRUE);
      return;
    }
  closing = g_new0 (Closing, 1);
  closing->stream = stream;
  closing->socket = g_object_get_data (G_OBJECT (stream), "GSocket");
  if (closing->socket != NULL)
    g_object_ref (closing->socket);
  closing->answer = g_string_free_to_bytes (text);
  closing->cancellable = g_cancellable_new ();
  closing->deadline_id = g_timeout_add_seconds (DRAIN_MAX_SECONDS, closing_deadline_cb, closing);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (stream),
                                   g_bytes_get_data (closing->answer, NULL),
                                   g_bytes_get_size (closing->answer),
                                   G_PRIORITY_DEFAULT, closing->cancellable, answered_cb, closing);
}

static gboolean
has_body (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  switch (soup_message_headers_get_encoding (headers))
    {
    case SOUP_ENCODING_NONE:
      return FALSE;
    case SOUP_ENCODING_CONTENT_LENGTH:
      return soup_message_headers_get_content_length (headers) > 0;
    default:
      return TRUE;
    }
}

/* Refuses at the headers: the answer goes out without the body being read. */
static void
refuse (SoupServerMessage *msg)
{
  if (has_body (msg))
    answer_and_close (msg);
}

/* Checks everything the headers tell; FALSE when @msg has been answered. */
static gboolean
check_headers (AiosIntakeServer  *self,
               SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  const char *type = soup_message_headers_get_content_type (headers, NULL);
  gboolean with_token = authorized (self, msg);
  gint64 retry_after = 0;

  /* libsoup refused it already (a request it cannot parse). */
  if (soup_server_message_get_status (msg) != SOUP_STATUS_NONE)
    {
      reply_error (msg, soup_server_message_get_status (msg), "malformed", _("The request is malformed"));
      return FALSE;
    }
  if (!take_token (with_token ? &self->authorized : &self->unauthorized, &retry_after))
    {
      g_autofree char *seconds = g_strdup_printf ("%" PRId64, retry_after);
      soup_message_headers_replace (response, "Retry-After", seconds);
      reply_error (msg, 429, "rate-limited", _("Too many requests; try again later"));
      return FALSE;
    }
  if (flow_for_path (g_uri_get_path (soup_server_message_get_uri (msg))) == NULL)
    {
      reply_error (msg, SOUP_STATUS_NOT_FOUND, "not-found", _("Use POST /v1/leads"));
      return FALSE;
    }
  if (g_strcmp0 (soup_server_message_get_method (msg), "POST") != 0)
    {
      soup_message_headers_replace (response, "Allow", "POST");
      reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method-not-allowed",
                   _("Only POST is accepted; nothing is done for a GET"));
      return FALSE;
    }
  if (!with_token)
    {
      soup_message_headers_replace (response, "WWW-Authenticate", "Bearer realm=\"aios-intake\"");
      reply_error (msg, SOUP_STATUS_UNAUTHORIZED, "unauthorized", _("A valid bearer token is required"));
      return FALSE;
    }
  if (type == NULL || g_ascii_strcasecmp (type, "application/json") != 0)
    {
      reply_error (msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type",
                   _("Send the body as application/json"));
      return FALSE;
    }
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length (headers) > AIOS_INTAKE_MAX_BODY)
    {
      reply_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too-large",
                   _("The request is larger than 64 KiB"));
      return FALSE;
    }
  return TRUE;
}

static void
got_headers_cb (SoupServerMessage *msg,
                AiosIntakeServer  *self)
{
  if (!check_headers (self, msg))
    refuse (msg);
}

/* A chunked body has no length up front: count it as it arrives. */
static void
got_chunk_cb (SoupServerMessage *msg,
              GBytes            *chunk,
              AiosIntakeServer  *self)
{
  if (soup_server_message_get_status (msg) != SOUP_STATUS_NONE ||
      soup_server_message_get_request_body (msg)->length <= AIOS_INTAKE_MAX_BODY)
    return;
  reply_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too-large", _("The request is larger than 64 KiB"));
  answer_and_close (msg);
}

static gboolean
request_deadline_cb (gpointer user_data)
{
  SoupServerMessage *msg = user_data;

  g_object_ref (msg);
  g_object_set_data (G_OBJECT (msg), DEADLINE_KEY, NULL);
  reply_error (msg, SOUP_STATUS_REQUEST_TIMEOUT, "timeout", _("The request took too long to arrive"));
  answer_and_close (msg);
  g_object_unref (msg);
  return G_SOURCE_REMOVE;
}

static void
drop_deadline (gpointer data)
{
  g_source_destroy (data);
  g_source_unref (data);
}

static void
arrived_cb (SoupServerMessage *msg,
            gpointer           user_data)
{
  g_object_set_data (G_OBJECT (msg), DEADLINE_KEY, NULL);
}

static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    AiosIntakeServer  *self)
{
  GSocket *socket = soup_server_message_get_socket (msg);
  GSource *deadline = g_timeout_source_new_seconds (self->request_timeout_s);

  /* An idle timeout: a read or write that waits this long fails, and
   * libsoup closes the connection. */
  if (socket != NULL)
    g_socket_set_timeout (socket, self->idle_timeout_s);
  g_source_set_callback (deadline, request_deadline_cb, msg, NULL);
  g_source_attach (deadline, NULL);
  /* The message owns its deadline: gone with it, or once the body is in. */
  g_object_set_data_full (G_OBJECT (msg), DEADLINE_KEY, deadline, drop_deadline);

  g_signal_connect (msg, "got-headers", G_CALLBACK (got_headers_cb), self);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk_cb), self);
  g_signal_connect (msg, "got-body", G_CALLBACK (arrived_cb), self);
  /* Answered without a body (a request libsoup could not parse): the
   * deadline must not outlive the message on a reused connection. */
  g_signal_connect (msg, "finished", G_CALLBACK (arrived_cb), self);
}

/**
 * aios_intake_parse_body:
 * @data: (array length=len) (nullable): the request body as it arrived
 * @status: (out): the HTTP status to answer when the body is refused
 * @code: (out): the short error code of the answer ("too-large", "empty", "malformed")
 * @message: (out): what is wrong, in words
 *
 * The checks on an intake body that need nothing but its bytes: at most
 * %AIOS_INTAKE_MAX_BODY, not empty, a JSON object. The flow's input schema
 * is checked afterwards (aios_flow_check_input()).
 *
 * Returns: (transfer full) (nullable): the object, or %NULL with the out
 *   parameters set
 */
JsonNode *
aios_intake_parse_body (const char  *data,
                        gsize        len,
                        guint       *status,
                        const char **code,
                        char       **message)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  if (len > AIOS_INTAKE_MAX_BODY)
    {
      *status = SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE;
      *code = "too-large";
      *message = g_strdup (_("The request is larger than 64 KiB"));
      return NULL;
    }
  if (data == NULL || len == 0)
    {
      *status = SOUP_STATUS_BAD_REQUEST;
      *code = "empty";
      *message = g_strdup (_("The body is empty; send a JSON object"));
      return NULL;
    }
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, data, len, &error))
    {
      *status = SOUP_STATUS_BAD_REQUEST;
      *code = "malformed";
      *message = g_strdup (error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      *status = SOUP_STATUS_BAD_REQUEST;
      *code = "malformed";
      *message = g_strdup (_("The body must be a JSON object"));
      return NULL;
    }
  return json_parser_steal_root (parser);
}

/* Runs once the body is in, for requests the headers let through. */
static void
handle_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  AiosIntakeServer *self = user_data;
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  const char *flow_id = flow_for_path (path);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosFlow) flow = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *problem = NULL;
  const char *code = NULL;
  guint status = 0;
  gint64 run_id;
  AiosCoordinator *coordinator;

  if (flow_id == NULL || !authorized (self, msg))
    {
      reply_error (msg, SOUP_STATUS_UNAUTHORIZED, "unauthorized", _("A valid bearer token is required"));
      return;
    }
  bytes = soup_message_body_flatten (body);
  root = aios_intake_parse_body (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                 &status, &code, &problem);
  if (root == NULL)
    {
      reply_error (msg, status, code, problem);
      return;
    }

  coordinator = aios_workspace_get_coordinator (self->workspace);
  flow = aios_flow_registry_lookup (aios_coordinator_get_flows (coordinator), flow_id, &error);
  if (flow == NULL)
    {
      reply_error (msg, SOUP_STATUS_NOT_FOUND, "no-flow", error->message);
      return;
    }
  if (!aios_flow_check_input (flow, root, &error))
    {
      reply_error (msg, SOUP_STATUS_UNPROCESSABLE_ENTITY, "invalid", error->message);
      return;
    }
  run_id = aios_coordinator_submit (coordinator, flow_id, root, "connector:intake", &error);
  if (run_id == 0)
    {
      reply_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "not-saved", error->message);
      return;
    }
  answer = g_strdup_printf ("{\"run_id\":%" PRId64 "}", run_id);
  reply_json (msg, SOUP_STATUS_CREATED, answer);
}

static void
listen_with_token (AiosIntakeServer *self)
{
  g_autofree char *port_text = aios_config_get (aios_workspace_get_config (self->workspace), "intake.port");
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = NULL;
  guint64 port = 0;

  if (port_text == NULL || !g_ascii_string_to_unsigned (port_text, 10, 1, 65535, &port, NULL))
    {
      forget_token (self);
      journal (self, "intake.failed", _("The intake endpoint needs intake.port"));
      g_message ("The intake endpoint needs intake.port");
      return;
    }
  self->server = soup_server_new ("server-header", "Aios-Intake", NULL);
  soup_server_add_handler (self->server, NULL, handle_cb, self, NULL);
  g_signal_connect (self->server, "request-started", G_CALLBACK (request_started_cb), self);
  /* Loopback only: never reachable from another machine. */
  if (!soup_server_listen_local (self->server, port, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    {
      summary = g_strdup_printf (_("The intake endpoint could not listen on 127.0.0.1:%u: %s"),
                                 (guint) port, error->message);
      g_message ("%s", summary);
      journal (self, "intake.failed", summary);
      stop_listening (self);
      return;
    }
  self->port = port;
  bucket_fill (&self->authorized, self->authorized.rate_per_minute);
  bucket_fill (&self->unauthorized, self->unauthorized.rate_per_minute);
  summary = g_strdup_printf ("Intake endpoint listening on 127.0.0.1:%u", (guint) port);
  journal (self, "intake.started", summary);
}

static void
token_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(AiosIntakeServer) self = user_data;
  g_autoptr(GError) error = NULL;
  char *secret = aios_credentials_lookup_finish (AIOS_CREDENTIALS (source), result, &error);
  g_autofree char *summary = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (secret == NULL)
    {
      summary = g_strdup_printf (_("The intake endpoint stays off: %s"), error->message);
      g_message ("%s", summary);
      journal (self, "intake.failed", summary);
      return;
    }
  self->token = g_strdup (secret);
  secret_password_free (secret);
  listen_with_token (self);
}

static void
follow_config (AiosIntakeServer *self)
{
  g_autofree char *enabled = aios_config_get (aios_workspace_get_config (self->workspace), "intake.enabled");
  gboolean was = self->server != NULL;

  stop_listening (self);
  if (was)
    journal (self, "intake.stopped", "Intake endpoint stopped");
  if (g_strcmp0 (enabled, "true") != 0)
    return;
  aios_credentials_lookup_async (aios_workspace_get_credentials (self->workspace), "intake",
                                 self->cancellable, token_cb, g_object_ref (self));
}

static void
config_changed_cb (AiosConfig       *config,
                   const char       *key,
                   AiosIntakeServer *self)
{
  if (self->armed && (g_strcmp0 (key, "intake.enabled") == 0 || g_strcmp0 (key, "intake.port") == 0))
    follow_config (self);
}

/**
 * aios_intake_server_arm:
 *
 * From now on the endpoint runs whenever intake.enabled is true (reading
 * the token from the keyring each time it starts). Only long-lived
 * processes arm it; one-shot commands never bind the port.
 */
void
aios_intake_server_arm (AiosIntakeServer *self)
{
  g_return_if_fail (AIOS_IS_INTAKE_SERVER (self));

  if (self->armed)
    return;
  self->armed = TRUE;
  g_signal_connect_object (aios_workspace_get_config (self->workspace), "changed",
                           G_CALLBACK (config_changed_cb), self, 0);
  follow_config (self);
}
