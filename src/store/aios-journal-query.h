/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-journal.h"

G_BEGIN_DECLS

/**
 * AiosJournalShow:
 * @AIOS_JOURNAL_SHOW_ALL: every event
 * @AIOS_JOURNAL_SHOW_DECISIONS: approvals and policy decisions only
 * @AIOS_JOURNAL_SHOW_FAILURES: failures only
 */
typedef enum {
  AIOS_JOURNAL_SHOW_ALL,
  AIOS_JOURNAL_SHOW_DECISIONS,
  AIOS_JOURNAL_SHOW_FAILURES,
} AiosJournalShow;

/* Which events a view of the journal shows. */
typedef struct {
  gint64           run_id;     /* 0: every run */
  char            *kind_glob;  /* nullable: "run.*" */
  AiosJournalShow  show;
  char            *search;     /* nullable: a LIKE pattern, escaped with '\' */
} AiosJournalFilter;

void       aios_journal_filter_clear (AiosJournalFilter       *filter);
void       aios_journal_filter_copy  (const AiosJournalFilter *from,
                                      AiosJournalFilter       *to);

/* Windows of the events matching @filter, newest first (AiosEvent elements),
 * served by the (run_id, id) index or the primary key, never a scan of
 * the whole journal per page. */
GPtrArray *aios_journal_query_older  (AiosStore               *store,
                                      const AiosJournalFilter *filter,
                                      gint64                   below_id,
                                      gint64                   top_id,
                                      guint                    limit,
                                      guint                    offset,
                                      GError                 **error);
GPtrArray *aios_journal_query_newer  (AiosStore               *store,
                                      const AiosJournalFilter *filter,
                                      gint64                   after_id,
                                      gint64                   top_id,
                                      GError                 **error);
/* On a reader connection (aios_store_open_reader()), for worker threads. */
gboolean   aios_journal_count_on     (sqlite3                 *reader,
                                      const AiosJournalFilter *filter,
                                      gint64                   after_id,
                                      gint64                  *out_top_id,
                                      gint64                  *out_count,
                                      GError                 **error);

/* Single answers */
gint64     aios_journal_last_run_event_id (AiosStore  *store,
                                           gint64      run_id,
                                           const char *kind);
AiosEvent *aios_journal_find_latest  (AiosStore               *store,
                                      const char              *kind,
                                      gint64                   run_id,
                                      gint64                   step_id);
gint64     aios_journal_run_cost     (AiosStore               *store,
                                      gint64                   run_id);
GPtrArray *aios_journal_list_run_kind (AiosStore              *store,
                                       gint64                  run_id,
                                       const char             *kind,
                                       GError                **error);

/* Windows by time (the events_ts index) */
GPtrArray *aios_journal_list_kinds_since (AiosStore          *store,
                                          const char * const *kinds,
                                          const char         *record_kind,
                                          gint64              since_ts,
                                          guint               limit,
                                          GError            **error);
gint64     aios_journal_cost_since   (AiosStore               *store,
                                      gint64                   since_ts);

/* A link of a run's event to what it touched. */
typedef struct {
  gint64  event_id;
  char   *target_id;
  gint64  version;
} AiosLinkedTarget;

void       aios_linked_target_free   (AiosLinkedTarget        *target);
GPtrArray *aios_journal_list_run_links (AiosStore             *store,
                                        gint64                 run_id,
                                        const char * const    *kinds,
                                        const char            *target_kind,
                                        GError               **error);
/* How many runs linked each record of @ids_json (a JSON array of ids);
 * with @with_json, only the runs that also linked one of those. */
gboolean   aios_journal_count_record_runs (sqlite3            *reader,
                                           const char         *ids_json,
                                           const char         *with_json,
                                           GHashTable         *counts,
                                           GError            **error);

G_END_DECLS
