/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Email by SMTP submission: the settings (smtp.url, smtp.from), the message
 * built from a request (aios-email-message.c), its exact preview with the
 * Message-ID derived from the idempotency key, and the connector's class
 * (its words, expiry, credential and connection test). The dialogue with
 * the server, its rules (TLS before AUTH, plain SMTP only to loopback) and
 * the classification of its answers are aios-smtp-session.c.
 */
#define G_LOG_DOMAIN "aios-exec"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "aios-email-connector.h"
#include "aios-email-message.h"
#include "aios-smtp-session.h"
#include "memory/aios-memory.h"

struct _AiosEmailConnector
{
  AiosConnector    parent_instance;

  AiosConfig      *config;
  AiosCredentials *credentials;
  AiosMemory      *memory;      /* the contacts that said do not contact */
};

G_DEFINE_FINAL_TYPE (AiosEmailConnector, aios_email_connector, AIOS_TYPE_CONNECTOR)

/* Settings */

static gboolean
parse_smtp_url (AiosEmailConnector  *self,
                char               **host,
                guint16             *port,
                gboolean            *implicit_tls,
                gboolean            *loopback,
                GError             **error)
{
  g_autofree char *url = aios_config_get (self->config, "smtp.url");
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GInetAddress) addr = NULL;
  const char *scheme;

  if (url == NULL)
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED,
                   _("Email is not configured: set smtp.url"));
      return FALSE;
    }
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  scheme = uri ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_strcmp0 (scheme, "smtp") != 0 && g_strcmp0 (scheme, "smtps") != 0))
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED,
                   _("smtp.url must look like smtp://host:port or smtps://host:port (got “%s”)"), url);
      return FALSE;
    }
  *implicit_tls = g_str_equal (scheme, "smtps");
  *host = g_strdup (g_uri_get_host (uri));
  *port = g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : (*implicit_tls ? 465 : 587);
  addr = g_inet_address_new_from_string (*host);
  *loopback = g_ascii_strcasecmp (*host, "localhost") == 0 ||
              (addr != NULL && g_inet_address_get_is_loopback (addr));
  return TRUE;
}

static AiosEmailMessage *
build_message (AiosEmailConnector  *self,
               JsonObject          *request,
               GError             **error)
{
  g_autofree char *from = aios_config_get (self->config, "smtp.from");
  g_autofree char *from_name = aios_config_get (self->config, "smtp.from_name");
  g_autofree char *host = NULL;
  guint16 port;
  gboolean tls, loopback;

  g_autoptr(AiosEmailMessage) m = NULL;

  if (!parse_smtp_url (self, &host, &port, &tls, &loopback, error))
    return NULL;
  m = aios_email_message_from_json (request, from, from_name, error);
  if (m == NULL)
    return NULL;
  /* The execution plane's refusal: nobody who unsubscribed gets mail,
   * whatever flow drafted it (the coordinator journals the reason). */
  for (guint i = 0; self->memory != NULL && i < m->rcpts->len; i++)
    {
      g_autoptr(GPtrArray) contacts = aios_memory_find_all (self->memory, "contact", "email", m->rcpts->pdata[i], NULL);
      for (guint j = 0; contacts != NULL && j < contacts->len; j++)
        if (g_strcmp0 (aios_record_get_field (contacts->pdata[j], "do_not_contact"), "yes") == 0)
          {
            g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                         _("%s asked not to be contacted (contact %" G_GINT64_FORMAT " says do not contact); "
                           "the email is not sent"),
                         (char *) m->rcpts->pdata[i], ((AiosRecord *) contacts->pdata[j])->id);
            return NULL;
          }
    }
  return g_steal_pointer (&m);
}

/**
 * aios_email_connector_set_memory:
 *
 * Gives the connector the contacts to check: it refuses any email to a
 * contact whose do_not_contact is "yes".
 */
void
aios_email_connector_set_memory (AiosEmailConnector *self,
                                 AiosMemory         *memory)
{
  g_set_object (&self->memory, memory);
}

static void
add_list (JsonBuilder *b,
          const char  *name,
          GPtrArray   *list)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; i < list->len; i++)
    json_builder_add_string_value (b, list->pdata[i]);
  json_builder_end_array (b);
}

static JsonNode *
render_preview (AiosEmailConnector  *self,
                JsonObject          *request,
                const char          *idempotency_key,
                GError             **error)
{
  g_autoptr(AiosEmailMessage) m = build_message (self, request, error);
  g_autoptr(JsonBuilder) b = NULL;
  g_autoptr(GPtrArray) bcc = NULL;
  g_autofree char *url = NULL;
  g_autofree char *rendered = NULL;
  g_autofree char *message_id = NULL;
  g_autofree char *placeholder = NULL;
  g_autofree char *from = NULL;

  if (m == NULL)
    return NULL;
  url = aios_config_get (self->config, "smtp.url");
  from = aios_email_message_dup_from (m);
  if (idempotency_key != NULL)
    message_id = aios_email_message_id_for_key (idempotency_key, m->from);
  else
    /* Translators: the preview's Message-ID before the key is known; %s is the sender's domain */
    placeholder = g_strdup_printf (_("<(derived from the idempotency key)@%s>"), strrchr (m->from, '@') + 1);
  rendered = aios_email_message_render (m, message_id ? message_id : placeholder,
                                        _("(the time of sending)"));

  /* bcc: the recipients beyond to and cc */
  bcc = g_ptr_array_new ();
  for (guint i = m->to->len + m->cc->len; i < m->rcpts->len; i++)
    g_ptr_array_add (bcc, m->rcpts->pdata[i]);

  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "connector");
  json_builder_add_string_value (b, "email");
  json_builder_set_member_name (b, "server");
  json_builder_add_string_value (b, url);
  json_builder_set_member_name (b, "from");
  json_builder_add_string_value (b, from);
  add_list (b, "to", m->to);
  add_list (b, "cc", m->cc);
  add_list (b, "bcc", bcc);
  json_builder_set_member_name (b, "subject");
  json_builder_add_string_value (b, m->subject);
  json_builder_set_member_name (b, "body");
  json_builder_add_string_value (b, m->body);
  if (message_id != NULL)
    {
      json_builder_set_member_name (b, "message_id");
      json_builder_add_string_value (b, message_id);
    }
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, rendered);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static JsonNode *
aios_email_connector_prepare (AiosConnector  *connector,
                              JsonObject     *request,
                              GError        **error)
{
  return render_preview (AIOS_EMAIL_CONNECTOR (connector), request, NULL, error);
}

static JsonNode *
aios_email_connector_prepare_keyed (AiosConnector  *connector,
                                    JsonObject     *request,
                                    const char     *idempotency_key,
                                    GError        **error)
{
  return render_preview (AIOS_EMAIL_CONNECTOR (connector), request, idempotency_key, error);
}

/* Starts an SMTP session for @task with the settings' server; it takes
 * @message over. */
static gboolean
start_session (AiosEmailConnector  *self,
               GTask               *task,
               gboolean             test_only,
               AiosEmailMessage    *message,
               const char          *message_id,
               GBytes              *payload,
               GError             **error)
{
  g_autofree char *host = NULL;
  guint16 port = 0;
  gboolean implicit_tls = FALSE, loopback = FALSE;

  if (!parse_smtp_url (self, &host, &port, &implicit_tls, &loopback, error))
    {
      g_clear_pointer (&message, aios_email_message_free);
      return FALSE;
    }
  aios_smtp_session_start (task, self->credentials, host, port, implicit_tls, loopback,
                           aios_connector_get_timeout_ms (AIOS_CONNECTOR (self)), test_only,
                           message, message_id, payload);
  return TRUE;
}

static void
aios_email_connector_execute_async (AiosConnector       *connector,
                                    JsonObject          *request,
                                    const char          *idempotency_key,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  AiosEmailConnector *self = AIOS_EMAIL_CONNECTOR (connector);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosEmailMessage) m = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = aios_email_format_date (now);
  g_autofree char *rendered = NULL;
  g_autofree char *message_id = NULL;
  g_autoptr(GBytes) payload = NULL;

  g_task_set_source_tag (task, aios_email_connector_execute_async);
  if (g_cancellable_is_cancelled (cancellable))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Operation was cancelled"));
      return;
    }
  m = build_message (self, request, &error);
  if (m == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  message_id = aios_email_message_id_for_key (idempotency_key, m->from);
  rendered = aios_email_message_render (m, message_id, date);
  payload = aios_email_dot_stuff (rendered);
  if (!start_session (self, task, FALSE, g_steal_pointer (&m), message_id, payload, &error))
    g_task_return_error (task, g_steal_pointer (&error));
}

static JsonNode *
aios_email_connector_execute_finish (AiosConnector  *connector,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, connector), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
aios_email_connector_test_async (AiosEmailConnector  *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;

  g_task_set_source_tag (task, aios_email_connector_test_async);
  if (!start_session (self, task, TRUE, NULL, NULL, NULL, &error))
    g_task_return_error (task, g_steal_pointer (&error));
}

JsonNode *
aios_email_connector_test_finish (AiosEmailConnector  *self,
                                  GAsyncResult        *result,
                                  GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
aios_email_connector_dispose (GObject *object)
{
  AiosEmailConnector *self = AIOS_EMAIL_CONNECTOR (object);

  g_clear_object (&self->config);
  g_clear_object (&self->credentials);
  g_clear_object (&self->memory);
  G_OBJECT_CLASS (aios_email_connector_parent_class)->dispose (object);
}

static const AiosCredentialSpec smtp_credential = {
  "smtp", N_("SMTP Login (user:password)"), N_("SMTP login, as user:password"), TRUE
};

static AiosActionDescription *
aios_email_connector_describe (AiosConnector *connector,
                               JsonNode      *preview,
                               JsonNode      *request,
                               const char    *person)
{
  AiosActionDescription *description = g_new0 (AiosActionDescription, 1);
  JsonObject *object = preview != NULL && JSON_NODE_HOLDS_OBJECT (preview) ? json_node_get_object (preview) : NULL;
  JsonNode *to = object != NULL ? json_object_get_member (object, "to") : NULL;
  const char *address = NULL;
  const char *who;

  if (to != NULL && JSON_NODE_HOLDS_ARRAY (to) && json_array_get_length (json_node_get_array (to)) > 0)
    address = json_array_get_string_element (json_node_get_array (to), 0);
  else
    address = aios_json_node_get_string (preview, "to");
  who = person != NULL ? person : address;

  /* Translators: an inbox title; %s is a person's name or address */
  description->title = g_strdup_printf (_("Email to %s"), who != NULL ? who : _("no one"));
  description->subtitle = g_strdup (aios_json_node_get_string (preview, "subject"));
  description->question = who != NULL
    /* Translators: a notification's title; %s is a person's name or address */
    ? g_strdup_printf (_("Approve email to %s?"), who)
    : g_strdup (_("Approve an email?"));
  return description;
}

static void
test_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) summary = aios_email_connector_test_finish (AIOS_EMAIL_CONNECTOR (source), result, &error);
  gboolean tls, authenticated;
  const char *text;

  if (summary == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  tls = json_object_get_boolean_member (json_node_get_object (summary), "tls");
  authenticated = json_object_get_boolean_member (json_node_get_object (summary), "authenticated");
  if (tls)
    text = authenticated ? _("The SMTP server answered over an encrypted connection and accepted the login")
                         : _("The SMTP server answered over an encrypted connection; no login was needed");
  else
    text = authenticated ? _("The SMTP server answered on loopback, not encrypted, and accepted the login")
                         : _("The SMTP server answered on loopback, not encrypted; no login was needed");
  g_task_return_pointer (task, g_strdup (text), g_free);
}

static void
aios_email_connector_connection_test_async (AiosConnector       *connector,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data)
{
  GTask *task = g_task_new (connector, cancellable, callback, user_data);

  g_task_set_source_tag (task, aios_email_connector_connection_test_async);
  aios_email_connector_test_async (AIOS_EMAIL_CONNECTOR (connector), cancellable, test_cb, task);
}

static char *
aios_email_connector_connection_test_finish (AiosConnector  *connector,
                                             GAsyncResult   *result,
                                             GError        **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
aios_email_connector_class_init (AiosEmailConnectorClass *klass)
{
  AiosConnectorClass *connector_class = AIOS_CONNECTOR_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = aios_email_connector_dispose;
  connector_class->prepare = aios_email_connector_prepare;
  connector_class->prepare_keyed = aios_email_connector_prepare_keyed;
  connector_class->execute_async = aios_email_connector_execute_async;
  connector_class->execute_finish = aios_email_connector_execute_finish;

  connector_class->display_name = N_("Email");
  connector_class->icon_name = "mail-unread-symbolic";
  connector_class->approval_expiry_s = 3 * 24 * 3600;
  connector_class->preview_kind = AIOS_PREVIEW_EMAIL;
  connector_class->credential = &smtp_credential;
  connector_class->describe = aios_email_connector_describe;
  connector_class->test_async = aios_email_connector_connection_test_async;
  connector_class->test_finish = aios_email_connector_connection_test_finish;
}

static void
aios_email_connector_init (AiosEmailConnector *self)
{
}

AiosConnector *
aios_email_connector_new (AiosConfig      *config,
                          AiosCredentials *credentials,
                          SoupSession     *session)
{
  AiosEmailConnector *self = g_object_new (AIOS_TYPE_EMAIL_CONNECTOR, "name", "email", NULL);

  self->config = g_object_ref (config);
  self->credentials = g_object_ref (credentials);
  return AIOS_CONNECTOR (self);
}
