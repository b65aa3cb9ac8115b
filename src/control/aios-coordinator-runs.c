/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The coordinator's public verbs on runs: submit, cancel, approve, reject.
 * Each is one transaction with its journal events; the active coordinator
 * (this process's or another's) carries the run on.
 */
#define G_LOG_DOMAIN "aios-control"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "aios-approvals.h"
#include "aios-coordinator-private.h"
#include "aios-outbox.h"
#include "aios-runs.h"
#include "store/aios-journal.h"

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

  g_return_val_if_fail (AIOS_IS_COORDINATOR (self), 0);
  g_return_val_if_fail (flow_id != NULL, 0);

  flow = aios_flow_registry_lookup (self->flows, flow_id, error);
  if (flow == NULL)
    return 0;
  if (input == NULL)
    input = empty = json_from_string ("{}", NULL);
  if (!aios_flow_check_input (flow, input, error))
    return 0;
  input_json = json_to_string (input, FALSE);

  if (!aios_store_begin (self->store, error))
    return 0;
  version = aios_flow_registry_ensure_version (self->flows, flow, error);
  if (version == 0)
    goto fail;

  run_id = aios_runs_insert (self->store, flow_id, version, input_json, error);
  if (run_id == 0)
    goto fail;

  summary = g_strdup_printf ("Run of %s created", flow_id);
  payload = g_strdup_printf ("{\"flow\":\"%s\",\"version\":%" PRId64 "}", flow_id, version);
  if (!aios_coordinator_journal (self->store, run_id, 0, actor ? actor : "operator", "run.created", summary,
                                 NULL, payload, error))
    goto fail;
  if (!aios_coordinator_insert_step (self, run_id, flow, 0, &step_id, error))
    goto fail;
  if (!aios_store_commit (self->store, error))
    return 0;

  aios_coordinator_notify_run (self, run_id);
  if (self->active)
    aios_coordinator_enqueue (self, step_id);
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
  g_autoptr(AiosFlow) flow = aios_coordinator_run_flow (self, run_id, error);
  gint64 id;

  return flow != NULL && aios_coordinator_insert_step (self, run_id, flow, idx, &id, error);
}

static gboolean
cancel_pending (AiosCoordinator  *self,
                gint64            run_id,
                const char       *actor,
                GError          **error)
{
  g_autoptr(GArray) approvals = NULL;
  g_autoptr(GArray) items = NULL;

  approvals = aios_approvals_cancel_pending (self->store, run_id, actor, error);
  if (approvals == NULL)
    return FALSE;
  items = aios_outbox_cancel_prepared (self->store, run_id, error);
  if (items == NULL)
    return FALSE;

  for (guint i = 0; i < approvals->len; i++)
    {
      g_autofree char *id = g_strdup_printf ("%" PRId64, g_array_index (approvals, gint64, i));
      g_autofree char *summary = g_strdup_printf ("Approval %s cancelled with its run", id);
      AiosEventLink link = { "approval", id, 0 };
      AiosEvent ev = { .run_id = run_id, .actor = (char *) actor, .kind = (char *) "approval.cancelled",
                       .summary = summary };

      if (aios_journal_append_linked (self->store, &ev, &link, 1, error) == 0)
        return FALSE;
    }
  for (guint i = 0; i < items->len; i++)
    {
      g_autofree char *id = g_strdup_printf ("%" PRId64, g_array_index (items, gint64, i));
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
  g_autoptr(GArray) steps = NULL;
  g_autofree char *status = aios_coordinator_get_run_status (self->store, run_id);

  if (status == NULL)
    {
      g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_NOT_FOUND,
                   _("There is no run %" PRId64), run_id);
      return FALSE;
    }
  if (aios_coordinator_is_terminal (status))
    {
      g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_STATE,
                   _("Run %" PRId64 " has already %s"), run_id, status);
      return FALSE;
    }

  steps = aios_runs_list_open_steps (self->store, run_id, error);
  if (steps == NULL)
    return FALSE;

  for (guint i = 0; i < steps->len; i++)
    {
      gint64 id = g_array_index (steps, gint64, i);

      if (!aios_runs_cancel_step (self->store, id, error))
        return FALSE;
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
 * once, with the step's idempotency key, after the undo grace
 * (`approvals.undo_s`; aios_coordinator_undo() takes it back until then).
 * Refused when the approval is not pending, has expired, or the edited
 * request is invalid.
 */
gboolean
aios_coordinator_approve (AiosCoordinator  *self,
                          gint64            approval_id,
                          JsonNode         *edits,
                          const char       *actor,
                          const char       *reason,
                          GError          **error)
{
  gint64 next_step = 0, send_at = 0;
  gint64 run_id;

  g_return_val_if_fail (AIOS_IS_COORDINATOR (self), FALSE);

  if (!aios_store_begin (self->store, error))
    return FALSE;
  if (!aios_coordinator_tx_approve (self, approval_id, edits, actor ? actor : "operator", reason, &next_step,
                                    &send_at, error))
    {
      aios_store_rollback (self->store);
      return FALSE;
    }
  if (!aios_store_commit (self->store, error))
    return FALSE;

  run_id = aios_approval_run_id (self->store, approval_id);
  aios_coordinator_notify_run (self, run_id);
  /* A process that settles (a one-shot `aios approve`, a notification's
   * button) stays until the grace is over and the action is sent. */
  self->settle_not_before = MAX (self->settle_not_before, send_at);
  if (self->active && next_step > 0)
    aios_coordinator_enqueue (self, next_step);
  if (send_at > 0)
    aios_coordinator_wake (self);
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
