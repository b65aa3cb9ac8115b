/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The exec room's tables: references to credentials (never the secrets,
 * which live only in the keyring), model prompts with their tokens and cost
 * (also the response cache, keyed by the request's hash), and the editable
 * price table.
 */
#include "config.h"

#include "aios-exec-schema.h"

static const AiosMigration migrations[] = {
  { "exec", 1,
    "CREATE TABLE credential_refs ("
    "  name TEXT PRIMARY KEY,"
    "  account TEXT NOT NULL,"
    "  stored_at INTEGER NOT NULL);"
    "CREATE TABLE prompts ("
    "  id INTEGER PRIMARY KEY,"
    "  ts INTEGER NOT NULL,"
    "  hash TEXT NOT NULL,"
    "  tier TEXT NOT NULL,"
    "  role TEXT,"
    "  model TEXT NOT NULL,"
    "  run_id INTEGER,"
    "  step_id INTEGER,"
    "  request_json TEXT NOT NULL,"
    "  response_json TEXT,"
    "  error TEXT,"
    "  tokens_in INTEGER NOT NULL DEFAULT 0,"
    "  tokens_out INTEGER NOT NULL DEFAULT 0,"
    "  cost_micros INTEGER NOT NULL DEFAULT 0,"
    "  cached_from INTEGER REFERENCES prompts (id));"
    "CREATE INDEX prompts_hash ON prompts (hash, id);"
    "CREATE INDEX prompts_ts ON prompts (ts);"
    "CREATE TABLE model_prices ("
    "  model TEXT PRIMARY KEY,"
    "  input_micros_per_mtok INTEGER NOT NULL DEFAULT 0,"
    "  output_micros_per_mtok INTEGER NOT NULL DEFAULT 0,"
    "  updated_at INTEGER NOT NULL);" },
  { "exec", 2,
    "CREATE TABLE llm_roles ("
    "  role TEXT PRIMARY KEY,"
    "  tier TEXT NOT NULL CHECK (tier IN ('local', 'cloud')));" },
  /* Incoming mail (aios-imap-checkpoint.c): per watched mailbox the
   * UIDVALIDITY and the last UID handled; per message read its Message-ID,
   * so a UIDVALIDITY change reads the mailbox again without duplicates. */
  { "exec", 3,
    "CREATE TABLE imap_mailboxes ("
    "  mailbox TEXT PRIMARY KEY,"
    "  uidvalidity INTEGER NOT NULL,"
    "  last_uid INTEGER NOT NULL DEFAULT 0,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE TABLE imap_messages ("
    "  message_id TEXT PRIMARY KEY,"
    "  mailbox TEXT NOT NULL,"
    "  uidvalidity INTEGER NOT NULL,"
    "  uid INTEGER NOT NULL,"
    "  outcome TEXT NOT NULL,"
    "  run_id INTEGER,"
    "  received_at INTEGER NOT NULL);" },
};

const AiosMigration *
aios_exec_schema_migrations (gsize *n_migrations)
{
  *n_migrations = G_N_ELEMENTS (migrations);
  return migrations;
}
