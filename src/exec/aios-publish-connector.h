/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

#include "aios-connector.h"
#include "aios-credentials.h"
#include "store/aios-config.h"

G_BEGIN_DECLS

#define AIOS_TYPE_PUBLISH_CONNECTOR (aios_publish_connector_get_type ())
G_DECLARE_FINAL_TYPE (AiosPublishConnector, aios_publish_connector, AIOS, PUBLISH_CONNECTOR, AiosConnector)

AiosConnector *aios_publish_connector_new (AiosConfig      *config,
                                           AiosCredentials *credentials,
                                           SoupSession     *session);

/* The post's slug for an outbox key: the title's slug and 8 hex digits of
 * the key's SHA-256, so the same approved action always has the same slug. */
char          *aios_publish_slug          (const char      *title,
                                           const char      *idempotency_key);

G_END_DECLS
