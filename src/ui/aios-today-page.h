/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "app/aios-workspace.h"

G_BEGIN_DECLS

#define AIOS_TYPE_TODAY_PAGE (aios_today_page_get_type ())
G_DECLARE_FINAL_TYPE (AiosTodayPage, aios_today_page, AIOS, TODAY_PAGE, AdwBin)

GtkWidget     *aios_today_page_new           (AiosWorkspace *workspace);
AiosWorkspace *aios_today_page_get_workspace (AiosTodayPage *self);
void           aios_today_page_set_workspace (AiosTodayPage *self,
                                              AiosWorkspace *workspace);
void           aios_today_page_reload        (AiosTodayPage *self);
GPtrArray     *aios_today_page_get_rows      (AiosTodayPage *self);

G_END_DECLS
