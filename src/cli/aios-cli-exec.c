/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The exec room's commands (see ARCHITECTURE.md, "Interfaces outward").
 *
 *   aios credentials set NAME      the secret comes from stdin, never argv
 *   aios credentials clear NAME
 *   aios credentials list [--json] names and whether one is stored, never secrets
 *
 * These one-shot commands use libsecret's blocking calls: the process has
 * nothing else to do, and the answer decides the exit status.
 */
#define G_LOG_DOMAIN "aios-cli"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-cli.h"

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

  return aios_cli_call_fail_literal (call, _("Use: aios credentials set NAME (secret on stdin) | clear NAME | list [--json]"));
}

static const AiosCliCommand commands[] = {
  { "credentials", "set|clear NAME | list [--json]",
    N_("Keep connector secrets in the keyring (read from stdin)"), credentials_handler },
  { NULL }
};

const AiosCliCommand *
aios_cli_exec_commands (void)
{
  return commands;
}
