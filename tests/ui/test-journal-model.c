/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Timeline's journal model over a million events: its count, its first,
 * middle and last item, new events arriving on top while the old items keep
 * their places, filters re-querying, and the process's memory staying flat
 * (a few cached pages, not the journal). It writes a million rows, so it
 * runs alone, not beside tests that wait for frames.
 */
#include "config.h"

#include "aios-ui-test.h"
#include "store/aios-journal.h"
#include "ui/aios-journal-entry.h"
#include "ui/aios-journal-model.h"

static gint64
count (AiosStore  *store,
       const char *sql,
       gint64      arg)
{
  sqlite3_stmt *stmt = aios_store_prepare (store, sql, NULL);
  gint64 n;

  g_assert_nonnull (stmt);
  sqlite3_bind_int64 (stmt, 1, arg);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

static gint64
rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "VmRSS:");
  g_assert_nonnull (line);
  return g_ascii_strtoll (line + strlen ("VmRSS:"), NULL, 10);
}

static gboolean
model_loaded (gpointer model)
{
  return aios_journal_model_get_loaded (model);
}

typedef struct {
  GListModel *model;
  guint       n;
} Grown;

static gboolean
model_grown (gpointer data)
{
  Grown *grown = data;
  return g_list_model_get_n_items (grown->model) >= grown->n;
}

/* A million events: counted, first and last item read, memory flat. */
static void
test_million (void)
{
  g_autoptr(AiosWorkspace) workspace = aios_ui_test_workspace_new ();
  AiosStore *store = aios_workspace_get_store (workspace);
  g_autoptr(AiosJournalModel) model = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosJournalEntry) first = NULL;
  g_autoptr(AiosJournalEntry) last = NULL;
  g_autoptr(AiosJournalEntry) middle = NULL;
  g_autoptr(AiosJournalEntry) fresh = NULL;
  AiosEvent event = { 0 };
  sqlite3_stmt *insert;
  gint64 before, top, total;
  gint64 start = g_get_monotonic_time ();
  guint n;
  Grown grown;

  /* One statement in one transaction: a million rows in about a second. */
  g_assert_true (aios_store_begin (store, &error));
  insert = aios_store_prepare (store, "WITH RECURSIVE n (i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 - 1) "
                                      "INSERT INTO events (ts, run_id, actor, kind, summary) "
                                      "SELECT 1700000000000 + i, i % 500 + 1, 'system', 'step.started', 'Step started' FROM n",
                              &error);
  g_assert_no_error (error);
  sqlite3_bind_int (insert, 1, 1000000);
  g_assert_cmpint (sqlite3_step (insert), ==, SQLITE_DONE);
  sqlite3_reset (insert);
  g_assert_true (aios_store_commit (store, &error));
  g_test_message ("1,000,000 events written in %.1f s", (g_get_monotonic_time () - start) / 1e6);

  top = aios_journal_last_id (store);
  total = count (store, "SELECT COUNT (*) FROM events WHERE ? = 0", 0);
  g_assert_cmpint (total, >=, 1000000);

  before = rss_kib ();
  start = g_get_monotonic_time ();
  model = aios_journal_model_new (store);
  g_assert_true (aios_ui_test_wait (model_loaded, model, 30000));
  n = g_list_model_get_n_items (G_LIST_MODEL (model));
  g_test_message ("counted in %.0f ms", (g_get_monotonic_time () - start) / 1e3);
  g_assert_cmpuint (n, ==, total);

  start = g_get_monotonic_time ();
  first = g_list_model_get_item (G_LIST_MODEL (model), 0);
  last = g_list_model_get_item (G_LIST_MODEL (model), 999999);
  middle = g_list_model_get_item (G_LIST_MODEL (model), 500001);
  g_test_message ("first, last and middle read in %.0f ms", (g_get_monotonic_time () - start) / 1e3);
  g_assert_cmpint (aios_journal_entry_get_id (first), ==, top);
  g_assert_cmpint (aios_journal_entry_get_id (last), ==, top - 999999);
  g_assert_cmpint (aios_journal_entry_get_id (middle), ==, top - 500001);
  g_assert_cmpstr (aios_journal_entry_get_event (last)->summary, ==, "Step started");
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (model), n));

  /* Scroll through a stretch: the cache stays a few pages. */
  for (guint i = 0; i < 20000; i++)
    g_object_unref (g_list_model_get_item (G_LIST_MODEL (model), i * 37));
  g_assert_cmpuint (aios_journal_model_get_cached_pages (model), <=, 12);
  g_test_message ("RSS %" G_GINT64_FORMAT " KiB before the model, %" G_GINT64_FORMAT " KiB after",
                  before, rss_kib ());
#ifndef __SANITIZE_ADDRESS__
  /* (AddressSanitizer's shadow memory and quarantine inflate RSS several
   * times over: the bounds hold for real builds, the sanitized run checks
   * the rest.) */
  g_assert_cmpint (rss_kib (), <, 200 * 1024);
  g_assert_cmpint (rss_kib () - before, <, 50 * 1024);
#endif

  /* A new event arrives on top; the old ones keep their items. */
  event.ts = aios_store_now_ms ();
  event.actor = "operator";
  event.kind = "config.changed";
  event.summary = "A fresh event";
  g_assert_cmpint (aios_journal_append (store, &event, &error), >, 0);
  g_assert_no_error (error);
  grown.model = G_LIST_MODEL (model);
  grown.n = n + 1;
  g_assert_true (aios_ui_test_wait (model_grown, &grown, 10000));
  fresh = g_list_model_get_item (G_LIST_MODEL (model), 0);
  g_assert_cmpstr (aios_journal_entry_get_event (fresh)->summary, ==, "A fresh event");
  g_clear_object (&last);
  last = g_list_model_get_item (G_LIST_MODEL (model), 1000000);
  g_assert_cmpint (aios_journal_entry_get_id (last), ==, top - 999999);

  /* A filter re-queries: one run's events, and decisions only (none). */
  aios_journal_model_set_filter (model, 7, NULL, AIOS_JOURNAL_SHOW_ALL, NULL);
  grown.n = 0;
  while (g_list_model_get_n_items (G_LIST_MODEL (model)) != 2000)
    g_main_context_iteration (NULL, TRUE);
  g_clear_object (&last);
  last = g_list_model_get_item (G_LIST_MODEL (model), 1999);
  g_assert_cmpint (aios_journal_entry_get_event (last)->run_id, ==, 7);
  aios_journal_model_set_filter (model, 0, NULL, AIOS_JOURNAL_SHOW_ALL, "fresh");
  while (g_list_model_get_n_items (G_LIST_MODEL (model)) != 1)
    g_main_context_iteration (NULL, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/journal-model/million", test_million);

  return g_test_run ();
}
