/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "aios-workspace.h"

G_BEGIN_DECLS

#define AIOS_TYPE_APP_CORE (aios_app_core_get_type ())
G_DECLARE_FINAL_TYPE (AiosAppCore, aios_app_core, AIOS, APP_CORE, GObject)

gboolean       aios_app_core_wants_window   (int            argc,
                                             char         **argv);
AiosAppCore   *aios_app_core_new            (GApplication  *application);
AiosWorkspace *aios_app_core_get_workspace  (AiosAppCore   *self,
                                             const char    *path,
                                             GError       **error);
gboolean       aios_app_core_get_headless   (AiosAppCore   *self);

G_END_DECLS
