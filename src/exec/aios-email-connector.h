/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

#include "aios-connector.h"
#include "memory/aios-memory.h"
#include "aios-credentials.h"
#include "store/aios-config.h"

G_BEGIN_DECLS

/* Test-only: a PEM file of CA certificates to trust instead of the system
 * store (the TLS tests' self-signed server). Never set it in real use. */
#define AIOS_SMTP_TEST_CA_ENV "AIOS_TEST_SMTP_CA_FILE"

#define AIOS_TYPE_EMAIL_CONNECTOR (aios_email_connector_get_type ())
G_DECLARE_FINAL_TYPE (AiosEmailConnector, aios_email_connector, AIOS, EMAIL_CONNECTOR, AiosConnector)

/* @session is unused (SMTP speaks over GIO); the signature is every connector's. */
AiosConnector *aios_email_connector_new         (AiosConfig          *config,
                                                 AiosCredentials     *credentials,
                                                 SoupSession         *session);
/* "Test connection": connect, (STARTTLS), EHLO, AUTH when a credential is
 * stored, QUIT. Sends nothing. Returns a JSON summary of what was seen. */
void           aios_email_connector_test_async  (AiosEmailConnector  *self,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
JsonNode      *aios_email_connector_test_finish (AiosEmailConnector  *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);
void           aios_email_connector_set_memory  (AiosEmailConnector  *self,
                                                 AiosMemory          *memory);

G_END_DECLS
