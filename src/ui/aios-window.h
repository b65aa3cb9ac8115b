/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "aios-application.h"
#include "app/aios-workspace.h"

G_BEGIN_DECLS

#define AIOS_TYPE_WINDOW (aios_window_get_type ())
G_DECLARE_FINAL_TYPE (AiosWindow, aios_window, AIOS, WINDOW, AdwApplicationWindow)

AiosWindow    *aios_window_new           (AiosApplication *application,
                                          AiosWorkspace   *workspace);
AiosWorkspace *aios_window_get_workspace (AiosWindow      *self);
AdwViewStack  *aios_window_get_stack     (AiosWindow      *self);
void           aios_window_show_page     (AiosWindow      *self,
                                          const char      *name);

G_END_DECLS
