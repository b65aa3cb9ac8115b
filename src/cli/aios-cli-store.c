/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Workspace-level commands: settings, the journal, backups.
 */
#define G_LOG_DOMAIN "aios-cli"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "aios-cli.h"
#include "store/aios-journal.h"

static int
config_handler (AiosCliCall *call)
{
  AiosConfig *config = aios_workspace_get_config (aios_cli_call_get_workspace (call));
  g_autoptr(GError) error = NULL;
  char **argv;
  int argc;

  if (!aios_cli_call_parse (call, NULL, 1, 3, &error))
    return aios_cli_call_fail (call, error);
  argv = aios_cli_call_get_argv (call);
  argc = aios_cli_call_get_argc (call);

  if (g_str_equal (argv[1], "get") && argc == 3)
    {
      g_autofree char *value = NULL;

      if (!aios_config_validate (argv[2], "", &error) &&
          g_error_matches (error, AIOS_CONFIG_ERROR, AIOS_CONFIG_ERROR_UNKNOWN_KEY))
        return aios_cli_call_fail (call, error);
      value = aios_config_get (config, argv[2]);
      if (value == NULL)
        {
          g_autofree char *message = g_strdup_printf (_("%s is not set"), argv[2]);
          aios_cli_call_printerr (call, "aios: %s\n", message);
          return 2;
        }
      aios_cli_call_print (call, "%s\n", value);
      return 0;
    }

  if (g_str_equal (argv[1], "get") && argc == 2)
    {
      for (const char *const *key = aios_config_list_keys (); *key != NULL; key++)
        {
          g_autofree char *value = aios_config_get (config, *key);
          aios_cli_call_print (call, "%-16s %s\n", *key, value ? value : _("(not set)"));
        }
      return 0;
    }

  if (g_str_equal (argv[1], "set") && argc == 4)
    {
      if (!aios_config_set (config, argv[2], argv[3], "operator", &error))
        return aios_cli_call_fail (call, error);
      return 0;
    }

  if (g_str_equal (argv[1], "unset") && argc == 3)
    {
      if (!aios_config_unset (config, argv[2], "operator", &error))
        return aios_cli_call_fail (call, error);
      return 0;
    }

  return aios_cli_call_fail_literal (call, _("Use: aios config get [KEY] | set KEY VALUE | unset KEY"));
}

static int
backup_handler (AiosCliCall *call)
{
  AiosWorkspace *workspace = aios_cli_call_get_workspace (call);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  char **argv;

  if (!aios_cli_call_parse (call, NULL, 0, 1, &error))
    return aios_cli_call_fail (call, error);
  argv = aios_cli_call_get_argv (call);

  if (argv[1] != NULL)
    {
      g_autoptr(GFile) file = aios_cli_call_get_file (call, argv[1]);
      dir = g_file_get_path (file);
    }

  path = aios_workspace_backup (workspace, dir, &error);
  if (path == NULL)
    return aios_cli_call_fail (call, error);
  aios_cli_call_print (call, "%s\n", path);
  return 0;
}

static int
journal_handler (AiosCliCall *call)
{
  AiosStore *store = aios_workspace_get_store (aios_cli_call_get_workspace (call));
  g_autoptr(GError) error = NULL;
  gint64 run_id = 0;
  gboolean json = FALSE;
  gint64 after = 0;
  const GOptionEntry entries[] = {
    { "run", 0, 0, G_OPTION_ARG_INT64, &run_id, N_("Only this run's events"), "ID" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("One JSON object per line"), NULL },
    { NULL }
  };

  if (!aios_cli_call_parse (call, entries, 0, 0, &error))
    return aios_cli_call_fail (call, error);

  /* Page through with keyset queries so a huge journal streams out in
   * bounded memory. */
  for (;;)
    {
      g_autoptr(GPtrArray) events = aios_journal_list (store, run_id, after, 1000, &error);

      if (events == NULL)
        return aios_cli_call_fail (call, error);
      if (events->len == 0)
        break;

      for (guint i = 0; i < events->len; i++)
        {
          AiosEvent *ev = g_ptr_array_index (events, i);

          if (json)
            {
              g_autoptr(GPtrArray) links = aios_journal_list_links (store, ev->id, NULL);
              g_autofree char *line = aios_event_to_json (ev, links);
              aios_cli_call_print (call, "%s\n", line);
            }
          else
            {
              g_autofree char *time = aios_store_format_time (ev->ts);
              g_autofree char *run = ev->run_id > 0 ? g_strdup_printf ("run %" PRId64, ev->run_id)
                                                    : g_strdup ("-");
              aios_cli_call_print (call, "%-25s %-10s %-22s %-20s %s\n",
                                   time, run, ev->kind, ev->actor, ev->summary);
              if (ev->rationale != NULL && *ev->rationale != '\0')
                aios_cli_call_print (call, "%-25s %s %s\n", "", _("why:"), ev->rationale);
            }
          after = ev->id;
        }
    }
  return 0;
}

static const AiosCliCommand commands[] = {
  { "journal", "[--run ID] [--json]", N_("Journal events, oldest first"), journal_handler },
  { "config", "get|set|unset KEY [VALUE]", N_("Read or change a setting (smtp.url, llm.local.url, …)"), config_handler },
  { "backup", "[DIR]", N_("Write an online backup of the workspace"), backup_handler },
  { NULL }
};

const AiosCliCommand *
aios_cli_store_commands (void)
{
  return commands;
}
