/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The store room's own tables: the journal and the settings.
 * The journal is append-only; triggers make that a property of the file,
 * not only of the code.
 */
#include "config.h"

#include "aios-store-schema.h"

static const AiosMigration migrations[] = {
  { "store", 1,
    "CREATE TABLE events ("
    "  id INTEGER PRIMARY KEY,"
    "  ts INTEGER NOT NULL,"
    "  run_id INTEGER,"
    "  step_id INTEGER,"
    "  actor TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  summary TEXT NOT NULL,"
    "  rationale TEXT,"
    "  payload_json TEXT,"
    "  cost_micros INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX events_run ON events (run_id, id);"
    "CREATE INDEX events_kind ON events (kind, id);"
    "CREATE TABLE event_links ("
    "  event_id INTEGER NOT NULL REFERENCES events (id),"
    "  target_kind TEXT NOT NULL,"
    "  target_id TEXT NOT NULL,"
    "  version INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (event_id, target_kind, target_id, version));"
    "CREATE INDEX event_links_target ON event_links (target_kind, target_id);"
    "CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events "
    "  BEGIN SELECT RAISE (ABORT, 'the journal is append-only'); END;"
    "CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events "
    "  BEGIN SELECT RAISE (ABORT, 'the journal is append-only'); END;"
    "CREATE TABLE config ("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL,"
    "  updated_at INTEGER NOT NULL);" },
  /* The Today page reads the journal by time (what happened this week, the
   * cost since a day began): a range of ts, not a scan of the journal. */
  { "store", 2,
    "CREATE INDEX events_ts ON events (ts);" },
};

const AiosMigration *
aios_store_schema_migrations (gsize *n_migrations)
{
  *n_migrations = G_N_ELEMENTS (migrations);
  return migrations;
}
