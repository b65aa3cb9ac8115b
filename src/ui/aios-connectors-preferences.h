/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "app/aios-workspace.h"

G_BEGIN_DECLS

#define AIOS_TYPE_CONNECTORS_PREFERENCES (aios_connectors_preferences_get_type ())
G_DECLARE_FINAL_TYPE (AiosConnectorsPreferences, aios_connectors_preferences, AIOS, CONNECTORS_PREFERENCES, AdwPreferencesPage)

GtkWidget     *aios_connectors_preferences_new           (AiosWorkspace *workspace);
AiosWorkspace *aios_connectors_preferences_get_workspace (AiosConnectorsPreferences *self);

G_END_DECLS
