/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "aios-credentials.h"

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

/* How the approval view shows a connector's preview. */
typedef enum {
  AIOS_PREVIEW_DATA,     /* the preview's JSON, as it is */
  AIOS_PREVIEW_EMAIL,    /* from, to, subject, body: a message */
  AIOS_PREVIEW_INVOICE,  /* customer, items, total, due date */
  AIOS_PREVIEW_REQUEST,  /* method, URL, headers, body: an HTTP request */
  AIOS_PREVIEW_POST,     /* title, excerpt, the Markdown body: a post as it will read */
} AiosPreviewKind;

/* An action in words, for the Inbox and the notification. */
typedef struct {
  char *title;     /* "Email to Dana Whitfield" */
  char *subtitle;  /* nullable: the subject, the total, the event */
  char *question;  /* the notification's title: "Approve email to Dana Whitfield?" */
} AiosActionDescription;

void aios_action_description_free (AiosActionDescription *description);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AiosActionDescription, aios_action_description_free)

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

  /* What the connector is, set once in class_init: the app reads these
   * instead of knowing connectors by name. */
  const char               *display_name;      /* N_(): "Email" */
  const char               *icon_name;         /* the Inbox row's icon */
  gint64                    approval_expiry_s; /* how long its approvals wait (0: 3 days) */
  AiosPreviewKind           preview_kind;
  const AiosCredentialSpec *credential;        /* nullable: the keyring credential it reads */

  /* The action in words; @person (nullable) is who the run is about. */
  AiosActionDescription *(*describe) (AiosConnector  *self,
                                      JsonNode       *preview,
                                      JsonNode       *request,
                                      const char     *person);
  /* Optional: a harmless call that proves the settings and credential work;
   * the answer is what it saw, in words. */
  void      (*test_async)     (AiosConnector        *self,
                               GCancellable         *cancellable,
                               GAsyncReadyCallback   callback,
                               gpointer              user_data);
  char     *(*test_finish)    (AiosConnector        *self,
                               GAsyncResult         *result,
                               GError              **error);

  /* Optional: the fields a policy rule sees for a request, in the
   * operator's words (an invoice's "amount" in major units, its "currency"
   * as written on it); the request itself when not set. */
  JsonObject *(*policy_facts) (AiosConnector  *self,
                               JsonObject     *request);

  gpointer padding[3];
};

const char *aios_connector_get_name       (AiosConnector        *self);
const char *aios_connector_get_display_name (AiosConnector      *self);
const char *aios_connector_get_icon_name  (AiosConnector        *self);
gint64      aios_connector_get_approval_expiry_s (AiosConnector *self);
AiosPreviewKind aios_connector_get_preview_kind (AiosConnector  *self);
const AiosCredentialSpec *aios_connector_get_credential (AiosConnector *self);
AiosActionDescription *aios_connector_describe (AiosConnector   *self,
                                           JsonNode             *preview,
                                           JsonNode             *request,
                                           const char           *person);
JsonObject *aios_connector_get_policy_facts (AiosConnector     *self,
                                            JsonObject        *request);
gboolean    aios_connector_can_test       (AiosConnector        *self);
void        aios_connector_test_async     (AiosConnector        *self,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
char       *aios_connector_test_finish    (AiosConnector        *self,
                                           GAsyncResult         *result,
                                           GError              **error);

/* A string member of a preview or request object, or NULL. */
const char *aios_json_node_get_string (JsonNode   *node,
                                       const char *member);

/* The description of a step's own result waiting to be checked (no connector). */
AiosActionDescription *aios_action_description_for_output (const char *step_name,
                                                           const char *person);
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
