/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "store/aios-store.h"

G_BEGIN_DECLS

/* The classes of failure the meter tells apart, in this order. */
typedef enum {
  AIOS_FAILURE_RETRYABLE_RECOVERED,  /* failed, retried on its own, then succeeded */
  AIOS_FAILURE_PERMANENT,            /* an error retrying cannot fix */
  AIOS_FAILURE_RETRIES_EXHAUSTED,    /* a retryable error that outlasted its attempts */
  AIOS_FAILURE_UNKNOWN_OUTCOME,      /* sent, no answer: it may have happened */
  AIOS_FAILURE_BUDGET_STOP,          /* a model call over the daily or monthly budget */
  AIOS_FAILURE_POLICY_DENIAL,        /* a policy rule denied the action */
  AIOS_FAILURE_QA,                   /* the quality check refused the draft */
  AIOS_FAILURE_APPROVAL_EXPIRED,     /* nobody decided before the approval expired */
  AIOS_N_FAILURE_CLASSES
} AiosFailureClass;

const char *aios_failure_class_to_string (AiosFailureClass klass);   /* the JSON name */
const char *aios_failure_class_to_words  (AiosFailureClass klass);   /* translated, lower case */
char       *aios_failure_class_count     (AiosFailureClass klass,
                                          guint            n);       /* "2 policy denials" */

/**
 * AiosStatsFigures:
 *
 * What one flow (or all of them) cost in one week (or the whole window).
 */
typedef struct {
  guint  runs;
  guint  failures[AIOS_N_FAILURE_CLASSES];
  guint  approvals;        /* approved by the operator (edits included) */
  guint  edits;            /* approved with an edit */
  guint  rejections;
  guint  undos;            /* approvals taken back inside the undo grace */
  guint  retries;          /* failed runs retried by the operator */
  guint  replays;          /* runs replayed by the operator from a step (forks) */
  guint  manual_fixes;     /* rollbacks */
  guint  resolutions;      /* unknown outcomes resolved: marked sent or sent again */
  gint64 waiting_ms;       /* inbox → decision, summed over approvals and rejections */
} AiosStatsFigures;

guint aios_stats_figures_failed        (const AiosStatsFigures *f);  /* all but the recovered */
guint aios_stats_figures_decisions     (const AiosStatsFigures *f);  /* approvals + rejections */
guint aios_stats_figures_interventions (const AiosStatsFigures *f);

typedef struct {
  char             *flow_id;
  AiosStatsFigures  figures;
} AiosStatsFlow;

typedef struct {
  char             *label;      /* ISO week, "2026-W49" */
  gint64            start_ms;   /* its Monday, 00:00 local time */
  GPtrArray        *flows;      /* AiosStatsFlow, by flow id; only flows with something */
  AiosStatsFigures  total;
} AiosStatsWeek;

typedef struct {
  gint64            generated_at;
  char             *time_zone;
  GPtrArray        *weeks;           /* AiosStatsWeek, oldest first, every week of the window */
  GPtrArray        *flows;           /* AiosStatsFlow over the window, costliest first */
  AiosStatsFigures  total;
  gint64            first_start_at;  /* the workspace's first start (ms) */
  gint64            first_approved_at; /* 0: nothing approved yet */
  int               top_failure;     /* an AiosFailureClass (not the recovered), or -1 */
  GArray           *top_failure_runs; /* gint64 run ids, newest first */
} AiosStats;

AiosStats *aios_stats_compute   (AiosStore        *store,
                                 guint             n_weeks,
                                 gint64            now_ms,
                                 GError          **error);
void       aios_stats_free      (AiosStats        *stats);
JsonNode  *aios_stats_to_json   (const AiosStats  *stats);
char      *aios_stats_format_duration (gint64      ms);
char      *aios_stats_describe_week   (const AiosStats     *stats,
                                       const AiosStatsWeek *week);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AiosStats, aios_stats_free)

G_END_DECLS
