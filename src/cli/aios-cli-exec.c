/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The exec room's commands (see ARCHITECTURE.md, "Interfaces outward").
 *
 *   aios credentials set NAME      the secret comes from stdin, never argv
 *   aios credentials clear NAME
 *   aios credentials list [--json] names and whether one is stored, never secrets
 *   aios credentials test NAME     a real, harmless call with it (see aios-connection-test.c)
 *   aios prices [set MODEL IN OUT] model prices per million tokens (for costs and budgets)
 *
 * These one-shot commands use libsecret's blocking calls: the process has
 * nothing else to do, and the answer decides the exit status.
 */
#define G_LOG_DOMAIN "aios-cli"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-cli.h"
#include "app/aios-connection-test.h"

static char *
read_secret (AiosCliCall  *call,
             GError      **error)
{
  g_autoptr(GBytes) bytes = aios_cli_call_read_stdin (call, error);
  gsize len = 0;
  const char *data;
  char *secret;

  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &len);
  /* One trailing newline (from echo or a terminal) is not part of it. */
  if (len > 0 && data[len - 1] == '\n')
    len--;
  if (len > 0 && data[len - 1] == '\r')
    len--;
  if (len == 0 || data == NULL)
    {
      g_set_error_literal (error, AIOS_CREDENTIALS_ERROR, AIOS_CREDENTIALS_ERROR_INVALID,
                           _("The secret is empty: give it on standard input (aios credentials set NAME < file)"));
      return NULL;
    }
  if (memchr (data, '\0', len) != NULL || !g_utf8_validate (data, len, NULL))
    {
      g_set_error_literal (error, AIOS_CREDENTIALS_ERROR, AIOS_CREDENTIALS_ERROR_INVALID,
                           _("The secret must be UTF-8 text"));
      return NULL;
    }
  secret = g_strndup (data, len);
  return secret;
}

static void
wipe (char *secret)
{
  if (secret != NULL)
    {
      memset (secret, 0, strlen (secret));
      g_free (secret);
    }
}

static void
tested_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static int
credentials_handler (AiosCliCall *call)
{
  AiosCredentials *credentials = aios_workspace_get_credentials (aios_cli_call_get_workspace (call));
  g_autoptr(GError) error = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Output JSON"), NULL },
    { NULL }
  };
  char **argv;
  int argc;

  if (!aios_cli_call_parse (call, entries, 1, 3, &error))
    return aios_cli_call_fail (call, error);
  argv = aios_cli_call_get_argv (call);
  argc = aios_cli_call_get_argc (call);

  if (g_str_equal (argv[1], "set") && argc == 3)
    {
      char *secret;
      gboolean ok;

      if (!aios_credentials_validate (argv[2], NULL, &error))
        return aios_cli_call_fail (call, error);
      secret = read_secret (call, &error);
      if (secret == NULL)
        return aios_cli_call_fail (call, error);
      ok = aios_credentials_store_sync (credentials, argv[2], secret, &error);
      wipe (secret);
      if (!ok)
        return aios_cli_call_fail (call, error);
      return 0;
    }

  if (g_str_equal (argv[1], "clear") && argc == 3)
    {
      if (!aios_credentials_clear_sync (credentials, argv[2], &error))
        return aios_cli_call_fail (call, error);
      return 0;
    }

  if (g_str_equal (argv[1], "list") && argc == 2)
    {
      g_autoptr(GPtrArray) stored = aios_credentials_list_references (credentials);

      for (const char *const *name = aios_credentials_list_names (); *name != NULL; name++)
        {
          gboolean set = g_ptr_array_find_with_equal_func (stored, *name, g_str_equal, NULL);

          if (json)
            aios_cli_call_print (call, "{\"name\":\"%s\",\"stored\":%s}\n", *name, set ? "true" : "false");
          else
            aios_cli_call_print (call, "%-10s %-10s %s\n", *name, set ? _("stored") : _("not set"),
                                 aios_credentials_describe (*name));
        }
      return 0;
    }

  if (g_str_equal (argv[1], "test") && argc == 3)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autofree char *summary = NULL;
      AiosWorkspace *workspace = aios_cli_call_get_workspace (call);

      /* The answer decides the exit status: wait for it here. */
      aios_connection_test_async (workspace, argv[2], NULL, tested_cb, &result);
      while (result == NULL)
        g_main_context_iteration (NULL, TRUE);
      summary = aios_connection_test_finish (workspace, result, &error);
      if (summary == NULL)
        return aios_cli_call_fail (call, error);
      aios_cli_call_print (call, "%s: %s\n", argv[2], summary);
      return 0;
    }

  return aios_cli_call_fail_literal (call, _("Use: aios credentials set NAME (secret on stdin) | clear NAME | test NAME | list [--json]"));
}

static gboolean
parse_price (const char *text,
             gint64     *micros)
{
  char *end = NULL;
  double value;

  if (text == NULL || *text == '\0')
    return FALSE;
  value = g_ascii_strtod (text, &end);
  if (end == NULL || *end != '\0' || value < 0 || value > 1e6)
    return FALSE;
  *micros = (gint64) (value * 1e6 + 0.5);
  return TRUE;
}

static int
prices_handler (AiosCliCall *call)
{
  AiosWorkspace *workspace = aios_cli_call_get_workspace (call);
  g_autoptr(GError) error = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Output JSON"), NULL },
    { NULL }
  };
  char **argv;
  int argc;
  g_autoptr(GPtrArray) prices = NULL;

  if (!aios_cli_call_parse (call, entries, 0, 4, &error))
    return aios_cli_call_fail (call, error);
  argv = aios_cli_call_get_argv (call);
  argc = aios_cli_call_get_argc (call);

  if (argc == 5 && g_str_equal (argv[1], "set"))
    {
      gint64 in, out;
      if (!parse_price (argv[3], &in) || !parse_price (argv[4], &out))
        return aios_cli_call_fail_literal (call, _("Prices are amounts of zero or more per million tokens, like 0.15"));
      if (!aios_llm_set_price (aios_workspace_get_llm (workspace), argv[2], in, out, &error))
        return aios_cli_call_fail (call, error);
      return 0;
    }
  if (argc != 1 && !(argc == 2 && g_str_equal (argv[1], "list")))
    return aios_cli_call_fail_literal (call, _("Use: aios prices [list] [--json] | set MODEL INPUT OUTPUT (per million tokens)"));

  prices = aios_llm_list_prices (aios_workspace_get_llm (workspace), &error);
  if (prices == NULL)
    return aios_cli_call_fail (call, error);
  for (guint i = 0; i < prices->len; i++)
    {
      const AiosModelPrice *price = g_ptr_array_index (prices, i);
      double in = price->input_micros_per_mtok / 1e6, out = price->output_micros_per_mtok / 1e6;
      if (json)
        {
          g_autofree char *quoted = g_strescape (price->model, NULL);
          aios_cli_call_print (call, "{\"model\":\"%s\",\"input_per_mtok\":%.6f,\"output_per_mtok\":%.6f}\n",
                               quoted, in, out);
        }
      else
        aios_cli_call_print (call, "%-32s %10.4f %10.4f\n", price->model, in, out);
    }
  return 0;
}

static const AiosCliCommand commands[] = {
  { "credentials", "set|clear|test NAME | list [--json]",
    N_("Keep connector secrets in the keyring (read from stdin) and test them"), credentials_handler },
  { "prices", "[list] [--json] | set MODEL INPUT OUTPUT",
    N_("Model prices per million tokens, for costs and budgets"), prices_handler },
  { NULL }
};

const AiosCliCommand *
aios_cli_exec_commands (void)
{
  return commands;
}
