/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "app/aios-workspace.h"

G_BEGIN_DECLS

/* Fills @group with one row per writer role (content writer, outreach
 * writer, billing): which engine writes its drafts — the local model, the
 * cloud model or the built-in engine (settings agents.ROLE.tier) — and keeps
 * each row current when the setting changes elsewhere. */
void aios_role_tier_rows_attach (AdwPreferencesGroup *group,
                                 AiosWorkspace       *workspace);

G_END_DECLS
