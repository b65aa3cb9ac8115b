/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "store/aios-store.h"

G_BEGIN_DECLS

/**
 * AiosRunInfo:
 *
 * A run as people and scripts see it (`aios runs`), read from the store.
 */
typedef struct {
  gint64  id;
  char   *flow_id;
  gint64  flow_version;
  char   *status;          /* queued, running, waiting, succeeded, failed, cancelled */
  char   *attention;       /* nullable: why it needs the operator */
  gint64  parent_run_id;   /* 0 unless a fork */
  char   *fork_kind;       /* nullable: "replay" or "retry" */
  char   *step_name;       /* nullable: the current (latest) step */
  char   *step_status;
  char   *step_phase;
  gint64  step_attempt;
  gint64  next_attempt_at; /* 0 when none */
  char   *waiting_for;     /* nullable: "approval 7", "retry", ... */
  gint64  created_at;
  gint64  updated_at;
} AiosRunInfo;

#define AIOS_TYPE_RUN_INFO (aios_run_info_get_type ())
GType        aios_run_info_get_type (void) G_GNUC_CONST;
AiosRunInfo *aios_run_info_copy     (const AiosRunInfo *info);
void         aios_run_info_free     (AiosRunInfo       *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AiosRunInfo, aios_run_info_free)

GPtrArray   *aios_run_info_list     (AiosStore         *store,
                                     gboolean           only_open,
                                     gint64             after_id,
                                     guint              limit,
                                     GError           **error);
AiosRunInfo *aios_run_info_get      (AiosStore         *store,
                                     gint64             run_id,
                                     GError           **error);
JsonNode    *aios_run_info_to_json  (const AiosRunInfo *info);

G_END_DECLS
