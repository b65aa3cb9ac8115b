/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The command line of ARCHITECTURE.md's contract. Commands are served by
 * whichever process is the primary instance (the window, `aios --headless`,
 * or the command's own process when none runs), so their output is written
 * through the GApplicationCommandLine that may belong to another process,
 * and file arguments are resolved against the caller's working directory.
 */
#define G_LOG_DOMAIN "aios-cli"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-cli.h"

struct _AiosCliCall
{
  AiosWorkspace           *workspace;
  GApplicationCommandLine *command_line;
  GStrv                    argv;
  GString                 *out;
  GString                 *err;
  GBytes                  *stdin_bytes;
  gboolean                 needs_settle;
};

/**
 * aios_cli_call_new:
 * @command_line: (nullable): the caller, or %NULL to buffer output
 * @argv: the command word and its arguments (no program name, no global options)
 */
AiosCliCall *
aios_cli_call_new (AiosWorkspace           *workspace,
                   GApplicationCommandLine *command_line,
                   const char * const      *argv)
{
  AiosCliCall *call = g_new0 (AiosCliCall, 1);

  call->workspace = workspace ? g_object_ref (workspace) : NULL;
  call->command_line = command_line ? g_object_ref (command_line) : NULL;
  call->argv = g_strdupv ((char **) argv);
  call->out = g_string_new (NULL);
  call->err = g_string_new (NULL);
  return call;
}

void
aios_cli_call_free (AiosCliCall *call)
{
  if (call == NULL)
    return;
  g_clear_object (&call->workspace);
  g_clear_object (&call->command_line);
  g_strfreev (call->argv);
  g_string_free (call->out, TRUE);
  g_string_free (call->err, TRUE);
  g_clear_pointer (&call->stdin_bytes, g_bytes_unref);
  g_free (call);
}

AiosWorkspace *
aios_cli_call_get_workspace (AiosCliCall *call)
{
  return call->workspace;
}

GApplicationCommandLine *
aios_cli_call_get_command_line (AiosCliCall *call)
{
  return call->command_line;
}

int
aios_cli_call_get_argc (AiosCliCall *call)
{
  return g_strv_length (call->argv);
}

/**
 * aios_cli_call_get_argv:
 *
 * Returns: (transfer none): the words, argv[0] being the command; after
 *   aios_cli_call_parse() the options are removed
 */
char **
aios_cli_call_get_argv (AiosCliCall *call)
{
  return call->argv;
}

/**
 * aios_cli_call_parse:
 * @entries: the command's options
 * @min_args: how many positional arguments it needs (after the command word)
 * @max_args: how many it takes at most (-1: any)
 *
 * Parses the command's own options (after the command word), leaving only
 * positional arguments in argv.
 */
gboolean
aios_cli_call_parse (AiosCliCall         *call,
                     const GOptionEntry  *entries,
                     int                  min_args,
                     int                  max_args,
                     GError             **error)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  int positional;

  g_option_context_set_help_enabled (context, FALSE);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  /* GOption skips argv[0], which is our command word. */
  if (!g_option_context_parse_strv (context, &call->argv, error))
    return FALSE;

  positional = (int) g_strv_length (call->argv) - 1;
  if (positional < min_args || (max_args >= 0 && positional > max_args))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   positional < min_args ? _("“%s” needs more arguments; see “aios help”")
                                         : _("“%s” got too many arguments; see “aios help”"),
                   call->argv[0]);
      return FALSE;
    }
  return TRUE;
}

void
aios_cli_call_print (AiosCliCall *call,
                     const char  *format,
                     ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  if (call->command_line != NULL)
    g_application_command_line_print (call->command_line, "%s", text);
  g_string_append (call->out, text);
}

/**
 * aios_cli_call_print_json:
 *
 * Prints @node as one pretty-printed JSON document and a line end: what
 * every `--json` of the command line prints.
 */
void
aios_cli_call_print_json (AiosCliCall *call,
                          JsonNode    *node)
{
  g_autofree char *text = json_to_string (node, TRUE);

  aios_cli_call_print (call, "%s\n", text);
}

void
aios_cli_call_printerr (AiosCliCall *call,
                        const char  *format,
                        ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  if (call->command_line != NULL)
    g_application_command_line_printerr (call->command_line, "%s", text);
  g_string_append (call->err, text);
}

/**
 * aios_cli_call_fail:
 *
 * Prints "aios: <message>" as the one clear line on stderr.
 *
 * Returns: 1, the exit status for failures
 */
int
aios_cli_call_fail (AiosCliCall  *call,
                    const GError *error)
{
  return aios_cli_call_fail_literal (call, error->message);
}

int
aios_cli_call_fail_literal (AiosCliCall *call,
                            const char  *message)
{
  aios_cli_call_printerr (call, "aios: %s\n", message);
  return 1;
}

void
aios_cli_call_set_stdin (AiosCliCall *call,
                         GBytes      *bytes)
{
  g_clear_pointer (&call->stdin_bytes, g_bytes_unref);
  call->stdin_bytes = bytes ? g_bytes_ref (bytes) : NULL;
}

/**
 * aios_cli_call_read_stdin:
 *
 * Reads the caller's standard input to the end (forwarded command lines
 * pass it as a file descriptor).
 *
 * Returns: (transfer full) (nullable): the bytes
 */
GBytes *
aios_cli_call_read_stdin (AiosCliCall  *call,
                          GError      **error)
{
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GOutputStream) mem = NULL;

  /* Empty input is empty text, never a NULL pointer for the parsers. */
  if (call->stdin_bytes != NULL && g_bytes_get_data (call->stdin_bytes, NULL) == NULL)
    return g_bytes_new_static ("", 0);
  if (call->stdin_bytes != NULL)
    return g_bytes_ref (call->stdin_bytes);

  if (call->command_line != NULL)
    in = g_application_command_line_get_stdin (call->command_line);
  if (in == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("Standard input is not available to this command"));
      return NULL;
    }

  mem = g_memory_output_stream_new_resizable ();
  if (g_output_stream_splice (mem, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, error) < 0)
    return NULL;
  if (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (mem)) == 0)
    return g_bytes_new_static ("", 0);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (mem));
}

/**
 * aios_cli_call_get_file:
 * @arg: a path as the caller typed it
 *
 * Returns: (transfer full): the file, relative paths resolved against the
 *   caller's working directory
 */
GFile *
aios_cli_call_get_file (AiosCliCall *call,
                        const char  *arg)
{
  if (call->command_line != NULL)
    return g_application_command_line_create_file_for_arg (call->command_line, arg);
  return g_file_new_for_commandline_arg (arg);
}

/**
 * aios_cli_call_read_file:
 * @arg: a path, or "-" for standard input
 *
 * Returns: (transfer full) (nullable): the file's bytes
 */
GBytes *
aios_cli_call_read_file (AiosCliCall  *call,
                         const char   *arg,
                         GError      **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) local_error = NULL;
  GBytes *bytes;

  if (g_strcmp0 (arg, "-") == 0)
    return aios_cli_call_read_stdin (call, error);

  file = aios_cli_call_get_file (call, arg);
  bytes = g_file_load_bytes (file, NULL, NULL, &local_error);
  if (bytes == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code,
                   _("Could not read %s: %s"), arg, local_error->message);
      return NULL;
    }
  if (g_bytes_get_data (bytes, NULL) == NULL)
    {
      g_bytes_unref (bytes);
      return g_bytes_new_static ("", 0);
    }
  return bytes;
}

/**
 * aios_cli_call_set_needs_settle:
 *
 * Marks that the command started work (a run, a send) that a one-shot
 * process should carry on until aios_workspace_settle_async() completes,
 * before it exits.
 */
void
aios_cli_call_set_needs_settle (AiosCliCall *call,
                                gboolean     needs_settle)
{
  call->needs_settle = needs_settle;
}

gboolean
aios_cli_call_get_needs_settle (AiosCliCall *call)
{
  return call->needs_settle;
}

const char *
aios_cli_call_get_output (AiosCliCall *call)
{
  return call->out->str;
}

const char *
aios_cli_call_get_errors (AiosCliCall *call)
{
  return call->err->str;
}

static int help_handler (AiosCliCall *call);

static const AiosCliCommand help_commands[] = {
  { "help", "", N_("Show the commands"), help_handler },
  { NULL }
};

typedef const AiosCliCommand *(*TableFunc) (void);

static const TableFunc tables[] = {
  aios_cli_control_commands,
  aios_cli_memory_commands,
  aios_cli_exec_commands,
  aios_cli_store_commands,
  aios_cli_app_commands,
  aios_cli_stats_commands,
};

static const AiosCliCommand *
find_command (const char *word)
{
  for (gsize t = 0; t < G_N_ELEMENTS (tables); t++)
    for (const AiosCliCommand *c = tables[t] (); c->name != NULL; c++)
      if (g_str_equal (c->name, word))
        return c;
  if (g_strcmp0 (word, "help") == 0)
    return &help_commands[0];
  return NULL;
}

/**
 * aios_cli_is_command:
 *
 * Returns: whether @word names a command (so main() knows not to open a window)
 */
gboolean
aios_cli_is_command (const char *word)
{
  return word != NULL && find_command (word) != NULL;
}

static int
help_handler (AiosCliCall *call)
{
  aios_cli_call_print (call, "%s\n\n", _("Usage: aios [--workspace PATH] [--headless] [COMMAND [ARGS…]]"));
  aios_cli_call_print (call, "%s\n", _("Without a command, aios opens its window."));
  aios_cli_call_print (call, "  %-44s %s\n", "--headless",
                       _("Run the coordinator with no window until stopped"));
  aios_cli_call_print (call, "  %-44s %s\n\n", "--workspace PATH",
                       _("Use another workspace file"));
  aios_cli_call_print (call, "%s\n", _("Commands:"));
  for (gsize t = 0; t < G_N_ELEMENTS (tables); t++)
    for (const AiosCliCommand *c = tables[t] (); c->name != NULL; c++)
      {
        g_autofree char *synopsis = g_strdup_printf ("%s %s", c->name, c->usage);
        aios_cli_call_print (call, "  %-44s %s\n", synopsis, _(c->summary));
      }
  return 0;
}

/**
 * aios_cli_run:
 *
 * Runs the command named by argv[0].
 *
 * Returns: the exit status
 */
int
aios_cli_run (AiosCliCall *call)
{
  const AiosCliCommand *command;

  if (call->argv == NULL || call->argv[0] == NULL)
    return help_handler (call);

  command = find_command (call->argv[0]);
  if (command == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Unknown command “%s”; “aios help” lists them"),
                                                  call->argv[0]);
      return aios_cli_call_fail_literal (call, message);
    }
  return command->handler (call);
}

/**
 * aios_cli_run_words:
 * @workspace: the workspace
 * @command_line: where output goes
 * @words: the command and its arguments
 * @needs_settle: (out): whether the command started work to carry on
 *
 * The #AiosCommandRunner that main() installs in the app core.
 *
 * Returns: the exit status
 */
int
aios_cli_run_words (AiosWorkspace           *workspace,
                    GApplicationCommandLine *command_line,
                    const char * const      *words,
                    gboolean                *needs_settle)
{
  g_autoptr(AiosCliCall) call = aios_cli_call_new (workspace, command_line, words);
  int status = aios_cli_run (call);

  *needs_settle = aios_cli_call_get_needs_settle (call);
  return status;
}
