/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "app/aios-workspace.h"

G_BEGIN_DECLS

#define AIOS_TYPE_INBOX_PAGE (aios_inbox_page_get_type ())
G_DECLARE_FINAL_TYPE (AiosInboxPage, aios_inbox_page, AIOS, INBOX_PAGE, AdwBin)

GtkWidget     *aios_inbox_page_new             (AiosWorkspace *workspace);
AiosWorkspace *aios_inbox_page_get_workspace   (AiosInboxPage *self);
void           aios_inbox_page_set_workspace   (AiosInboxPage *self,
                                                AiosWorkspace *workspace);
guint          aios_inbox_page_get_n_items     (AiosInboxPage *self);
gboolean       aios_inbox_page_get_needs_attention (AiosInboxPage *self);
gboolean       aios_inbox_page_select_approval (AiosInboxPage *self,
                                                gint64         approval_id);
gint64         aios_inbox_page_get_selected_approval (AiosInboxPage *self);
void           aios_inbox_page_reload          (AiosInboxPage *self);

G_END_DECLS
