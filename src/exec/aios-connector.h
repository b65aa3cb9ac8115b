/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * The connector interface: every outward action (email, invoice, webhook)
 * and every model call goes through one.
 *
 *   prepare  validates a request and renders exactly what would be sent
 *            (the approval preview, the dry run); no side effect, no network.
 *   execute  does it once, passing the outbox's idempotency key on the wire
 *            where the service supports it; async, cancellable, with a timeout.
 *
 * Failures are classified by the error code, so the coordinator knows what
 * to do: retry later (RETRYABLE, with an optional Retry-After), park the run
 * for the operator (PERMANENT), or ask the operator because the action may
 * or may not have happened (UNKNOWN_OUTCOME; never resent blindly).
 */

#define AIOS_CONNECTOR_ERROR (aios_connector_error_quark ())

typedef enum {
  AIOS_CONNECTOR_ERROR_RETRYABLE,        /* timeout before sending, 429, 5xx, connection refused/reset */
  AIOS_CONNECTOR_ERROR_PERMANENT,        /* 4xx, invalid request, bad credentials, schema violation */
  AIOS_CONNECTOR_ERROR_UNKNOWN_OUTCOME,  /* sent, but no answer: it may have happened */
  AIOS_CONNECTOR_ERROR_NOT_CONFIGURED,   /* the settings or the credential are missing */
} AiosConnectorError;

GQuark   aios_connector_error_quark          (void);
/* Retry-After, carried inside the GError (an extended error domain). */
gint64   aios_connector_error_get_retry_after_ms (const GError *error);
void     aios_connector_error_set_retry_after_ms (GError       *error,
                                                  gint64        retry_after_ms);

#define AIOS_TYPE_CONNECTOR (aios_connector_get_type ())
G_DECLARE_DERIVABLE_TYPE (AiosConnector, aios_connector, AIOS, CONNECTOR, GObject)

struct _AiosConnectorClass
{
  GObjectClass parent_class;

  JsonNode *(*prepare)        (AiosConnector        *self,
                               JsonObject           *request,
                               GError              **error);
  void      (*execute_async)  (AiosConnector        *self,
                               JsonObject           *request,
                               const char           *idempotency_key,
                               GCancellable         *cancellable,
                               GAsyncReadyCallback   callback,
                               gpointer              user_data);
  JsonNode *(*execute_finish) (AiosConnector        *self,
                               GAsyncResult         *result,
                               GError              **error);

  /* Optional: the preview with the outbox's idempotency key known, so it
   * shows what depends on it (an email's Message-ID). */
  JsonNode *(*prepare_keyed)  (AiosConnector        *self,
                               JsonObject           *request,
                               const char           *idempotency_key,
                               GError              **error);

  gpointer padding[7];
};

const char *aios_connector_get_name       (AiosConnector        *self);
/* The deadline of one execution (default 30 s). */
guint       aios_connector_get_timeout_ms (AiosConnector        *self);
void        aios_connector_set_timeout_ms (AiosConnector        *self,
                                           guint                 timeout_ms);
JsonNode   *aios_connector_prepare        (AiosConnector        *self,
                                           JsonObject           *request,
                                           GError              **error);
JsonNode   *aios_connector_prepare_keyed  (AiosConnector        *self,
                                           JsonObject           *request,
                                           const char           *idempotency_key,
                                           GError              **error);
void        aios_connector_execute_async  (AiosConnector        *self,
                                           JsonObject           *request,
                                           const char           *idempotency_key,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
JsonNode   *aios_connector_execute_finish (AiosConnector        *self,
                                           GAsyncResult         *result,
                                           GError              **error);

G_END_DECLS
