/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "app/aios-workspace.h"

G_BEGIN_DECLS

/* Fills @group with the spending so far against the budgets and one price
 * row per configured model (input and output price per million tokens),
 * and keeps it current when the models change. */
void aios_price_rows_attach (AdwPreferencesGroup *group,
                             AiosWorkspace       *workspace);

G_END_DECLS
