/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * AiosStore is the workspace's one SQLite file. It opens it in WAL mode with
 * synchronous=FULL (approvals and money deserve durable commits), checks it
 * for corruption and tampering, applies each room's numbered migrations in
 * one transaction, and hands out cached prepared statements.
 *
 * What open checks, and when (the cost of an open must not grow with the
 * journal, so nothing here scans the tables on every open):
 *
 *  - always, in constant time: the header (an SQLite file at all; SQLite
 *    itself refuses a file shorter than its header's page count, so a cut
 *    file is caught at the first read), and the expected schema
 *    (check_schema(): one read of sqlite_master against the schema the
 *    migrations build in memory: every table, index and trigger they create
 *    is there, and no trigger they did not create);
 *  - only after an unclean end: the full PRAGMA quick_check, which reads
 *    every page. An unclean end is a marker file "<workspace>-open" found
 *    while no one holds it (every open connection holds a shared flock() on
 *    it and the last one to close cleanly removes it, so a process that
 *    crashed, was killed or lost power leaves it behind), or a rollback
 *    journal ("<workspace>-journal", which WAL mode never leaves) beside the
 *    file. When the marker cannot be made, every open checks, as before.
 *
 * It never overwrites or "repairs" a file it does not understand: a corrupt
 * file or one from a newer Aios is reported with its path and left as it is.
 */
#define G_LOG_DOMAIN "aios-store"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "aios-store.h"

struct _AiosStore
{
  GObject     parent_instance;

  char       *path;
  sqlite3    *db;
  GHashTable *statements;   /* sql → sqlite3_stmt */
  guint       depth;        /* transaction nesting: 0 = none */
  char       *marker_path;  /* "<path>-open", see the top of the file */
  int         marker_fd;    /* holds a shared flock() while open; -1 = none */
};

G_DEFINE_FINAL_TYPE (AiosStore, aios_store, G_TYPE_OBJECT)

enum {
  COMMITTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_QUARK (aios-store-error-quark, aios_store_error)

static void
finalize_statement (gpointer data)
{
  sqlite3_finalize (data);
}

static void
aios_store_finalize (GObject *object)
{
  AiosStore *self = AIOS_STORE (object);

  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->db != NULL)
    sqlite3_close_v2 (self->db);
  /* A clean close: the last connection out removes the marker, so the next
   * open knows it needs no full check. */
  if (self->marker_fd >= 0)
    {
      if (flock (self->marker_fd, LOCK_EX | LOCK_NB) == 0)
        g_unlink (self->marker_path);
      close (self->marker_fd);
    }
  g_free (self->marker_path);
  g_free (self->path);

  G_OBJECT_CLASS (aios_store_parent_class)->finalize (object);
}

static void
aios_store_class_init (AiosStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = aios_store_finalize;

  /**
   * AiosStore::committed:
   *
   * Emitted after an outermost transaction is durably committed, so views
   * can refresh what they show.
   */
  signals[COMMITTED] = g_signal_new ("committed",
                                     G_TYPE_FROM_CLASS (klass),
                                     G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL,
                                     G_TYPE_NONE, 0);
}

static void
aios_store_init (AiosStore *self)
{
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, finalize_statement);
  self->marker_fd = -1;
}

/* The wall clock, in ms. AIOS_CLOCK_OFFSET_MS (read once) moves it by that
 * many ms, so tests can jump the clock forward across a restart (what a
 * sleep or a clock change does to a schedule or a follow-up wait). */
gint64
aios_store_now_ms (void)
{
  static gsize once = 0;
  static gint64 offset = 0;

  if (g_once_init_enter (&once))
    {
      const char *text = g_getenv ("AIOS_CLOCK_OFFSET_MS");

      offset = text != NULL ? g_ascii_strtoll (text, NULL, 10) : 0;
      g_once_init_leave (&once, 1);
    }
  return g_get_real_time () / 1000 + offset;
}

/**
 * aios_store_format_time:
 * @ts_ms: milliseconds since the epoch
 *
 * Returns: (transfer full): the time in ISO 8601 with the local offset
 */
char *
aios_store_format_time (gint64 ts_ms)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (ts_ms / 1000);
  g_autoptr(GDateTime) local = NULL;

  if (utc == NULL)
    return g_strdup ("?");
  local = g_date_time_to_local (utc);
  return g_date_time_format (local, "%Y-%m-%dT%H:%M:%S%:z");
}

/**
 * aios_store_set_error:
 * @rc: an SQLite result code
 * @what: what was being done, for the message
 *
 * Turns an SQLite failure into a GError whose code says what the operator
 * can do about it.
 *
 * Returns: %FALSE always, so callers can `return aios_store_set_error (...)`
 */
gboolean
aios_store_set_error (AiosStore   *self,
                      int          rc,
                      GError     **error,
                      const char  *what)
{
  const char *path = self != NULL ? self->path : "";
  const char *detail = self != NULL && self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc);
  int sys = self != NULL && self->db != NULL ? sqlite3_system_errno (self->db) : 0;

  switch (rc & 0xff)
    {
    case SQLITE_FULL:
      g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_FULL,
                   _("Could not %s: the disk holding %s is full. Nothing was changed; free some space and try again."),
                   what, path);
      break;
    case SQLITE_IOERR:
      if (sys == ENOSPC || sys == EFBIG || sys == EDQUOT)
        g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_FULL,
                     _("Could not %s: the disk holding %s is full (%s). Nothing was changed; free some space and try again."),
                     what, path, g_strerror (sys));
      else
        g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_FAILED,
                     _("Could not %s: input/output error on %s (%s)."), what, path, detail);
      break;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
      g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_READ_ONLY,
                   _("Could not %s: %s cannot be written (%s). Check the permissions of the file and its folder."),
                   what, path, detail);
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_CORRUPT,
                   _("Could not %s: %s is damaged (%s). It was left untouched; restore a backup or start with another workspace (--workspace)."),
                   what, path, detail);
      break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_BUSY,
                   _("Could not %s: %s is busy in another program. Try again in a moment."),
                   what, path);
      break;
    case SQLITE_CONSTRAINT:
      g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_CONSTRAINT,
                   _("Could not %s: %s"), what, detail);
      break;
    default:
      g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_FAILED,
                   _("Could not %s: %s"), what, detail);
      break;
    }

  return FALSE;
}

gboolean
aios_store_exec (AiosStore   *self,
                 const char  *sql,
                 GError     **error)
{
  int rc;

  g_return_val_if_fail (AIOS_IS_STORE (self), FALSE);

  rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    return aios_store_set_error (self, rc, error, _("update the workspace"));
  return TRUE;
}

/**
 * aios_store_prepare:
 * @sql: one SQL statement with `?` parameters
 *
 * Returns a cached statement, reset and with its bindings cleared. The store
 * owns it: do not finalize it, and finish with it (step to the end or reset)
 * before preparing the same SQL again.
 *
 * Returns: (transfer none) (nullable): the statement, or %NULL with @error set
 */
sqlite3_stmt *
aios_store_prepare (AiosStore   *self,
                    const char  *sql,
                    GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (AIOS_IS_STORE (self), NULL);

  stmt = g_hash_table_lookup (self->statements, sql);
  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }

  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_FAILED,
                   "SQL error: %s in: %s", sqlite3_errmsg (self->db), sql);
      return NULL;
    }
  g_hash_table_insert (self->statements, g_strdup (sql), stmt);
  return stmt;
}

/**
 * aios_store_begin:
 *
 * Starts a write transaction (`BEGIN IMMEDIATE`), or a savepoint when one is
 * already open, so functions that write can be composed into one atomic
 * change. Pair every successful call with aios_store_commit() or
 * aios_store_rollback().
 */
gboolean
aios_store_begin (AiosStore  *self,
                  GError    **error)
{
  int rc;

  g_return_val_if_fail (AIOS_IS_STORE (self), FALSE);

  if (self->depth == 0)
    {
      rc = sqlite3_exec (self->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    }
  else
    {
      g_autofree char *sql = g_strdup_printf ("SAVEPOINT sp%u", self->depth);
      rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);
    }

  if (rc != SQLITE_OK)
    return aios_store_set_error (self, rc, error, _("start a change"));

  self->depth++;
  return TRUE;
}

gboolean
aios_store_commit (AiosStore  *self,
                   GError    **error)
{
  int rc;

  g_return_val_if_fail (AIOS_IS_STORE (self), FALSE);
  g_return_val_if_fail (self->depth > 0, FALSE);

  if (self->depth > 1)
    {
      g_autofree char *sql = g_strdup_printf ("RELEASE sp%u", self->depth - 1);
      rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);
      if (rc != SQLITE_OK)
        return aios_store_set_error (self, rc, error, _("save the change"));
      self->depth--;
      return TRUE;
    }

  rc = sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      aios_store_set_error (self, rc, error, _("save the change"));
      /* A failed COMMIT (full disk) may leave the transaction open: undo it
       * so the connection stays usable and nothing half-written remains. */
      if (!sqlite3_get_autocommit (self->db))
        sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      self->depth = 0;
      return FALSE;
    }

  self->depth = 0;
  g_signal_emit (self, signals[COMMITTED], 0);
  return TRUE;
}

void
aios_store_rollback (AiosStore *self)
{
  g_return_if_fail (AIOS_IS_STORE (self));
  g_return_if_fail (self->depth > 0);

  if (self->depth > 1)
    {
      g_autofree char *sql = g_strdup_printf ("ROLLBACK TO sp%u; RELEASE sp%u",
                                              self->depth - 1, self->depth - 1);
      sqlite3_exec (self->db, sql, NULL, NULL, NULL);
      self->depth--;
      return;
    }

  if (!sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  self->depth = 0;
}

gboolean
aios_store_in_transaction (AiosStore *self)
{
  g_return_val_if_fail (AIOS_IS_STORE (self), FALSE);
  return self->depth > 0;
}

/**
 * aios_store_get_data_version:
 *
 * SQLite's `PRAGMA data_version` of this connection: it changes when
 * another connection (another process) commits, so a poll notices work
 * this process did not do.
 *
 * Returns: the data version, or 0 when it cannot be read
 */
gint64
aios_store_get_data_version (AiosStore *self)
{
  sqlite3_stmt *stmt;
  gint64 version = 0;

  g_return_val_if_fail (AIOS_IS_STORE (self), 0);
  stmt = aios_store_prepare (self, "PRAGMA data_version", NULL);
  if (stmt == NULL)
    return 0;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return version;
}

static gboolean
check_header (const char  *path,
              GError     **error)
{
  static const char magic[16] = "SQLite format 3";
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GError) local_error = NULL;
  char header[16] = { 0 };
  gsize got = 0;

  in = g_file_read (file, NULL, &local_error);
  if (in == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        return TRUE;
      g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_READ_ONLY,
                   _("Could not open the workspace %s: %s"), path, local_error->message);
      return FALSE;
    }
  if (!g_input_stream_read_all (G_INPUT_STREAM (in), header, sizeof header, &got, NULL, &local_error))
    {
      g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_FAILED,
                   _("Could not read the workspace %s: %s"), path, local_error->message);
      return FALSE;
    }
  if (got == 0)
    return TRUE;   /* an empty file is a new database to SQLite */
  if (got < sizeof header || memcmp (header, magic, sizeof magic) != 0)
    {
      g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_CORRUPT,
                   _("%s is not an Aios workspace (it is not an SQLite database, or its first page is damaged). "
                     "It was left untouched; restore a backup or start with another workspace (--workspace)."),
                   path);
      return FALSE;
    }
  return TRUE;
}

/* Opens the marker, creating it when missing; *existed says which. */
static int
open_marker (const char *marker,
             gboolean   *existed)
{
  for (guint attempt = 0; attempt < 16; attempt++)
    {
      int fd = g_open (marker, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

      if (fd >= 0)
        {
          *existed = FALSE;
          return fd;
        }
      if (errno != EEXIST)
        return -1;
      fd = g_open (marker, O_RDWR | O_CLOEXEC, 0);
      if (fd >= 0)
        {
          *existed = TRUE;
          return fd;
        }
      if (errno != ENOENT)
        return -1;
      /* removed by a connection closing in between: again */
    }
  return -1;
}

/*
 * Takes the open marker (see the top of the file) and says whether the last
 * session ended uncleanly, so the full check is due. Returns with an
 * exclusive lock when no other connection is open (*alone), a shared one
 * otherwise; aios_store_open() drops an exclusive one to shared once the
 * checks are done, so a second opener waits for them.
 */
static gboolean
take_marker (AiosStore *self,
             gboolean  *alone)
{
  *alone = FALSE;
  self->marker_path = g_strconcat (self->path, "-open", NULL);

  for (guint attempt = 0; attempt < 16; attempt++)
    {
      gboolean existed = FALSE;
      struct stat held, named;
      int fd = open_marker (self->marker_path, &existed);

      if (fd < 0)
        return TRUE;   /* no marker: check every time */
      if (flock (fd, LOCK_EX | LOCK_NB) == 0)
        *alone = TRUE;
      else if (errno != EWOULDBLOCK || flock (fd, LOCK_SH) != 0)
        {
          close (fd);
          return TRUE;
        }

      /* A connection closing between our open and our lock may have removed
       * the file: then the lock is on nothing anyone else sees; again. */
      if (fstat (fd, &held) == 0 && stat (self->marker_path, &named) == 0 &&
          held.st_dev == named.st_dev && held.st_ino == named.st_ino)
        {
          g_autofree char *journal = g_strconcat (self->path, "-journal", NULL);

          self->marker_fd = fd;
          if (!*alone)
            return FALSE;   /* open elsewhere, and checked when that opened */
          return existed || g_file_test (journal, G_FILE_TEST_EXISTS);
        }
      close (fd);
      *alone = FALSE;
    }
  return TRUE;
}

/* After a failed open: leave the marker only when it says "check next time". */
static void
drop_marker (AiosStore *self,
             gboolean   alone,
             gboolean   unclean)
{
  if (self->marker_fd < 0)
    return;
  if (alone && !unclean)
    g_unlink (self->marker_path);
  close (self->marker_fd);
  self->marker_fd = -1;
}

static gboolean
quick_check (AiosStore  *self,
             GError    **error)
{
  sqlite3_stmt *stmt = NULL;
  g_autoptr(GString) problems = g_string_new (NULL);
  int rc;

  rc = sqlite3_prepare_v2 (self->db, "PRAGMA quick_check(5)", -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return aios_store_set_error (self, rc, error, _("check the workspace"));

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *line = (const char *) sqlite3_column_text (stmt, 0);
      if (g_strcmp0 (line, "ok") != 0)
        g_string_append_printf (problems, "%s%s", problems->len ? "; " : "", line);
    }
  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    return aios_store_set_error (self, rc, error, _("check the workspace"));

  if (problems->len > 0)
    {
      g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_CORRUPT,
                   _("The workspace %s is damaged (%s). It was left untouched; restore a backup "
                     "(aios backup keeps copies) or start with another workspace (--workspace)."),
                   self->path, problems->str);
      return FALSE;
    }
  return TRUE;
}

guint
aios_store_get_component_version (AiosStore  *self,
                                  const char *component)
{
  sqlite3_stmt *stmt;
  guint version = 0;

  stmt = aios_store_prepare (self, "SELECT version FROM schema_versions WHERE component = ?", NULL);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, component, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);
  return version;
}

/**
 * aios_store_list_components:
 *
 * Returns: (transfer container) (element-type utf8): the schema's components
 *   ("store", "memory", ...) in name order, or %NULL with @error; each one's
 *   version is aios_store_get_component_version()
 */
GPtrArray *
aios_store_list_components (AiosStore  *self,
                            GError    **error)
{
  g_autoptr(GPtrArray) components = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = aios_store_prepare (self, "SELECT component FROM schema_versions ORDER BY component", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (components, aios_store_column_dup (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      aios_store_set_error (self, rc, error, _("read the schema versions"));
      return NULL;
    }
  return g_steal_pointer (&components);
}

static guint
known_version (const AiosMigration *migrations,
               gsize                n,
               const char          *component)
{
  guint max = 0;

  for (gsize i = 0; i < n; i++)
    if (g_str_equal (migrations[i].component, component))
      max = MAX (max, migrations[i].version);
  return max;
}

/* The migrations' bookkeeping table, made by migrate() and check_schema(). */
static const char schema_versions_sql[] =
  "CREATE TABLE IF NOT EXISTS schema_versions ("
  "  component TEXT PRIMARY KEY,"
  "  version INTEGER NOT NULL,"
  "  updated_at INTEGER NOT NULL)";

/* type + "\t" + name → sql ("" when none), SQLite's own objects left out. */
static GHashTable *
read_schema (sqlite3  *db,
             int      *rc)
{
  GHashTable *objects = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  sqlite3_stmt *stmt = NULL;

  *rc = sqlite3_prepare_v2 (db,
                            "SELECT type, name, sql FROM sqlite_master "
                            "WHERE type IN ('table', 'index', 'trigger', 'view') "
                            "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
                            -1, &stmt, NULL);
  if (*rc != SQLITE_OK)
    return objects;
  while ((*rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *sql = (const char *) sqlite3_column_text (stmt, 2);
      g_hash_table_insert (objects,
                           g_strdup_printf ("%s\t%s", sqlite3_column_text (stmt, 0), sqlite3_column_text (stmt, 1)),
                           g_strdup (sql != NULL ? sql : ""));
    }
  sqlite3_finalize (stmt);
  if (*rc == SQLITE_DONE)
    *rc = SQLITE_OK;
  return objects;
}

static const char *
object_kind (const char *type)
{
  if (g_str_equal (type, "table"))
    return _("table");
  if (g_str_equal (type, "index"))
    return _("index");
  if (g_str_equal (type, "trigger"))
    return _("trigger");
  return _("view");
}

static void
add_problem (GPtrArray  *problems,
             const char *key,
             const char *format)
{
  g_auto(GStrv) parts = g_strsplit (key, "\t", 2);

  g_ptr_array_add (problems, g_strdup_printf (format, object_kind (parts[0]), parts[1]));
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* The table's keys in order (borrowed), so messages are stable. */
static GPtrArray *
sorted_keys (GHashTable *table)
{
  GPtrArray *keys = g_ptr_array_sized_new (g_hash_table_size (table));
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (keys, key);
  g_ptr_array_sort (keys, compare_strings);
  return keys;
}

/* The schema file: one object a line, "type\tname\tsql", each escaped. */
static GHashTable *
read_schema_file (const char *file)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GHashTable) objects = NULL;

  if (!g_file_get_contents (file, &text, NULL, NULL) || !g_str_has_suffix (text, "\nend\n"))
    return NULL;
  objects = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL && !g_str_equal (lines[i], "end"); i++)
    {
      g_auto(GStrv) parts = g_strsplit (lines[i], "\t", 3);
      g_autofree char *type = NULL;
      g_autofree char *name = NULL;

      if (g_strv_length (parts) != 3)
        return NULL;
      type = g_strcompress (parts[0]);
      name = g_strcompress (parts[1]);
      g_hash_table_insert (objects, g_strdup_printf ("%s\t%s", type, name), g_strcompress (parts[2]));
    }
  return g_steal_pointer (&objects);
}

static void
write_schema_file (const char *file,
                   GHashTable *objects)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *dir = g_path_get_dirname (file);
  GHashTableIter iter;
  gpointer key, sql;

  g_hash_table_iter_init (&iter, objects);
  while (g_hash_table_iter_next (&iter, &key, &sql))
    {
      g_auto(GStrv) parts = g_strsplit (key, "\t", 2);
      g_autofree char *type = g_strescape (parts[0], NULL);
      g_autofree char *name = g_strescape (parts[1], NULL);
      g_autofree char *escaped = g_strescape (sql, NULL);

      g_string_append_printf (text, "%s\t%s\t%s\n", type, name, escaped);
    }
  g_string_append (text, "end\n");
  /* Only a cache: when it cannot be written the next open replays again. */
  if (g_mkdir_with_parents (dir, 0700) == 0)
    g_file_set_contents (file, text->str, text->len, NULL);
}

G_LOCK_DEFINE_STATIC (expected_schemas);
static GHashTable *expected_schemas;   /* checksum → objects, for the process */

/*
 * The schema the migrations make for the versions the file is at: replayed
 * in an in-memory database. The replay costs about 10 ms (FTS5's rename in
 * memory 3 reloads the schema several times) and every command opens the
 * store, so the result is kept for the process and in the user's cache
 * folder, named by a checksum of SQLite's version and every replayed
 * migration's text: a change to either makes a new one.
 *
 * Returns: (transfer full): type + "\t" + name → sql
 */
static GHashTable *
expected_schema (const AiosMigration  *migrations,
                 gsize                 n,
                 GHashTable           *versions,
                 GError              **error)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *file = NULL;
  g_autofree char *id = NULL;
  GHashTable *objects = NULL;
  sqlite3 *memory = NULL;
  int rc;

  g_checksum_update (sum, (const guchar *) sqlite3_libversion (), -1);
  g_checksum_update (sum, (const guchar *) schema_versions_sql, -1);
  for (gsize i = 0; i < n; i++)
    if (migrations[i].version <= GPOINTER_TO_UINT (g_hash_table_lookup (versions, migrations[i].component)))
      {
        g_autofree char *head = g_strdup_printf ("\n%s %u\n", migrations[i].component, migrations[i].version);
        g_checksum_update (sum, (const guchar *) head, -1);
        g_checksum_update (sum, (const guchar *) migrations[i].sql, -1);
      }
  id = g_strdup (g_checksum_get_string (sum));

  G_LOCK (expected_schemas);
  if (expected_schemas != NULL && (objects = g_hash_table_lookup (expected_schemas, id)) != NULL)
    g_hash_table_ref (objects);
  G_UNLOCK (expected_schemas);
  if (objects != NULL)
    return objects;

  file = g_build_filename (g_get_user_cache_dir (), "aios", "schema", id, NULL);
  objects = read_schema_file (file);
  if (objects == NULL)
    {
      rc = sqlite3_open_v2 (":memory:", &memory, SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY, NULL);
      if (rc == SQLITE_OK)
        rc = sqlite3_exec (memory, schema_versions_sql, NULL, NULL, NULL);
      for (gsize i = 0; rc == SQLITE_OK && i < n; i++)
        if (migrations[i].version <= GPOINTER_TO_UINT (g_hash_table_lookup (versions, migrations[i].component)))
          rc = sqlite3_exec (memory, migrations[i].sql, NULL, NULL, NULL);
      if (rc == SQLITE_OK)
        objects = read_schema (memory, &rc);
      if (rc != SQLITE_OK)
        {
          g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_FAILED,
                       "Could not build the expected schema: %s",
                       memory != NULL ? sqlite3_errmsg (memory) : sqlite3_errstr (rc));
          g_clear_pointer (&objects, g_hash_table_unref);
          sqlite3_close (memory);
          return NULL;
        }
      sqlite3_close (memory);
      write_schema_file (file, objects);
    }

  G_LOCK (expected_schemas);
  if (expected_schemas == NULL)
    expected_schemas = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) g_hash_table_unref);
  g_hash_table_replace (expected_schemas, g_strdup (id), g_hash_table_ref (objects));
  G_UNLOCK (expected_schemas);
  return objects;
}

/*
 * The expected-schema check, in constant time: the schema the migrations
 * build for the versions the file is at (replayed in an in-memory database)
 * against the file's sqlite_master, read once. Every table, index, trigger
 * and view the migrations make must be there; a trigger they did not make,
 * or one whose text differs, is refused (triggers can change what a write
 * does, e.g. the journal's append-only ones). Extra tables and indexes are
 * allowed. A file from a newer Aios is left to migrate() to refuse.
 */
static gboolean
check_schema (AiosStore            *self,
              const AiosMigration  *migrations,
              gsize                 n,
              GError              **error)
{
  g_autoptr(GHashTable) found = NULL;
  g_autoptr(GHashTable) expected = NULL;
  g_autoptr(GHashTable) versions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) keys = NULL;
  g_autoptr(GString) text = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  found = read_schema (self->db, &rc);
  if (rc != SQLITE_OK)
    return aios_store_set_error (self, rc, error, _("check the workspace"));
  if (g_hash_table_size (found) == 0)
    return TRUE;   /* a new workspace */

  if (g_hash_table_contains (found, "table\tschema_versions"))
    {
      rc = sqlite3_prepare_v2 (self->db, "SELECT component, version FROM schema_versions", -1, &stmt, NULL);
      if (rc != SQLITE_OK)
        return aios_store_set_error (self, rc, error, _("check the workspace"));
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          const char *component = (const char *) sqlite3_column_text (stmt, 0);
          guint version = sqlite3_column_int (stmt, 1);

          if (component == NULL)
            continue;
          if (version > known_version (migrations, n, component))
            {
              sqlite3_finalize (stmt);
              return TRUE;   /* newer: migrate() says so */
            }
          g_hash_table_insert (versions, g_strdup (component), GUINT_TO_POINTER (version));
        }
      sqlite3_finalize (stmt);
      if (rc != SQLITE_DONE)
        return aios_store_set_error (self, rc, error, _("check the workspace"));
    }

  expected = expected_schema (migrations, n, versions, error);
  if (expected == NULL)
    return FALSE;

  keys = sorted_keys (expected);
  for (guint i = 0; i < keys->len; i++)
    if (!g_hash_table_contains (found, keys->pdata[i]))
      add_problem (problems, keys->pdata[i], _("the %s “%s” is missing"));
  g_clear_pointer (&keys, g_ptr_array_unref);

  keys = sorted_keys (found);
  for (guint i = 0; i < keys->len; i++)
    {
      const char *key = keys->pdata[i];
      const char *want;

      if (!g_str_has_prefix (key, "trigger\t"))
        continue;
      want = g_hash_table_lookup (expected, key);
      if (want == NULL)
        add_problem (problems, key, _("the %s “%s” was not made by Aios"));
      else if (!g_str_equal (want, g_hash_table_lookup (found, key)))
        add_problem (problems, key, _("the %s “%s” was changed"));
    }

  if (problems->len == 0)
    return TRUE;

  text = g_string_new (NULL);
  for (guint i = 0; i < MIN (problems->len, 6); i++)
    g_string_append_printf (text, "%s%s", i ? "; " : "", (char *) problems->pdata[i]);
  if (problems->len > 6)
    g_string_append_printf (text, _("; and %u more"), problems->len - 6);
  g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_CORRUPT,
               _("The workspace %s does not have the schema Aios made (%s). It was left untouched; "
                 "restore a backup (aios backup keeps copies) or start with another workspace (--workspace)."),
               self->path, text->str);
  return FALSE;
}

static gboolean
migrate (AiosStore            *self,
         const AiosMigration  *migrations,
         gsize                 n,
         GError              **error)
{
  sqlite3_stmt *stmt;
  int rc;

  if (!aios_store_begin (self, error))
    return FALSE;

  if (!aios_store_exec (self, schema_versions_sql, error))
    goto fail;

  /* Refuse a file written by a newer Aios before touching anything. */
  stmt = aios_store_prepare (self, "SELECT component, version FROM schema_versions", error);
  if (stmt == NULL)
    goto fail;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *component = (const char *) sqlite3_column_text (stmt, 0);
      guint version = sqlite3_column_int (stmt, 1);
      guint known = known_version (migrations, n, component);

      if (version > known)
        {
          g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_NEWER_SCHEMA,
                       _("The workspace %s was written by a newer version of Aios "
                         "(%s schema %u; this version knows %u). It was left untouched; "
                         "update Aios to open it."),
                       self->path, component, version, known);
          sqlite3_reset (stmt);
          goto fail;
        }
    }
  sqlite3_reset (stmt);

  for (gsize i = 0; i < n; i++)
    {
      const AiosMigration *m = &migrations[i];
      guint current = aios_store_get_component_version (self, m->component);

      if (m->version <= current)
        continue;
      if (m->version != current + 1)
        {
          g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_FAILED,
                       "Migration %s %u is out of order (the workspace is at %u)",
                       m->component, m->version, current);
          goto fail;
        }

      rc = sqlite3_exec (self->db, m->sql, NULL, NULL, NULL);
      if (rc != SQLITE_OK)
        {
          g_autofree char *what = g_strdup_printf ("upgrade the workspace (%s %u)",
                                                   m->component, m->version);
          aios_store_set_error (self, rc, error, what);
          goto fail;
        }

      stmt = aios_store_prepare (self,
                                 "INSERT INTO schema_versions (component, version, updated_at) "
                                 "VALUES (?, ?, ?) ON CONFLICT (component) DO UPDATE "
                                 "SET version = excluded.version, updated_at = excluded.updated_at",
                                 error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_text (stmt, 1, m->component, -1, SQLITE_STATIC);
      sqlite3_bind_int (stmt, 2, m->version);
      sqlite3_bind_int64 (stmt, 3, aios_store_now_ms ());
      rc = sqlite3_step (stmt);
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        {
          aios_store_set_error (self, rc, error, _("upgrade the workspace"));
          goto fail;
        }
    }

  return aios_store_commit (self, error);

fail:
  aios_store_rollback (self);
  return FALSE;
}

static gboolean
ensure_parent (const char  *path,
               GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, AIOS_STORE_ERROR,
                   saved == EACCES || saved == EROFS || saved == EPERM
                     ? AIOS_STORE_ERROR_READ_ONLY : AIOS_STORE_ERROR_FAILED,
                   _("Could not create the folder %s for the workspace: %s"),
                   dir, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static gboolean
apply_pragmas (sqlite3 *db)
{
  return sqlite3_exec (db,
                       "PRAGMA busy_timeout = 5000;"
                       "PRAGMA foreign_keys = ON;"
                       "PRAGMA synchronous = FULL;",
                       NULL, NULL, NULL) == SQLITE_OK;
}

static gboolean
open_checked (AiosStore            *self,
              gboolean              unclean,
              const AiosMigration  *migrations,
              gsize                 n_migrations,
              GError              **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_open_v2 (self->path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        NULL);
  if (rc != SQLITE_OK)
    return aios_store_set_error (self, rc, error, _("open the workspace"));
  sqlite3_extended_result_codes (self->db, TRUE);

  if (!apply_pragmas (self->db))
    return aios_store_set_error (self, sqlite3_errcode (self->db), error, _("open the workspace"));

  rc = sqlite3_prepare_v2 (self->db, "PRAGMA journal_mode = WAL", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW)
    return aios_store_set_error (self, sqlite3_errcode (self->db), error, _("open the workspace"));

  /* The full scan only after an unclean end (see the top of the file). */
  if (unclean && !quick_check (self, error))
    return FALSE;

  return check_schema (self, migrations, n_migrations, error) &&
         migrate (self, migrations, n_migrations, error);
}

/**
 * aios_store_open:
 * @path: the workspace file; its folder is created (0700) when missing
 * @migrations: (array length=n_migrations): every room's migrations
 *
 * Opens (or creates) the workspace. Fails with a clear error, and without
 * changing the file, when it is damaged, its schema is not the one the
 * migrations made, it is from a newer Aios, or it is not writable. The full
 * integrity check runs only after an unclean end (see the top of the file).
 *
 * Returns: (transfer full) (nullable): the store
 */
AiosStore *
aios_store_open (const char           *path,
                 const AiosMigration  *migrations,
                 gsize                 n_migrations,
                 GError              **error)
{
  g_autoptr(AiosStore) self = NULL;
  gboolean alone = FALSE, unclean;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (AIOS_TYPE_STORE, NULL);
  self->path = g_strdup (path);

  if (!ensure_parent (path, error) || !check_header (path, error))
    return NULL;

  if (g_file_test (path, G_FILE_TEST_EXISTS) && g_access (path, W_OK) != 0)
    {
      g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_READ_ONLY,
                   _("The workspace %s cannot be written (%s). Check its permissions."),
                   path, g_strerror (errno));
      return NULL;
    }

  unclean = take_marker (self, &alone);
  if (!open_checked (self, unclean, migrations, n_migrations, error))
    {
      drop_marker (self, alone, unclean);
      return NULL;
    }
  if (alone)
    flock (self->marker_fd, LOCK_SH);   /* checked: let others in */

  return g_steal_pointer (&self);
}

const char *
aios_store_get_path (AiosStore *self)
{
  g_return_val_if_fail (AIOS_IS_STORE (self), NULL);
  return self->path;
}

sqlite3 *
aios_store_get_db (AiosStore *self)
{
  g_return_val_if_fail (AIOS_IS_STORE (self), NULL);
  return self->db;
}

/**
 * aios_store_open_reader:
 *
 * Opens a second, read-only connection to the same file, for heavy queries on
 * a worker thread (WAL lets it read while the main connection writes). The
 * caller closes it with sqlite3_close().
 *
 * Returns: (transfer full) (nullable): the connection
 */
sqlite3 *
aios_store_open_reader (AiosStore  *self,
                        GError    **error)
{
  sqlite3 *db = NULL;
  int rc;

  g_return_val_if_fail (AIOS_IS_STORE (self), NULL);

  rc = sqlite3_open_v2 (self->path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_FAILED,
                   _("Could not open a reader on %s: %s"), self->path,
                   db ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_exec (db, "PRAGMA busy_timeout = 5000; PRAGMA query_only = ON;", NULL, NULL, NULL);
  return db;
}

/**
 * aios_store_backup:
 * @dest_path: where the copy goes (replaced if it exists)
 *
 * Takes a consistent online copy with SQLite's backup API while the
 * workspace stays in use.
 */
gboolean
aios_store_backup (AiosStore   *self,
                   const char  *dest_path,
                   GError     **error)
{
  sqlite3 *dest = NULL;
  sqlite3_backup *backup;
  g_autofree char *tmp = NULL;
  int rc;

  g_return_val_if_fail (AIOS_IS_STORE (self), FALSE);

  if (!ensure_parent (dest_path, error))
    return FALSE;

  /* Write beside the target and rename, so a half-written copy never
   * replaces a good one. */
  tmp = g_strconcat (dest_path, ".partial", NULL);
  g_unlink (tmp);
  rc = sqlite3_open_v2 (tmp, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_READ_ONLY,
                   _("Could not write the backup %s: %s"), dest_path, sqlite3_errstr (rc));
      sqlite3_close (dest);
      return FALSE;
    }

  backup = sqlite3_backup_init (dest, "main", self->db, "main");
  if (backup == NULL)
    {
      g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_FAILED,
                   _("Could not back up the workspace: %s"), sqlite3_errmsg (dest));
      sqlite3_close (dest);
      g_unlink (tmp);
      return FALSE;
    }
  rc = sqlite3_backup_step (backup, -1);
  sqlite3_backup_finish (backup);
  if (rc == SQLITE_DONE)
    rc = sqlite3_exec (dest, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
  sqlite3_close (dest);

  if (rc != SQLITE_OK && rc != SQLITE_DONE)
    {
      g_set_error (error, AIOS_STORE_ERROR,
                   (rc & 0xff) == SQLITE_FULL ? AIOS_STORE_ERROR_FULL : AIOS_STORE_ERROR_FAILED,
                   _("Could not write the backup %s: %s"), dest_path, sqlite3_errstr (rc));
      g_unlink (tmp);
      return FALSE;
    }

  if (g_rename (tmp, dest_path) != 0)
    {
      g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_FAILED,
                   _("Could not write the backup %s: %s"), dest_path, g_strerror (errno));
      g_unlink (tmp);
      return FALSE;
    }
  return TRUE;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char **) a, *(const char **) b);
}

/**
 * aios_store_backup_rotate:
 * @dir: the backup folder
 * @keep: how many backups to keep (the oldest beyond that are deleted)
 *
 * Writes `workspace-YYYYMMDD-HHMMSS.db` into @dir and prunes old ones.
 *
 * Returns: (transfer full) (nullable): the path of the new backup
 */
char *
aios_store_backup_rotate (AiosStore   *self,
                          const char  *dir,
                          guint        keep,
                          GError     **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *name = g_strdup_printf ("workspace-%s.db", stamp);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) d = NULL;
  const char *entry;

  if (!aios_store_backup (self, path, error))
    return NULL;

  d = g_dir_open (dir, 0, NULL);
  if (d != NULL)
    {
      while ((entry = g_dir_read_name (d)) != NULL)
        if (g_str_has_prefix (entry, "workspace-") && g_str_has_suffix (entry, ".db"))
          g_ptr_array_add (names, g_strdup (entry));
      g_ptr_array_sort (names, compare_names);
      for (guint i = 0; keep > 0 && i + keep < names->len; i++)
        {
          g_autofree char *old = g_build_filename (dir, g_ptr_array_index (names, i), NULL);
          g_unlink (old);
        }
    }

  return g_steal_pointer (&path);
}

/**
 * aios_store_get_created_at:
 *
 * Returns: when the workspace file was first set up (the earliest
 *   migration applied, ms), or 0 when unknown
 */
gint64
aios_store_get_created_at (AiosStore *self)
{
  return aios_store_get_int64 (self, _("read the schema versions"), 0, NULL,
                               "SELECT COALESCE (MIN (updated_at), 0) FROM schema_versions", "");
}
