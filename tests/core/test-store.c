/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The store on real files: migrations, refusal of newer and damaged files,
 * transactions, the append-only journal, settings, backups.
 */
#include "config.h"

#include <unistd.h>
#include <glib/gstdio.h>

#include "app/aios-workspace.h"
#include "store/aios-journal.h"

static char *
temp_db (void)
{
  g_autofree char *dir = g_dir_make_tmp ("aios-store-XXXXXX", NULL);
  return g_build_filename (dir, "sub", "workspace.db", NULL);
}

static void
test_create_and_reopen (void)
{
  g_autofree char *path = temp_db ();
  g_autoptr(GError) error = NULL;
  AiosEvent ev = { .actor = (char *) "operator", .kind = (char *) "test.hello", .summary = (char *) "hello" };
  g_autoptr(GPtrArray) events = NULL;

  {
    g_autoptr(AiosWorkspace) ws = aios_workspace_open (path, &error);
    g_assert_no_error (error);
    g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
    g_assert_cmpint (aios_journal_append (aios_workspace_get_store (ws), &ev, &error), >, 0);
    g_assert_no_error (error);
  }

  {
    g_autoptr(AiosWorkspace) ws = aios_workspace_open (path, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (aios_store_get_component_version (aios_workspace_get_store (ws), "store"), ==, 2);
    events = aios_journal_list (aios_workspace_get_store (ws), 0, 0, 0, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (events->len, ==, 1);
    g_assert_cmpstr (((AiosEvent *) events->pdata[0])->summary, ==, "hello");
  }
}

static void
test_journal_append_only (void)
{
  g_autofree char *path = temp_db ();
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosWorkspace) ws = aios_workspace_open (path, &error);
  AiosStore *store = aios_workspace_get_store (ws);
  AiosEvent ev = { .actor = (char *) "system", .kind = (char *) "test", .summary = (char *) "x" };

  g_assert_no_error (error);
  g_assert_cmpint (aios_journal_append (store, &ev, &error), ==, 1);
  g_assert_false (aios_store_exec (store, "UPDATE events SET summary = 'y'", &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "append-only"));
  g_clear_error (&error);
  g_assert_false (aios_store_exec (store, "DELETE FROM events", &error));
  g_assert_nonnull (error);
}

static void
test_transaction_rollback (void)
{
  g_autofree char *path = temp_db ();
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosWorkspace) ws = aios_workspace_open (path, &error);
  AiosStore *store = aios_workspace_get_store (ws);
  AiosEvent ev = { .actor = (char *) "system", .kind = (char *) "test", .summary = (char *) "x" };
  g_autoptr(GPtrArray) events = NULL;

  g_assert_true (aios_store_begin (store, &error));
  g_assert_cmpint (aios_journal_append (store, &ev, &error), >, 0);
  aios_store_rollback (store);
  events = aios_journal_list (store, 0, 0, 0, &error);
  g_assert_cmpuint (events->len, ==, 0);
}

static void
test_newer_schema_refused (void)
{
  g_autofree char *path = temp_db ();
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize len_before, len_after;

  {
    g_autoptr(AiosWorkspace) ws = aios_workspace_open (path, &error);
    g_assert_no_error (error);
    g_assert_true (aios_store_exec (aios_workspace_get_store (ws),
                                    "UPDATE schema_versions SET version = 99 WHERE component = 'store'",
                                    &error));
  }
  g_assert_true (g_file_get_contents (path, &before, &len_before, NULL));

  {
    g_autoptr(AiosWorkspace) ws = aios_workspace_open (path, &error);
    g_assert_null (ws);
    g_assert_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_NEWER_SCHEMA);
    g_assert_nonnull (strstr (error->message, path));
    g_assert_nonnull (strstr (error->message, "newer version"));
  }
  g_assert_true (g_file_get_contents (path, &after, &len_after, NULL));
  g_assert_cmpmem (before, len_before, after, len_after);
}

static void
test_not_a_database (void)
{
  g_autofree char *path = temp_db ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *after = NULL;
  const char *junk = "this is a text file, not a workspace\n";

  g_mkdir_with_parents (dir, 0700);
  g_assert_true (g_file_set_contents (path, junk, -1, NULL));
  g_assert_null (aios_workspace_open (path, &error));
  g_assert_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, junk);
}

static void
test_truncated_database (void)
{
  g_autofree char *path = temp_db ();
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize len;

  {
    g_autoptr(AiosWorkspace) ws = aios_workspace_open (path, &error);
    AiosStore *store = aios_workspace_get_store (ws);
    AiosEvent ev = { .actor = (char *) "system", .kind = (char *) "test", .summary = (char *) "some text to fill pages" };
    g_assert_true (aios_store_begin (store, &error));
    for (int i = 0; i < 2000; i++)
      aios_journal_append (store, &ev, &error);
    g_assert_true (aios_store_commit (store, &error));
    g_assert_true (aios_store_exec (store, "PRAGMA wal_checkpoint(TRUNCATE)", &error));
  }
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpuint (len, >, 16384);
  /* Cut the file in the middle of its pages, as a failing disk would. */
  g_assert_true (g_file_set_contents (path, contents, len / 2 + 100, NULL));

  g_assert_null (aios_workspace_open (path, &error));
  g_assert_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, path));
}

static void
test_read_only_folder (void)
{
  g_autofree char *dir = g_dir_make_tmp ("aios-ro-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "workspace.db", NULL);
  g_autoptr(GError) error = NULL;

  if (geteuid () == 0)
    {
      /* root ignores permissions: use a folder below a regular file instead,
       * which no one can create. */
      g_autofree char *file = g_build_filename (dir, "file", NULL);
      g_autofree char *below = g_build_filename (file, "workspace.db", NULL);
      g_assert_true (g_file_set_contents (file, "x", -1, NULL));
      g_assert_null (aios_workspace_open (below, &error));
      g_assert_nonnull (error);
      g_assert_nonnull (strstr (error->message, file));
      return;
    }

  g_assert_cmpint (g_chmod (dir, 0500), ==, 0);
  g_assert_null (aios_workspace_open (path, &error));
  g_assert_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_READ_ONLY);
  g_chmod (dir, 0700);
}

static void
test_config (void)
{
  g_autofree char *path = temp_db ();
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosWorkspace) ws = aios_workspace_open (path, &error);
  AiosConfig *config = aios_workspace_get_config (ws);
  g_autofree char *value = NULL;
  g_autoptr(GPtrArray) events = NULL;

  g_assert_null (aios_config_get (config, "smtp.url"));
  g_assert_false (aios_config_set (config, "smtp.url", "http://example.com", NULL, &error));
  g_assert_error (error, AIOS_CONFIG_ERROR, AIOS_CONFIG_ERROR_INVALID_VALUE);
  g_clear_error (&error);
  g_assert_false (aios_config_set (config, "smtp.nope", "x", NULL, &error));
  g_assert_error (error, AIOS_CONFIG_ERROR, AIOS_CONFIG_ERROR_UNKNOWN_KEY);
  g_clear_error (&error);
  g_assert_false (aios_config_set (config, "budget.daily", "-3", NULL, &error));
  g_clear_error (&error);

  g_assert_true (aios_config_set (config, "smtp.url", "smtp://127.0.0.1:2525", NULL, &error));
  value = aios_config_get (config, "smtp.url");
  g_assert_cmpstr (value, ==, "smtp://127.0.0.1:2525");

  events = aios_journal_list (aios_workspace_get_store (ws), 0, 0, 0, &error);
  g_assert_cmpuint (events->len, ==, 1);
  g_assert_cmpstr (((AiosEvent *) events->pdata[0])->kind, ==, "config.changed");

  g_assert_true (aios_config_unset (config, "smtp.url", NULL, &error));
  g_clear_pointer (&value, g_free);
  g_assert_null (aios_config_get (config, "smtp.url"));
}

static void
test_query_helpers (void)
{
  g_autofree char *path = temp_db ();
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosWorkspace) ws = aios_workspace_open (path, &error);
  AiosStore *store = aios_workspace_get_store (ws);
  g_autofree char *name = NULL;
  sqlite3_stmt *stmt;
  gint64 id, sum = 0;
  guint rows = 0;

  g_assert_no_error (error);
  g_assert_true (aios_store_exec (store, "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, s TEXT UNIQUE)", &error));
  id = aios_store_insert (store, "add a row", &error, "INSERT INTO t (n, s) VALUES (?, ?)", "is", (gint64) 40, "forty");
  g_assert_no_error (error);
  g_assert_cmpint (id, ==, 1);
  g_assert_cmpint (aios_store_insert (store, "add a row", &error, "INSERT INTO t (n, s) VALUES (?, ?)", "ns", 2, NULL), ==, 2);
  g_assert_true (aios_store_run (store, "change a row", &error, "UPDATE t SET n = n + ? WHERE id = ?", "ii", (gint64) 2, id));
  g_assert_cmpint (aios_store_changes (store), ==, 1);

  stmt = aios_store_query (store, "SELECT n FROM t WHERE n >= ? ORDER BY id", &error, "i", (gint64) 0);
  while (aios_store_next (store, stmt, "read the rows", &error))
    {
      sum += sqlite3_column_int64 (stmt, 0);
      rows++;
    }
  g_assert_no_error (error);
  g_assert_cmpuint (rows, ==, 2);
  g_assert_cmpint (sum, ==, 44);

  g_assert_cmpint (aios_store_get_int64 (store, "count", -1, &error, "SELECT count(*) FROM t WHERE s IS NULL", ""), ==, 1);
  g_assert_cmpint (aios_store_get_int64 (store, "find", -7, &error, "SELECT n FROM t WHERE id = ?", "i", (gint64) 99), ==, -7);
  name = aios_store_get_string (store, "name", &error, "SELECT s FROM t WHERE n = ?", "n", 42);
  g_assert_no_error (error);
  g_assert_cmpstr (name, ==, "forty");

  /* a constraint failure is an error with a code, and the statement is reset for the next caller */
  g_assert_cmpint (aios_store_insert (store, "add a row", &error, "INSERT INTO t (n, s) VALUES (?, ?)", "is", (gint64) 1, "forty"), ==, 0);
  g_assert_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_CONSTRAINT);
  g_clear_error (&error);
  g_assert_cmpint (aios_store_insert (store, "add a row", &error, "INSERT INTO t (n, s) VALUES (?, ?)", "is", (gint64) 1, "one"), ==, 3);
  g_assert_no_error (error);
}

static void
test_backup_rotation (void)
{
  g_autofree char *path = temp_db ();
  g_autofree char *dir = g_dir_make_tmp ("aios-backup-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosWorkspace) ws = aios_workspace_open (path, &error);
  g_autofree char *backup = NULL;
  g_autoptr(AiosWorkspace) copy = NULL;
  g_autoptr(GPtrArray) events = NULL;

  g_assert_no_error (error);
  backup = aios_workspace_backup (ws, dir, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_test (backup, G_FILE_TEST_IS_REGULAR));

  copy = aios_workspace_open (backup, &error);
  g_assert_no_error (error);
  events = aios_journal_list (aios_workspace_get_store (copy), 0, 0, 0, &error);
  g_assert_cmpuint (events->len, ==, 0);  /* taken before its own event was written */
}

static char *
file_checksum (const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
}

/* A workspace made and closed by Aios, then changed with sqlite3 directly
 * (as someone with the file would), then opened again: refused, naming
 * what is wrong, and the file left as it was. */
static void
assert_tampering_refused (const char *sql,
                          const char *expected)
{
  g_autofree char *path = temp_db ();
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  sqlite3 *db = NULL;

  {
    g_autoptr(AiosWorkspace) ws = aios_workspace_open (path, &error);
    g_assert_no_error (error);
  }
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (db));
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
  before = file_checksum (path);

  g_assert_null (aios_workspace_open (path, &error));
  g_assert_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, path));
  if (strstr (error->message, expected) == NULL)
    g_error ("“%s” not in: %s", expected, error->message);
  g_assert_nonnull (strstr (error->message, "It was left untouched"));
  g_clear_error (&error);

  /* Refused again the next time, and never changed. */
  g_assert_null (aios_workspace_open (path, &error));
  g_assert_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_CORRUPT);
  after = file_checksum (path);
  g_assert_cmpstr (before, ==, after);
}

static void
test_schema_dropped_table (void)
{
  assert_tampering_refused ("DROP TABLE outbox", "the table “outbox” is missing");
}

static void
test_schema_dropped_index (void)
{
  g_autofree char *path = temp_db ();
  g_autoptr(GError) error = NULL;
  g_autofree char *index = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *expected = NULL;

  {
    g_autoptr(AiosWorkspace) ws = aios_workspace_open (path, &error);
    index = aios_store_get_string (aios_workspace_get_store (ws), "find an index", &error,
                                   "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' "
                                   "AND sql IS NOT NULL ORDER BY name LIMIT 1", "");
    g_assert_no_error (error);
    g_assert_nonnull (index);
  }
  sql = g_strdup_printf ("DROP INDEX %s", index);
  expected = g_strdup_printf ("the index “%s” is missing", index);
  assert_tampering_refused (sql, expected);
}

static void
test_schema_foreign_trigger (void)
{
  assert_tampering_refused ("CREATE TRIGGER reroute AFTER INSERT ON outbox BEGIN SELECT 1; END",
                            "the trigger “reroute” was not made by Aios");
}

static void
test_schema_changed_trigger (void)
{
  /* The journal's append-only guard replaced by one that lets deletes through. */
  assert_tampering_refused ("DROP TRIGGER events_append_only_delete;"
                            "CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events BEGIN SELECT 1; END",
                            "the trigger “events_append_only_delete” was changed");
}

/* Breaks the page type of one of the journal's leaf pages: only a scan of
 * the whole file (quick_check) or a read of those rows notices. */
static void
damage_a_journal_page (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 page = 0, page_size = 0;
  g_autofree char *data = NULL;
  gsize len = 0;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT pageno, pgsize FROM dbstat WHERE name = 'events' "
                                           "AND pagetype = 'leaf' ORDER BY pageno LIMIT 1 OFFSET 10",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  page = sqlite3_column_int64 (stmt, 0);
  page_size = sqlite3_column_int64 (stmt, 1);
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_assert_cmpint ((gint64) len, >=, page * page_size);
  memset (data + (page - 1) * page_size, 0x7e, 8);   /* no b-tree page type is 0x7e */
  g_assert_true (g_file_set_contents (path, data, len, NULL));
}

static void
test_integrity_after_unclean_end (void)
{
  g_autofree char *path = NULL;
  g_autofree char *marker = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;

  if (g_test_subprocess ())
    {
      /* A process that ends without closing the workspace (a crash). */
      g_autoptr(AiosWorkspace) ws = aios_workspace_open (g_getenv ("AIOS_TEST_WORKSPACE"), &error);
      g_assert_no_error (error);
      _exit (0);
    }

  path = temp_db ();
  marker = g_strconcat (path, "-open", NULL);
  {
    g_autoptr(AiosWorkspace) ws = aios_workspace_open (path, &error);
    AiosStore *store = aios_workspace_get_store (ws);
    AiosEvent ev = { .actor = (char *) "system", .kind = (char *) "test", .summary = (char *) "some text to fill pages" };

    g_assert_no_error (error);
    g_assert_true (aios_store_begin (store, &error));
    for (int i = 0; i < 3000; i++)
      aios_journal_append (store, &ev, &error);
    g_assert_true (aios_store_commit (store, &error));
  }
  damage_a_journal_page (path);

  /* After a clean close the open does not scan the file (that would cost
   * time in the journal's size on every command): it opens. */
  {
    g_autoptr(AiosWorkspace) ws = aios_workspace_open (path, &error);
    g_assert_no_error (error);
    g_assert_nonnull (ws);
    g_assert_true (g_file_test (marker, G_FILE_TEST_EXISTS));   /* while open */
  }
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));   /* closed cleanly */

  /* A process ends without closing: the next open checks the whole file
   * and refuses it, naming the damage, and changes nothing. */
  g_setenv ("AIOS_TEST_WORKSPACE", path, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_assert_true (g_file_test (marker, G_FILE_TEST_EXISTS));   /* left behind */
  before = file_checksum (path);

  g_assert_null (aios_workspace_open (path, &error));
  g_assert_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "is damaged"));
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);

  /* Still checked (and refused) on the next open: the marker stays until a clean open and close. */
  g_assert_null (aios_workspace_open (path, &error));
  g_assert_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_CORRUPT);
  after = file_checksum (path);
  g_assert_cmpstr (before, ==, after);
}

static void
test_unclean_end_of_healthy_file (void)
{
  g_autofree char *path = NULL;
  g_autofree char *marker = NULL;
  g_autoptr(GError) error = NULL;

  if (g_test_subprocess ())
    {
      g_autoptr(AiosWorkspace) ws = aios_workspace_open (g_getenv ("AIOS_TEST_WORKSPACE"), &error);
      AiosEvent ev = { .actor = (char *) "system", .kind = (char *) "test", .summary = (char *) "before the crash" };

      g_assert_no_error (error);
      g_assert_cmpint (aios_journal_append (aios_workspace_get_store (ws), &ev, &error), >, 0);
      _exit (0);
    }

  path = temp_db ();
  marker = g_strconcat (path, "-open", NULL);
  g_setenv ("AIOS_TEST_WORKSPACE", path, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_assert_true (g_file_test (marker, G_FILE_TEST_EXISTS));

  {
    /* Checked, healthy, nothing lost; two connections at once share the marker. */
    g_autoptr(AiosWorkspace) ws = aios_workspace_open (path, &error);
    g_autoptr(AiosStore) second = NULL;
    g_autoptr(GPtrArray) events = NULL;

    g_assert_no_error (error);
    second = aios_workspace_open_store (ws, &error);
    g_assert_no_error (error);
    events = aios_journal_list (aios_workspace_get_store (ws), 0, 0, 0, &error);
    g_assert_cmpuint (events->len, ==, 1);
    g_clear_object (&second);
    g_assert_true (g_file_test (marker, G_FILE_TEST_EXISTS));   /* ws still open */
  }
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/store/create-and-reopen", test_create_and_reopen);
  g_test_add_func ("/store/journal-append-only", test_journal_append_only);
  g_test_add_func ("/store/transaction-rollback", test_transaction_rollback);
  g_test_add_func ("/store/newer-schema-refused", test_newer_schema_refused);
  g_test_add_func ("/store/not-a-database", test_not_a_database);
  g_test_add_func ("/store/truncated-database", test_truncated_database);
  g_test_add_func ("/store/read-only-folder", test_read_only_folder);
  g_test_add_func ("/store/config", test_config);
  g_test_add_func ("/store/backup-rotation", test_backup_rotation);
  g_test_add_func ("/store/query-helpers", test_query_helpers);
  g_test_add_func ("/store/schema/dropped-table", test_schema_dropped_table);
  g_test_add_func ("/store/schema/dropped-index", test_schema_dropped_index);
  g_test_add_func ("/store/schema/foreign-trigger", test_schema_foreign_trigger);
  g_test_add_func ("/store/schema/changed-trigger", test_schema_changed_trigger);
  g_test_add_func ("/store/integrity/after-unclean-end", test_integrity_after_unclean_end);
  g_test_add_func ("/store/integrity/unclean-end-healthy", test_unclean_end_of_healthy_file);

  return g_test_run ();
}
