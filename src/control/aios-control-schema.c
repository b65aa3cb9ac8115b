/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The control room's tables: flow versions, runs and steps, policy rules,
 * approvals and the outbox. CHECK constraints keep the state machines'
 * vocabularies a property of the file, not only of the code.
 *
 * A run is "needs attention" when `attention` holds the problem in words;
 * steps carry `phase` (agent, approval, send) so a restart knows where a
 * step stood.
 */
#include "config.h"

#include "aios-control-schema.h"

static const AiosMigration migrations[] = {
  { "control", 1,
    "CREATE TABLE control_meta ("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL);"
    "INSERT INTO control_meta (key, value) VALUES ('workspace_uuid', lower (hex (randomblob (16))));"
    "CREATE TABLE flow_versions ("
    "  id INTEGER PRIMARY KEY,"
    "  flow_id TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  hash TEXT NOT NULL,"
    "  source TEXT NOT NULL,"
    "  definition_json TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  UNIQUE (flow_id, version),"
    "  UNIQUE (flow_id, hash));"
    "CREATE TABLE runs ("
    "  id INTEGER PRIMARY KEY,"
    "  flow_id TEXT NOT NULL,"
    "  flow_version INTEGER NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('queued','running','waiting','succeeded','failed','cancelled')),"
    "  attention TEXT,"
    "  input_json TEXT NOT NULL,"
    "  parent_run_id INTEGER REFERENCES runs (id),"
    "  fork_kind TEXT CHECK (fork_kind IN ('replay','retry')),"
    "  fork_step INTEGER,"
    "  current_step INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE INDEX runs_status ON runs (status, id);"
    "CREATE TABLE steps ("
    "  id INTEGER PRIMARY KEY,"
    "  run_id INTEGER NOT NULL REFERENCES runs (id),"
    "  idx INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"
    "  agent TEXT NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('queued','running','waiting','succeeded','failed','cancelled')),"
    "  phase TEXT NOT NULL DEFAULT 'agent' CHECK (phase IN ('agent','approval','send')),"
    "  attempt INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt_at INTEGER,"
    "  idempotency_key TEXT,"
    "  output_json TEXT,"
    "  error TEXT,"
    "  reused INTEGER NOT NULL DEFAULT 0,"
    "  started_at INTEGER,"
    "  finished_at INTEGER,"
    "  UNIQUE (run_id, idx));"
    "CREATE INDEX steps_status ON steps (status, next_attempt_at);"
    "CREATE TABLE policy_rules ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  connector TEXT NOT NULL,"
    "  effect TEXT NOT NULL CHECK (effect IN ('allow','deny')),"
    "  conditions_json TEXT NOT NULL,"
    "  description TEXT,"
    "  enabled INTEGER NOT NULL DEFAULT 1,"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE approvals ("
    "  id INTEGER PRIMARY KEY,"
    "  run_id INTEGER NOT NULL REFERENCES runs (id),"
    "  step_id INTEGER NOT NULL REFERENCES steps (id),"
    "  action_kind TEXT NOT NULL,"
    "  request_json TEXT,"
    "  preview_json TEXT NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('pending','approved','rejected','expired','cancelled')),"
    "  edited_json TEXT,"
    "  edit_diff_json TEXT,"
    "  decided_at INTEGER,"
    "  decided_by TEXT,"
    "  reason TEXT,"
    "  policy_rule TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  expires_at INTEGER NOT NULL);"
    "CREATE INDEX approvals_status ON approvals (status, expires_at);"
    "CREATE UNIQUE INDEX approvals_one_pending ON approvals (step_id) WHERE status = 'pending';"
    "CREATE TABLE outbox ("
    "  id INTEGER PRIMARY KEY,"
    "  run_id INTEGER NOT NULL REFERENCES runs (id),"
    "  step_id INTEGER NOT NULL REFERENCES steps (id),"
    "  approval_id INTEGER REFERENCES approvals (id),"
    "  policy_rule TEXT,"
    "  connector TEXT NOT NULL,"
    "  idempotency_key TEXT NOT NULL UNIQUE,"
    "  request_json TEXT NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('prepared','sending','sent','failed','unknown','cancelled')),"
    "  response_json TEXT,"
    "  error TEXT,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  CHECK (approval_id IS NOT NULL OR policy_rule IS NOT NULL));"
    "CREATE INDEX outbox_status ON outbox (status);"
    "CREATE INDEX outbox_step ON outbox (step_id);" },
  /* Replays reuse recorded agent outputs unless asked for fresh ones. */
  { "control", 2,
    "ALTER TABLE runs ADD COLUMN replay_fresh INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX runs_parent ON runs (parent_run_id);" },
  /* Timed waits of a flow's "wait" steps (a follow-up's cadence): the step
   * waits with its due time as next_attempt_at and says what it waits for;
   * and schedules: a flow's schedule, its last tick and whether it is
   * paused. The next time is always computed from the definition and the
   * last tick, never stored as the only truth. */
  { "control", 3,
    "ALTER TABLE steps ADD COLUMN wait_label TEXT;"
    "CREATE TABLE schedules ("
    "  id INTEGER PRIMARY KEY,"
    "  flow_id TEXT NOT NULL UNIQUE,"
    "  spec TEXT NOT NULL,"
    "  input_json TEXT NOT NULL DEFAULT '{}',"
    "  paused INTEGER NOT NULL DEFAULT 0,"
    "  last_tick_at INTEGER,"
    "  last_run_id INTEGER REFERENCES runs (id),"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);" },
};

const AiosMigration *
aios_control_schema_migrations (gsize *n_migrations)
{
  *n_migrations = G_N_ELEMENTS (migrations);
  return migrations;
}
