/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The prepare/bind/step/reset loop, once. Every owner of a table writes its
 * SQL and reads its columns; these helpers bind the parameters from a short
 * type string, step, reset the cached statement whatever happens and turn
 * an SQLite failure into a GError through aios_store_set_error().
 *
 * The type string has one letter per `?` parameter, in order:
 *   i  gint64          n  int (gint)        d  double
 *   s  const char * (NULL binds SQL NULL)   -  SQL NULL (no argument)
 *   b  GBytes * as a blob (NULL binds SQL NULL)
 */
#define G_LOG_DOMAIN "aios-store"

#include "config.h"


#include "aios-store.h"

static gboolean
bind_valist (sqlite3_stmt *stmt,
             const char   *types,
             va_list       args)
{
  int index = 1;

  for (const char *t = types; t != NULL && *t != '\0'; t++, index++)
    {
      switch (*t)
        {
        case 'i':
          sqlite3_bind_int64 (stmt, index, va_arg (args, gint64));
          break;
        case 'n':
          sqlite3_bind_int (stmt, index, va_arg (args, int));
          break;
        case 'd':
          sqlite3_bind_double (stmt, index, va_arg (args, double));
          break;
        case 's':
          {
            const char *text = va_arg (args, const char *);
            if (text != NULL)
              sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
            else
              sqlite3_bind_null (stmt, index);
          }
          break;
        case 'b':
          {
            GBytes *bytes = va_arg (args, GBytes *);
            gsize size = 0;
            gconstpointer data = bytes != NULL ? g_bytes_get_data (bytes, &size) : NULL;
            if (bytes != NULL)
              sqlite3_bind_blob64 (stmt, index, data != NULL ? data : "", size, SQLITE_TRANSIENT);
            else
              sqlite3_bind_null (stmt, index);
          }
          break;
        case '-':
          sqlite3_bind_null (stmt, index);
          break;
        default:
          g_critical ("aios_store: unknown bind type '%c' in \"%s\"", *t, types);
          return FALSE;
        }
    }
  return TRUE;
}

/* A cached statement with its parameters bound, or NULL with @error set. */
static sqlite3_stmt *
prepare_valist (AiosStore   *self,
                const char  *sql,
                GError     **error,
                const char  *types,
                va_list      args)
{
  sqlite3_stmt *stmt = aios_store_prepare (self, sql, error);

  if (stmt == NULL)
    return NULL;
  if (!bind_valist (stmt, types, args))
    {
      sqlite3_reset (stmt);
      g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_INVALID, "bad bind types for: %s", sql);
      return NULL;
    }
  return stmt;
}

/**
 * aios_store_query:
 * @sql: one statement with `?` parameters
 * @error: return location for a #GError
 * @types: one letter per parameter (see the top of this file), then the values
 *
 * Prepares (from the cache) and binds a statement for aios_store_next().
 *
 * Returns: (transfer none) (nullable): the statement, or %NULL with @error set
 */
sqlite3_stmt *
aios_store_query (AiosStore   *self,
                  const char  *sql,
                  GError     **error,
                  const char  *types,
                  ...)
{
  sqlite3_stmt *stmt;
  va_list args;

  g_return_val_if_fail (AIOS_IS_STORE (self), NULL);

  va_start (args, types);
  stmt = prepare_valist (self, sql, error, types, args);
  va_end (args);
  return stmt;
}

/**
 * aios_store_next:
 * @stmt: (nullable): a statement from aios_store_query(); %NULL means the
 *   query failed already, and the loop does not start
 * @what: what is being read, for the error message ("read the runs")
 * @error: return location for a #GError
 *
 * Steps to the next row. At the end, or on a failure (with @error set), the
 * statement is reset, ready for the next caller. The loop reads
 *
 *     stmt = aios_store_query (store, SQL, &error, "i", run_id);
 *     while (aios_store_next (store, stmt, what, &error))
 *       g_ptr_array_add (steps, read_step (stmt));
 *     if (error != NULL) ...
 *
 * Returns: %TRUE when a row is there to read
 */
gboolean
aios_store_next (AiosStore     *self,
                 sqlite3_stmt  *stmt,
                 const char    *what,
                 GError       **error)
{
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return TRUE;
  if (rc != SQLITE_DONE)
    aios_store_set_error (self, rc, error, what);
  sqlite3_reset (stmt);
  return FALSE;
}

/**
 * aios_store_collect:
 * @stmt: (nullable): a statement from aios_store_query(); %NULL (its
 *   preparation failed, @error already set) gives %NULL
 * @what: what is being read, for the error message
 * @read_row: makes one element of the current row
 * @free_row: frees an element
 *
 * Reads every row of @stmt into an array, the loop every owner's listing
 * would otherwise write out.
 *
 * Returns: (transfer container) (nullable): the elements, or %NULL with
 *   @error set when a row cannot be read
 */
GPtrArray *
aios_store_collect (AiosStore       *self,
                    sqlite3_stmt    *stmt,
                    const char      *what,
                    AiosStoreRowFunc read_row,
                    GDestroyNotify   free_row,
                    GError         **error)
{
  g_autoptr(GPtrArray) rows = NULL;
  GError *local_error = NULL;

  if (stmt == NULL)
    return NULL;
  rows = g_ptr_array_new_with_free_func (free_row);
  while (aios_store_next (self, stmt, what, &local_error))
    g_ptr_array_add (rows, read_row (stmt));
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  return g_steal_pointer (&rows);
}

/**
 * aios_store_collect_ids:
 * @stmt: (nullable): a statement whose first column is an id
 *
 * Returns: (transfer full) (element-type gint64) (nullable): the first
 *   column of every row, or %NULL with @error set
 */
GArray *
aios_store_collect_ids (AiosStore     *self,
                        sqlite3_stmt  *stmt,
                        const char    *what,
                        GError       **error)
{
  g_autoptr(GArray) ids = NULL;
  GError *local_error = NULL;

  if (stmt == NULL)
    return NULL;
  ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  while (aios_store_next (self, stmt, what, &local_error))
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  return g_steal_pointer (&ids);
}

/**
 * aios_store_done:
 * @stmt: (nullable): a statement whose loop stopped early
 *
 * Resets a statement that was not stepped to its end (after reading the one
 * row wanted, say), so the cached statement is free for the next caller.
 */
void
aios_store_done (sqlite3_stmt *stmt)
{
  if (stmt != NULL)
    sqlite3_reset (stmt);
}

static gboolean
run_valist (AiosStore   *self,
            const char  *what,
            GError     **error,
            const char  *sql,
            const char  *types,
            va_list      args)
{
  sqlite3_stmt *stmt = prepare_valist (self, sql, error, types, args);
  int rc;

  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ;
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return aios_store_set_error (self, rc, error, what);
  return TRUE;
}

/**
 * aios_store_run:
 * @what: what is being done, for the error message ("record the approval")
 * @error: return location for a #GError
 * @sql: one statement with `?` parameters
 * @types: one letter per parameter, then the values
 *
 * Runs a statement that returns no rows the caller wants (INSERT, UPDATE,
 * DELETE).
 *
 * Returns: %TRUE on success
 */
gboolean
aios_store_run (AiosStore   *self,
                const char  *what,
                GError     **error,
                const char  *sql,
                const char  *types,
                ...)
{
  va_list args;
  gboolean ok;

  g_return_val_if_fail (AIOS_IS_STORE (self), FALSE);
  va_start (args, types);
  ok = run_valist (self, what, error, sql, types, args);
  va_end (args);
  return ok;
}

/**
 * aios_store_insert:
 *
 * Like aios_store_run() for an INSERT.
 *
 * Returns: the new row's id, or 0 with @error set
 */
gint64
aios_store_insert (AiosStore   *self,
                   const char  *what,
                   GError     **error,
                   const char  *sql,
                   const char  *types,
                   ...)
{
  va_list args;
  gboolean ok;

  g_return_val_if_fail (AIOS_IS_STORE (self), 0);
  va_start (args, types);
  ok = run_valist (self, what, error, sql, types, args);
  va_end (args);
  return ok ? sqlite3_last_insert_rowid (aios_store_get_db (self)) : 0;
}

/**
 * aios_store_changes:
 *
 * Returns: the rows the last aios_store_run() changed
 */
gint64
aios_store_changes (AiosStore *self)
{
  g_return_val_if_fail (AIOS_IS_STORE (self), 0);
  return sqlite3_changes64 (aios_store_get_db (self));
}

/**
 * aios_store_get_int64:
 * @what: what is being read, for the error message
 * @fallback: the value when there is no row or the column is NULL
 * @error: return location for a #GError (set only on a failure, not for "no row")
 * @sql: a query whose first column of the first row is wanted
 * @types: one letter per parameter, then the values
 *
 * Returns: the first column of the first row, or @fallback
 */
gint64
aios_store_get_int64 (AiosStore   *self,
                      const char  *what,
                      gint64       fallback,
                      GError     **error,
                      const char  *sql,
                      const char  *types,
                      ...)
{
  sqlite3_stmt *stmt;
  va_list args;
  gint64 value = fallback;
  int rc;

  g_return_val_if_fail (AIOS_IS_STORE (self), fallback);
  va_start (args, types);
  stmt = prepare_valist (self, sql, error, types, args);
  va_end (args);
  if (stmt == NULL)
    return fallback;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    aios_store_set_error (self, rc, error, what);
  return value;
}

/**
 * aios_store_get_string:
 *
 * Like aios_store_get_int64() for a text column.
 *
 * Returns: (transfer full) (nullable): the first column of the first row
 */
char *
aios_store_get_string (AiosStore   *self,
                       const char  *what,
                       GError     **error,
                       const char  *sql,
                       const char  *types,
                       ...)
{
  sqlite3_stmt *stmt;
  va_list args;
  char *value = NULL;
  int rc;

  g_return_val_if_fail (AIOS_IS_STORE (self), NULL);
  va_start (args, types);
  stmt = prepare_valist (self, sql, error, types, args);
  va_end (args);
  if (stmt == NULL)
    return NULL;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    value = aios_store_column_dup (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    aios_store_set_error (self, rc, error, what);
  return value;
}

/**
 * aios_store_column_dup:
 * @stmt: a statement on a row
 * @column: the column
 *
 * Returns: (transfer full) (nullable): the text of @column, %NULL for SQL NULL
 */
char *
aios_store_column_dup (sqlite3_stmt *stmt,
                       int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}
