/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "app/aios-workspace.h"

G_BEGIN_DECLS

/**
 * AiosCliCall:
 *
 * One command line being served: its words, the workspace it works on, and
 * where its output goes. With a #GApplicationCommandLine (possibly forwarded
 * from another process) output reaches that caller; without one (in-process
 * tests) it is buffered and read back with aios_cli_call_get_output().
 */
typedef struct _AiosCliCall AiosCliCall;

typedef int (*AiosCliHandler) (AiosCliCall *call);

/**
 * AiosCliCommand:
 * @name: the command word ("runs", "memory", ...)
 * @usage: its arguments, for help ("[--run ID] [--json]")
 * @summary: one line for `aios help`, translatable (N_())
 * @handler: runs it and returns the exit status
 *
 * Each room lists its commands in a %NULL-terminated table
 * (aios-cli-store.c, aios-cli-control.c, ...).
 */
typedef struct {
  const char     *name;
  const char     *usage;
  const char     *summary;
  AiosCliHandler  handler;
} AiosCliCommand;

AiosCliCall   *aios_cli_call_new          (AiosWorkspace           *workspace,
                                           GApplicationCommandLine *command_line,
                                           const char * const      *argv);
void           aios_cli_call_free         (AiosCliCall             *call);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AiosCliCall, aios_cli_call_free)

AiosWorkspace *aios_cli_call_get_workspace (AiosCliCall            *call);
GApplicationCommandLine *aios_cli_call_get_command_line (AiosCliCall *call);
int            aios_cli_call_get_argc     (AiosCliCall             *call);
char         **aios_cli_call_get_argv     (AiosCliCall             *call);
gboolean       aios_cli_call_parse        (AiosCliCall             *call,
                                           const GOptionEntry      *entries,
                                           int                      min_args,
                                           int                      max_args,
                                           GError                 **error);
void           aios_cli_call_print        (AiosCliCall             *call,
                                           const char              *format,
                                           ...) G_GNUC_PRINTF (2, 3);
void           aios_cli_call_print_json   (AiosCliCall             *call,
                                           JsonNode                *node);
void           aios_cli_call_printerr     (AiosCliCall             *call,
                                           const char              *format,
                                           ...) G_GNUC_PRINTF (2, 3);
int            aios_cli_call_fail         (AiosCliCall             *call,
                                           const GError            *error);
int            aios_cli_call_fail_literal (AiosCliCall             *call,
                                           const char              *message);
GBytes        *aios_cli_call_read_stdin   (AiosCliCall             *call,
                                           GError                 **error);
void           aios_cli_call_set_stdin    (AiosCliCall             *call,
                                           GBytes                  *bytes);
GFile         *aios_cli_call_get_file     (AiosCliCall             *call,
                                           const char              *arg);
GBytes        *aios_cli_call_read_file    (AiosCliCall             *call,
                                           const char              *arg,
                                           GError                 **error);
void           aios_cli_call_set_needs_settle (AiosCliCall         *call,
                                               gboolean             needs_settle);
gboolean       aios_cli_call_get_needs_settle (AiosCliCall         *call);
const char    *aios_cli_call_get_output   (AiosCliCall             *call);
const char    *aios_cli_call_get_errors   (AiosCliCall             *call);

gboolean       aios_cli_is_command        (const char              *word);
int            aios_cli_run               (AiosCliCall             *call);
int            aios_cli_run_words         (AiosWorkspace           *workspace,
                                           GApplicationCommandLine *command_line,
                                           const char * const      *words,
                                           gboolean                *needs_settle);

/* aios-cli-approvals.c, listed in the control room's table. */
int aios_cli_approvals_handler (AiosCliCall *call);
int aios_cli_approve_handler   (AiosCliCall *call);
int aios_cli_undo_handler      (AiosCliCall *call);
int aios_cli_resolve_handler   (AiosCliCall *call);
/* aios-cli-schedules.c, listed in the control room's table. */
int aios_cli_schedules_handler (AiosCliCall *call);

/* aios-cli-dry-run.c: `aios submit FLOW --dry-run`. */
int aios_cli_submit_dry_run (AiosCliCall *call,
                             const char  *flow_id,
                             JsonNode    *input,
                             gboolean     json);

/* The rooms' tables. */
const AiosCliCommand *aios_cli_store_commands   (void);
const AiosCliCommand *aios_cli_control_commands (void);
const AiosCliCommand *aios_cli_memory_commands  (void);
const AiosCliCommand *aios_cli_exec_commands    (void);
const AiosCliCommand *aios_cli_app_commands     (void);
const AiosCliCommand *aios_cli_stats_commands   (void);   /* aios-cli-stats.c */

G_END_DECLS
