/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Start a Run's Dry Run button: on the sample company with email set up,
 * a lead-outreach dry run from the form opens a window with every step and
 * the email that would have been sent (its recipient, subject and body),
 * and the workspace has no new run, step, approval, outbox row, journal
 * event or memory version. And the Health window on the same workspace:
 * its charts' figures (their accessible descriptions) are the meter's.
 */
#include "config.h"

#include <string.h>

#include "aios-ui-test.h"
#include "app/aios-demo.h"
#include "control/aios-stats.h"
#include "ui/aios-dry-run-window.h"
#include "ui/aios-health-dialog.h"
#include "ui/aios-week-chart.h"
#include "ui/aios-start-run-dialog.h"

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

static gint64
count (AiosStore  *store,
       const char *table)
{
  g_autofree char *sql = g_strdup_printf ("SELECT COUNT (*) FROM %s", table);
  sqlite3_stmt *stmt = aios_store_prepare (store, sql, NULL);
  gint64 n;

  g_assert_nonnull (stmt);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

static char *
counts (AiosStore *store)
{
  return g_strdup_printf ("runs %" G_GINT64_FORMAT ", steps %" G_GINT64_FORMAT ", approvals %" G_GINT64_FORMAT
                          ", outbox %" G_GINT64_FORMAT ", events %" G_GINT64_FORMAT ", versions %" G_GINT64_FORMAT,
                          count (store, "runs"), count (store, "steps"), count (store, "approvals"),
                          count (store, "outbox"), count (store, "events"), count (store, "record_versions"));
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
is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

static gpointer
dry_run_window (void)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (AIOS_IS_DRY_RUN_WINDOW (l->data))
      return l->data;
  return NULL;
}

static gboolean
window_done (gpointer data)
{
  AiosDryRunWindow *window = dry_run_window ();

  return window != NULL && aios_dry_run_window_is_done (window) && gtk_widget_get_mapped (GTK_WIDGET (window));
}

static gboolean
has_label (GPtrArray  *labels,
           const char *part)
{
  for (guint i = 0; i < labels->len; i++)
    if (strstr (labels->pdata[i], part) != NULL)
      return TRUE;
  return FALSE;
}

static void
test_dry_run_button (void)
{
  g_autoptr(AiosWorkspace) workspace = aios_ui_test_workspace_new ();
  AiosStore *store = aios_workspace_get_store (workspace);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  AiosStartRunDialog *dialog;
  GtkWidget *button, *window;
  guint runs = 0;

  g_assert_true (aios_config_set (aios_workspace_get_config (workspace), "smtp.url", "smtp://127.0.0.1:9",
                                  "operator", &error));
  g_assert_true (aios_workspace_start (workspace, &error));
  g_assert_no_error (error);
  g_assert_true (aios_demo_load (workspace, &runs, &error));
  g_assert_no_error (error);
  settle (workspace);
  before = counts (store);

  dialog = aios_start_run_dialog_new (NULL, workspace);
  gtk_window_present (GTK_WINDOW (dialog));
  g_assert_true (aios_ui_test_wait (is_mapped, dialog, 10000));
  g_assert_true (aios_start_run_dialog_select_flow (dialog, "lead-outreach"));
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "dry-run"));
  g_assert_true (aios_start_run_dialog_set_field (dialog, "name", "Ann Lee"));
  g_assert_true (aios_start_run_dialog_set_field (dialog, "email", "ann@lee.example"));
  g_assert_true (aios_start_run_dialog_set_field (dialog, "company", "Lee Co"));
  g_assert_true (aios_start_run_dialog_set_field (dialog, "message", "We need a new website, budget 8000"));
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "dry-run"));

  /* Press Dry Run, as the operator would. */
  button = find_button (GTK_WIDGET (dialog), "_Dry Run");
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  g_assert_true (aios_ui_test_wait (window_done, NULL, 30000));
  window = dry_run_window ();
  aios_ui_test_wait_frame (window);

  aios_ui_test_collect_labels (window, labels);
  g_assert_true (has_label (labels, "Nothing was sent, nothing was queued and no run was recorded."));
  g_assert_true (has_label (labels, "1 outward action previewed."));
  g_assert_true (has_label (labels, "What would have been sent: Email to Ann Lee — Your project with Northwind Studio"));
  g_assert_true (has_label (labels, "to: [\"ann@lee.example\"]"));
  g_assert_true (has_label (labels, "subject: Your project with Northwind Studio"));
  g_assert_true (has_label (labels, "thank you for telling me about the plans at Lee Co"));
  g_assert_true (has_label (labels, "would wait for your approval"));
  g_assert_true (has_label (labels, "1. record (lead-intake)"));

  {
    g_autoptr(GdkTexture) texture = aios_ui_test_render (window);
    g_autofree char *path = aios_ui_test_artifact_path ("dry-run-window.png");

    if (texture != NULL && path != NULL)
      gdk_texture_save_to_png (texture, path);
  }

  settle (workspace);
  after = counts (store);
  g_assert_cmpstr (after, ==, before);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
collect_charts (GtkWidget *widget,
                GPtrArray *charts)
{
  if (AIOS_IS_WEEK_CHART (widget))
    g_ptr_array_add (charts, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    collect_charts (child, charts);
}

static void
test_health (void)
{
  g_autoptr(AiosWorkspace) workspace = aios_ui_test_workspace_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) charts = g_ptr_array_new ();
  g_autoptr(AiosStats) stats = NULL;
  g_autofree char *sentence = NULL;
  g_autofree char *runs_figures = NULL;
  g_autofree char *failed_figures = NULL;
  GtkWidget *window;
  guint runs = 0;

  /* No email server: the demo's good leads fail at their send step. */
  g_assert_true (aios_workspace_start (workspace, &error));
  g_assert_true (aios_demo_load (workspace, &runs, &error));
  g_assert_no_error (error);
  settle (workspace);

  window = aios_health_dialog_new (workspace, NULL);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (aios_ui_test_wait (is_mapped, window, 10000));
  aios_ui_test_wait_frame (window);

  stats = aios_stats_compute (aios_workspace_get_store (workspace), 8, aios_store_now_ms (), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stats->total.runs, ==, 6);
  g_assert_cmpuint (stats->total.failures[AIOS_FAILURE_PERMANENT], ==, 5);
  sentence = aios_stats_describe_week (stats, stats->weeks->pdata[stats->weeks->len - 1]);
  aios_ui_test_collect_labels (window, labels);
  g_assert_true (has_label (labels, sentence));
  g_assert_true (has_label (labels, "not time you spent on it"));
  g_assert_true (has_label (labels, "Most often: permanent (5 times)"));
  g_assert_true (has_label (labels, "Nothing approved yet since the first start"));

  collect_charts (window, charts);
  g_assert_cmpuint (charts->len, ==, 4);
  g_assert_cmpstr (aios_week_chart_get_title (charts->pdata[0]), ==, "Runs");
  runs_figures = aios_week_chart_describe (charts->pdata[0]);
  failed_figures = aios_week_chart_describe (charts->pdata[1]);
  g_assert_true (g_str_has_suffix (runs_figures, ": 6"));
  g_assert_true (g_str_has_suffix (failed_figures, ": 5"));
  g_assert_true (g_str_has_prefix (runs_figures, ((AiosStatsWeek *) stats->weeks->pdata[0])->label));

  {
    g_autoptr(GdkTexture) texture = aios_ui_test_render (window);
    g_autofree char *path = aios_ui_test_artifact_path ("health-window.png");

    if (texture != NULL && path != NULL)
      gdk_texture_save_to_png (texture, path);
  }
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  g_test_add_func ("/dry-run/start-run-button", test_dry_run_button);
  g_test_add_func ("/health/window", test_health);
  return g_test_run ();
}
