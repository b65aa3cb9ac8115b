/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One step attempt of the coordinator: building what the step sees (the
 * run input, earlier outputs, memory), calling its agent or sending its
 * outbox item, and recording the outcome inside the group transaction:
 * success and the next step, a checkpoint (policy, approval), a retry with
 * backoff, or a failure that needs the operator.
 */
#define G_LOG_DOMAIN "aios-control"

#include "config.h"

#include <inttypes.h>

#include <string.h>
#include <glib/gi18n.h>

#include "aios-coordinator-private.h"
#include "aios-runs.h"
#include "agents/aios-template.h"
#include "store/aios-journal.h"
#include "store/aios-json.h"

void
aios_coordinator_exec_finished (Exec *exec)
{
  AiosCoordinator *self = exec->self;

  if (!self->active)
    {
      /* Stopped meanwhile: the step stays "running" in the workspace and
       * runs again at the next start (a send becomes "unknown"). The exec
       * may hold the coordinator's last reference: keep it alive until the
       * settle waiters are told. */
      g_autoptr(AiosCoordinator) alive = g_object_ref (self);

      if (g_hash_table_lookup (self->known, ID_TO_PTR (exec->step_id)) == exec)
        g_hash_table_remove (self->known, ID_TO_PTR (exec->step_id));
      self->inflight--;
      self->sending -= exec->sending;
      aios_coordinator_exec_free (exec);
      aios_coordinator_check_settled (self);
      return;
    }
  g_ptr_array_add (self->completions, exec);
  aios_coordinator_schedule_pump (self);
}

static void
agent_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Exec *exec = user_data;

  exec->output = aios_agent_run_finish (AIOS_AGENT (source), result, &exec->error);
  aios_coordinator_exec_finished (exec);
}

static void
send_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Exec *exec = user_data;

  exec->output = aios_connector_execute_finish (AIOS_CONNECTOR (source), result, &exec->error);
  if (exec->output == NULL && exec->error == NULL)
    exec->output = json_from_string ("{}", NULL);
  aios_coordinator_exec_finished (exec);
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
  json_object_set_int_member (obj, "ts", record->ts);
  json_object_set_string_member (obj, "author", record->author ? record->author : "");
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

  json_object_set_int_member (run, "id", run_id);
  json_object_set_object_member (scope, "run", g_steal_pointer (&run));

  if (step->reads_input)
    {
      GError *local_error = NULL;
      g_autofree char *input_json = aios_runs_get_input_json (self->store, run_id, &local_error);
      JsonNode *input;

      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return NULL;
        }
      input = parse_json (input_json);
      json_object_set_member (scope, "input",
                              input ? input : json_from_string ("{}", NULL));
    }

  if (step->reads_steps != NULL && step->reads_steps[0] != NULL)
    {
      g_autoptr(GPtrArray) earlier = aios_runs_list_steps (self->store, run_id, error);

      if (earlier == NULL)
        return NULL;
      for (guint i = 0; i < earlier->len; i++)
        {
          const AiosStepInfo *done = earlier->pdata[i];
          JsonNode *output;

          if (done->idx >= idx || !g_str_equal (done->status, "succeeded") ||
              !g_strv_contains ((const char * const *) step->reads_steps, done->name))
            continue;
          output = parse_json (done->output_json);
          json_object_set_member (steps, done->name,
                                  output ? output : json_from_string ("{}", NULL));
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
      aios_coordinator_exec_finished (exec);
      return;
    }
  connector = aios_coordinator_get_connector (self, exec->outbox->connector);
  if (connector == NULL)
    {
      /* Nothing went out: a permanent failure, not an unknown outcome. */
      exec->error = g_error_new (AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                                 _("No connector named “%s” is available; nothing was sent"),
                                 exec->outbox->connector);
      aios_coordinator_exec_finished (exec);
      return;
    }
  aios_connector_execute_async (connector, json_node_get_object (exec->outbox->request),
                                exec->outbox->idempotency_key,
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
  gboolean truthy = FALSE;

  for (guint i = 0; step->when_any != NULL && step->when_any[i] != NULL && !truthy; i++)
    truthy = is_truthy (aios_template_lookup (scope, step->when_any[i]));
  return step->when_negated ? !truthy : truthy;
}

/* A "wait" step reached for the first time: how long it waits (ms; 0: not
 * at all), from its "after" (one duration or a comma list, of which
 * "part" picks one) rendered in the step's scope. */
static gint64
wait_ms (const AiosFlowStep  *step,
         JsonObject          *scope,
         char               **label,
         GError             **error)
{
  JsonObject *wait = json_node_get_object (step->wait);
  g_autoptr(JsonNode) after = aios_template_expand (json_object_get_member (wait, "after"), scope, error);
  gint64 part = json_object_get_int_member_with_default (wait, "part", 1);
  g_auto(GStrv) parts = NULL;
  gint64 ms;

  *label = g_strdup (json_object_get_string_member_with_default (wait, "label", step->name));
  if (after == NULL && error != NULL && g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      /* No cadence (the template has none): no wait; the agent says so. */
      g_clear_error (error);
      return 0;
    }
  if (after == NULL)
    return -1;
  if (!JSON_NODE_HOLDS_VALUE (after) || json_node_get_value_type (after) != G_TYPE_STRING)
    return 0;
  parts = g_strsplit (json_node_get_string (after), ",", -1);
  if (part < 1 || part > (gint64) g_strv_length (parts) || *g_strstrip (parts[part - 1]) == '\0')
    return 0;
  ms = aios_flow_parse_duration (parts[part - 1]);
  if (ms < 0)
    {
      g_set_error (error, AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                   _("“%s” is not a wait such as “3d” or “5s” (part %" G_GINT64_FORMAT " of “%s”)"),
                   parts[part - 1], part, json_node_get_string (after));
      return -1;
    }
  return ms;
}

void
aios_coordinator_exec_start (Exec *exec)
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
      aios_coordinator_exec_finished (exec);
      return;
    }

  exec->scope = build_scope (self, exec->run_id, step, exec->idx, &error);
  if (exec->scope != NULL && step->when != NULL && !condition_holds (step, exec->scope))
    {
      g_autoptr(JsonObject) out = json_object_new ();
      g_autofree char *paths = g_strjoinv (", ", step->when_any);
      g_autofree char *reason = g_strv_length (step->when_any) > 1
                                  ? g_strdup_printf (step->when_negated ? "one of %s is true" : "none of %s is true", paths)
                                  : g_strdup_printf (step->when_negated ? "%s is true" : "%s is false", step->when);

      json_object_set_boolean_member (out, "skipped", TRUE);
      json_object_set_string_member (out, "reason", reason);
      exec->output = aios_json_node_take_object (g_steal_pointer (&out));
      exec->skipped = TRUE;
      aios_coordinator_exec_finished (exec);
      return;
    }
  if (exec->scope != NULL && step->wait != NULL && !exec->waited && exec->replay_of == 0)
    {
      gint64 ms = wait_ms (step, exec->scope, &exec->wait_label, &error);

      if (ms < 0)
        {
          exec->error = error;
          aios_coordinator_exec_finished (exec);
          return;
        }
      if (ms > 0)
        {
          /* Recorded in the group commit: a durable timer, not a sleep. */
          exec->wait_until = aios_store_now_ms () + ms;
          aios_coordinator_exec_finished (exec);
          return;
        }
    }
  if (exec->scope != NULL)
    config = aios_template_expand (step->config, exec->scope, &error);
  if (config == NULL)
    {
      exec->error = g_error_new (AIOS_AGENT_ERROR, AIOS_AGENT_ERROR_PERMANENT,
                                 _("Step %s could not be prepared: %s"), step->name, error->message);
      g_clear_error (&error);
      aios_coordinator_exec_finished (exec);
      return;
    }

  /* A replay reuses what the agent answered in the parent run. */
  if (exec->replay_of > 0)
    {
      g_autofree char *recorded = aios_runs_get_recorded_output (self->store, exec->replay_of, exec->idx,
                                                                 step->name, NULL);

      exec->output = parse_json (recorded);
      if (exec->output != NULL)
        {
          exec->replayed = TRUE;
          aios_coordinator_exec_finished (exec);
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
  json_object_set_int_member (context, "step_id", exec->step_id);
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
  g_auto(AiosRunRow) run = { 0 };
  GError *local_error = NULL;
  g_autoptr(AiosStepInfo) step = aios_runs_get_step (self->store, exec->step_id, &run, &local_error);

  *running = step != NULL &&
             g_strcmp0 (step->status, "running") == 0 &&
             step->attempt == exec->attempt &&
             !aios_coordinator_is_terminal (run.status);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

AiosFlow *
aios_coordinator_run_flow (AiosCoordinator  *self,
          gint64            run_id,
          GError          **error)
{
  g_auto(AiosRunRow) run = { 0 };

  /* No such run: AIOS_COORDINATOR_ERROR_NOT_FOUND. */
  if (!aios_runs_load (self->store, run_id, &run, error))
    return NULL;
  return aios_flow_registry_load_version (self->flows, run.flow_id, run.flow_version, error);
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
  g_autoptr(AiosFlow) flow = aios_coordinator_run_flow (self, run_id, error);

  *next_step = 0;
  if (flow == NULL)
    return FALSE;
  if (idx + 1 < aios_flow_get_n_steps (flow))
    return aios_coordinator_insert_step (self, run_id, flow, idx + 1, next_step, error);
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
  id = g_strdup_printf ("%" PRId64, json_object_get_int_member (record, "id"));
  return aios_journal_link (store, event_id, "record", id, json_object_get_int_member (record, "version"), error);
}

/* Links a step's event to the model prompts its agent says it made (its
 * output's "prompts_used": the ids of their prompts rows, failed attempts
 * included), so the timeline shows what was asked and answered. */
static gboolean
link_prompts_used (AiosCoordinator  *self,
                   Exec             *exec,
                   gint64            event_id,
                   GError          **error)
{
  JsonObject *out = exec->output != NULL && JSON_NODE_HOLDS_OBJECT (exec->output)
                      ? json_node_get_object (exec->output) : NULL;
  JsonArray *prompts = out != NULL && json_object_has_member (out, "prompts_used") &&
                       JSON_NODE_HOLDS_ARRAY (json_object_get_member (out, "prompts_used"))
                         ? json_object_get_array_member (out, "prompts_used") : NULL;

  for (guint i = 0; prompts != NULL && i < json_array_get_length (prompts); i++)
    {
      JsonNode *element = json_array_get_element (prompts, i);
      g_autofree char *id = NULL;

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_INT64 ||
          json_node_get_int (element) <= 0)
        continue;
      id = g_strdup_printf ("%" PRId64, json_node_get_int (element));
      if (!aios_journal_link (self->store, event_id, "prompt", id, 0, error))
        return FALSE;
    }
  return TRUE;
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
  return link_prompts_used (self, exec, event_id, error);
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
  g_autofree char *payload = g_strdup_printf ("{\"attempt\":%" PRId64 "%s}", exec->attempt,
                                              exec->replayed ? ",\"recorded_output\":true" : "");
  g_autofree char *actor = exec->sending ? g_strdup ("system") : g_strconcat ("agent:", step->agent, NULL);
  gint64 next_id = 0;

  if (!aios_runs_succeed_step (self->store, exec->step_id, output_json, error))
    return FALSE;
  if (!aios_coordinator_journal (self->store, exec->run_id, exec->step_id, actor,
                                 exec->skipped ? "step.skipped" : "step.succeeded",
                                 summary, rationale, payload, error))
    return FALSE;
  if (!exec->skipped && !link_memory_used (self, exec, aios_journal_last_id (self->store), error))
    return FALSE;

  /* An agent may end its run here: {"stop": "why"} (a cadence that is
   * over: the lead replied, or the last follow-up went). The cause is
   * journaled and the run succeeds without its later steps. */
  if (!exec->skipped && exec->output != NULL && JSON_NODE_HOLDS_OBJECT (exec->output))
    {
      const char *stop = json_object_get_string_member_with_default (json_node_get_object (exec->output),
                                                                     "stop", NULL);
      if (stop != NULL && *stop != '\0')
        {
          g_autofree char *stop_payload = g_strdup_printf ("{\"step\":\"%s\"}", step->name);

          if (!aios_coordinator_journal (self->store, exec->run_id, exec->step_id, actor, "run.stopped",
                                         stop, NULL, stop_payload, error))
            return FALSE;
          return aios_coordinator_set_run_status (self->store, exec->run_id, "running", "succeeded", NULL,
                                                  "system", "Run succeeded", error);
        }
    }

  if (exec->idx + 1 < aios_flow_get_n_steps (exec->flow))
    {
      Exec *next = NULL;

      gboolean deferred = FALSE;

      if (!aios_coordinator_insert_step (self, exec->run_id, exec->flow, exec->idx + 1, &next_id, error) ||
          !aios_coordinator_tx_claim (self, next_id, FALSE, &deferred, &next, error))
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
            AiosStepOutcome  *outcome,
            GError          **error)
{
  const AiosFlowStep *step = aios_flow_get_step (exec->flow, exec->idx);
  g_autofree char *output = NULL;

  if (exec->sending)
    {
      /* The action went out: record it with the step's success. */
      if (!aios_coordinator_tx_send_outcome (self, exec->run_id, exec->step_id,
                                             exec->outbox->id,
                                             exec->outbox->connector,
                                             exec->output, NULL, 0, error))
        return FALSE;
      *outcome = AIOS_STEP_OUTCOME_SUCCEEDED;
      return tx_record_success (self, exec, NULL, claimed, error);
    }

  if (!exec->skipped && (step->action_connector != NULL || step->checkpoint != AIOS_CHECKPOINT_NONE))
    {
      AiosStepOutcome result = AIOS_STEP_OUTCOME_NONE;
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
      if (result == AIOS_STEP_OUTCOME_QUEUED)
        {
          /* Allowed by a rule: the send is queued; the pump starts it
           * when fewer than MAX_SENDING are in flight. */

          *outcome = AIOS_STEP_OUTCOME_QUEUED;
          return TRUE;
        }
      if (result != AIOS_STEP_OUTCOME_SUCCEEDED)
        {
          *outcome = result;
          return TRUE;
        }
    }

  output = json_to_string (exec->output, FALSE);
  *outcome = AIOS_STEP_OUTCOME_SUCCEEDED;
  return tx_record_success (self, exec, output, claimed, error);
}

static gboolean
tx_fail (AiosCoordinator  *self,
         Exec             *exec,
         AiosStepOutcome  *outcome,
         GError          **error)
{
  const AiosFlowStep *step = aios_flow_get_step (exec->flow, exec->idx);
  g_autofree char *actor = exec->sending ? g_strconcat ("connector:", exec->outbox ? exec->outbox->connector : NULL, NULL)
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

  if (exec->sending && exec->outbox != NULL &&
      !aios_coordinator_tx_send_outcome (self, exec->run_id, exec->step_id,
                                         exec->outbox->id,
                                         exec->outbox->connector,
                                         NULL, exec->error, at, error))
    return FALSE;

  if (retry)
    {
      if (!aios_runs_schedule_retry (self->store, exec->step_id, at, exec->error->message, error))
        return FALSE;

      summary = g_strdup_printf ("Step %s failed (attempt %" PRId64 " of %u); retrying in %.1f s",
                                 step->name, exec->attempt, step->max_attempts, delay / 1000.0);
      payload = g_strdup_printf ("{\"attempt\":%" PRId64 ",\"delay_ms\":%" PRId64
                                 ",\"retry_after_ms\":%" PRId64 ",\"next_attempt_at\":%" PRId64 "}",
                                 exec->attempt, delay, MAX (retry_after, 0), at);
      if (!aios_coordinator_journal (self->store, exec->run_id, exec->step_id, actor, "step.retry-scheduled",
                                     summary, exec->error->message, payload, error))
        return FALSE;
      *outcome = AIOS_STEP_OUTCOME_WAITING;
      return aios_coordinator_set_run_status (self->store, exec->run_id, "running", "waiting", NULL, "system",
                                              "Run waiting for a retry", error);
    }

  if (!aios_runs_fail_step (self->store, exec->step_id, exec->error->message, error))
    return FALSE;

  summary = g_strdup_printf ("Step %s failed", step->name);
  payload = g_strdup_printf ("{\"attempt\":%" PRId64 ",\"retryable\":%s}", exec->attempt,
                             retryable ? "true" : "false");
  if (!aios_coordinator_journal (self->store, exec->run_id, exec->step_id, actor, "step.failed", summary,
                                 exec->error->message, payload, error))
    return FALSE;

  if (g_error_matches (exec->error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_UNKNOWN_OUTCOME))
    attention = g_strdup_printf (_("Step “%s”: the outward action may or may not have happened (%s). It is not "
                                   "resent: check with the recipient, then mark it as sent or send it again "
                                   "with the same key."),
                                 step->name, exec->error->message);
  else if (retryable)
    attention = g_strdup_printf (_("Step “%s” failed %" PRId64 " times; the last error: %s"),
                                 step->name, exec->attempt, exec->error->message);
  else
    attention = g_strdup_printf (_("Step “%s” failed: %s"), step->name, exec->error->message);
  *outcome = AIOS_STEP_OUTCOME_FAILED;
  return aios_coordinator_set_run_status (self->store, exec->run_id, "running", "failed", attention, "system",
                                          "Run failed and needs attention", error);
}

/* A "wait" step reached: it waits for its time, journaled with when. */
static gboolean
tx_wait (AiosCoordinator  *self,
         Exec             *exec,
         GError          **error)
{
  const AiosFlowStep *step = aios_flow_get_step (exec->flow, exec->idx);
  g_autofree char *summary = aios_runs_describe_wait (exec->wait_label, exec->wait_until);
  g_autofree char *payload = g_strdup_printf ("{\"due_at\":%" PRId64 "}", exec->wait_until);

  if (!aios_runs_schedule_wait (self->store, exec->step_id, exec->wait_until, exec->wait_label, error))
    return FALSE;
  if (!aios_coordinator_journal (self->store, exec->run_id, exec->step_id, "system", "step.waiting",
                                 summary, step->name, payload, error))
    return FALSE;
  return aios_coordinator_set_run_status (self->store, exec->run_id, "running", "waiting", NULL, "system",
                                          "Run waiting for its next step's time", error);
}

const char *
aios_step_outcome_to_string (AiosStepOutcome outcome)
{
  switch (outcome)
    {
    case AIOS_STEP_OUTCOME_SUCCEEDED: return "succeeded";
    case AIOS_STEP_OUTCOME_QUEUED:    return "queued";
    case AIOS_STEP_OUTCOME_WAITING:   return "waiting";
    case AIOS_STEP_OUTCOME_FAILED:    return "failed";
    case AIOS_STEP_OUTCOME_CANCELLED: return "cancelled";
    case AIOS_STEP_OUTCOME_NONE:
    default:                          return NULL;
    }
}

AiosStepOutcome
aios_coordinator_tx_complete (AiosCoordinator  *self,
             Exec             *exec,
             GPtrArray        *claimed,
             GError          **error)
{
  AiosStepOutcome outcome = AIOS_STEP_OUTCOME_NONE;
  gboolean running = FALSE;

  if (!tx_step_still_running (self, exec, &running, error))
    return AIOS_STEP_OUTCOME_NONE;
  if (!running)
    {
      /* Cancelled meanwhile. An action that went out is still recorded:
       * what was sent stays sent. */
      if (exec->sending && exec->outbox != NULL &&
          !aios_coordinator_tx_send_outcome (self, exec->run_id, exec->step_id,
                                             exec->outbox->id,
                                             exec->outbox->connector,
                                             exec->output, exec->error, 0, error))
        return AIOS_STEP_OUTCOME_NONE;
      return AIOS_STEP_OUTCOME_CANCELLED;
    }
  if (exec->error == NULL && exec->wait_until > 0)
    return tx_wait (self, exec, error) ? AIOS_STEP_OUTCOME_WAITING : AIOS_STEP_OUTCOME_NONE;
  if (exec->error == NULL)
    {
      if (tx_succeed (self, exec, claimed, &outcome, error))
        return outcome;
      if (exec->error == NULL)
        return AIOS_STEP_OUTCOME_NONE;
    }
  return tx_fail (self, exec, &outcome, error) ? outcome : AIOS_STEP_OUTCOME_NONE;
}
