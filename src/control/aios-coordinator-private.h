/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-approvals.h"
#include "aios-coordinator.h"
#include "aios-outbox.h"
#include "exec/aios-connector.h"

G_BEGIN_DECLS

/* How a step attempt ended, once its transaction is written. */
typedef enum {
  AIOS_STEP_OUTCOME_NONE,       /* nothing was recorded (the transaction failed) */
  AIOS_STEP_OUTCOME_CANCELLED,  /* the run was cancelled meanwhile: nothing to announce */
  AIOS_STEP_OUTCOME_SUCCEEDED,
  AIOS_STEP_OUTCOME_QUEUED,     /* its action is allowed: the send comes next */
  AIOS_STEP_OUTCOME_WAITING,    /* for an approval, or for its retry */
  AIOS_STEP_OUTCOME_FAILED,
} AiosStepOutcome;

/* "succeeded", "queued", "waiting", "failed": the step-finished signal's words. */
const char *aios_step_outcome_to_string (AiosStepOutcome outcome);

/* Shared by the coordinator's files (transitions, actions, forks). All of
 * these run inside the caller's open transaction. */

gboolean aios_coordinator_journal  (AiosStore   *store,
                                    gint64       run_id,
                                    gint64       step_id,
                                    const char  *actor,
                                    const char  *kind,
                                    const char  *summary,
                                    const char  *rationale,
                                    const char  *payload_json,
                                    GError     **error);
gboolean aios_coordinator_journal_linked (AiosStore   *store,
                                          gint64       run_id,
                                          gint64       step_id,
                                          const char  *actor,
                                          const char  *kind,
                                          const char  *summary,
                                          const char  *rationale,
                                          const char  *payload_json,
                                          const char  *link_kind,
                                          gint64       link_id,
                                          GError     **error);
gboolean aios_coordinator_set_run_status (AiosStore   *store,
                                          gint64       run_id,
                                          const char  *from,
                                          const char  *to,
                                          const char  *attention,
                                          const char  *actor,
                                          const char  *summary,
                                          GError     **error);
char    *aios_coordinator_get_run_status (AiosStore   *store,
                                          gint64       run_id);
void     aios_coordinator_notify_run (AiosCoordinator *self,
                                      gint64           run_id);
char    *aios_coordinator_action_key     (AiosStore  *store,
                                          const char *about);
char    *aios_coordinator_idempotency_key (AiosStore *store,
                                           gint64     run_id,
                                           guint      idx);
gboolean aios_coordinator_is_terminal (const char *status);

AiosConnector *aios_coordinator_get_connector (AiosCoordinator *self,
                                               const char      *name);

/* aios-coordinator-actions.c */
gboolean    aios_coordinator_tx_checkpoint    (AiosCoordinator     *self,
                                               gint64               run_id,
                                               gint64               step_id,
                                               const AiosFlowStep  *step,
                                               JsonObject          *scope,
                                               JsonNode            *output,
                                               AiosStepOutcome     *outcome,
                                               GError             **step_error,
                                               GError             **error);
gboolean    aios_coordinator_tx_mark_sending  (AiosCoordinator     *self,
                                               gint64               run_id,
                                               gint64               step_id,
                                               gboolean            *ok,
                                               GError             **error);
AiosOutboxItem *aios_coordinator_load_outbox  (AiosCoordinator     *self,
                                               gint64               step_id,
                                               GError             **error);
gboolean    aios_coordinator_tx_send_outcome  (AiosCoordinator     *self,
                                               gint64               run_id,
                                               gint64               step_id,
                                               gint64               outbox_id,
                                               const char          *connector,
                                               JsonNode            *response,
                                               const GError        *send_error,
                                               gint64               retry_at,
                                               GError             **error);
gboolean    aios_coordinator_tx_recover_sending (AiosCoordinator   *self,
                                                 GError           **error);
gboolean    aios_coordinator_tx_approve       (AiosCoordinator     *self,
                                               gint64               approval_id,
                                               JsonNode            *edits,
                                               const char          *actor,
                                               const char          *reason,
                                               gint64              *next_step,
                                               gint64              *send_at,
                                               GError             **error);
gboolean    aios_coordinator_write_decision   (AiosCoordinator     *self,
                                               const AiosApprovalInfo *a,
                                               const char          *outcome,
                                               const char          *actor,
                                               const char          *reason,
                                               const char          *diff_json,
                                               GError             **error);
gboolean    aios_coordinator_tx_reject        (AiosCoordinator     *self,
                                               gint64               approval_id,
                                               const char          *actor,
                                               const char          *reason,
                                               GError             **error);
int         aios_coordinator_tx_expire        (AiosCoordinator     *self,
                                               GError             **error);
gint64      aios_coordinator_next_expiry      (AiosCoordinator     *self);

/* aios-coordinator.c */
void        aios_coordinator_finish_drain     (AiosCoordinator     *self);
gboolean    aios_coordinator_tx_add_step      (AiosCoordinator     *self,
                                               gint64               run_id,
                                               guint                idx,
                                               GError             **error);
gboolean    aios_coordinator_tx_cancel        (AiosCoordinator     *self,
                                               gint64               run_id,
                                               const char          *actor,
                                               GError             **error);
gboolean    aios_coordinator_tx_advance       (AiosCoordinator     *self,
                                               gint64               run_id,
                                               guint                idx,
                                               gint64              *next_step,
                                               GError             **error);

/* ---- the coordinator's insides, shared by its files ---- */

#define ID_TO_PTR(id) ((gpointer) (gintptr) (id))
#define PTR_TO_ID(p)  ((gint64) (gintptr) (p))

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
  gint64             started_at;   /* g_get_real_time() of the start; 0 when stopped */
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
  gint64             settle_not_before; /* ms: a one-shot waits out the undo grace it started */
  guint              settle_source;
  gboolean           draining;     /* no new claims: finishing what is in flight */
  GPtrArray         *drain_waiters;
  guint              drain_source;
  gint64             next_schedule_at; /* ms: the earliest tick of a schedule; 0: none */
};

/* One step attempt in flight: an agent call or an outbox send. */
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
  AiosOutboxItem  *outbox;      /* phase "send": the item being sent */
  JsonNode        *output;
  GError          *error;
  gboolean         skipped;     /* its "when"/"unless" said no: no agent, no action */
  gboolean         waited;      /* a "wait" step whose wait is over: its agent runs now */
  gint64           wait_until;  /* a "wait" step reached: it waits until then (ms), no agent yet */
  char            *wait_label;
} Exec;

/* aios-coordinator.c */
void        aios_coordinator_schedule_pump    (AiosCoordinator     *self);
void        aios_coordinator_check_settled    (AiosCoordinator     *self);
void        aios_coordinator_enqueue          (AiosCoordinator     *self,
                                               gint64               step_id);
gboolean    aios_coordinator_insert_step      (AiosCoordinator     *self,
                                               gint64               run_id,
                                               AiosFlow            *flow,
                                               guint                idx,
                                               gint64              *out_id,
                                               GError             **error);
gboolean    aios_coordinator_tx_claim         (AiosCoordinator     *self,
                                               gint64               step_id,
                                               gboolean             may_send,
                                               gboolean            *deferred,
                                               Exec               **out_exec,
                                               GError             **error);
void        aios_coordinator_exec_free        (Exec                *exec);

/* aios-coordinator-step.c: executing a step and recording its outcome */
void        aios_coordinator_exec_start       (Exec                *exec);
void        aios_coordinator_exec_finished    (Exec                *exec);
AiosStepOutcome aios_coordinator_tx_complete  (AiosCoordinator     *self,
                                               Exec                *exec,
                                               GPtrArray           *claimed,
                                               GError             **error);
AiosFlow   *aios_coordinator_run_flow         (AiosCoordinator     *self,
                                               gint64               run_id,
                                               GError             **error);

/* aios-coordinator-schedules.c: flows' schedules */
void        aios_coordinator_sync_schedules   (AiosCoordinator     *self);
void        aios_coordinator_tick_schedules   (AiosCoordinator     *self);

/* aios-coordinator-runs.c: submit, cancel, decide */

G_END_DECLS
