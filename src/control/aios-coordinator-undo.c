/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The operator's second thoughts on an outward action, both named by the
 * approval that let it go (the id `aios approvals` and the Inbox show):
 *
 *   undo     inside the undo grace (`approvals.undo_s`) an approved action
 *            has not been claimed yet: its outbox item is cancelled, the
 *            approval is pending again and the run waits for it, journaled
 *            with a decision record. Refused once the grace is over or the
 *            send has started.
 *   resolve  an item whose outcome is unknown (Aios stopped while sending,
 *            or the server fell silent after the data): --sent records it
 *            as sent and the run goes on, nothing resent; --send-again
 *            sends the same item again with the same idempotency key (an
 *            email keeps its Message-ID, an API drops the duplicate).
 *
 * Each is one transaction, like every decision.
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

/* The approval's outbox item, or NULL with @error set. */
static AiosOutboxItem *
item_of (AiosStore         *store,
         const AiosApprovalInfo *a,
         GError           **error)
{
  GError *local_error = NULL;
  AiosOutboxItem *item = aios_outbox_find_for_approval (store, a->id, &local_error);

  if (local_error != NULL)
    g_propagate_error (error, local_error);
  else if (item == NULL)
    g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_STATE,
                 _("Approval %" PRId64 " has no outward action (it is %s)"), a->id, a->status);
  return item;
}

static gboolean
tx_undo (AiosCoordinator  *self,
         gint64            approval_id,
         const char       *actor,
         GError          **error)
{
  AiosStore *store = aios_coordinator_get_store (self);
  g_autoptr(AiosApprovalInfo) a = NULL;
  g_autoptr(AiosOutboxItem) item = NULL;
  g_autoptr(AiosStepInfo) step = NULL;
  g_auto(AiosRunRow) run = { 0 };
  g_autofree char *summary = NULL;
  g_autofree char *item_summary = NULL;
  GError *local_error = NULL;

  a = aios_approval_info_get (store, approval_id, error);
  if (a == NULL)
    return FALSE;
  if (g_strcmp0 (a->status, "approved") != 0)
    {
      g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_STATE,
                   _("Approval %" PRId64 " is %s, not approved: there is nothing to take back"),
                   approval_id, a->status);
      return FALSE;
    }
  item = item_of (store, a, error);
  if (item == NULL)
    return FALSE;
  if (!g_str_equal (item->status, "prepared"))
    {
      g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_STATE,
                   _("Approval %" PRId64 " can no longer be taken back: its action is %s"),
                   approval_id, item->status);
      return FALSE;
    }
  step = aios_runs_get_step (store, a->step_id, &run, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  /* Inside the grace the step waits in its send phase for a time still to
   * come; anything else means the send has started or is due. */
  if (step == NULL || g_strcmp0 (step->status, "waiting") != 0 || g_strcmp0 (step->phase, "send") != 0 ||
      step->next_attempt_at <= aios_store_now_ms () || item->attempts > 0)
    {
      g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_STATE,
                   _("Approval %" PRId64 " can no longer be taken back: its undo time is over and "
                     "sending has started"), approval_id);
      return FALSE;
    }

  if (!aios_outbox_set_status (store, item->id, "cancelled", _("take back an outward action"), error))
    return FALSE;
  item_summary = g_strdup_printf ("Outbox %" PRId64 " cancelled before it was sent (approval taken back)", item->id);
  if (!aios_coordinator_journal_linked (store, a->run_id, a->step_id, actor, "outbox.cancelled", item_summary,
                                        NULL, NULL, "outbox", item->id, error))
    return FALSE;
  if (!aios_approvals_reopen (store, approval_id, error) ||
      !aios_runs_wait_for_approval (store, a->step_id, error))
    return FALSE;
  summary = g_strdup_printf ("Approval %" PRId64 " taken back; it waits for a decision again", approval_id);
  if (!aios_coordinator_journal_linked (store, a->run_id, a->step_id, actor, "approval.undone", summary, NULL,
                                        NULL, "approval", approval_id, error))
    return FALSE;
  if (!aios_coordinator_write_decision (self, a, "undone", actor, _("Taken back before it was sent"), NULL, error))
    return FALSE;
  if (g_strcmp0 (run.status, "waiting") != 0 &&
      !aios_coordinator_set_run_status (store, a->run_id, NULL, "waiting", NULL, actor,
                                        "Run waiting for an approval", error))
    return FALSE;
  return TRUE;
}

/**
 * aios_coordinator_undo:
 * @approval_id: an approval approved less than `approvals.undo_s` ago
 * @actor: "operator"
 *
 * Takes an approval back inside its undo grace: nothing is sent, the
 * approval is pending again (its original request; an edit is dropped),
 * the run waits for it; journaled ("approval.undone") with a decision
 * record. Refused once the grace is over or sending has started.
 */
gboolean
aios_coordinator_undo (AiosCoordinator  *self,
                       gint64            approval_id,
                       const char       *actor,
                       GError          **error)
{
  g_return_val_if_fail (AIOS_IS_COORDINATOR (self), FALSE);

  if (!aios_store_begin (self->store, error))
    return FALSE;
  if (!tx_undo (self, approval_id, actor ? actor : "operator", error))
    {
      aios_store_rollback (self->store);
      return FALSE;
    }
  if (!aios_store_commit (self->store, error))
    return FALSE;
  aios_coordinator_notify_run (self, aios_approval_run_id (self->store, approval_id));
  return TRUE;
}

static gboolean
tx_resolve (AiosCoordinator     *self,
            gint64               approval_id,
            AiosResolveOutcome   outcome,
            const char          *actor,
            gint64              *next_step,
            GError             **error)
{
  AiosStore *store = aios_coordinator_get_store (self);
  g_autoptr(AiosApprovalInfo) a = NULL;
  g_autoptr(AiosOutboxItem) item = NULL;
  g_autofree char *run_status = NULL;
  g_autofree char *summary = NULL;
  gboolean run_failed;

  *next_step = 0;
  a = aios_approval_info_get (store, approval_id, error);
  if (a == NULL)
    return FALSE;
  item = item_of (store, a, error);
  if (item == NULL)
    return FALSE;
  if (!g_str_equal (item->status, "unknown"))
    {
      g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_STATE,
                   _("The action of approval %" PRId64 " is %s, not of unknown outcome: there is nothing to resolve"),
                   approval_id, item->status);
      return FALSE;
    }
  run_status = aios_coordinator_get_run_status (store, a->run_id);
  run_failed = g_strcmp0 (run_status, "failed") == 0;

  if (outcome == AIOS_RESOLVE_SENT)
    {
      g_autoptr(JsonNode) response = json_from_string ("{\"resolved_by\":\"operator\"}", NULL);

      if (!aios_outbox_set_outcome (store, item->id, "sent", response, NULL, error))
        return FALSE;
      summary = g_strdup_printf ("Outbox %" PRId64 " marked as sent by the operator; nothing was resent", item->id);
      if (!aios_coordinator_journal_linked (store, a->run_id, a->step_id, actor, "outbox.sent", summary,
                                            _("The operator checked that it arrived"), NULL, "outbox", item->id,
                                            error))
        return FALSE;
      if (!run_failed)
        return TRUE;
      if (!aios_runs_succeed_step (store, a->step_id, NULL, error) ||
          !aios_coordinator_journal (store, a->run_id, a->step_id, actor, "step.succeeded",
                                     "Step succeeded (marked as sent)", NULL, NULL, error) ||
          !aios_coordinator_set_run_status (store, a->run_id, "failed", "running", NULL, actor,
                                            "Run resumed: the action was marked as sent", error))
        return FALSE;
      return aios_coordinator_tx_advance (self, a->run_id, a->step_idx, next_step, error);
    }

  if (!run_failed)
    {
      g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_STATE,
                   _("Run %" PRId64 " is %s, so its action is not sent again"), a->run_id,
                   run_status ? run_status : "gone");
      return FALSE;
    }
  if (!aios_outbox_set_outcome (store, item->id, "prepared", NULL, NULL, error))
    return FALSE;
  summary = g_strdup_printf ("Outbox %" PRId64 " sent again with the same idempotency key, as the operator asked",
                             item->id);
  if (!aios_coordinator_journal_linked (store, a->run_id, a->step_id, actor, "outbox.resend", summary,
                                        item->idempotency_key, NULL, "outbox", item->id, error))
    return FALSE;
  if (!aios_runs_set_step (store, a->step_id, "queued", "send", NULL, NULL, error) ||
      !aios_coordinator_set_run_status (store, a->run_id, "failed", "waiting", NULL, actor,
                                        "Run resumed: its action is sent again", error))
    return FALSE;
  *next_step = a->step_id;
  return TRUE;
}

/**
 * aios_coordinator_resolve:
 * @approval_id: the approval whose action's outcome is unknown
 * @outcome: %AIOS_RESOLVE_SENT: record it as sent (nothing is resent) and
 *   let the run go on; %AIOS_RESOLVE_SEND_AGAIN: send the same item again
 *   with the same idempotency key
 * @actor: "operator"
 *
 * The operator's answer to an unknown outcome, journaled.
 */
gboolean
aios_coordinator_resolve (AiosCoordinator     *self,
                          gint64               approval_id,
                          AiosResolveOutcome   outcome,
                          const char          *actor,
                          GError             **error)
{
  gint64 next_step = 0;

  g_return_val_if_fail (AIOS_IS_COORDINATOR (self), FALSE);

  if (!aios_store_begin (self->store, error))
    return FALSE;
  if (!tx_resolve (self, approval_id, outcome, actor ? actor : "operator", &next_step, error))
    {
      aios_store_rollback (self->store);
      return FALSE;
    }
  if (!aios_store_commit (self->store, error))
    return FALSE;
  aios_coordinator_notify_run (self, aios_approval_run_id (self->store, approval_id));
  if (self->active && next_step > 0)
    aios_coordinator_enqueue (self, next_step);
  return TRUE;
}
