/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Flow files (src/control/aios-flow-parse.c) through aios_flow_new_from_data,
 * against the workspace's real agent registry.
 */
#include "config.h"

#include "fuzz-util.h"
#include "control/aios-flow.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  fuzz_workspace ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosFlow) flow = aios_flow_new_from_data ((const char *) data, size, "fuzz.json",
                                                      aios_workspace_get_agents (fuzz_workspace ()), &error);

  if (flow == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }
  g_assert_nonnull (aios_flow_get_id (flow));
  g_assert_nonnull (aios_flow_get_canonical_json (flow));
  for (guint i = 0; i < aios_flow_get_n_steps (flow); i++)
    g_assert_nonnull (aios_flow_get_step (flow, i));
  return 0;
}
