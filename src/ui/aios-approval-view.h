/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

#include "app/aios-workspace.h"
#include "control/aios-approvals.h"

G_BEGIN_DECLS

#define AIOS_TYPE_APPROVAL_VIEW (aios_approval_view_get_type ())
G_DECLARE_FINAL_TYPE (AiosApprovalView, aios_approval_view, AIOS, APPROVAL_VIEW, GtkBox)

void                    aios_approval_view_show         (AiosApprovalView       *self,
                                                         AiosWorkspace          *workspace,
                                                         const AiosApprovalInfo *info,
                                                         AiosPreviewKind         preview_kind,
                                                         const char             *title,
                                                         const char             *flow_title);
const AiosApprovalInfo *aios_approval_view_get_approval (AiosApprovalView       *self);
const char             *aios_approval_view_get_title    (AiosApprovalView       *self);
gboolean                aios_approval_view_can_edit     (AiosApprovalView       *self);
gboolean                aios_approval_view_get_editing  (AiosApprovalView       *self);
void                    aios_approval_view_set_editing  (AiosApprovalView       *self,
                                                         gboolean                editing);
JsonNode               *aios_approval_view_get_edits    (AiosApprovalView       *self);

G_END_DECLS
