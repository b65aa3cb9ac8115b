/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _AiosWorkspace AiosWorkspace;

/* "Test connection" for a credential NAME (smtp, llm.cloud, invoice,
 * webhook, intake): a real, harmless call where the service has one
 * (SMTP EHLO + AUTH + QUIT, GET /v1/models, GET /v1/balance); for the
 * webhook and the intake token, which have none, it checks that the
 * keyring gives the secret. Returns one line saying what was seen. */
void  aios_connection_test_async  (AiosWorkspace       *workspace,
                                   const char          *name,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data);
char *aios_connection_test_finish (AiosWorkspace       *workspace,
                                   GAsyncResult        *result,
                                   GError             **error);

G_END_DECLS
