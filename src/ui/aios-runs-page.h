/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "app/aios-workspace.h"

G_BEGIN_DECLS

#define AIOS_TYPE_RUNS_PAGE (aios_runs_page_get_type ())
G_DECLARE_FINAL_TYPE (AiosRunsPage, aios_runs_page, AIOS, RUNS_PAGE, AdwBin)

GtkWidget     *aios_runs_page_new           (AiosWorkspace *workspace);
AiosWorkspace *aios_runs_page_get_workspace (AiosRunsPage *self);
void           aios_runs_page_set_workspace (AiosRunsPage *self,
                                             AiosWorkspace *workspace);
void           aios_runs_page_select_run    (AiosRunsPage *self,
                                             gint64        run_id);
void           aios_runs_page_refresh       (AiosRunsPage *self);
AdwMessageDialog *aios_runs_page_start_run  (AiosRunsPage *self);
void              aios_runs_page_show_health (AiosRunsPage *self);

G_END_DECLS
