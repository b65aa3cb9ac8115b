/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An intake request's body as src/app/aios-intake-server.c takes it:
 * aios_intake_parse_body, then the lead-followup flow's input check
 * (aios_flow_check_input), as handle_cb does before submitting a run.
 */
#include "config.h"

#include "fuzz-util.h"
#include "app/aios-intake-server.h"
#include "control/aios-flow-registry.h"

static AiosFlow *flow;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_autoptr(GError) error = NULL;

  fuzz_init ();
  flow = aios_flow_registry_lookup (aios_workspace_get_flows (fuzz_workspace ()), "lead-followup", &error);
  if (flow == NULL)
    g_error ("fuzz: no lead-followup flow: %s", error->message);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  const char *code = NULL;
  guint status = 0;

  root = aios_intake_parse_body ((const char *) data, size, &status, &code, &message);
  if (root == NULL)
    {
      g_assert_true (status >= 400 && status < 500);
      g_assert_nonnull (code);
      g_assert_nonnull (message);
      return 0;
    }
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  if (!aios_flow_check_input (flow, root, &error))
    {
      g_assert_nonnull (error);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
    }
  return 0;
}
