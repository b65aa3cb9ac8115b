/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Runs and Timeline pages on the demo company, under
 * tests/with-session.sh: the runs the coordinator left (read from the rows
 * drawn), the journal newest first (read from the rows drawn), cancelling a
 * run through the page's button and its confirmation (checked in the DB),
 * both pages rendered in light and dark to build/tests/artifacts/;
 * starting a run from the form; failed runs and Retry.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "app/aios-demo.h"
#include "aios-ui-test.h"
#include "control/aios-run-info.h"
#include "control/aios-run-title.h"
#include "store/aios-journal.h"
#include "ui/aios-journal-entry.h"
#include "ui/aios-journal-model.h"
#include "ui/aios-journal-row.h"
#include "ui/aios-runs-page.h"
#include "control/aios-flow-registry.h"
#include "control/aios-schedules.h"
#include "ui/aios-start-run-dialog.h"
#include "ui/aios-timeline-page.h"
#include "ui/aios-window.h"

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

static void
settled_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (aios_workspace_settle_finish (AIOS_WORKSPACE (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static void
settle (AiosWorkspace *workspace)
{
  gboolean done = FALSE;

  aios_workspace_settle_async (workspace, NULL, settled_cb, &done);
  g_assert_true (aios_ui_test_wait (is_true, &done, 60000));
}

/* The demo company. With email configured the good leads wait for the
 * operator's approval and the weak one finishes; without, the good leads'
 * runs fail at their send step and need attention. */
static AiosWorkspace *
demo_workspace (gboolean with_email)
{
  AiosWorkspace *workspace = aios_ui_test_workspace_new ();
  g_autoptr(GError) error = NULL;
  guint runs = 0;

  if (with_email)
    g_assert_true (aios_config_set (aios_workspace_get_config (workspace), "smtp.url",
                                    "smtp://127.0.0.1:9", "operator", &error));
  g_assert_no_error (error);
  g_assert_true (aios_workspace_start (workspace, &error));
  g_assert_no_error (error);
  g_assert_true (aios_demo_load (workspace, &runs, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (runs, ==, 6);
  settle (workspace);
  return workspace;
}

static gboolean
is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget) && gtk_widget_get_width (widget) > 0;
}

static GtkWidget *
find_type (GtkWidget *widget,
           GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_type (child, type);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Drawn widgets named @name (or of @type), in tree order. */
static void
collect (GtkWidget  *widget,
         const char *name,
         GType       type,
         GPtrArray  *found)
{
  if (!gtk_widget_is_drawable (widget))
    return;
  if ((name != NULL && g_strcmp0 (gtk_widget_get_name (widget), name) == 0) ||
      (type != G_TYPE_INVALID && G_TYPE_CHECK_INSTANCE_TYPE (widget, type)))
    g_ptr_array_add (found, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    collect (child, name, type, found);
}

static void
render (GtkWidget  *window,
        const char *name)
{
  g_autofree char *path = aios_ui_test_artifact_path (name);
  g_autoptr(GdkTexture) texture = NULL;

  aios_ui_test_wait_frame (window);
  texture = aios_ui_test_render (window);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("rendered %s", path);
}

static void
render_both (GtkWidget  *window,
             const char *page)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  g_autofree char *light = g_strdup_printf ("pages-%s-light.png", page);
  g_autofree char *dark = g_strdup_printf ("pages-%s-dark.png", page);

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  render (window, light);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  render (window, dark);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
}

static void
render_dialog (AdwMessageDialog *dialog,
               const char       *name)
{
  g_assert_true (aios_ui_test_wait (is_mapped, dialog, 10000));
  render (GTK_WIDGET (dialog), name);
}

static const char *
status_word (const char *status)
{
  return g_str_equal (status, "waiting") ? "Waiting" : g_str_equal (status, "succeeded") ? "Succeeded"
       : g_str_equal (status, "cancelled") ? "Cancelled" : g_str_equal (status, "failed") ? "Failed" : status;
}

static void
assert_runs_shown (GtkWidget *page,
                   AiosStore *store,
                   guint      n_runs)
{
  g_autoptr(GPtrArray) runs = aios_run_info_list (store, FALSE, 0, 0, NULL);
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  collect (page, "run-row", G_TYPE_INVALID, rows);
  g_assert_cmpuint (runs->len, ==, n_runs);
  g_assert_cmpuint (rows->len, ==, runs->len);
  for (guint i = 0; i < runs->len; i++)
    {
      const AiosRunInfo *info = runs->pdata[i];
      /* runs are titled by what they are about ("Outreach to Dana Whitfield"); a
       * retry has its parent's title, so a row of that title saying the status */
      g_autofree char *title = aios_run_title_for_run (store, aios_workspace_get_flows (aios_runs_page_get_workspace (AIOS_RUNS_PAGE (page))), info->id);
      const char *word = status_word (info->status);
      gboolean found = FALSE;

      for (guint r = 0; r < rows->len && !found; r++)
        if (g_str_equal (adw_preferences_row_get_title (rows->pdata[r]), title))
          {
            g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);

            aios_ui_test_collect_labels (rows->pdata[r], labels);
            found = g_ptr_array_find_with_equal_func (labels, word, g_str_equal, NULL);
          }
      if (!found)
        g_error ("run %" G_GINT64_FORMAT " is not listed", info->id);
    }
}

static gboolean
timeline_loaded (gpointer page)
{
  GListModel *model = aios_timeline_page_get_model (page);
  gint64 last = aios_journal_last_id (aios_workspace_get_store (aios_timeline_page_get_workspace (page)));
  g_autoptr(AiosJournalEntry) first = NULL;

  if (model == NULL || !aios_journal_model_get_loaded (AIOS_JOURNAL_MODEL (model)))
    return FALSE;
  first = g_list_model_get_item (model, 0);
  return first != NULL && aios_journal_entry_get_id (first) == last;
}

typedef struct {
  GtkWidget *page;
  guint      expected;
} Narrowed;

/* The Timeline shows exactly the expected number of events, loaded. */
static gboolean
timeline_narrowed (gpointer data)
{
  Narrowed *n = data;
  GListModel *model = aios_timeline_page_get_model (AIOS_TIMELINE_PAGE (n->page));

  return model != NULL && aios_journal_model_get_loaded (AIOS_JOURNAL_MODEL (model)) &&
         aios_journal_model_get_run_id (AIOS_JOURNAL_MODEL (model)) != 0 &&
         g_list_model_get_n_items (model) == n->expected;
}

/* The rows drawn say the newest summaries first, as the journal has them. */
static void
assert_timeline_shown (GtkWidget *page,
                       AiosStore *store)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  sqlite3_stmt *stmt = aios_store_prepare (store, "SELECT summary FROM events ORDER BY id DESC LIMIT ?", NULL);
  guint i = 0;

  collect (page, NULL, AIOS_TYPE_JOURNAL_ROW, rows);
  g_assert_cmpuint (rows->len, >=, 8);
  sqlite3_bind_int (stmt, 1, rows->len);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *expected = (const char *) sqlite3_column_text (stmt, 0);

      g_assert_cmpuint (i, <, rows->len);
      g_assert_cmpstr (aios_journal_row_get_summary (rows->pdata[i]), ==, expected);
      i++;
    }
  sqlite3_reset (stmt);
  g_assert_cmpuint (i, ==, rows->len);
}

static gboolean
dialog_shown (gpointer data)
{
  AdwMessageDialog **dialog = data;
  GList *toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data) && gtk_widget_get_mapped (l->data))
      *dialog = l->data;
  g_list_free (toplevels);
  return *dialog != NULL;
}

static GtkWidget *
find_button (GtkWidget  *widget,
             const char *label)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button (child, label);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
is_unmapped (gpointer widget)
{
  return !gtk_widget_get_mapped (widget);
}

/* Clicks the dialog's response button, as the operator would: the
 * dialog answers and closes. */
static void
click_response (AdwMessageDialog *dialog,
                const char       *label)
{
  GtkWidget *button = find_button (GTK_WIDGET (dialog), label);

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button));
  g_object_ref (dialog);
  g_signal_emit_by_name (button, "clicked");
  g_assert_true (aios_ui_test_wait (is_unmapped, dialog, 10000));
  g_object_unref (dialog);
}

static char *
run_status (AiosStore *store,
            gint64     run_id)
{
  g_autoptr(AiosRunInfo) info = aios_run_info_get (store, run_id, NULL);
  return g_strdup (info->status);
}

static gint64
count (AiosStore  *store,
       const char *sql,
       gint64      arg)
{
  sqlite3_stmt *stmt = aios_store_prepare (store, sql, NULL);
  gint64 n;

  g_assert_nonnull (stmt);
  sqlite3_bind_int64 (stmt, 1, arg);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

static gboolean
schedule_paused (gpointer data)
{
  g_autoptr(GPtrArray) list = aios_schedules_list (aios_workspace_get_store (data), NULL);

  return list != NULL && list->len == 1 && ((AiosScheduleInfo *) list->pdata[0])->paused;
}

static gboolean
row_says_paused (gpointer page)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  collect (page, "schedule-row", G_TYPE_INVALID, rows);
  return rows->len == 1 && g_str_has_suffix (adw_action_row_get_subtitle (rows->pdata[0]), ", paused");
}

/* An operator's flow with a schedule: Runs lists it with its next time and
 * a switch that pauses it (the workspace says so, and the row). */
static void
test_schedules (void)
{
  g_autoptr(AiosWorkspace) workspace = aios_ui_test_workspace_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("aios-ui-flows-XXXXXX", &error);
  g_autofree char *file = g_build_filename (dir, "morning.json", NULL);
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  g_autoptr(GPtrArray) switches = g_ptr_array_new ();
  AiosWindow *window;
  GtkWidget *runs;
  const char *subtitle;

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (file,
    "{\"id\": \"morning\", \"title\": \"Morning note\", \"schedule\": {\"every\": \"weekday\", \"at\": \"09:00\"},"
    " \"steps\": [{\"name\": \"note\", \"agent\": \"template\", \"config\": {\"template\": {\"x\": \"y\"}}}]}",
    -1, &error));
  aios_flow_registry_set_user_dir (aios_workspace_get_flows (workspace), dir);
  g_assert_true (aios_workspace_start (workspace, &error));
  g_assert_no_error (error);
  window = aios_window_new (aios_ui_test_application (), workspace);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (aios_ui_test_wait (is_mapped, window, 10000));
  aios_window_show_page (window, "runs");
  runs = find_type (GTK_WIDGET (window), AIOS_TYPE_RUNS_PAGE);
  aios_runs_page_refresh (AIOS_RUNS_PAGE (runs));
  aios_ui_test_wait_frame (GTK_WIDGET (window));

  collect (runs, "schedule-row", G_TYPE_INVALID, rows);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpstr (adw_preferences_row_get_title (rows->pdata[0]), ==, "Morning note");
  subtitle = adw_action_row_get_subtitle (rows->pdata[0]);
  g_assert_true (g_str_has_prefix (subtitle, "every weekday at 09:00, next "));
  collect (rows->pdata[0], NULL, GTK_TYPE_SWITCH, switches);
  g_assert_cmpuint (switches->len, ==, 1);
  g_assert_true (gtk_switch_get_active (switches->pdata[0]));
  render (GTK_WIDGET (window), "pages-runs-schedules.png");

  gtk_switch_set_active (switches->pdata[0], FALSE);
  g_assert_true (schedule_paused (workspace));
  g_assert_true (aios_ui_test_wait (row_says_paused, runs, 10000));
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_demo (void)
{
  g_autoptr(AiosWorkspace) workspace = demo_workspace (TRUE);
  AiosStore *store = aios_workspace_get_store (workspace);
  AiosWindow *window = aios_window_new (aios_ui_test_application (), workspace);
  GtkWidget *runs, *timeline;
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();
  AdwMessageDialog *dialog = NULL;
  g_autofree char *status = NULL;
  gint64 victim = 0;

  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (aios_ui_test_wait (is_mapped, window, 10000));

  /* Runs: the six runs, each with its status */
  aios_window_show_page (window, "runs");
  runs = find_type (GTK_WIDGET (window), AIOS_TYPE_RUNS_PAGE);
  g_assert_nonnull (runs);
  aios_ui_test_wait_frame (GTK_WIDGET (window));
  assert_runs_shown (runs, store, 6);
  g_assert_cmpint (count (store, "SELECT COUNT (*) FROM runs WHERE status = 'waiting' AND ? = 0", 0), ==, 5);
  g_assert_cmpint (count (store, "SELECT COUNT (*) FROM runs WHERE status = 'succeeded' AND ? = 0", 0), ==, 1);

  victim = count (store, "SELECT MIN (id) FROM runs WHERE status = 'waiting' AND ? = 0", 0);
  aios_runs_page_select_run (AIOS_RUNS_PAGE (runs), victim);
  render_both (GTK_WIDGET (window), "runs");

  /* Timeline: newest first, the summaries the journal has */
  aios_window_show_page (window, "timeline");
  timeline = find_type (GTK_WIDGET (window), AIOS_TYPE_TIMELINE_PAGE);
  g_assert_true (aios_ui_test_wait (timeline_loaded, timeline, 10000));
  aios_ui_test_wait_frame (GTK_WIDGET (window));
  assert_timeline_shown (timeline, store);
  /* the detail of an event with reasons, payload and memory versions */
  {
    gint64 id = count (store, "SELECT MAX (id) FROM events WHERE rationale IS NOT NULL AND payload_json IS NOT NULL "
                              "AND id IN (SELECT event_id FROM event_links WHERE target_kind = 'record') AND ? = 0", 0);
    g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
    g_autoptr(GPtrArray) rows = g_ptr_array_new ();
    sqlite3_stmt *stmt = aios_store_prepare (store, "SELECT r.title FROM event_links l JOIN records r "
                                                    "ON r.id = CAST (l.target_id AS INTEGER) WHERE l.event_id = ? "
                                                    "AND l.target_kind = 'record'", NULL);

    g_assert_cmpint (id, >, 0);
    aios_timeline_page_select (AIOS_TIMELINE_PAGE (timeline),
                               count (store, "SELECT COUNT (*) FROM events WHERE id > ?", id));
    aios_ui_test_wait_frame (GTK_WIDGET (window));
    aios_ui_test_collect_labels (timeline, labels);
    sqlite3_bind_int64 (stmt, 1, id);
    while (sqlite3_step (stmt) == SQLITE_ROW)
      if (!g_ptr_array_find_with_equal_func (labels, sqlite3_column_text (stmt, 0), g_str_equal, NULL))
        g_error ("the linked record “%s” is not shown", sqlite3_column_text (stmt, 0));
    sqlite3_reset (stmt);
    g_assert_true (g_ptr_array_find_with_equal_func (labels, "Why", g_str_equal, NULL));
    g_assert_true (g_ptr_array_find_with_equal_func (labels, "Payload", g_str_equal, NULL));

  }
  render_both (GTK_WIDGET (window), "timeline");
  /* "Only This Run" (the timeline.only-run action, the run id its
   * target) narrows the Timeline to that run's events. */
  {
    /* the event selected above: the button narrows to its run */
    gint64 run_id = count (store, "SELECT run_id FROM events WHERE id = (SELECT MAX (id) FROM events "
                                  "WHERE rationale IS NOT NULL AND payload_json IS NOT NULL AND id IN "
                                  "(SELECT event_id FROM event_links WHERE target_kind = 'record')) AND ? = 0", 0);
    GtkWidget *only = find_button (timeline, "Only This Run");
    GListModel *model = aios_timeline_page_get_model (AIOS_TIMELINE_PAGE (timeline));
    Narrowed narrowed = { timeline, count (store, "SELECT COUNT (*) FROM events WHERE run_id = ?", run_id) };

    g_assert_cmpint (run_id, >, 0);
    g_assert_nonnull (only);
    g_assert_true (gtk_widget_is_drawable (only));
    g_assert_cmpuint (narrowed.expected, >, 0);
    g_assert_cmpuint (g_list_model_get_n_items (model), >, narrowed.expected);
    gtk_widget_activate (only);
    g_assert_true (aios_ui_test_wait (timeline_narrowed, &narrowed, 10000));
    model = aios_timeline_page_get_model (AIOS_TIMELINE_PAGE (timeline));
    for (guint i = 0; i < MIN (g_list_model_get_n_items (model), 50); i++)
      {
        g_autoptr(AiosJournalEntry) entry = g_list_model_get_item (model, i);
        g_assert_cmpint (aios_journal_entry_get_event (entry)->run_id, ==, run_id);
      }
    aios_timeline_page_show_run (AIOS_TIMELINE_PAGE (timeline), 0);
    g_assert_true (aios_ui_test_wait (timeline_loaded, timeline, 10000));
  }

  /* Cancel a waiting run with its button and the confirmation */
  aios_window_show_page (window, "runs");
  aios_runs_page_select_run (AIOS_RUNS_PAGE (runs), victim);
  aios_ui_test_wait_frame (GTK_WIDGET (window));
  collect (runs, "cancel-run", G_TYPE_INVALID, buttons);
  g_assert_cmpuint (buttons->len, ==, 1);
  g_signal_emit_by_name (buttons->pdata[0], "clicked");
  g_assert_true (aios_ui_test_wait (dialog_shown, &dialog, 10000));
  {
    g_autofree char *heading = g_strdup_printf ("Cancel Run %" G_GINT64_FORMAT "?", victim);
    g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, heading);
    g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "approvals it waits for are withdrawn"));
  }
  render_dialog (dialog, "pages-runs-cancel-dialog.png");
  click_response (dialog, "_Cancel Run");
  while (g_main_context_iteration (NULL, FALSE))
    ;

  status = run_status (store, victim);
  g_assert_cmpstr (status, ==, "cancelled");
  g_assert_cmpint (count (store, "SELECT COUNT (*) FROM approvals WHERE run_id = ? AND status = 'pending'", victim), ==, 0);
  g_assert_cmpint (count (store, "SELECT COUNT (*) FROM events WHERE run_id = ? AND kind = 'run.cancelled' "
                                 "AND actor = 'operator'", victim), ==, 1);
  /* and the page says so */
  aios_runs_page_refresh (AIOS_RUNS_PAGE (runs));
  aios_ui_test_wait_frame (GTK_WIDGET (window));
  assert_runs_shown (runs, store, 6);

  /* "Show in Timeline": the Timeline narrowed to the run */
  {
    g_autoptr(GPtrArray) show = g_ptr_array_new ();
    GListModel *model = aios_timeline_page_get_model (AIOS_TIMELINE_PAGE (timeline));
    gint64 n = count (store, "SELECT COUNT (*) FROM events WHERE run_id = ?", victim);

    collect (runs, "show-in-timeline", G_TYPE_INVALID, show);
    g_assert_cmpuint (show->len, ==, 1);
    g_signal_emit_by_name (show->pdata[0], "clicked");
    g_assert_cmpstr (adw_view_stack_get_visible_child_name (aios_window_get_stack (window)), ==, "timeline");
    while (g_list_model_get_n_items (model) != n)
      g_main_context_iteration (NULL, TRUE);
    for (guint i = 0; i < n; i++)
      {
        g_autoptr(AiosJournalEntry) entry = g_list_model_get_item (model, i);
        g_assert_cmpint (aios_journal_entry_get_event (entry)->run_id, ==, victim);
      }

    /* narrow: the list folds over the detail, with a way back (660 px:
     * narrower, the window's own view switcher bar takes over) */
    gtk_window_set_default_size (GTK_WINDOW (window), 660, 720);
    aios_ui_test_wait_frame (GTK_WIDGET (window));
    aios_timeline_page_select (AIOS_TIMELINE_PAGE (timeline), 0);
    aios_ui_test_wait_frame (GTK_WIDGET (window));
    render (GTK_WIDGET (window), "pages-timeline-narrow-light.png");
    gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
    aios_timeline_page_show_run (AIOS_TIMELINE_PAGE (timeline), 0);
    aios_window_show_page (window, "runs");
    aios_ui_test_wait_frame (GTK_WIDGET (window));
  }

  /* Start a run from the form built from the flow's input schema */
  {
    AdwMessageDialog *start = aios_runs_page_start_run (AIOS_RUNS_PAGE (runs));
    g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
    g_autofree char *input = NULL;
    sqlite3_stmt *stmt;
    gint64 run_id;

    g_assert_true (AIOS_IS_START_RUN_DIALOG (start));
    g_assert_true (aios_start_run_dialog_select_flow (AIOS_START_RUN_DIALOG (start), "greeting"));
    g_assert_false (adw_message_dialog_get_response_enabled (start, "start"));
    g_assert_true (aios_start_run_dialog_set_field (AIOS_START_RUN_DIALOG (start), "name", "Dana Whitfield"));
    g_assert_true (adw_message_dialog_get_response_enabled (start, "start"));
    render_dialog (start, "pages-runs-start-dialog.png");
    click_response (start, "_Start");
    while (g_main_context_iteration (NULL, FALSE))
      ;

    run_id = count (store, "SELECT MAX (id) FROM runs WHERE ? = 0", 0);
    g_assert_cmpint (run_id, ==, 7);
    stmt = aios_store_prepare (store, "SELECT flow_id, input_json FROM runs WHERE id = ?", NULL);
    sqlite3_bind_int64 (stmt, 1, run_id);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "greeting");
    input = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    sqlite3_reset (stmt);
    g_assert_nonnull (strstr (input, "\"name\":\"Dana Whitfield\""));
    g_assert_cmpint (count (store, "SELECT COUNT (*) FROM events WHERE run_id = ? AND kind = 'run.created' "
                                   "AND actor = 'operator'", run_id), ==, 1);
    settle (workspace);
    aios_runs_page_refresh (AIOS_RUNS_PAGE (runs));
    aios_ui_test_wait_frame (GTK_WIDGET (window));
    assert_runs_shown (runs, store, 7);
  }

  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Failed runs need attention, with the reason; Retry through the page
 * forks a new run; the Timeline's "Failures Only" shows just failures. */
static void
test_attention (void)
{
  g_autoptr(AiosWorkspace) workspace = demo_workspace (FALSE);
  AiosStore *store = aios_workspace_get_store (workspace);
  AiosWindow *window = aios_window_new (aios_ui_test_application (), workspace);
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();
  g_autoptr(GPtrArray) dropdowns = g_ptr_array_new ();
  g_autoptr(AiosRunInfo) failed = NULL;
  AdwMessageDialog *dialog = NULL;
  GtkWidget *runs, *timeline;
  GListModel *model;
  gint64 victim, child;
  guint attention_rows = 0;

  g_assert_cmpint (count (store, "SELECT COUNT (*) FROM runs WHERE status = 'failed' AND attention IS NOT NULL "
                                 "AND ? = 0", 0), ==, 5);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (aios_ui_test_wait (is_mapped, window, 10000));

  aios_window_show_page (window, "runs");
  runs = find_type (GTK_WIDGET (window), AIOS_TYPE_RUNS_PAGE);
  aios_ui_test_wait_frame (GTK_WIDGET (window));
  assert_runs_shown (runs, store, 6);
  collect (runs, "run-row", G_TYPE_INVALID, rows);
  victim = count (store, "SELECT MIN (id) FROM runs WHERE attention IS NOT NULL AND ? = 0", 0);
  failed = aios_run_info_get (store, victim, NULL);
  for (guint i = 0; i < rows->len; i++)
    {
      g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);

      aios_ui_test_collect_labels (rows->pdata[i], labels);
      if (g_ptr_array_find_with_equal_func (labels, failed->attention, g_str_equal, NULL))
        {
          g_assert_true (g_ptr_array_find_with_equal_func (labels, "Failed", g_str_equal, NULL));
          attention_rows++;
        }
    }
  g_assert_cmpuint (attention_rows, ==, 5);
  {
    g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
    aios_ui_test_collect_labels (runs, labels);
    g_assert_true (g_ptr_array_find_with_equal_func (labels, "Needs Attention", g_str_equal, NULL));
  }

  aios_runs_page_select_run (AIOS_RUNS_PAGE (runs), victim);
  render_both (GTK_WIDGET (window), "runs-attention");

  collect (runs, "retry-run", G_TYPE_INVALID, buttons);
  g_assert_cmpuint (buttons->len, ==, 1);
  g_signal_emit_by_name (buttons->pdata[0], "clicked");
  g_assert_true (aios_ui_test_wait (dialog_shown, &dialog, 10000));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "keeps its history"));
  click_response (dialog, "_Retry");
  child = count (store, "SELECT MAX (id) FROM runs WHERE parent_run_id = ? AND fork_kind = 'retry'", victim);
  g_assert_cmpint (child, ==, 7);
  g_assert_cmpint (count (store, "SELECT COUNT (*) FROM runs WHERE id = ? AND attention IS NULL", victim), ==, 1);
  settle (workspace);

  /* Failures only: every row is a failure, as many as the journal has */
  aios_window_show_page (window, "timeline");
  timeline = find_type (GTK_WIDGET (window), AIOS_TYPE_TIMELINE_PAGE);
  g_assert_true (aios_ui_test_wait (timeline_loaded, timeline, 10000));
  collect (timeline, NULL, GTK_TYPE_DROP_DOWN, dropdowns);
  g_assert_cmpuint (dropdowns->len, ==, 2);
  gtk_drop_down_set_selected (dropdowns->pdata[0], AIOS_JOURNAL_SHOW_FAILURES);
  model = aios_timeline_page_get_model (AIOS_TIMELINE_PAGE (timeline));
  {
    gint64 failures = count (store, "SELECT COUNT (*) FROM events WHERE (kind GLOB '*.failed' OR kind IN "
                                    "('outbox.unknown', 'budget.exceeded')) AND ? = 0", 0);
    g_autoptr(GPtrArray) shown = g_ptr_array_new ();

    g_assert_cmpint (failures, >=, 12);
    while (g_list_model_get_n_items (model) != failures)
      g_main_context_iteration (NULL, TRUE);
    aios_timeline_page_select (AIOS_TIMELINE_PAGE (timeline), 0);
    aios_ui_test_wait_frame (GTK_WIDGET (window));
    collect (timeline, NULL, AIOS_TYPE_JOURNAL_ROW, shown);
    g_assert_cmpuint (shown->len, >, 0);
    for (guint i = 0; i < shown->len; i++)
      g_assert_true (gtk_widget_has_css_class (shown->pdata[i], "failure"));
  }
  render_both (GTK_WIDGET (window), "timeline-failures");

  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gtk_init ();

  g_test_add_func ("/pages/demo", test_demo);
  g_test_add_func ("/pages/attention", test_attention);
  g_test_add_func ("/pages/schedules", test_schedules);

  return g_test_run ();
}
