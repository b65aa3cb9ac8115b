/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The approval commands that say what happened in words: `aios approvals`
 * (one compact block per item; --json keeps every field), `aios approve`
 * ("Sent to dana@example.com at 14:02", or when it will be sent inside the
 * undo grace), `aios undo ID` and `aios resolve ID --sent | --send-again`.
 * ID is always the approval's id, the one `aios approvals` and the Inbox
 * show.
 */
#define G_LOG_DOMAIN "aios-cli"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "aios-cli.h"
#include "control/aios-approvals.h"
#include "control/aios-outbox.h"
#include "control/aios-runs.h"
#include "store/aios-journal-query.h"

static gboolean
parse_id (const char  *text,
          gint64      *out,
          GError     **error)
{
  guint64 value = 0;

  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT64, &value, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("“%s” is not a number; expected an approval id such as 12 (see “aios approvals”)"), text);
      return FALSE;
    }
  *out = (gint64) value;
  return TRUE;
}

/* "14:02" today, else "2026-12-03 14:02", in local time. */
static char *
format_clock (gint64 ts_ms)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (ts_ms / 1000);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  if (when == NULL)
    return g_strdup ("?");
  if (g_date_time_get_year (when) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (when) == g_date_time_get_day_of_year (now))
    return g_date_time_format (when, "%H:%M:%S");
  return g_date_time_format (when, "%Y-%m-%d %H:%M");
}

static char *
format_age (gint64 since_ms)
{
  gint64 s = MAX (0, (aios_store_now_ms () - since_ms) / 1000);

  if (s < 60)
    return g_strdup (_("just now"));
  if (s < 3600)
    return g_strdup_printf (ngettext ("%d minute ago", "%d minutes ago", (int) (s / 60)), (int) (s / 60));
  if (s < 86400)
    return g_strdup_printf (ngettext ("%d hour ago", "%d hours ago", (int) (s / 3600)), (int) (s / 3600));
  return g_strdup_printf (ngettext ("%d day ago", "%d days ago", (int) (s / 86400)), (int) (s / 86400));
}

/* The agents' reasons for the run's steps so far, in one line. */
static char *
why_line (AiosStore              *store,
          const AiosApprovalInfo *info)
{
  g_autoptr(GPtrArray) events = aios_journal_list_run_kind (store, info->run_id, "step.succeeded", NULL);
  g_autoptr(GString) line = g_string_new (NULL);

  for (guint i = 0; events != NULL && i < events->len; i++)
    {
      const AiosEvent *event = events->pdata[i];

      if (event->rationale == NULL || *event->rationale == '\0')
        continue;
      g_string_append_printf (line, "%s%s", line->len ? "; " : "", event->rationale);
    }
  for (gsize i = 0; i < line->len; i++)
    if (line->str[i] == '\n' || line->str[i] == '\t')
      line->str[i] = ' ';
  if (g_utf8_strlen (line->str, -1) > 110)
    {
      g_autofree char *cut = g_utf8_substring (line->str, 0, 109);
      return g_strconcat (cut, "…", NULL);
    }
  return line->len ? g_string_free (g_steal_pointer (&line), FALSE) : NULL;
}

/* One compact block: what, to whom, the subject, its age and why. */
static void
print_block (AiosCliCall            *call,
             AiosWorkspace          *workspace,
             const AiosApprovalInfo *info)
{
  AiosStore *store = aios_workspace_get_store (workspace);
  g_autoptr(AiosActionDescription) description = aios_approval_info_describe (info, aios_workspace_get_connectors (workspace));
  g_autofree char *to = aios_approval_info_dup_recipient (info);
  g_autofree char *age = format_age (info->created_at);
  g_autofree char *why = why_line (store, info);
  const char *subject = description->subtitle;

  /* Translators: the first line of an approval in `aios approvals`: its id, what, its status, how old */
  aios_cli_call_print (call, _("%" PRId64 "  %s  (%s, %s)\n"), info->id, description->title, info->status, age);
  if (to != NULL)
    aios_cli_call_print (call, "   %-8s %s\n", _("to"), to);
  if (subject != NULL && *subject != '\0')
    aios_cli_call_print (call, "   %-8s %s\n", _("subject"), subject);
  aios_cli_call_print (call, "   %-8s %s, run %" PRId64 ", step %s\n", _("flow"), info->flow_id, info->run_id,
                       info->step_name);
  if (why != NULL)
    aios_cli_call_print (call, "   %-8s %s\n", _("why"), why);
}

int
aios_cli_approvals_handler (AiosCliCall *call)
{
  AiosWorkspace *workspace = aios_cli_call_get_workspace (call);
  AiosStore *store = aios_workspace_get_store (workspace);
  g_autoptr(GError) error = NULL;
  gboolean json = FALSE, all = FALSE;
  gint64 after = 0;
  guint printed = 0;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { "all", 0, 0, G_OPTION_ARG_NONE, &all, N_("Decided and expired ones too"), NULL },
    { NULL }
  };

  if (!aios_cli_call_parse (call, entries, 0, 0, &error))
    return aios_cli_call_fail (call, error);

  if (json)
    aios_cli_call_print (call, "[");
  for (;;)
    {
      g_autoptr(GPtrArray) list = aios_approval_info_list (store, !all, after, 200, &error);

      if (list == NULL)
        return aios_cli_call_fail (call, error);
      if (list->len == 0)
        break;
      for (guint i = 0; i < list->len; i++)
        {
          AiosApprovalInfo *info = g_ptr_array_index (list, i);

          if (json)
            {
              g_autoptr(JsonNode) node = aios_approval_info_to_json (info);
              g_autofree char *text = json_to_string (node, FALSE);
              aios_cli_call_print (call, "%s\n  %s", printed ? "," : "", text);
            }
          else
            {
              if (printed > 0)
                aios_cli_call_print (call, "\n");
              print_block (call, workspace, info);
            }
          printed++;
          after = info->id;
        }
    }
  if (json)
    aios_cli_call_print (call, "%s]\n", printed ? "\n" : "");
  else if (printed == 0)
    aios_cli_call_print (call, "%s\n", _("Nothing waits for approval."));
  return 0;
}

/* Carries the work this one-shot process started as far as it goes (the
 * undo grace included) before saying what happened; a running Aios (the
 * window, --headless) just keeps working. */
static gboolean
one_shot (AiosCliCall *call)
{
  AiosWorkspace *workspace = aios_cli_call_get_workspace (call);
  GApplicationCommandLine *command_line = aios_cli_call_get_command_line (call);

  return !aios_coordinator_is_active (aios_workspace_get_coordinator (workspace)) &&
         (command_line == NULL || !g_application_command_line_get_is_remote (command_line));
}

static void
settled_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
settle (AiosCliCall  *call,
        GError      **error)
{
  AiosWorkspace *workspace = aios_cli_call_get_workspace (call);
  g_autoptr(GAsyncResult) result = NULL;

  /* `aios undo` given meanwhile is forwarded here and served in this loop. */
  aios_workspace_settle_async (workspace, NULL, settled_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return aios_workspace_settle_finish (workspace, result, error);
}

/* Whether @item waits out its undo grace. */
static gboolean
in_grace (AiosStore            *store,
          const AiosOutboxItem *item,
          gint64               *send_at)
{
  g_autoptr(AiosStepInfo) step = NULL;

  if (item == NULL || !g_str_equal (item->status, "prepared") || item->attempts > 0)
    return FALSE;
  step = aios_runs_get_step (store, item->step_id, NULL, NULL);
  if (step == NULL || g_strcmp0 (step->status, "waiting") != 0 || g_strcmp0 (step->phase, "send") != 0 ||
      step->next_attempt_at <= aios_store_now_ms ())
    return FALSE;
  *send_at = step->next_attempt_at;
  return TRUE;
}

/* What became of the approval's action, in one line. */
static void
print_outcome (AiosCliCall            *call,
               const AiosApprovalInfo *info,
               gboolean                again)
{
  AiosStore *store = aios_workspace_get_store (aios_cli_call_get_workspace (call));
  g_autoptr(AiosOutboxItem) item = aios_outbox_find_for_approval (store, info->id, NULL);
  g_autofree char *to = aios_approval_info_dup_recipient (info);
  g_autofree char *when = NULL;
  const char *who = to != NULL ? to : info->action_kind;
  gint64 send_at = 0;

  if (item == NULL)
    {
      aios_cli_call_print (call, _("Approval %" PRId64 " approved\n"), info->id);
      return;
    }
  when = format_clock (item->updated_at);
  if (g_str_equal (item->status, "sent"))
    {
      if (again)
        aios_cli_call_print (call, _("Sent again to %s at %s, with the same idempotency key\n"), who, when);
      else
        aios_cli_call_print (call, _("Sent to %s at %s\n"), who, when);
    }
  else if (g_str_equal (item->status, "cancelled"))
    aios_cli_call_print (call, _("Taken back: nothing was sent to %s\n"), who);
  else if (g_str_equal (item->status, "failed"))
    aios_cli_call_print (call, _("Not sent to %s: %s\n"), who, item->error ? item->error : "");
  else if (g_str_equal (item->status, "unknown"))
    aios_cli_call_print (call, _("It is not known whether it reached %s (%s). Check with them, then "
                                 "“aios resolve %" PRId64 " --sent” or “aios resolve %" PRId64 " --send-again”\n"),
                         who, item->error ? item->error : _("Aios stopped while sending"), info->id, info->id);
  else if (g_str_equal (item->status, "sending"))
    aios_cli_call_print (call, _("Being sent to %s\n"), who);
  else if (in_grace (store, item, &send_at))
    {
      g_autofree char *at = format_clock (send_at);
      aios_cli_call_print (call, _("Will be sent to %s at %s (“aios undo %" PRId64 "” to take it back)\n"),
                           who, at, info->id);
    }
  else if (item->error != NULL)
    aios_cli_call_print (call, _("Not sent to %s yet (%s); it is tried again with the same key\n"), who, item->error);
  else if (again)
    aios_cli_call_print (call, _("The running Aios sends it to %s again, with the same idempotency key\n"), who);
  else
    aios_cli_call_print (call, _("Approved; the running Aios sends it to %s now\n"), who);
}

static AiosApprovalInfo *
get_info (AiosCliCall  *call,
          gint64        id)
{
  return aios_approval_info_get (aios_workspace_get_store (aios_cli_call_get_workspace (call)), id, NULL);
}

static JsonNode *
read_json_arg (AiosCliCall  *call,
               const char   *arg,
               GError      **error)
{
  g_autoptr(GBytes) bytes = aios_cli_call_read_file (call, arg, error);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) parse_error = NULL;

  if (bytes == NULL)
    return NULL;
  if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &parse_error) ||
      json_parser_get_root (parser) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("%s is not valid JSON: %s"), arg,
                   parse_error ? parse_error->message : _("it is empty"));
      return NULL;
    }
  return json_node_copy (json_parser_get_root (parser));
}

int
aios_cli_approve_handler (AiosCliCall *call)
{
  AiosWorkspace *workspace = aios_cli_call_get_workspace (call);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) edits = NULL;
  g_autoptr(AiosApprovalInfo) info = NULL;
  g_autofree char *edit_arg = NULL;
  g_autofree char *reason = NULL;
  gboolean waits;
  gint64 id;
  const GOptionEntry entries[] = {
    { "edit", 0, 0, G_OPTION_ARG_STRING, &edit_arg, N_("Edited fields, a JSON object (- for stdin)"), "FILE" },
    { "reason", 0, 0, G_OPTION_ARG_STRING, &reason, N_("Why (kept with the decision)"), "TEXT" },
    { NULL }
  };

  if (!aios_cli_call_parse (call, entries, 1, 1, &error) ||
      !parse_id (aios_cli_call_get_argv (call)[1], &id, &error))
    return aios_cli_call_fail (call, error);
  if (edit_arg != NULL && (edits = read_json_arg (call, edit_arg, &error)) == NULL)
    return aios_cli_call_fail (call, error);
  waits = one_shot (call);
  if (!aios_coordinator_approve (aios_workspace_get_coordinator (workspace), id, edits, "operator", reason, &error))
    return aios_cli_call_fail (call, error);
  info = get_info (call, id);
  if (info == NULL)
    return 0;
  if (waits)
    {
      g_autoptr(AiosOutboxItem) item = aios_outbox_find_for_approval (aios_workspace_get_store (workspace), id, NULL);
      gint64 send_at = 0;

      /* Inside the grace, say when first: the process stays until then. */
      if (in_grace (aios_workspace_get_store (workspace), item, &send_at))
        print_outcome (call, info, FALSE);
      if (!settle (call, &error))
        return aios_cli_call_fail (call, error);
    }
  print_outcome (call, info, FALSE);
  return 0;
}

int
aios_cli_undo_handler (AiosCliCall *call)
{
  AiosWorkspace *workspace = aios_cli_call_get_workspace (call);
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosApprovalInfo) info = NULL;
  g_autofree char *to = NULL;
  gint64 id;

  if (!aios_cli_call_parse (call, NULL, 1, 1, &error) ||
      !parse_id (aios_cli_call_get_argv (call)[1], &id, &error) ||
      !aios_coordinator_undo (aios_workspace_get_coordinator (workspace), id, "operator", &error))
    return aios_cli_call_fail (call, error);
  info = get_info (call, id);
  to = info != NULL ? aios_approval_info_dup_recipient (info) : NULL;
  aios_cli_call_print (call, _("Approval %" PRId64 " taken back: nothing was sent to %s, and it waits for your "
                               "decision again (“aios approvals”)\n"),
                       id, to != NULL ? to : (info != NULL ? info->action_kind : "?"));
  return 0;
}

int
aios_cli_resolve_handler (AiosCliCall *call)
{
  AiosWorkspace *workspace = aios_cli_call_get_workspace (call);
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosApprovalInfo) info = NULL;
  gboolean sent = FALSE, again = FALSE, waits;
  gint64 id;
  const GOptionEntry entries[] = {
    { "sent", 0, 0, G_OPTION_ARG_NONE, &sent, N_("It did arrive: record it as sent (nothing is resent)"), NULL },
    { "send-again", 0, 0, G_OPTION_ARG_NONE, &again,
      N_("It did not arrive: send it again with the same idempotency key (an email keeps its Message-ID)"), NULL },
    { NULL }
  };

  if (!aios_cli_call_parse (call, entries, 1, 1, &error) ||
      !parse_id (aios_cli_call_get_argv (call)[1], &id, &error))
    return aios_cli_call_fail (call, error);
  if (sent == again)
    return aios_cli_call_fail_literal (call, _("Say what happened: “aios resolve ID --sent” (it arrived) or "
                                               "“aios resolve ID --send-again” (send it again with the same key); "
                                               "ID is the approval’s id"));
  waits = again && one_shot (call);
  if (!aios_coordinator_resolve (aios_workspace_get_coordinator (workspace), id,
                                 sent ? AIOS_RESOLVE_SENT : AIOS_RESOLVE_SEND_AGAIN, "operator", &error))
    return aios_cli_call_fail (call, error);
  info = get_info (call, id);
  if (sent)
    {
      g_autofree char *to = info != NULL ? aios_approval_info_dup_recipient (info) : NULL;
      aios_cli_call_print (call, _("Recorded as sent to %s; nothing was resent\n"),
                           to != NULL ? to : (info != NULL ? info->action_kind : "?"));
      aios_cli_call_set_needs_settle (call, TRUE);
      return 0;
    }
  if (waits && !settle (call, &error))
    return aios_cli_call_fail (call, error);
  if (info != NULL)
    print_outcome (call, info, TRUE);
  return 0;
}
