/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "aios"

#include "config.h"

#include <locale.h>
#include <signal.h>
#include <glib/gi18n.h>

#include "app/aios-app-core.h"
#include "app/aios-app-register.h"
#include "cli/aios-cli.h"
#include "ui/aios-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GApplication) application = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* Past a file size limit, writes fail with EFBIG (reported as a full
   * disk, nothing lost) instead of the process being killed. */
  signal (SIGXFSZ, SIG_IGN);

  aios_app_core_set_command_runner (aios_cli_run_words);

  /* `--headless` with a display (a desktop session's systemd environment
   * has DISPLAY or WAYLAND_DISPLAY) is the GTK application holding itself
   * without a window, so `aios` opens the window in this process, on the
   * same coordinator. gtk_init() in GtkApplication's startup exits when the
   * display cannot be opened, so try it here first; without one, it is the
   * plain GApplication below. */
  if (aios_app_core_wants_window (argc, argv) ||
      (aios_app_core_wants_headless (argc, argv) &&
       (g_getenv ("DISPLAY") != NULL || g_getenv ("WAYLAND_DISPLAY") != NULL) &&
       gtk_init_check ()))
    application = G_APPLICATION (aios_application_new ());
  else
    {
      /* Commands and --headless need no display: a plain GApplication with
       * the same id, so a command still reaches a running window. */
      AiosAppCore *core;

      application = g_application_new (APPLICATION_ID, G_APPLICATION_HANDLES_COMMAND_LINE);
      core = aios_app_core_new (application);
      g_object_set_data_full (G_OBJECT (application), "aios-app-core", core, g_object_unref);
    }

  /* Before g_application_run(), which would fail at once when the
   * previous instance is still leaving the bus. */
  if (!aios_app_register (application, argv))
    return 1;

  return g_application_run (application, argc, argv);
}
