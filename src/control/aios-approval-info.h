/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "store/aios-store.h"

G_BEGIN_DECLS

/**
 * AiosApprovalInfo:
 *
 * An approval as the inbox and `aios approvals` show it.
 */
typedef struct {
  gint64    id;
  gint64    run_id;
  gint64    step_id;
  char     *flow_id;
  char     *step_name;
  char     *action_kind;   /* the connector ("email", "webhook"...) or "output" */
  char     *status;        /* pending, approved, rejected, expired, cancelled */
  JsonNode *preview;       /* the connector's dry run: exactly what would be sent */
  JsonNode *request;
  char     *edit_diff_json;
  char     *decided_by;
  char     *reason;
  gint64    created_at;
  gint64    expires_at;
  gint64    decided_at;
} AiosApprovalInfo;

#define AIOS_TYPE_APPROVAL_INFO (aios_approval_info_get_type ())
GType             aios_approval_info_get_type (void) G_GNUC_CONST;
AiosApprovalInfo *aios_approval_info_copy     (const AiosApprovalInfo *info);
void              aios_approval_info_free     (AiosApprovalInfo       *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AiosApprovalInfo, aios_approval_info_free)

GPtrArray        *aios_approval_info_list     (AiosStore              *store,
                                               gboolean                only_pending,
                                               gint64                  after_id,
                                               guint                   limit,
                                               GError                **error);
AiosApprovalInfo *aios_approval_info_get      (AiosStore              *store,
                                               gint64                  approval_id,
                                               GError                **error);
JsonNode         *aios_approval_info_to_json  (const AiosApprovalInfo *info);
gint64            aios_approval_run_id        (AiosStore              *store,
                                               gint64                  approval_id);

G_END_DECLS
