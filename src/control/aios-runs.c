/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The owner of the `runs` and `steps` tables: every statement on them is
 * here, and the coordinator, the pages and the command line get typed
 * values (AiosRunInfo, AiosRunRow, AiosStepInfo). The writes run inside the
 * caller's open transaction; none begins one.
 *
 * A few reads treat a failed step of the statement like "no row" (their doc
 * comments say so): that is how their callers have always read them, and a
 * refactor keeps it.
 */
#define G_LOG_DOMAIN "aios-control"

#include "config.h"

#include <inttypes.h>
#include <string.h>

#include <glib/gi18n.h>

#include "aios-coordinator.h"
#include "aios-runs.h"

/* ---- values ---- */

G_DEFINE_BOXED_TYPE (AiosStepInfo, aios_step_info, aios_step_info_copy, aios_step_info_free)

AiosStepInfo *
aios_step_info_copy (const AiosStepInfo *info)
{
  AiosStepInfo *copy = g_new0 (AiosStepInfo, 1);

  *copy = *info;
  copy->name = g_strdup (info->name);
  copy->agent = g_strdup (info->agent);
  copy->status = g_strdup (info->status);
  copy->phase = g_strdup (info->phase);
  copy->output_json = g_strdup (info->output_json);
  copy->error = g_strdup (info->error);
  copy->output_reason = g_strdup (info->output_reason);
  copy->wait_label = g_strdup (info->wait_label);
  return copy;
}

void
aios_step_info_free (AiosStepInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_free (info->agent);
  g_free (info->status);
  g_free (info->phase);
  g_free (info->output_json);
  g_free (info->error);
  g_free (info->output_reason);
  g_free (info->wait_label);
  g_free (info);
}

/**
 * aios_run_row_clear:
 *
 * Frees the strings of @row (not @row itself) and zeroes it.
 */
void
aios_run_row_clear (AiosRunRow *row)
{
  g_clear_pointer (&row->flow_id, g_free);
  g_clear_pointer (&row->status, g_free);
  g_clear_pointer (&row->input_json, g_free);
  row->id = row->flow_version = row->replay_of = 0;
}

/* ---- runs ---- */

/* The pending approval is a read-only join of the approvals table (named in
 * check-table-owners.py); its subquery starts a string of its own, so the
 * check, which reads each line of a macro apart, sees the SELECT. */
#define SELECT_RUNS \
  "SELECT r.id, r.flow_id, r.flow_version, r.status, r.attention, COALESCE (r.parent_run_id, 0), " \
  "r.fork_kind, s.name, s.status, s.phase, COALESCE (s.attempt, 0), COALESCE (s.next_attempt_at, 0), (" \
  "SELECT a.id FROM approvals a WHERE a.step_id = s.id AND a.status = 'pending'), " \
  "r.created_at, r.updated_at, s.wait_label " \
  "FROM runs r LEFT JOIN steps s ON s.id = (SELECT id FROM steps WHERE run_id = r.id " \
  "AND json_extract (COALESCE (output_json, '{}'), '$.skipped') IS NOT 1 ORDER BY idx DESC LIMIT 1) "

static AiosRunInfo *
read_run_info (sqlite3_stmt *stmt)
{
  AiosRunInfo *info = g_new0 (AiosRunInfo, 1);

  info->id = sqlite3_column_int64 (stmt, 0);
  info->flow_id = aios_store_column_dup (stmt, 1);
  info->flow_version = sqlite3_column_int64 (stmt, 2);
  info->status = aios_store_column_dup (stmt, 3);
  info->attention = aios_store_column_dup (stmt, 4);
  info->parent_run_id = sqlite3_column_int64 (stmt, 5);
  info->fork_kind = aios_store_column_dup (stmt, 6);
  info->step_name = aios_store_column_dup (stmt, 7);
  info->step_status = aios_store_column_dup (stmt, 8);
  info->step_phase = aios_store_column_dup (stmt, 9);
  info->step_attempt = sqlite3_column_int64 (stmt, 10);
  info->next_attempt_at = sqlite3_column_int64 (stmt, 11);
  if (sqlite3_column_type (stmt, 12) != SQLITE_NULL)
    info->waiting_for = g_strdup_printf ("approval %" PRId64, (gint64) sqlite3_column_int64 (stmt, 12));
  else if (g_strcmp0 (info->step_status, "waiting") == 0 && info->next_attempt_at > 0 &&
           sqlite3_column_type (stmt, 15) != SQLITE_NULL)
    info->waiting_for = aios_runs_describe_wait ((const char *) sqlite3_column_text (stmt, 15), info->next_attempt_at);
  else if (g_strcmp0 (info->step_status, "waiting") == 0 && info->next_attempt_at > 0)
    info->waiting_for = g_strdup ("retry");
  info->created_at = sqlite3_column_int64 (stmt, 13);
  info->updated_at = sqlite3_column_int64 (stmt, 14);
  return info;
}

static GPtrArray *
collect_run_infos (AiosStore     *store,
                   sqlite3_stmt  *stmt,
                   GError       **error)
{
  return aios_store_collect (store, stmt, _("read the runs"), (AiosStoreRowFunc) read_run_info,
                             (GDestroyNotify) aios_run_info_free, error);
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
  return collect_run_infos (store,
                            aios_store_query (store,
                                              SELECT_RUNS
                                              "WHERE r.id > ?1 AND (?2 = 0 OR r.status IN ('queued','running','waiting') "
                                              "OR r.attention IS NOT NULL) ORDER BY r.id LIMIT ?3",
                                              error, "ini", after_id, (int) only_open,
                                              limit > 0 ? (gint64) limit : (gint64) -1),
                            error);
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
  sqlite3_stmt *stmt = aios_store_query (store, SELECT_RUNS "WHERE r.id = ?", error, "i", run_id);
  GError *local_error = NULL;
  AiosRunInfo *info = NULL;

  if (stmt == NULL)
    return NULL;
  if (aios_store_next (store, stmt, _("read the runs"), &local_error))
    {
      info = read_run_info (stmt);
      aios_store_done (stmt);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  if (info == NULL)
    g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_NOT_FOUND,
                 _("There is no run %" PRId64), run_id);
  return info;
}

/**
 * aios_runs_list_finished:
 * @limit: at most this many
 *
 * The finished runs that need nothing more (no attention), the page of
 * the Runs view that older ones are pruned from.
 *
 * Returns: (transfer full) (element-type AiosRunInfo) (nullable): runs,
 *   newest first, or %NULL with @error set
 */
GPtrArray *
aios_runs_list_finished (AiosStore  *store,
                         guint       limit,
                         GError    **error)
{
  return collect_run_infos (store,
                            aios_store_query (store,
                                              SELECT_RUNS
                                              "WHERE r.status IN ('succeeded','failed','cancelled') "
                                              "AND r.attention IS NULL ORDER BY r.id DESC LIMIT ?",
                                              error, "n", (int) limit),
                            error);
}

/**
 * aios_runs_count_finished:
 *
 * Returns: how many runs aios_runs_list_finished() would list without a
 *   limit (0 on a failure, with @error set)
 */
gint64
aios_runs_count_finished (AiosStore  *store,
                          GError    **error)
{
  return aios_store_get_int64 (store, _("read the runs"), 0, error,
                               "SELECT COUNT (*) FROM runs WHERE status IN ('succeeded','failed','cancelled') "
                               "AND attention IS NULL", "");
}

/**
 * aios_runs_any:
 *
 * Returns: whether the workspace has ever had a run
 */
gboolean
aios_runs_any (AiosStore  *store,
               GError    **error)
{
  return aios_store_get_int64 (store, _("read the runs"), 0, error, "SELECT EXISTS (SELECT 1 FROM runs)", "") != 0;
}

/**
 * aios_runs_load:
 * @row: (out caller-allocates): filled with the run; clear it with
 *   aios_run_row_clear()
 *
 * Reads the run's flow, status and input. A failed read counts as no run.
 *
 * Returns: %TRUE, or %FALSE with @error set
 *   (%AIOS_COORDINATOR_ERROR_NOT_FOUND when there is no such run)
 */
gboolean
aios_runs_load (AiosStore   *store,
                gint64       run_id,
                AiosRunRow  *row,
                GError     **error)
{
  sqlite3_stmt *stmt = aios_store_query (store,
                                         "SELECT flow_id, flow_version, status, input_json, "
                                         "CASE WHEN fork_kind = 'replay' AND replay_fresh = 0 THEN parent_run_id ELSE 0 END "
                                         "FROM runs WHERE id = ?",
                                         error, "i", run_id);

  if (stmt == NULL)
    return FALSE;
  if (!aios_store_next (store, stmt, _("read a run"), NULL))
    {
      g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_NOT_FOUND,
                   _("There is no run %" PRId64), run_id);
      return FALSE;
    }
  row->id = run_id;
  row->flow_id = aios_store_column_dup (stmt, 0);
  row->flow_version = sqlite3_column_int64 (stmt, 1);
  row->status = aios_store_column_dup (stmt, 2);
  row->input_json = aios_store_column_dup (stmt, 3);
  row->replay_of = sqlite3_column_int64 (stmt, 4);
  aios_store_done (stmt);
  return TRUE;
}

/**
 * aios_runs_get_status:
 *
 * Returns: (transfer full) (nullable): the run's status, %NULL when there
 *   is no such run or on a failure (with @error set)
 */
char *
aios_runs_get_status (AiosStore  *store,
                      gint64      run_id,
                      GError    **error)
{
  return aios_store_get_string (store, _("read a run"), error, "SELECT status FROM runs WHERE id = ?", "i", run_id);
}

/**
 * aios_runs_get_flow_id:
 *
 * Returns: (transfer full) (nullable): the id of the run's flow
 */
char *
aios_runs_get_flow_id (AiosStore  *store,
                       gint64      run_id,
                       GError    **error)
{
  return aios_store_get_string (store, _("read a run"), error, "SELECT flow_id FROM runs WHERE id = ?", "i", run_id);
}

/**
 * aios_runs_get_input_json:
 *
 * A failed read counts as no run.
 *
 * Returns: (transfer full) (nullable): the run's input, a JSON object as
 *   text; %NULL when there is no such run, or with @error set when the
 *   query cannot be prepared
 */
char *
aios_runs_get_input_json (AiosStore  *store,
                          gint64      run_id,
                          GError    **error)
{
  sqlite3_stmt *stmt = aios_store_query (store, "SELECT input_json FROM runs WHERE id = ?", error, "i", run_id);
  char *input = NULL;

  if (aios_store_next (store, stmt, _("read a run"), NULL))
    {
      input = aios_store_column_dup (stmt, 0);
      aios_store_done (stmt);
    }
  return input;
}

/**
 * aios_runs_get_input_name:
 *
 * Returns: (transfer full) (nullable): the `name` of the run's input as
 *   text (who the run is about), or %NULL
 */
char *
aios_runs_get_input_name (AiosStore  *store,
                          gint64      run_id,
                          GError    **error)
{
  return aios_store_get_string (store, _("read a run"), error,
                                "SELECT json_extract (input_json, '$.name') FROM runs WHERE id = ?", "i", run_id);
}

/**
 * aios_runs_insert:
 * @input_json: the run's input, a JSON object
 *
 * Adds a queued run of @flow_id at @flow_version, in the caller's
 * transaction.
 *
 * Returns: the run's id, or 0 with @error set
 */
gint64
aios_runs_insert (AiosStore   *store,
                  const char  *flow_id,
                  gint64       flow_version,
                  const char  *input_json,
                  GError     **error)
{
  gint64 now = aios_store_now_ms ();

  return aios_store_insert (store, _("start a run"), error,
                            "INSERT INTO runs (flow_id, flow_version, status, input_json, created_at, updated_at) "
                            "VALUES (?, ?, 'queued', ?, ?, ?)",
                            "sisii", flow_id, flow_version, input_json, now, now);
}

/**
 * aios_runs_insert_fork:
 * @fork_kind: "replay" or "retry"
 * @fork_step: the step the child runs again from
 * @fresh: a replay that asks the agents again instead of reusing outputs
 *
 * Adds a queued child run of @parent_run_id, in the caller's transaction.
 *
 * Returns: the child's id, or 0 with @error set
 */
gint64
aios_runs_insert_fork (AiosStore   *store,
                       const char  *flow_id,
                       gint64       flow_version,
                       const char  *input_json,
                       gint64       parent_run_id,
                       const char  *fork_kind,
                       guint        fork_step,
                       gboolean     fresh,
                       GError     **error)
{
  gint64 now = aios_store_now_ms ();

  return aios_store_insert (store, _("fork the run"), error,
                            "INSERT INTO runs (flow_id, flow_version, status, input_json, parent_run_id, fork_kind, "
                            "fork_step, replay_fresh, created_at, updated_at) VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?)",
                            "sisisnnii", flow_id, flow_version, input_json, parent_run_id, fork_kind,
                            (int) fork_step, (int) fresh, now, now);
}

/**
 * aios_runs_set_status:
 * @from: (nullable): the status the run must have, or %NULL for any
 *   non-terminal one
 * @attention: (nullable): what the operator needs to know, or %NULL
 *
 * Moves a run to @to in the caller's transaction (the coordinator's
 * aios_coordinator_set_run_status() journals it too).
 *
 * Returns: %TRUE, or %FALSE with @error set
 *   (%AIOS_COORDINATOR_ERROR_STATE when the run is not in @from)
 */
gboolean
aios_runs_set_status (AiosStore   *store,
                      gint64       run_id,
                      const char  *from,
                      const char  *to,
                      const char  *attention,
                      GError     **error)
{
  if (!aios_store_run (store, _("change a run"), error,
                       "UPDATE runs SET status = ?2, attention = ?3, updated_at = ?4 "
                       "WHERE id = ?1 AND (?5 IS NULL AND status IN ('queued','running','waiting') OR status = ?5)",
                       "issis", run_id, to, attention, aios_store_now_ms (), from))
    return FALSE;
  if (aios_store_changes (store) == 0)
    {
      g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_STATE,
                   _("Run %" PRId64 " cannot become %s from its current state"), run_id, to);
      return FALSE;
    }
  return TRUE;
}

/**
 * aios_runs_set_current_step:
 *
 * Records that step @idx is the one the run is at, in the caller's
 * transaction.
 */
gboolean
aios_runs_set_current_step (AiosStore  *store,
                            gint64      run_id,
                            guint       idx,
                            GError    **error)
{
  return aios_store_run (store, _("start a step"), error,
                         "UPDATE runs SET current_step = ?, updated_at = ? WHERE id = ?",
                         "nii", (int) idx, aios_store_now_ms (), run_id);
}

/**
 * aios_runs_clear_attention:
 *
 * The run no longer needs the operator (it was retried as a new run), in
 * the caller's transaction.
 */
gboolean
aios_runs_clear_attention (AiosStore  *store,
                           gint64      run_id,
                           GError    **error)
{
  return aios_store_run (store, _("retry the run"), error,
                         "UPDATE runs SET attention = NULL, updated_at = ? WHERE id = ?",
                         "ii", aios_store_now_ms (), run_id);
}

/* ---- steps ---- */

#define STEP_COLUMNS \
  "s.id, s.run_id, s.idx, s.name, s.agent, s.status, s.phase, s.attempt, COALESCE (s.next_attempt_at, 0), " \
  "s.output_json, s.error, s.reused, s.wait_label"
#define N_STEP_COLUMNS 13

static AiosStepInfo *
read_step (sqlite3_stmt *stmt)
{
  AiosStepInfo *info = g_new0 (AiosStepInfo, 1);

  info->id = sqlite3_column_int64 (stmt, 0);
  info->run_id = sqlite3_column_int64 (stmt, 1);
  info->idx = sqlite3_column_int (stmt, 2);
  info->name = aios_store_column_dup (stmt, 3);
  info->agent = aios_store_column_dup (stmt, 4);
  info->status = aios_store_column_dup (stmt, 5);
  info->phase = aios_store_column_dup (stmt, 6);
  info->attempt = sqlite3_column_int64 (stmt, 7);
  info->next_attempt_at = sqlite3_column_int64 (stmt, 8);
  info->output_json = aios_store_column_dup (stmt, 9);
  info->error = aios_store_column_dup (stmt, 10);
  info->reused = sqlite3_column_int (stmt, 11) != 0;
  info->wait_label = aios_store_column_dup (stmt, 12);
  return info;
}

/**
 * aios_runs_get_step:
 * @run: (out caller-allocates) (optional): filled with the step's run;
 *   clear it with aios_run_row_clear()
 *
 * Reads a step with its run, in one statement (the claim and the outcome
 * of a step read both together inside their transaction).
 *
 * Returns: (transfer full) (nullable): the step (its output_reason is not
 *   read); %NULL when there is none, or with @error set
 */
AiosStepInfo *
aios_runs_get_step (AiosStore   *store,
                    gint64       step_id,
                    AiosRunRow  *run,
                    GError     **error)
{
  sqlite3_stmt *stmt = aios_store_query (store,
                                         "SELECT " STEP_COLUMNS ", r.flow_id, r.flow_version, r.status, r.input_json, "
                                         "CASE WHEN r.fork_kind = 'replay' AND r.replay_fresh = 0 THEN r.parent_run_id ELSE 0 END "
                                         "FROM steps s JOIN runs r ON r.id = s.run_id WHERE s.id = ?",
                                         error, "i", step_id);
  AiosStepInfo *step;

  if (!aios_store_next (store, stmt, _("read a step"), error))
    return NULL;
  step = read_step (stmt);
  if (run != NULL)
    {
      run->id = step->run_id;
      run->flow_id = aios_store_column_dup (stmt, N_STEP_COLUMNS);
      run->flow_version = sqlite3_column_int64 (stmt, N_STEP_COLUMNS + 1);
      run->status = aios_store_column_dup (stmt, N_STEP_COLUMNS + 2);
      run->input_json = aios_store_column_dup (stmt, N_STEP_COLUMNS + 3);
      run->replay_of = sqlite3_column_int64 (stmt, N_STEP_COLUMNS + 4);
    }
  aios_store_done (stmt);
  return step;
}

/**
 * aios_runs_list_steps:
 *
 * Returns: (transfer full) (element-type AiosStepInfo) (nullable): the
 *   run's steps in their order, or %NULL with @error set
 */
GPtrArray *
aios_runs_list_steps (AiosStore  *store,
                      gint64      run_id,
                      GError    **error)
{
  g_autoptr(GPtrArray) steps = g_ptr_array_new_with_free_func ((GDestroyNotify) aios_step_info_free);
  sqlite3_stmt *stmt = aios_store_query (store,
                                         "SELECT " STEP_COLUMNS ", json_extract (s.output_json, '$.reason') "
                                         "FROM steps s WHERE s.run_id = ? ORDER BY s.idx",
                                         error, "i", run_id);
  GError *local_error = NULL;

  if (stmt == NULL)
    return NULL;
  while (aios_store_next (store, stmt, _("read the run's steps"), &local_error))
    {
      AiosStepInfo *step = read_step (stmt);

      step->output_reason = aios_store_column_dup (stmt, N_STEP_COLUMNS);
      g_ptr_array_add (steps, step);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  return g_steal_pointer (&steps);
}

/**
 * aios_runs_get_step_key:
 *
 * A failed read counts as no key.
 *
 * Returns: (transfer full) (nullable): the idempotency key the step's
 *   outward action uses; %NULL when it has none, or with @error set when
 *   the query cannot be prepared
 */
char *
aios_runs_get_step_key (AiosStore  *store,
                        gint64      step_id,
                        GError    **error)
{
  sqlite3_stmt *stmt = aios_store_query (store, "SELECT idempotency_key FROM steps WHERE id = ?", error,
                                         "i", step_id);
  char *key = NULL;

  if (aios_store_next (store, stmt, _("read a step"), NULL))
    {
      key = aios_store_column_dup (stmt, 0);
      aios_store_done (stmt);
    }
  return key;
}

/**
 * aios_runs_set_step_key:
 *
 * Gives the step's outward action the key of what it is about (a flow's
 * action "key"), in the caller's transaction, before its approval or
 * outbox item exists.
 */
gboolean
aios_runs_set_step_key (AiosStore   *store,
                        gint64       step_id,
                        const char  *idempotency_key,
                        GError     **error)
{
  return aios_store_run (store, _("record a step"), error,
                         "UPDATE steps SET idempotency_key = ? WHERE id = ?", "si", idempotency_key, step_id);
}

/**
 * aios_runs_find_waiting_key:
 *
 * Returns: the run, other than @other_than_run, with a step that carries
 *   @idempotency_key and waits (for an approval) or is about to run, or 0
 */
gint64
aios_runs_find_waiting_key (AiosStore   *store,
                            const char  *idempotency_key,
                            gint64       other_than_run,
                            GError     **error)
{
  return aios_store_get_int64 (store, _("read a step"), 0, error,
                               "SELECT COALESCE (MIN (s.run_id), 0) FROM steps s JOIN runs r ON r.id = s.run_id "
                               "WHERE s.idempotency_key = ? AND s.run_id != ? "
                               "AND s.status IN ('waiting', 'queued', 'running') "
                               "AND r.status NOT IN ('succeeded', 'failed', 'cancelled')",
                               "si", idempotency_key, other_than_run);
}

/**
 * aios_runs_get_recorded_output:
 *
 * What step @idx (named @name) of @run_id answered, for a replay that
 * reuses it.
 *
 * Returns: (transfer full) (nullable): the output as JSON text, or %NULL
 */
char *
aios_runs_get_recorded_output (AiosStore   *store,
                               gint64       run_id,
                               guint        idx,
                               const char  *name,
                               GError     **error)
{
  return aios_store_get_string (store, _("read a step"), error,
                                "SELECT output_json FROM steps WHERE run_id = ? AND idx = ? AND name = ? "
                                "AND output_json IS NOT NULL",
                                "ins", run_id, (int) idx, name);
}

/**
 * aios_runs_count_succeeded_steps:
 *
 * A failed read counts 0.
 *
 * Returns: how many of the run's steps succeeded, or -1 with @error set
 *   when the query cannot be prepared
 */
gint64
aios_runs_count_succeeded_steps (AiosStore  *store,
                                 gint64      run_id,
                                 GError    **error)
{
  sqlite3_stmt *stmt = aios_store_query (store, "SELECT COUNT(*) FROM steps WHERE run_id = ? AND status = 'succeeded'",
                                         error, "i", run_id);
  gint64 n = 0;

  if (stmt == NULL)
    return -1;
  if (aios_store_next (store, stmt, _("read the run's steps"), NULL))
    {
      n = sqlite3_column_int64 (stmt, 0);
      aios_store_done (stmt);
    }
  return n;
}

/**
 * aios_runs_list_open_steps:
 *
 * A failed read ends the list where it failed.
 *
 * Returns: (transfer full) (element-type gint64) (nullable): the ids of the
 *   run's queued, running and waiting steps, or %NULL with @error set when
 *   the query cannot be prepared
 */
GArray *
aios_runs_list_open_steps (AiosStore  *store,
                           gint64      run_id,
                           GError    **error)
{
  sqlite3_stmt *stmt = aios_store_query (store,
                                         "SELECT id FROM steps WHERE run_id = ? AND status IN ('queued','running','waiting')",
                                         error, "i", run_id);
  GArray *ids;

  if (stmt == NULL)
    return NULL;
  ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  while (aios_store_next (store, stmt, _("read the run's steps"), NULL))
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
    }
  return ids;
}

/**
 * aios_runs_list_due_steps:
 * @retries_only: only waiting steps whose retry time has come (the cheap
 *   scan done after every commit), not queued ones
 * @now: the time, in ms
 *
 * Returns: (transfer full) (element-type gint64) (nullable): the ids of the
 *   steps of open runs that are due, in id order, or %NULL with @error set
 */
GArray *
aios_runs_list_due_steps (AiosStore  *store,
                          gboolean    retries_only,
                          gint64      now,
                          GError    **error)
{
  sqlite3_stmt *stmt;

  /* Both use the (status, next_attempt_at) index. */
  stmt = aios_store_query (store,
                           retries_only
                           ? "SELECT s.id FROM steps s JOIN runs r ON r.id = s.run_id "
                             "WHERE s.status = 'waiting' AND s.next_attempt_at <= ? AND s.phase != 'approval' "
                             "AND r.status IN ('queued','running','waiting') ORDER BY s.id"
                           : "SELECT s.id FROM steps s JOIN runs r ON r.id = s.run_id "
                             "WHERE r.status IN ('queued','running','waiting') AND "
                             "(s.status = 'queued' OR (s.status = 'waiting' AND s.phase != 'approval' "
                             " AND s.next_attempt_at <= ?)) ORDER BY s.id",
                           error, "i", now);
  return aios_store_collect_ids (store, stmt, _("read the runs"), error);
}

/**
 * aios_runs_next_retry_at:
 * @now: the time, in ms
 *
 * Returns: the earliest retry time after @now of a waiting step of an open
 *   run, or 0 when there is none (or on a failure, with @error set)
 */
gint64
aios_runs_next_retry_at (AiosStore  *store,
                         gint64      now,
                         GError    **error)
{
  return aios_store_get_int64 (store, _("read the runs"), 0, error,
                               "SELECT MIN (s.next_attempt_at) FROM steps s JOIN runs r ON r.id = s.run_id "
                               "WHERE s.status = 'waiting' AND s.phase != 'approval' AND s.next_attempt_at > ? "
                               "AND r.status IN ('queued','running','waiting')",
                               "i", now);
}

/**
 * aios_runs_list_interrupted_steps:
 * @step_ids: (element-type gint64): receives the steps' ids
 * @run_ids: (element-type gint64): receives their runs' ids, in the same order
 *
 * The steps of open runs left "running" (by a process that stopped).
 *
 * Returns: %TRUE, or %FALSE with @error set
 */
gboolean
aios_runs_list_interrupted_steps (AiosStore  *store,
                                  GArray     *step_ids,
                                  GArray     *run_ids,
                                  GError    **error)
{
  sqlite3_stmt *stmt = aios_store_query (store,
                                         "SELECT s.id, s.run_id FROM steps s JOIN runs r ON r.id = s.run_id "
                                         "WHERE s.status = 'running' AND r.status IN ('queued','running','waiting')",
                                         error, "");
  GError *local_error = NULL;

  if (stmt == NULL)
    return FALSE;
  while (aios_store_next (store, stmt, _("read the runs"), &local_error))
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      gint64 run = sqlite3_column_int64 (stmt, 1);
      g_array_append_val (step_ids, id);
      g_array_append_val (run_ids, run);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

/**
 * aios_runs_insert_step:
 * @idempotency_key: (nullable): the key of the step's outward action, if
 *   it has one
 *
 * Adds step @idx of the run, queued in its agent phase, in the caller's
 * transaction.
 *
 * Returns: the step's id, or 0 with @error set
 */
gint64
aios_runs_insert_step (AiosStore   *store,
                       gint64       run_id,
                       guint        idx,
                       const char  *name,
                       const char  *agent,
                       const char  *idempotency_key,
                       GError     **error)
{
  return aios_store_insert (store, _("add a step"), error,
                            "INSERT INTO steps (run_id, idx, name, agent, status, phase, idempotency_key) "
                            "VALUES (?, ?, ?, ?, 'queued', 'agent', ?)",
                            "insss", run_id, (int) idx, name, agent, idempotency_key);
}

/**
 * aios_runs_reuse_step:
 * @run_id: the child run
 * @parent_run_id: the run it forks
 * @idempotency_key: (nullable): the child step's own key
 * @out_id: (out): the new step's id, or 0 when the parent has no succeeded
 *   step @idx named @name (the definitions diverge there)
 *
 * Copies the parent's succeeded step @idx into the child, as reused, in
 * the caller's transaction.
 *
 * Returns: %TRUE, or %FALSE with @error set
 */
gboolean
aios_runs_reuse_step (AiosStore   *store,
                      gint64       run_id,
                      gint64       parent_run_id,
                      guint        idx,
                      const char  *name,
                      const char  *idempotency_key,
                      gint64      *out_id,
                      GError     **error)
{
  *out_id = 0;
  if (!aios_store_run (store, _("fork the run"), error,
                       "INSERT INTO steps (run_id, idx, name, agent, status, phase, attempt, output_json, "
                       "reused, started_at, finished_at, idempotency_key) "
                       "SELECT ?1, idx, name, agent, 'succeeded', phase, 0, output_json, 1, ?3, ?3, ?5 "
                       "FROM steps WHERE run_id = ?2 AND idx = ?4 AND name = ?6 AND status = 'succeeded'",
                       "iiinss", run_id, parent_run_id, aios_store_now_ms (), (int) idx, idempotency_key, name))
    return FALSE;
  if (aios_store_changes (store) > 0)
    *out_id = sqlite3_last_insert_rowid (aios_store_get_db (store));
  return TRUE;
}

/**
 * aios_runs_start_step:
 *
 * The step runs its next attempt (attempt + 1, no retry time), in the
 * caller's transaction.
 */
gboolean
aios_runs_start_step (AiosStore  *store,
                      gint64      step_id,
                      GError    **error)
{
  return aios_store_run (store, _("start a step"), error,
                         "UPDATE steps SET status = 'running', attempt = attempt + 1, "
                         "next_attempt_at = NULL, started_at = ? WHERE id = ?",
                         "ii", aios_store_now_ms (), step_id);
}

/**
 * aios_runs_requeue_step:
 *
 * An interrupted step is queued to run again, in the caller's transaction.
 */
gboolean
aios_runs_requeue_step (AiosStore  *store,
                        gint64      step_id,
                        GError    **error)
{
  return aios_store_run (store, _("resume a step"), error,
                         "UPDATE steps SET status = 'queued' WHERE id = ?", "i", step_id);
}

/**
 * aios_runs_succeed_step:
 * @output_json: (nullable): the step's output, or %NULL to keep the one
 *   it has
 *
 * The step succeeded, in the caller's transaction.
 */
gboolean
aios_runs_succeed_step (AiosStore   *store,
                        gint64       step_id,
                        const char  *output_json,
                        GError     **error)
{
  return aios_store_run (store, _("record a step"), error,
                         "UPDATE steps SET status = 'succeeded', output_json = COALESCE (?, output_json), "
                         "error = NULL, finished_at = ? WHERE id = ?",
                         "sii", output_json, aios_store_now_ms (), step_id);
}

/**
 * aios_runs_fail_step:
 *
 * The step failed for good with @error_text, in the caller's transaction.
 */
gboolean
aios_runs_fail_step (AiosStore   *store,
                     gint64       step_id,
                     const char  *error_text,
                     GError     **error)
{
  return aios_store_run (store, _("record a step"), error,
                         "UPDATE steps SET status = 'failed', error = ?, finished_at = ? WHERE id = ?",
                         "sii", error_text, aios_store_now_ms (), step_id);
}

/**
 * aios_runs_schedule_wait:
 * @due_at: when the wait is over, in ms
 * @label: what it waits for ("Follow-up 1")
 *
 * A "wait" step waits for its time, in the caller's transaction: its next
 * attempt is the due time (the coordinator's one timer is armed for it and
 * a restart finds it), and the attempt it used to read its wait is given
 * back, so its agent runs as attempt 1.
 */
gboolean
aios_runs_schedule_wait (AiosStore   *store,
                         gint64       step_id,
                         gint64       due_at,
                         const char  *label,
                         GError     **error)
{
  return aios_store_run (store, _("record a step"), error,
                         "UPDATE steps SET status = 'waiting', next_attempt_at = ?, wait_label = ?, "
                         "attempt = MAX (attempt - 1, 0), error = NULL WHERE id = ?",
                         "isi", due_at, label, step_id);
}

/**
 * aios_runs_describe_wait:
 *
 * Returns: (transfer full): "Follow-up 1 due Thursday 10:00" (local time;
 *   the date too when it is more than a week away)
 */
char *
aios_runs_describe_wait (const char *label,
                         gint64      due_at)
{
  g_autoptr(GDateTime) due = g_date_time_new_from_unix_local (due_at / 1000);
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_local (aios_store_now_ms () / 1000);
  g_autofree char *when = NULL;

  if (due == NULL || now == NULL)
    return g_strdup (label);
  if (g_date_time_difference (due, now) < 6 * G_TIME_SPAN_DAY)
    when = g_date_time_format (due, "%A %H:%M:%S");
  else
    when = g_date_time_format (due, "%A %-d %B %H:%M");
  /* Seconds only matter for test-scaled waits. */
  if (g_str_has_suffix (when, ":00") && strlen (when) > 6 && when[strlen (when) - 6] == ':')
    when[strlen (when) - 3] = '\0';
  return g_strdup_printf (_("%s due %s"), label && *label ? label : _("Wait"), when);
}

/**
 * aios_runs_schedule_retry:
 * @next_attempt_at: when the next attempt is due, in ms
 * @error_text: what the failed attempt said
 *
 * The step waits for its next attempt, in the caller's transaction.
 */
gboolean
aios_runs_schedule_retry (AiosStore   *store,
                          gint64       step_id,
                          gint64       next_attempt_at,
                          const char  *error_text,
                          GError     **error)
{
  return aios_store_run (store, _("record a step"), error,
                         "UPDATE steps SET status = 'waiting', next_attempt_at = ?, error = ? WHERE id = ?",
                         "isi", next_attempt_at, error_text, step_id);
}

/**
 * aios_runs_cancel_step:
 *
 * The step is cancelled with its run, in the caller's transaction.
 */
gboolean
aios_runs_cancel_step (AiosStore  *store,
                       gint64      step_id,
                       GError    **error)
{
  return aios_store_run (store, _("cancel a step"), error,
                         "UPDATE steps SET status = 'cancelled', finished_at = ? WHERE id = ?",
                         "ii", aios_store_now_ms (), step_id);
}

/**
 * aios_runs_set_step:
 * @phase: (nullable): the step's new phase, or %NULL to keep it
 * @output_json: (nullable): the step's output, or %NULL to keep it
 * @error_text: (nullable): the step's error (%NULL clears it)
 *
 * Moves a step at a checkpoint (approval, send, decision), in the caller's
 * transaction; a finished status records when it finished.
 */
gboolean
aios_runs_set_step (AiosStore   *store,
                    gint64       step_id,
                    const char  *status,
                    const char  *phase,
                    const char  *output_json,
                    const char  *error_text,
                    GError     **error)
{
  return aios_store_run (store, _("record a step"), error,
                         "UPDATE steps SET status = ?2, phase = COALESCE (?3, phase), "
                         "output_json = COALESCE (?4, output_json), error = ?5, "
                         "finished_at = CASE WHEN ?2 IN ('succeeded','failed','cancelled') THEN ?6 ELSE finished_at END "
                         "WHERE id = ?1",
                         "issssi", step_id, status, phase, output_json, error_text, aios_store_now_ms ());
}

/**
 * aios_runs_wait_for_approval:
 *
 * The step waits for a decision again (an approval taken back inside its
 * undo grace), with no attempt due, in the caller's transaction.
 */
gboolean
aios_runs_wait_for_approval (AiosStore  *store,
                             gint64      step_id,
                             GError    **error)
{
  return aios_store_run (store, _("record a step"), error,
                         "UPDATE steps SET status = 'waiting', phase = 'approval', next_attempt_at = NULL, "
                         "error = NULL WHERE id = ?",
                         "i", step_id);
}

/* ---- for the repair-cost meter ---- */

void
aios_run_stamp_free (AiosRunStamp *stamp)
{
  if (stamp == NULL)
    return;
  g_free (stamp->flow_id);
  g_free (stamp->fork_kind);
  g_free (stamp);
}

static gpointer
read_stamp (sqlite3_stmt *stmt)
{
  AiosRunStamp *stamp = g_new0 (AiosRunStamp, 1);

  stamp->id = sqlite3_column_int64 (stmt, 0);
  stamp->flow_id = aios_store_column_dup (stmt, 1);
  stamp->created_at = sqlite3_column_int64 (stmt, 2);
  stamp->fork_kind = aios_store_column_dup (stmt, 3);
  return stamp;
}

/* The first run id created at or after @since_ms: runs are inserted with
 * the time they are created, so a binary search over the ids finds it
 * without a scan (see aios-journal-stats.c). */
static gint64
first_run_since (AiosStore *store,
                 gint64     since_ms)
{
  gint64 lo = aios_store_get_int64 (store, _("read the runs"), 0, NULL, "SELECT COALESCE (MIN (id), 0) FROM runs", "");
  gint64 hi = aios_store_get_int64 (store, _("read the runs"), 0, NULL, "SELECT COALESCE (MAX (id), 0) FROM runs", "");

  if (hi == 0)
    return 1;
  hi++;
  while (lo < hi)
    {
      gint64 mid = lo + (hi - lo) / 2;
      gint64 id = aios_store_get_int64 (store, _("read the runs"), 0, NULL,
                                        "SELECT id FROM runs WHERE id >= ? ORDER BY id LIMIT 1", "i", mid);
      gint64 created;

      if (id == 0 || id >= hi)
        {
          hi = mid;
          continue;
        }
      created = aios_store_get_int64 (store, _("read the runs"), 0, NULL,
                                      "SELECT created_at FROM runs WHERE id = ?", "i", id);
      if (created >= since_ms)
        hi = id;
      else
        lo = id + 1;
    }
  return lo;
}

/**
 * aios_runs_list_created_since:
 *
 * Returns: (transfer full) (element-type AiosRunStamp): the runs created at
 *   or after @since_ms, oldest first
 */
GPtrArray *
aios_runs_list_created_since (AiosStore  *store,
                              gint64      since_ms,
                              GError    **error)
{
  sqlite3_stmt *stmt = aios_store_query (store,
                                         "SELECT id, flow_id, created_at, fork_kind FROM runs "
                                         "WHERE id >= ? AND created_at >= ? ORDER BY id",
                                         error, "ii", first_run_since (store, since_ms), since_ms);

  return aios_store_collect (store, stmt, _("read the runs"), read_stamp,
                             (GDestroyNotify) aios_run_stamp_free, error);
}
