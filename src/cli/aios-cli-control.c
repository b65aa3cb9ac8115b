/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The control room's commands (see ARCHITECTURE.md, "Interfaces outward").
 */
#define G_LOG_DOMAIN "aios-cli"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-cli.h"

static const AiosCliCommand commands[] = {
  { NULL }
};

const AiosCliCommand *
aios_cli_control_commands (void)
{
  return commands;
}
