/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Private helpers shared by the HTTP connectors (webhook, invoice, models):
 * one request with a deadline and a body size limit, and the mapping of
 * transport failures and HTTP statuses onto the connector error classes.
 */
#pragma once

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include "aios-connector.h"

G_BEGIN_DECLS

#define AIOS_HTTP_DEFAULT_TIMEOUT_MS 30000
#define AIOS_HTTP_MAX_BODY (8 * 1024 * 1024)

typedef enum {
  /* The request is safe to repeat (a GET, or the service honours the
   * Idempotency-Key): "sent, no answer" is retryable, not unknown. */
  AIOS_HTTP_IDEMPOTENT = 1 << 0,
} AiosHttpFlags;

SoupSession *aios_http_session_new        (void);
void         aios_http_send_async         (SoupSession          *session,
                                           SoupMessage          *msg,
                                           AiosHttpFlags         flags,
                                           guint                 timeout_ms,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
GBytes      *aios_http_send_finish        (GAsyncResult         *result,
                                           GError              **error);
gboolean     aios_http_check_status       (SoupMessage          *msg,
                                           GBytes               *body,
                                           const char           *service,
                                           GError              **error);
JsonNode    *aios_http_parse_json         (SoupMessage          *msg,
                                           GBytes               *body,
                                           const char           *service,
                                           AiosHttpFlags         flags,
                                           GError              **error);
gint64       aios_http_parse_retry_after  (SoupMessage          *msg);
GError      *aios_connector_error_new_retry (gint64              retry_after_ms,
                                             const char         *format,
                                             ...) G_GNUC_PRINTF (2, 3);
char        *aios_http_body_excerpt       (GBytes               *body);
char        *aios_hmac_sha256_hex         (const char           *key,
                                           const guchar         *data,
                                           gsize                 len);

G_END_DECLS
