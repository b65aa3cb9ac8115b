/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs: what is happening now. Runs that need attention (with the reason),
 * running, waiting (for an approval, or for a retry at a time) and the
 * latest finished ones, each with its flow, current step and attempt; the
 * same data as `aios runs --json`. The detail pane shows a run's steps and
 * journal, with Cancel and Retry behind confirmations that say exactly
 * what happens. It follows the store's commits and the coordinator.
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "aios-journal-row.h"
#include "aios-detail-pane.h"
#include "aios-health-dialog.h"
#include "aios-run-detail.h"
#include "aios-runs-page.h"
#include "aios-start-run-dialog.h"
#include "aios-timeline-page.h"
#include "aios-window.h"
#include "control/aios-run-title.h"
#include "aios-journal-entry.h"
#include "control/aios-flow-registry.h"
#include "control/aios-runs.h"
#include "control/aios-schedules.h"
#include "store/aios-journal-query.h"

#define FINISHED_SHOWN 50

struct _AiosRunsPage
{
  AdwBin           parent_instance;

  AiosWorkspace   *workspace;
  gint64           selected;      /* run id shown in the detail pane, or 0 */
  char            *list_signature;   /* what the lists show, to skip idle rebuilds */
  char            *detail_signature; /* what the detail pane shows */
  GHashTable      *rows;          /* run id -> its row in the lists (borrowed) */
  guint            refresh_source;

  AdwToastOverlay *toast_overlay;
  GtkStack        *stack;
  AdwStatusPage   *status_page;
  AdwLeaflet      *leaflet;
  GtkWidget       *list_pane;
  GtkBox          *sections;
  GtkWidget       *detail_pane;
  GtkWidget       *back_button;
  GtkWidget       *start_button;
  GtkWidget       *empty_start_button;
  GtkStack        *detail_stack;
  AiosRunDetail   *run_detail;
  GtkBox          *detail_box;    /* the run detail's sections */
};

G_DEFINE_FINAL_TYPE (AiosRunsPage, aios_runs_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_WORKSPACE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void show_run (AiosRunsPage *self, gint64 run_id);

/* ---- Health (aios-health-dialog.c) ---- */

static void
health_show_run (AiosHealthDialog *dialog,
                 gint64            run_id,
                 AiosRunsPage     *self)
{
  gtk_window_close (GTK_WINDOW (dialog));
  show_run (self, run_id);
}

/* The Health window over the Runs page; its run buttons show a run here. */
void
aios_runs_page_show_health (AiosRunsPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog;

  if (self->workspace == NULL)
    return;
  dialog = aios_health_dialog_new (self->workspace, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL);
  g_signal_connect_object (dialog, "show-run", G_CALLBACK (health_show_run), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- words ---- */

static GtkWidget *
status_tag (const char *status,
            gboolean    attention)
{
  /* The section already says the run needs attention; the tag says how
   * it ended, in the error colour. */
  GtkWidget *label = gtk_label_new (aios_run_status_label (status));

  gtk_widget_add_css_class (label, "run-status");
  gtk_widget_add_css_class (label, attention ? "failed" : status);
  gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
  return label;
}

/* ---- the list ---- */

/* Everything a row shows; equal signatures mean nothing to redraw, so a
 * burst of commits that changes no run keeps scroll position and focus. */
static void
append_signature (GString           *sig,
                  const AiosRunInfo *info)
{
  g_string_append_printf (sig, "%" PRId64 "|%s|%s|%s|%s|%" PRId64 "|%" PRId64 "|%s|%" PRId64 ";",
                          info->id, info->status, info->attention ? info->attention : "",
                          info->step_name ? info->step_name : "", info->step_status ? info->step_status : "",
                          info->step_attempt, info->next_attempt_at, info->waiting_for ? info->waiting_for : "",
                          info->updated_at);
}

/* Marks the run shown in the detail pane in whichever list holds it. */
static void
mark_selected (AiosRunsPage *self)
{
  GHashTableIter iter;
  gpointer key, row;

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, &key, &row))
    {
      gboolean selected = *(gint64 *) key == self->selected;

      if (selected)
        gtk_widget_add_css_class (row, "selected-run");
      else
        gtk_widget_remove_css_class (row, "selected-run");
      gtk_accessible_update_state (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_STATE_SELECTED, selected, -1);
    }
}

static void
on_run_activated (AdwActionRow *row,
                  AiosRunsPage *self)
{
  show_run (self, GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (row), "run-id")));
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->detail_pane);
}

static void
add_run_row (AiosRunsPage      *self,
             GtkWidget         *list,
             const AiosRunInfo *info)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *title = aios_run_title_for_run (aios_workspace_get_store (self->workspace),
                                                   aios_workspace_get_flows (self->workspace), info->id);
  g_autofree char *state = aios_run_describe_state (info);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), state);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), status_tag (info->status, info->attention != NULL));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  g_object_set_data (G_OBJECT (row), "run-id", GSIZE_TO_POINTER ((gsize) info->id));
  g_object_set_data_full (G_OBJECT (row), "status", g_strdup (info->status), g_free);
  gtk_widget_set_name (row, "run-row");
  g_signal_connect (row, "activated", G_CALLBACK (on_run_activated), self);
  gtk_list_box_append (GTK_LIST_BOX (list), row);
  g_hash_table_insert (self->rows, g_memdup2 (&info->id, sizeof info->id), row);
}

static void toast (AiosRunsPage *self,
                   const char   *text);

static void
on_schedule_switched (GtkSwitch    *toggle,
                      GParamSpec   *pspec,
                      AiosRunsPage *self)
{
  const char *flow_id = g_object_get_data (G_OBJECT (toggle), "flow-id");
  g_autoptr(GError) error = NULL;

  if (self->workspace == NULL || flow_id == NULL)
    return;
  if (!aios_schedules_set_paused (aios_workspace_get_store (self->workspace), flow_id,
                                  !gtk_switch_get_active (toggle), &error))
    toast (self, error->message);
}

/* A flow's schedule: what it is, when it runs next, a switch to pause it. */
static void
add_schedule_row (AiosRunsPage           *self,
                  GtkWidget              *list,
                  const AiosScheduleInfo *info)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *toggle = gtk_switch_new ();
  g_autofree char *what = aios_schedule_describe (info->spec_json);
  g_autofree char *next = info->next_at > 0 ? aios_journal_format_date_time (info->next_at) : NULL;
  g_autofree char *subtitle = info->paused
    /* Translators: a schedule's line in Runs: what it is ("every weekday at 09:00"), then that it is paused */
    ? g_strdup_printf (_("%s, paused"), what)
    /* Translators: a schedule's line in Runs: what it is ("every weekday at 09:00"), then its next time */
    : g_strdup_printf (_("%s, next %s"), what, next ? next : "—");
  g_autoptr(AiosFlow) flow = aios_flow_registry_lookup (aios_workspace_get_flows (self->workspace), info->flow_id, NULL);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), flow ? aios_flow_get_title (flow) : info->flow_id);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_switch_set_active (GTK_SWITCH (toggle), !info->paused);
  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (toggle, _("Run on schedule"));
  g_object_set_data_full (G_OBJECT (toggle), "flow-id", g_strdup (info->flow_id), g_free);
  g_signal_connect (toggle, "notify::active", G_CALLBACK (on_schedule_switched), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
  gtk_widget_set_name (row, "schedule-row");
  gtk_list_box_append (GTK_LIST_BOX (list), row);
}

/* The newest finished runs that need nothing more, newest first. */
static GPtrArray *
list_finished (AiosStore *store,
               guint      limit,
               gint64    *total)
{
  GPtrArray *runs;

  *total = aios_runs_count_finished (store, NULL);
  runs = aios_runs_list_finished (store, limit, NULL);
  return runs != NULL ? runs : g_ptr_array_new_with_free_func ((GDestroyNotify) aios_run_info_free);
}

static void
rebuild (AiosRunsPage *self)
{
  AiosStore *store;
  g_autoptr(GPtrArray) open = NULL;
  g_autoptr(GPtrArray) finished = NULL;
  g_autoptr(GPtrArray) schedules = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *lists[3] = { NULL, NULL, NULL };
  static const char *headings[3] = { N_("Needs Attention"), N_("Running"), N_("Waiting") };
  g_autoptr(GString) signature = NULL;
  gint64 finished_total = 0;

  if (self->workspace == NULL)
    {
      g_hash_table_remove_all (self->rows);
      aios_detail_pane_clear (self->sections);
      g_clear_pointer (&self->list_signature, g_free);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }
  store = aios_workspace_get_store (self->workspace);
  open = aios_run_info_list (store, TRUE, 0, 0, &error);
  if (open == NULL)
    {
      g_warning ("%s", error->message);
      return;
    }
  finished = list_finished (store, FINISHED_SHOWN, &finished_total);
  schedules = aios_schedules_list (store, NULL);

  signature = g_string_new (NULL);
  for (guint i = 0; schedules != NULL && i < schedules->len; i++)
    {
      const AiosScheduleInfo *sched = schedules->pdata[i];
      g_string_append_printf (signature, "s%s|%d|%" PRId64 ";", sched->flow_id, sched->paused, sched->next_at);
    }
  for (guint i = 0; i < open->len; i++)
    append_signature (signature, open->pdata[i]);
  for (guint i = 0; i < finished->len; i++)
    append_signature (signature, finished->pdata[i]);
  g_string_append_printf (signature, "%" PRId64, finished_total);
  if (g_strcmp0 (signature->str, self->list_signature) == 0)
    {
      if (self->selected != 0)
        show_run (self, self->selected);
      return;
    }
  g_free (self->list_signature);
  self->list_signature = g_string_free (g_steal_pointer (&signature), FALSE);
  g_hash_table_remove_all (self->rows);
  aios_detail_pane_clear (self->sections);

  if (open->len == 0 && finished->len == 0 && (schedules == NULL || schedules->len == 0))
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }
  gtk_stack_set_visible_child_name (self->stack, "runs");

  /* Open runs newest first within their group. */
  for (guint g = 0; g < 3; g++)
    for (guint i = open->len; i-- > 0;)
      {
        const AiosRunInfo *info = open->pdata[i];
        guint group = info->attention != NULL ? 0 : g_strcmp0 (info->status, "waiting") == 0 ? 2 : 1;

        if (group != g)
          continue;
        if (lists[g] == NULL)
          lists[g] = aios_detail_pane_add_list (aios_detail_pane_add_section (self->sections, _(headings[g])));
        add_run_row (self, lists[g], info);
      }

  if (schedules != NULL && schedules->len > 0)
    {
      GtkWidget *list = aios_detail_pane_add_list (aios_detail_pane_add_section (self->sections, _("Schedules")));

      for (guint i = 0; i < schedules->len; i++)
        add_schedule_row (self, list, schedules->pdata[i]);
    }

  if (finished->len > 0)
    {
      GtkWidget *section = aios_detail_pane_add_section (self->sections, _("Finished"));
      GtkWidget *list = aios_detail_pane_add_list (section);

      for (guint i = 0; i < finished->len; i++)
        add_run_row (self, list, finished->pdata[i]);
      if (finished_total > finished->len)
        {
          g_autofree char *more = g_strdup_printf (_("The latest %u of %" PRId64 " finished runs; “aios runs” lists them all."),
                                                   finished->len, finished_total);
          GtkWidget *label = gtk_label_new (more);

          gtk_label_set_wrap (GTK_LABEL (label), TRUE);
          gtk_label_set_xalign (GTK_LABEL (label), 0);
          gtk_widget_add_css_class (label, "dim-label");
          gtk_widget_add_css_class (label, "caption");
          gtk_box_append (GTK_BOX (section), label);
        }
    }

  if (self->selected != 0)
    show_run (self, self->selected);
  mark_selected (self);
}

static gboolean
refresh_idle (gpointer data)
{
  AiosRunsPage *self = data;

  self->refresh_source = 0;
  rebuild (self);
  return G_SOURCE_REMOVE;
}

/* Many commits come in a burst while runs move; one rebuild covers them. */
static void
queue_refresh (AiosRunsPage *self)
{
  if (self->refresh_source == 0)
    self->refresh_source = g_idle_add_full (G_PRIORITY_LOW, refresh_idle, self, NULL);
}

/* ---- actions ---- */

static void
toast (AiosRunsPage *self,
       const char   *text)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

static void
on_confirm_response (AdwMessageDialog *dialog,
                     const char       *response,
                     AiosRunsPage     *self)
{
  gint64 run_id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (dialog), "run-id"));
  AiosCoordinator *coordinator;
  g_autoptr(GError) error = NULL;
  g_autofree char *done = NULL;

  if (self->workspace == NULL)
    return;
  coordinator = aios_workspace_get_coordinator (self->workspace);
  if (g_str_equal (response, "cancel-run"))
    {
      if (aios_coordinator_cancel (coordinator, run_id, "operator", &error))
        done = g_strdup_printf (_("Run %" PRId64 " cancelled"), run_id);
    }
  else if (g_str_equal (response, "retry-run"))
    {
      gint64 child = aios_coordinator_retry (coordinator, run_id, "operator", &error);

      if (child != 0)
        {
          done = g_strdup_printf (_("Run %" PRId64 " retries run %" PRId64), child, run_id);
          self->selected = child;
        }
    }
  else
    return;

  if (error != NULL)
    toast (self, error->message);
  else
    toast (self, done);
  rebuild (self);
}

static void
confirm (AiosRunsPage      *self,
         const AiosRunInfo *info,
         gboolean           cancel)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  AdwMessageDialog *dialog;

  if (cancel)
    {
      heading = g_strdup_printf (_("Cancel Run %" PRId64 "?"), info->id);
      body = g_strdup_printf (_("Run %" PRId64 " of %s stops now: its unfinished steps are cancelled, "
                                "the approvals it waits for are withdrawn and actions it prepared but did not send "
                                "are never sent. What it already sent or wrote to memory stays, and the journal "
                                "keeps every event."),
                              info->id, info->flow_id);
    }
  else
    {
      heading = g_strdup_printf (_("Retry Run %" PRId64 "?"), info->id);
      body = g_strdup_printf (_("A new run of %s starts from the step that did not finish (%s), with the flow as it "
                                "is now; the steps that succeeded are reused, not run again. Run %" PRId64
                                " keeps its history and no longer needs attention."),
                              info->flow_id, info->step_name != NULL ? info->step_name : "—", info->id);
    }

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading, body));
  adw_message_dialog_add_responses (dialog, "keep", cancel ? _("_Keep Running") : _("_Not Now"), NULL);
  if (cancel)
    {
      adw_message_dialog_add_response (dialog, "cancel-run", _("_Cancel Run"));
      adw_message_dialog_set_response_appearance (dialog, "cancel-run", ADW_RESPONSE_DESTRUCTIVE);
    }
  else
    {
      adw_message_dialog_add_response (dialog, "retry-run", _("_Retry"));
      adw_message_dialog_set_response_appearance (dialog, "retry-run", ADW_RESPONSE_SUGGESTED);
    }
  adw_message_dialog_set_default_response (dialog, "keep");
  adw_message_dialog_set_close_response (dialog, "keep");
  g_object_set_data (G_OBJECT (dialog), "run-id", GSIZE_TO_POINTER ((gsize) info->id));
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_confirm_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* "run.cancel" and "run.retry", with the run's id as target. */
static void
on_run_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  AiosRunsPage *self = AIOS_RUNS_PAGE (widget);
  g_autoptr(AiosRunInfo) info = NULL;

  if (self->workspace == NULL)
    return;
  info = aios_run_info_get (aios_workspace_get_store (self->workspace), g_variant_get_int64 (parameter), NULL);
  if (info != NULL)
    confirm (self, info, g_str_equal (action_name, "run.cancel"));
}

static void
on_start_response (AiosStartRunDialog *dialog,
                   const char         *response,
                   AiosRunsPage       *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *done = NULL;
  gint64 run_id;

  if (!g_str_equal (response, "start"))
    return;
  run_id = aios_start_run_dialog_submit (dialog, &error);
  if (run_id == 0)
    {
      toast (self, error->message);
      return;
    }
  done = g_strdup_printf (_("Run %" PRId64 " started"), run_id);
  toast (self, done);
  self->selected = run_id;
  rebuild (self);
}

/**
 * aios_runs_page_start_run:
 *
 * Opens the form that starts a run of a flow.
 *
 * Returns: (transfer none) (nullable): the dialog
 */
AdwMessageDialog *
aios_runs_page_start_run (AiosRunsPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  AiosStartRunDialog *dialog;

  g_return_val_if_fail (AIOS_IS_RUNS_PAGE (self), NULL);
  if (self->workspace == NULL)
    return NULL;
  dialog = aios_start_run_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, self->workspace);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_start_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return ADW_MESSAGE_DIALOG (dialog);
}

/* ---- the detail pane ---- */

static void
add_steps (AiosRunsPage *self,
           gint64        run_id)
{
  AiosStore *store = aios_workspace_get_store (self->workspace);
  g_autoptr(GPtrArray) steps = aios_runs_list_steps (store, run_id, NULL);
  GtkWidget *list = NULL;

  if (steps == NULL)
    return;
  for (guint i = 0; i < steps->len; i++)
    {
      const AiosStepInfo *step = steps->pdata[i];
      const char *name = step->name;
      const char *agent = step->agent;
      const char *status = step->status;
      gint64 attempt = step->attempt;
      gint64 next = step->next_attempt_at;
      const char *error = step->error;
      gboolean reused = step->reused;
      const char *skip_reason = step->output_reason;
      GtkWidget *row = adw_action_row_new ();
      g_autoptr(GString) subtitle = g_string_new (NULL);

      if (list == NULL)
        list = aios_detail_pane_add_list (aios_detail_pane_add_section (self->detail_box, _("Steps")));
      /* A step whose "when"/"unless" said no is recorded as done with
       * {"skipped": true, "reason": ...}: say so, not "Succeeded". */
      if (g_strcmp0 (status, "succeeded") == 0 && skip_reason != NULL)
        {
          status = "skipped";
          /* Translators: why a step did not run, e.g. "not needed: steps.qualify.qualified is false" */
          g_string_append_printf (subtitle, _("not needed: %s"), skip_reason);
        }
      else
        {
          /* Translators: who does a step, e.g. "qa agent" */
          g_string_append_printf (subtitle, _("%s agent, attempt %" PRId64), agent, attempt);
        }
      if (reused)
        g_string_append_printf (subtitle, " · %s", _("reused from the run it forks"));
      if (next > 0 && g_strcmp0 (status, "waiting") == 0)
        {
          g_autofree char *when = aios_journal_format_time (next);
          g_string_append_printf (subtitle, " · ");
          g_string_append_printf (subtitle, _("next try at %s"), when);
        }
      if (error != NULL)
        g_string_append_printf (subtitle, "\n%s", error);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle->str);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), status_tag (status, FALSE));
      gtk_list_box_append (GTK_LIST_BOX (list), row);
    }
}

static void
add_events (AiosRunsPage *self,
            gint64        run_id)
{
  g_autoptr(GPtrArray) events = aios_journal_list (aios_workspace_get_store (self->workspace), run_id, 0, 500, NULL);
  GtkWidget *list;
  gint64 last_ts = 0;

  if (events == NULL || events->len == 0)
    return;
  list = aios_detail_pane_add_list (aios_detail_pane_add_section (self->detail_box, _("Journal")));
  for (guint i = 0; i < events->len; i++)
    {
      AiosEvent *event = events->pdata[i];
      g_autoptr(AiosJournalEntry) entry = aios_journal_entry_new (aios_event_copy (event));
      GtkWidget *row = aios_journal_row_new ();
      g_autoptr(GDateTime) a = g_date_time_new_from_unix_local (last_ts / 1000);
      g_autoptr(GDateTime) b = g_date_time_new_from_unix_local (event->ts / 1000);
      gboolean new_day = last_ts == 0 || g_date_time_get_day_of_year (a) != g_date_time_get_day_of_year (b) ||
                         g_date_time_get_year (a) != g_date_time_get_year (b);

      aios_journal_row_set_entry (AIOS_JOURNAL_ROW (row), entry, new_day, NULL);
      gtk_widget_set_margin_start (row, 12);
      gtk_widget_set_margin_end (row, 12);
      gtk_list_box_append (GTK_LIST_BOX (list), row);
      last_ts = event->ts;
    }
}

static void
show_run (AiosRunsPage *self,
          gint64        run_id)
{
  g_autoptr(AiosRunInfo) info = NULL;

  self->selected = run_id;
  mark_selected (self);
  if (self->workspace == NULL ||
      (info = aios_run_info_get (aios_workspace_get_store (self->workspace), run_id, NULL)) == NULL)
    {
      self->selected = 0;
      mark_selected (self);
      g_clear_pointer (&self->detail_signature, g_free);
      aios_detail_pane_clear (self->detail_box);
      aios_run_detail_set_run (self->run_detail, NULL);
      gtk_stack_set_visible_child_name (self->detail_stack, "none");
      return;
    }
  {
    g_autoptr(GString) signature = g_string_new (NULL);
    append_signature (signature, info);
    g_string_append_printf (signature, "%" PRId64,
                            aios_journal_last_run_event_id (aios_workspace_get_store (self->workspace), run_id, NULL));
    if (g_strcmp0 (signature->str, self->detail_signature) == 0)
      return;
    g_free (self->detail_signature);
    self->detail_signature = g_string_free (g_steal_pointer (&signature), FALSE);
  }
  aios_detail_pane_clear (self->detail_box);

  aios_run_detail_set_can_show_timeline (self->run_detail, AIOS_IS_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))));
  aios_run_detail_set_run (self->run_detail, info);

  add_steps (self, info->id);
  add_events (self, info->id);
  gtk_stack_set_visible_child_name (self->detail_stack, "run");
}

/* "run.show-in-timeline": the Timeline, narrowed to the target run. */
static void
on_show_in_timeline (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWidget *timeline;

  if (!AIOS_IS_WINDOW (root))
    return;
  timeline = adw_view_stack_get_child_by_name (aios_window_get_stack (AIOS_WINDOW (root)), "timeline");
  if (!AIOS_IS_TIMELINE_PAGE (timeline))
    return;
  aios_timeline_page_show_run (AIOS_TIMELINE_PAGE (timeline), g_variant_get_int64 (parameter));
  aios_window_show_page (AIOS_WINDOW (root), "timeline");
}

static void
on_back_clicked (AiosRunsPage *self)
{
  adw_leaflet_set_visible_child (self->leaflet, self->list_pane);
}

static void
on_folded (AiosRunsPage *self)
{
  gtk_widget_set_visible (self->back_button, adw_leaflet_get_folded (self->leaflet));
}

/* ---- the object ---- */

static void
aios_runs_page_dispose (GObject *object)
{
  AiosRunsPage *self = AIOS_RUNS_PAGE (object);

  g_clear_handle_id (&self->refresh_source, g_source_remove);
  /* AdwBin lets go of its child itself; the template must not do it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), AIOS_TYPE_RUNS_PAGE);
  g_clear_object (&self->workspace);
  g_clear_pointer (&self->list_signature, g_free);
  g_clear_pointer (&self->detail_signature, g_free);
  g_clear_pointer (&self->rows, g_hash_table_unref);
  G_OBJECT_CLASS (aios_runs_page_parent_class)->dispose (object);
}

static void
aios_runs_page_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  AiosRunsPage *self = AIOS_RUNS_PAGE (object);

  switch (prop_id)
    {
    case PROP_WORKSPACE:
      g_value_set_object (value, self->workspace);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aios_runs_page_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  AiosRunsPage *self = AIOS_RUNS_PAGE (object);

  switch (prop_id)
    {
    case PROP_WORKSPACE:
      aios_runs_page_set_workspace (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aios_runs_page_class_init (AiosRunsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = aios_runs_page_dispose;
  object_class->get_property = aios_runs_page_get_property;
  object_class->set_property = aios_runs_page_set_property;

  properties[PROP_WORKSPACE] =
    g_param_spec_object ("workspace", NULL, NULL, AIOS_TYPE_WORKSPACE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (AIOS_TYPE_RUN_DETAIL);
  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/Aios/aios-runs-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AiosRunsPage, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, AiosRunsPage, stack);
  gtk_widget_class_bind_template_child (widget_class, AiosRunsPage, status_page);
  gtk_widget_class_bind_template_child (widget_class, AiosRunsPage, leaflet);
  gtk_widget_class_bind_template_child (widget_class, AiosRunsPage, list_pane);
  gtk_widget_class_bind_template_child (widget_class, AiosRunsPage, sections);
  gtk_widget_class_bind_template_child (widget_class, AiosRunsPage, detail_pane);
  gtk_widget_class_bind_template_child (widget_class, AiosRunsPage, back_button);
  gtk_widget_class_bind_template_child (widget_class, AiosRunsPage, start_button);
  gtk_widget_class_bind_template_child (widget_class, AiosRunsPage, empty_start_button);
  gtk_widget_class_bind_template_child (widget_class, AiosRunsPage, detail_stack);
  gtk_widget_class_bind_template_child (widget_class, AiosRunsPage, run_detail);
  gtk_widget_class_bind_template_callback (widget_class, on_back_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_folded);
  gtk_widget_class_bind_template_callback (widget_class, aios_runs_page_start_run);
  gtk_widget_class_bind_template_callback (widget_class, aios_runs_page_show_health);

  gtk_widget_class_install_action (widget_class, "run.cancel", "x", on_run_action);
  gtk_widget_class_install_action (widget_class, "run.retry", "x", on_run_action);
  gtk_widget_class_install_action (widget_class, "run.show-in-timeline", "x", on_show_in_timeline);
}

static void
aios_runs_page_init (AiosRunsPage *self)
{
  self->rows = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  gtk_widget_init_template (GTK_WIDGET (self));
  self->detail_box = aios_run_detail_get_sections (self->run_detail);
}

GtkWidget *
aios_runs_page_new (AiosWorkspace *workspace)
{
  return g_object_new (AIOS_TYPE_RUNS_PAGE, "workspace", workspace, NULL);
}

AiosWorkspace *
aios_runs_page_get_workspace (AiosRunsPage *self)
{
  g_return_val_if_fail (AIOS_IS_RUNS_PAGE (self), NULL);
  return self->workspace;
}

/**
 * aios_runs_page_set_workspace:
 * @workspace: (nullable): the workspace the page shows
 */
void
aios_runs_page_set_workspace (AiosRunsPage *self,
                              AiosWorkspace *workspace)
{
  g_return_if_fail (AIOS_IS_RUNS_PAGE (self));

  if (self->workspace != NULL)
    {
      g_signal_handlers_disconnect_by_data (aios_workspace_get_store (self->workspace), self);
      g_signal_handlers_disconnect_by_data (aios_workspace_get_coordinator (self->workspace), self);
    }
  if (!g_set_object (&self->workspace, workspace))
    return;
  self->selected = 0;
  g_clear_pointer (&self->list_signature, g_free);
  g_clear_pointer (&self->detail_signature, g_free);
  if (workspace != NULL)
    {
      g_signal_connect_object (aios_workspace_get_store (workspace), "committed",
                               G_CALLBACK (queue_refresh), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (aios_workspace_get_coordinator (workspace), "run-changed",
                               G_CALLBACK (queue_refresh), self, G_CONNECT_SWAPPED);
    }
  rebuild (self);
  gtk_stack_set_visible_child_name (self->detail_stack, "none");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WORKSPACE]);
}

/* Shows @run_id in the detail pane. */
void
aios_runs_page_select_run (AiosRunsPage *self,
                           gint64        run_id)
{
  g_return_if_fail (AIOS_IS_RUNS_PAGE (self));
  show_run (self, run_id);
}

/* Rebuilds the lists now rather than at the next idle moment. */
void
aios_runs_page_refresh (AiosRunsPage *self)
{
  g_return_if_fail (AIOS_IS_RUNS_PAGE (self));
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  rebuild (self);
}
