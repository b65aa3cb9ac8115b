/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-store.h"

G_BEGIN_DECLS

/**
 * AiosJournalFact:
 *
 * One journal event the repair-cost meter counts: a failure, a retry, the
 * operator's hand on a run (undo, retry, rollback, resolution).
 */
typedef struct {
  gint64    ts;
  gint64    run_id;     /* 0 when none */
  gint64    step_id;    /* 0 when none */
  char     *kind;
  char     *actor;
  gboolean  retryable;  /* step.failed: the error was of the retryable kind */
} AiosJournalFact;

void       aios_journal_fact_free        (AiosJournalFact *fact);
GPtrArray *aios_journal_stats_facts      (AiosStore       *store,
                                          gint64           since_ms,
                                          GError         **error);
gint64     aios_journal_stats_first_ts   (AiosStore       *store,
                                          GError         **error);

G_END_DECLS
