/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The journal's reads for the repair-cost meter (control/aios-stats.c):
 * only the kinds it counts, through the (kind, id) index, so the answer
 * costs what the counted events cost, not the length of the journal.
 */
#define G_LOG_DOMAIN "aios-store"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-journal-stats.h"

void
aios_journal_fact_free (AiosJournalFact *fact)
{
  if (fact == NULL)
    return;
  g_free (fact->kind);
  g_free (fact->actor);
  g_free (fact);
}

static gpointer
read_fact (sqlite3_stmt *stmt)
{
  AiosJournalFact *fact = g_new0 (AiosJournalFact, 1);

  fact->ts = sqlite3_column_int64 (stmt, 0);
  fact->run_id = sqlite3_column_int64 (stmt, 1);
  fact->step_id = sqlite3_column_int64 (stmt, 2);
  fact->kind = aios_store_column_dup (stmt, 3);
  fact->actor = aios_store_column_dup (stmt, 4);
  fact->retryable = sqlite3_column_int (stmt, 5) != 0;
  return fact;
}

/* The first event id at or after @since_ms. Events are appended with the
 * time they happen, so ts grows with id: a binary search over the ids with
 * point reads finds the window's start without a scan (and without an
 * index on ts). A clock that stepped back only moves the edge by as much. */
static gint64
first_id_since (AiosStore  *store,
                gint64      since_ms,
                GError    **error)
{
  gint64 lo = aios_store_get_int64 (store, _("read the journal"), 0, error,
                                    "SELECT COALESCE (MIN (id), 0) FROM events", "");
  gint64 hi = aios_store_get_int64 (store, _("read the journal"), 0, error,
                                    "SELECT COALESCE (MAX (id), 0) FROM events", "");

  if (hi == 0)
    return 1;
  hi++;   /* hi: an id known to be at or after the window's start (or past the end) */
  while (lo < hi)
    {
      gint64 mid = lo + (hi - lo) / 2;
      gint64 id = aios_store_get_int64 (store, _("read the journal"), 0, error,
                                        "SELECT id FROM events WHERE id >= ? ORDER BY id LIMIT 1", "i", mid);
      gint64 ts;

      if (id == 0 || id >= hi)
        {
          hi = mid;
          continue;
        }
      ts = aios_store_get_int64 (store, _("read the journal"), 0, error,
                                 "SELECT ts FROM events WHERE id = ?", "i", id);
      if (ts >= since_ms)
        hi = id;
      else
        lo = id + 1;
    }
  return lo;
}

/**
 * aios_journal_stats_facts:
 *
 * The failures, retries and operator fixes journaled at or after
 * @since_ms: step.failed, step.retry-scheduled, outbox.unknown,
 * budget.exceeded, policy.denied, approval.expired, approval.undone,
 * run.retried, run.rolled-back, outbox.resend and an outbox.sent written
 * by someone other than the system or a connector (`aios resolve --sent`).
 *
 * Returns: (transfer full) (element-type AiosJournalFact): oldest first
 */
GPtrArray *
aios_journal_stats_facts (AiosStore  *store,
                          gint64      since_ms,
                          GError    **error)
{
  gint64 from_id = first_id_since (store, since_ms, error);
  sqlite3_stmt *stmt = aios_store_query (store,
    "SELECT ts, COALESCE (run_id, 0), COALESCE (step_id, 0), kind, actor, "
    "CASE WHEN kind = 'step.failed' AND json_valid (payload_json) "
    "THEN COALESCE (json_extract (payload_json, '$.retryable'), 0) ELSE 0 END "
    "FROM events INDEXED BY events_kind "
    "WHERE kind IN ('step.failed','step.retry-scheduled','outbox.unknown','budget.exceeded',"
    "'policy.denied','approval.expired','approval.undone','run.retried','run.rolled-back',"
    "'outbox.resend','outbox.sent') "
    "AND id >= ? AND ts >= ? "
    "AND (kind <> 'outbox.sent' OR (actor <> 'system' AND actor NOT LIKE 'connector:%')) "
    "ORDER BY id",
    error, "ii", from_id, since_ms);

  return aios_store_collect (store, stmt, _("read the journal"), read_fact,
                             (GDestroyNotify) aios_journal_fact_free, error);
}

/**
 * aios_journal_stats_first_ts:
 *
 * Returns: the time of the journal's first event (ms), or 0 when empty
 */
gint64
aios_journal_stats_first_ts (AiosStore  *store,
                             GError    **error)
{
  return aios_store_get_int64 (store, _("read the journal"), 0, error,
                               "SELECT ts FROM events ORDER BY id LIMIT 1", "");
}
