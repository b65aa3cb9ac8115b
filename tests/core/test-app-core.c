/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Which command lines need the GTK application: the window and D-Bus
 * activation do, commands must run without a display, --headless uses one
 * when there is one. And what `aios status` says about the process that
 * holds a workspace's coordinator.
 */
#include "config.h"

#include <unistd.h>
#include <json-glib/json-glib.h>

#include "app/aios-app-core.h"
#include "cli/aios-cli.h"

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

static void
test_wants_headless (void)
{
  char *headless[] = { (char *) "aios", (char *) "--headless", NULL };
  char *with_workspace[] = { (char *) "aios", (char *) "--workspace", (char *) "/tmp/w.db",
                             (char *) "--headless", NULL };
  char *window[] = { (char *) "aios", NULL };
  char *command[] = { (char *) "aios", (char *) "runs", (char *) "--headless", NULL };

  g_assert_true (aios_app_core_wants_headless (2, headless));
  g_assert_true (aios_app_core_wants_headless (4, with_workspace));
  g_assert_false (aios_app_core_wants_headless (1, window));
  /* after the command word it is the command's option */
  g_assert_false (aios_app_core_wants_headless (3, command));
}

static JsonObject *
status_json (AiosWorkspace *workspace)
{
  const char *words[] = { "status", "--json", NULL };
  g_autoptr(AiosCliCall) call = aios_cli_call_new (workspace, NULL, words);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (aios_cli_run (call), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, aios_cli_call_get_output (call), -1, &error));
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* The holder of the coordinator lock is named without taking the lock;
 * status reports this process while its coordinator runs, none after. */
static void
test_status_holder (void)
{
  g_autofree char *dir = g_dir_make_tmp ("aios-status-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "workspace.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosWorkspace) workspace = aios_workspace_open (path, &error);
  g_autoptr(JsonObject) before = NULL;
  g_autoptr(JsonObject) running = NULL;
  g_autoptr(JsonObject) after = NULL;
  AiosCoordinator *coordinator;
  gint64 now_ms = g_get_real_time () / 1000;

  g_assert_no_error (error);
  coordinator = aios_workspace_get_coordinator (workspace);
  g_assert_cmpint (aios_coordinator_find_holder (path), ==, 0);
  before = status_json (workspace);
  g_assert_false (json_object_get_boolean_member (before, "running"));
  g_assert_true (json_object_get_null_member (before, "pid"));
  g_assert_cmpstr (json_object_get_string_member (before, "workspace"), ==, path);

  g_assert_true (aios_workspace_start (workspace, &error));
  g_assert_no_error (error);
  g_assert_true (aios_coordinator_is_active (coordinator));
  g_assert_cmpint (aios_coordinator_find_holder (path), ==, getpid ());
  g_assert_cmpint (aios_coordinator_get_started_at (coordinator) / 1000, >=, now_ms);
  running = status_json (workspace);
  g_assert_true (json_object_get_boolean_member (running, "running"));
  g_assert_cmpint (json_object_get_int_member (running, "pid"), ==, getpid ());
  g_assert_cmpint (json_object_get_int_member (running, "started_at"), >=, now_ms);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (running, "approvals"),
                                               "pending"), ==, 0);

  aios_coordinator_stop (coordinator);
  g_assert_cmpint (aios_coordinator_find_holder (path), ==, 0);
  g_assert_cmpint (aios_coordinator_get_started_at (coordinator), ==, 0);
  after = status_json (workspace);
  g_assert_false (json_object_get_boolean_member (after, "running"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/app-core/wants-window", test_wants_window);
  g_test_add_func ("/app-core/wants-headless", test_wants_headless);
  g_test_add_func ("/app-core/status-holder", test_status_holder);

  return g_test_run ();
}
