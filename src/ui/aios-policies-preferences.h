/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "app/aios-workspace.h"

G_BEGIN_DECLS

#define AIOS_TYPE_POLICIES_PREFERENCES (aios_policies_preferences_get_type ())
G_DECLARE_FINAL_TYPE (AiosPoliciesPreferences, aios_policies_preferences, AIOS, POLICIES_PREFERENCES, AdwPreferencesPage)

GtkWidget     *aios_policies_preferences_new           (AiosWorkspace *workspace);
AiosWorkspace *aios_policies_preferences_get_workspace (AiosPoliciesPreferences *self);

G_END_DECLS
