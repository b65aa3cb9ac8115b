/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Replay, retry and rollback. The first two never change history: they
 * fork a child run (parent_run_id) that reuses the parent's finished steps
 * before the fork point and carries on from there.
 *
 *   replay RUN --from STEP   same flow version; steps from STEP on run again,
 *                            reusing the parent's recorded agent outputs
 *                            (deterministic) unless --fresh asks for new ones
 *   retry RUN                a failed run, from its failed step, with the
 *                            flow's *current* definition (the operator fixed
 *                            a flow or a setting)
 *   rollback RUN             memory the run changed is restored (new versions),
 *                            unsent outbox items are cancelled, sent ones are
 *                            marked irreversible in the journal
 *
 * Outward actions in a fork are new actions (a new idempotency key), so
 * policy and approvals apply to them again.
 */
#define G_LOG_DOMAIN "aios-control"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "aios-coordinator-private.h"
#include "aios-outbox.h"
#include "aios-runs.h"
#include "store/aios-journal-query.h"

/* Creates the child run and copies the parent's succeeded steps before
 * @from (those whose names match the child's flow), journaled as reused. */
static gint64
tx_fork (AiosCoordinator  *self,
         gint64            parent,
         const AiosRunRow *row,
         AiosFlow         *flow,
         gint64            flow_version,
         const char       *kind,
         guint             from,
         gboolean          fresh,
         const char       *actor,
         GError          **error)
{
  AiosStore *store = aios_coordinator_get_store (self);
  g_autofree char *summary = NULL;
  g_autofree char *payload = NULL;
  gint64 child, step_id = 0;
  guint copied = 0;

  child = aios_runs_insert_fork (store, row->flow_id, flow_version, row->input_json, parent, kind, from, fresh, error);
  if (child == 0)
    return 0;

  summary = g_strdup_printf ("Run created as a %s of run %" PRId64 " from step %u", kind, parent, from);
  payload = g_strdup_printf ("{\"parent_run_id\":%" PRId64 ",\"fork\":\"%s\",\"from_step\":%u,"
                             "\"flow_version\":%" PRId64 ",\"fresh\":%s}",
                             parent, kind, from, flow_version, fresh ? "true" : "false");
  if (!aios_coordinator_journal (store, child, 0, actor, "run.created", summary, NULL, payload, error))
    return 0;

  for (guint idx = 0; idx < from; idx++)
    {
      const AiosFlowStep *step = aios_flow_get_step (flow, idx);
      g_autofree char *key = aios_coordinator_idempotency_key (store, child, idx);
      g_autofree char *step_summary = g_strdup_printf ("Step %s reused from run %" PRId64, step->name, parent);

      if (!aios_runs_reuse_step (store, child, parent, idx, step->name, step->action_connector ? key : NULL,
                                 &step_id, error))
        return 0;
      if (step_id == 0)
        break;   /* the definitions diverge here: run the rest */
      if (!aios_coordinator_journal (store, child, step_id, actor, "step.reused", step_summary, NULL, NULL, error))
        return 0;
      copied++;
    }

  if (copied >= aios_flow_get_n_steps (flow))
    {
      if (!aios_coordinator_set_run_status (store, child, "queued", "succeeded", NULL, "system",
                                            "Run succeeded (every step reused)", error))
        return 0;
      return child;
    }
  if (!aios_coordinator_tx_add_step (self, child, copied, error))
    return 0;
  return child;
}

/**
 * aios_coordinator_replay:
 * @from_step: the step name (or its 1-based number) to run again from
 * @fresh: ask the agents again instead of reusing recorded outputs
 *
 * Forks a child run of the same flow version that reuses the parent's
 * finished steps before @from_step and runs the rest.
 *
 * Returns: the child run's id, or 0 with @error set
 */
gint64
aios_coordinator_replay (AiosCoordinator  *self,
                         gint64            run_id,
                         const char       *from_step,
                         gboolean          fresh,
                         const char       *actor,
                         GError          **error)
{
  AiosStore *store = aios_coordinator_get_store (self);
  g_auto(AiosRunRow) row = { 0 };
  g_autoptr(AiosFlow) flow = NULL;
  guint64 number = 0;
  int from;
  gint64 child;

  g_return_val_if_fail (AIOS_IS_COORDINATOR (self), 0);

  if (!aios_runs_load (store, run_id, &row, error))
    return 0;
  flow = aios_flow_registry_load_version (aios_coordinator_get_flows (self), row.flow_id, row.flow_version, error);
  if (flow == NULL)
    return 0;
  from = aios_flow_find_step (flow, from_step);
  if (from < 0 && g_ascii_string_to_unsigned (from_step, 10, 1, aios_flow_get_n_steps (flow), &number, NULL))
    from = (int) number - 1;
  if (from < 0)
    {
      g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_NOT_FOUND,
                   _("Run %" PRId64 " (%s) has no step “%s”"), run_id, row.flow_id, from_step);
      return 0;
    }
  if (!aios_store_begin (store, error))
    return 0;
  child = tx_fork (self, run_id, &row, flow, row.flow_version, "replay", from, fresh, actor ? actor : "operator",
                   error);
  if (child == 0 || !aios_store_commit (store, error))
    {
      if (aios_store_in_transaction (store))
        aios_store_rollback (store);
      return 0;
    }
  aios_coordinator_notify_run (self, child);
  aios_coordinator_wake (self);
  return child;
}

/**
 * aios_coordinator_retry:
 *
 * Retries a failed (or cancelled) run from the step that did not finish,
 * with the flow's current definition, as a new fork; the old run keeps its
 * history and no longer needs attention.
 *
 * Returns: the new run's id, or 0 with @error set
 */
gint64
aios_coordinator_retry (AiosCoordinator  *self,
                        gint64            run_id,
                        const char       *actor,
                        GError          **error)
{
  AiosStore *store = aios_coordinator_get_store (self);
  g_auto(AiosRunRow) row = { 0 };
  g_autoptr(AiosFlow) flow = NULL;
  g_autofree char *summary = NULL;
  gint64 version, child, from = 0;

  g_return_val_if_fail (AIOS_IS_COORDINATOR (self), 0);

  if (!aios_runs_load (store, run_id, &row, error))
    return 0;
  if (!g_str_equal (row.status, "failed") && !g_str_equal (row.status, "cancelled"))
    {
      g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_STATE,
                   _("Run %" PRId64 " is %s; only failed or cancelled runs are retried"),
                   run_id, row.status);
      return 0;
    }
  flow = aios_flow_registry_lookup (aios_coordinator_get_flows (self), row.flow_id, error);
  if (flow == NULL)
    return 0;

  from = aios_runs_count_succeeded_steps (store, run_id, error);
  if (from < 0)
    return 0;
  from = MIN (from, (gint64) aios_flow_get_n_steps (flow) - 1);

  if (!aios_store_begin (store, error))
    return 0;
  version = aios_flow_registry_ensure_version (aios_coordinator_get_flows (self), flow, error);
  if (version == 0)
    goto fail;
  child = tx_fork (self, run_id, &row, flow, version, "retry", from, TRUE, actor ? actor : "operator", error);
  if (child == 0)
    goto fail;

  if (!aios_runs_clear_attention (store, run_id, error))
    goto fail;
  summary = g_strdup_printf ("Run retried as run %" PRId64, child);
  if (!aios_coordinator_journal (store, run_id, 0, actor ? actor : "operator", "run.retried", summary, NULL, NULL,
                                 error))
    goto fail;
  if (!aios_store_commit (store, error))
    return 0;
  aios_coordinator_notify_run (self, run_id);
  aios_coordinator_notify_run (self, child);
  aios_coordinator_wake (self);
  return child;

fail:
  aios_store_rollback (store);
  return 0;
}

/* The records the run changed, each with the first version it wrote. */
static GHashTable *
changed_records (AiosStore  *store,
                 gint64      run_id,
                 GError    **error)
{
  static const char *const kinds[] = { "memory.written", "memory.reverted", "memory.deleted",
                                       "memory.restored", NULL };
  g_autoptr(GHashTable) records = NULL;
  g_autoptr(GPtrArray) links = aios_journal_list_run_links (store, run_id, kinds, "record", error);

  if (links == NULL)
    return NULL;
  records = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  for (guint i = 0; i < links->len; i++)
    {
      const AiosLinkedTarget *link = links->pdata[i];
      gint64 id = g_ascii_strtoll (link->target_id, NULL, 10);
      gpointer first;

      /* The first version the run wrote: the smallest linked. */
      if (g_hash_table_lookup_extended (records, &id, NULL, &first) &&
          GPOINTER_TO_INT (first) <= link->version)
        continue;
      g_hash_table_insert (records, g_memdup2 (&id, sizeof id), GINT_TO_POINTER ((int) link->version));
    }
  return g_steal_pointer (&records);
}

/**
 * aios_coordinator_rollback:
 *
 * Undoes what can be undone of a run: it is cancelled if still open; every
 * memory record it changed is restored to the version before its first
 * change, as a new version (records it created are deleted; decision
 * records stay: they are the operator's history); unsent outbox items are
 * cancelled; sent ones are journaled as irreversible. One transaction.
 */
gboolean
aios_coordinator_rollback (AiosCoordinator  *self,
                           gint64            run_id,
                           const char       *actor,
                           GError          **error)
{
  AiosStore *store = aios_coordinator_get_store (self);
  AiosMemory *memory = aios_coordinator_get_memory (self);
  g_auto(AiosRunRow) row = { 0 };
  g_autoptr(GHashTable) records = NULL;
  g_autoptr(GPtrArray) outbox = NULL;
  g_autofree char *rationale = g_strdup_printf ("Rollback of run %" PRId64, run_id);
  g_autofree char *summary = NULL;
  AiosProvenance prov = { actor ? actor : "operator", 0, rationale };
  GHashTableIter iter;
  gpointer key, value;
  guint restored = 0, cancelled = 0, irreversible = 0;

  g_return_val_if_fail (AIOS_IS_COORDINATOR (self), FALSE);
  actor = prov.author;

  if (!aios_runs_load (store, run_id, &row, error))
    return FALSE;
  if (!aios_store_begin (store, error))
    return FALSE;

  if (!aios_coordinator_is_terminal (row.status) && !aios_coordinator_tx_cancel (self, run_id, actor, error))
    goto fail;

  records = changed_records (store, run_id, error);
  if (records == NULL)
    goto fail;
  g_hash_table_iter_init (&iter, records);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      gint64 id = *(gint64 *) key;
      gint64 first = GPOINTER_TO_INT (value);
      g_autoptr(AiosRecord) record = NULL;

      if (memory == NULL)
        {
          g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_STATE,
                       _("The memory service is not available; nothing was rolled back"));
          goto fail;
        }
      record = aios_memory_get (memory, id, NULL);
      if (record != NULL && g_strcmp0 (record->kind, "decision") == 0)
        continue;
      if (first <= 1)
        {
          if (record != NULL && !record->deleted && !aios_memory_delete (memory, id, &prov, error))
            goto fail;
        }
      else if (aios_memory_revert (memory, id, first - 1, &prov, error) == 0)
        goto fail;
      restored++;
    }

  outbox = aios_outbox_list_run (store, run_id, error);
  if (outbox == NULL)
    goto fail;
  for (guint i = 0; i < outbox->len; i++)
    {
      const AiosOutboxItem *item = g_ptr_array_index (outbox, i);
      gint64 id = item->id;
      const char *status = item->status;
      g_autofree char *link = g_strdup_printf ("%" PRId64, id);
      g_autofree char *text = NULL;
      AiosEventLink l = { "outbox", link, 0 };
      AiosEvent ev = { .run_id = run_id, .actor = (char *) actor, .rationale = rationale };

      if (g_str_equal (status, "prepared"))
        {
          if (!aios_outbox_set_status (store, id, "cancelled", _("cancel an outward action"), error))
            goto fail;
          text = g_strdup_printf ("Outbox %" PRId64 " cancelled before it was sent", id);
          ev.kind = (char *) "outbox.cancelled";
          cancelled++;
        }
      else if (g_str_equal (status, "sent") || g_str_equal (status, "unknown") || g_str_equal (status, "sending"))
        {
          text = g_strdup_printf (g_str_equal (status, "sent")
                                    ? "Outbox %" PRId64 " was sent and cannot be undone"
                                    : "Outbox %" PRId64 " may have been sent and cannot be undone", id);
          ev.kind = (char *) "outbox.irreversible";
          irreversible++;
        }
      else
        continue;
      ev.summary = text;
      if (aios_journal_append_linked (store, &ev, &l, 1, error) == 0)
        goto fail;
    }

  summary = g_strdup_printf ("Run rolled back: %u records restored, %u unsent actions cancelled, "
                             "%u sent actions irreversible", restored, cancelled, irreversible);
  if (!aios_coordinator_journal (store, run_id, 0, actor, "run.rolled-back", summary, NULL, NULL, error))
    goto fail;
  if (!aios_store_commit (store, error))
    return FALSE;
  aios_coordinator_notify_run (self, run_id);
  return TRUE;

fail:
  aios_store_rollback (store);
  return FALSE;
}
