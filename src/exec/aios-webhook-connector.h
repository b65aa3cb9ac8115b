/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

#include "aios-connector.h"
#include "aios-credentials.h"
#include "store/aios-config.h"

G_BEGIN_DECLS

#define AIOS_WEBHOOK_SIGNATURE_HEADER "X-Aios-Signature-256"
#define AIOS_WEBHOOK_EVENT_HEADER "X-Aios-Event"

#define AIOS_TYPE_WEBHOOK_CONNECTOR (aios_webhook_connector_get_type ())
G_DECLARE_FINAL_TYPE (AiosWebhookConnector, aios_webhook_connector, AIOS, WEBHOOK_CONNECTOR, AiosConnector)

AiosConnector *aios_webhook_connector_new (AiosConfig      *config,
                                           AiosCredentials *credentials,
                                           SoupSession     *session);

G_END_DECLS
