/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "aios-inbox-item.h"

G_BEGIN_DECLS

#define AIOS_TYPE_APPROVAL_ROW (aios_approval_row_get_type ())
G_DECLARE_FINAL_TYPE (AiosApprovalRow, aios_approval_row, AIOS, APPROVAL_ROW, GtkListBoxRow)

GtkWidget         *aios_approval_row_new_for_item (AiosInboxItem     *item);
AiosInboxItemKind  aios_approval_row_get_kind     (AiosApprovalRow   *self);
gint64             aios_approval_row_get_id       (AiosApprovalRow   *self);
const char        *aios_approval_row_get_title    (AiosApprovalRow   *self);
const char        *aios_approval_row_get_subtitle (AiosApprovalRow   *self);
void               aios_approval_row_update_age   (AiosApprovalRow   *self,
                                                   gint64             now_ms);
char              *aios_approval_row_format_age   (gint64             age_ms);

G_END_DECLS
