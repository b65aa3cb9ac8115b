/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Which command lines need the GTK application: the window and D-Bus
 * activation do, commands and --headless must run without a display.
 */
#include "config.h"

#include "app/aios-app-core.h"

static gboolean
wants_window (const char *first,
              ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  va_list args;

  g_ptr_array_add (argv, (char *) "aios");
  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  return aios_app_core_wants_window ((int) argv->len - 1, (char **) argv->pdata);
}

static void
test_wants_window (void)
{
  g_assert_true (wants_window (NULL));
  g_assert_true (wants_window ("--workspace", "/tmp/w.db", NULL));
  g_assert_true (wants_window ("--gapplication-service", NULL));
  g_assert_false (wants_window ("--headless", NULL));
  g_assert_false (wants_window ("journal", "--json", NULL));
  g_assert_false (wants_window ("--workspace", "/tmp/w.db", "config", "get", "smtp.url", NULL));
  g_assert_false (wants_window ("--no-such-option", NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/app-core/wants-window", test_wants_window);

  return g_test_run ();
}
