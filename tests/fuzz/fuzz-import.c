/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Imports into memory through aios_memory_import, in the format FUZZ_FORMAT
 * (CSV, VCARD or WORKSPACE; three targets, one file): src/memory/aios-memory-
 * import-csv.c, -vcard.c and aios-memory-workspace.c, writing into a real
 * workspace opened once.
 */
#include "config.h"

#include "fuzz-util.h"
#include "memory/aios-memory-import.h"

#define FORMAT_(f) AIOS_IMPORT_##f
#define FORMAT(f) FORMAT_ (f)

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
  AiosMemory *memory = aios_workspace_get_memory (fuzz_workspace ());
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosImportReport) report = aios_memory_import (memory, bytes, FORMAT (FUZZ_FORMAT), "fuzz",
                                                           NULL, NULL, &error);

  if (report == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }
  for (guint i = 0; i < report->skips->len; i++)
    g_assert_true (g_utf8_validate (((AiosImportNote *) report->skips->pdata[i])->message, -1, NULL));
  {
    g_autoptr(JsonNode) json = aios_import_report_to_json (report);
    g_assert_nonnull (json);
  }
  return 0;
}
