/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "exec/aios-connector-registry.h"
#include "store/aios-store.h"

G_BEGIN_DECLS

/*
 * The owner of the `approvals` table: what the inbox, `aios approvals`, the
 * notifier and the timeline read, and the coordinator's writes (asking,
 * deciding, cancelling, expiring). The writes run inside the caller's
 * transaction.
 */

/**
 * AiosApprovalInfo:
 *
 * An approval as the inbox and `aios approvals` show it, and as the
 * coordinator decides it.
 */
typedef struct {
  gint64    id;
  gint64    run_id;
  gint64    step_id;
  char     *flow_id;
  char     *step_name;
  guint     step_idx;
  char     *run_name;      /* the run's input `name` (who the run is about), or NULL */
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
GPtrArray        *aios_approval_info_list_run (AiosStore              *store,
                                               gint64                  run_id,
                                               GError                **error);
JsonNode         *aios_approval_info_to_json  (const AiosApprovalInfo *info);
gint64            aios_approval_run_id        (AiosStore              *store,
                                               gint64                  approval_id);
AiosActionDescription *aios_approval_info_describe (const AiosApprovalInfo *info,
                                                    AiosConnectorRegistry  *connectors);
char             *aios_approval_info_dup_recipient (const AiosApprovalInfo *info);
AiosPreviewKind   aios_approval_info_get_preview_kind (const AiosApprovalInfo *info,
                                                       AiosConnectorRegistry  *connectors);
const char       *aios_approval_info_get_icon_name (const AiosApprovalInfo *info,
                                                    AiosConnectorRegistry  *connectors);
gboolean          aios_approval_info_check_pending (const AiosApprovalInfo *info,
                                                    GError                **error);

gboolean          aios_approvals_reopen       (AiosStore              *store,
                                               gint64                  approval_id,
                                               GError                **error);
gint64            aios_approvals_insert       (AiosStore              *store,
                                               gint64                  run_id,
                                               gint64                  step_id,
                                               const char             *action_kind,
                                               JsonNode               *request,
                                               JsonNode               *preview,
                                               gint64                  expires_in_s,
                                               GError                **error);
gboolean          aios_approvals_decide       (AiosStore              *store,
                                               gint64                  approval_id,
                                               const char             *status,
                                               const char             *edited_json,
                                               const char             *edit_diff_json,
                                               const char             *actor,
                                               const char             *reason,
                                               GError                **error);
GArray           *aios_approvals_cancel_pending (AiosStore            *store,
                                                 gint64                run_id,
                                                 const char           *actor,
                                                 GError              **error);
GArray           *aios_approvals_list_expired (AiosStore              *store,
                                               gint64                  now,
                                               GError                **error);
gint64            aios_approvals_next_expiry  (AiosStore              *store);

/* For the repair-cost meter (aios-stats.c): decisions since a time. */
typedef struct {
  gint64    id;
  gint64    run_id;
  char     *flow_id;
  char     *status;        /* approved, rejected */
  gboolean  edited;
  gint64    created_at;    /* when it reached the inbox */
  gint64    decided_at;
  char     *decided_by;
} AiosApprovalStamp;

void              aios_approval_stamp_free    (AiosApprovalStamp      *stamp);
GPtrArray        *aios_approvals_list_decided_since (AiosStore        *store,
                                                     gint64            since_ms,
                                                     GError          **error);
gint64            aios_approvals_first_approved_at (AiosStore         *store,
                                                    GError          **error);

G_END_DECLS
