/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Read-only views of runs for the command line and the window: status,
 * current step, what it waits for and since when, keyset-paged by id.
 */
#define G_LOG_DOMAIN "aios-control"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "aios-coordinator.h"
#include "aios-run-info.h"

G_DEFINE_BOXED_TYPE (AiosRunInfo, aios_run_info, aios_run_info_copy, aios_run_info_free)

AiosRunInfo *
aios_run_info_copy (const AiosRunInfo *info)
{
  AiosRunInfo *copy = g_new0 (AiosRunInfo, 1);

  *copy = *info;
  copy->flow_id = g_strdup (info->flow_id);
  copy->status = g_strdup (info->status);
  copy->attention = g_strdup (info->attention);
  copy->fork_kind = g_strdup (info->fork_kind);
  copy->step_name = g_strdup (info->step_name);
  copy->step_status = g_strdup (info->step_status);
  copy->step_phase = g_strdup (info->step_phase);
  copy->waiting_for = g_strdup (info->waiting_for);
  return copy;
}

void
aios_run_info_free (AiosRunInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->flow_id);
  g_free (info->status);
  g_free (info->attention);
  g_free (info->fork_kind);
  g_free (info->step_name);
  g_free (info->step_status);
  g_free (info->step_phase);
  g_free (info->waiting_for);
  g_free (info);
}

#define SELECT_RUNS \
  "SELECT r.id, r.flow_id, r.flow_version, r.status, r.attention, COALESCE (r.parent_run_id, 0), " \
  "r.fork_kind, s.name, s.status, s.phase, COALESCE (s.attempt, 0), COALESCE (s.next_attempt_at, 0), " \
  "(SELECT a.id FROM approvals a WHERE a.step_id = s.id AND a.status = 'pending'), " \
  "r.created_at, r.updated_at " \
  "FROM runs r LEFT JOIN steps s ON s.id = (SELECT id FROM steps WHERE run_id = r.id " \
  "AND json_extract (COALESCE (output_json, '{}'), '$.skipped') IS NOT 1 ORDER BY idx DESC LIMIT 1) "

static char *
dup_column (sqlite3_stmt *stmt,
            int           col)
{
  const unsigned char *text = sqlite3_column_text (stmt, col);
  return text ? g_strdup ((const char *) text) : NULL;
}

static AiosRunInfo *
read_row (sqlite3_stmt *stmt)
{
  AiosRunInfo *info = g_new0 (AiosRunInfo, 1);

  info->id = sqlite3_column_int64 (stmt, 0);
  info->flow_id = dup_column (stmt, 1);
  info->flow_version = sqlite3_column_int64 (stmt, 2);
  info->status = dup_column (stmt, 3);
  info->attention = dup_column (stmt, 4);
  info->parent_run_id = sqlite3_column_int64 (stmt, 5);
  info->fork_kind = dup_column (stmt, 6);
  info->step_name = dup_column (stmt, 7);
  info->step_status = dup_column (stmt, 8);
  info->step_phase = dup_column (stmt, 9);
  info->step_attempt = sqlite3_column_int64 (stmt, 10);
  info->next_attempt_at = sqlite3_column_int64 (stmt, 11);
  if (sqlite3_column_type (stmt, 12) != SQLITE_NULL)
    info->waiting_for = g_strdup_printf ("approval %" PRId64, (gint64) sqlite3_column_int64 (stmt, 12));
  else if (g_strcmp0 (info->step_status, "waiting") == 0 && info->next_attempt_at > 0)
    info->waiting_for = g_strdup ("retry");
  info->created_at = sqlite3_column_int64 (stmt, 13);
  info->updated_at = sqlite3_column_int64 (stmt, 14);
  return info;
}

/**
 * aios_run_info_list:
 * @only_open: only runs that have not finished (or need attention)
 * @after_id: keyset pagination: runs with a larger id
 * @limit: at most this many (0: no limit)
 *
 * Returns: (transfer full) (element-type AiosRunInfo): runs, oldest first
 */
GPtrArray *
aios_run_info_list (AiosStore  *store,
                    gboolean    only_open,
                    gint64      after_id,
                    guint       limit,
                    GError    **error)
{
  g_autoptr(GPtrArray) runs = g_ptr_array_new_with_free_func ((GDestroyNotify) aios_run_info_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = aios_store_prepare (store,
                             SELECT_RUNS
                             "WHERE r.id > ?1 AND (?2 = 0 OR r.status IN ('queued','running','waiting') "
                             "OR r.attention IS NOT NULL) ORDER BY r.id LIMIT ?3",
                             error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, after_id);
  sqlite3_bind_int (stmt, 2, only_open);
  sqlite3_bind_int64 (stmt, 3, limit > 0 ? (gint64) limit : -1);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (runs, read_row (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      aios_store_set_error (store, rc, error, _("read the runs"));
      return NULL;
    }
  return g_steal_pointer (&runs);
}

/**
 * aios_run_info_get:
 *
 * Returns: (transfer full) (nullable): the run, or %NULL with
 *   %AIOS_COORDINATOR_ERROR_NOT_FOUND
 */
AiosRunInfo *
aios_run_info_get (AiosStore  *store,
                   gint64      run_id,
                   GError    **error)
{
  sqlite3_stmt *stmt = aios_store_prepare (store, SELECT_RUNS "WHERE r.id = ?", error);
  AiosRunInfo *info = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, run_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    info = read_row (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      aios_store_set_error (store, rc, error, _("read the runs"));
      return NULL;
    }
  if (info == NULL)
    g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_NOT_FOUND,
                 _("There is no run %" PRId64), run_id);
  return info;
}

static void
add_string_or_null (JsonBuilder *b,
                    const char  *name,
                    const char  *value)
{
  json_builder_set_member_name (b, name);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_int_or_null (JsonBuilder *b,
                 const char  *name,
                 gint64       value)
{
  json_builder_set_member_name (b, name);
  if (value > 0)
    json_builder_add_int_value (b, value);
  else
    json_builder_add_null_value (b);
}

/**
 * aios_run_info_to_json:
 *
 * Returns: (transfer full): the stable `aios runs --json` shape
 */
JsonNode *
aios_run_info_to_json (const AiosRunInfo *info)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_int_value (b, info->id);
  add_string_or_null (b, "flow", info->flow_id);
  json_builder_set_member_name (b, "flow_version");
  json_builder_add_int_value (b, info->flow_version);
  add_string_or_null (b, "status", info->status);
  json_builder_set_member_name (b, "needs_attention");
  json_builder_add_boolean_value (b, info->attention != NULL);
  add_string_or_null (b, "attention", info->attention);
  add_string_or_null (b, "step", info->step_name);
  add_string_or_null (b, "step_status", info->step_status);
  json_builder_set_member_name (b, "attempt");
  json_builder_add_int_value (b, info->step_attempt);
  add_int_or_null (b, "next_attempt_at", info->next_attempt_at);
  add_string_or_null (b, "waiting_for", info->waiting_for);
  add_int_or_null (b, "parent_run_id", info->parent_run_id);
  add_string_or_null (b, "fork", info->fork_kind);
  json_builder_set_member_name (b, "created_at");
  json_builder_add_int_value (b, info->created_at);
  json_builder_set_member_name (b, "updated_at");
  json_builder_add_int_value (b, info->updated_at);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
