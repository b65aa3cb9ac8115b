/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A whole-flow dry run: every step of a flow, in memory, with the agents
 * answering as they would and each outward action stopped at its
 * connector's simulator (`prepare`, the preview with no network). Nothing
 * is inserted: no run, no step, no approval, no outbox row, no journal
 * event of its own, and no connector's execute is ever called, so nothing
 * can reach the wire. An action step is taken as approved unchanged so the
 * steps after it run too; the step says whether it would have waited for
 * the operator, gone out by a policy rule, or been denied.
 *
 * The agents are the coordinator's own: an agent that writes memory (lead
 * intake, the content writer, billing) writes it in the workspace it was
 * given, which is why the app runs a dry run on a scratch copy of the
 * workspace (app/aios-workspace-dry-run.c).
 */
#define G_LOG_DOMAIN "aios-control"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-coordinator-private.h"
#include "aios-dry-run.h"
#include "agents/aios-template.h"

void
aios_dry_run_step_free (AiosDryRunStep *step)
{
  if (step == NULL)
    return;
  g_free (step->name);
  g_free (step->agent);
  g_free (step->connector);
  g_free (step->title);
  g_free (step->subtitle);
  g_free (step->rule);
  g_free (step->error);
  g_clear_pointer (&step->preview, json_node_unref);
  g_clear_pointer (&step->output, json_node_unref);
  g_free (step);
}

const char *
aios_dry_run_outcome_to_string (AiosDryRunOutcome outcome)
{
  switch (outcome)
    {
    case AIOS_DRY_RUN_RAN:        return "ran";
    case AIOS_DRY_RUN_SKIPPED:    return "skipped";
    case AIOS_DRY_RUN_WOULD_ASK:  return "would-ask";
    case AIOS_DRY_RUN_WOULD_SEND: return "would-send";
    case AIOS_DRY_RUN_WOULD_DENY: return "would-deny";
    case AIOS_DRY_RUN_FAILED:     return "failed";
    case AIOS_DRY_RUN_NEEDS_ANSWER: return "needs-answer";
    default:                      return NULL;
    }
}

/**
 * aios_dry_run_outcome_to_words:
 *
 * Returns: what the step did in the operator's words (translated)
 */
const char *
aios_dry_run_outcome_to_words (AiosDryRunOutcome outcome)
{
  switch (outcome)
    {
    case AIOS_DRY_RUN_RAN:        return _("ran");
    case AIOS_DRY_RUN_SKIPPED:    return _("skipped (its condition is false)");
    case AIOS_DRY_RUN_WOULD_ASK:  return _("would wait for your approval");
    case AIOS_DRY_RUN_WOULD_SEND: return _("would be sent without asking, by a policy rule");
    case AIOS_DRY_RUN_WOULD_DENY: return _("would be denied by a policy rule");
    case AIOS_DRY_RUN_FAILED:     return _("failed");
    case AIOS_DRY_RUN_NEEDS_ANSWER:
      return _("not tried: it needs what the service answered to the action, which a dry run does not have");
    default:                      return "";
    }
}

typedef struct {
  AiosCoordinator *coordinator;
  AiosFlow        *flow;
  JsonNode        *input;
  JsonObject      *outputs;   /* step name → output, the steps that got through */
  GPtrArray       *steps;     /* AiosDryRunStep */
  guint            idx;
  JsonObject      *scope;     /* the current step's */
} DryRun;

static void
dry_run_free (DryRun *d)
{
  g_object_unref (d->coordinator);
  g_object_unref (d->flow);
  json_node_unref (d->input);
  json_object_unref (d->outputs);
  g_ptr_array_unref (d->steps);
  g_clear_pointer (&d->scope, json_object_unref);
  g_free (d);
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
  return json_node_init_object (json_node_alloc (), g_steal_pointer (&obj));
}

/* What the step sees, as the coordinator builds it (aios-coordinator-step.c)
 * but from the dry run's own outputs. */
static JsonObject *
build_scope (DryRun              *d,
             const AiosFlowStep  *step,
             GError             **error)
{
  g_autoptr(JsonObject) scope = json_object_new ();
  g_autoptr(JsonObject) steps = json_object_new ();
  g_autoptr(JsonObject) run = json_object_new ();
  g_autoptr(JsonObject) memory = json_object_new ();
  AiosMemory *store_memory = aios_coordinator_get_memory (d->coordinator);

  json_object_set_int_member (run, "id", 0);
  json_object_set_boolean_member (run, "dry_run", TRUE);
  json_object_set_object_member (scope, "run", g_steal_pointer (&run));
  if (step->reads_input)
    json_object_set_member (scope, "input", json_node_copy (d->input));
  for (guint i = 0; step->reads_steps != NULL && step->reads_steps[i] != NULL; i++)
    if (json_object_has_member (d->outputs, step->reads_steps[i]))
      json_object_set_member (steps, step->reads_steps[i],
                              json_node_copy (json_object_get_member (d->outputs, step->reads_steps[i])));
  json_object_set_object_member (scope, "steps", g_steal_pointer (&steps));
  json_object_set_object_member (scope, "memory", json_object_new ());

  for (guint i = 0; step->memory_queries && i < json_array_get_length (step->memory_queries); i++)
    {
      JsonObject *q = json_array_get_object_element (step->memory_queries, i);
      g_autoptr(JsonNode) value = aios_template_expand (json_object_get_member (q, "value"), scope, error);
      g_autoptr(AiosRecord) record = NULL;
      g_autoptr(GError) local_error = NULL;

      if (value == NULL)
        return NULL;
      if (store_memory != NULL && JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
        record = aios_memory_find (store_memory, json_object_get_string_member (q, "kind"),
                                   json_object_get_string_member (q, "field"), json_node_get_string (value),
                                   &local_error);
      if (local_error != NULL && !g_error_matches (local_error, AIOS_MEMORY_ERROR, AIOS_MEMORY_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      json_object_set_member (memory, json_object_get_string_member (q, "as"),
                              record ? record_to_json (record) : json_node_new (JSON_NODE_NULL));
    }
  json_object_set_object_member (scope, "memory", g_steal_pointer (&memory));
  return g_steal_pointer (&scope);
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
    case G_TYPE_BOOLEAN: return json_node_get_boolean (node);
    case G_TYPE_INT64:   return json_node_get_int (node) != 0;
    case G_TYPE_DOUBLE:  return json_node_get_double (node) != 0;
    case G_TYPE_STRING:  return *json_node_get_string (node) != '\0';
    default:             return FALSE;
    }
}

static AiosDryRunStep *
new_step (const AiosFlowStep *flow_step,
          AiosDryRunOutcome   outcome)
{
  AiosDryRunStep *step = g_new0 (AiosDryRunStep, 1);

  step->name = g_strdup (flow_step->name);
  step->agent = g_strdup (flow_step->agent);
  step->outcome = outcome;
  return step;
}

static void next_step (GTask *task);

static void
fail_step (GTask              *task,
           const AiosFlowStep *flow_step,
           const char         *message)
{
  DryRun *d = g_task_get_task_data (task);
  AiosDryRunStep *step = new_step (flow_step, AIOS_DRY_RUN_FAILED);

  /* After an action, a step may read what the service answered to it (the
   * lead intake marks a lead contacted with the Message-ID): a dry run has
   * no answer, so that step cannot be tried; it is not the flow's fault. */
  for (guint i = 0; i < d->steps->len; i++)
    if (((AiosDryRunStep *) d->steps->pdata[i])->connector != NULL)
      step->outcome = AIOS_DRY_RUN_NEEDS_ANSWER;

  step->error = g_strdup (message);
  g_ptr_array_add (d->steps, step);
  /* Later steps are not reached, as in a real run. */
  g_task_return_pointer (task, g_ptr_array_ref (d->steps), (GDestroyNotify) g_ptr_array_unref);
  g_object_unref (task);
}

/* The outward action of a step: its request, the simulator's preview and
 * what policy would say. Never the connector's execute. */
static gboolean
simulate_action (DryRun              *d,
                 const AiosFlowStep  *flow_step,
                 AiosDryRunStep      *step,
                 JsonNode            *output,
                 GError             **error)
{
  const char *kind = flow_step->action_connector;
  AiosConnector *connector = NULL;
  g_autoptr(JsonNode) request = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *key = NULL;
  AiosPolicyDecision decision = AIOS_POLICY_ASK;
  const char *person = aios_template_lookup_string (d->scope, "input.name");

  if (kind == NULL)
    {
      /* An output checkpoint: the operator checks the step's own result. */
      g_autoptr(AiosActionDescription) words = aios_action_description_for_output (flow_step->name, person);

      step->preview = json_node_copy (output);
      step->title = g_strdup (words->title);
      step->subtitle = g_strdup (words->subtitle);
    }
  else
    {
      json_object_set_member (d->scope, "output", json_node_copy (output));
      request = aios_template_expand (flow_step->action_request, d->scope, &local_error);
      json_object_remove_member (d->scope, "output");
      if (request == NULL)
        {
          g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                       _("The request for %s could not be built: %s"), kind, local_error->message);
          return FALSE;
        }
      connector = aios_coordinator_get_connector (d->coordinator, kind);
      if (connector == NULL)
        {
          g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                       _("No connector named “%s” is available"), kind);
          return FALSE;
        }
      key = g_strdup_printf ("dry-run/%s/%s", aios_flow_get_id (d->flow), flow_step->name);
      step->connector = g_strdup (kind);
      step->preview = aios_connector_prepare_keyed (connector, json_node_get_object (request), key, &local_error);
      if (step->preview == NULL)
        {
          g_set_error (error, local_error->domain, local_error->code, _("The %s action cannot be prepared: %s"),
                       kind, local_error->message);
          return FALSE;
        }
      {
        g_autoptr(AiosActionDescription) words = aios_connector_describe (connector, step->preview, request, person);

        if (words != NULL)
          {
            step->title = g_strdup (words->title);
            step->subtitle = g_strdup (words->subtitle);
          }
      }
    }

  if (flow_step->checkpoint == AIOS_CHECKPOINT_POLICY)
    {
      g_autoptr(JsonObject) facts = request != NULL && connector != NULL
        ? aios_connector_get_policy_facts (connector, json_node_get_object (request))
        : json_object_ref (json_node_get_object (request ? request : output));
      g_autoptr(GError) policy_error = NULL;

      decision = aios_policy_evaluate (aios_coordinator_get_policy (d->coordinator), kind ? kind : "output", facts,
                                       &step->rule, &policy_error);
    }
  step->outcome = decision == AIOS_POLICY_DENY ? AIOS_DRY_RUN_WOULD_DENY
                : decision == AIOS_POLICY_ALLOW ? AIOS_DRY_RUN_WOULD_SEND
                : AIOS_DRY_RUN_WOULD_ASK;
  return TRUE;
}

static void
agent_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  DryRun *d = g_task_get_task_data (task);
  const AiosFlowStep *flow_step = aios_flow_get_step (d->flow, d->idx);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) output = aios_agent_run_finish (AIOS_AGENT (source), result, &error);
  AiosDryRunStep *step;

  if (output == NULL)
    {
      fail_step (task, flow_step, error->message);
      return;
    }
  step = new_step (flow_step, AIOS_DRY_RUN_RAN);
  step->output = json_node_copy (output);
  if (flow_step->action_connector != NULL || flow_step->checkpoint != AIOS_CHECKPOINT_NONE)
    {
      if (!simulate_action (d, flow_step, step, output, &error))
        {
          aios_dry_run_step_free (step);
          fail_step (task, flow_step, error->message);
          return;
        }
    }
  g_ptr_array_add (d->steps, step);
  if (step->outcome == AIOS_DRY_RUN_WOULD_DENY)
    {
      /* A denied action fails its run: later steps are not reached. */
      g_task_return_pointer (task, g_ptr_array_ref (d->steps), (GDestroyNotify) g_ptr_array_unref);
      g_object_unref (task);
      return;
    }
  json_object_set_member (d->outputs, flow_step->name, g_steal_pointer (&output));
  d->idx++;
  next_step (task);
}

static void
next_step (GTask *task)
{
  DryRun *d = g_task_get_task_data (task);
  const AiosFlowStep *flow_step;
  AiosAgent *agent;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) config = NULL;
  g_autoptr(JsonObject) context = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  if (d->idx >= aios_flow_get_n_steps (d->flow))
    {
      g_task_return_pointer (task, g_ptr_array_ref (d->steps), (GDestroyNotify) g_ptr_array_unref);
      g_object_unref (task);
      return;
    }
  flow_step = aios_flow_get_step (d->flow, d->idx);
  agent = aios_agent_registry_lookup (aios_coordinator_get_agents (d->coordinator), flow_step->agent);
  if (agent == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("No agent plays the role “%s” in this workspace"),
                                                  flow_step->agent);
      fail_step (task, flow_step, message);
      return;
    }
  g_clear_pointer (&d->scope, json_object_unref);
  d->scope = build_scope (d, flow_step, &error);
  if (d->scope == NULL)
    {
      fail_step (task, flow_step, error->message);
      return;
    }
  if (flow_step->when != NULL)
    {
      gboolean truthy = is_truthy (aios_template_lookup (d->scope, flow_step->when));

      if (flow_step->when_negated ? truthy : !truthy)
        {
          AiosDryRunStep *step = new_step (flow_step, AIOS_DRY_RUN_SKIPPED);
          g_autoptr(JsonObject) out = json_object_new ();

          json_object_set_boolean_member (out, "skipped", TRUE);
          step->output = json_node_init_object (json_node_alloc (), json_object_ref (out));
          g_ptr_array_add (d->steps, step);
          json_object_set_member (d->outputs, flow_step->name, json_node_copy (step->output));
          d->idx++;
          next_step (task);
          return;
        }
    }
  config = aios_template_expand (flow_step->config, d->scope, &error);
  if (config == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Step %s could not be prepared: %s"), flow_step->name,
                                                  error->message);
      fail_step (task, flow_step, message);
      return;
    }
  context = json_object_new ();
  json_object_iter_init (&iter, d->scope);
  while (json_object_iter_next (&iter, &name, &value))
    json_object_set_member (context, name, json_node_ref (value));
  json_object_set_member (context, "config", g_steal_pointer (&config));
  json_object_set_int_member (context, "run_id", 0);
  json_object_set_boolean_member (context, "dry_run", TRUE);
  json_object_set_string_member (context, "step", flow_step->name);
  json_object_set_int_member (context, "attempt", 1);
  aios_agent_run_async (agent, context, g_task_get_cancellable (task), agent_done_cb, task);
}

/**
 * aios_dry_run_async:
 * @input: (nullable): the run's input, checked against the flow's schema
 *
 * Runs every step of @flow_id in memory (see the top of this file).
 */
void
aios_dry_run_async (AiosCoordinator     *coordinator,
                    const char          *flow_id,
                    JsonNode            *input,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  GTask *task = g_task_new (coordinator, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosFlow) flow = aios_flow_registry_lookup (aios_coordinator_get_flows (coordinator), flow_id, &error);
  g_autoptr(JsonNode) empty = NULL;
  DryRun *d;

  g_task_set_source_tag (task, aios_dry_run_async);
  if (flow == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  if (input == NULL)
    input = empty = json_node_init_object (json_node_alloc (), json_object_new ());
  if (!aios_flow_check_input (flow, input, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  d = g_new0 (DryRun, 1);
  d->coordinator = g_object_ref (coordinator);
  d->flow = g_steal_pointer (&flow);
  d->input = json_node_copy (input);
  d->outputs = json_object_new ();
  d->steps = g_ptr_array_new_with_free_func ((GDestroyNotify) aios_dry_run_step_free);
  g_task_set_task_data (task, d, (GDestroyNotify) dry_run_free);
  next_step (task);
}

/**
 * aios_dry_run_finish:
 *
 * Returns: (transfer container) (element-type AiosDryRunStep): what each
 *   step did, up to the first that failed; %NULL with @error set when the
 *   flow is unknown or the input does not fit it
 */
GPtrArray *
aios_dry_run_finish (AiosCoordinator  *coordinator,
                     GAsyncResult     *result,
                     GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, coordinator), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * aios_dry_run_to_json:
 *
 * The stable JSON of `aios submit FLOW --dry-run --json`.
 */
JsonNode *
aios_dry_run_to_json (const char *flow_id,
                      GPtrArray  *steps)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  guint actions = 0;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "flow");
  json_builder_add_string_value (b, flow_id);
  json_builder_set_member_name (b, "dry_run");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_set_member_name (b, "steps");
  json_builder_begin_array (b);
  for (guint i = 0; i < steps->len; i++)
    {
      AiosDryRunStep *step = steps->pdata[i];

      actions += step->connector != NULL;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, step->name);
      json_builder_set_member_name (b, "agent");
      json_builder_add_string_value (b, step->agent);
      json_builder_set_member_name (b, "outcome");
      json_builder_add_string_value (b, aios_dry_run_outcome_to_string (step->outcome));
      json_builder_set_member_name (b, "connector");
      json_builder_add_string_value (b, step->connector);
      json_builder_set_member_name (b, "title");
      json_builder_add_string_value (b, step->title);
      json_builder_set_member_name (b, "subtitle");
      json_builder_add_string_value (b, step->subtitle);
      json_builder_set_member_name (b, "rule");
      json_builder_add_string_value (b, step->rule);
      json_builder_set_member_name (b, "error");
      json_builder_add_string_value (b, step->error);
      json_builder_set_member_name (b, "preview");
      json_builder_add_value (b, step->preview ? json_node_copy (step->preview) : json_node_new (JSON_NODE_NULL));
      json_builder_set_member_name (b, "output");
      json_builder_add_value (b, step->output ? json_node_copy (step->output) : json_node_new (JSON_NODE_NULL));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "actions");
  json_builder_add_int_value (b, actions);
  json_builder_set_member_name (b, "sent");
  json_builder_add_int_value (b, 0);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
