/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bad input to the commands, run in-process as the long-running service
 * runs them (criticals are fatal here, as they abort the service): an
 * empty secret on stdin, an empty or non-object run input. Each is one
 * clear line and exit status 1; nothing is stored or submitted, and the
 * process goes on to serve the next command.
 */
#include "config.h"

#include <string.h>

#include "cli/aios-cli.h"
#include "control-test-util.h"

static int
run_cli (AiosWorkspace *ws,
         const char    *stdin_text,
         gssize         stdin_len,
         char         **out,
         const char    *first,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(AiosCliCall) call = NULL;
  va_list args;
  int status;

  va_start (args, first);
  for (const char *a = first; a != NULL; a = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  call = aios_cli_call_new (ws, NULL, (const char * const *) argv->pdata);
  if (stdin_text != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (stdin_text, stdin_len < 0 ? strlen (stdin_text) : (gsize) stdin_len);
      aios_cli_call_set_stdin (call, bytes);
    }
  status = aios_cli_run (call);
  if (out != NULL)
    *out = g_strconcat (aios_cli_call_get_output (call) ? aios_cli_call_get_output (call) : "",
                        aios_cli_call_get_errors (call) ? aios_cli_call_get_errors (call) : "", NULL);
  return status;
}

static gint64
count_runs (AiosWorkspace *ws)
{
  return test_query_int (aios_workspace_get_store (ws), "SELECT COUNT(*) FROM runs WHERE id > ?", 0);
}

static void
test_empty_secret (void)
{
  g_autofree char *dir = test_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "workspace.db", NULL);
  g_autoptr(AiosWorkspace) ws = test_open_workspace (path, NULL);
  const char *empties[] = { "", "\n", "\r\n" };

  for (guint i = 0; i < G_N_ELEMENTS (empties); i++)
    {
      g_autofree char *out = NULL;

      g_assert_cmpint (run_cli (ws, empties[i], -1, &out, "credentials", "set", "smtp", NULL), ==, 1);
      g_test_message ("%s", out);
      g_assert_true (g_str_has_prefix (out, "aios: "));
      g_assert_nonnull (strstr (out, "secret is empty"));
      g_assert_true (strchr (out, '\n') == out + strlen (out) - 1);   /* one line */
    }
  /* A NUL byte is refused too, and the service is still there to say so. */
  {
    g_autofree char *out = NULL;
    g_assert_cmpint (run_cli (ws, "a\0b", 3, &out, "credentials", "set", "smtp", NULL), ==, 1);
    g_assert_nonnull (strstr (out, "UTF-8"));
  }
}

static void
test_empty_run_input (void)
{
  g_autofree char *dir = test_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "workspace.db", NULL);
  g_autofree char *file = g_build_filename (dir, "input.json", NULL);
  g_autoptr(AiosWorkspace) ws = test_open_workspace (path, NULL);
  const struct {
    const char *text;
    const char *says;
  } cases[] = {
    { "",          "is empty" },
    { "  \n\t\n",  "is empty" },
    { "null",      "JSON object" },
    { "[1, 2]",    "JSON object" },
    { "\"Dana\"",  "JSON object" },
    { "42",        "JSON object" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *out_file = NULL;

      /* On stdin ... */
      g_assert_cmpint (run_cli (ws, cases[i].text, -1, &out, "submit", "greeting", "--input", "-", NULL), ==, 1);
      g_test_message ("%s", out);
      g_assert_true (g_str_has_prefix (out, "aios: "));
      g_assert_nonnull (strstr (out, cases[i].says));

      /* ... and in a file. */
      test_write_file (dir, "input.json", cases[i].text);
      g_assert_cmpint (run_cli (ws, NULL, -1, &out_file, "submit", "greeting", "--input", file, NULL), ==, 1);
      g_assert_true (g_str_has_prefix (out_file, "aios: "));
      g_assert_nonnull (strstr (out_file, cases[i].says));
      g_assert_nonnull (strstr (out_file, "input.json"));
    }
  g_assert_cmpint (count_runs (ws), ==, 0);

  /* The same process still takes a good input. */
  {
    g_autofree char *out = NULL;
    g_assert_cmpint (run_cli (ws, "{\"name\":\"Dana\"}", -1, &out, "submit", "greeting", "--input", "-", NULL), ==, 0);
    g_assert_cmpstr (out, ==, "1\n");
    g_assert_cmpint (count_runs (ws), ==, 1);
    test_settle (ws);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli-input/empty-secret", test_empty_secret);
  g_test_add_func ("/cli-input/empty-run-input", test_empty_run_input);
  return g_test_run ();
}
