/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Commands about the process itself: `aios status`, which process runs the
 * coordinator, since when, and what it watches. A command is served by the
 * primary instance (the window, `aios --headless`, the service), so when one
 * runs it answers about itself; a one-shot process answers that none runs
 * (or names the process that holds the workspace's coordinator lock from
 * outside this session bus).
 */
#define G_LOG_DOMAIN "aios-cli"

#include "config.h"

#include <inttypes.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "aios-cli.h"
#include "app/aios-app-core.h"
#include "control/aios-approvals.h"
#include "control/aios-runs.h"

/* What `aios status` reports, gathered once for the text and the JSON. */
typedef struct {
  const char *workspace;
  gboolean    running;     /* a coordinator runs this workspace */
  gboolean    here;        /* ... in this process */
  GPid        pid;
  const char *mode;        /* window, headless, service; NULL when unknown */
  const char *unit;        /* the systemd unit, for "service" */
  gint64      started_at;  /* ms, 0 when unknown */
  guint       open_runs, queued, running_runs, waiting;
  gint64      next_due_at; /* ms, 0 when none */
  guint       pending_approvals;
  gint64      next_expiry_at;
  guint       intake_port; /* 0 when not listening */
} Status;

static gboolean
gather_watches (AiosWorkspace  *workspace,
                Status         *status,
                GError        **error)
{
  AiosStore *store = aios_workspace_get_store (workspace);
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GPtrArray) approvals = NULL;

  runs = aios_run_info_list (store, TRUE, 0, 0, error);
  if (runs == NULL)
    return FALSE;
  for (guint i = 0; i < runs->len; i++)
    {
      const AiosRunInfo *info = g_ptr_array_index (runs, i);

      if (g_str_equal (info->status, "queued"))
        status->queued++;
      else if (g_str_equal (info->status, "running"))
        status->running_runs++;
      else if (g_str_equal (info->status, "waiting"))
        status->waiting++;
      else
        continue;   /* finished, kept open only by its attention flag */
      status->open_runs++;
      if (info->next_attempt_at > 0 &&
          (status->next_due_at == 0 || info->next_attempt_at < status->next_due_at))
        status->next_due_at = info->next_attempt_at;
    }

  approvals = aios_approval_info_list (store, TRUE, 0, 0, error);
  if (approvals == NULL)
    return FALSE;
  status->pending_approvals = approvals->len;
  status->next_expiry_at = approvals->len > 0 ? aios_approvals_next_expiry (store) : 0;

  if (status->here && aios_intake_server_is_listening (aios_workspace_get_intake (workspace)))
    status->intake_port = aios_intake_server_get_port (aios_workspace_get_intake (workspace));
  return TRUE;
}

/* "5 minutes", "2 hours", "3 days": how far @ms is from now. */
static char *
format_span (gint64 ms)
{
  gint64 s = ABS (ms) / 1000;

  if (s < 60)
    return g_strdup_printf (ngettext ("%d second", "%d seconds", (int) s), (int) s);
  if (s < 3600)
    return g_strdup_printf (ngettext ("%d minute", "%d minutes", (int) (s / 60)), (int) (s / 60));
  if (s < 86400)
    return g_strdup_printf (ngettext ("%d hour", "%d hours", (int) (s / 3600)), (int) (s / 3600));
  return g_strdup_printf (ngettext ("%d day", "%d days", (int) (s / 86400)), (int) (s / 86400));
}

/* "2026-12-04T01:30:12+00:00 (5 minutes ago)" or "(in 5 minutes)" */
static char *
format_when (gint64 ts_ms)
{
  g_autofree char *time = aios_store_format_time (ts_ms);
  gint64 delta = ts_ms - aios_store_now_ms ();
  g_autofree char *span = format_span (delta);

  if (ABS (delta) < 1000)
    return g_strdup_printf (_("%s (now)"), time);
  if (delta < 0)
    return g_strdup_printf (_("%s (%s ago)"), time, span);
  return g_strdup_printf (_("%s (in %s)"), time, span);
}

static const char *
describe_mode (const Status *status)
{
  if (g_strcmp0 (status->mode, "service") == 0)
    return _("the service");
  if (g_strcmp0 (status->mode, "headless") == 0)
    return _("headless");
  if (g_strcmp0 (status->mode, "window") == 0)
    return _("the window");
  return _("not on this session bus");
}

static void
print_text (AiosCliCall  *call,
            const Status *status)
{
  if (!status->running)
    {
      aios_cli_call_print (call, _("No Aios process runs the coordinator of %s. "
                                   "Start it with “aios --headless”, or “systemctl --user start aios” "
                                   "where the unit is installed.\n"),
                           status->workspace);
      return;
    }

  if (status->unit != NULL)
    aios_cli_call_print (call, "%-11s %d (%s %s)\n", _("Process:"), (int) status->pid,
                         describe_mode (status), status->unit);
  else
    aios_cli_call_print (call, "%-11s %d (%s)\n", _("Process:"), (int) status->pid, describe_mode (status));
  if (status->started_at > 0)
    {
      g_autofree char *since = format_when (status->started_at);
      aios_cli_call_print (call, "%-11s %s\n", _("Since:"), since);
    }
  aios_cli_call_print (call, "%-11s %s\n", _("Workspace:"), status->workspace);

  if (status->open_runs == 0)
    aios_cli_call_print (call, "%-11s %s\n", _("Runs:"), _("none in progress"));
  else
    {
      g_autofree char *counts = g_strdup_printf (_("%u in progress (%u queued, %u running, %u waiting)"),
                                                 status->open_runs, status->queued,
                                                 status->running_runs, status->waiting);
      if (status->next_due_at > 0)
        {
          g_autofree char *due = format_when (status->next_due_at);
          g_autofree char *line = g_strdup_printf (_("%s; the next is due %s"), counts, due);
          aios_cli_call_print (call, "%-11s %s\n", _("Runs:"), line);
        }
      else
        aios_cli_call_print (call, "%-11s %s\n", _("Runs:"), counts);
    }

  if (status->pending_approvals == 0)
    aios_cli_call_print (call, "%-11s %s\n", _("Approvals:"), _("none pending"));
  else
    {
      g_autofree char *count = g_strdup_printf (ngettext ("%u pending", "%u pending",
                                                          status->pending_approvals),
                                                status->pending_approvals);
      g_autofree char *expiry = status->next_expiry_at > 0 ? format_when (status->next_expiry_at) : NULL;

      if (expiry != NULL)
        {
          g_autofree char *line = g_strdup_printf (_("%s; the first expires %s"), count, expiry);
          aios_cli_call_print (call, "%-11s %s\n", _("Approvals:"), line);
        }
      else
        aios_cli_call_print (call, "%-11s %s\n", _("Approvals:"), count);
    }

  if (status->intake_port > 0)
    aios_cli_call_print (call, "%-11s http://127.0.0.1:%u/v1/leads\n", _("Intake:"), status->intake_port);
}

static void
add_time_or_null (JsonBuilder *b,
                  const char  *name,
                  gint64       ms)
{
  json_builder_set_member_name (b, name);
  if (ms > 0)
    json_builder_add_int_value (b, ms);
  else
    json_builder_add_null_value (b);
}

static void
add_string_or_null (JsonBuilder *b,
                    const char  *name,
                    const char  *value)
{
  json_builder_set_member_name (b, name);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

/* The stable `aios status --json` shape: every member always present. */
static void
print_json (AiosCliCall  *call,
            const Status *status)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "running");
  json_builder_add_boolean_value (b, status->running);
  json_builder_set_member_name (b, "pid");
  if (status->running)
    json_builder_add_int_value (b, status->pid);
  else
    json_builder_add_null_value (b);
  add_string_or_null (b, "mode", status->mode);
  add_string_or_null (b, "unit", status->unit);
  add_time_or_null (b, "started_at", status->started_at);
  json_builder_set_member_name (b, "workspace");
  json_builder_add_string_value (b, status->workspace);

  json_builder_set_member_name (b, "runs");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "in_progress");
  json_builder_add_int_value (b, status->open_runs);
  json_builder_set_member_name (b, "queued");
  json_builder_add_int_value (b, status->queued);
  json_builder_set_member_name (b, "running");
  json_builder_add_int_value (b, status->running_runs);
  json_builder_set_member_name (b, "waiting");
  json_builder_add_int_value (b, status->waiting);
  add_time_or_null (b, "next_due_at", status->next_due_at);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "approvals");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "pending");
  json_builder_add_int_value (b, status->pending_approvals);
  add_time_or_null (b, "next_expiry_at", status->next_expiry_at);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "intake");
  if (status->intake_port > 0)
    {
      g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/v1/leads", status->intake_port);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "url");
      json_builder_add_string_value (b, url);
      json_builder_end_object (b);
    }
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  text = json_to_string (root, TRUE);
  aios_cli_call_print (call, "%s\n", text);
}

static int
status_handler (AiosCliCall *call)
{
  AiosWorkspace *workspace = aios_cli_call_get_workspace (call);
  AiosCoordinator *coordinator = aios_workspace_get_coordinator (workspace);
  AiosAppCore *core = aios_app_core_get_default ();
  g_autoptr(GError) error = NULL;
  gboolean json = FALSE;
  Status status = { 0 };
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };

  if (!aios_cli_call_parse (call, entries, 0, 0, &error))
    return aios_cli_call_fail (call, error);

  status.workspace = aios_workspace_get_path (workspace);
  if (aios_coordinator_is_active (coordinator))
    {
      status.running = status.here = TRUE;
      status.pid = getpid ();
      status.started_at = aios_coordinator_get_started_at (coordinator) / 1000;
      if (core != NULL)
        {
          status.mode = aios_app_core_get_mode (core);
          status.unit = aios_app_core_get_service_unit (core);
        }
    }
  else
    {
      /* Not this process: another one may hold the lock from outside this
       * session bus (another session, another app id); say which. */
      status.pid = aios_coordinator_find_holder (status.workspace);
      status.running = status.pid > 0;
    }

  if (!gather_watches (workspace, &status, &error))
    return aios_cli_call_fail (call, error);
  if (json)
    print_json (call, &status);
  else
    print_text (call, &status);
  return 0;
}

static const AiosCliCommand commands[] = {
  { "status", "[--json]", N_("Which process runs the coordinator, since when, and what it watches"),
    status_handler },
  { NULL }
};

const AiosCliCommand *
aios_cli_app_commands (void)
{
  return commands;
}
