/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The connector base class and its error domain. The domain is an extended
 * GError domain (G_DEFINE_EXTENDED_ERROR) so a retryable error carries the
 * server's Retry-After along with it through GTask and the coordinator.
 */
#define G_LOG_DOMAIN "aios-exec"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-connector.h"

typedef struct
{
  gint64 retry_after_ms;
} AiosConnectorErrorPrivate;

static void
aios_connector_error_private_init (AiosConnectorErrorPrivate *priv)
{
  priv->retry_after_ms = -1;
}

static void
aios_connector_error_private_copy (const AiosConnectorErrorPrivate *src,
                                   AiosConnectorErrorPrivate       *dest)
{
  dest->retry_after_ms = src->retry_after_ms;
}

static void
aios_connector_error_private_clear (AiosConnectorErrorPrivate *priv)
{
}

G_DEFINE_EXTENDED_ERROR (AiosConnectorError, aios_connector_error)

/**
 * aios_connector_error_get_retry_after_ms:
 *
 * Returns: how long the service asked us to wait before retrying, in
 *   milliseconds, or -1 when it did not say (or @error is not ours)
 */
gint64
aios_connector_error_get_retry_after_ms (const GError *error)
{
  AiosConnectorErrorPrivate *priv;

  if (error == NULL || error->domain != AIOS_CONNECTOR_ERROR)
    return -1;
  priv = aios_connector_error_get_private (error);
  return priv != NULL ? priv->retry_after_ms : -1;
}

void
aios_connector_error_set_retry_after_ms (GError *error,
                                         gint64  retry_after_ms)
{
  AiosConnectorErrorPrivate *priv;

  g_return_if_fail (error != NULL && error->domain == AIOS_CONNECTOR_ERROR);
  priv = aios_connector_error_get_private (error);
  if (priv != NULL)
    priv->retry_after_ms = retry_after_ms;
}

typedef struct
{
  char  *name;
  guint  timeout_ms;
} AiosConnectorPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (AiosConnector, aios_connector, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_TIMEOUT_MS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
aios_connector_finalize (GObject *object)
{
  AiosConnectorPrivate *priv = aios_connector_get_instance_private (AIOS_CONNECTOR (object));

  g_free (priv->name);
  G_OBJECT_CLASS (aios_connector_parent_class)->finalize (object);
}

static void
aios_connector_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  AiosConnectorPrivate *priv = aios_connector_get_instance_private (AIOS_CONNECTOR (object));

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, priv->name);
      break;
    case PROP_TIMEOUT_MS:
      g_value_set_uint (value, priv->timeout_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aios_connector_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  AiosConnectorPrivate *priv = aios_connector_get_instance_private (AIOS_CONNECTOR (object));

  switch (prop_id)
    {
    case PROP_NAME:
      g_free (priv->name);
      priv->name = g_value_dup_string (value);
      break;
    case PROP_TIMEOUT_MS:
      aios_connector_set_timeout_ms (AIOS_CONNECTOR (object), g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aios_connector_class_init (AiosConnectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = aios_connector_finalize;
  object_class->get_property = aios_connector_get_property;
  object_class->set_property = aios_connector_set_property;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TIMEOUT_MS] =
    g_param_spec_uint ("timeout-ms", NULL, NULL, 1, G_MAXUINT, 30000,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
aios_connector_init (AiosConnector *self)
{
  AiosConnectorPrivate *priv = aios_connector_get_instance_private (self);

  priv->timeout_ms = 30000;
}

guint
aios_connector_get_timeout_ms (AiosConnector *self)
{
  AiosConnectorPrivate *priv;

  g_return_val_if_fail (AIOS_IS_CONNECTOR (self), 0);
  priv = aios_connector_get_instance_private (self);
  return priv->timeout_ms;
}

void
aios_connector_set_timeout_ms (AiosConnector *self,
                               guint          timeout_ms)
{
  AiosConnectorPrivate *priv;

  g_return_if_fail (AIOS_IS_CONNECTOR (self));
  g_return_if_fail (timeout_ms > 0);
  priv = aios_connector_get_instance_private (self);
  if (priv->timeout_ms == timeout_ms)
    return;
  priv->timeout_ms = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT_MS]);
}

/**
 * aios_connector_get_name:
 *
 * Returns: the connector's name ("webhook", "email", "invoice", ...), as used
 *   in the outbox's connector column and the journal's "connector:<name>" actor
 */
const char *
aios_connector_get_name (AiosConnector *self)
{
  AiosConnectorPrivate *priv;

  g_return_val_if_fail (AIOS_IS_CONNECTOR (self), NULL);
  priv = aios_connector_get_instance_private (self);
  return priv->name;
}

#define DAY_S ((gint64) 24 * 3600)

void
aios_action_description_free (AiosActionDescription *description)
{
  if (description == NULL)
    return;
  g_free (description->title);
  g_free (description->subtitle);
  g_free (description->question);
  g_free (description);
}

/**
 * aios_connector_get_display_name:
 *
 * Returns: the connector's name for people ("Email"), translated
 */
const char *
aios_connector_get_display_name (AiosConnector *self)
{
  AiosConnectorClass *klass;

  g_return_val_if_fail (AIOS_IS_CONNECTOR (self), NULL);
  klass = AIOS_CONNECTOR_GET_CLASS (self);
  return klass->display_name != NULL ? _(klass->display_name) : aios_connector_get_name (self);
}

const char *
aios_connector_get_icon_name (AiosConnector *self)
{
  AiosConnectorClass *klass;

  g_return_val_if_fail (AIOS_IS_CONNECTOR (self), NULL);
  klass = AIOS_CONNECTOR_GET_CLASS (self);
  return klass->icon_name != NULL ? klass->icon_name : "emblem-documents-symbolic";
}

/**
 * aios_connector_get_approval_expiry_s:
 *
 * Returns: how long an approval of this connector's action waits before it
 *   expires, in seconds (three days unless the connector says otherwise)
 */
gint64
aios_connector_get_approval_expiry_s (AiosConnector *self)
{
  AiosConnectorClass *klass;

  g_return_val_if_fail (AIOS_IS_CONNECTOR (self), 3 * DAY_S);
  klass = AIOS_CONNECTOR_GET_CLASS (self);
  return klass->approval_expiry_s > 0 ? klass->approval_expiry_s : 3 * DAY_S;
}

AiosPreviewKind
aios_connector_get_preview_kind (AiosConnector *self)
{
  g_return_val_if_fail (AIOS_IS_CONNECTOR (self), AIOS_PREVIEW_DATA);
  return AIOS_CONNECTOR_GET_CLASS (self)->preview_kind;
}

/**
 * aios_connector_get_credential:
 *
 * Returns: (transfer none) (nullable): the keyring credential the connector reads
 */
const AiosCredentialSpec *
aios_connector_get_credential (AiosConnector *self)
{
  g_return_val_if_fail (AIOS_IS_CONNECTOR (self), NULL);
  return AIOS_CONNECTOR_GET_CLASS (self)->credential;
}

/**
 * aios_connector_describe:
 * @preview: (nullable): the action's preview (from prepare)
 * @request: (nullable): the action's request
 * @person: (nullable): who the run is about, when it knows
 *
 * Returns: (transfer full): the action in words: the Inbox row's title and
 *   subtitle, the notification's question
 */
AiosActionDescription *
aios_connector_describe (AiosConnector *self,
                         JsonNode      *preview,
                         JsonNode      *request,
                         const char    *person)
{
  AiosConnectorClass *klass;
  AiosActionDescription *description;

  g_return_val_if_fail (AIOS_IS_CONNECTOR (self), NULL);
  klass = AIOS_CONNECTOR_GET_CLASS (self);
  if (klass->describe != NULL)
    return klass->describe (self, preview, request, person);

  description = g_new0 (AiosActionDescription, 1);
  /* Translators: an inbox title for a connector without words of its own; %s is its name */
  description->title = g_strdup_printf (_("%s action"), aios_connector_get_display_name (self));
  description->subtitle = person != NULL ? g_strdup (person) : NULL;
  /* Translators: a notification's title; %s is a connector's name */
  description->question = g_strdup_printf (_("Approve the %s action?"), aios_connector_get_display_name (self));
  return description;
}

/**
 * aios_action_description_for_output:
 * @step_name: the step whose result waits
 * @person: (nullable): who the run is about
 *
 * Returns: (transfer full): the words for a step's own result waiting to
 *   be checked, an approval without a connector
 */
AiosActionDescription *
aios_action_description_for_output (const char *step_name,
                                    const char *person)
{
  AiosActionDescription *description = g_new0 (AiosActionDescription, 1);

  description->title = person != NULL
    /* Translators: an inbox title: a step's result waiting to be checked; the step, then a person */
    ? g_strdup_printf (_("Result of “%s” for %s"), step_name, person)
    /* Translators: an inbox title: a step's result waiting to be checked */
    : g_strdup_printf (_("Result of “%s”"), step_name);
  /* Translators: a notification's title; %s is a step's name */
  description->question = g_strdup_printf (_("Check the result of “%s”?"), step_name);
  return description;
}

/**
 * aios_json_node_get_string:
 * @node: (nullable): a JSON node, usually an object
 * @member: a member name
 *
 * Returns: (transfer none) (nullable): @member of the object @node when it is
 *   a string, else %NULL
 */
const char *
aios_json_node_get_string (JsonNode   *node,
                           const char *member)
{
  JsonObject *object = node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  JsonNode *value = object != NULL ? json_object_get_member (object, member) : NULL;

  if (value == NULL || !JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (value);
}

/**
 * aios_connector_get_policy_facts:
 * @request: the action's request
 *
 * What the workspace's policy rules see of @request: the connector's own
 * view where it has one (an invoice's total as "amount" in major units and
 * its "currency" in capitals, so "amount lt 50, currency eq EUR" means what
 * it says), else the request itself.
 *
 * Returns: (transfer full): the fields rules are evaluated on
 */
JsonObject *
aios_connector_get_policy_facts (AiosConnector *self,
                                 JsonObject    *request)
{
  AiosConnectorClass *klass;

  g_return_val_if_fail (AIOS_IS_CONNECTOR (self), NULL);
  g_return_val_if_fail (request != NULL, NULL);
  klass = AIOS_CONNECTOR_GET_CLASS (self);
  if (klass->policy_facts != NULL)
    return klass->policy_facts (self, request);
  return json_object_ref (request);
}

gboolean
aios_connector_can_test (AiosConnector *self)
{
  g_return_val_if_fail (AIOS_IS_CONNECTOR (self), FALSE);
  return AIOS_CONNECTOR_GET_CLASS (self)->test_async != NULL;
}

/**
 * aios_connector_test_async:
 *
 * Makes the connector's harmless call ("Test connection"): it proves the
 * settings and the credential work without doing anything outward.
 */
void
aios_connector_test_async (AiosConnector       *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  AiosConnectorClass *klass;

  g_return_if_fail (AIOS_IS_CONNECTOR (self));
  klass = AIOS_CONNECTOR_GET_CLASS (self);
  if (klass->test_async == NULL)
    {
      g_task_report_new_error (self, callback, user_data, aios_connector_test_async,
                               G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("The %s connector has no harmless call to test with"),
                               aios_connector_get_display_name (self));
      return;
    }
  klass->test_async (self, cancellable, callback, user_data);
}

/**
 * aios_connector_test_finish:
 *
 * Returns: (transfer full): what the test saw, in words, or %NULL with @error set
 */
char *
aios_connector_test_finish (AiosConnector  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  g_return_val_if_fail (AIOS_IS_CONNECTOR (self), NULL);
  if (g_async_result_is_tagged (result, aios_connector_test_async))
    return g_task_propagate_pointer (G_TASK (result), error);
  return AIOS_CONNECTOR_GET_CLASS (self)->test_finish (self, result, error);
}

/**
 * aios_connector_prepare_keyed:
 * @idempotency_key: the key the outbox will send it with
 *
 * Like aios_connector_prepare(), for an action whose key is already known
 * (an approval preview): connectors that derive something visible from the
 * key, like an email's Message-ID, show it exactly.
 */
JsonNode *
aios_connector_prepare_keyed (AiosConnector  *self,
                              JsonObject     *request,
                              const char     *idempotency_key,
                              GError        **error)
{
  AiosConnectorClass *klass;

  g_return_val_if_fail (AIOS_IS_CONNECTOR (self), NULL);
  g_return_val_if_fail (request != NULL, NULL);

  klass = AIOS_CONNECTOR_GET_CLASS (self);
  if (idempotency_key != NULL && klass->prepare_keyed != NULL)
    return klass->prepare_keyed (self, request, idempotency_key, error);
  return aios_connector_prepare (self, request, error);
}

/**
 * aios_connector_prepare:
 * @request: what to do, in the connector's own JSON shape
 *
 * Validates @request and renders exactly what would be sent. No network, no
 * side effect: this is the approval preview and the dry run.
 *
 * Returns: (transfer full) (nullable): the preview, or %NULL with a
 *   %AIOS_CONNECTOR_ERROR_PERMANENT (invalid request) or
 *   %AIOS_CONNECTOR_ERROR_NOT_CONFIGURED error
 */
JsonNode *
aios_connector_prepare (AiosConnector  *self,
                        JsonObject     *request,
                        GError        **error)
{
  g_return_val_if_fail (AIOS_IS_CONNECTOR (self), NULL);
  g_return_val_if_fail (request != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return AIOS_CONNECTOR_GET_CLASS (self)->prepare (self, request, error);
}

/**
 * aios_connector_execute_async:
 * @request: the same request that was prepared (and approved)
 * @idempotency_key: the outbox's key; sent on the wire where the service
 *   supports it (Idempotency-Key header, Message-ID)
 *
 * Performs the action once. Failures are %AIOS_CONNECTOR_ERROR errors
 * classified by code; a cancellation before anything was sent is
 * %G_IO_ERROR_CANCELLED, after it %AIOS_CONNECTOR_ERROR_UNKNOWN_OUTCOME.
 */
void
aios_connector_execute_async (AiosConnector       *self,
                              JsonObject          *request,
                              const char          *idempotency_key,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (AIOS_IS_CONNECTOR (self));
  g_return_if_fail (request != NULL);
  g_return_if_fail (idempotency_key != NULL && *idempotency_key != '\0');

  AIOS_CONNECTOR_GET_CLASS (self)->execute_async (self, request, idempotency_key,
                                                  cancellable, callback, user_data);
}

/**
 * aios_connector_execute_finish:
 *
 * Returns: (transfer full) (nullable): what the service answered (compact
 *   JSON for the outbox's response_json), or %NULL with an error
 */
JsonNode *
aios_connector_execute_finish (AiosConnector  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (AIOS_IS_CONNECTOR (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return AIOS_CONNECTOR_GET_CLASS (self)->execute_finish (self, result, error);
}
