/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "app/aios-workspace.h"

G_BEGIN_DECLS

#define AIOS_TYPE_WORKSPACE_PREFERENCES (aios_workspace_preferences_get_type ())
G_DECLARE_FINAL_TYPE (AiosWorkspacePreferences, aios_workspace_preferences, AIOS, WORKSPACE_PREFERENCES, AdwPreferencesPage)

GtkWidget     *aios_workspace_preferences_new           (AiosWorkspace *workspace);
AiosWorkspace *aios_workspace_preferences_get_workspace (AiosWorkspacePreferences *self);
gboolean       aios_workspace_preferences_back_up       (AiosWorkspacePreferences *self);

G_END_DECLS
