/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "app/aios-workspace.h"

G_BEGIN_DECLS

#define AIOS_TYPE_PREFERENCES_WINDOW (aios_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (AiosPreferencesWindow, aios_preferences_window, AIOS, PREFERENCES_WINDOW, AdwPreferencesWindow)

AiosPreferencesWindow *aios_preferences_window_new           (GtkWindow             *parent,
                                                              AiosWorkspace         *workspace);
AiosWorkspace         *aios_preferences_window_get_workspace (AiosPreferencesWindow *self);

G_END_DECLS
