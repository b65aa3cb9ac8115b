/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The control room's commands (see ARCHITECTURE.md, "Interfaces outward"):
 * flows, submit, runs, cancel, reject, policy (approvals, approve, undo and resolve are in aios-cli-approvals.c). `--json` prints one JSON document (an array
 * for lists, an object otherwise) whose members are stable for scripts.
 */
#define G_LOG_DOMAIN "aios-cli"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "aios-cli.h"
#include "control/aios-schedules.h"
#include "control/aios-approvals.h"
#include "control/aios-run-info.h"

static gboolean
parse_id (const char  *text,
          gint64      *out,
          GError     **error)
{
  guint64 value = 0;

  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT64, &value, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("“%s” is not a number; expected an id such as 12"), text);
      return FALSE;
    }
  *out = (gint64) value;
  return TRUE;
}

static JsonNode *
flow_to_json (AiosFlow *flow)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  JsonObject *schema = aios_flow_get_input_schema (flow);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, aios_flow_get_id (flow));
  json_builder_set_member_name (b, "title");
  json_builder_add_string_value (b, aios_flow_get_title (flow));
  json_builder_set_member_name (b, "description");
  json_builder_add_string_value (b, aios_flow_get_description (flow));
  json_builder_set_member_name (b, "source");
  json_builder_add_string_value (b, aios_flow_get_source (flow));
  json_builder_set_member_name (b, "hash");
  json_builder_add_string_value (b, aios_flow_get_hash (flow));
  json_builder_set_member_name (b, "input_schema");
  if (schema != NULL)
    json_builder_add_value (b, json_node_init_object (json_node_alloc (), schema));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "steps");
  json_builder_begin_array (b);
  for (guint i = 0; i < aios_flow_get_n_steps (flow); i++)
    {
      const AiosFlowStep *step = aios_flow_get_step (flow, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, step->name);
      json_builder_set_member_name (b, "agent");
      json_builder_add_string_value (b, step->agent);
      json_builder_set_member_name (b, "checkpoint");
      json_builder_add_string_value (b, aios_checkpoint_to_string (step->checkpoint));
      json_builder_set_member_name (b, "action");
      if (step->action_connector != NULL)
        json_builder_add_string_value (b, step->action_connector);
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static char *
describe_inputs (AiosFlow *flow)
{
  JsonObject *schema = aios_flow_get_input_schema (flow);
  g_autoptr(GString) out = g_string_new (NULL);
  JsonObject *props;
  JsonArray *required;
  JsonObjectIter iter;
  const char *name;
  JsonNode *prop;

  if (schema == NULL || !json_object_has_member (schema, "properties"))
    return g_strdup (_("(any)"));
  props = json_object_get_object_member (schema, "properties");
  required = json_object_has_member (schema, "required")
               ? json_object_get_array_member (schema, "required") : NULL;
  json_object_iter_init (&iter, props);
  while (json_object_iter_next (&iter, &name, &prop))
    {
      JsonObject *p = json_node_get_object (prop);
      gboolean needed = FALSE;

      for (guint i = 0; required != NULL && i < json_array_get_length (required); i++)
        needed |= g_strcmp0 (json_array_get_string_element (required, i), name) == 0;
      g_string_append_printf (out, "%s%s%s:%s", out->len ? ", " : "", name, needed ? "*" : "",
                              json_object_has_member (p, "type") ? json_object_get_string_member (p, "type") : "any");
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static int
flows_handler (AiosCliCall *call)
{
  AiosFlowRegistry *flows = aios_workspace_get_flows (aios_cli_call_get_workspace (call));
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  GPtrArray *errors;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };

  if (!aios_cli_call_parse (call, entries, 0, 0, &error))
    return aios_cli_call_fail (call, error);

  list = aios_flow_registry_list (flows);
  errors = aios_flow_registry_get_errors (flows);

  if (json)
    {
      g_autoptr(JsonArray) array = json_array_new ();
      g_autoptr(JsonNode) root = NULL;

      for (guint i = 0; i < list->len; i++)
        json_array_add_element (array, flow_to_json (g_ptr_array_index (list, i)));
      root = json_node_init_array (json_node_alloc (), array);
      aios_cli_call_print_json (call, root);
    }
  else
    {
      for (guint i = 0; i < list->len; i++)
        {
          AiosFlow *flow = g_ptr_array_index (list, i);
          g_autofree char *inputs = describe_inputs (flow);
          g_autoptr(GString) steps = g_string_new (NULL);

          for (guint s = 0; s < aios_flow_get_n_steps (flow); s++)
            {
              const AiosFlowStep *step = aios_flow_get_step (flow, s);
              g_string_append_printf (steps, "%s%s (%s%s%s)", s ? " → " : "", step->name, step->agent,
                                      step->action_connector ? ", " : "",
                                      step->action_connector ? step->action_connector : "");
            }
          aios_cli_call_print (call, "%-20s %s\n", aios_flow_get_id (flow), aios_flow_get_title (flow));
          aios_cli_call_print (call, "%-20s %s %s\n", "", _("input:"), inputs);
          aios_cli_call_print (call, "%-20s %s %s\n", "", _("steps:"), steps->str);
          if (aios_flow_get_schedule_json (flow) != NULL)
            {
              g_autofree char *when = aios_schedule_describe (aios_flow_get_schedule_json (flow));
              aios_cli_call_print (call, "%-20s %s %s\n", "", _("schedule:"), when);
            }
        }
      if (list->len == 0)
        aios_cli_call_print (call, "%s\n", _("No flows."));
    }

  /* Broken flow files are skipped, never silently. */
  for (guint i = 0; i < errors->len; i++)
    aios_cli_call_printerr (call, "aios: %s %s\n", _("skipped:"), (char *) g_ptr_array_index (errors, i));
  return 0;
}

/* What a JSON value is, for a message. */
static const char *
json_kind (JsonNode *node)
{
  if (JSON_NODE_HOLDS_NULL (node))
    return _("null");
  if (JSON_NODE_HOLDS_ARRAY (node))
    return _("an array");
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return _("a string");
  if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    return _("true or false");
  return _("a number");
}

static int
submit_handler (AiosCliCall *call)
{
  AiosWorkspace *workspace = aios_cli_call_get_workspace (call);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) input = NULL;
  g_autofree char *input_arg = NULL;
  gboolean json = FALSE;
  gboolean dry_run = FALSE;
  gint64 run_id;
  const GOptionEntry entries[] = {
    { "input", 0, 0, G_OPTION_ARG_STRING, &input_arg, N_("The run's input, a JSON file (- for stdin)"), "FILE" },
    { "dry-run", 0, 0, G_OPTION_ARG_NONE, &dry_run,
      N_("Run every step against the connectors' simulators and print what would be sent; nothing is sent"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };

  if (!aios_cli_call_parse (call, entries, 1, 1, &error))
    return aios_cli_call_fail (call, error);

  if (input_arg != NULL)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      const char *name = g_strcmp0 (input_arg, "-") == 0 ? _("on standard input") : input_arg;
      gsize len = 0;
      const char *data;
      JsonNode *root;

      bytes = aios_cli_call_read_file (call, input_arg, &error);
      if (bytes == NULL)
        return aios_cli_call_fail (call, error);
      data = g_bytes_get_data (bytes, &len);
      if (data == NULL)
        data = "";
      if (!json_parser_load_from_data (parser, data, len, &error))
        {
          g_autofree char *message = g_strdup_printf (_("The input %s is not valid JSON: %s"),
                                                      name, error->message);
          return aios_cli_call_fail_literal (call, message);
        }
      root = json_parser_get_root (parser);
      if (root == NULL)
        {
          g_autofree char *message = g_strdup_printf (_("The input %s is empty: give the run's input as a JSON object"),
                                                      name);
          return aios_cli_call_fail_literal (call, message);
        }
      if (!JSON_NODE_HOLDS_OBJECT (root))
        {
          g_autofree char *message = g_strdup_printf (_("The input %s must be one JSON object, not %s"),
                                                      name, json_kind (root));
          return aios_cli_call_fail_literal (call, message);
        }
      input = json_node_copy (root);
    }

  if (dry_run)
    return aios_cli_submit_dry_run (call, aios_cli_call_get_argv (call)[1], input, json);

  run_id = aios_coordinator_submit (aios_workspace_get_coordinator (workspace),
                                    aios_cli_call_get_argv (call)[1], input, "operator", &error);
  if (run_id == 0)
    return aios_cli_call_fail (call, error);

  if (json)
    aios_cli_call_print (call, "{\"run_id\": %" PRId64 "}\n", run_id);
  else
    aios_cli_call_print (call, "%" PRId64 "\n", run_id);
  aios_cli_call_set_needs_settle (call, TRUE);
  return 0;
}

static char *
describe_next (const AiosRunInfo *info)
{
  if (info->waiting_for != NULL && g_str_has_prefix (info->waiting_for, "approval"))
    return g_strdup (info->waiting_for);
  /* A timed wait says what it waits for: "Follow-up 1 due Thursday 10:00". */
  if (info->waiting_for != NULL && !g_str_equal (info->waiting_for, "retry"))
    return g_strdup (info->waiting_for);
  if (info->next_attempt_at > 0 && g_strcmp0 (info->step_status, "waiting") == 0)
    {
      g_autofree char *time = aios_store_format_time (info->next_attempt_at);
      return g_strdup_printf (_("retry at %s"), time);
    }
  return g_strdup ("");
}

static int
runs_handler (AiosCliCall *call)
{
  AiosStore *store = aios_workspace_get_store (aios_cli_call_get_workspace (call));
  g_autoptr(GError) error = NULL;
  gboolean json = FALSE, open = FALSE;
  gint64 after = 0;
  guint printed = 0;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { "open", 0, 0, G_OPTION_ARG_NONE, &open, N_("Only unfinished runs and those needing attention"), NULL },
    { NULL }
  };

  if (!aios_cli_call_parse (call, entries, 0, 0, &error))
    return aios_cli_call_fail (call, error);

  if (json)
    aios_cli_call_print (call, "[");
  else
    aios_cli_call_print (call, "%-6s %-20s %-10s %-24s %s\n", _("RUN"), _("FLOW"), _("STATUS"), _("STEP"), _("NEXT"));

  /* Keyset pages keep memory flat however many runs there are. */
  for (;;)
    {
      g_autoptr(GPtrArray) runs = aios_run_info_list (store, open, after, 500, &error);

      if (runs == NULL)
        return aios_cli_call_fail (call, error);
      if (runs->len == 0)
        break;
      for (guint i = 0; i < runs->len; i++)
        {
          AiosRunInfo *info = g_ptr_array_index (runs, i);

          if (json)
            {
              g_autoptr(JsonNode) node = aios_run_info_to_json (info);
              g_autofree char *text = json_to_string (node, FALSE);
              aios_cli_call_print (call, "%s\n  %s", printed ? "," : "", text);
            }
          else
            {
              g_autofree char *next = describe_next (info);
              g_autofree char *step = info->step_name
                ? g_strdup_printf ("%s (%s)", info->step_name, info->step_status) : g_strdup ("-");
              g_autofree char *flow = g_strdup_printf ("%s v%" PRId64, info->flow_id, info->flow_version);

              aios_cli_call_print (call, "%-6" PRId64 " %-20s %-10s %-24s %s\n",
                                   info->id, flow, info->status, step, next);
              if (info->attention != NULL)
                aios_cli_call_print (call, "%-6s %s %s\n", "", _("needs attention:"), info->attention);
            }
          printed++;
          after = info->id;
        }
    }

  if (json)
    aios_cli_call_print (call, "%s]\n", printed ? "\n" : "");
  return 0;
}

static int
cancel_handler (AiosCliCall *call)
{
  AiosWorkspace *workspace = aios_cli_call_get_workspace (call);
  g_autoptr(GError) error = NULL;
  gint64 run_id;

  if (!aios_cli_call_parse (call, NULL, 1, 1, &error) ||
      !parse_id (aios_cli_call_get_argv (call)[1], &run_id, &error) ||
      !aios_coordinator_cancel (aios_workspace_get_coordinator (workspace), run_id, "operator", &error))
    return aios_cli_call_fail (call, error);
  aios_cli_call_print (call, _("Run %" PRId64 " cancelled\n"), run_id);
  return 0;
}

static JsonNode *
read_json_arg (AiosCliCall  *call,
               const char   *arg,
               GError      **error)
{
  g_autoptr(GBytes) bytes = aios_cli_call_read_file (call, arg, error);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) parse_error = NULL;

  if (bytes == NULL)
    return NULL;
  if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &parse_error) ||
      json_parser_get_root (parser) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("%s is not valid JSON: %s"), arg,
                   parse_error ? parse_error->message : _("it is empty"));
      return NULL;
    }
  return json_node_copy (json_parser_get_root (parser));
}

static int
reject_handler (AiosCliCall *call)
{
  AiosWorkspace *workspace = aios_cli_call_get_workspace (call);
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;
  gint64 id;
  const GOptionEntry entries[] = {
    { "reason", 0, 0, G_OPTION_ARG_STRING, &reason, N_("Why (kept as a decision record)"), "TEXT" },
    { NULL }
  };

  if (!aios_cli_call_parse (call, entries, 1, 1, &error) ||
      !parse_id (aios_cli_call_get_argv (call)[1], &id, &error))
    return aios_cli_call_fail (call, error);
  if (!aios_coordinator_reject (aios_workspace_get_coordinator (workspace), id, "operator", reason, &error))
    return aios_cli_call_fail (call, error);
  aios_cli_call_print (call, _("Approval %" PRId64 " rejected\n"), id);
  return 0;
}

static int
policy_handler (AiosCliCall *call)
{
  AiosCoordinator *coordinator = aios_workspace_get_coordinator (aios_cli_call_get_workspace (call));
  AiosPolicy *policy = aios_coordinator_get_policy (coordinator);
  g_autoptr(GError) error = NULL;
  g_autofree char *connector = NULL;
  g_autofree char *when = NULL;
  g_autofree char *description = NULL;
  gboolean allow = FALSE, deny = FALSE, json = FALSE;
  char **argv;
  const GOptionEntry entries[] = {
    { "connector", 0, 0, G_OPTION_ARG_STRING, &connector, N_("The connector it applies to, or *"), "NAME" },
    { "allow", 0, 0, G_OPTION_ARG_NONE, &allow, N_("An allow rule"), NULL },
    { "deny", 0, 0, G_OPTION_ARG_NONE, &deny, N_("A deny rule"), NULL },
    { "when", 0, 0, G_OPTION_ARG_STRING, &when, N_("Its conditions, a JSON array (- for stdin)"), "FILE" },
    { "description", 0, 0, G_OPTION_ARG_STRING, &description, N_("What it is for, in words"), "TEXT" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };

  if (!aios_cli_call_parse (call, entries, 1, 2, &error))
    return aios_cli_call_fail (call, error);
  argv = aios_cli_call_get_argv (call);

  if (g_str_equal (argv[1], "list") && argv[2] == NULL)
    {
      g_autoptr(JsonArray) rules = aios_policy_list_rules (policy, &error);

      if (rules == NULL)
        return aios_cli_call_fail (call, error);
      if (json)
        {
          g_autoptr(JsonNode) root = json_node_init_array (json_node_alloc (), rules);
          aios_cli_call_print_json (call, root);
          return 0;
        }
      for (guint i = 0; i < json_array_get_length (rules); i++)
        {
          JsonObject *rule = json_array_get_object_element (rules, i);
          g_autoptr(JsonNode) conditions = json_node_copy (json_object_get_member (rule, "conditions"));
          g_autofree char *text = json_to_string (conditions, FALSE);

          aios_cli_call_print (call, "%-24s %-5s %-10s %s\n", json_object_get_string_member (rule, "name"),
                               json_object_get_string_member (rule, "effect"),
                               json_object_get_string_member (rule, "connector"), text);
        }
      if (json_array_get_length (rules) == 0)
        aios_cli_call_print (call, "%s\n", _("No rules: every outward action asks the operator."));
      return 0;
    }

  if (g_str_equal (argv[1], "add") && argv[2] != NULL)
    {
      g_autoptr(JsonNode) conditions = NULL;

      if (connector == NULL || allow == deny || when == NULL)
        return aios_cli_call_fail_literal (call, _("Use: aios policy add NAME --connector NAME --allow|--deny --when FILE"));
      conditions = read_json_arg (call, when, &error);
      if (conditions == NULL)
        return aios_cli_call_fail (call, error);
      if (!JSON_NODE_HOLDS_ARRAY (conditions))
        return aios_cli_call_fail_literal (call, _("The conditions must be a JSON array"));
      if (aios_policy_add_rule (policy, argv[2], connector, allow, json_node_get_array (conditions), description,
                                "operator", &error) == 0)
        return aios_cli_call_fail (call, error);
      return 0;
    }

  if (g_str_equal (argv[1], "remove") && argv[2] != NULL)
    {
      if (!aios_policy_remove_rule (policy, argv[2], "operator", &error))
        return aios_cli_call_fail (call, error);
      return 0;
    }

  return aios_cli_call_fail_literal (call, _("Use: aios policy list | add NAME … | remove NAME"));
}

static int
replay_handler (AiosCliCall *call)
{
  AiosWorkspace *workspace = aios_cli_call_get_workspace (call);
  g_autoptr(GError) error = NULL;
  g_autofree char *from = NULL;
  gboolean fresh = FALSE, json = FALSE;
  gint64 run_id, child;
  const GOptionEntry entries[] = {
    { "from", 0, 0, G_OPTION_ARG_STRING, &from, N_("The step to run again from (name or number)"), "STEP" },
    { "fresh", 0, 0, G_OPTION_ARG_NONE, &fresh, N_("Ask the agents again instead of reusing recorded outputs"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };

  if (!aios_cli_call_parse (call, entries, 1, 1, &error) ||
      !parse_id (aios_cli_call_get_argv (call)[1], &run_id, &error))
    return aios_cli_call_fail (call, error);
  if (from == NULL)
    return aios_cli_call_fail_literal (call, _("Use: aios replay RUN --from STEP [--fresh]"));
  child = aios_coordinator_replay (aios_workspace_get_coordinator (workspace), run_id, from, fresh, "operator", &error);
  if (child == 0)
    return aios_cli_call_fail (call, error);
  if (json)
    aios_cli_call_print (call, "{\"run_id\": %" PRId64 "}\n", child);
  else
    aios_cli_call_print (call, "%" PRId64 "\n", child);
  aios_cli_call_set_needs_settle (call, TRUE);
  return 0;
}

static int
retry_handler (AiosCliCall *call)
{
  AiosWorkspace *workspace = aios_cli_call_get_workspace (call);
  g_autoptr(GError) error = NULL;
  gboolean json = FALSE;
  gint64 run_id, child;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };

  if (!aios_cli_call_parse (call, entries, 1, 1, &error) ||
      !parse_id (aios_cli_call_get_argv (call)[1], &run_id, &error))
    return aios_cli_call_fail (call, error);
  child = aios_coordinator_retry (aios_workspace_get_coordinator (workspace), run_id, "operator", &error);
  if (child == 0)
    return aios_cli_call_fail (call, error);
  if (json)
    aios_cli_call_print (call, "{\"run_id\": %" PRId64 "}\n", child);
  else
    aios_cli_call_print (call, "%" PRId64 "\n", child);
  aios_cli_call_set_needs_settle (call, TRUE);
  return 0;
}

static int
overturn_handler (AiosCliCall *call)
{
  AiosWorkspace *workspace = aios_cli_call_get_workspace (call);
  g_autoptr(GError) error = NULL;
  gboolean json = FALSE;
  gint64 run_id, child;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };

  if (!aios_cli_call_parse (call, entries, 1, 1, &error) ||
      !parse_id (aios_cli_call_get_argv (call)[1], &run_id, &error))
    return aios_cli_call_fail (call, error);
  child = aios_coordinator_overturn (aios_workspace_get_coordinator (workspace), run_id, "operator", &error);
  if (child == 0)
    return aios_cli_call_fail (call, error);
  if (json)
    aios_cli_call_print (call, "{\"run_id\": %" PRId64 "}\n", child);
  else
    aios_cli_call_print (call, "%" PRId64 "\n", child);
  aios_cli_call_set_needs_settle (call, TRUE);
  return 0;
}

static int
rollback_handler (AiosCliCall *call)
{
  AiosWorkspace *workspace = aios_cli_call_get_workspace (call);
  g_autoptr(GError) error = NULL;
  gint64 run_id;

  if (!aios_cli_call_parse (call, NULL, 1, 1, &error) ||
      !parse_id (aios_cli_call_get_argv (call)[1], &run_id, &error) ||
      !aios_coordinator_rollback (aios_workspace_get_coordinator (workspace), run_id, "operator", &error))
    return aios_cli_call_fail (call, error);
  aios_cli_call_print (call, _("Run %" PRId64 " rolled back; “aios journal --run %" PRId64
                               "” shows what was restored and what could not be undone\n"), run_id, run_id);
  return 0;
}

static const AiosCliCommand commands[] = {
  { "flows", "[--json]", N_("The flows Aios knows, with their input"), flows_handler },
  { "submit", "FLOW [--input FILE|-] [--dry-run] [--json]", N_("Start a run of a flow; prints its id"), submit_handler },
  { "runs", "[--open] [--json]", N_("Runs with their status, current step and next attempt"), runs_handler },
  { "cancel", "RUN", N_("Cancel a run that has not finished"), cancel_handler },
  { "schedules", "[--json] | pause FLOW | resume FLOW",
    N_("The flows' schedules with their next time; pause or resume one"), aios_cli_schedules_handler },
  { "replay", "RUN --from STEP [--fresh] [--json]", N_("Fork a run from a step (recorded outputs reused unless --fresh)"),
    replay_handler },
  { "retry", "RUN [--json]", N_("Retry a failed run from its failed step with the current flow, as a fork"), retry_handler },
  { "overturn", "RUN [--json]", N_("Write anyway: overturn a run's decline with a new run; prints its id"),
    overturn_handler },
  { "rollback", "RUN", N_("Restore the memory a run changed and cancel its unsent actions"), rollback_handler },
  { "approvals", "[--all] [--json]", N_("Approvals waiting for a decision: what, to whom, its age and why"),
    aios_cli_approvals_handler },
  { "approve", "ID [--edit FILE] [--reason TEXT]",
    N_("Approve (optionally with edited fields as JSON); says when it is sent"), aios_cli_approve_handler },
  { "undo", "ID", N_("Take back an approval (ID) inside its undo grace (approvals.undo_s): nothing is sent"),
    aios_cli_undo_handler },
  { "resolve", "ID --sent | --send-again",
    N_("An action of unknown outcome (ID: its approval): record it as sent, or send it again with the same key"),
    aios_cli_resolve_handler },
  { "reject", "ID --reason TEXT", N_("Reject, with the reason kept as a decision record"), reject_handler },
  { "policy", "list | add NAME … | remove NAME",
    N_("Rules that allow or deny outward actions (add: --connector C --allow|--deny --when FILE)"),
    policy_handler },
  { NULL }
};

const AiosCliCommand *
aios_cli_control_commands (void)
{
  return commands;
}
