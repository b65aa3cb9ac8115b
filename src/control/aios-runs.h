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
JsonNode    *aios_run_info_to_json  (const AiosRunInfo *info);

/**
 * AiosRunRow:
 *
 * What the coordinator reads of one run to carry it on or fork it.
 */
typedef struct {
  gint64  id;
  char   *flow_id;
  gint64  flow_version;
  char   *status;
  char   *input_json;
  gint64  replay_of;       /* a replay reusing recorded outputs: its parent run, else 0 */
} AiosRunRow;

void         aios_run_row_clear     (AiosRunRow        *row);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AiosRunRow, aios_run_row_clear)

/**
 * AiosStepInfo:
 *
 * One step of a run.
 */
typedef struct {
  gint64  id;
  gint64  run_id;
  guint   idx;
  char   *name;
  char   *agent;
  char   *status;          /* queued, running, waiting, succeeded, failed, cancelled */
  char   *phase;           /* agent, approval, send */
  gint64  attempt;
  gint64  next_attempt_at; /* 0 when none */
  char   *output_json;     /* nullable */
  char   *error;           /* nullable: the last attempt's error */
  gboolean reused;         /* copied from the run this one forks */
  char   *output_reason;   /* nullable: the output's "reason"; aios_runs_list_steps() only */
  char   *wait_label;      /* nullable: a "wait" step's timer ("Follow-up 1"); set once it waited */
} AiosStepInfo;

#define AIOS_TYPE_STEP_INFO (aios_step_info_get_type ())
GType         aios_step_info_get_type (void) G_GNUC_CONST;
AiosStepInfo *aios_step_info_copy     (const AiosStepInfo *info);
void          aios_step_info_free     (AiosStepInfo       *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AiosStepInfo, aios_step_info_free)

/* ---- runs (aios-runs.c, the owner of the runs and steps tables) ---- */

GPtrArray   *aios_run_info_list     (AiosStore         *store,
                                     gboolean           only_open,
                                     gint64             after_id,
                                     guint              limit,
                                     GError           **error);
AiosRunInfo *aios_run_info_get      (AiosStore         *store,
                                     gint64             run_id,
                                     GError           **error);
GPtrArray   *aios_runs_list_finished  (AiosStore       *store,
                                       guint            limit,
                                       GError         **error);
gint64       aios_runs_count_finished (AiosStore       *store,
                                       GError         **error);
gboolean     aios_runs_any            (AiosStore       *store,
                                       GError         **error);

gboolean     aios_runs_load           (AiosStore       *store,
                                       gint64           run_id,
                                       AiosRunRow      *row,
                                       GError         **error);
char        *aios_runs_get_status     (AiosStore       *store,
                                       gint64           run_id,
                                       GError         **error);
char        *aios_runs_get_flow_id    (AiosStore       *store,
                                       gint64           run_id,
                                       GError         **error);
char        *aios_runs_get_input_json (AiosStore       *store,
                                       gint64           run_id,
                                       GError         **error);
char        *aios_runs_get_input_name (AiosStore       *store,
                                       gint64           run_id,
                                       GError         **error);

/* The writes run inside the caller's open transaction. */
gint64       aios_runs_insert         (AiosStore       *store,
                                       const char      *flow_id,
                                       gint64           flow_version,
                                       const char      *input_json,
                                       GError         **error);
gint64       aios_runs_insert_fork    (AiosStore       *store,
                                       const char      *flow_id,
                                       gint64           flow_version,
                                       const char      *input_json,
                                       gint64           parent_run_id,
                                       const char      *fork_kind,
                                       guint            fork_step,
                                       gboolean         fresh,
                                       GError         **error);
gboolean     aios_runs_set_status     (AiosStore       *store,
                                       gint64           run_id,
                                       const char      *from,
                                       const char      *to,
                                       const char      *attention,
                                       GError         **error);
gboolean     aios_runs_set_current_step (AiosStore     *store,
                                         gint64         run_id,
                                         guint          idx,
                                         GError       **error);
gboolean     aios_runs_clear_attention (AiosStore      *store,
                                        gint64          run_id,
                                        GError        **error);

/* ---- steps ---- */

AiosStepInfo *aios_runs_get_step      (AiosStore       *store,
                                       gint64           step_id,
                                       AiosRunRow      *run,
                                       GError         **error);
GPtrArray    *aios_runs_list_steps    (AiosStore       *store,
                                       gint64           run_id,
                                       GError         **error);
char         *aios_runs_get_step_key  (AiosStore       *store,
                                       gint64           step_id,
                                       GError         **error);
gboolean      aios_runs_set_step_key  (AiosStore       *store,
                                       gint64           step_id,
                                       const char      *idempotency_key,
                                       GError         **error);
gint64        aios_runs_find_waiting_key (AiosStore    *store,
                                          const char   *idempotency_key,
                                          gint64        other_than_run,
                                          GError      **error);
char         *aios_runs_get_recorded_output (AiosStore *store,
                                             gint64     run_id,
                                             guint      idx,
                                             const char *name,
                                             GError   **error);
gint64        aios_runs_count_succeeded_steps (AiosStore *store,
                                               gint64     run_id,
                                               GError   **error);
GArray       *aios_runs_list_open_steps (AiosStore     *store,
                                         gint64         run_id,
                                         GError       **error);
GArray       *aios_runs_list_due_steps  (AiosStore     *store,
                                         gboolean       retries_only,
                                         gint64         now,
                                         GError       **error);
gint64        aios_runs_next_retry_at   (AiosStore     *store,
                                         gint64         now,
                                         GError       **error);
gboolean      aios_runs_list_interrupted_steps (AiosStore *store,
                                                GArray    *step_ids,
                                                GArray    *run_ids,
                                                GError   **error);

/* The writes run inside the caller's open transaction. */
gint64        aios_runs_insert_step   (AiosStore       *store,
                                       gint64           run_id,
                                       guint            idx,
                                       const char      *name,
                                       const char      *agent,
                                       const char      *idempotency_key,
                                       GError         **error);
gboolean      aios_runs_reuse_step    (AiosStore       *store,
                                       gint64           run_id,
                                       gint64           parent_run_id,
                                       guint            idx,
                                       const char      *name,
                                       const char      *idempotency_key,
                                       gint64          *out_id,
                                       GError         **error);
gboolean      aios_runs_start_step    (AiosStore       *store,
                                       gint64           step_id,
                                       GError         **error);
gboolean      aios_runs_requeue_step  (AiosStore       *store,
                                       gint64           step_id,
                                       GError         **error);
gboolean      aios_runs_succeed_step  (AiosStore       *store,
                                       gint64           step_id,
                                       const char      *output_json,
                                       GError         **error);
gboolean      aios_runs_fail_step     (AiosStore       *store,
                                       gint64           step_id,
                                       const char      *error_text,
                                       GError         **error);
gboolean      aios_runs_schedule_wait   (AiosStore      *store,
                                        gint64          step_id,
                                        gint64          due_at,
                                        const char     *label,
                                        GError        **error);
char         *aios_runs_describe_wait  (const char     *label,
                                        gint64          due_at);
gboolean      aios_runs_schedule_retry (AiosStore      *store,
                                        gint64          step_id,
                                        gint64          next_attempt_at,
                                        const char     *error_text,
                                        GError        **error);
gboolean      aios_runs_wait_for_approval (AiosStore     *store,
                                           gint64         step_id,
                                           GError       **error);
gboolean      aios_runs_cancel_step   (AiosStore       *store,
                                       gint64           step_id,
                                       GError         **error);
gboolean      aios_runs_set_step      (AiosStore       *store,
                                       gint64           step_id,
                                       const char      *status,
                                       const char      *phase,
                                       const char      *output_json,
                                       const char      *error_text,
                                       GError         **error);

/* For the repair-cost meter (aios-stats.c): the runs created since a time. */
typedef struct {
  gint64  id;
  char   *flow_id;
  gint64  created_at;
  char   *fork_kind;       /* nullable: "replay" or "retry" */
} AiosRunStamp;

void          aios_run_stamp_free     (AiosRunStamp    *stamp);
GPtrArray    *aios_runs_list_created_since (AiosStore  *store,
                                            gint64      since_ms,
                                            GError    **error);

G_END_DECLS
