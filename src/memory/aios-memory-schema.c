/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The memory room's tables.
 *
 * `records` holds one row per record with a copy of its current version
 * (fields, body) so lists and lookups never join the history;
 * `record_versions` is the full history (a delete or restore is a version
 * too, so history says who deleted what and why). `record_keys` indexes the
 * current value of each short text field, case-folded, for exact lookups
 * (aios_memory_find, duplicate e-mails on import). `records_fts` is an FTS5
 * index over the current, not deleted versions; its rowid is the record id.
 * `record_embeddings` keeps one vector per record version and model when an
 * embedding model is configured.
 */
#define G_LOG_DOMAIN "aios-memory"

#include "config.h"

#include "aios-memory-schema.h"

static const AiosMigration migrations[] = {
  { "memory", 1,
    "CREATE TABLE records ("
    "  id INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL,"
    "  title TEXT NOT NULL,"
    "  layer TEXT NOT NULL DEFAULT 'durable' CHECK (layer IN ('durable', 'session')),"
    "  session_run_id INTEGER,"
    "  current_version INTEGER NOT NULL,"
    "  deleted INTEGER NOT NULL DEFAULT 0,"
    "  fields_json TEXT NOT NULL,"
    "  body TEXT NOT NULL DEFAULT '',"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE INDEX records_kind ON records (deleted, kind, id);"
    "CREATE INDEX records_kind_title ON records (deleted, kind, title COLLATE NOCASE, id);"
    "CREATE INDEX records_title ON records (deleted, title COLLATE NOCASE, id);"
    "CREATE INDEX records_session ON records (session_run_id) WHERE session_run_id IS NOT NULL;"
    "CREATE TABLE record_versions ("
    "  record_id INTEGER NOT NULL REFERENCES records (id) ON DELETE CASCADE,"
    "  version INTEGER NOT NULL,"
    "  fields_json TEXT NOT NULL,"
    "  body TEXT NOT NULL DEFAULT '',"
    "  title TEXT NOT NULL,"
    "  deleted INTEGER NOT NULL DEFAULT 0,"
    "  author TEXT NOT NULL,"
    "  rationale TEXT,"
    "  run_id INTEGER,"
    "  ts INTEGER NOT NULL,"
    "  PRIMARY KEY (record_id, version)) WITHOUT ROWID;"
    "CREATE INDEX record_versions_run ON record_versions (run_id) WHERE run_id IS NOT NULL;"
    "CREATE TABLE record_keys ("
    "  kind TEXT NOT NULL,"
    "  field TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  record_id INTEGER NOT NULL REFERENCES records (id) ON DELETE CASCADE,"
    "  PRIMARY KEY (kind, field, value, record_id)) WITHOUT ROWID;"
    "CREATE INDEX record_keys_record ON record_keys (record_id);"
    "CREATE VIRTUAL TABLE records_fts USING fts5 ("
    "  title, fields, body,"
    "  tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');"
    "CREATE TABLE record_embeddings ("
    "  record_id INTEGER NOT NULL REFERENCES records (id) ON DELETE CASCADE,"
    "  version INTEGER NOT NULL,"
    "  model TEXT NOT NULL,"
    "  vector BLOB NOT NULL,"
    "  PRIMARY KEY (record_id, model)) WITHOUT ROWID;" },
  /* The index gains the kind (unindexed: a filter that keeps FTS5's ranked
   * early exit) and BM25 weights: a word in the title counts most, then the
   * fields, then the body. */
  { "memory", 2,
    "DROP TABLE records_fts;"
    "CREATE VIRTUAL TABLE records_fts USING fts5 ("
    "  title, fields, body, kind UNINDEXED,"
    "  tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');"
    "INSERT INTO records_fts (records_fts, rank) VALUES ('rank', 'bm25(10.0, 4.0, 1.0, 0.0)');"
    "INSERT INTO records_fts (rowid, title, fields, body, kind) "
    "  SELECT id, title, (SELECT group_concat (value, ' ') FROM json_each (fields_json)), body, kind "
    "  FROM records WHERE deleted = 0;"
    "CREATE INDEX records_updated ON records (deleted, updated_at);" },
  /* The kind becomes an indexed column (weight 0), so a kind filter is a
   * term of the full-text query ("kind : contact AND ...") instead of a
   * lookup per match; the rows are copied as they are. */
  { "memory", 3,
    "CREATE VIRTUAL TABLE records_fts_new USING fts5 ("
    "  title, fields, body, kind,"
    "  tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');"
    "INSERT INTO records_fts_new (records_fts_new, rank) VALUES ('rank', 'bm25(10.0, 4.0, 1.0, 0.0)');"
    "INSERT INTO records_fts_new (rowid, title, fields, body, kind) "
    "  SELECT rowid, title, fields, body, kind FROM records_fts;"
    "DROP TABLE records_fts;"
    "ALTER TABLE records_fts_new RENAME TO records_fts;" },
};

const AiosMigration *
aios_memory_schema_migrations (gsize *n_migrations)
{
  *n_migrations = G_N_ELEMENTS (migrations);
  return migrations;
}
