/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * AiosAppCore is what the window app and the headless service share: it
 * serves command lines (local or forwarded from another `aios` process),
 * keeps the open workspaces, and runs `--headless` until SIGINT/SIGTERM.
 * It attaches to any GApplication, so it stays free of GTK.
 *
 * Global options are parsed here rather than with
 * g_application_add_main_option_entries(): with none registered, GApplication
 * passes every argument through, and each command parses its own options
 * (`aios runs --json`).
 */
#define G_LOG_DOMAIN "aios-app"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <string.h>
#include <unistd.h>

#include "aios-app-core.h"
#include "aios-approval-notifier.h"
#include "aios-demo.h"
#include "control/aios-coordinator.h"

struct _AiosAppCore
{
  GObject       parent_instance;

  GApplication *application;   /* weak: it owns us */
  GHashTable   *workspaces;    /* path → AiosWorkspace */
  gboolean      headless;
  gboolean      service;       /* --headless started by systemd (the unit) */
  char         *service_unit;  /* its name when known ("aios.service"), or NULL */
  char         *primary_path;  /* the workspace of --headless or the window */
  AiosApprovalNotifier *notifier;
  guint         sigint_source;
  guint         sigterm_source;
  guint         draining;      /* coordinators still finishing work in flight */
};

G_DEFINE_FINAL_TYPE (AiosAppCore, aios_app_core, G_TYPE_OBJECT)

G_DEFINE_QUARK (aios-app-core, core)

enum {
  OPEN_WINDOW,
  SHOW_APPROVAL,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct {
  char      *workspace;
  gboolean   headless;
  gboolean   demo;
  GPtrArray *words;    /* the command and its arguments */
} Options;

static void
options_clear (Options *options)
{
  g_clear_pointer (&options->workspace, g_free);
  g_clear_pointer (&options->words, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

/* Splits argv (without the program name) into global options and the
 * command's words. Options after the command word belong to the command. */
static gboolean
parse_global_options (char     **argv,
                      Options   *options,
                      GError   **error)
{
  options->words = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; argv[i] != NULL; i++)
    {
      const char *arg = argv[i];

      if (options->words->len > 0)
        g_ptr_array_add (options->words, g_strdup (arg));
      else if (g_str_equal (arg, "--headless"))
        options->headless = TRUE;
      else if (g_str_equal (arg, "--demo"))
        options->demo = TRUE;
      else if (g_str_equal (arg, "--workspace") && argv[i + 1] != NULL)
        {
          g_free (options->workspace);
          options->workspace = g_strdup (argv[++i]);
        }
      else if (g_str_has_prefix (arg, "--workspace="))
        {
          g_free (options->workspace);
          options->workspace = g_strdup (arg + strlen ("--workspace="));
        }
      else if (g_str_equal (arg, "--help") || g_str_equal (arg, "-h"))
        g_ptr_array_add (options->words, g_strdup ("help"));
      else if (g_str_equal (arg, "--version"))
        g_ptr_array_add (options->words, g_strdup ("--version"));
      else if (arg[0] == '-')
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION,
                       _("Unknown option %s; “aios help” lists the options"), arg);
          return FALSE;
        }
      else
        g_ptr_array_add (options->words, g_strdup (arg));
    }
  g_ptr_array_add (options->words, NULL);
  return TRUE;
}

/**
 * aios_app_core_wants_window:
 *
 * Tells main() whether this command line needs GTK at all: commands run
 * without a display; the window and D-Bus activation
 * (`--gapplication-service`) need the GTK application. `--headless` is
 * decided by aios_app_core_wants_headless() and the display.
 */
gboolean
aios_app_core_wants_window (int    argc,
                            char **argv)
{
  Options options = { 0 };
  gboolean window;

  /* The bus starts us this way for an action (a notification's button):
   * GApplication consumes the flag and waits, and the action may want the
   * window, so it must be the GTK application. */
  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--gapplication-service"))
      return TRUE;

  if (!parse_global_options (argv + 1, &options, NULL))
    {
      options_clear (&options);
      return FALSE;   /* the headless path reports the error */
    }
  window = !options.headless && !options.demo && options.words->len <= 1;
  options_clear (&options);
  return window;
}

/**
 * aios_app_core_wants_headless:
 *
 * Tells main() whether this command line asks for `--headless`, which runs
 * as the GTK application when a display is at hand (so a later `aios` opens
 * its window in this process, on the same coordinator) and as a plain
 * GApplication otherwise.
 */
gboolean
aios_app_core_wants_headless (int    argc,
                              char **argv)
{
  Options options = { 0 };
  gboolean headless;

  if (!parse_global_options (argv + 1, &options, NULL))
    {
      options_clear (&options);
      return FALSE;
    }
  headless = options.headless;
  options_clear (&options);
  return headless;
}

static void
aios_app_core_dispose (GObject *object)
{
  AiosAppCore *self = AIOS_APP_CORE (object);

  g_clear_handle_id (&self->sigint_source, g_source_remove);
  g_clear_handle_id (&self->sigterm_source, g_source_remove);
  g_clear_pointer (&self->workspaces, g_hash_table_unref);
  g_clear_pointer (&self->primary_path, g_free);
  g_clear_pointer (&self->service_unit, g_free);
  g_clear_object (&self->notifier);
  if (self->application != NULL &&
      g_object_get_qdata (G_OBJECT (self->application), core_quark ()) == self)
    g_object_set_qdata (G_OBJECT (self->application), core_quark (), NULL);

  G_OBJECT_CLASS (aios_app_core_parent_class)->dispose (object);
}

static void
aios_app_core_class_init (AiosAppCoreClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = aios_app_core_dispose;

  /**
   * AiosAppCore::open-window:
   * @workspace: the workspace to show
   *
   * The command line asked for the window. Returns %TRUE when handled; the
   * headless service has no handler and says so to the caller.
   */
  /**
   * AiosAppCore::show-approval:
   * @workspace: the workspace of the approval
   * @approval_id: the approval to show
   *
   * The "Open" button of a notification was pressed (`app.show-approval`).
   * Returns %TRUE when a window showed it.
   */
  signals[SHOW_APPROVAL] = g_signal_new ("show-approval",
                                         G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST,
                                         0, g_signal_accumulator_true_handled, NULL, NULL,
                                         G_TYPE_BOOLEAN, 2, AIOS_TYPE_WORKSPACE, G_TYPE_INT64);

  signals[OPEN_WINDOW] = g_signal_new ("open-window",
                                       G_TYPE_FROM_CLASS (klass),
                                       G_SIGNAL_RUN_LAST,
                                       0, g_signal_accumulator_true_handled, NULL, NULL,
                                       G_TYPE_BOOLEAN, 1, AIOS_TYPE_WORKSPACE);
}

static void
aios_app_core_init (AiosAppCore *self)
{
  self->workspaces = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

/**
 * aios_app_core_get_workspace:
 * @path: (nullable): the workspace file, %NULL for the default
 *
 * Returns: (transfer none) (nullable): the open workspace for @path
 */
AiosWorkspace *
aios_app_core_get_workspace (AiosAppCore  *self,
                             const char   *path,
                             GError      **error)
{
  g_autofree char *default_path = NULL;
  g_autofree char *canonical = NULL;
  AiosWorkspace *workspace;

  if (path == NULL)
    path = default_path = aios_workspace_default_path ();
  canonical = g_canonicalize_filename (path, NULL);

  workspace = g_hash_table_lookup (self->workspaces, canonical);
  if (workspace != NULL)
    return workspace;

  workspace = aios_workspace_open (canonical, error);
  if (workspace == NULL)
    return NULL;
  g_hash_table_insert (self->workspaces, g_steal_pointer (&canonical), workspace);

  /* The window app (it handles "open-window") is a long-lived process: its
   * workspaces run their coordinator however they were opened (a command
   * line, activation, a notification's action). One-shot processes start it
   * only when a command needs it (settle). */
  if (g_signal_has_handler_pending (self, signals[OPEN_WINDOW], 0, FALSE))
    {
      g_autoptr(GError) start_error = NULL;

      if (!aios_workspace_start (workspace, &start_error))
        g_warning ("%s", start_error->message);
    }
  return workspace;
}

gboolean
aios_app_core_get_headless (AiosAppCore *self)
{
  return self->headless;
}

/**
 * aios_app_core_get_default:
 *
 * Returns: (transfer none) (nullable): the core serving the process's
 *   default application (the one g_application_run() runs)
 */
AiosAppCore *
aios_app_core_get_default (void)
{
  GApplication *application = g_application_get_default ();

  return application ? g_object_get_qdata (G_OBJECT (application), core_quark ()) : NULL;
}

/**
 * aios_app_core_get_mode:
 *
 * What kind of long-lived process this is, as `aios status` names it:
 * "service" (`aios --headless` run by a systemd unit), "headless" (run by
 * hand), "window" (the window app), or %NULL for a one-shot command.
 */
const char *
aios_app_core_get_mode (AiosAppCore *self)
{
  if (self->headless)
    return self->service ? "service" : "headless";
  if (g_signal_has_handler_pending (self, signals[OPEN_WINDOW], 0, FALSE))
    return "window";
  return NULL;
}

/**
 * aios_app_core_get_service_unit:
 *
 * Returns: (nullable): the name of the systemd unit running this
 *   `--headless` process ("aios.service"), or %NULL when it is not the
 *   service or the name cannot be told
 */
const char *
aios_app_core_get_service_unit (AiosAppCore *self)
{
  return self->service_unit;
}

/**
 * aios_app_core_get_can_open_windows:
 *
 * Returns: whether this process can open the window (the window app, or
 *   `--headless` started with a display)
 */
gboolean
aios_app_core_get_can_open_windows (AiosAppCore *self)
{
  return g_signal_has_handler_pending (self, signals[OPEN_WINDOW], 0, FALSE);
}

/* The unit's name from our cgroup ("0::/user.slice/.../aios.service";
 * "1:name=systemd:/..." on a legacy hierarchy), or NULL. */
static char *
cgroup_service_unit (void)
{
  g_autofree char *cgroup = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents ("/proc/self/cgroup", &cgroup, NULL, NULL))
    return NULL;
  lines = g_strsplit (cgroup, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *slash = strrchr (lines[i], '/');

      if (slash != NULL && g_str_has_suffix (slash, ".service"))
        return g_strdup (slash + 1);
    }
  return NULL;
}

/* Whether systemd started this very process as a service: it sets
 * $SYSTEMD_EXEC_PID to the pid it executed (systemd 248 and later), which
 * a child of another service (a CI runner's test, a terminal's shell)
 * inherits with its parent's pid. Older systemd sets only $INVOCATION_ID,
 * which children inherit too: then the unit in our cgroup must be ours.
 * Sets *unit to the unit's name when it can be told. */
static gboolean
find_service_unit (char **unit)
{
  const char *exec_pid = g_getenv ("SYSTEMD_EXEC_PID");
  g_autofree char *name = cgroup_service_unit ();

  if (exec_pid != NULL)
    {
      gint64 pid = 0;

      if (!g_ascii_string_to_signed (exec_pid, 10, 1, G_MAXINT, &pid, NULL) || pid != getpid ())
        return FALSE;
    }
  else if (g_getenv ("INVOCATION_ID") == NULL || name == NULL || !g_str_has_prefix (name, "aios"))
    return FALSE;
  *unit = g_steal_pointer (&name);
  return TRUE;
}

#define DRAIN_TIMEOUT_MS 10000

static void
quit_now (AiosAppCore *self)
{
  if (self->headless)
    {
      self->headless = FALSE;
      g_application_release (self->application);
    }
  g_application_quit (self->application);
}

static void
drained_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(AiosAppCore) self = user_data;

  aios_coordinator_drain_finish (AIOS_COORDINATOR (source), result, NULL);
  if (--self->draining == 0)
    quit_now (self);
}

/* SIGINT/SIGTERM: let the steps in flight finish (an email being sent is
 * recorded as sent rather than left "unknown"), for a few seconds at most,
 * then quit. Everything else is saved and resumes at the next start. */
static gboolean
stop_cb (gpointer user_data)
{
  AiosAppCore *self = user_data;
  GHashTableIter iter;
  gpointer value;

  g_message ("Stopping: every run is saved and resumes at the next start");
  self->sigint_source = self->sigterm_source = 0;

  g_hash_table_iter_init (&iter, self->workspaces);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      AiosCoordinator *coordinator = aios_workspace_get_coordinator (value);

      if (!aios_coordinator_is_active (coordinator))
        continue;
      self->draining++;
      aios_coordinator_drain_async (coordinator, DRAIN_TIMEOUT_MS, NULL, drained_cb, g_object_ref (self));
    }
  if (self->draining == 0)
    quit_now (self);
  return G_SOURCE_REMOVE;
}

typedef struct {
  GApplication            *application;
  GApplicationCommandLine *command_line;
  int                      status;
} Settle;

static void
settle_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Settle *settle = user_data;
  g_autoptr(GError) error = NULL;

  if (!aios_workspace_settle_finish (AIOS_WORKSPACE (source), result, &error))
    {
      g_application_command_line_printerr (settle->command_line, "aios: %s\n", error->message);
      settle->status = settle->status ? settle->status : 1;
    }
  g_application_command_line_set_exit_status (settle->command_line, settle->status);
  g_application_release (settle->application);
  g_object_unref (settle->command_line);
  g_object_unref (settle->application);
  g_free (settle);
}

/* The long-lived process that runs the coordinator announces approvals. */
static void
announce_approvals (AiosAppCore   *self,
                    AiosWorkspace *workspace)
{
  if (self->notifier == NULL)
    self->notifier = aios_approval_notifier_new (self->application, workspace);
}

static int
start_headless (AiosAppCore             *self,
                GApplicationCommandLine *command_line,
                AiosWorkspace           *workspace)
{
  g_autoptr(GError) error = NULL;

  if (g_application_command_line_get_is_remote (command_line) || self->headless)
    {
      g_application_command_line_printerr (command_line, "aios: %s\n",
                                           _("Aios is already running (a window or a headless instance); "
                                             "stop it first, or give this one another --workspace and app instance."));
      return 1;
    }

  if (!aios_workspace_start (workspace, &error))
    {
      g_application_command_line_printerr (command_line, "aios: %s\n", error->message);
      return 1;
    }
  /* One process runs a workspace's coordinator: another one found holding
   * it (on another session bus, or under another app id) keeps it. */
  if (!aios_coordinator_is_active (aios_workspace_get_coordinator (workspace)))
    {
      GPid holder = aios_coordinator_find_holder (aios_workspace_get_path (workspace));
      g_autofree char *message = NULL;

      if (holder > 0)
        message = g_strdup_printf (_("Process %d already runs the coordinator of %s; "
                                     "stop it first (“aios status” there says what it is)."),
                                   (int) holder, aios_workspace_get_path (workspace));
      else
        message = g_strdup_printf (_("Another process already runs the coordinator of %s; stop it first."),
                                   aios_workspace_get_path (workspace));
      g_application_command_line_printerr (command_line, "aios: %s\n", message);
      return 1;
    }

  self->headless = TRUE;
  g_clear_pointer (&self->service_unit, g_free);
  self->service = find_service_unit (&self->service_unit);
  g_free (self->primary_path);
  self->primary_path = g_strdup (aios_workspace_get_path (workspace));
  announce_approvals (self, workspace);
  g_application_hold (self->application);
  self->sigint_source = g_unix_signal_add (SIGINT, stop_cb, self);
  self->sigterm_source = g_unix_signal_add (SIGTERM, stop_cb, self);
  if (aios_app_core_get_can_open_windows (self))
    g_message ("Running headless on %s; “aios” opens the window in this process",
               aios_workspace_get_path (workspace));
  else
    g_message ("Running headless on %s (no display: “aios” cannot open a window here)",
               aios_workspace_get_path (workspace));
  return 0;
}

/* Carries the work a one-shot command started as far as it goes, holding
 * the application (and the caller's command line) until then. */
static void
settle_then_exit (GApplication            *application,
                  GApplicationCommandLine *command_line,
                  AiosWorkspace           *workspace,
                  int                      status)
{
  Settle *settle = g_new0 (Settle, 1);

  settle->application = g_object_ref (application);
  settle->command_line = g_object_ref (command_line);
  settle->status = status;
  g_application_hold (application);
  aios_workspace_settle_async (workspace, NULL, settle_cb, settle);
}

static int
load_demo (AiosAppCore             *self,
           GApplication            *application,
           GApplicationCommandLine *command_line,
           AiosWorkspace           *workspace,
           gboolean                 one_shot)
{
  g_autoptr(GError) error = NULL;
  guint runs = 0;

  if (!aios_demo_load (workspace, &runs, &error))
    {
      g_application_command_line_printerr (command_line, "aios: %s\n", error->message);
      return 1;
    }
  if (runs == 0)
    {
      g_application_command_line_print (command_line, "%s\n",
                                        _("The sample company is already in this workspace; nothing was added."));
      return 0;
    }
  g_application_command_line_print (command_line,
                                    ngettext ("Sample company Northwind Studio loaded; %u lead submitted to lead-outreach.\n",
                                              "Sample company Northwind Studio loaded; %u leads submitted to lead-outreach.\n",
                                              runs),
                                    runs);
  if (!aios_demo_can_send (workspace))
    g_application_command_line_print (command_line, "%s\n",
                                      _("No email server is set (smtp.url), so the drafts cannot be previewed "
                                        "or sent: their runs wait as “needs attention”. Set it with "
                                        "“aios config set smtp.url smtp://HOST:PORT” and retry them (“aios retry RUN”)."));
  else
    g_application_command_line_print (command_line, "%s\n",
                                      _("See what waits for you with “aios approvals”."));
  if (aios_demo_can_publish (workspace))
    g_application_command_line_print (command_line, "%s\n",
                                      _("A brief for the blog went to the content flow: its post waits for your approval."));
  if (aios_demo_can_bill (workspace))
    g_application_command_line_print (command_line, "%s\n",
                                      _("Last month's work for Harbor Coffee Roasters was submitted to billing: "
                                        "its invoice waits for your approval too."));
  else
    g_application_command_line_print (command_line, "%s\n",
                                      _("No invoicing API is set (invoice.url), so no invoice was drafted; the "
                                        "contracts and last month's work are in memory (“aios submit billing”)."));
  if (one_shot && !g_application_command_line_get_is_remote (command_line) && !self->headless)
    settle_then_exit (application, command_line, workspace, 0);
  return 0;
}

static AiosCommandRunner command_runner;

/**
 * aios_app_core_set_command_runner:
 * @runner: runs the command-line commands (aios_cli_run_words())
 *
 * Installs the command table for every app core of the process.
 */
void
aios_app_core_set_command_runner (AiosCommandRunner runner)
{
  command_runner = runner;
}

static int
command_line_cb (GApplication            *application,
                 GApplicationCommandLine *command_line,
                 AiosAppCore             *self)
{
  g_auto(GStrv) argv = g_application_command_line_get_arguments (command_line, NULL);
  g_auto(Options) options = { 0 };
  g_autoptr(GError) error = NULL;
  AiosWorkspace *workspace;
  gboolean needs_settle = FALSE;
  gboolean handled = FALSE;
  int status;

  if (!parse_global_options (argv[0] ? argv + 1 : argv, &options, &error))
    {
      g_application_command_line_printerr (command_line, "aios: %s\n", error->message);
      return 1;
    }

  if (options.words->len > 1 && g_str_equal (g_ptr_array_index (options.words, 0), "--version"))
    {
      g_application_command_line_print (command_line, "aios %s\n", PACKAGE_VERSION);
      return 0;
    }

  workspace = aios_app_core_get_workspace (self, options.workspace, &error);
  if (workspace == NULL)
    {
      g_application_command_line_printerr (command_line, "aios: %s\n", error->message);
      return 1;
    }

  if (options.demo)
    {
      status = load_demo (self, application, command_line, workspace, !options.headless);
      if (status != 0 || !options.headless)
        return status;
    }

  if (options.words->len > 1)
    {
      if (command_runner == NULL)
        {
          g_application_command_line_printerr (command_line, "aios: %s\n",
                                               _("This build of Aios has no command line."));
          return 1;
        }
      status = command_runner (workspace, command_line,
                               (const char * const *) options.words->pdata, &needs_settle);

      /* A one-shot process carries the work the command started as far as
       * it goes before exiting; a running instance just keeps working. */
      if (needs_settle &&
          !g_application_command_line_get_is_remote (command_line) && !self->headless)
        settle_then_exit (application, command_line, workspace, status);
      if (!options.headless)
        return status;
      if (status != 0)
        return status;
    }

  if (options.headless)
    return start_headless (self, command_line, workspace);

  if (self->primary_path == NULL)
    self->primary_path = g_strdup (aios_workspace_get_path (workspace));
  announce_approvals (self, workspace);

  /* The window app is a long-lived process: it runs the coordinator. */
  if (!aios_workspace_start (workspace, &error))
    {
      g_application_command_line_printerr (command_line, "aios: %s\n", error->message);
      return 1;
    }
  g_signal_emit (self, signals[OPEN_WINDOW], 0, workspace, &handled);
  if (!handled)
    {
      g_autofree char *message = NULL;

      if (self->service)
        message = g_strdup_printf (_("Aios runs headless as the service %s, which started without a display, "
                                     "so it cannot open a window. Give it the session’s display and restart it: "
                                     "systemctl --user import-environment DISPLAY WAYLAND_DISPLAY && "
                                     "systemctl --user restart %s"),
                                   self->service_unit ? self->service_unit : "aios.service",
                                   self->service_unit ? self->service_unit : "aios.service");
      else
        message = g_strdup (_("Aios runs headless without a display, so it cannot open a window. "
                              "Stop it (Ctrl+C or SIGTERM) and start it again where DISPLAY or "
                              "WAYLAND_DISPLAY is set, or run “aios” once it has stopped."));
      g_application_command_line_printerr (command_line, "aios: %s\n", message);
      return 1;
    }
  return 0;
}

static gboolean
parse_approval_id (GVariant *parameter,
                   gint64   *out_id)
{
  guint64 id = 0;

  if (!g_ascii_string_to_unsigned (g_variant_get_string (parameter, NULL), 10, 1, G_MAXINT64, &id, NULL))
    {
      g_warning ("Ignored an action for approval “%s”: not an approval id",
                 g_variant_get_string (parameter, NULL));
      return FALSE;
    }
  *out_id = (gint64) id;
  return TRUE;
}

static void
action_settled_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GApplication) application = user_data;
  g_autoptr(GError) error = NULL;

  if (!aios_workspace_settle_finish (AIOS_WORKSPACE (source), result, &error))
    g_warning ("The approved action did not complete: %s", error->message);
  g_application_release (application);
}

/* app.approve (s): the notification's Approve button, also with no window
 * open (D-Bus activation or `aios --headless`). The decision is the same
 * as `aios approve ID`: journaled, kept as a decision record, and the
 * outbox sends once. The process stays until the send is settled. */
static void
approve_activated (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  AiosAppCore *self = user_data;
  g_autoptr(GError) error = NULL;
  AiosWorkspace *workspace;
  gint64 id;

  if (!parse_approval_id (parameter, &id))
    return;

  workspace = aios_app_core_get_workspace (self, self->primary_path, &error);
  if (workspace == NULL || !aios_workspace_start (workspace, &error) ||
      !aios_coordinator_approve (aios_workspace_get_coordinator (workspace), id, NULL, "operator",
                                 _("Approved from the desktop notification"), &error))
    {
      g_warning ("Could not approve %" PRId64 ": %s", id, error->message);
      return;
    }

  g_message ("Approval %" PRId64 " approved from a notification", id);
  g_application_hold (self->application);
  aios_workspace_settle_async (workspace, NULL, action_settled_cb, g_object_ref (self->application));
}

/* app.undo (s): takes an approval back inside its undo grace, as
 * `aios undo ID` does, also with no window open. */
static void
undo_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  AiosAppCore *self = user_data;
  g_autoptr(GError) error = NULL;
  AiosWorkspace *workspace;
  gint64 id;

  if (!parse_approval_id (parameter, &id))
    return;
  workspace = aios_app_core_get_workspace (self, self->primary_path, &error);
  if (workspace == NULL ||
      !aios_coordinator_undo (aios_workspace_get_coordinator (workspace), id, "operator", &error))
    {
      g_warning ("Could not take back approval %" PRId64 ": %s", id, error->message);
      return;
    }
  g_message ("Approval %" PRId64 " taken back; nothing was sent", id);
}

/* app.mark-sent (s) and app.send-again (s): an action of unknown outcome,
 * named by its approval, as `aios resolve ID --sent | --send-again`. */
static void
resolve (AiosAppCore        *self,
         GVariant           *parameter,
         AiosResolveOutcome  outcome)
{
  g_autoptr(GError) error = NULL;
  AiosWorkspace *workspace;
  gint64 id;

  if (!parse_approval_id (parameter, &id))
    return;
  workspace = aios_app_core_get_workspace (self, self->primary_path, &error);
  if (workspace == NULL || !aios_workspace_start (workspace, &error) ||
      !aios_coordinator_resolve (aios_workspace_get_coordinator (workspace), id, outcome, "operator", &error))
    {
      g_warning ("Could not resolve approval %" PRId64 ": %s", id, error->message);
      return;
    }
  g_message (outcome == AIOS_RESOLVE_SENT ? "Approval %" PRId64 ": its action is recorded as sent"
                                          : "Approval %" PRId64 ": its action is sent again with the same key", id);
  g_application_hold (self->application);
  aios_workspace_settle_async (workspace, NULL, action_settled_cb, g_object_ref (self->application));
}

static void
mark_sent_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  resolve (user_data, parameter, AIOS_RESOLVE_SENT);
}

static void
send_again_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  resolve (user_data, parameter, AIOS_RESOLVE_SEND_AGAIN);
}

/* app.show-approval (s): the notification's Open button. */
static void
show_approval_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  AiosAppCore *self = user_data;
  g_autoptr(GError) error = NULL;
  AiosWorkspace *workspace;
  gboolean handled = FALSE;
  gint64 id;

  if (!parse_approval_id (parameter, &id))
    return;
  workspace = aios_app_core_get_workspace (self, self->primary_path, &error);
  if (workspace == NULL)
    {
      g_warning ("Could not open approval %" PRId64 ": %s", id, error->message);
      return;
    }
  g_signal_emit (self, signals[SHOW_APPROVAL], 0, workspace, id, &handled);
  if (!handled)
    g_message ("Approval %" PRId64 " waits in the inbox; this instance has no window "
               "(see it with “aios approvals”)", id);
}

/* The desktop's launcher activates the running instance over D-Bus
 * (org.freedesktop.Application.Activate). The GTK application opens its
 * window; the plain one (`--headless` started without a display) has none
 * to open, and says so where the operator looks: a notification. */
static void
activate_without_window_cb (GApplication *application,
                            AiosAppCore  *self)
{
  g_autoptr(GNotification) notification = g_notification_new (_("Aios runs without a display"));
  const char *unit = self->service_unit ? self->service_unit : "aios";
  g_autofree char *body = NULL;

  if (self->service)
    body = g_strdup_printf (_("Its service started before the desktop session, so it cannot open a window. "
                              "Give it the session’s display: systemctl --user import-environment "
                              "DISPLAY WAYLAND_DISPLAY && systemctl --user restart %s"), unit);
  else
    body = g_strdup (_("It was started where no display was set, so it cannot open a window. "
                       "Stop it and start it again from the desktop session."));
  g_notification_set_body (notification, body);
  g_application_send_notification (application, "no-window", notification);
  g_message ("Asked for a window, which this instance cannot open: %s", body);
}

static const GActionEntry app_actions[] = {
  { "approve", approve_activated, "s" },
  { "show-approval", show_approval_activated, "s" },
  { "undo", undo_activated, "s" },
  { "mark-sent", mark_sent_activated, "s" },
  { "send-again", send_again_activated, "s" },
};

/**
 * aios_app_core_new:
 * @application: a GApplication with %G_APPLICATION_HANDLES_COMMAND_LINE
 *
 * Returns: (transfer full): the core, serving @application's command lines
 */
AiosAppCore *
aios_app_core_new (GApplication *application)
{
  AiosAppCore *self = g_object_new (AIOS_TYPE_APP_CORE, NULL);

  self->application = application;
  g_object_set_qdata (G_OBJECT (application), core_quark (), self);
  g_signal_connect (application, "command-line", G_CALLBACK (command_line_cb), self);
  /* The window app overrides activate; the plain one does not. */
  if (G_APPLICATION_GET_CLASS (application)->activate ==
      ((GApplicationClass *) g_type_class_peek (G_TYPE_APPLICATION))->activate)
    g_signal_connect (application, "activate", G_CALLBACK (activate_without_window_cb), self);
  g_action_map_add_action_entries (G_ACTION_MAP (application), app_actions, G_N_ELEMENTS (app_actions), self);
  return self;
}
