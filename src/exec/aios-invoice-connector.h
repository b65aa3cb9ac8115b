/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

#include "aios-connector.h"
#include "aios-credentials.h"
#include "store/aios-config.h"

G_BEGIN_DECLS

#define AIOS_TYPE_INVOICE_CONNECTOR (aios_invoice_connector_get_type ())
G_DECLARE_FINAL_TYPE (AiosInvoiceConnector, aios_invoice_connector, AIOS, INVOICE_CONNECTOR, AiosConnector)

AiosConnector *aios_invoice_connector_new         (AiosConfig           *config,
                                                   AiosCredentials      *credentials,
                                                   SoupSession          *session);
/* "Test connection": GET /v1/balance with the invoice credential. */
void           aios_invoice_connector_test_async  (AiosInvoiceConnector *self,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
JsonNode      *aios_invoice_connector_test_finish (AiosInvoiceConnector *self,
                                                   GAsyncResult         *result,
                                                   GError              **error);

G_END_DECLS
