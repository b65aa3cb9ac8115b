/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "app/aios-workspace.h"

G_BEGIN_DECLS

#define AIOS_TYPE_MODELS_PREFERENCES (aios_models_preferences_get_type ())
G_DECLARE_FINAL_TYPE (AiosModelsPreferences, aios_models_preferences, AIOS, MODELS_PREFERENCES, AdwPreferencesPage)

GtkWidget     *aios_models_preferences_new           (AiosWorkspace *workspace);
AiosWorkspace *aios_models_preferences_get_workspace (AiosModelsPreferences *self);

G_END_DECLS
