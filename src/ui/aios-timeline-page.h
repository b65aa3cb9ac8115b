/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "app/aios-workspace.h"

G_BEGIN_DECLS

#define AIOS_TYPE_TIMELINE_PAGE (aios_timeline_page_get_type ())
G_DECLARE_FINAL_TYPE (AiosTimelinePage, aios_timeline_page, AIOS, TIMELINE_PAGE, AdwBin)

GtkWidget     *aios_timeline_page_new           (AiosWorkspace *workspace);
AiosWorkspace *aios_timeline_page_get_workspace (AiosTimelinePage *self);
void           aios_timeline_page_set_workspace (AiosTimelinePage *self,
                                                 AiosWorkspace *workspace);
GListModel    *aios_timeline_page_get_model     (AiosTimelinePage *self);
void           aios_timeline_page_show_run      (AiosTimelinePage *self,
                                                 gint64            run_id);
void           aios_timeline_page_show_event    (AiosTimelinePage *self,
                                                 gint64            run_id,
                                                 gint64            event_id);
void           aios_timeline_page_select        (AiosTimelinePage *self,
                                                 guint             position);

G_END_DECLS
