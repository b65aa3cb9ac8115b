/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Overturning a decline: a run that ended with a decision not to act (a
 * lead far below the threshold: its decline step wrote a decision record)
 * is taken up again by the operator — "Write anyway". A new run of the
 * same flow starts with the same input and `write_anyway: true` (the
 * flow's conditions read it), the decision record gets a version saying
 * it was overturned and by which run, and the old run's journal says so.
 * One transaction; a decline is overturned once.
 */
#define G_LOG_DOMAIN "aios-control"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "aios-coordinator-private.h"
#include "aios-runs.h"
#include "store/aios-journal.h"
#include "store/aios-journal-query.h"

/* The decision record a step of the run wrote ({"decision": {id, version}}). */
static gint64
declined_decision (GPtrArray *steps)
{
  for (guint i = 0; i < steps->len; i++)
    {
      const AiosStepInfo *step = steps->pdata[i];
      g_autoptr(JsonNode) output = NULL;
      JsonObject *obj;

      if (g_strcmp0 (step->status, "succeeded") != 0 || step->output_json == NULL)
        continue;
      output = json_from_string (step->output_json, NULL);
      obj = output != NULL && JSON_NODE_HOLDS_OBJECT (output) ? json_node_get_object (output) : NULL;
      if (obj != NULL && json_object_has_member (obj, "decision") &&
          JSON_NODE_HOLDS_OBJECT (json_object_get_member (obj, "decision")))
        return json_object_get_int_member_with_default (json_object_get_object_member (obj, "decision"), "id", 0);
    }
  return 0;
}

/**
 * aios_coordinator_overturn:
 * @run_id: a run that declined (its decision record is overturned)
 * @actor: who decides ("operator")
 *
 * Returns: the new run's id, or 0 with @error set (not a declined run,
 *   already overturned, or the workspace could not be written)
 */
gint64
aios_coordinator_overturn (AiosCoordinator  *self,
                           gint64            run_id,
                           const char       *actor,
                           GError          **error)
{
  g_auto(AiosRunRow) run = { 0 };
  g_autoptr(GPtrArray) steps = NULL;
  g_autoptr(JsonNode) input = NULL;
  g_autoptr(AiosRecord) decision = NULL;
  g_autoptr(JsonObject) fields = NULL;
  g_autofree char *rationale = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *payload = NULL;
  const char *name;
  gint64 decision_id, new_run;
  AiosProvenance provenance = { actor, 0, NULL };

  g_return_val_if_fail (AIOS_IS_COORDINATOR (self), 0);
  if (!aios_runs_load (self->store, run_id, &run, error))
    return 0;
  steps = aios_runs_list_steps (self->store, run_id, error);
  if (steps == NULL)
    return 0;
  decision_id = declined_decision (steps);
  if (decision_id == 0 || self->memory == NULL)
    {
      g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_STATE,
                   _("Run %" PRId64 " did not decline anything, so there is nothing to overturn"), run_id);
      return 0;
    }
  if (aios_journal_last_run_event_id (self->store, run_id, "decision.overturned") != 0)
    {
      g_set_error (error, AIOS_COORDINATOR_ERROR, AIOS_COORDINATOR_ERROR_STATE,
                   _("Run %" PRId64 "’s decline was already overturned; `aios journal --run %" PRId64
                     "` shows the run that took it up"), run_id, run_id);
      return 0;
    }
  decision = aios_memory_get (self->memory, decision_id, error);
  if (decision == NULL)
    return 0;
  input = json_from_string (run.input_json ? run.input_json : "{}", NULL);
  if (input == NULL || !JSON_NODE_HOLDS_OBJECT (input))
    input = json_node_init_object (json_node_alloc (), json_object_new ());
  json_object_set_boolean_member (json_node_get_object (input), "write_anyway", TRUE);
  name = json_object_get_string_member_with_default (json_node_get_object (input), "name", _("the lead"));

  if (!aios_store_begin (self->store, error))
    return 0;
  new_run = aios_coordinator_submit (self, run.flow_id, input, actor, error);
  if (new_run == 0)
    goto fail;

  fields = json_object_new ();
  {
    JsonObjectIter iter;
    const char *member;
    JsonNode *value;

    json_object_iter_init (&iter, decision->fields);
    while (json_object_iter_next (&iter, &member, &value))
      json_object_set_member (fields, member, json_node_copy (value));
  }
  rationale = g_strdup_printf (_("Overturned: write to %s anyway (run %" PRId64 "). Before: %s"), name, new_run,
                               aios_record_get_field (decision, "rationale")
                                 ? aios_record_get_field (decision, "rationale") : "");
  json_object_set_string_member (fields, "outcome", "overturned");
  json_object_set_string_member (fields, "rationale", rationale);
  provenance.run_id = new_run;
  provenance.rationale = rationale;
  if (aios_memory_put (self->memory, decision_id, "decision", fields, decision->body, &provenance, NULL, error) == 0)
    goto fail;

  summary = g_strdup_printf ("Decline overturned: run %" PRId64 " writes to %s anyway", new_run, name);
  payload = g_strdup_printf ("{\"run\":%" PRId64 ",\"decision\":%" PRId64 "}", new_run, decision_id);
  if (!aios_coordinator_journal (self->store, run_id, 0, actor, "decision.overturned", summary, NULL, payload, error))
    goto fail;
  if (!aios_store_commit (self->store, error))
    return 0;
  return new_run;

fail:
  aios_store_rollback (self->store);
  return 0;
}
