/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `aios schedules`: the flows' schedules with their next time, and pausing
 * and resuming one (listed in the control room's table).
 */
#define G_LOG_DOMAIN "aios-cli"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "aios-cli.h"
#include "app/aios-workspace.h"
#include "control/aios-flow-registry.h"
#include "control/aios-schedules.h"

static JsonNode *
schedule_to_json (const AiosScheduleInfo *info)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) spec = json_from_string (info->spec_json, NULL);
  g_autofree char *what = aios_schedule_describe (info->spec_json);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "flow");
  json_builder_add_string_value (b, info->flow_id);
  json_builder_set_member_name (b, "schedule");
  json_builder_add_value (b, spec ? g_steal_pointer (&spec) : json_node_new (JSON_NODE_NULL));
  json_builder_set_member_name (b, "description");
  json_builder_add_string_value (b, what);
  json_builder_set_member_name (b, "paused");
  json_builder_add_boolean_value (b, info->paused);
  json_builder_set_member_name (b, "last_tick_at");
  if (info->last_tick_at > 0)
    json_builder_add_int_value (b, info->last_tick_at);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "last_run_id");
  if (info->last_run_id > 0)
    json_builder_add_int_value (b, info->last_run_id);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "next_at");
  if (!info->paused && info->next_at > 0)
    json_builder_add_int_value (b, info->next_at);
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/**
 * aios_cli_schedules_handler:
 *
 * `aios schedules [--json]`, `aios schedules pause FLOW`, `aios schedules resume FLOW`.
 */
int
aios_cli_schedules_handler (AiosCliCall *call)
{
  AiosWorkspace *workspace = aios_cli_call_get_workspace (call);
  AiosStore *store = aios_workspace_get_store (workspace);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  gboolean json = FALSE;
  char **argv;
  int argc;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };

  if (!aios_cli_call_parse (call, entries, 0, 2, &error))
    return aios_cli_call_fail (call, error);
  argv = aios_cli_call_get_argv (call);
  argc = aios_cli_call_get_argc (call);
  /* The flows' files are the truth: bring the table in step first. */
  if (!aios_schedules_sync_all (store, aios_workspace_get_flows (workspace), &error))
    return aios_cli_call_fail (call, error);

  if (argc >= 2)
    {
      gboolean pause = g_str_equal (argv[1], "pause");

      if ((!pause && !g_str_equal (argv[1], "resume")) || argc != 3)
        return aios_cli_call_fail_literal (call, _("Use: aios schedules [--json] | pause FLOW | resume FLOW"));
      if (!aios_schedules_set_paused (store, argv[2], pause, &error))
        return aios_cli_call_fail (call, error);
      aios_cli_call_print (call, pause ? _("The schedule of %s is paused\n")
                                       : _("The schedule of %s runs again from its next time\n"), argv[2]);
      return 0;
    }

  list = aios_schedules_list (store, &error);
  if (list == NULL)
    return aios_cli_call_fail (call, error);
  if (json)
    {
      g_autoptr(JsonArray) array = json_array_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *text = NULL;

      for (guint i = 0; i < list->len; i++)
        json_array_add_element (array, schedule_to_json (list->pdata[i]));
      root = json_node_init_array (json_node_alloc (), g_steal_pointer (&array));
      text = json_to_string (root, TRUE);
      aios_cli_call_print (call, "%s\n", text);
      return 0;
    }
  if (list->len == 0)
    {
      aios_cli_call_print (call, "%s\n", _("No flow has a schedule."));
      return 0;
    }
  aios_cli_call_print (call, "%-20s %-36s %s\n", _("FLOW"), _("SCHEDULE"), _("NEXT"));
  for (guint i = 0; i < list->len; i++)
    {
      AiosScheduleInfo *info = list->pdata[i];
      g_autofree char *what = aios_schedule_describe (info->spec_json);
      g_autofree char *next = info->next_at > 0 ? aios_store_format_time (info->next_at) : g_strdup ("—");

      aios_cli_call_print (call, "%-20s %-36s %s\n", info->flow_id, what,
                           info->paused ? _("paused") : next);
    }
  return 0;
}
