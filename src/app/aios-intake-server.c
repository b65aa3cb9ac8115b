/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The local intake endpoint (off by default): web forms and other tools on
 * this machine hand Aios leads and notes as JSON.
 *
 *   POST http://127.0.0.1:<intake.port>/v1/leads   → a run of "lead-followup"
 *   POST http://127.0.0.1:<intake.port>/v1/notes   → a run of "note"
 *   Authorization: Bearer <the "intake" credential from the keyring>
 *   Content-Type: application/json, at most 64 KiB
 *
 * Answers are JSON: 201 {"run_id": N}; errors {"error": {"code", "message"}}
 * with 400 (malformed), 401 (token), 404, 405 (anything but POST: a GET
 * never acts, since mail scanners open links), 413, 415, 422 (the flow's
 * input schema), 429 (rate limit, with Retry-After) or 503. The run is
 * created in one transaction by the coordinator, so a refused request
 * leaves nothing behind. It listens on the loopback interface only.
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

struct _AiosIntakeServer
{
  GObject        parent_instance;

  AiosWorkspace *workspace;     /* unowned: the workspace owns us */
  SoupServer    *server;
  char          *token;
  guint          port;
  gboolean       armed;
  GCancellable  *cancellable;

  /* token bucket */
  guint          rate_per_minute;
  double         tokens;
  gint64         refilled_us;
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
aios_intake_server_init (AiosIntakeServer *self)
{
  self->rate_per_minute = DEFAULT_RATE_PER_MINUTE;
  self->tokens = DEFAULT_RATE_PER_MINUTE;
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
  self->rate_per_minute = MAX (1u, requests_per_minute);
  self->tokens = self->rate_per_minute;
  self->refilled_us = g_get_monotonic_time ();
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
take_token (AiosIntakeServer *self,
            gint64           *retry_after_s)
{
  gint64 now = g_get_monotonic_time ();
  double per_us = self->rate_per_minute / 60e6;

  if (self->refilled_us == 0)
    self->refilled_us = now;
  self->tokens = MIN ((double) self->rate_per_minute, self->tokens + (now - self->refilled_us) * per_us);
  self->refilled_us = now;
  if (self->tokens >= 1.0)
    {
      self->tokens -= 1.0;
      return TRUE;
    }
  *retry_after_s = (gint64) ((1.0 - self->tokens) / per_us / 1e6) + 1;
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

static const char *
flow_for_path (const char *path)
{
  if (g_str_equal (path, "/v1/leads"))
    return "lead-followup";
  if (g_str_equal (path, "/v1/notes"))
    return "note";
  return NULL;
}

static void
got_headers_cb (SoupServerMessage *msg,
                gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  goffset length = soup_message_headers_get_content_length (headers);

  /* Refuse a large body before reading it. */
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      length > AIOS_INTAKE_MAX_BODY)
    reply_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too-large",
                 _("The request is larger than 64 KiB"));
}

static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  g_signal_connect (msg, "got-headers", G_CALLBACK (got_headers_cb), user_data);
}

static void
handle_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  AiosIntakeServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  const char *auth = soup_message_headers_get_one (headers, "Authorization");
  const char *type = soup_message_headers_get_content_type (headers, NULL);
  const char *flow_id = flow_for_path (path);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosFlow) flow = NULL;
  g_autofree char *answer = NULL;
  gint64 retry_after, run_id;
  AiosCoordinator *coordinator;

  if (soup_server_message_get_status (msg) == SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE)
    return;

  if (!take_token (self, &retry_after))
    {
      g_autofree char *seconds = g_strdup_printf ("%" PRId64, retry_after);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", seconds);
      reply_error (msg, 429, "rate-limited", _("Too many requests; try again later"));
      return;
    }
  if (flow_id == NULL)
    {
      reply_error (msg, SOUP_STATUS_NOT_FOUND, "not-found", _("Use POST /v1/leads or POST /v1/notes"));
      return;
    }
  if (g_strcmp0 (soup_server_message_get_method (msg), "POST") != 0)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "POST");
      reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method-not-allowed",
                   _("Only POST is accepted; nothing is done for a GET"));
      return;
    }
  if (self->token == NULL || auth == NULL || !g_str_has_prefix (auth, "Bearer ") ||
      !token_matches (self->token, auth + 7))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "WWW-Authenticate", "Bearer realm=\"aios-intake\"");
      reply_error (msg, SOUP_STATUS_UNAUTHORIZED, "unauthorized", _("A valid bearer token is required"));
      return;
    }
  if (type == NULL || g_ascii_strcasecmp (type, "application/json") != 0)
    {
      reply_error (msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type",
                   _("Send the body as application/json"));
      return;
    }
  bytes = soup_message_body_flatten (body);
  if (g_bytes_get_size (bytes) > AIOS_INTAKE_MAX_BODY)
    {
      reply_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too-large", _("The request is larger than 64 KiB"));
      return;
    }
  if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      reply_error (msg, SOUP_STATUS_BAD_REQUEST, "malformed",
                   error ? error->message : _("The body must be a JSON object"));
      return;
    }

  coordinator = aios_workspace_get_coordinator (self->workspace);
  flow = aios_flow_registry_lookup (aios_coordinator_get_flows (coordinator), flow_id, &error);
  if (flow == NULL)
    {
      reply_error (msg, SOUP_STATUS_NOT_FOUND, "no-flow", error->message);
      return;
    }
  if (!aios_flow_check_input (flow, json_parser_get_root (parser), &error))
    {
      reply_error (msg, SOUP_STATUS_UNPROCESSABLE_ENTITY, "invalid", error->message);
      return;
    }
  run_id = aios_coordinator_submit (coordinator, flow_id, json_parser_get_root (parser),
                                    "connector:intake", &error);
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
  self->tokens = self->rate_per_minute;
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
