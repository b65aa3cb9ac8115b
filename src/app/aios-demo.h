/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-workspace.h"

G_BEGIN_DECLS

gboolean aios_demo_load (AiosWorkspace  *workspace,
                         guint          *out_runs,
                         GError        **error);

gboolean aios_demo_can_send (AiosWorkspace  *workspace);
gboolean aios_demo_can_publish (AiosWorkspace *workspace);
gboolean aios_demo_can_bill (AiosWorkspace  *workspace);

G_END_DECLS
