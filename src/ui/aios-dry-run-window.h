/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "app/aios-workspace.h"

G_BEGIN_DECLS

#define AIOS_TYPE_DRY_RUN_WINDOW (aios_dry_run_window_get_type ())
G_DECLARE_FINAL_TYPE (AiosDryRunWindow, aios_dry_run_window, AIOS, DRY_RUN_WINDOW, AdwWindow)

GtkWidget *aios_dry_run_window_new     (GtkWindow        *parent,
                                        AiosWorkspace    *workspace,
                                        const char       *flow_id,
                                        JsonNode         *input);
gboolean   aios_dry_run_window_is_done (AiosDryRunWindow *self);

G_END_DECLS
