/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `aios submit FLOW --dry-run [--json]` (the option is parsed by submit in
 * aios-cli-control.c): the whole flow on a scratch copy of the workspace
 * against the connectors' simulators (app/aios-workspace-dry-run.c); each
 * step's outcome and every preview of what would have been sent.
 */
#define G_LOG_DOMAIN "aios-cli"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "aios-cli.h"
#include "app/aios-workspace-dry-run.h"

static void
done_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
print_preview (AiosCliCall *call,
               JsonNode    *preview)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if (preview == NULL || !JSON_NODE_HOLDS_OBJECT (preview))
    {
      g_autofree char *text = preview ? json_to_string (preview, TRUE) : g_strdup ("null");
      aios_cli_call_print (call, "   %s\n", text);
      return;
    }
  json_object_iter_init (&iter, json_node_get_object (preview));
  while (json_object_iter_next (&iter, &name, &value))
    {
      if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING &&
          strchr (json_node_get_string (value), '\n') != NULL)
        {
          g_auto(GStrv) lines = g_strsplit (json_node_get_string (value), "\n", -1);

          aios_cli_call_print (call, "   %s\n", name);
          for (guint i = 0; lines[i] != NULL; i++)
            aios_cli_call_print (call, "   | %s\n", lines[i]);
        }
      else if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
        aios_cli_call_print (call, "   %-10s %s\n", name, json_node_get_string (value));
      else
        {
          g_autofree char *text = json_to_string (value, FALSE);
          aios_cli_call_print (call, "   %-10s %s\n", name, text);
        }
    }
}

/**
 * aios_cli_submit_dry_run:
 *
 * Returns: the exit status: 0 when every step ran (a dry run whose step
 *   fails says so and exits 1)
 */
int
aios_cli_submit_dry_run (AiosCliCall *call,
                         const char  *flow_id,
                         JsonNode    *input,
                         gboolean     json)
{
  AiosWorkspace *workspace = aios_cli_call_get_workspace (call);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) steps = NULL;
  gboolean failed = FALSE;
  guint actions = 0;

  aios_workspace_dry_run_async (workspace, flow_id, input, NULL, done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  steps = aios_workspace_dry_run_finish (workspace, result, &error);
  if (steps == NULL)
    return aios_cli_call_fail (call, error);

  for (guint i = 0; i < steps->len; i++)
    {
      AiosDryRunStep *step = steps->pdata[i];

      failed |= step->outcome == AIOS_DRY_RUN_FAILED || step->outcome == AIOS_DRY_RUN_WOULD_DENY;
      actions += step->connector != NULL;
    }

  if (json)
    {
      g_autoptr(JsonNode) node = aios_dry_run_to_json (flow_id, steps);
      g_autofree char *text = json_to_string (node, TRUE);

      aios_cli_call_print (call, "%s\n", text);
      return failed ? 1 : 0;
    }

  aios_cli_call_print (call, _("Dry run of %s: nothing was sent, nothing was queued and no run was recorded.\n\n"),
                       flow_id);
  for (guint i = 0; i < steps->len; i++)
    {
      AiosDryRunStep *step = steps->pdata[i];

      aios_cli_call_print (call, "%u. %s (%s): %s\n", i + 1, step->name, step->agent, aios_dry_run_outcome_to_words (step->outcome));
      if (step->error != NULL)
        aios_cli_call_print (call, "   %s\n", step->error);
      if (step->title != NULL)
        aios_cli_call_print (call, _("   What would have been sent: %s%s%s\n"), step->title,
                             step->subtitle ? " — " : "", step->subtitle ? step->subtitle : "");
      if (step->rule != NULL)
        aios_cli_call_print (call, _("   Policy rule: %s\n"), step->rule);
      if (step->preview != NULL)
        print_preview (call, step->preview);
      else if (step->output != NULL && step->outcome == AIOS_DRY_RUN_RAN)
        {
          g_autofree char *text = json_to_string (step->output, FALSE);
          gboolean cut = g_utf8_strlen (text, -1) > 200;

          if (cut)
            *g_utf8_offset_to_pointer (text, 200) = '\0';
          aios_cli_call_print (call, _("   output     %s%s\n"), text, cut ? "…" : "");
        }
      if (step->preview != NULL)
        aios_cli_call_print (call, "\n");
    }
  {
    g_autoptr(AiosFlow) flow = aios_flow_registry_lookup (aios_workspace_get_flows (workspace), flow_id, NULL);

    if (flow != NULL && steps->len < aios_flow_get_n_steps (flow))
      aios_cli_call_print (call, _("The steps after it were not reached.\n"));
  }
  aios_cli_call_print (call, g_dngettext (GETTEXT_PACKAGE, "%u outward action previewed; none sent.\n",
                                          "%u outward actions previewed; none sent.\n", actions), actions);
  return failed ? 1 : 0;
}
