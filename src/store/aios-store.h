/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define AIOS_STORE_ERROR (aios_store_error_quark ())

typedef enum {
  AIOS_STORE_ERROR_FAILED,
  AIOS_STORE_ERROR_CORRUPT,       /* the file is not a healthy SQLite database */
  AIOS_STORE_ERROR_NEWER_SCHEMA,  /* written by a newer Aios than this one */
  AIOS_STORE_ERROR_READ_ONLY,     /* the file or its folder cannot be written */
  AIOS_STORE_ERROR_FULL,          /* the disk (or the file size limit) is full */
  AIOS_STORE_ERROR_BUSY,          /* another process holds the write lock too long */
  AIOS_STORE_ERROR_CONSTRAINT,    /* a uniqueness or check constraint said no */
  AIOS_STORE_ERROR_NOT_FOUND,
  AIOS_STORE_ERROR_INVALID,       /* the caller asked for something that makes no sense */
} AiosStoreError;

/**
 * AiosMigration:
 * @component: the room that owns the tables ("store", "control", "memory", "exec")
 * @version: 1, 2, 3... within the component, applied in order
 * @sql: the statements, run inside the opening transaction
 *
 * Each room keeps its own numbered migrations; the `schema_versions` table
 * records the version of each component. A component version newer than the
 * binary knows makes the open fail with %AIOS_STORE_ERROR_NEWER_SCHEMA.
 */
typedef struct {
  const char *component;
  guint       version;
  const char *sql;
} AiosMigration;

#define AIOS_TYPE_STORE (aios_store_get_type ())
G_DECLARE_FINAL_TYPE (AiosStore, aios_store, AIOS, STORE, GObject)

GQuark        aios_store_error_quark     (void);

AiosStore    *aios_store_open            (const char           *path,
                                          const AiosMigration  *migrations,
                                          gsize                 n_migrations,
                                          GError              **error);
const char   *aios_store_get_path        (AiosStore            *self);
sqlite3      *aios_store_get_db          (AiosStore            *self);

sqlite3_stmt *aios_store_prepare         (AiosStore            *self,
                                          const char           *sql,
                                          GError              **error);
gboolean      aios_store_exec            (AiosStore            *self,
                                          const char           *sql,
                                          GError              **error);

/* Query helpers (aios-store-query.c): bind from a type string, step, reset. */
sqlite3_stmt *aios_store_query           (AiosStore            *self,
                                          const char           *sql,
                                          GError              **error,
                                          const char           *types,
                                          ...);
gboolean      aios_store_next            (AiosStore            *self,
                                          sqlite3_stmt         *stmt,
                                          const char           *what,
                                          GError              **error);
void          aios_store_done            (sqlite3_stmt         *stmt);
typedef gpointer (*AiosStoreRowFunc) (sqlite3_stmt *stmt);
GPtrArray    *aios_store_collect         (AiosStore            *self,
                                          sqlite3_stmt         *stmt,
                                          const char           *what,
                                          AiosStoreRowFunc      read_row,
                                          GDestroyNotify        free_row,
                                          GError              **error);
GArray       *aios_store_collect_ids     (AiosStore            *self,
                                          sqlite3_stmt         *stmt,
                                          const char           *what,
                                          GError              **error);
gboolean      aios_store_run             (AiosStore            *self,
                                          const char           *what,
                                          GError              **error,
                                          const char           *sql,
                                          const char           *types,
                                          ...);
gint64        aios_store_insert          (AiosStore            *self,
                                          const char           *what,
                                          GError              **error,
                                          const char           *sql,
                                          const char           *types,
                                          ...);
gint64        aios_store_changes         (AiosStore            *self);
gint64        aios_store_get_int64       (AiosStore            *self,
                                          const char           *what,
                                          gint64                fallback,
                                          GError              **error,
                                          const char           *sql,
                                          const char           *types,
                                          ...);
char         *aios_store_get_string      (AiosStore            *self,
                                          const char           *what,
                                          GError              **error,
                                          const char           *sql,
                                          const char           *types,
                                          ...);
char         *aios_store_column_dup      (sqlite3_stmt         *stmt,
                                          int                   column);

gboolean      aios_store_begin           (AiosStore            *self,
                                          GError              **error);
gboolean      aios_store_commit          (AiosStore            *self,
                                          GError              **error);
void          aios_store_rollback        (AiosStore            *self);
gboolean      aios_store_in_transaction  (AiosStore            *self);
gint64        aios_store_get_data_version (AiosStore           *self);

gboolean      aios_store_set_error       (AiosStore            *self,
                                          int                   rc,
                                          GError              **error,
                                          const char           *what);

sqlite3      *aios_store_open_reader     (AiosStore            *self,
                                          GError              **error);

gboolean      aios_store_backup          (AiosStore            *self,
                                          const char           *dest_path,
                                          GError              **error);
char         *aios_store_backup_rotate   (AiosStore            *self,
                                          const char           *dir,
                                          guint                 keep,
                                          GError              **error);

GPtrArray    *aios_store_list_components (AiosStore            *self,
                                          GError              **error);
guint         aios_store_get_component_version (AiosStore      *self,
                                                const char     *component);

gint64        aios_store_now_ms          (void);
char         *aios_store_format_time     (gint64                ts_ms);

gint64        aios_store_get_created_at  (AiosStore            *self);

G_END_DECLS
