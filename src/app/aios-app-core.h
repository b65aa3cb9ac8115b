/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "aios-workspace.h"

G_BEGIN_DECLS

#define AIOS_TYPE_APP_CORE (aios_app_core_get_type ())
G_DECLARE_FINAL_TYPE (AiosAppCore, aios_app_core, AIOS, APP_CORE, GObject)

/**
 * AiosCommandRunner:
 * @workspace: the workspace the command works on
 * @command_line: where its output goes (may be remote)
 * @words: the command and its arguments, %NULL-terminated
 * @needs_settle: (out): set when the command started work that a one-shot
 *   process should carry as far as it goes before exiting
 *
 * Runs one command of the command line. The app room stands below cli/, so
 * the command table reaches it through this hook, which main() installs.
 *
 * Returns: the exit status
 */
typedef int (*AiosCommandRunner) (AiosWorkspace           *workspace,
                                  GApplicationCommandLine *command_line,
                                  const char * const      *words,
                                  gboolean                *needs_settle);

void           aios_app_core_set_command_runner (AiosCommandRunner runner);

gboolean       aios_app_core_wants_window   (int            argc,
                                             char         **argv);
AiosAppCore   *aios_app_core_new            (GApplication  *application);
AiosWorkspace *aios_app_core_get_workspace  (AiosAppCore   *self,
                                             const char    *path,
                                             GError       **error);
gboolean       aios_app_core_get_headless   (AiosAppCore   *self);
gboolean       aios_app_core_wants_headless (int            argc,
                                             char         **argv);
AiosAppCore   *aios_app_core_get_default    (void);
const char    *aios_app_core_get_mode       (AiosAppCore   *self);
const char    *aios_app_core_get_service_unit (AiosAppCore *self);
gboolean       aios_app_core_get_can_open_windows (AiosAppCore *self);

G_END_DECLS
