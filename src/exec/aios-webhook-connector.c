/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The generic webhook: one JSON POST to the operator's webhook.url.
 *
 * Request:  { "event": "lead.created" (optional), "body": { ... } }
 * On the wire:
 *   POST <webhook.url>
 *   Content-Type: application/json
 *   Idempotency-Key: <the outbox's key>        (receivers deduplicate on it)
 *   X-Aios-Event: <event>                      (when given)
 *   X-Aios-Signature-256: sha256=<hex HMAC-SHA256 of the exact body bytes,
 *                         keyed with the "webhook" credential>
 * The signature is left out when no webhook secret was ever stored; when one
 * was stored but the keyring cannot give it, nothing is sent (fail closed).
 *
 * The destination comes from the settings only, never from the request, so
 * an agent cannot point an approved action somewhere else.
 */
#define G_LOG_DOMAIN "aios-exec"

#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "aios-http.h"
#include "aios-webhook-connector.h"

struct _AiosWebhookConnector
{
  AiosConnector    parent_instance;

  AiosConfig      *config;
  AiosCredentials *credentials;
  SoupSession     *session;
};

G_DEFINE_FINAL_TYPE (AiosWebhookConnector, aios_webhook_connector, AIOS_TYPE_CONNECTOR)

typedef struct
{
  char   *url;
  char   *event;
  GBytes *body;
  char   *key;
  char   *signature;
} Delivery;

static void
delivery_free (Delivery *d)
{
  g_free (d->url);
  g_free (d->event);
  g_clear_pointer (&d->body, g_bytes_unref);
  g_free (d->key);
  g_free (d->signature);
  g_free (d);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Delivery, delivery_free)

static Delivery *
build_delivery (AiosWebhookConnector  *self,
                JsonObject            *request,
                GError               **error)
{
  g_autoptr(Delivery) d = g_new0 (Delivery, 1);
  JsonNode *body;
  g_autoptr(JsonGenerator) gen = NULL;
  char *text;
  gsize len;

  d->url = aios_config_get (self->config, "webhook.url");
  if (d->url == NULL)
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED,
                   _("The webhook is not configured: set webhook.url"));
      return NULL;
    }

  body = json_object_get_member (request, "body");
  if (body == NULL || (!JSON_NODE_HOLDS_OBJECT (body) && !JSON_NODE_HOLDS_ARRAY (body)))
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                   _("A webhook request needs a “body” that is a JSON object or array"));
      return NULL;
    }
  if (json_object_has_member (request, "event"))
    {
      JsonNode *event = json_object_get_member (request, "event");
      const char *s = JSON_NODE_HOLDS_VALUE (event) && json_node_get_value_type (event) == G_TYPE_STRING
                      ? json_node_get_string (event) : NULL;
      if (s == NULL || *s == '\0' || strpbrk (s, "\r\n") != NULL || strlen (s) > 200)
        {
          g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                       _("A webhook “event” must be a short one-line string"));
          return NULL;
        }
      d->event = g_strdup (s);
    }

  gen = json_generator_new ();
  json_generator_set_root (gen, body);
  text = json_generator_to_data (gen, &len);
  d->body = g_bytes_new_take (text, len);
  return g_steal_pointer (&d);
}

static JsonNode *
aios_webhook_connector_prepare (AiosConnector  *connector,
                                JsonObject     *request,
                                GError        **error)
{
  AiosWebhookConnector *self = AIOS_WEBHOOK_CONNECTOR (connector);
  g_autoptr(Delivery) d = build_delivery (self, request, error);
  g_autoptr(JsonBuilder) b = NULL;
  gboolean signed_ = FALSE;

  if (d == NULL)
    return NULL;
  signed_ = aios_credentials_has_reference (self->credentials, "webhook");

  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "connector");
  json_builder_add_string_value (b, "webhook");
  json_builder_set_member_name (b, "method");
  json_builder_add_string_value (b, "POST");
  json_builder_set_member_name (b, "url");
  json_builder_add_string_value (b, d->url);
  json_builder_set_member_name (b, "headers");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "Content-Type");
  json_builder_add_string_value (b, "application/json");
  json_builder_set_member_name (b, "Idempotency-Key");
  json_builder_add_string_value (b, _("(the outbox's idempotency key)"));
  if (d->event != NULL)
    {
      json_builder_set_member_name (b, AIOS_WEBHOOK_EVENT_HEADER);
      json_builder_add_string_value (b, d->event);
    }
  if (signed_)
    {
      json_builder_set_member_name (b, AIOS_WEBHOOK_SIGNATURE_HEADER);
      json_builder_add_string_value (b, _("sha256=(HMAC-SHA256 of the body with the webhook secret)"));
    }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "body");
  json_builder_add_string_value (b, g_bytes_get_data (d->body, NULL));
  json_builder_set_member_name (b, "signed");
  json_builder_add_boolean_value (b, signed_);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SoupMessage *msg = g_object_get_data (G_OBJECT (task), "msg");
  Delivery *d = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = aios_http_send_finish (result, &error);
  g_autoptr(GUri) uri = NULL;
  g_autoptr(JsonBuilder) b = NULL;
  g_autoptr(JsonParser) parser = NULL;
  const char *type;
  gsize len = 0;
  const char *data;

  if (body == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  uri = g_uri_parse (d->url, G_URI_FLAGS_NONE, NULL);
  if (!aios_http_check_status (msg, body, uri ? g_uri_get_host (uri) : d->url, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* 2xx: it happened. The receiver's answer is kept as it came, as JSON when
   * it is JSON, else as a short excerpt; its shape is not ours to judge. */
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "status");
  json_builder_add_int_value (b, soup_message_get_status (msg));
  type = soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL);
  data = g_bytes_get_data (body, &len);
  parser = json_parser_new ();
  if (type != NULL && g_ascii_strcasecmp (type, "application/json") == 0 && len > 0 &&
      json_parser_load_from_data (parser, data, len, NULL))
    {
      json_builder_set_member_name (b, "body");
      json_builder_add_value (b, json_node_copy (json_parser_get_root (parser)));
    }
  else if (len > 0)
    {
      g_autofree char *excerpt = aios_http_body_excerpt (body);
      json_builder_set_member_name (b, "text");
      json_builder_add_string_value (b, excerpt);
    }
  json_builder_end_object (b);
  g_task_return_pointer (task, json_builder_get_root (b), (GDestroyNotify) json_node_unref);
}

static void
send_delivery (GTask *task)
{
  AiosWebhookConnector *self = g_task_get_source_object (task);
  Delivery *d = g_task_get_task_data (task);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", d->url);
  SoupMessageHeaders *headers;

  if (msg == NULL)
    {
      g_task_return_new_error (task, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED,
                               _("webhook.url is not a valid URL: %s"), d->url);
      g_object_unref (task);
      return;
    }
  /* A redirect would re-send (or turn the POST into a GET): never follow. */
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  headers = soup_message_get_request_headers (msg);
  soup_message_headers_replace (headers, "Idempotency-Key", d->key);
  if (d->event != NULL)
    soup_message_headers_replace (headers, AIOS_WEBHOOK_EVENT_HEADER, d->event);
  if (d->signature != NULL)
    soup_message_headers_replace (headers, AIOS_WEBHOOK_SIGNATURE_HEADER, d->signature);
  soup_message_set_request_body_from_bytes (msg, "application/json", d->body);

  g_object_set_data_full (G_OBJECT (task), "msg", g_object_ref (msg), g_object_unref);
  aios_http_send_async (self->session, msg, 0,
                        aios_connector_get_timeout_ms (AIOS_CONNECTOR (self)),
                        g_task_get_cancellable (task), sent_cb, task);
}

static void
secret_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  Delivery *d = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  char *secret = NULL;

  /* A secret was set and cannot be read: sending unsigned would be a
   * silent downgrade, so the lookup stops it. */
  if (!aios_credentials_lookup_optional_finish (AIOS_CREDENTIALS (source), result, "webhook", &secret, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  if (secret != NULL)
    {
      g_autofree char *hex = aios_hmac_sha256_hex (secret, g_bytes_get_data (d->body, NULL),
                                                   g_bytes_get_size (d->body));
      secret_password_free (secret);
      d->signature = g_strconcat ("sha256=", hex, NULL);
    }
  send_delivery (task);
}

static void
aios_webhook_connector_execute_async (AiosConnector       *connector,
                                      JsonObject          *request,
                                      const char          *idempotency_key,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  AiosWebhookConnector *self = AIOS_WEBHOOK_CONNECTOR (connector);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  Delivery *d;

  g_task_set_source_tag (task, aios_webhook_connector_execute_async);
  d = build_delivery (self, request, &error);
  if (d == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (strpbrk (idempotency_key, "\r\n") != NULL)
    {
      delivery_free (d);
      g_task_return_new_error (task, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                               _("The idempotency key must be one line"));
      return;
    }
  d->key = g_strdup (idempotency_key);
  g_task_set_task_data (task, d, (GDestroyNotify) delivery_free);
  aios_credentials_lookup_async (self->credentials, "webhook", cancellable, secret_cb,
                                 g_steal_pointer (&task));
}

static JsonNode *
aios_webhook_connector_execute_finish (AiosConnector  *connector,
                                       GAsyncResult   *result,
                                       GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, connector), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
aios_webhook_connector_dispose (GObject *object)
{
  AiosWebhookConnector *self = AIOS_WEBHOOK_CONNECTOR (object);

  g_clear_object (&self->config);
  g_clear_object (&self->credentials);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (aios_webhook_connector_parent_class)->dispose (object);
}

static const AiosCredentialSpec webhook_credential = {
  "webhook", N_("Signing Secret"), N_("HMAC secret that signs webhook requests"), FALSE
};

static AiosActionDescription *
aios_webhook_connector_describe (AiosConnector *connector,
                                 JsonNode      *preview,
                                 JsonNode      *request,
                                 const char    *person)
{
  AiosActionDescription *description = g_new0 (AiosActionDescription, 1);
  const char *url = aios_json_node_get_string (preview, "url");
  g_autoptr(GUri) uri = url != NULL ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;
  const char *host = uri != NULL ? g_uri_get_host (uri) : NULL;
  JsonObject *object = preview != NULL && JSON_NODE_HOLDS_OBJECT (preview) ? json_node_get_object (preview) : NULL;
  JsonNode *headers = object != NULL ? json_object_get_member (object, "headers") : NULL;
  const char *event = aios_json_node_get_string (headers, "X-Aios-Event");
  const char *where = host != NULL ? host : url != NULL ? url : "";

  /* Translators: an inbox title; %s is the receiving server */
  description->title = g_strdup_printf (_("Webhook to %s"), where);
  description->subtitle = g_strdup (event != NULL ? event : url);
  /* Translators: a notification's title; %s is the receiving server */
  description->question = g_strdup_printf (_("Approve the webhook to %s?"), where);
  return description;
}

static void
test_secret_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  char *secret = aios_credentials_lookup_finish (AIOS_CREDENTIALS (source), result, &error);

  if (secret == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  secret_password_free (secret);
  g_task_return_pointer (task, g_strdup (_("The keyring gives the secret (this connector has no harmless call to make)")),
                         g_free);
}

/* A webhook has no harmless call: the test proves the secret is there. */
static void
aios_webhook_connector_connection_test_async (AiosConnector       *connector,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data)
{
  AiosWebhookConnector *self = AIOS_WEBHOOK_CONNECTOR (connector);
  GTask *task = g_task_new (connector, cancellable, callback, user_data);

  g_task_set_source_tag (task, aios_webhook_connector_connection_test_async);
  aios_credentials_lookup_async (self->credentials, webhook_credential.name, cancellable, test_secret_cb, task);
}

static char *
aios_webhook_connector_connection_test_finish (AiosConnector  *connector,
                                               GAsyncResult   *result,
                                               GError        **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
aios_webhook_connector_class_init (AiosWebhookConnectorClass *klass)
{
  AiosConnectorClass *connector_class = AIOS_CONNECTOR_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = aios_webhook_connector_dispose;
  connector_class->prepare = aios_webhook_connector_prepare;
  connector_class->execute_async = aios_webhook_connector_execute_async;
  connector_class->execute_finish = aios_webhook_connector_execute_finish;

  connector_class->display_name = N_("Webhook");
  connector_class->icon_name = "network-transmit-symbolic";
  connector_class->approval_expiry_s = 1 * 24 * 3600;
  connector_class->preview_kind = AIOS_PREVIEW_REQUEST;
  connector_class->credential = &webhook_credential;
  connector_class->describe = aios_webhook_connector_describe;
  connector_class->test_async = aios_webhook_connector_connection_test_async;
  connector_class->test_finish = aios_webhook_connector_connection_test_finish;
}

static void
aios_webhook_connector_init (AiosWebhookConnector *self)
{
}

AiosConnector *
aios_webhook_connector_new (AiosConfig      *config,
                            AiosCredentials *credentials,
                            SoupSession     *session)
{
  AiosWebhookConnector *self = g_object_new (AIOS_TYPE_WEBHOOK_CONNECTOR, "name", "webhook", NULL);

  self->config = g_object_ref (config);
  self->credentials = g_object_ref (credentials);
  self->session = g_object_ref (session);
  return AIOS_CONNECTOR (self);
}
