/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reading the journal: the windows the Timeline pages through, the counts
 * its worker thread takes on a reader connection, and the single answers
 * the pages, agents and search ask for (a run's latest event of a kind,
 * its cost, the records its events link). Every statement is served by an
 * index (events_run (run_id, id), events_kind (kind, id), the primary key),
 * so its cost does not grow with the journal.
 */
#define G_LOG_DOMAIN "aios-store"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "aios-journal-query.h"

#define SELECT_EVENTS "SELECT " AIOS_JOURNAL_EVENT_COLUMNS " FROM events "
#define ANY_RUN "AND ?3 = 0 "
#define ONE_RUN "AND run_id = ?3 "
#define FILTER \
  "AND (?4 IS NULL OR kind GLOB ?4) " \
  "AND (?5 = 0 OR (?5 = 1 AND (kind GLOB 'approval.*' OR kind GLOB 'policy.*')) " \
  "  OR (?5 = 2 AND (kind GLOB '*.failed' OR kind IN ('outbox.unknown', 'budget.exceeded')))) " \
  "AND (?6 IS NULL OR summary LIKE ?6 ESCAPE '\\' OR rationale LIKE ?6 ESCAPE '\\' " \
  "  OR actor LIKE ?6 ESCAPE '\\' OR kind LIKE ?6 ESCAPE '\\') "

/* Index 0: any run; 1: one run (the (run_id, id) index serves it). */
static const char *older_sql[2] = {
  SELECT_EVENTS "WHERE id < ?1 AND id <= ?2 " ANY_RUN FILTER "ORDER BY id DESC LIMIT ?7 OFFSET ?8",
  SELECT_EVENTS "WHERE id < ?1 AND id <= ?2 " ONE_RUN FILTER "ORDER BY id DESC LIMIT ?7 OFFSET ?8",
};
static const char *newer_sql[2] = {
  SELECT_EVENTS "WHERE id > ?1 AND id <= ?2 " ANY_RUN FILTER "ORDER BY id DESC",
  SELECT_EVENTS "WHERE id > ?1 AND id <= ?2 " ONE_RUN FILTER "ORDER BY id DESC",
};
static const char *count_sql[2] = {
  "SELECT COUNT (*) FROM events WHERE id > ?1 AND id <= ?2 " ANY_RUN FILTER,
  "SELECT COUNT (*) FROM events WHERE id > ?1 AND id <= ?2 " ONE_RUN FILTER,
};

void
aios_journal_filter_clear (AiosJournalFilter *filter)
{
  g_clear_pointer (&filter->kind_glob, g_free);
  g_clear_pointer (&filter->search, g_free);
}

void
aios_journal_filter_copy (const AiosJournalFilter *from,
                          AiosJournalFilter       *to)
{
  to->run_id = from->run_id;
  to->kind_glob = g_strdup (from->kind_glob);
  to->show = from->show;
  to->search = g_strdup (from->search);
}

static void
bind_filter (sqlite3_stmt            *stmt,
             const AiosJournalFilter *filter,
             gint64                   a,
             gint64                   b)
{
  sqlite3_bind_int64 (stmt, 1, a);
  sqlite3_bind_int64 (stmt, 2, b);
  sqlite3_bind_int64 (stmt, 3, filter->run_id);
  if (filter->kind_glob != NULL)
    sqlite3_bind_text (stmt, 4, filter->kind_glob, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, 4);
  sqlite3_bind_int (stmt, 5, filter->show);
  if (filter->search != NULL)
    sqlite3_bind_text (stmt, 6, filter->search, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, 6);
}

static GPtrArray *
read_events (AiosStore     *store,
             sqlite3_stmt  *stmt,
             GError       **error)
{
  return aios_store_collect (store, stmt, _("read the journal"), (AiosStoreRowFunc) aios_event_new_from_row,
                             (GDestroyNotify) aios_event_free, error);
}

/**
 * aios_journal_query_older:
 * @below_id: only events with a smaller id
 * @top_id: and at most this id (the snapshot)
 *
 * Returns: (transfer container) (element-type AiosEvent): up to @limit
 *   matching events after skipping @offset, newest first; %NULL with @error
 */
GPtrArray *
aios_journal_query_older (AiosStore               *store,
                          const AiosJournalFilter *filter,
                          gint64                   below_id,
                          gint64                   top_id,
                          guint                    limit,
                          guint                    offset,
                          GError                 **error)
{
  sqlite3_stmt *stmt = aios_store_prepare (store, older_sql[filter->run_id != 0], error);

  if (stmt == NULL)
    return NULL;
  bind_filter (stmt, filter, below_id, top_id);
  sqlite3_bind_int (stmt, 7, limit);
  sqlite3_bind_int64 (stmt, 8, offset);
  return read_events (store, stmt, error);
}

/**
 * aios_journal_query_newer:
 *
 * Returns: (transfer container) (element-type AiosEvent): every matching
 *   event with @after_id < id <= @top_id, newest first; %NULL with @error
 */
GPtrArray *
aios_journal_query_newer (AiosStore               *store,
                          const AiosJournalFilter *filter,
                          gint64                   after_id,
                          gint64                   top_id,
                          GError                 **error)
{
  sqlite3_stmt *stmt = aios_store_prepare (store, newer_sql[filter->run_id != 0], error);

  if (stmt == NULL)
    return NULL;
  bind_filter (stmt, filter, after_id, top_id);
  return read_events (store, stmt, error);
}

/**
 * aios_journal_count_on:
 * @reader: a reader connection, used by this thread only
 * @out_top_id: (out): the newest event's id, the snapshot counted
 * @out_count: (out): how many events after @after_id match @filter
 *
 * Returns: %FALSE with @error when the journal cannot be read
 */
gboolean
aios_journal_count_on (sqlite3                 *reader,
                       const AiosJournalFilter *filter,
                       gint64                   after_id,
                       gint64                  *out_top_id,
                       gint64                  *out_count,
                       GError                 **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (reader, "SELECT COALESCE (MAX (id), 0) FROM events", -1, &stmt, NULL);
  if (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    *out_top_id = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW)
    goto failed;

  rc = sqlite3_prepare_v2 (reader, count_sql[filter->run_id != 0], -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      bind_filter (stmt, filter, after_id, *out_top_id);
      if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        *out_count = sqlite3_column_int64 (stmt, 0);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW)
    goto failed;
  return TRUE;

failed:
  g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_FAILED,
               _("Could not count the journal’s events: %s"), sqlite3_errmsg (reader));
  return FALSE;
}

/**
 * aios_journal_last_run_event_id:
 * @kind: (nullable): only events of this kind
 *
 * Returns: the id of @run_id's newest event (of @kind), 0 when none
 */
gint64
aios_journal_last_run_event_id (AiosStore  *store,
                                gint64      run_id,
                                const char *kind)
{
  if (kind == NULL)
    return aios_store_get_int64 (store, _("read the journal"), 0, NULL,
                                 "SELECT COALESCE (MAX (id), 0) FROM events WHERE run_id = ?", "i", run_id);
  return aios_store_get_int64 (store, _("read the journal"), 0, NULL,
                               "SELECT COALESCE (MAX (id), 0) FROM events WHERE run_id = ? AND kind = ?",
                               "is", run_id, kind);
}

/**
 * aios_journal_find_latest:
 * @kind: the event kind
 * @run_id: only this run's events, or 0 for any
 * @step_id: only this step's events, or 0 for any (with a run)
 *
 * Returns: (transfer full) (nullable): the newest such event, %NULL when
 *   there is none or the journal cannot be read
 */
AiosEvent *
aios_journal_find_latest (AiosStore  *store,
                          const char *kind,
                          gint64      run_id,
                          gint64      step_id)
{
  sqlite3_stmt *stmt;
  AiosEvent *event = NULL;

  g_return_val_if_fail (kind != NULL, NULL);
  if (run_id == 0)
    /* The (kind, id) index: one seek from the newest. */
    stmt = aios_store_query (store, SELECT_EVENTS "WHERE kind = ? ORDER BY id DESC LIMIT 1", NULL, "s", kind);
  else
    stmt = aios_store_query (store,
                             SELECT_EVENTS "WHERE run_id = ? AND (? = 0 OR step_id = ?) AND kind = ? "
                             "ORDER BY id DESC LIMIT 1", NULL, "iiis", run_id, step_id, step_id, kind);
  if (stmt == NULL)
    return NULL;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    event = aios_event_new_from_row (stmt);
  aios_store_done (stmt);
  return event;
}

/**
 * aios_journal_run_cost:
 *
 * Returns: what @run_id's model calls cost so far, in millionths
 */
gint64
aios_journal_run_cost (AiosStore *store,
                       gint64     run_id)
{
  return aios_store_get_int64 (store, _("read the journal"), 0, NULL,
                               "SELECT COALESCE (SUM (cost_micros), 0) FROM events WHERE run_id = ?", "i", run_id);
}

/**
 * aios_journal_list_run_kind:
 *
 * Returns: (transfer container) (element-type AiosEvent): @run_id's events
 *   of @kind, oldest first; %NULL with @error
 */
GPtrArray *
aios_journal_list_run_kind (AiosStore   *store,
                            gint64       run_id,
                            const char  *kind,
                            GError     **error)
{
  sqlite3_stmt *stmt = aios_store_prepare (store, SELECT_EVENTS "WHERE run_id = ?1 AND kind = ?2 ORDER BY id", error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, run_id);
  sqlite3_bind_text (stmt, 2, kind, -1, SQLITE_TRANSIENT);
  return read_events (store, stmt, error);
}

void
aios_linked_target_free (AiosLinkedTarget *target)
{
  if (target == NULL)
    return;
  g_free (target->target_id);
  g_free (target);
}

/**
 * aios_journal_list_run_links:
 * @kinds: the event kinds whose links count
 * @target_kind: what the links point at ("record")
 *
 * Returns: (transfer container) (element-type AiosLinkedTarget): the links
 *   of @run_id's events of @kinds to @target_kind, in event order; %NULL
 *   with @error
 */
GPtrArray *
aios_journal_list_run_links (AiosStore          *store,
                             gint64              run_id,
                             const char * const *kinds,
                             const char         *target_kind,
                             GError            **error)
{
  g_autoptr(GPtrArray) links = g_ptr_array_new_with_free_func ((GDestroyNotify) aios_linked_target_free);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *kinds_json = NULL;
  sqlite3_stmt *stmt;
  int rc;

  json_builder_begin_array (b);
  for (guint i = 0; kinds[i] != NULL; i++)
    json_builder_add_string_value (b, kinds[i]);
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  kinds_json = json_to_string (root, FALSE);

  stmt = aios_store_query (store,
                           "SELECT e.id, l.target_id, l.version FROM events e "
                           "JOIN event_links l ON l.event_id = e.id AND l.target_kind = ? "
                           "WHERE e.run_id = ? AND e.kind IN (SELECT value FROM json_each (?)) "
                           "ORDER BY e.id, l.target_id, l.version",
                           error, "sis", target_kind, run_id, kinds_json);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      AiosLinkedTarget *link = g_new0 (AiosLinkedTarget, 1);

      link->event_id = sqlite3_column_int64 (stmt, 0);
      link->target_id = aios_store_column_dup (stmt, 1);
      link->version = sqlite3_column_int64 (stmt, 2);
      g_ptr_array_add (links, link);
    }
  aios_store_done (stmt);
  if (rc != SQLITE_DONE)
    {
      aios_store_set_error (store, rc, error, _("read the journal’s links"));
      return NULL;
    }
  return g_steal_pointer (&links);
}

/**
 * aios_journal_count_record_runs:
 * @reader: a reader connection, used by this thread only
 * @ids_json: a JSON array of record ids (as text)
 * @with_json: (nullable): a JSON array of record ids the runs must also link
 * @counts: a table (id text → run count in a pointer) to fill
 *
 * Returns: %FALSE with @error when the journal cannot be read
 */
gboolean
aios_journal_count_record_runs (sqlite3     *reader,
                                const char  *ids_json,
                                const char  *with_json,
                                GHashTable  *counts,
                                GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (with_json == NULL)
    rc = sqlite3_prepare_v2 (reader,
                             "SELECT l.target_id, COUNT (DISTINCT e.run_id) FROM event_links l "
                             "JOIN events e ON e.id = l.event_id "
                             "WHERE l.target_kind = 'record' AND l.target_id IN (SELECT value FROM json_each (?1)) "
                             "AND e.run_id IS NOT NULL GROUP BY l.target_id", -1, &stmt, NULL);
  else
    rc = sqlite3_prepare_v2 (reader,
                             "SELECT l.target_id, COUNT (DISTINCT e.run_id) FROM event_links l "
                             "JOIN events e ON e.id = l.event_id "
                             "WHERE l.target_kind = 'record' AND l.target_id IN (SELECT value FROM json_each (?1)) "
                             "AND e.run_id IN ("
                             "  SELECT e2.run_id FROM event_links l2 JOIN events e2 ON e2.id = l2.event_id "
                             "  WHERE l2.target_kind = 'record' AND e2.run_id IS NOT NULL "
                             "  AND l2.target_id IN (SELECT value FROM json_each (?2))) "
                             "GROUP BY l.target_id", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, ids_json, -1, SQLITE_TRANSIENT);
      if (with_json != NULL)
        sqlite3_bind_text (stmt, 2, with_json, -1, SQLITE_TRANSIENT);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        g_hash_table_insert (counts, g_strdup ((const char *) sqlite3_column_text (stmt, 0)),
                             GINT_TO_POINTER (sqlite3_column_int (stmt, 1)));
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_FAILED,
                   _("Could not read which runs used the records: %s"), sqlite3_errmsg (reader));
      return FALSE;
    }
  return TRUE;
}

/**
 * aios_journal_list_kinds_since:
 * @kinds: the event kinds, %NULL-terminated
 * @record_kind: (nullable): of "memory.written" events, only those about a
 *   record of this kind ("decision")
 * @since_ts: only events at or after this time (ms since the epoch)
 * @limit: at most this many, the newest
 *
 * What happened of @kinds since a time, for a summary such as the Today
 * page. The events_ts index bounds the read to the window, however long
 * the journal (the kind is tested on the row, `+kind`, so that SQLite does
 * not prefer the events_kind index, which would read every such event
 * ever journaled).
 *
 * Returns: (transfer container) (element-type AiosEvent): the events,
 *   newest first; %NULL with @error
 */
GPtrArray *
aios_journal_list_kinds_since (AiosStore          *store,
                               const char * const *kinds,
                               const char         *record_kind,
                               gint64              since_ts,
                               guint               limit,
                               GError            **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *kinds_json = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (kinds != NULL, NULL);
  json_builder_begin_array (builder);
  for (guint i = 0; kinds[i] != NULL; i++)
    json_builder_add_string_value (builder, kinds[i]);
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  kinds_json = json_generator_to_data (generator, NULL);

  stmt = aios_store_query (store,
                           SELECT_EVENTS "WHERE ts >= ?1 AND +kind IN (SELECT value FROM json_each (?2)) "
                           "AND (?3 IS NULL OR kind <> 'memory.written' OR json_extract (payload_json, '$.kind') = ?3) "
                           "ORDER BY ts DESC, id DESC LIMIT ?4",
                           error, "issi", since_ts, kinds_json, record_kind, (gint64) limit);
  if (stmt == NULL)
    return NULL;
  return read_events (store, stmt, error);
}

/**
 * aios_journal_cost_since:
 * @since_ts: ms since the epoch
 *
 * Returns: what the model calls journaled since @since_ts cost, in
 *   millionths of the currency
 */
gint64
aios_journal_cost_since (AiosStore *store,
                         gint64     since_ts)
{
  return aios_store_get_int64 (store, _("read the journal"), 0, NULL,
                               "SELECT COALESCE (SUM (cost_micros), 0) FROM events WHERE ts >= ?", "i", since_ts);
}
