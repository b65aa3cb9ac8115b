/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A run in words, by what it is about: "Outreach to Dana Whitfield" for a
 * lead-outreach run whose input names Dana, the flow's own title ("Reach
 * out to a lead") when the flow has no wording of its own here or the
 * input names no one, and the flow's id only when the flow is unknown.
 * The Today page, the Runs list and the Inbox title runs with it, so one
 * run has one name everywhere.
 */
#define G_LOG_DOMAIN "aios-control"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "aios-run-title.h"
#include "aios-runs.h"

/* The built-in flows' titles for a run about someone; %s is the name. */
static const struct {
  const char *flow_id;
  const char *title;
} titles[] = {
  /* Translators: a run's title; %s is the lead's name */
  { "lead-outreach", N_("Outreach to %s") },
  /* Translators: a run's title; %s is the lead's name */
  { "lead-followup", N_("Follow-up with %s") },
  /* Translators: a run's title; %s is a person's name */
  { "greeting", N_("Greeting for %s") },
};

static char *
input_name (const char *input_json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  const char *name;

  if (input_json == NULL || !json_parser_load_from_data (parser, input_json, -1, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  name = json_object_get_string_member_with_default (json_node_get_object (root), "name", NULL);
  if (name == NULL)
    return NULL;
  name = g_strstrip (g_strdup (name));
  if (*name == '\0' || strchr (name, '\n') != NULL)
    {
      g_free ((char *) name);
      return NULL;
    }
  return (char *) name;
}

/**
 * aios_run_title:
 * @flows: (nullable): for the flow's title
 * @flow_id: the run's flow
 * @input_json: (nullable): the run's input
 *
 * Returns: (transfer full): the run's title in words
 */
char *
aios_run_title (AiosFlowRegistry *flows,
                const char       *flow_id,
                const char       *input_json)
{
  g_autofree char *name = input_name (input_json);
  g_autoptr(AiosFlow) flow = NULL;

  g_return_val_if_fail (flow_id != NULL, NULL);
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (titles); i++)
    if (g_str_equal (titles[i].flow_id, flow_id))
      return g_strdup_printf (_(titles[i].title), name);
  flow = flows != NULL ? aios_flow_registry_lookup (flows, flow_id, NULL) : NULL;
  if (flow != NULL && aios_flow_get_title (flow) != NULL && *aios_flow_get_title (flow) != '\0')
    return g_strdup (aios_flow_get_title (flow));
  return g_strdup (flow_id);
}

/**
 * aios_run_title_for_run:
 *
 * Returns: (transfer full) (nullable): aios_run_title() of @run_id, %NULL
 *   when there is no such run
 */
char *
aios_run_title_for_run (AiosStore        *store,
                        AiosFlowRegistry *flows,
                        gint64            run_id)
{
  g_auto(AiosRunRow) row = { 0 };

  if (!aios_runs_load (store, run_id, &row, NULL))
    return NULL;
  return aios_run_title (flows, row.flow_id, row.input_json);
}
