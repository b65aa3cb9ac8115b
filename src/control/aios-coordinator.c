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
 * Only one process runs a workspace's coordinator (an flock() beside the
 * file); others write runs and decisions to the database, and the active
 * coordinator notices (PRAGMA data_version) and carries them on.
 */
#define G_LOG_DOMAIN "aios-control"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "aios-approval-info.h"
#include "aios-coordinator-private.h"
#include "aios-template.h"
#include "store/aios-journal.h"

#define DEFAULT_MAX_BATCH   128
#define MAX_INFLIGHT        1024
#define POLL_INTERVAL_MS    250
#define RETRY_COMMIT_MS     1000
/* Outward actions in flight at once. Each is marked "sending" durably
 * before it goes out, and a crash leaves those "unknown" for the operator,
 * so only a few are exposed at any moment. */
#define MAX_SENDING         8

struct _AiosCoordinator
{
  GObject            parent_instance;

  AiosStore         *store;
  AiosFlowRegistry  *flows;
  AiosAgentRegistry *agents;
  AiosConnectorRegistry *connectors;
  AiosMemory        *memory;
  AiosPolicy        *policy;

  gboolean           active;
  int                lock_fd;
  guint              max_batch;

  GQueue             ready;        /* step ids (GINT64 in pointers) due now */
  GHashTable        *known;        /* step id → Exec* or NULL: queued or in flight */
  GQueue             send_waiting; /* step ids of sends held back by MAX_SENDING */
  guint              sending;      /* sends in flight */
  GPtrArray         *completions;  /* Exec*, finished, waiting for the group commit */
  guint              inflight;

  guint              pump_source;
  guint              timer_source;
  gint64             timer_at;
  guint              poll_source;
  gint64             data_version;
  gboolean           stalled;      /* a commit failed; retrying after a pause */
  GError            *stall_error;
  guint              stall_source;

  GPtrArray         *settle_waiters;
};

G_DEFINE_FINAL_TYPE (AiosCoordinator, aios_coordinator, G_TYPE_OBJECT)
G_DEFINE_QUARK (aios-coordinator-error-quark, aios_coordinator_error)

enum {
  RUN_CHANGED,
  STEP_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct {
  AiosCoordinator *self;
  gint64           step_id;
  gint64           run_id;
  guint            idx;
  gint64           attempt;
  gboolean         sending;     /* phase "send": the outbox item goes out */
  gint64           replay_of;   /* a replay reusing recorded outputs: the parent run */
  gboolean         replayed;    /* the output is the parent's recorded one */
  AiosFlow        *flow;
  GCancellable    *cancellable;
  JsonObject      *scope;       /* what the agent saw; requests read it too */
  JsonObject      *outbox;      /* phase "send": {id, connector, request, idempotency_key} */
  JsonNode        *output;
  GError          *error;
  gboolean         skipped;     /* its "when"/"unless" said no: no agent, no action */
} Exec;

static void schedule_pump   (AiosCoordinator *self);
static void exec_start      (Exec            *exec);
static void rearm_timer     (AiosCoordinator *self);
static void expire_due      (AiosCoordinator *self);

static void
exec_free (Exec *exec)
{
  g_clear_object (&exec->self);
  g_clear_object (&exec->flow);
  g_clear_object (&exec->cancellable);
  g_clear_pointer (&exec->scope, json_object_unref);
  g_clear_pointer (&exec->outbox, json_object_unref);
  g_clear_pointer (&exec->output, json_node_unref);
  g_clear_error (&exec->error);
  g_free (exec);
}

#define ID_TO_PTR(id) ((gpointer) (gintptr) (id))
#define PTR_TO_ID(p)  ((gint64) (gintptr) (p))

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
  AiosEvent ev = { 0 };

  ev.run_id = run_id;
  ev.step_id = step_id;
  ev.actor = (char *) actor;
  ev.kind = (char *) kind;
  ev.summary = (char *) summary;
  ev.rationale = (char *) rationale;
  ev.payload_json = (char *) payload_json;
  return aios_journal_append (store, &ev, error) > 0;
}

char *
aios_coordinator_get_run_status (AiosStore *store,
                                 gint64     run_id)
{
  sqlite3_stmt *stmt = aios_store_prepare (store, "SELECT status FROM runs WHERE id = ?", NULL);
  char *status = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, run_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    status = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return status;
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
  sqlite3_stmt *stmt;
  int rc;

  stmt = aios_store_prepare (store,
                             "UPDATE runs SET status = ?2, attention = ?3, updated_at = ?4 "
                             "WHERE id = ?1 AND (?5 IS NULL AND status IN ('queued','running','waiting') OR status = ?5)",
                             error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, run_id);
  sqlite3_bind_text (stmt, 2, to, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, attention, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, aios_store_now_ms ());
  sqlite3_bind_text (stmt, 5, from, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return aios_store_set_error (store, rc, error, _("change a run"));
  if (sqlite3_changes (aios_store_get_db (store)) == 0)
    {
      g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_STATE,
                   _("Run %" G_GINT64_FORMAT " cannot become %s from its current state"), run_id, to);
      return FALSE;
    }
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
  return g_strdup_printf ("aios-%s-run%" G_GINT64_FORMAT "-step%u", uuid ? uuid : "0", run_id, idx);
}

void
aios_coordinator_notify_run (AiosCoordinator *self,
                             gint64           run_id)
{
  g_signal_emit (self, signals[RUN_CHANGED], 0, run_id);
}

/* ---- scheduling ---- */

static void
enqueue (AiosCoordinator *self,
         gint64           step_id)
{
  if (g_hash_table_contains (self->known, ID_TO_PTR (step_id)))
    return;
  g_hash_table_insert (self->known, ID_TO_PTR (step_id), NULL);
  g_queue_push_tail (&self->ready, ID_TO_PTR (step_id));
  schedule_pump (self);
}

/* Finds steps due now that this coordinator does not know yet: new runs,
 * decisions taken by other processes, retry timers that have come due. */
static gboolean
scan_due (AiosCoordinator  *self,
          GError          **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt;
  int rc;

  stmt = aios_store_prepare (self->store,
                             "SELECT s.id FROM steps s JOIN runs r ON r.id = s.run_id "
                             "WHERE r.status IN ('queued','running','waiting') AND "
                             "(s.status = 'queued' OR (s.status = 'waiting' AND s.phase != 'approval' "
                             " AND s.next_attempt_at <= ?)) ORDER BY s.id",
                             error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, aios_store_now_ms ());
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return aios_store_set_error (self->store, rc, error, _("read the runs"));

  for (guint i = 0; i < ids->len; i++)
    enqueue (self, g_array_index (ids, gint64, i));
  return TRUE;
}

static gboolean
timer_cb (gpointer user_data)
{
  AiosCoordinator *self = user_data;
  g_autoptr(GError) error = NULL;

  self->timer_source = 0;
  self->timer_at = 0;
  expire_due (self);
  if (!scan_due (self, &error))
    g_warning ("%s", error->message);
  rearm_timer (self);
  schedule_pump (self);
  return G_SOURCE_REMOVE;
}

static gint64
next_timer_at (AiosCoordinator *self)
{
  sqlite3_stmt *stmt;
  gint64 at = 0;

  stmt = aios_store_prepare (self->store,
                             "SELECT MIN (s.next_attempt_at) FROM steps s JOIN runs r ON r.id = s.run_id "
                             "WHERE s.status = 'waiting' AND s.phase != 'approval' AND s.next_attempt_at > ? "
                             "AND r.status IN ('queued','running','waiting')",
                             NULL);
  /* Timers already due are found by scan_due(); only future ones arm. */
  if (stmt != NULL)
    sqlite3_bind_int64 (stmt, 1, aios_store_now_ms ());
  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    at = sqlite3_column_int64 (stmt, 0);
  if (stmt != NULL)
    sqlite3_reset (stmt);
  {
    gint64 expiry = aios_coordinator_next_expiry (self);
    if (expiry > 0 && (at == 0 || expiry < at))
      at = MAX (expiry, aios_store_now_ms () + 1);
  }
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
  if (!scan_due (self, NULL))
    return;
  at = next_timer_at (self);
  if (at == 0)
    return;
  if (self->timer_source != 0 && self->timer_at <= at)
    return;
  g_clear_handle_id (&self->timer_source, g_source_remove);
  delay = CLAMP (at - aios_store_now_ms (), 0, G_MAXUINT);
  self->timer_at = at;
  self->timer_source = g_timeout_add_full (G_PRIORITY_DEFAULT, delay, timer_cb, self, NULL);
}

static void
check_settled (AiosCoordinator *self)
{
  g_autoptr(GPtrArray) waiters = NULL;

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

  waiters = g_steal_pointer (&self->settle_waiters);
  self->settle_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < waiters->len; i++)
    g_task_return_boolean (g_ptr_array_index (waiters, i), TRUE);
}

/* ---- claiming a step (inside a transaction) ---- */

static gboolean
insert_step (AiosCoordinator  *self,
             gint64            run_id,
             AiosFlow         *flow,
             guint             idx,
             gint64           *out_id,
             GError          **error)
{
  const AiosFlowStep *step = aios_flow_get_step (flow, idx);
  g_autofree char *key = aios_coordinator_idempotency_key (self->store, run_id, idx);
  sqlite3_stmt *stmt;
  int rc;

  stmt = aios_store_prepare (self->store,
                             "INSERT INTO steps (run_id, idx, name, agent, status, phase, idempotency_key) "
                             "VALUES (?, ?, ?, ?, 'queued', 'agent', ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, run_id);
  sqlite3_bind_int (stmt, 2, idx);
  sqlite3_bind_text (stmt, 3, step->name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, step->agent, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, step->action_connector ? key : NULL, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return aios_store_set_error (self->store, rc, error, _("add a step"));
  *out_id = sqlite3_last_insert_rowid (aios_store_get_db (self->store));
  return TRUE;
}

/* Moves a due step to running (attempt + 1), and its run to running, with
 * their events. Returns an Exec to start after the commit, or NULL (and no
 * error) when the step is no longer due. */
static gboolean
tx_claim (AiosCoordinator  *self,
          gint64            step_id,
          gboolean          may_send,
          gboolean         *deferred,
          Exec            **out_exec,
          GError          **error)
{
  g_autofree char *run_status = NULL;
  g_autofree char *status = NULL;
  g_autofree char *phase = NULL;
  g_autofree char *flow_id = NULL;
  g_autofree char *name = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *payload = NULL;
  g_autoptr(AiosFlow) flow = NULL;
  gint64 run_id = 0, attempt = 0, flow_version = 0, next_at = 0, replay_of = 0;
  guint idx = 0;
  sqlite3_stmt *stmt;
  Exec *exec;
  int rc;

  *out_exec = NULL;
  stmt = aios_store_prepare (self->store,
                             "SELECT s.run_id, s.idx, s.name, s.status, s.phase, s.attempt, "
                             "COALESCE (s.next_attempt_at, 0), r.status, r.flow_id, r.flow_version, "
                             "CASE WHEN r.fork_kind = 'replay' AND r.replay_fresh = 0 THEN r.parent_run_id ELSE 0 END "
                             "FROM steps s JOIN runs r ON r.id = s.run_id WHERE s.id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, step_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      run_id = sqlite3_column_int64 (stmt, 0);
      idx = sqlite3_column_int (stmt, 1);
      name = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      status = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      phase = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
      attempt = sqlite3_column_int64 (stmt, 5);
      next_at = sqlite3_column_int64 (stmt, 6);
      run_status = g_strdup ((const char *) sqlite3_column_text (stmt, 7));
      flow_id = g_strdup ((const char *) sqlite3_column_text (stmt, 8));
      flow_version = sqlite3_column_int64 (stmt, 9);
      replay_of = sqlite3_column_int64 (stmt, 10);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return aios_store_set_error (self->store, rc, error, _("read a step"));
  if (rc != SQLITE_ROW || aios_coordinator_is_terminal (run_status))
    return TRUE;
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
          g_warning ("Step %" G_GINT64_FORMAT " has no prepared outward action; it is left as it is", step_id);
          return TRUE;
        }
    }

  stmt = aios_store_prepare (self->store,
                             "UPDATE steps SET status = 'running', attempt = attempt + 1, "
                             "next_attempt_at = NULL, started_at = ? WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, aios_store_now_ms ());
  sqlite3_bind_int64 (stmt, 2, step_id);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return aios_store_set_error (self->store, rc, error, _("start a step"));

  if (!g_str_equal (run_status, "running"))
    {
      g_autofree char *run_summary = g_strdup_printf (g_str_equal (run_status, "queued")
                                                        ? "Run started (%s)" : "Run resumed (%s)", flow_id);
      if (!aios_coordinator_set_run_status (self->store, run_id, run_status, "running", NULL, "system",
                                            run_summary, error))
        return FALSE;
    }
  stmt = aios_store_prepare (self->store, "UPDATE runs SET current_step = ?, updated_at = ? WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, idx);
  sqlite3_bind_int64 (stmt, 2, aios_store_now_ms ());
  sqlite3_bind_int64 (stmt, 3, run_id);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return aios_store_set_error (self->store, rc, error, _("start a step"));

  summary = g_strdup_printf ("Step %s started (attempt %" G_GINT64_FORMAT ")", name, attempt + 1);
  payload = g_strdup_printf ("{\"attempt\":%" G_GINT64_FORMAT ",\"phase\":\"%s\"}", attempt + 1, phase);
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
  schedule_pump (self);
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
  check_settled (self);
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
  guint n_sending = 0;

  if (!aios_store_begin (self->store, &error))
    {
      stall (self, error);
      return FALSE;
    }

  while (!g_queue_is_empty (&self->ready) && taken->len < self->max_batch &&
         self->inflight + claimed->len < MAX_INFLIGHT)
    {
      gint64 step_id = PTR_TO_ID (g_queue_pop_head (&self->ready));
      gboolean deferred = FALSE;
      Exec *exec = NULL;

      g_array_append_val (taken, step_id);
      if (!aios_store_begin (self->store, &error))
        break;
      if (!tx_claim (self, step_id, self->sending + n_sending < MAX_SENDING, &deferred, &exec, &error))
        {
          aios_store_rollback (self->store);
          if (store_failed (error))
            break;
          /* This step cannot be started (its flow version is unreadable):
           * leave it for the operator rather than stop every run. */
          g_warning ("Step %" G_GINT64_FORMAT " cannot start: %s", step_id, error->message);
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
        exec_start (g_ptr_array_index (claimed, i));
      return TRUE;
    }

  /* Nothing was recorded: put the steps back and try again shortly. */
  if (aios_store_in_transaction (self->store))
    aios_store_rollback (self->store);
  for (guint i = claimed->len; i > 0; i--)
    exec_free (g_ptr_array_index (claimed, i - 1));
  for (guint i = taken->len; i > 0; i--)
    g_queue_push_head (&self->ready, ID_TO_PTR (g_array_index (taken, gint64, i - 1)));
  stall (self, error);
  return FALSE;
}

/* ---- executing ---- */

static void
exec_finished (Exec *exec)
{
  AiosCoordinator *self = exec->self;

  if (!self->active)
    {
      /* Stopped meanwhile: the step stays "running" in the workspace and
       * runs again at the next start (a send becomes "unknown"). */
      if (g_hash_table_lookup (self->known, ID_TO_PTR (exec->step_id)) == exec)
        g_hash_table_remove (self->known, ID_TO_PTR (exec->step_id));
      self->inflight--;
      self->sending -= exec->sending;
      exec_free (exec);
      check_settled (self);
      return;
    }
  g_ptr_array_add (self->completions, exec);
  schedule_pump (self);
}

static void
agent_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Exec *exec = user_data;

  exec->output = aios_agent_run_finish (AIOS_AGENT (source), result, &exec->error);
  exec_finished (exec);
}

static void
send_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Exec *exec = user_data;

  exec->output = aios_connector_execute_finish (AIOS_CONNECTOR (source), result, &exec->error);
  if (exec->output == NULL && exec->error == NULL)
    exec->output = json_node_init_object (json_node_alloc (), json_object_new ());
  exec_finished (exec);
}

static JsonNode *
parse_json (const char *text)
{
  return text != NULL ? json_from_string (text, NULL) : NULL;
}

static JsonNode *
record_to_json (const AiosRecord *record)
{
  g_autoptr(JsonObject) obj = json_object_new ();

  json_object_set_int_member (obj, "id", record->id);
  json_object_set_int_member (obj, "version", record->version);
  json_object_set_string_member (obj, "kind", record->kind);
  json_object_set_string_member (obj, "title", record->title ? record->title : "");
  json_object_set_object_member (obj, "fields", record->fields ? json_object_ref (record->fields) : json_object_new ());
  json_object_set_string_member (obj, "body", record->body ? record->body : "");
  return json_node_init_object (json_node_alloc (), obj);
}

/* The step's memory queries: exact lookups, each found record (or null)
 * under its name, so `{{memory.contact.fields.name}}` reads it. */
static gboolean
read_memory (AiosCoordinator     *self,
             const AiosFlowStep  *step,
             JsonObject          *scope,
             GError             **error)
{
  g_autoptr(JsonObject) memory = json_object_new ();

  for (guint i = 0; step->memory_queries && i < json_array_get_length (step->memory_queries); i++)
    {
      JsonObject *q = json_array_get_object_element (step->memory_queries, i);
      g_autoptr(JsonNode) value = NULL;
      g_autoptr(AiosRecord) record = NULL;
      g_autoptr(GError) local_error = NULL;
      const char *as = json_object_get_string_member (q, "as");

      value = aios_template_expand (json_object_get_member (q, "value"), scope, error);
      if (value == NULL)
        return FALSE;
      if (self->memory != NULL && JSON_NODE_HOLDS_VALUE (value) &&
          json_node_get_value_type (value) == G_TYPE_STRING)
        record = aios_memory_find (self->memory, json_object_get_string_member (q, "kind"),
                                   json_object_get_string_member (q, "field"), json_node_get_string (value),
                                   &local_error);
      if (local_error != NULL && !g_error_matches (local_error, AIOS_MEMORY_ERROR, AIOS_MEMORY_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      json_object_set_member (memory, as, record ? record_to_json (record) : json_node_new (JSON_NODE_NULL));
    }
  json_object_set_object_member (scope, "memory", g_steal_pointer (&memory));
  return TRUE;
}

/* The step's view of the run: its input, the outputs of the earlier steps
 * it reads, and the memory it asks for (see AiosFlowStep). */
static JsonObject *
build_scope (AiosCoordinator     *self,
             gint64               run_id,
             const AiosFlowStep  *step,
             guint                idx,
             GError             **error)
{
  g_autoptr(JsonObject) scope = json_object_new ();
  g_autoptr(JsonObject) steps = json_object_new ();
  g_autoptr(JsonObject) run = json_object_new ();
  sqlite3_stmt *stmt;
  int rc;

  json_object_set_int_member (run, "id", run_id);
  json_object_set_object_member (scope, "run", g_steal_pointer (&run));

  if (step->reads_input)
    {
      JsonNode *input = NULL;

      stmt = aios_store_prepare (self->store, "SELECT input_json FROM runs WHERE id = ?", error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_int64 (stmt, 1, run_id);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        input = parse_json ((const char *) sqlite3_column_text (stmt, 0));
      sqlite3_reset (stmt);
      json_object_set_member (scope, "input",
                              input ? input : json_node_init_object (json_node_alloc (), json_object_new ()));
    }

  if (step->reads_steps != NULL && step->reads_steps[0] != NULL)
    {
      stmt = aios_store_prepare (self->store,
                                 "SELECT name, output_json FROM steps WHERE run_id = ? AND idx < ? "
                                 "AND status = 'succeeded' ORDER BY idx", error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_int64 (stmt, 1, run_id);
      sqlite3_bind_int (stmt, 2, idx);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          const char *name = (const char *) sqlite3_column_text (stmt, 0);
          JsonNode *output;

          if (!g_strv_contains ((const char * const *) step->reads_steps, name))
            continue;
          output = parse_json ((const char *) sqlite3_column_text (stmt, 1));
          json_object_set_member (steps, name,
                                  output ? output : json_node_init_object (json_node_alloc (), json_object_new ()));
        }
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        {
          aios_store_set_error (self->store, rc, error, _("read the run's steps"));
          return NULL;
        }
    }
  json_object_set_object_member (scope, "steps", g_steal_pointer (&steps));
  json_object_set_object_member (scope, "memory", json_object_new ());
  if (!read_memory (self, step, scope, error))
    return NULL;
  return g_steal_pointer (&scope);
}

static void
exec_start_send (Exec *exec)
{
  AiosCoordinator *self = exec->self;
  AiosConnector *connector;
  GError *error = NULL;

  exec->outbox = aios_coordinator_load_outbox (self, exec->step_id, &error);
  if (exec->outbox == NULL)
    {
      exec->error = error;
      exec_finished (exec);
      return;
    }
  connector = aios_coordinator_get_connector (self, json_object_get_string_member (exec->outbox, "connector"));
  if (connector == NULL)
    {
      /* Nothing went out: a permanent failure, not an unknown outcome. */
      exec->error = g_error_new (AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                                 _("No connector named “%s” is available; nothing was sent"),
                                 json_object_get_string_member (exec->outbox, "connector"));
      exec_finished (exec);
      return;
    }
  aios_connector_execute_async (connector, json_object_get_object_member (exec->outbox, "request"),
                                json_object_get_string_member (exec->outbox, "idempotency_key"),
                                exec->cancellable, send_done_cb, exec);
}

static gboolean
is_truthy (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return FALSE;
  if (JSON_NODE_HOLDS_ARRAY (node))
    return json_array_get_length (json_node_get_array (node)) > 0;
  if (JSON_NODE_HOLDS_OBJECT (node))
    return json_object_get_size (json_node_get_object (node)) > 0;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_BOOLEAN:
      return json_node_get_boolean (node);
    case G_TYPE_INT64:
      return json_node_get_int (node) != 0;
    case G_TYPE_DOUBLE:
      return json_node_get_double (node) != 0;
    case G_TYPE_STRING:
      return *json_node_get_string (node) != '\0';
    default:
      return FALSE;
    }
}

/* A step's "when" (or "unless") condition, read from what the step sees. */
static gboolean
condition_holds (const AiosFlowStep *step,
                 JsonObject         *scope)
{
  gboolean truthy = is_truthy (aios_template_lookup (scope, step->when));
  return step->when_negated ? !truthy : truthy;
}

static void
exec_start (Exec *exec)
{
  AiosCoordinator *self = exec->self;
  const AiosFlowStep *step = aios_flow_get_step (exec->flow, exec->idx);
  AiosAgent *agent = aios_agent_registry_lookup (self->agents, step->agent);
  g_autoptr(JsonObject) context = NULL;
  g_autoptr(JsonNode) config = NULL;
  GError *error = NULL;

  exec->cancellable = g_cancellable_new ();

  if (exec->sending)
    {
      exec_start_send (exec);
      return;
    }

  if (agent == NULL)
    {
      exec->error = g_error_new (AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                                 _("No agent plays the role “%s” in this workspace"), step->agent);
      exec_finished (exec);
      return;
    }

  exec->scope = build_scope (self, exec->run_id, step, exec->idx, &error);
  if (exec->scope != NULL && step->when != NULL && !condition_holds (step, exec->scope))
    {
      g_autoptr(JsonObject) out = json_object_new ();
      g_autofree char *reason = g_strdup_printf (step->when_negated ? "%s is true" : "%s is false", step->when);

      json_object_set_boolean_member (out, "skipped", TRUE);
      json_object_set_string_member (out, "reason", reason);
      exec->output = json_node_init_object (json_node_alloc (), g_steal_pointer (&out));
      exec->skipped = TRUE;
      exec_finished (exec);
      return;
    }
  if (exec->scope != NULL)
    config = aios_template_expand (step->config, exec->scope, &error);
  if (config == NULL)
    {
      exec->error = g_error_new (AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                                 _("Step %s could not be prepared: %s"), step->name, error->message);
      g_clear_error (&error);
      exec_finished (exec);
      return;
    }

  /* A replay reuses what the agent answered in the parent run. */
  if (exec->replay_of > 0)
    {
      sqlite3_stmt *stmt = aios_store_prepare (self->store,
                                               "SELECT output_json FROM steps WHERE run_id = ? AND idx = ? AND name = ? "
                                               "AND output_json IS NOT NULL", NULL);
      if (stmt != NULL)
        {
          sqlite3_bind_int64 (stmt, 1, exec->replay_of);
          sqlite3_bind_int (stmt, 2, exec->idx);
          sqlite3_bind_text (stmt, 3, step->name, -1, SQLITE_STATIC);
          if (sqlite3_step (stmt) == SQLITE_ROW)
            exec->output = parse_json ((const char *) sqlite3_column_text (stmt, 0));
          sqlite3_reset (stmt);
        }
      if (exec->output != NULL)
        {
          exec->replayed = TRUE;
          exec_finished (exec);
          return;
        }
    }

  /* The agent gets its own copy; the scope stays for the action's request. */
  context = json_object_new ();
  {
    JsonObjectIter iter;
    const char *name;
    JsonNode *value;

    json_object_iter_init (&iter, exec->scope);
    while (json_object_iter_next (&iter, &name, &value))
      json_object_set_member (context, name, json_node_ref (value));
  }
  json_object_set_member (context, "config", g_steal_pointer (&config));
  json_object_set_int_member (context, "run_id", exec->run_id);
  json_object_set_string_member (context, "step", step->name);
  json_object_set_int_member (context, "attempt", exec->attempt);
  aios_agent_run_async (agent, context, exec->cancellable, agent_done_cb, exec);
}

/* ---- recording outcomes (inside the group transaction) ---- */

static gboolean
error_is_retryable (const GError *error)
{
  if (error->domain == AIOS_AGENT_ERROR)
    return error->code == AIOS_AGENT_ERROR_RETRYABLE;
  if (error->domain == AIOS_CONNECTOR_ERROR)
    return error->code == AIOS_CONNECTOR_ERROR_RETRYABLE;
  if (error->domain == G_IO_ERROR)
    return error->code == G_IO_ERROR_TIMED_OUT || error->code == G_IO_ERROR_CONNECTION_REFUSED ||
           error->code == G_IO_ERROR_HOST_UNREACHABLE || error->code == G_IO_ERROR_NETWORK_UNREACHABLE ||
           error->code == G_IO_ERROR_BROKEN_PIPE || error->code == G_IO_ERROR_CONNECTION_CLOSED ||
           error->code == G_IO_ERROR_BUSY || error->code == G_IO_ERROR_WOULD_BLOCK;
  if (error->domain == AIOS_STORE_ERROR)
    return error->code == AIOS_STORE_ERROR_BUSY;
  return FALSE;
}

/* Exponential backoff with jitter: a delay drawn from [d/2, d] where
 * d = initial * 2^(attempt-1), capped; a Retry-After wins when longer. */
static gint64
backoff_ms (const AiosFlowStep *step,
            gint64              attempt,
            gint64              retry_after_ms)
{
  double d = (double) step->initial_delay_ms * (1u << MIN (attempt - 1, 30));
  gint64 delay;

  d = MIN (d, (double) step->max_delay_ms);
  delay = (gint64) (d / 2 + g_random_double () * d / 2);
  if (retry_after_ms > delay)
    delay = MIN (retry_after_ms, (gint64) 24 * 3600 * 1000);
  return MAX (delay, 1);
}

static gboolean
tx_step_still_running (AiosCoordinator *self,
                       Exec            *exec,
                       gboolean        *running,
                       GError         **error)
{
  sqlite3_stmt *stmt = aios_store_prepare (self->store,
                                           "SELECT s.status, s.attempt, r.status FROM steps s "
                                           "JOIN runs r ON r.id = s.run_id WHERE s.id = ?", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, exec->step_id);
  rc = sqlite3_step (stmt);
  *running = rc == SQLITE_ROW &&
             g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), "running") == 0 &&
             sqlite3_column_int64 (stmt, 1) == exec->attempt &&
             !aios_coordinator_is_terminal ((const char *) sqlite3_column_text (stmt, 2));
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return aios_store_set_error (self->store, rc, error, _("read a step"));
  return TRUE;
}

static AiosFlow *
run_flow (AiosCoordinator  *self,
          gint64            run_id,
          GError          **error)
{
  g_autofree char *flow_id = NULL;
  gint64 version = 0;
  sqlite3_stmt *stmt = aios_store_prepare (self->store, "SELECT flow_id, flow_version FROM runs WHERE id = ?", error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, run_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      flow_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      version = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);
  if (flow_id == NULL)
    {
      g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_NOT_FOUND,
                   _("There is no run %" G_GINT64_FORMAT), run_id);
      return NULL;
    }
  return aios_flow_registry_load_version (self->flows, flow_id, version, error);
}

/**
 * aios_coordinator_tx_advance:
 * @idx: the step that just succeeded
 * @next_step: (out): the next step's id (queued), or 0 when the run is done
 *
 * After a step succeeded: adds the run's next step, or finishes the run.
 */
gboolean
aios_coordinator_tx_advance (AiosCoordinator  *self,
                             gint64            run_id,
                             guint             idx,
                             gint64           *next_step,
                             GError          **error)
{
  g_autoptr(AiosFlow) flow = run_flow (self, run_id, error);

  *next_step = 0;
  if (flow == NULL)
    return FALSE;
  if (idx + 1 < aios_flow_get_n_steps (flow))
    return insert_step (self, run_id, flow, idx + 1, next_step, error);
  return aios_coordinator_set_run_status (self->store, run_id, NULL, "succeeded", NULL, "system",
                                          "Run succeeded", error);
}

/* What the agent said about why: its "rationale", or the reasons of a
 * rules scorer with the score ("score 60 of 35: names their company (+25)"). */
static char *
output_rationale (JsonNode *output)
{
  JsonObject *obj = output != NULL && JSON_NODE_HOLDS_OBJECT (output) ? json_node_get_object (output) : NULL;
  g_autoptr(GString) text = NULL;
  JsonArray *reasons;

  if (obj == NULL)
    return NULL;
  if (json_object_has_member (obj, "rationale") &&
      JSON_NODE_HOLDS_VALUE (json_object_get_member (obj, "rationale")))
    return g_strdup (json_object_get_string_member (obj, "rationale"));
  if (!json_object_has_member (obj, "reasons") || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (obj, "reasons")))
    return NULL;

  reasons = json_object_get_array_member (obj, "reasons");
  text = g_string_new (NULL);
  if (json_object_has_member (obj, "score"))
    g_string_append_printf (text, "score %g%s", json_object_get_double_member (obj, "score"),
                            json_object_get_boolean_member_with_default (obj, "qualified", FALSE)
                              ? " (qualified)" : " (not qualified)");
  for (guint i = 0; i < json_array_get_length (reasons); i++)
    g_string_append_printf (text, "%s%s", text->len ? (i == 0 ? ": " : "; ") : "",
                            json_array_get_string_element (reasons, i));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static gboolean
link_record (AiosStore   *store,
             gint64       event_id,
             JsonObject  *record,
             GError     **error)
{
  g_autofree char *id = NULL;

  if (record == NULL || !json_object_has_member (record, "id") || !json_object_has_member (record, "version"))
    return TRUE;
  id = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (record, "id"));
  return aios_journal_link (store, event_id, "record", id, json_object_get_int_member (record, "version"), error);
}

/* Links a step's event to every memory version it read (its memory
 * queries) and every one its agent says it used, so the timeline shows
 * which template, tone guideline and lead versions a draft came from. */
static gboolean
link_memory_used (AiosCoordinator  *self,
                  Exec             *exec,
                  gint64            event_id,
                  GError          **error)
{
  JsonObject *memory = exec->scope != NULL && json_object_has_member (exec->scope, "memory")
                         ? json_object_get_object_member (exec->scope, "memory") : NULL;
  JsonObject *out = exec->output != NULL && JSON_NODE_HOLDS_OBJECT (exec->output)
                      ? json_node_get_object (exec->output) : NULL;
  JsonArray *used = out != NULL && json_object_has_member (out, "memory_used") &&
                    JSON_NODE_HOLDS_ARRAY (json_object_get_member (out, "memory_used"))
                      ? json_object_get_array_member (out, "memory_used") : NULL;

  if (memory != NULL)
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *value;

      json_object_iter_init (&iter, memory);
      while (json_object_iter_next (&iter, &name, &value))
        if (JSON_NODE_HOLDS_OBJECT (value) && !link_record (self->store, event_id, json_node_get_object (value), error))
          return FALSE;
    }
  for (guint i = 0; used != NULL && i < json_array_get_length (used); i++)
    {
      JsonNode *element = json_array_get_element (used, i);
      if (JSON_NODE_HOLDS_OBJECT (element) &&
          !link_record (self->store, event_id, json_node_get_object (element), error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
tx_record_success (AiosCoordinator  *self,
                   Exec             *exec,
                   const char       *output_json,
                   GPtrArray        *claimed,
                   GError          **error)
{
  const AiosFlowStep *step = aios_flow_get_step (exec->flow, exec->idx);
  g_autofree char *summary = exec->skipped ? g_strdup_printf ("Step %s skipped", step->name)
                                           : g_strdup_printf ("Step %s succeeded", step->name);
  g_autofree char *rationale = exec->skipped
                                 ? g_strdup (json_object_get_string_member (json_node_get_object (exec->output), "reason"))
                                 : output_rationale (exec->output);
  g_autofree char *payload = g_strdup_printf ("{\"attempt\":%" G_GINT64_FORMAT "%s}", exec->attempt,
                                              exec->replayed ? ",\"recorded_output\":true" : "");
  g_autofree char *actor = exec->sending ? g_strdup ("system") : g_strconcat ("agent:", step->agent, NULL);
  sqlite3_stmt *stmt;
  gint64 next_id = 0;
  int rc;

  stmt = aios_store_prepare (self->store,
                             "UPDATE steps SET status = 'succeeded', output_json = COALESCE (?, output_json), "
                             "error = NULL, finished_at = ? WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, output_json, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, aios_store_now_ms ());
  sqlite3_bind_int64 (stmt, 3, exec->step_id);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return aios_store_set_error (self->store, rc, error, _("record a step"));
  if (!aios_coordinator_journal (self->store, exec->run_id, exec->step_id, actor,
                                 exec->skipped ? "step.skipped" : "step.succeeded",
                                 summary, rationale, payload, error))
    return FALSE;
  if (!exec->skipped && !link_memory_used (self, exec, aios_journal_last_id (self->store), error))
    return FALSE;

  if (exec->idx + 1 < aios_flow_get_n_steps (exec->flow))
    {
      Exec *next = NULL;

      gboolean deferred = FALSE;

      if (!insert_step (self, exec->run_id, exec->flow, exec->idx + 1, &next_id, error) ||
          !tx_claim (self, next_id, FALSE, &deferred, &next, error))
        return FALSE;
      if (next != NULL)
        g_ptr_array_add (claimed, next);
      return TRUE;
    }
  return aios_coordinator_set_run_status (self->store, exec->run_id, "running", "succeeded", NULL, "system",
                                          "Run succeeded", error);
}

static gboolean
tx_succeed (AiosCoordinator  *self,
            Exec             *exec,
            GPtrArray        *claimed,
            const char      **outcome,
            GError          **error)
{
  const AiosFlowStep *step = aios_flow_get_step (exec->flow, exec->idx);
  g_autofree char *output = NULL;

  if (exec->sending)
    {
      /* The action went out: record it with the step's success. */
      if (!aios_coordinator_tx_send_outcome (self, exec->run_id, exec->step_id,
                                             json_object_get_int_member (exec->outbox, "id"),
                                             json_object_get_string_member (exec->outbox, "connector"),
                                             exec->output, NULL, 0, error))
        return FALSE;
      *outcome = "succeeded";
      return tx_record_success (self, exec, NULL, claimed, error);
    }

  if (!exec->skipped && (step->action_connector != NULL || step->checkpoint != AIOS_CHECKPOINT_NONE))
    {
      const char *result = NULL;
      GError *step_error = NULL;

      if (!aios_coordinator_tx_checkpoint (self, exec->run_id, exec->step_id, step, exec->scope, exec->output,
                                           &result, &step_error, error))
        return FALSE;
      if (step_error != NULL)
        {
          /* Fail closed: the caller records the step's failure. */
          g_clear_pointer (&exec->output, json_node_unref);
          exec->error = step_error;
          return FALSE;
        }
      if (g_strcmp0 (result, "queued") == 0)
        {
          /* Allowed by a rule: the send is queued; the pump starts it
           * when fewer than MAX_SENDING are in flight. */

          *outcome = "queued";
          return TRUE;
        }
      if (g_strcmp0 (result, "succeeded") != 0)
        {
          *outcome = result;
          return TRUE;
        }
    }

  output = json_to_string (exec->output, FALSE);
  *outcome = "succeeded";
  return tx_record_success (self, exec, output, claimed, error);
}

static gboolean
tx_fail (AiosCoordinator  *self,
         Exec             *exec,
         const char      **outcome,
         GError          **error)
{
  const AiosFlowStep *step = aios_flow_get_step (exec->flow, exec->idx);
  g_autofree char *actor = exec->sending ? g_strconcat ("connector:", json_object_get_string_member (exec->outbox, "connector"), NULL)
                                         : g_strconcat ("agent:", step->agent, NULL);
  g_autofree char *summary = NULL;
  g_autofree char *attention = NULL;
  g_autofree char *payload = NULL;
  gboolean retryable = error_is_retryable (exec->error);
  gboolean retry = retryable && exec->attempt < step->max_attempts;
  gint64 retry_after = exec->error->domain == AIOS_CONNECTOR_ERROR
                         ? aios_connector_error_get_retry_after_ms (exec->error) : -1;
  gint64 delay = retry ? backoff_ms (step, exec->attempt, retry_after) : 0;
  gint64 at = retry ? aios_store_now_ms () + delay : 0;
  sqlite3_stmt *stmt;
  int rc;

  if (exec->sending && exec->outbox != NULL &&
      !aios_coordinator_tx_send_outcome (self, exec->run_id, exec->step_id,
                                         json_object_get_int_member (exec->outbox, "id"),
                                         json_object_get_string_member (exec->outbox, "connector"),
                                         NULL, exec->error, at, error))
    return FALSE;

  if (retry)
    {
      stmt = aios_store_prepare (self->store,
                                 "UPDATE steps SET status = 'waiting', next_attempt_at = ?, error = ? "
                                 "WHERE id = ?", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, at);
      sqlite3_bind_text (stmt, 2, exec->error->message, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 3, exec->step_id);
      rc = sqlite3_step (stmt);
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        return aios_store_set_error (self->store, rc, error, _("record a step"));

      summary = g_strdup_printf ("Step %s failed (attempt %" G_GINT64_FORMAT " of %u); retrying in %.1f s",
                                 step->name, exec->attempt, step->max_attempts, delay / 1000.0);
      payload = g_strdup_printf ("{\"attempt\":%" G_GINT64_FORMAT ",\"delay_ms\":%" G_GINT64_FORMAT
                                 ",\"retry_after_ms\":%" G_GINT64_FORMAT ",\"next_attempt_at\":%" G_GINT64_FORMAT "}",
                                 exec->attempt, delay, MAX (retry_after, 0), at);
      if (!aios_coordinator_journal (self->store, exec->run_id, exec->step_id, actor, "step.retry-scheduled",
                                     summary, exec->error->message, payload, error))
        return FALSE;
      *outcome = "waiting";
      return aios_coordinator_set_run_status (self->store, exec->run_id, "running", "waiting", NULL, "system",
                                              "Run waiting for a retry", error);
    }

  stmt = aios_store_prepare (self->store,
                             "UPDATE steps SET status = 'failed', error = ?, finished_at = ? WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, exec->error->message, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, aios_store_now_ms ());
  sqlite3_bind_int64 (stmt, 3, exec->step_id);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return aios_store_set_error (self->store, rc, error, _("record a step"));

  summary = g_strdup_printf ("Step %s failed", step->name);
  payload = g_strdup_printf ("{\"attempt\":%" G_GINT64_FORMAT ",\"retryable\":%s}", exec->attempt,
                             retryable ? "true" : "false");
  if (!aios_coordinator_journal (self->store, exec->run_id, exec->step_id, actor, "step.failed", summary,
                                 exec->error->message, payload, error))
    return FALSE;

  if (g_error_matches (exec->error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_UNKNOWN_OUTCOME))
    attention = g_strdup_printf (_("Step “%s”: the outward action may or may not have happened (%s). It is not "
                                   "resent: check with the recipient, then retry the run or leave it."),
                                 step->name, exec->error->message);
  else if (retryable)
    attention = g_strdup_printf (_("Step “%s” failed %" G_GINT64_FORMAT " times; the last error: %s"),
                                 step->name, exec->attempt, exec->error->message);
  else
    attention = g_strdup_printf (_("Step “%s” failed: %s"), step->name, exec->error->message);
  *outcome = "failed";
  return aios_coordinator_set_run_status (self->store, exec->run_id, "running", "failed", attention, "system",
                                          "Run failed and needs attention", error);
}

static const char *
tx_complete (AiosCoordinator  *self,
             Exec             *exec,
             GPtrArray        *claimed,
             GError          **error)
{
  const char *outcome = NULL;
  gboolean running = FALSE;

  if (!tx_step_still_running (self, exec, &running, error))
    return NULL;
  if (!running)
    {
      /* Cancelled meanwhile. An action that went out is still recorded:
       * what was sent stays sent. */
      if (exec->sending && exec->outbox != NULL &&
          !aios_coordinator_tx_send_outcome (self, exec->run_id, exec->step_id,
                                             json_object_get_int_member (exec->outbox, "id"),
                                             json_object_get_string_member (exec->outbox, "connector"),
                                             exec->output, exec->error, 0, error))
        return NULL;
      return "";
    }
  if (exec->error == NULL)
    {
      if (tx_succeed (self, exec, claimed, &outcome, error))
        return outcome;
      if (exec->error == NULL)
        return NULL;
    }
  return tx_fail (self, exec, &outcome, error) ? outcome : NULL;
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
      const char *outcome;

      if (!aios_store_begin (self->store, &error))
        break;
      outcome = tx_complete (self, exec, claimed, &error);
      if (outcome == NULL)
        {
          aios_store_rollback (self->store);
          break;
        }
      aios_store_commit (self->store, NULL);
      g_ptr_array_add (batch, exec);
      g_ptr_array_add (outcomes, (gpointer) outcome);
    }

  if (error != NULL || !aios_store_commit (self->store, &error))
    {
      if (aios_store_in_transaction (self->store))
        aios_store_rollback (self->store);
      for (guint i = claimed->len; i > 0; i--)
        exec_free (g_ptr_array_index (claimed, i - 1));
      stall (self, error);
      return FALSE;
    }

  /* Durable: now acknowledge. */
  g_ptr_array_remove_range (self->completions, 0, batch->len);
  for (guint i = 0; i < batch->len; i++)
    {
      Exec *exec = g_ptr_array_index (batch, i);
      const char *outcome = g_ptr_array_index (outcomes, i);

      g_hash_table_remove (self->known, ID_TO_PTR (exec->step_id));
      self->inflight--;
      if (exec->sending)
        {
          self->sending--;
          while (!g_queue_is_empty (&self->send_waiting))
            {
              gint64 id = PTR_TO_ID (g_queue_pop_head (&self->send_waiting));
              g_hash_table_remove (self->known, ID_TO_PTR (id));
              enqueue (self, id);
            }
        }
      if (g_str_equal (outcome, "queued"))
        enqueue (self, exec->step_id);
      if (*outcome != '\0')
        {
          g_signal_emit (self, signals[STEP_FINISHED], 0, exec->run_id, exec->step_id, outcome);
          aios_coordinator_notify_run (self, exec->run_id);
        }
      exec_free (exec);
    }
  for (guint i = 0; i < claimed->len; i++)
    {
      Exec *exec = g_ptr_array_index (claimed, i);
      g_hash_table_insert (self->known, ID_TO_PTR (exec->step_id), exec);
      self->inflight++;
    }
  for (guint i = 0; i < claimed->len; i++)
    exec_start (g_ptr_array_index (claimed, i));
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
  if (self->active && !g_queue_is_empty (&self->ready) && self->inflight < MAX_INFLIGHT)
    {
      if (!claim_batch (self))
        return G_SOURCE_REMOVE;
      if (!g_queue_is_empty (&self->ready) && self->inflight < MAX_INFLIGHT)
        {
          self->pump_source = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, pump_cb, self, NULL);
          return G_SOURCE_REMOVE;
        }
    }

  check_settled (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_pump (AiosCoordinator *self)
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
  if (!scan_due (self, &error))
    g_warning ("%s", error->message);
  rearm_timer (self);
  schedule_pump (self);
}

static gint64
data_version (AiosCoordinator *self)
{
  sqlite3_stmt *stmt = aios_store_prepare (self->store, "PRAGMA data_version", NULL);
  gint64 version = 0;

  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int64 (stmt, 0);
  if (stmt != NULL)
    sqlite3_reset (stmt);
  return version;
}

static gboolean
poll_cb (gpointer user_data)
{
  AiosCoordinator *self = user_data;
  gint64 version = data_version (self);

  if (version != self->data_version)
    {
      self->data_version = version;
      aios_coordinator_wake (self);
    }
  return G_SOURCE_CONTINUE;
}

/* ---- start-up and recovery ---- */

static gboolean
take_lock (AiosCoordinator  *self,
           GError          **error)
{
  g_autofree char *path = g_strconcat (aios_store_get_path (self->store), ".coordinator.lock", NULL);
  int fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_READ_ONLY,
                   _("Could not create %s: %s"), path, g_strerror (saved));
      return FALSE;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      close (fd);
      g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_LOCKED,
                   _("Another Aios process is running the coordinator of %s"),
                   aios_store_get_path (self->store));
      return FALSE;
    }
  self->lock_fd = fd;
  return TRUE;
}

/* Steps left "running" by a previous process were interrupted mid-attempt.
 * Agent work is re-run (agents have no side effects); the outbox keeps
 * outward actions from repeating. */
static gboolean
recover_interrupted (AiosCoordinator  *self,
                     GError          **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) runs = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt;
  int rc;

  stmt = aios_store_prepare (self->store,
                             "SELECT s.id, s.run_id FROM steps s JOIN runs r ON r.id = s.run_id "
                             "WHERE s.status = 'running' AND r.status IN ('queued','running','waiting')",
                             error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      gint64 run = sqlite3_column_int64 (stmt, 1);
      g_array_append_val (ids, id);
      g_array_append_val (runs, run);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return aios_store_set_error (self->store, rc, error, _("read the runs"));
  if (ids->len == 0)
    return TRUE;

  if (!aios_store_begin (self->store, error))
    return FALSE;
  for (guint i = 0; i < ids->len; i++)
    {
      gint64 id = g_array_index (ids, gint64, i);
      gint64 run = g_array_index (runs, gint64, i);

      stmt = aios_store_prepare (self->store, "UPDATE steps SET status = 'queued' WHERE id = ?", error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_int64 (stmt, 1, id);
      rc = sqlite3_step (stmt);
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        {
          aios_store_set_error (self->store, rc, error, _("resume a step"));
          goto fail;
        }
      if (!aios_coordinator_journal (self->store, run, id, "system", "step.interrupted",
                                     "Step interrupted by a stop; it runs again", NULL, NULL, error))
        goto fail;
    }
  return aios_store_commit (self->store, error);

fail:
  aios_store_rollback (self->store);
  return FALSE;
}

/**
 * aios_coordinator_start:
 *
 * Becomes this workspace's active coordinator: takes the workspace's
 * coordinator lock, resumes every non-terminal run (steps already finished
 * are not run again), and from then on carries runs forward on the main
 * loop. Fails with %AIOS_COORDINATOR_ERROR_LOCKED when another process is
 * the coordinator (that one then does the work). Starting twice is harmless.
 */
gboolean
aios_coordinator_start (AiosCoordinator  *self,
                        GError          **error)
{
  g_return_val_if_fail (AIOS_IS_COORDINATOR (self), FALSE);

  if (self->active)
    return TRUE;
  if (!take_lock (self, error))
    return FALSE;
  if (!aios_store_begin (self->store, error))
    {
      close (self->lock_fd);
      self->lock_fd = -1;
      return FALSE;
    }
  if (!aios_coordinator_tx_recover_sending (self, error))
    {
      aios_store_rollback (self->store);
      close (self->lock_fd);
      self->lock_fd = -1;
      return FALSE;
    }
  if (!aios_store_commit (self->store, error) || !recover_interrupted (self, error))
    {
      close (self->lock_fd);
      self->lock_fd = -1;
      return FALSE;
    }

  self->active = TRUE;
  self->data_version = data_version (self);
  self->poll_source = g_timeout_add_full (G_PRIORITY_DEFAULT, POLL_INTERVAL_MS, poll_cb, self, NULL);
  aios_coordinator_wake (self);
  return TRUE;
}

gboolean
aios_coordinator_is_active (AiosCoordinator *self)
{
  g_return_val_if_fail (AIOS_IS_COORDINATOR (self), FALSE);
  return self->active;
}

static gboolean
remove_if_null (gpointer key,
                gpointer value,
                gpointer user_data)
{
  return value == NULL;
}

/**
 * aios_coordinator_stop:
 *
 * Stops carrying runs forward (work in flight is abandoned and resumes at
 * the next start) and releases the lock.
 */
void
aios_coordinator_stop (AiosCoordinator *self)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (AIOS_IS_COORDINATOR (self));

  g_clear_handle_id (&self->pump_source, g_source_remove);
  g_clear_handle_id (&self->timer_source, g_source_remove);
  g_clear_handle_id (&self->poll_source, g_source_remove);
  g_clear_handle_id (&self->stall_source, g_source_remove);
  self->stalled = FALSE;
  self->active = FALSE;

  /* In-flight executions keep a pointer to us; cancel them and let their
   * callbacks land in the completions list, which is dropped here. */
  g_hash_table_iter_init (&iter, self->known);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (value != NULL && ((Exec *) value)->cancellable != NULL)
      g_cancellable_cancel (((Exec *) value)->cancellable);
  g_queue_clear (&self->ready);
  while (!g_queue_is_empty (&self->send_waiting))
    g_hash_table_remove (self->known, g_queue_pop_head (&self->send_waiting));
  g_hash_table_foreach_remove (self->known, (GHRFunc) (void *) remove_if_null, NULL);

  if (self->lock_fd >= 0)
    {
      close (self->lock_fd);
      self->lock_fd = -1;
    }
  check_settled (self);
}

/* ---- the public API ---- */

/**
 * aios_coordinator_submit:
 * @flow_id: a flow aios_flow_registry_list() knows
 * @input: (nullable): the run's input, a JSON object (checked against the
 *   flow's input schema)
 * @actor: who asks: "operator", "system", "agent:<role>"
 *
 * Creates a queued run of the flow's current definition (recording that
 * version) with its first step, journaled. The active coordinator starts it.
 *
 * Returns: the run id, or 0 with @error set
 */
gint64
aios_coordinator_submit (AiosCoordinator  *self,
                         const char       *flow_id,
                         JsonNode         *input,
                         const char       *actor,
                         GError          **error)
{
  g_autoptr(AiosFlow) flow = NULL;
  g_autoptr(JsonNode) empty = NULL;
  g_autofree char *input_json = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *payload = NULL;
  gint64 version, run_id, step_id;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (AIOS_IS_COORDINATOR (self), 0);
  g_return_val_if_fail (flow_id != NULL, 0);

  flow = aios_flow_registry_lookup (self->flows, flow_id, error);
  if (flow == NULL)
    return 0;
  if (input == NULL)
    input = empty = json_node_init_object (json_node_alloc (), json_object_new ());
  if (!aios_flow_check_input (flow, input, error))
    return 0;
  input_json = json_to_string (input, FALSE);

  if (!aios_store_begin (self->store, error))
    return 0;
  version = aios_flow_registry_ensure_version (self->flows, flow, error);
  if (version == 0)
    goto fail;

  stmt = aios_store_prepare (self->store,
                             "INSERT INTO runs (flow_id, flow_version, status, input_json, created_at, updated_at) "
                             "VALUES (?, ?, 'queued', ?, ?, ?)", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, flow_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, version);
  sqlite3_bind_text (stmt, 3, input_json, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, aios_store_now_ms ());
  sqlite3_bind_int64 (stmt, 5, aios_store_now_ms ());
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      aios_store_set_error (self->store, rc, error, _("start a run"));
      goto fail;
    }
  run_id = sqlite3_last_insert_rowid (aios_store_get_db (self->store));

  summary = g_strdup_printf ("Run of %s created", flow_id);
  payload = g_strdup_printf ("{\"flow\":\"%s\",\"version\":%" G_GINT64_FORMAT "}", flow_id, version);
  if (!aios_coordinator_journal (self->store, run_id, 0, actor ? actor : "operator", "run.created", summary,
                                 NULL, payload, error))
    goto fail;
  if (!insert_step (self, run_id, flow, 0, &step_id, error))
    goto fail;
  if (!aios_store_commit (self->store, error))
    return 0;

  aios_coordinator_notify_run (self, run_id);
  if (self->active)
    enqueue (self, step_id);
  return run_id;

fail:
  aios_store_rollback (self->store);
  return 0;
}

/**
 * aios_coordinator_tx_add_step:
 *
 * Adds step @idx of the run's flow version, queued.
 */
gboolean
aios_coordinator_tx_add_step (AiosCoordinator  *self,
                              gint64            run_id,
                              guint             idx,
                              GError          **error)
{
  g_autoptr(AiosFlow) flow = run_flow (self, run_id, error);
  gint64 id;

  return flow != NULL && insert_step (self, run_id, flow, idx, &id, error);
}

static gboolean
cancel_pending (AiosCoordinator  *self,
                gint64            run_id,
                const char       *actor,
                GError          **error)
{
  g_autoptr(GArray) approvals = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) items = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt;
  int rc;

  stmt = aios_store_prepare (self->store, "UPDATE approvals SET status = 'cancelled', decided_at = ?, decided_by = ? "
                                          "WHERE run_id = ? AND status = 'pending' RETURNING id", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, aios_store_now_ms ());
  sqlite3_bind_text (stmt, 2, actor, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, run_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (approvals, id);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return aios_store_set_error (self->store, rc, error, _("cancel an approval"));

  stmt = aios_store_prepare (self->store, "UPDATE outbox SET status = 'cancelled', updated_at = ? "
                                          "WHERE run_id = ? AND status = 'prepared' RETURNING id", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, aios_store_now_ms ());
  sqlite3_bind_int64 (stmt, 2, run_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (items, id);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return aios_store_set_error (self->store, rc, error, _("cancel an outward action"));

  for (guint i = 0; i < approvals->len; i++)
    {
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, g_array_index (approvals, gint64, i));
      g_autofree char *summary = g_strdup_printf ("Approval %s cancelled with its run", id);
      AiosEventLink link = { "approval", id, 0 };
      AiosEvent ev = { .run_id = run_id, .actor = (char *) actor, .kind = (char *) "approval.cancelled",
                       .summary = summary };

      if (aios_journal_append_linked (self->store, &ev, &link, 1, error) == 0)
        return FALSE;
    }
  for (guint i = 0; i < items->len; i++)
    {
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, g_array_index (items, gint64, i));
      g_autofree char *summary = g_strdup_printf ("Outbox %s cancelled before it was sent", id);
      AiosEventLink link = { "outbox", id, 0 };
      AiosEvent ev = { .run_id = run_id, .actor = (char *) actor, .kind = (char *) "outbox.cancelled",
                       .summary = summary };

      if (aios_journal_append_linked (self->store, &ev, &link, 1, error) == 0)
        return FALSE;
    }
  return TRUE;
}

/**
 * aios_coordinator_tx_cancel:
 *
 * Cancels an open run inside the caller's transaction: its open steps,
 * pending approvals and unsent outbox items.
 */
gboolean
aios_coordinator_tx_cancel (AiosCoordinator  *self,
                            gint64            run_id,
                            const char       *actor,
                            GError          **error)
{
  g_autoptr(GArray) steps = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *status = aios_coordinator_get_run_status (self->store, run_id);
  sqlite3_stmt *stmt;
  int rc;

  if (status == NULL)
    {
      g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_NOT_FOUND,
                   _("There is no run %" G_GINT64_FORMAT), run_id);
      return FALSE;
    }
  if (aios_coordinator_is_terminal (status))
    {
      g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_STATE,
                   _("Run %" G_GINT64_FORMAT " has already %s"), run_id, status);
      return FALSE;
    }

  stmt = aios_store_prepare (self->store,
                             "SELECT id FROM steps WHERE run_id = ? AND status IN ('queued','running','waiting')",
                             error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, run_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (steps, id);
    }
  sqlite3_reset (stmt);

  for (guint i = 0; i < steps->len; i++)
    {
      gint64 id = g_array_index (steps, gint64, i);

      stmt = aios_store_prepare (self->store,
                                 "UPDATE steps SET status = 'cancelled', finished_at = ? WHERE id = ?", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, aios_store_now_ms ());
      sqlite3_bind_int64 (stmt, 2, id);
      rc = sqlite3_step (stmt);
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        return aios_store_set_error (self->store, rc, error, _("cancel a step"));
      if (!aios_coordinator_journal (self->store, run_id, id, actor, "step.cancelled", "Step cancelled",
                                     NULL, NULL, error))
        return FALSE;
    }

  if (!cancel_pending (self, run_id, actor, error))
    return FALSE;
  return aios_coordinator_set_run_status (self->store, run_id, NULL, "cancelled", NULL, actor,
                                          "Run cancelled", error);
}

/**
 * aios_coordinator_cancel:
 *
 * Cancels a run that has not finished: its open steps become cancelled
 * (an agent in flight is told to stop; its result is discarded), journaled.
 */
gboolean
aios_coordinator_cancel (AiosCoordinator  *self,
                         gint64            run_id,
                         const char       *actor,
                         GError          **error)
{
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (AIOS_IS_COORDINATOR (self), FALSE);

  if (!aios_store_begin (self->store, error))
    return FALSE;
  if (!aios_coordinator_tx_cancel (self, run_id, actor ? actor : "operator", error))
    {
      aios_store_rollback (self->store);
      return FALSE;
    }
  if (!aios_store_commit (self->store, error))
    return FALSE;

  g_hash_table_iter_init (&iter, self->known);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (value != NULL && ((Exec *) value)->run_id == run_id && ((Exec *) value)->cancellable != NULL)
      g_cancellable_cancel (((Exec *) value)->cancellable);
  aios_coordinator_notify_run (self, run_id);
  return TRUE;
}

/**
 * aios_coordinator_approve:
 * @approval_id: a pending approval
 * @edits: (nullable): the operator's edits, a JSON object merged into the
 *   request (RFC 7386 merge patch); kept as a diff
 * @actor: "operator"
 * @reason: (nullable): why, kept with the decision
 *
 * Approves: the decision (and the edit diff) is journaled and written to
 * memory as a decision record; the action is queued in the outbox and sent
 * once, with the step's idempotency key. Refused when the approval is not
 * pending, has expired, or the edited request is invalid.
 */
gboolean
aios_coordinator_approve (AiosCoordinator  *self,
                          gint64            approval_id,
                          JsonNode         *edits,
                          const char       *actor,
                          const char       *reason,
                          GError          **error)
{
  gint64 next_step = 0;
  gint64 run_id;

  g_return_val_if_fail (AIOS_IS_COORDINATOR (self), FALSE);

  if (!aios_store_begin (self->store, error))
    return FALSE;
  if (!aios_coordinator_tx_approve (self, approval_id, edits, actor ? actor : "operator", reason, &next_step, error))
    {
      aios_store_rollback (self->store);
      return FALSE;
    }
  if (!aios_store_commit (self->store, error))
    return FALSE;

  run_id = aios_approval_run_id (self->store, approval_id);
  aios_coordinator_notify_run (self, run_id);
  if (self->active && next_step > 0)
    enqueue (self, next_step);
  return TRUE;
}

/**
 * aios_coordinator_reject:
 * @reason: why (required), kept as a decision record
 *
 * Rejects: nothing is sent and the run is cancelled; journaled.
 */
gboolean
aios_coordinator_reject (AiosCoordinator  *self,
                         gint64            approval_id,
                         const char       *actor,
                         const char       *reason,
                         GError          **error)
{
  g_return_val_if_fail (AIOS_IS_COORDINATOR (self), FALSE);

  if (reason == NULL || *reason == '\0')
    {
      g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_STATE,
                   _("A rejection needs a reason (it is kept as a decision record)"));
      return FALSE;
    }
  if (!aios_store_begin (self->store, error))
    return FALSE;
  if (!aios_coordinator_tx_reject (self, approval_id, actor ? actor : "operator", reason, error))
    {
      aios_store_rollback (self->store);
      return FALSE;
    }
  if (!aios_store_commit (self->store, error))
    return FALSE;
  aios_coordinator_notify_run (self, aios_approval_run_id (self->store, approval_id));
  return TRUE;
}

/**
 * aios_coordinator_settle_async:
 *
 * Completes once no work is due now: every run is finished, waiting for the
 * operator, or waiting for a retry timer in the future. Completes at once
 * when this coordinator is not active.
 */
void
aios_coordinator_settle_async (AiosCoordinator     *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, aios_coordinator_settle_async);
  g_ptr_array_add (self->settle_waiters, task);
  if (self->active)
    aios_coordinator_wake (self);
  check_settled (self);
}

gboolean
aios_coordinator_settle_finish (AiosCoordinator  *self,
                                GAsyncResult     *result,
                                GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
