/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The control room's commands (see ARCHITECTURE.md, "Interfaces outward"):
 * flows, submit, runs, cancel. `--json` prints one JSON document (an array
 * for lists, an object otherwise) whose members are stable for scripts.
 */
#define G_LOG_DOMAIN "aios-cli"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-cli.h"
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

static void
print_json (AiosCliCall *call,
            JsonNode    *node)
{
  g_autofree char *text = json_to_string (node, TRUE);
  aios_cli_call_print (call, "%s\n", text);
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
      print_json (call, root);
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
        }
      if (list->len == 0)
        aios_cli_call_print (call, "%s\n", _("No flows."));
    }

  /* Broken flow files are skipped, never silently. */
  for (guint i = 0; i < errors->len; i++)
    aios_cli_call_printerr (call, "aios: %s %s\n", _("skipped:"), (char *) g_ptr_array_index (errors, i));
  return 0;
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
  gint64 run_id;
  const GOptionEntry entries[] = {
    { "input", 0, 0, G_OPTION_ARG_STRING, &input_arg, N_("The run's input, a JSON file (- for stdin)"), "FILE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };

  if (!aios_cli_call_parse (call, entries, 1, 1, &error))
    return aios_cli_call_fail (call, error);

  if (input_arg != NULL)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      bytes = aios_cli_call_read_file (call, input_arg, &error);
      if (bytes == NULL)
        return aios_cli_call_fail (call, error);
      if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error))
        {
          g_autofree char *message = g_strdup_printf (_("The input %s is not valid JSON: %s"),
                                                      input_arg, error->message);
          return aios_cli_call_fail_literal (call, message);
        }
      input = json_node_copy (json_parser_get_root (parser));
    }

  run_id = aios_coordinator_submit (aios_workspace_get_coordinator (workspace),
                                    aios_cli_call_get_argv (call)[1], input, "operator", &error);
  if (run_id == 0)
    return aios_cli_call_fail (call, error);

  if (json)
    aios_cli_call_print (call, "{\"run_id\": %" G_GINT64_FORMAT "}\n", run_id);
  else
    aios_cli_call_print (call, "%" G_GINT64_FORMAT "\n", run_id);
  aios_cli_call_set_needs_settle (call, TRUE);
  return 0;
}

static char *
describe_next (const AiosRunInfo *info)
{
  if (info->waiting_for != NULL && g_str_has_prefix (info->waiting_for, "approval"))
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
              g_autofree char *flow = g_strdup_printf ("%s v%" G_GINT64_FORMAT, info->flow_id, info->flow_version);

              aios_cli_call_print (call, "%-6" G_GINT64_FORMAT " %-20s %-10s %-24s %s\n",
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
  aios_cli_call_print (call, _("Run %" G_GINT64_FORMAT " cancelled\n"), run_id);
  return 0;
}

static const AiosCliCommand commands[] = {
  { "flows", "[--json]", N_("The flows Aios knows, with their input"), flows_handler },
  { "submit", "FLOW [--input FILE|-] [--json]", N_("Start a run of a flow; prints its id"), submit_handler },
  { "runs", "[--open] [--json]", N_("Runs with their status, current step and next attempt"), runs_handler },
  { "cancel", "RUN", N_("Cancel a run that has not finished"), cancel_handler },
  { NULL }
};

const AiosCliCommand *
aios_cli_control_commands (void)
{
  return commands;
}
