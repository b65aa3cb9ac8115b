/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "app/aios-workspace.h"

G_BEGIN_DECLS

#define AIOS_TYPE_HEALTH_DIALOG (aios_health_dialog_get_type ())
G_DECLARE_FINAL_TYPE (AiosHealthDialog, aios_health_dialog, AIOS, HEALTH_DIALOG, AdwWindow)

GtkWidget *aios_health_dialog_new     (AiosWorkspace    *workspace,
                                       GtkWindow        *parent);
void       aios_health_dialog_refresh (AiosHealthDialog *self);

G_END_DECLS
