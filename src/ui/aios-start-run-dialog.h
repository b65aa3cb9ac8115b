/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "app/aios-workspace.h"

G_BEGIN_DECLS

#define AIOS_TYPE_START_RUN_DIALOG (aios_start_run_dialog_get_type ())
G_DECLARE_FINAL_TYPE (AiosStartRunDialog, aios_start_run_dialog, AIOS, START_RUN_DIALOG, AdwMessageDialog)

AiosStartRunDialog *aios_start_run_dialog_new        (GtkWindow          *parent,
                                                      AiosWorkspace      *workspace);
gboolean            aios_start_run_dialog_select_flow (AiosStartRunDialog *self,
                                                       const char         *flow_id);
gboolean            aios_start_run_dialog_set_field   (AiosStartRunDialog *self,
                                                       const char         *name,
                                                       const char         *text);
gint64              aios_start_run_dialog_submit      (AiosStartRunDialog *self,
                                                       GError            **error);

G_END_DECLS
