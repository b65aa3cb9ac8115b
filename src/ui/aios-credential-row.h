/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "app/aios-workspace.h"

G_BEGIN_DECLS

#define AIOS_TYPE_CREDENTIAL_ROW (aios_credential_row_get_type ())
G_DECLARE_FINAL_TYPE (AiosCredentialRow, aios_credential_row, AIOS, CREDENTIAL_ROW, AdwEntryRow)

/* A password row for one keyring credential (smtp, llm.cloud, invoice,
 * webhook, intake): type a secret and apply to add or replace it, "Test"
 * makes a real harmless call, the trash button removes it. The secret
 * never stays in the widget after it is stored. */
GtkWidget *aios_credential_row_new         (AiosWorkspace *workspace,
                                            const char    *name,
                                            const char    *title);
const char *aios_credential_row_get_name   (GtkWidget     *row);
/* For tests: "stored", "not set", or the last error's words. */
const char *aios_credential_row_get_status (GtkWidget     *row);

G_END_DECLS
