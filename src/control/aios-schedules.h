/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "store/aios-store.h"

typedef struct _AiosFlowRegistry AiosFlowRegistry;

G_BEGIN_DECLS

/* One row of the schedules table, with its next time computed. */
typedef struct {
  gint64    id;
  char     *flow_id;
  char     *spec_json;     /* the flow's "schedule" object */
  char     *input_json;
  gboolean  paused;
  gint64    last_tick_at;  /* ms: the scheduled time of the last tick that ran; 0: never */
  gint64    last_run_id;
  gint64    created_at;
  gint64    next_at;       /* ms: the next tick from the definition and the last tick */
} AiosScheduleInfo;

void              aios_schedule_info_free    (AiosScheduleInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AiosScheduleInfo, aios_schedule_info_free)

gboolean          aios_schedule_spec_check    (const char  *spec_json,
                                               GError     **error);
gint64            aios_schedule_next_after    (const char  *spec_json,
                                               gint64       anchor_ms,
                                               gint64       after_ms);
char             *aios_schedule_describe      (const char  *spec_json);

gboolean          aios_schedules_sync         (AiosStore   *store,
                                               const char  *flow_id,
                                               const char  *spec_json,
                                               GError     **error);
gboolean          aios_schedules_sync_all     (AiosStore         *store,
                                               AiosFlowRegistry  *flows,
                                               GError           **error);
GPtrArray        *aios_schedules_list         (AiosStore   *store,
                                               GError     **error);
gboolean          aios_schedules_set_paused   (AiosStore   *store,
                                               const char  *flow_id,
                                               gboolean     paused,
                                               GError     **error);
gboolean          aios_schedules_claim_tick   (AiosStore   *store,
                                               gint64       schedule_id,
                                               gint64       old_last_tick_at,
                                               gint64       new_last_tick_at,
                                               gboolean    *claimed,
                                               GError     **error);
gboolean          aios_schedules_set_run      (AiosStore   *store,
                                               gint64       schedule_id,
                                               gint64       run_id,
                                               GError     **error);

G_END_DECLS
