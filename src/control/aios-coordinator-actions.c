/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The coordinator's checkpoints: policy, approvals and the outbox. An
 * outward action goes
 *
 *   agent output → request (placeholders) → policy: allow (rule) | deny | ask
 *     ask → connector prepare (the dry run) → approval (pending, expires)
 *         → operator approves (with edits, a reason) | rejects | it expires
 *   allowed or approved → outbox item "prepared" with the step's
 *     idempotency key → "sending" (durable before anything goes out)
 *     → "sent" | "failed" | "unknown" (never resent; the operator decides)
 *
 * Every transition is journaled in the transaction that makes it; an outbox
 * row cannot exist without an approval or an allow rule (a CHECK in the
 * schema), so nothing leaves without one.
 */
#define G_LOG_DOMAIN "aios-control"

#include "config.h"

#include <inttypes.h>

#include <string.h>
#include <glib/gi18n.h>

#include "aios-approvals.h"
#include "aios-coordinator-private.h"
#include "aios-outbox.h"
#include "aios-runs.h"
#include "agents/aios-learned-preferences.h"
#include "agents/aios-template.h"
#include "store/aios-config.h"
#include "store/aios-journal.h"

#define DAY_S ((gint64) 24 * 3600)

/* How long an approval waits before it expires, unless the step says: its
 * connector's own time, a week for a step's result. */

/* The action in its connector's words, for the journal's summaries (the
 * Timeline's rows, `aios journal`, its search): "Email to Dana Whitfield —
 * “Your project with Northwind Studio”". Without a connector (a step's own
 * result to check), the step's name. */
static char *
action_in_words (AiosCoordinator *self,
                 const char      *kind,
                 JsonNode        *preview,
                 JsonNode        *request,
                 gint64           run_id,
                 const char      *step_name)
{
  AiosConnector *connector = kind != NULL ? aios_coordinator_get_connector (self, kind) : NULL;
  g_autofree char *person = aios_runs_get_input_name (aios_coordinator_get_store (self), run_id, NULL);
  g_autoptr(AiosActionDescription) description = NULL;

  if (connector == NULL)
    return g_strdup_printf ("the result of step %s", step_name ? step_name : "?");
  description = aios_connector_describe (connector, preview, request, person);
  if (description == NULL || description->title == NULL)
    return g_strdup (kind);
  if (description->subtitle != NULL && *description->subtitle != '\0')
    return g_strdup_printf ("%s — “%s”", description->title, description->subtitle);
  return g_strdup (description->title);
}

static gint64
default_expiry_s (AiosConnector *connector)
{
  return connector != NULL ? aios_connector_get_approval_expiry_s (connector) : 7 * DAY_S;
}

static gboolean
set_step (AiosStore   *store,
          gint64       step_id,
          const char  *status,
          const char  *phase,
          const char  *output_json,
          const char  *error_text,
          GError     **error)
{
  return aios_runs_set_step (store, step_id, status, phase, output_json, error_text, error);
}

/* The idempotency key the outbox will use for this step. */
static char *
step_key (AiosStore *store,
          gint64     step_id)
{
  return aios_runs_get_step_key (store, step_id, NULL);
}

/* Creates the outbox item for an allowed or approved action. */
static gint64
insert_outbox (AiosStore   *store,
               gint64       run_id,
               gint64       step_id,
               gint64       approval_id,
               const char  *policy_rule,
               const char  *connector,
               JsonNode    *request,
               GError     **error)
{
  g_autofree char *key = NULL;
  g_autofree char *summary = NULL;
  GError *local_error = NULL;
  gint64 id;

  key = aios_runs_get_step_key (store, step_id, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return 0;
    }
  if (key == NULL)
    {
      g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_STATE,
                   _("Step %" PRId64 " has no idempotency key"), step_id);
      return 0;
    }

  id = aios_outbox_insert (store, run_id, step_id, approval_id, policy_rule, connector, key, request, error);
  if (id == 0)
    return 0;

  summary = g_strdup_printf ("Outbox %" PRId64 " prepared for %s", id, connector);
  if (!aios_coordinator_journal_linked (store, run_id, step_id, "system", "outbox.prepared", summary,
                       approval_id > 0 ? NULL : policy_rule, NULL, "outbox", id, error))
    return 0;
  return id;
}

/* A flow's action "key" (what it is about, e.g. a client and a period)
 * becomes the step's idempotency key, so a second run about the same thing
 * gets the same key. Such a run never takes the action a second time: when
 * the outbox already holds an item with the key (whatever its outcome:
 * sent, unknown, failed, cancelled), or another run waits for an approval
 * of it, the step fails permanently with the reason and nothing reaches the
 * operator's inbox. The earlier run keeps its own item and key, so its
 * retries and a resend after an unknown outcome still reach the service
 * with the same Idempotency-Key, where the service deduplicates. Only an
 * item cancelled before it was sent (nothing reached the service) lets a
 * new run take the action, under the key with "/after-outbox<id>" added.
 * A failed one stays refused: a permanent error may come after the service
 * made part of it (an invoice finalized, then its sending refused), so the
 * operator looks there first. */
static gboolean
claim_action_key (AiosStore           *store,
                  gint64               run_id,
                  gint64               step_id,
                  const AiosFlowStep  *step,
                  JsonObject          *scope,
                  GError             **step_error,
                  GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) tmpl = json_node_init_string (json_node_alloc (), step->action_key);
  g_autoptr(JsonNode) about = aios_template_expand (tmpl, scope, &local_error);
  g_autoptr(AiosOutboxItem) item = NULL;
  g_autofree char *key = NULL;
  const char *kind = step->action_connector;
  gint64 other;

  if (about == NULL || json_node_get_string (about) == NULL || *json_node_get_string (about) == '\0')
    {
      g_set_error (step_error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                   _("The key of the %s action could not be built: %s"), kind,
                   local_error ? local_error->message : _("it is empty"));
      return TRUE;
    }
  key = aios_coordinator_action_key (store, json_node_get_string (about));

  item = aios_outbox_find_by_key (store, key, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  while (item != NULL && item->run_id != run_id && g_str_equal (item->status, "cancelled"))
    {
      /* Cancelled before it went out: nothing reached the service, so this
       * run takes the action under a key of its own. */
      g_autofree char *again = g_strdup_printf ("%s/after-outbox%" PRId64, key, item->id);
      g_free (key);
      key = g_steal_pointer (&again);
      g_clear_pointer (&item, aios_outbox_item_free);
      item = aios_outbox_find_by_key (store, key, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  if (item != NULL && item->run_id != run_id)
    {
      g_set_error (step_error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                   _("Run %" PRId64 " already took this %s action (“%s”, outbox %" PRId64 ", %s), so this run "
                     "does not take it a second time; nothing was sent"),
                   item->run_id, kind, json_node_get_string (about), item->id, item->status);
      return TRUE;
    }
  other = aios_runs_find_waiting_key (store, key, run_id, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (other > 0)
    {
      g_set_error (step_error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                   _("Run %" PRId64 " already waits to take this %s action (“%s”), so this run does not "
                     "ask for it a second time; nothing was sent"), other, kind, json_node_get_string (about));
      return TRUE;
    }
  return aios_runs_set_step_key (store, step_id, key, error);
}

/**
 * aios_coordinator_tx_checkpoint:
 * @scope: the step's scope; the request may read "output"
 * @output: the agent's output
 * @step_error: (out): set when the step must fail (deny, no connector, a
 *   request the connector refuses): the caller records the failure
 * @outcome: (out): %AIOS_STEP_OUTCOME_WAITING (an approval), _QUEUED (allowed:
 *   send next) or _SUCCEEDED (an allowed output)
 *
 * Passes a step's checkpoint, inside the caller's transaction.
 */
gboolean
aios_coordinator_tx_checkpoint (AiosCoordinator     *self,
                                gint64               run_id,
                                gint64               step_id,
                                const AiosFlowStep  *step,
                                JsonObject          *scope,
                                JsonNode            *output,
                                AiosStepOutcome     *outcome,
                                GError             **step_error,
                                GError             **error)
{
  AiosStore *store = aios_coordinator_get_store (self);
  g_autofree char *output_json = json_to_string (output, FALSE);
  g_autofree char *rule = NULL;
  g_autofree char *summary = NULL;
  g_autoptr(JsonNode) request = NULL;
  g_autoptr(JsonNode) preview = NULL;
  const char *kind = step->action_connector ? step->action_connector : "output";
  AiosConnector *connector = NULL;
  AiosPolicyDecision decision = AIOS_POLICY_ASK;
  gint64 approval_id, expiry_s;

  *outcome = AIOS_STEP_OUTCOME_NONE;

  if (step->action_connector != NULL)
    {
      g_autoptr(GError) local_error = NULL;

      json_object_set_member (scope, "output", json_node_copy (output));
      request = aios_template_expand (step->action_request, scope, &local_error);
      json_object_remove_member (scope, "output");
      if (request == NULL)
        {
          g_set_error (step_error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                       _("The request for %s could not be built: %s"), kind, local_error->message);
          return TRUE;
        }
      connector = aios_coordinator_get_connector (self, kind);
      if (connector == NULL)
        {
          g_set_error (step_error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                       _("No connector named “%s” is available; nothing was sent"), kind);
          return TRUE;
        }
      if (step->action_key != NULL)
        {
          gboolean ok;

          json_object_set_member (scope, "output", json_node_copy (output));
          ok = claim_action_key (store, run_id, step_id, step, scope, step_error, error);
          json_object_remove_member (scope, "output");
          if (!ok)
            return FALSE;
          if (step_error != NULL && *step_error != NULL)
            return TRUE;
        }
    }

  if (step->checkpoint == AIOS_CHECKPOINT_POLICY)
    {
      g_autoptr(GError) policy_error = NULL;

      /* Rules see the connector's view of the request (an invoice's total
       * in major units, its currency in capitals), or a step's output. */
      g_autoptr(JsonObject) facts = request != NULL && connector != NULL
        ? aios_connector_get_policy_facts (connector, json_node_get_object (request))
        : json_object_ref (json_node_get_object (request ? request : output));

      decision = aios_policy_evaluate (aios_coordinator_get_policy (self), kind, facts, &rule, &policy_error);
      if (policy_error != NULL)
        g_warning ("Policy could not be read, asking the operator: %s", policy_error->message);
    }

  if (decision == AIOS_POLICY_DENY)
    {
      g_autofree char *payload = g_strdup_printf ("{\"decision\":\"deny\",\"connector\":\"%s\"}", kind);
      summary = g_strdup_printf ("Policy rule “%s” denies this %s action", rule, kind);
      if (!aios_coordinator_journal (store, run_id, step_id, "system", "policy.denied", summary, rule, payload, error))
        return FALSE;
      g_set_error (step_error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                   _("Policy rule “%s” denies this %s action; nothing was sent"), rule, kind);
      return TRUE;
    }

  if (decision == AIOS_POLICY_ALLOW)
    {
      g_autofree char *payload = g_strdup_printf ("{\"decision\":\"allow\",\"connector\":\"%s\"}", kind);

      summary = g_strdup_printf ("Policy rule “%s” allows this %s action", rule, kind);
      if (!aios_coordinator_journal (store, run_id, step_id, "system", "policy.allowed", summary, rule, payload, error))
        return FALSE;
      if (request == NULL)
        {
          /* An allowed output checkpoint: the step is done. */
          if (!set_step (store, step_id, "succeeded", NULL, output_json, NULL, error))
            return FALSE;
          *outcome = AIOS_STEP_OUTCOME_SUCCEEDED;
          return TRUE;
        }
      if (!set_step (store, step_id, "queued", "send", output_json, NULL, error) ||
          insert_outbox (store, run_id, step_id, 0, rule, kind, request, error) == 0)
        return FALSE;
      *outcome = AIOS_STEP_OUTCOME_QUEUED;
      return TRUE;
    }

  /* Ask the operator, with the connector's dry run as the preview. */
  if (connector != NULL)
    {
      g_autoptr(GError) prepare_error = NULL;
      g_autofree char *key = step_key (store, step_id);

      preview = aios_connector_prepare_keyed (connector, json_node_get_object (request), key, &prepare_error);
      if (preview == NULL)
        {
          g_set_error (step_error, prepare_error->domain, prepare_error->code,
                       _("The %s action cannot be prepared: %s"), kind, prepare_error->message);
          return TRUE;
        }
    }
  else
    preview = json_node_copy (output);

  expiry_s = step->approval_expiry_s > 0 ? step->approval_expiry_s : default_expiry_s (connector);
  approval_id = aios_approvals_insert (store, run_id, step_id, kind, request ? request : output, preview,
                                       expiry_s, error);
  if (approval_id == 0)
    return FALSE;

  if (!set_step (store, step_id, "waiting", "approval", output_json, NULL, error))
    return FALSE;
  {
    g_autofree char *words = action_in_words (self, connector != NULL ? kind : NULL, preview,
                                              request ? request : output, run_id, step->name);
    summary = g_strdup_printf ("Waiting for your approval: %s", words);
  }
  if (!aios_coordinator_journal_linked (store, run_id, step_id, "system", "approval.requested", summary,
                       step->checkpoint == AIOS_CHECKPOINT_POLICY ? "No policy rule allows it" : NULL,
                       NULL, "approval", approval_id, error))
    return FALSE;
  if (!aios_coordinator_set_run_status (store, run_id, "running", "waiting", NULL, "system",
                                        "Run waiting for an approval", error))
    return FALSE;
  *outcome = AIOS_STEP_OUTCOME_WAITING;
  return TRUE;
}

/**
 * aios_coordinator_tx_mark_sending:
 *
 * Moves the step's outbox item from prepared to sending (in the claim's
 * transaction, so it is durable before anything goes out).
 *
 * Returns: %FALSE with @error on failure; *@ok says whether it was prepared
 */
gboolean
aios_coordinator_tx_mark_sending (AiosCoordinator  *self,
                                  gint64            run_id,
                                  gint64            step_id,
                                  gboolean         *ok,
                                  GError          **error)
{
  AiosStore *store = aios_coordinator_get_store (self);
  g_autofree char *summary = NULL;
  gint64 id = 0;

  *ok = FALSE;
  if (!aios_outbox_mark_sending (store, step_id, &id, error))
    return FALSE;
  if (id == 0)
    return TRUE;

  summary = g_strdup_printf ("Outbox %" PRId64 " sending", id);
  if (!aios_coordinator_journal_linked (store, run_id, step_id, "system", "outbox.sending", summary, NULL, NULL, "outbox", id, error))
    return FALSE;
  *ok = TRUE;
  return TRUE;
}

/**
 * aios_coordinator_load_outbox:
 *
 * Returns: (transfer full) (nullable): the step's outbox item being sent
 *   (its request an object, empty when it could not be read)
 */
AiosOutboxItem *
aios_coordinator_load_outbox (AiosCoordinator  *self,
                              gint64            step_id,
                              GError          **error)
{
  AiosStore *store = aios_coordinator_get_store (self);
  GError *local_error = NULL;
  AiosOutboxItem *item;

  item = aios_outbox_find_for_step (store, step_id, "sending", &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  if (item == NULL)
    {
      g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_STATE,
                   _("Step %" PRId64 " has no outward action being sent"), step_id);
      return NULL;
    }
  if (item->request == NULL || !JSON_NODE_HOLDS_OBJECT (item->request))
    {
      g_clear_pointer (&item->request, json_node_unref);
      item->request = json_from_string ("{}", NULL);
    }
  return item;
}

/**
 * aios_coordinator_tx_send_outcome:
 * @response: (nullable): the connector's answer when sent
 * @send_error: (nullable): why it was not sent
 * @retry_at: when > 0, the item goes back to prepared for another attempt
 *
 * Records the outbox item's outcome: sent, back to prepared (a retryable
 * error, same idempotency key next time), failed, or unknown.
 */
gboolean
aios_coordinator_tx_send_outcome (AiosCoordinator  *self,
                                  gint64            run_id,
                                  gint64            step_id,
                                  gint64            outbox_id,
                                  const char       *connector,
                                  JsonNode         *response,
                                  const GError     *send_error,
                                  gint64            retry_at,
                                  GError          **error)
{
  AiosStore *store = aios_coordinator_get_store (self);
  g_autofree char *actor = g_strconcat ("connector:", connector, NULL);
  g_autofree char *summary = NULL;
  const char *status, *kind;

  {
    g_autoptr(AiosOutboxItem) item = aios_outbox_get (store, outbox_id, NULL);
    g_autofree char *words = action_in_words (self, connector, item ? item->request : NULL,
                                              item ? item->request : NULL, run_id, NULL);

    if (send_error == NULL)
      {
        status = "sent";
        kind = "outbox.sent";
        summary = g_strdup_printf ("Sent: %s", words);
      }
    else if (retry_at > 0)
      {
        status = "prepared";
        kind = "outbox.retry-scheduled";
        summary = g_strdup_printf ("Not sent yet: %s; it is tried again with the same key", words);
      }
    else if (g_error_matches (send_error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_UNKNOWN_OUTCOME))
      {
        status = "unknown";
        kind = "outbox.unknown";
        summary = g_strdup_printf ("Not known whether it went out: %s", words);
      }
    else
      {
        status = "failed";
        kind = "outbox.failed";
        summary = g_strdup_printf ("Not sent: %s", words);
      }
  }

  if (!aios_outbox_set_outcome (store, outbox_id, status, response, send_error ? send_error->message : NULL, error))
    return FALSE;
  return aios_coordinator_journal_linked (store, run_id, step_id, actor, kind, summary,
                         send_error ? send_error->message : NULL, NULL, "outbox", outbox_id, error);
}

/**
 * aios_coordinator_tx_recover_sending:
 *
 * At start-up: an item left "sending" by a stopped process may or may not
 * have gone out. It becomes "unknown" and its run waits for the operator;
 * it is never resent.
 *
 * Returns: %FALSE with @error on failure
 */
gboolean
aios_coordinator_tx_recover_sending (AiosCoordinator  *self,
                                     GError          **error)
{
  AiosStore *store = aios_coordinator_get_store (self);
  g_autoptr(GPtrArray) items = aios_outbox_list_status (store, "sending", error);

  if (items == NULL)
    return FALSE;

  for (guint i = 0; i < items->len; i++)
    {
      const AiosOutboxItem *item = items->pdata[i];
      g_autofree char *run_status = aios_coordinator_get_run_status (store, item->run_id);
      g_autofree char *summary = g_strdup_printf ("Outbox %" PRId64 " was being sent when Aios stopped; "
                                                  "it is not resent", item->id);
      g_autofree char *attention = aios_outbox_item_dup_unknown_attention (item);

      if (!aios_outbox_set_status (store, item->id, "unknown", _("record an outward action"), error))
        return FALSE;
      if (!aios_coordinator_journal_linked (store, item->run_id, item->step_id, "system", "outbox.unknown", summary,
                                            NULL, NULL, "outbox", item->id, error))
        return FALSE;

      if (run_status == NULL || aios_coordinator_is_terminal (run_status))
        continue;
      if (!set_step (store, item->step_id, "failed", NULL, NULL, attention, error) ||
          !aios_coordinator_journal (store, item->run_id, item->step_id, "system", "step.failed",
                                     "Step failed: outcome unknown", attention, NULL, error) ||
          !aios_coordinator_set_run_status (store, item->run_id, NULL, "failed", attention, "system",
                                            "Run failed and needs attention", error))
        return FALSE;
    }
  return TRUE;
}

/* ---- decisions ---- */

/* RFC 7386 JSON merge patch, recording each change as {path, from, to}. */
static void
merge_patch (JsonObject *target,
             JsonObject *patch,
             const char *prefix,
             JsonArray  *diff)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  json_object_iter_init (&iter, patch);
  while (json_object_iter_next (&iter, &name, &value))
    {
      g_autofree char *path = g_strdup_printf ("%s.%s", prefix, name);
      JsonNode *before = json_object_get_member (target, name);

      if (JSON_NODE_HOLDS_OBJECT (value) && before != NULL && JSON_NODE_HOLDS_OBJECT (before))
        {
          merge_patch (json_node_get_object (before), json_node_get_object (value), path, diff);
          continue;
        }
      if (before != NULL && json_node_equal (before, value))
        continue;
      {
        g_autoptr(JsonObject) change = json_object_new ();

        json_object_set_string_member (change, "path", path);
        json_object_set_member (change, "from", before ? json_node_copy (before) : json_node_new (JSON_NODE_NULL));
        json_object_set_member (change, "to", json_node_copy (value));
        json_array_add_object_element (diff, g_steal_pointer (&change));
      }
      if (JSON_NODE_HOLDS_NULL (value))
        json_object_remove_member (target, name);
      else
        json_object_set_member (target, name, json_node_copy (value));
    }
}

/* An edit's phrase substitutions and a rejection's reason become learned
 * preferences (agents/aios-learned-preferences.c), in the decision's
 * transaction. Learning is a side benefit: if it fails, the decision still
 * stands, and the failure is logged. */
static void
learn_from_decision (AiosCoordinator        *self,
                     const AiosApprovalInfo *a,
                     gint64                  decision_id,
                     const char             *outcome,
                     const char             *reason,
                     const char             *diff_json)
{
  AiosStore *store = aios_coordinator_get_store (self);
  g_autoptr(GError) error = NULL;
  g_autofree char *input_json = aios_runs_get_input_json (store, a->run_id, NULL);
  g_autoptr(JsonNode) input = input_json ? json_from_string (input_json, NULL) : NULL;
  g_autoptr(JsonNode) diff = diff_json ? json_from_string (diff_json, NULL) : NULL;
  AiosDecisionFacts facts = {
    .decision_id = decision_id,
    .outcome = outcome,
    .action_kind = a->action_kind,
    .run_name = a->run_name,
    .reason = reason,
    .diff = diff && JSON_NODE_HOLDS_ARRAY (diff) ? json_node_get_array (diff) : NULL,
    .input = input && JSON_NODE_HOLDS_OBJECT (input) ? json_node_get_object (input) : NULL,
    .run_id = a->run_id,
  };

  if (!aios_learned_preferences_learn (aios_coordinator_get_memory (self), &facts, &error))
    g_warning ("Nothing learned from decision %" PRId64 ": %s", decision_id, error->message);
}

/* The decision record; %FALSE (with @error set when asked for) when it
 * could not be written, so the caller rolls the decision back. */
gboolean
aios_coordinator_write_decision (AiosCoordinator  *self,
                const AiosApprovalInfo *a,
                const char       *outcome,
                const char       *actor,
                const char       *reason,
                const char       *diff_json,
                GError          **error)
{
  AiosMemory *memory = aios_coordinator_get_memory (self);
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autofree char *subject = NULL;
  g_autofree char *approval = g_strdup_printf ("%" PRId64, a->id);
  AiosProvenance prov = { actor, a->run_id, reason };
  gint64 decision_id;

  if (memory == NULL)
    return TRUE;
  if (g_str_equal (outcome, "rejected"))
    /* Translators: a decision record's subject: the connector, the run, the step */
    subject = g_strdup_printf (_("Rejected the %s action of run %" PRId64 " (step %s)"),
                               a->action_kind, a->run_id, a->step_name);
  else if (g_str_equal (outcome, "undone"))
    /* Translators: a decision record's subject: the connector, the run, the step */
    subject = g_strdup_printf (_("Took back the approval of the %s action of run %" PRId64 " (step %s)"),
                               a->action_kind, a->run_id, a->step_name);
  else
    /* Translators: a decision record's subject: the connector, the run, the step */
    subject = g_strdup_printf (_("Approved the %s action of run %" PRId64 " (step %s)"),
                               a->action_kind, a->run_id, a->step_name);
  json_object_set_string_member (fields, "subject", subject);
  json_object_set_string_member (fields, "rationale", reason && *reason ? reason : _("No reason given"));
  json_object_set_string_member (fields, "outcome", outcome);
  json_object_set_string_member (fields, "action", a->action_kind);
  json_object_set_string_member (fields, "approval_id", approval);
  if (diff_json != NULL)
    json_object_set_string_member (fields, "edit", diff_json);
  decision_id = aios_memory_put (memory, 0, "decision", fields, NULL, &prov, NULL, error);
  if (decision_id == 0)
    return FALSE;
  learn_from_decision (self, a, decision_id, outcome, reason, diff_json);
  return TRUE;
}

/**
 * aios_coordinator_tx_approve:
 * @edits: (nullable): a JSON merge patch over the request (or, for an output
 *   checkpoint, over the output)
 * @next_step: (out): the step to enqueue after the commit
 * @send_at: (out): when the outbox may send it (ms): after the undo grace
 *   (`approvals.undo_s`), or 0 when it goes at once (@next_step is then set)
 *
 * Approves inside the caller's transaction: the approval and its edit diff,
 * the journal, the decision record, and the outbox item (or the step's
 * success for an output checkpoint). Inside the grace the step waits in
 * its send phase with that time as its next attempt, so it is durable: a
 * restart still waits, and aios_coordinator_undo() can take it back.
 */
gboolean
aios_coordinator_tx_approve (AiosCoordinator  *self,
                             gint64            approval_id,
                             JsonNode         *edits,
                             const char       *actor,
                             const char       *reason,
                             gint64           *next_step,
                             gint64           *send_at,
                             GError          **error)
{
  AiosStore *store = aios_coordinator_get_store (self);
  g_autoptr(AiosConfig) config = aios_config_new (store);
  g_autoptr(AiosApprovalInfo) a = NULL;
  g_autoptr(JsonNode) request = NULL;
  g_autoptr(JsonArray) diff = json_array_new ();
  g_autofree char *final_json = NULL;
  g_autofree char *diff_json = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *payload = NULL;
  gboolean output_checkpoint;

  gint64 grace_s;

  *next_step = 0;
  *send_at = 0;
  a = aios_approval_info_get (store, approval_id, error);
  if (a == NULL || !aios_approval_info_check_pending (a, error))
    return FALSE;
  output_checkpoint = g_str_equal (a->action_kind, "output");

  request = a->request ? json_node_copy (a->request) : NULL;
  if (request == NULL || !JSON_NODE_HOLDS_OBJECT (request))
    {
      g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_STATE,
                   _("Approval %" PRId64 " has no readable request"), approval_id);
      return FALSE;
    }
  if (edits != NULL)
    {
      if (!JSON_NODE_HOLDS_OBJECT (edits))
        {
          g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_STATE,
                       _("The edits must be a JSON object with the fields to change"));
          return FALSE;
        }
      merge_patch (json_node_get_object (request), json_node_get_object (edits), "$", diff);
    }
  final_json = json_to_string (request, FALSE);
  if (json_array_get_length (diff) > 0)
    {
      g_autoptr(JsonNode) node = json_node_init_array (json_node_alloc (), json_array_ref (diff));
      diff_json = json_to_string (node, FALSE);
    }

  /* An edited request must still be one the connector accepts. */
  if (!output_checkpoint && diff_json != NULL)
    {
      AiosConnector *connector = aios_coordinator_get_connector (self, a->action_kind);
      g_autoptr(JsonNode) preview = NULL;
      g_autoptr(GError) prepare_error = NULL;

      if (connector == NULL)
        {
          g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_STATE,
                       _("No connector named “%s” is available"), a->action_kind);
          return FALSE;
        }
      preview = aios_connector_prepare (connector, json_node_get_object (request), &prepare_error);
      if (preview == NULL)
        {
          g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_STATE,
                       _("The edited %s request is not valid: %s"), a->action_kind, prepare_error->message);
          return FALSE;
        }
    }

  if (!aios_approvals_decide (store, approval_id, "approved", diff_json ? final_json : NULL, diff_json, actor, reason,
                              error))
    return FALSE;
  {
    g_autofree char *words = action_in_words (self, output_checkpoint ? NULL : a->action_kind, a->preview,
                                              request, a->run_id, a->step_name);
    const char *who = g_strcmp0 (actor, "operator") == 0 ? "You" : actor;

    summary = g_strdup_printf (diff_json ? "%s approved with edits: %s" : "%s approved: %s", who, words);
  }
  payload = diff_json ? g_strdup_printf ("{\"edits\":%s}", diff_json) : NULL;
  if (!aios_coordinator_journal_linked (store, a->run_id, a->step_id, actor, "approval.approved", summary, reason, payload,
                       "approval", approval_id, error))
    return FALSE;
  if (!aios_coordinator_write_decision (self, a, diff_json ? "edited" : "approved", actor, reason, diff_json, error))
    return FALSE;

  if (output_checkpoint)
    {
      g_autofree char *step_summary = g_strdup_printf ("Step %s succeeded", a->step_name);

      if (!set_step (store, a->step_id, "succeeded", NULL, final_json, NULL, error) ||
          !aios_coordinator_journal (store, a->run_id, a->step_id, actor, "step.succeeded", step_summary, NULL,
                                     NULL, error))
        return FALSE;
      return aios_coordinator_tx_advance (self, a->run_id, a->step_idx, next_step, error);
    }

  if (!set_step (store, a->step_id, "queued", "send", NULL, NULL, error) ||
      insert_outbox (store, a->run_id, a->step_id, approval_id, NULL, a->action_kind, request, error) == 0)
    return FALSE;

  grace_s = aios_config_get_seconds (config, "approvals.undo_s", AIOS_CONFIG_DEFAULT_UNDO_S);
  if (grace_s > 0)
    {
      g_autofree char *grace_summary = NULL;
      g_autofree char *grace_payload = NULL;

      *send_at = aios_store_now_ms () + grace_s * 1000;
      if (!aios_runs_schedule_retry (store, a->step_id, *send_at, NULL, error))
        return FALSE;
      grace_summary = g_strdup_printf ("Approval %" PRId64 " can be taken back for %" PRId64 " s before it is sent",
                                       approval_id, grace_s);
      grace_payload = g_strdup_printf ("{\"undo_s\":%" PRId64 ",\"send_at\":%" PRId64 "}", grace_s, *send_at);
      return aios_coordinator_journal_linked (store, a->run_id, a->step_id, "system", "approval.undo-grace",
                                              grace_summary, NULL, grace_payload, "approval", approval_id, error);
    }
  *next_step = a->step_id;
  return TRUE;
}

/**
 * aios_coordinator_tx_reject:
 *
 * Rejects inside the caller's transaction: nothing is sent, the run is
 * cancelled, and the reason is kept as a decision record.
 */
gboolean
aios_coordinator_tx_reject (AiosCoordinator  *self,
                            gint64            approval_id,
                            const char       *actor,
                            const char       *reason,
                            GError          **error)
{
  AiosStore *store = aios_coordinator_get_store (self);
  g_autoptr(AiosApprovalInfo) a = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *run_summary = NULL;

  a = aios_approval_info_get (store, approval_id, error);
  if (a == NULL || !aios_approval_info_check_pending (a, error))
    return FALSE;
  if (!aios_approvals_decide (store, approval_id, "rejected", NULL, NULL, actor, reason, error))
    return FALSE;
  {
    g_autofree char *words = action_in_words (self, g_str_equal (a->action_kind, "output") ? NULL : a->action_kind,
                                              a->preview, a->request, a->run_id, a->step_name);
    const char *who = g_strcmp0 (actor, "operator") == 0 ? "You" : actor;

    summary = g_strdup_printf ("%s rejected: %s", who, words);
  }
  if (!aios_coordinator_journal_linked (store, a->run_id, a->step_id, actor, "approval.rejected", summary, reason, NULL,
                       "approval", approval_id, error))
    return FALSE;
  if (!aios_coordinator_write_decision (self, a, "rejected", actor, reason, NULL, error))
    return FALSE;

  run_summary = g_strdup_printf ("Run stopped: the %s action was rejected", a->action_kind);
  if (!set_step (store, a->step_id, "cancelled", NULL, NULL, reason, error) ||
      !aios_coordinator_journal (store, a->run_id, a->step_id, actor, "step.cancelled", "Step cancelled: rejected",
                                 reason, NULL, error))
    return FALSE;
  return aios_coordinator_set_run_status (store, a->run_id, NULL, "cancelled", NULL, actor, run_summary, error);
}

/**
 * aios_coordinator_tx_expire:
 *
 * Expires every pending approval past its time: never approved by default;
 * its run fails and needs attention. Returns the number expired, or -1.
 */
int
aios_coordinator_tx_expire (AiosCoordinator  *self,
                            GError          **error)
{
  AiosStore *store = aios_coordinator_get_store (self);
  g_autoptr(GArray) ids = aios_approvals_list_expired (store, aios_store_now_ms (), error);

  if (ids == NULL)
    return -1;

  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(AiosApprovalInfo) a = NULL;
      g_autofree char *summary = NULL;
      g_autofree char *attention = NULL;
      g_autofree char *run_status = NULL;

      a = aios_approval_info_get (store, g_array_index (ids, gint64, i), error);
      if (a == NULL || !aios_approvals_decide (store, a->id, "expired", NULL, NULL, "system", NULL, error))
        return -1;
      summary = g_strdup_printf ("Approval %" PRId64 " expired without a decision", a->id);
      attention = g_strdup_printf (_("Approval %" PRId64 " for the %s action expired without a decision; "
                                     "nothing was sent. Retry the run to ask again."), a->id, a->action_kind);
      if (!aios_coordinator_journal_linked (store, a->run_id, a->step_id, "system", "approval.expired", summary, NULL, NULL,
                           "approval", a->id, error))
        return -1;
      run_status = aios_coordinator_get_run_status (store, a->run_id);
      if (aios_coordinator_is_terminal (run_status))
        continue;
      if (!set_step (store, a->step_id, "failed", NULL, NULL, attention, error) ||
          !aios_coordinator_journal (store, a->run_id, a->step_id, "system", "step.failed",
                                     "Step failed: its approval expired", attention, NULL, error) ||
          !aios_coordinator_set_run_status (store, a->run_id, NULL, "failed", attention, "system",
                                            "Run failed and needs attention", error))
        return -1;
    }
  return ids->len;
}

/**
 * aios_coordinator_next_expiry:
 *
 * Returns: when the next pending approval expires (ms), or 0
 */
gint64
aios_coordinator_next_expiry (AiosCoordinator *self)
{
  return aios_approvals_next_expiry (aios_coordinator_get_store (self));
}
