/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * AiosCoordinator: one per workspace, the single owner of sequencing. It
 * runs on the GLib main loop and never blocks it: agents and connectors are
 * async, SQLite transactions are short.
 *
 * Runs and steps form a small state machine
 *
 *   run:  queued → running → waiting → running → succeeded | failed | cancelled
 *   step: queued → running → (waiting) → succeeded | failed | cancelled
 *
 * and every transition appends its journal event in the same transaction.
 * A step row is created only when the run reaches it, so "queued" always
 * means "due now". A run that needs the operator keeps the problem in words
 * in `runs.attention`.
 *
 * Group commit: finished steps are collected while the main loop dispatches
 * their callbacks and recorded together in one transaction (with the claim
 * of each run's next step) at idle priority. Nothing is acknowledged (next
 * step, signals, settle) before that transaction is durable.
 * aios_coordinator_set_max_batch (self, 1) gives one transaction per step.
 *
 * This file holds its construction, scheduling (ready queue, timers, the
 * pump), claims and the group commit. The other parts: -lifecycle.c (start,
 * recovery, the poll for other processes' writes, stop, drain, settle),
 * -step.c (one step
 * attempt and its outcome), -runs.c (submit, cancel, approve, reject),
 * -actions.c (policy, approvals, outbox), -forks.c (replay, retry, rollback).
 *
 * Only one process runs a workspace's coordinator (an flock() beside the
 * file); others write runs and decisions to the database, and the active
 * coordinator notices (PRAGMA data_version) and carries them on.
 */
#define G_LOG_DOMAIN "aios-control"

#include "config.h"

#include <inttypes.h>

#include <string.h>
#include <glib/gi18n.h>

#include "aios-approvals.h"
#include "aios-coordinator-private.h"
#include "aios-runs.h"
#include "agents/aios-template.h"
#include "store/aios-journal.h"

#define DEFAULT_MAX_BATCH   128
#define MAX_INFLIGHT        1024
#define RETRY_COMMIT_MS     1000
/* Outward actions in flight at once. Each is marked "sending" durably
 * before it goes out, and a crash leaves those "unknown" for the operator,
 * so only a few are exposed at any moment. */
#define MAX_SENDING         8


G_DEFINE_FINAL_TYPE (AiosCoordinator, aios_coordinator, G_TYPE_OBJECT)
G_DEFINE_QUARK (aios-coordinator-error-quark, aios_coordinator_error)

enum {
  RUN_CHANGED,
  STEP_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];


static void rearm_timer     (AiosCoordinator *self);

#define MAX_TIMER_MS (60 * 1000)
static void expire_due      (AiosCoordinator *self);

void
aios_coordinator_exec_free (Exec *exec)
{
  g_clear_object (&exec->self);
  g_clear_object (&exec->flow);
  g_clear_object (&exec->cancellable);
  g_clear_pointer (&exec->scope, json_object_unref);
  g_clear_pointer (&exec->outbox, aios_outbox_item_free);
  g_clear_pointer (&exec->output, json_node_unref);
  g_clear_error (&exec->error);
  g_free (exec->wait_label);
  g_free (exec);
}


static void
aios_coordinator_dispose (GObject *object)
{
  AiosCoordinator *self = AIOS_COORDINATOR (object);

  aios_coordinator_stop (self);
  g_clear_object (&self->flows);
  g_clear_object (&self->agents);
  g_clear_object (&self->connectors);
  g_clear_object (&self->memory);
  g_clear_object (&self->policy);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (aios_coordinator_parent_class)->dispose (object);
}

static void
aios_coordinator_finalize (GObject *object)
{
  AiosCoordinator *self = AIOS_COORDINATOR (object);

  g_clear_pointer (&self->known, g_hash_table_unref);
  g_clear_pointer (&self->completions, g_ptr_array_unref);
  g_clear_pointer (&self->settle_waiters, g_ptr_array_unref);
  g_clear_pointer (&self->drain_waiters, g_ptr_array_unref);
  g_clear_error (&self->stall_error);

  G_OBJECT_CLASS (aios_coordinator_parent_class)->finalize (object);
}

static void
aios_coordinator_class_init (AiosCoordinatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = aios_coordinator_dispose;
  object_class->finalize = aios_coordinator_finalize;

  /**
   * AiosCoordinator::run-changed:
   * @run_id: the run
   *
   * A run's state changed (after the change is durable).
   */
  signals[RUN_CHANGED] = g_signal_new ("run-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  /**
   * AiosCoordinator::step-finished:
   * @run_id: the run
   * @step_id: the step
   * @status: "succeeded", "waiting" (approval or retry) or "failed"
   *
   * A step attempt ended and its outcome is durable.
   */
  signals[STEP_FINISHED] = g_signal_new ("step-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                                         G_TYPE_INT64, G_TYPE_INT64, G_TYPE_STRING);
}

static void
aios_coordinator_init (AiosCoordinator *self)
{
  self->lock_fd = -1;
  self->max_batch = DEFAULT_MAX_BATCH;
  g_queue_init (&self->ready);
  g_queue_init (&self->send_waiting);
  self->known = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->completions = g_ptr_array_new ();
  self->settle_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  self->drain_waiters = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * aios_coordinator_new:
 *
 * Returns: (transfer full): a coordinator; it does nothing on its own until
 *   aios_coordinator_start(), but its API (submit, cancel, decide) works on
 *   the database either way
 */
AiosCoordinator *
aios_coordinator_new (AiosStore         *store,
                      AiosFlowRegistry  *flows,
                      AiosAgentRegistry *agents)
{
  AiosCoordinator *self = g_object_new (AIOS_TYPE_COORDINATOR, NULL);

  self->store = g_object_ref (store);
  self->flows = g_object_ref (flows);
  self->agents = g_object_ref (agents);
  self->policy = aios_policy_new (store, NULL);
  return self;
}

/**
 * aios_coordinator_set_connectors:
 *
 * The connectors outward actions go through (without them, every action
 * fails closed: nothing is sent).
 */
void
aios_coordinator_set_connectors (AiosCoordinator       *self,
                                 AiosConnectorRegistry *connectors)
{
  g_return_if_fail (AIOS_IS_COORDINATOR (self));
  g_set_object (&self->connectors, connectors);
}

/**
 * aios_coordinator_set_memory:
 *
 * The memory service: decisions are written there, steps read it, policy
 * rules check "known" records, rollback restores it.
 */
void
aios_coordinator_set_memory (AiosCoordinator *self,
                             AiosMemory      *memory)
{
  g_return_if_fail (AIOS_IS_COORDINATOR (self));
  g_set_object (&self->memory, memory);
  g_clear_object (&self->policy);
  self->policy = aios_policy_new (self->store, memory);
}

AiosMemory *
aios_coordinator_get_memory (AiosCoordinator *self)
{
  return self->memory;
}

/**
 * aios_coordinator_get_policy:
 *
 * Returns: (transfer none): the policy rules outward actions are checked against
 */
AiosPolicy *
aios_coordinator_get_policy (AiosCoordinator *self)
{
  return self->policy;
}

AiosConnector *
aios_coordinator_get_connector (AiosCoordinator *self,
                                const char      *name)
{
  return self->connectors != NULL ? aios_connector_registry_get (self->connectors, name) : NULL;
}

AiosStore *
aios_coordinator_get_store (AiosCoordinator *self)
{
  return self->store;
}

AiosFlowRegistry *
aios_coordinator_get_flows (AiosCoordinator *self)
{
  return self->flows;
}

AiosAgentRegistry *
aios_coordinator_get_agents (AiosCoordinator *self)
{
  return self->agents;
}

/**
 * aios_coordinator_set_max_batch:
 * @max_batch: how many runs' transitions may share one transaction; 1 means
 *   one transaction per step
 */
void
aios_coordinator_set_max_batch (AiosCoordinator *self,
                                guint            max_batch)
{
  g_return_if_fail (AIOS_IS_COORDINATOR (self));
  self->max_batch = MAX (max_batch, 1);
}

gboolean
aios_coordinator_is_terminal (const char *status)
{
  return g_strcmp0 (status, "succeeded") == 0 || g_strcmp0 (status, "failed") == 0 ||
         g_strcmp0 (status, "cancelled") == 0;
}

/* ---- shared helpers (aios-coordinator-private.h) ---- */

gboolean
aios_coordinator_journal (AiosStore   *store,
                          gint64       run_id,
                          gint64       step_id,
                          const char  *actor,
                          const char  *kind,
                          const char  *summary,
                          const char  *rationale,
                          const char  *payload_json,
                          GError     **error)
{
  return aios_coordinator_journal_linked (store, run_id, step_id, actor, kind, summary, rationale,
                                          payload_json, NULL, 0, error);
}

/**
 * aios_coordinator_journal_linked:
 * @link_kind: (nullable): what the event refers to ("approval", "outbox"), or %NULL
 * @link_id: its id
 *
 * Appends a run's event, linked to one approval or outbox item.
 */
gboolean
aios_coordinator_journal_linked (AiosStore   *store,
                                 gint64       run_id,
                                 gint64       step_id,
                                 const char  *actor,
                                 const char  *kind,
                                 const char  *summary,
                                 const char  *rationale,
                                 const char  *payload_json,
                                 const char  *link_kind,
                                 gint64       link_id,
                                 GError     **error)
{
  g_autofree char *id = link_kind != NULL ? g_strdup_printf ("%" PRId64, link_id) : NULL;
  AiosEventLink link = { link_kind, id, 0 };
  AiosEvent ev = { 0 };

  ev.run_id = run_id;
  ev.step_id = step_id;
  ev.actor = (char *) actor;
  ev.kind = (char *) kind;
  ev.summary = (char *) summary;
  ev.rationale = (char *) rationale;
  ev.payload_json = (char *) payload_json;
  return aios_journal_append_linked (store, &ev, link_kind != NULL ? &link : NULL,
                                     link_kind != NULL ? 1 : 0, error) > 0;
}

char *
aios_coordinator_get_run_status (AiosStore *store,
                                 gint64     run_id)
{
  return aios_runs_get_status (store, run_id, NULL);
}

/**
 * aios_coordinator_set_run_status:
 * @from: (nullable): the status the run must have, or %NULL for any
 *   non-terminal one
 * @attention: (nullable): what the operator needs to know, or %NULL
 *
 * Moves a run and journals "run.<to>" in the caller's transaction.
 */
gboolean
aios_coordinator_set_run_status (AiosStore   *store,
                                 gint64       run_id,
                                 const char  *from,
                                 const char  *to,
                                 const char  *attention,
                                 const char  *actor,
                                 const char  *summary,
                                 GError     **error)
{
  g_autofree char *kind = g_strconcat ("run.", to, NULL);

  if (!aios_runs_set_status (store, run_id, from, to, attention, error))
    return FALSE;
  return aios_coordinator_journal (store, run_id, 0, actor, kind, summary, attention, NULL, error);
}

/**
 * aios_coordinator_idempotency_key:
 *
 * Returns: (transfer full): the idempotency key of step @idx of @run_id:
 *   the workspace's id, the run and the step, so it is the same on every
 *   attempt and never the same for two actions
 */
char *
aios_coordinator_idempotency_key (AiosStore *store,
                                  gint64     run_id,
                                  guint      idx)
{
  sqlite3_stmt *stmt = aios_store_prepare (store,
                                           "SELECT value FROM control_meta WHERE key = 'workspace_uuid'", NULL);
  g_autofree char *uuid = NULL;

  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    uuid = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  if (stmt != NULL)
    sqlite3_reset (stmt);
  return g_strdup_printf ("aios-%s-run%" PRId64 "-step%u", uuid ? uuid : "0", run_id, idx);
}

/**
 * aios_coordinator_action_key:
 * @about: what the action is about, from its flow's action "key"
 *   ("billing/acme/2026-11-01..2026-11-30")
 *
 * Returns: (transfer full): the idempotency key of an action about @about:
 *   the workspace's id and @about (controls and spaces as "-", at most 150
 *   bytes), the same for every run that would take it
 */
char *
aios_coordinator_action_key (AiosStore  *store,
                             const char *about)
{
  g_autofree char *uuid = aios_store_get_string (store, "read the workspace id", NULL,
                                                 "SELECT value FROM control_meta WHERE key = 'workspace_uuid'", "");
  g_autofree char *clean = g_utf8_make_valid (about, -1);
  gsize len = strlen (clean);

  for (char *p = clean; *p; p++)
    if ((guchar) *p < 0x20 || *p == ' ' || *p == 0x7f)
      *p = '-';
  if (len > 150)
    {
      const char *end = g_utf8_find_prev_char (clean, clean + 151);
      clean[end ? end - clean : 150] = '\0';
    }
  return g_strdup_printf ("aios-%s-%s", uuid ? uuid : "0", clean);
}

void
aios_coordinator_notify_run (AiosCoordinator *self,
                             gint64           run_id)
{
  g_signal_emit (self, signals[RUN_CHANGED], 0, run_id);
}

/* ---- scheduling ---- */

void
aios_coordinator_enqueue (AiosCoordinator *self,
         gint64           step_id)
{
  if (g_hash_table_contains (self->known, ID_TO_PTR (step_id)))
    return;
  g_hash_table_insert (self->known, ID_TO_PTR (step_id), NULL);
  g_queue_push_tail (&self->ready, ID_TO_PTR (step_id));
  aios_coordinator_schedule_pump (self);
}

/* Finds steps due now that this coordinator does not know yet: new runs,
 * decisions taken by other processes, retry timers that have come due. */
static gboolean
scan (AiosCoordinator  *self,
      gboolean          retries_only,
      GError          **error)
{
  /* The retry scan is the cheap one done after every commit. */
  g_autoptr(GArray) ids = aios_runs_list_due_steps (self->store, retries_only, aios_store_now_ms (), error);

  if (ids == NULL)
    return FALSE;
  for (guint i = 0; i < ids->len; i++)
    aios_coordinator_enqueue (self, g_array_index (ids, gint64, i));
  return TRUE;
}

static gboolean
scan_due (AiosCoordinator  *self,
          GError          **error)
{
  return scan (self, FALSE, error);
}

static gboolean
timer_cb (gpointer user_data)
{
  AiosCoordinator *self = user_data;
  g_autoptr(GError) error = NULL;

  self->timer_source = 0;
  self->timer_at = 0;
  expire_due (self);
  aios_coordinator_tick_schedules (self);
  if (!scan_due (self, &error))
    g_warning ("%s", error->message);
  rearm_timer (self);
  aios_coordinator_schedule_pump (self);
  return G_SOURCE_REMOVE;
}

static gint64
next_timer_at (AiosCoordinator *self)
{
  /* Timers already due are found by scan_due(); only future ones arm. */
  gint64 at = aios_runs_next_retry_at (self->store, aios_store_now_ms (), NULL);

  {
    gint64 expiry = aios_coordinator_next_expiry (self);
    if (expiry > 0 && (at == 0 || expiry < at))
      at = MAX (expiry, aios_store_now_ms () + 1);
  }
  if (self->next_schedule_at > 0 && (at == 0 || self->next_schedule_at < at))
    at = MAX (self->next_schedule_at, aios_store_now_ms () + 1);
  return at;
}

static void
expire_due (AiosCoordinator *self)
{
  g_autoptr(GError) error = NULL;
  int n;

  if (aios_coordinator_next_expiry (self) == 0 || aios_coordinator_next_expiry (self) > aios_store_now_ms ())
    return;
  if (!aios_store_begin (self->store, &error))
    {
      g_warning ("%s", error->message);
      return;
    }
  n = aios_coordinator_tx_expire (self, &error);
  if (n < 0)
    {
      aios_store_rollback (self->store);
      g_warning ("Could not expire approvals: %s", error->message);
      return;
    }
  if (!aios_store_commit (self->store, &error))
    g_warning ("Could not expire approvals: %s", error->message);
}

static void
rearm_timer (AiosCoordinator *self)
{
  gint64 at, delay;

  if (!self->active)
    return;
  /* Retries that came due while a commit was slower than their delay are
   * started now; only future ones arm the timer. */
  if (!scan (self, TRUE, NULL))
    return;
  at = next_timer_at (self);
  if (at == 0)
    return;
  if (self->timer_source != 0 && self->timer_at <= at)
    return;
  g_clear_handle_id (&self->timer_source, g_source_remove);
  /* At most a minute: the timeout runs on the monotonic clock, which stops
   * while the machine sleeps and ignores wall-clock changes, so a wait or
   * a schedule due meanwhile is noticed within a minute of waking. */
  delay = CLAMP (at - aios_store_now_ms (), 0, MAX_TIMER_MS);
  self->timer_at = at;
  self->timer_source = g_timeout_add_full (G_PRIORITY_DEFAULT, delay, timer_cb, self, NULL);
}

void
aios_coordinator_finish_drain (AiosCoordinator *self)
{
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->drain_waiters);

  g_clear_handle_id (&self->drain_source, g_source_remove);
  self->drain_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; waiters != NULL && i < waiters->len; i++)
    g_task_return_boolean (g_ptr_array_index (waiters, i), TRUE);
}

static gboolean
settle_again_cb (gpointer user_data)
{
  AiosCoordinator *self = user_data;

  self->settle_source = 0;
  aios_coordinator_wake (self);
  aios_coordinator_check_settled (self);
  return G_SOURCE_REMOVE;
}

void
aios_coordinator_check_settled (AiosCoordinator *self)
{
  g_autoptr(GPtrArray) waiters = NULL;

  if (self->draining && self->drain_waiters->len > 0 &&
      (!self->active || (self->inflight == 0 && self->completions->len == 0)))
    aios_coordinator_finish_drain (self);

  if (self->settle_waiters->len == 0)
    return;
  if (self->stalled && self->stall_error != NULL)
    {
      /* The workspace cannot be written (full disk...): say so rather than
       * wait forever. Nothing committed is lost; work resumes later. */
      waiters = g_steal_pointer (&self->settle_waiters);
      self->settle_waiters = g_ptr_array_new_with_free_func (g_object_unref);
      for (guint i = 0; i < waiters->len; i++)
        g_task_return_error (g_ptr_array_index (waiters, i), g_error_copy (self->stall_error));
      return;
    }
  if (self->active &&
      (!g_queue_is_empty (&self->ready) || self->inflight > 0 || self->completions->len > 0 ||
       (self->timer_source != 0 && self->timer_at <= aios_store_now_ms ())))
    return;
  if (self->active && self->settle_not_before > aios_store_now_ms ())
    {
      /* An undo grace started here: look again when it is over (its send
       * is claimed then, or it was taken back). */
      if (self->settle_source == 0)
        self->settle_source = g_timeout_add_full (G_PRIORITY_DEFAULT,
                                                  CLAMP (self->settle_not_before - aios_store_now_ms () + 1, 1, G_MAXUINT),
                                                  settle_again_cb, self, NULL);
      return;
    }

  waiters = g_steal_pointer (&self->settle_waiters);
  self->settle_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < waiters->len; i++)
    g_task_return_boolean (g_ptr_array_index (waiters, i), TRUE);
}

/* ---- claiming a step (inside a transaction) ---- */

gboolean
aios_coordinator_insert_step (AiosCoordinator  *self,
             gint64            run_id,
             AiosFlow         *flow,
             guint             idx,
             gint64           *out_id,
             GError          **error)
{
  const AiosFlowStep *step = aios_flow_get_step (flow, idx);
  g_autofree char *key = aios_coordinator_idempotency_key (self->store, run_id, idx);

  *out_id = aios_runs_insert_step (self->store, run_id, idx, step->name, step->agent,
                                   step->action_connector ? key : NULL, error);
  return *out_id != 0;
}

/* Moves a due step to running (attempt + 1), and its run to running, with
 * their events. Returns an Exec to start after the commit, or NULL (and no
 * error) when the step is no longer due. */
gboolean
aios_coordinator_tx_claim (AiosCoordinator  *self,
          gint64            step_id,
          gboolean          may_send,
          gboolean         *deferred,
          Exec            **out_exec,
          GError          **error)
{
  g_autofree char *summary = NULL;
  g_autofree char *payload = NULL;
  g_autoptr(AiosFlow) flow = NULL;
  g_autoptr(AiosStepInfo) step = NULL;
  g_auto(AiosRunRow) run = { 0 };
  GError *local_error = NULL;
  const char *run_status, *status, *phase, *flow_id, *name;
  gint64 run_id, attempt, flow_version, next_at, replay_of;
  guint idx;
  Exec *exec;

  *out_exec = NULL;
  step = aios_runs_get_step (self->store, step_id, &run, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (step == NULL || aios_coordinator_is_terminal (run.status))
    return TRUE;
  run_id = step->run_id;
  idx = step->idx;
  name = step->name;
  status = step->status;
  phase = step->phase;
  attempt = step->attempt;
  next_at = step->next_attempt_at;
  run_status = run.status;
  flow_id = run.flow_id;
  flow_version = run.flow_version;
  replay_of = run.replay_of;
  if (!(g_str_equal (status, "queued") ||
        (g_str_equal (status, "waiting") && !g_str_equal (phase, "approval") &&
         next_at > 0 && next_at <= aios_store_now_ms ())))
    return TRUE;

  flow = aios_flow_registry_load_version (self->flows, flow_id, flow_version, error);
  if (flow == NULL)
    return FALSE;

  if (g_str_equal (phase, "send") && !may_send)
    {
      *deferred = TRUE;
      return TRUE;
    }
  if (g_str_equal (phase, "send"))
    {
      gboolean prepared = FALSE;

      /* Durable before anything goes out: the claim's commit. */
      if (!aios_coordinator_tx_mark_sending (self, run_id, step_id, &prepared, error))
        return FALSE;
      if (!prepared)
        {
          g_warning ("Step %" PRId64 " has no prepared outward action; it is left as it is", step_id);
          return TRUE;
        }
    }

  if (!aios_runs_start_step (self->store, step_id, error))
    return FALSE;

  if (!g_str_equal (run_status, "running"))
    {
      g_autofree char *run_summary = g_strdup_printf (g_str_equal (run_status, "queued")
                                                        ? "Run started (%s)" : "Run resumed (%s)", flow_id);
      if (!aios_coordinator_set_run_status (self->store, run_id, run_status, "running", NULL, "system",
                                            run_summary, error))
        return FALSE;
    }
  if (!aios_runs_set_current_step (self->store, run_id, idx, error))
    return FALSE;

  summary = g_strdup_printf ("Step %s started (attempt %" PRId64 ")", name, attempt + 1);
  payload = g_strdup_printf ("{\"attempt\":%" PRId64 ",\"phase\":\"%s\"}", attempt + 1, phase);
  if (!aios_coordinator_journal (self->store, run_id, step_id, "system", "step.started", summary, NULL,
                                 payload, error))
    return FALSE;

  exec = g_new0 (Exec, 1);
  exec->self = g_object_ref (self);
  exec->step_id = step_id;
  exec->run_id = run_id;
  exec->idx = idx;
  exec->attempt = attempt + 1;
  exec->sending = g_str_equal (phase, "send");
  exec->replay_of = replay_of;
  exec->waited = step->wait_label != NULL;
  exec->flow = g_steal_pointer (&flow);
  *out_exec = exec;
  return TRUE;
}

static gboolean
store_failed (GError *error)
{
  return error->domain == AIOS_STORE_ERROR &&
         (error->code == AIOS_STORE_ERROR_FULL || error->code == AIOS_STORE_ERROR_BUSY ||
          error->code == AIOS_STORE_ERROR_READ_ONLY || error->code == AIOS_STORE_ERROR_FAILED);
}

static gboolean
retry_stalled_cb (gpointer user_data)
{
  AiosCoordinator *self = user_data;

  self->stall_source = 0;
  self->stalled = FALSE;
  g_clear_error (&self->stall_error);
  aios_coordinator_schedule_pump (self);
  return G_SOURCE_REMOVE;
}

static void
stall (AiosCoordinator *self,
       const GError    *error)
{
  g_warning ("The coordinator pauses for a moment: %s", error->message);
  self->stalled = TRUE;
  g_clear_error (&self->stall_error);
  self->stall_error = g_error_copy (error);
  aios_coordinator_check_settled (self);
  if (self->stall_source == 0)
    self->stall_source = g_timeout_add (RETRY_COMMIT_MS, retry_stalled_cb, self);
}

/* Claims up to max_batch ready steps in one transaction, then starts them. */
static gboolean
claim_batch (AiosCoordinator *self)
{
  g_autoptr(GPtrArray) claimed = g_ptr_array_new ();
  g_autoptr(GArray) taken = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) held = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GError) error = NULL;
  guint n_sending = 0, limit;

  if (!aios_store_begin (self->store, &error))
    {
      stall (self, error);
      return FALSE;
    }

  /* Small batches while little is in flight (the first results come back
   * soon after a start), growing to max_batch under load. */
  limit = MIN (self->max_batch, MAX (16, self->inflight));
  while (!g_queue_is_empty (&self->ready) && taken->len < limit &&
         self->inflight + claimed->len < MAX_INFLIGHT)
    {
      gint64 step_id = PTR_TO_ID (g_queue_pop_head (&self->ready));
      gboolean deferred = FALSE;
      Exec *exec = NULL;

      g_array_append_val (taken, step_id);
      if (!aios_store_begin (self->store, &error))
        break;
      if (!aios_coordinator_tx_claim (self, step_id, self->sending + n_sending < MAX_SENDING, &deferred, &exec, &error))
        {
          aios_store_rollback (self->store);
          if (store_failed (error))
            break;
          /* This step cannot be started (its flow version is unreadable):
           * leave it for the operator rather than stop every run. */
          g_warning ("Step %" PRId64 " cannot start: %s", step_id, error->message);
          g_clear_error (&error);
          continue;
        }
      aios_store_commit (self->store, NULL);
      if (exec != NULL)
        {
          g_ptr_array_add (claimed, exec);
          n_sending += exec->sending;
        }
      if (deferred)
        g_array_append_val (held, step_id);
    }

  if (error == NULL && aios_store_commit (self->store, &error))
    {
      for (guint i = 0; i < taken->len; i++)
        {
          gint64 id = g_array_index (taken, gint64, i);
          g_hash_table_remove (self->known, ID_TO_PTR (id));
        }
      for (guint i = 0; i < held->len; i++)
        {
          gint64 id = g_array_index (held, gint64, i);
          g_hash_table_insert (self->known, ID_TO_PTR (id), NULL);
          g_queue_push_tail (&self->send_waiting, ID_TO_PTR (id));
        }
      for (guint i = 0; i < claimed->len; i++)
        {
          Exec *exec = g_ptr_array_index (claimed, i);
          g_hash_table_insert (self->known, ID_TO_PTR (exec->step_id), exec);
          self->inflight++;
          self->sending += exec->sending;
          aios_coordinator_notify_run (self, exec->run_id);
        }
      for (guint i = 0; i < claimed->len; i++)
        aios_coordinator_exec_start (g_ptr_array_index (claimed, i));
      return TRUE;
    }

  /* Nothing was recorded: put the steps back and try again shortly. */
  if (aios_store_in_transaction (self->store))
    aios_store_rollback (self->store);
  for (guint i = claimed->len; i > 0; i--)
    aios_coordinator_exec_free (g_ptr_array_index (claimed, i - 1));
  for (guint i = taken->len; i > 0; i--)
    g_queue_push_head (&self->ready, ID_TO_PTR (g_array_index (taken, gint64, i - 1)));
  stall (self, error);
  return FALSE;
}

static gboolean
commit_completions (AiosCoordinator *self)
{
  g_autoptr(GPtrArray) batch = g_ptr_array_new ();
  g_autoptr(GPtrArray) claimed = g_ptr_array_new ();
  g_autoptr(GPtrArray) outcomes = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  guint n = MIN (self->completions->len, self->max_batch);

  if (!aios_store_begin (self->store, &error))
    {
      stall (self, error);
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    {
      Exec *exec = g_ptr_array_index (self->completions, i);
      AiosStepOutcome outcome;

      if (!aios_store_begin (self->store, &error))
        break;
      outcome = aios_coordinator_tx_complete (self, exec, claimed, &error);
      if (outcome == AIOS_STEP_OUTCOME_NONE)
        {
          aios_store_rollback (self->store);
          break;
        }
      aios_store_commit (self->store, NULL);
      g_ptr_array_add (batch, exec);
      g_ptr_array_add (outcomes, GINT_TO_POINTER (outcome));
    }

  if (error != NULL || !aios_store_commit (self->store, &error))
    {
      if (aios_store_in_transaction (self->store))
        aios_store_rollback (self->store);
      for (guint i = claimed->len; i > 0; i--)
        aios_coordinator_exec_free (g_ptr_array_index (claimed, i - 1));
      stall (self, error);
      return FALSE;
    }

  /* Durable: now acknowledge. */
  g_ptr_array_remove_range (self->completions, 0, batch->len);
  for (guint i = 0; i < batch->len; i++)
    {
      Exec *exec = g_ptr_array_index (batch, i);
      AiosStepOutcome outcome = GPOINTER_TO_INT (g_ptr_array_index (outcomes, i));

      g_hash_table_remove (self->known, ID_TO_PTR (exec->step_id));
      self->inflight--;
      if (exec->sending)
        {
          self->sending--;
          while (!g_queue_is_empty (&self->send_waiting))
            {
              gint64 id = PTR_TO_ID (g_queue_pop_head (&self->send_waiting));
              g_hash_table_remove (self->known, ID_TO_PTR (id));
              aios_coordinator_enqueue (self, id);
            }
        }
      if (outcome == AIOS_STEP_OUTCOME_QUEUED)
        aios_coordinator_enqueue (self, exec->step_id);
      if (outcome != AIOS_STEP_OUTCOME_CANCELLED)
        {
          g_signal_emit (self, signals[STEP_FINISHED], 0, exec->run_id, exec->step_id,
                         aios_step_outcome_to_string (outcome));
          aios_coordinator_notify_run (self, exec->run_id);
        }
      aios_coordinator_exec_free (exec);
    }
  for (guint i = 0; i < claimed->len; i++)
    {
      Exec *exec = g_ptr_array_index (claimed, i);
      g_hash_table_insert (self->known, ID_TO_PTR (exec->step_id), exec);
      self->inflight++;
    }
  for (guint i = 0; i < claimed->len; i++)
    aios_coordinator_exec_start (g_ptr_array_index (claimed, i));
  rearm_timer (self);
  return TRUE;
}

static gboolean
pump_cb (gpointer user_data)
{
  AiosCoordinator *self = user_data;

  self->pump_source = 0;
  if (self->stalled)
    return G_SOURCE_REMOVE;

  while (self->completions->len > 0)
    if (!commit_completions (self))
      return G_SOURCE_REMOVE;

  /* One claim per turn, so finished steps are recorded (and acknowledged)
   * between claims instead of waiting behind a long queue. */
  if (self->active && !self->draining && !g_queue_is_empty (&self->ready) && self->inflight < MAX_INFLIGHT)
    {
      if (!claim_batch (self))
        return G_SOURCE_REMOVE;
      if (!g_queue_is_empty (&self->ready) && self->inflight < MAX_INFLIGHT && !self->draining)
        {
          self->pump_source = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, pump_cb, self, NULL);
          return G_SOURCE_REMOVE;
        }
    }

  aios_coordinator_check_settled (self);
  return G_SOURCE_REMOVE;
}

void
aios_coordinator_schedule_pump (AiosCoordinator *self)
{
  if (self->pump_source != 0 || self->stalled)
    return;
  /* Idle priority: callbacks of finished agents run first, so one commit
   * takes all of them (group commit). */
  self->pump_source = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, pump_cb, self, NULL);
}

/**
 * aios_coordinator_wake:
 *
 * Looks for work written by others (or by this process's API) and starts it.
 */
void
aios_coordinator_wake (AiosCoordinator *self)
{
  g_autoptr(GError) error = NULL;

  if (!self->active)
    return;
  expire_due (self);
  /* A schedule resumed or edited elsewhere: its next time, and a tick if due. */
  aios_coordinator_tick_schedules (self);
  if (!scan_due (self, &error))
    g_warning ("%s", error->message);
  rearm_timer (self);
  aios_coordinator_schedule_pump (self);
}

