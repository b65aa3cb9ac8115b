/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Health: the repair-cost meter (control/aios-stats.c, the same figures as
 * `aios stats`) for the operator, opened from the Runs page. This week in
 * a sentence; the trend by week as small charts (AiosWeekChart: runs,
 * failures, your interventions, the time items waited for you); the flows
 * that cost most; the most common failure in plain words with buttons
 * that show its runs; the integration cost. The waiting time is named for
 * what it is (inbox to decision, not time spent), and the page says that
 * time in the editor is not measured. It follows the store's commits.
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "aios-health-dialog.h"
#include "aios-week-chart.h"
#include "control/aios-stats.h"

#define WEEKS 8

struct _AiosHealthDialog
{
  AdwWindow        parent_instance;

  AiosWorkspace   *workspace;
  guint            refresh_source;
  GtkWidget       *summary;
  GtkWidget       *charts[4];
  AdwPreferencesGroup *flows_group;
  GPtrArray       *flow_rows;
  AdwPreferencesGroup *failure_group;
  GPtrArray       *failure_rows;
  AdwActionRow    *integration_row;
};

G_DEFINE_FINAL_TYPE (AiosHealthDialog, aios_health_dialog, ADW_TYPE_WINDOW)

enum {
  SHOW_RUN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* What each failure class means, in the operator's words. */
static const char *
failure_explanation (AiosFailureClass klass)
{
  switch (klass)
    {
    case AIOS_FAILURE_PERMANENT:
      return _("The service or a step refused it for good (a rejected address, a missing setting); retrying alone does not help.");
    case AIOS_FAILURE_RETRIES_EXHAUSTED:
      return _("A passing problem (a busy server, no network) lasted through every retry.");
    case AIOS_FAILURE_UNKNOWN_OUTCOME:
      return _("It was sent but no answer came, so it may or may not have arrived; it waits for you to check and resolve it.");
    case AIOS_FAILURE_BUDGET_STOP:
      return _("A model call would have gone over the daily or monthly budget.");
    case AIOS_FAILURE_POLICY_DENIAL:
      return _("One of your policy rules denied the action.");
    case AIOS_FAILURE_QA:
      return _("The quality check refused the draft before it reached you.");
    case AIOS_FAILURE_APPROVAL_EXPIRED:
      return _("Nobody decided before the approval expired.");
    case AIOS_FAILURE_RETRYABLE_RECOVERED:
    case AIOS_N_FAILURE_CLASSES:
    default:
      return "";
    }
}

static void
show_run_clicked (GtkButton        *button,
                  AiosHealthDialog *self)
{
  gint64 run_id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (button), "run-id"));

  g_signal_emit (self, signals[SHOW_RUN], 0, run_id);
}

static void
clear_rows (AdwPreferencesGroup *group,
            GPtrArray           *rows)
{
  for (guint i = 0; i < rows->len; i++)
    adw_preferences_group_remove (group, rows->pdata[i]);
  g_ptr_array_set_size (rows, 0);
}

static void
set_chart (AiosHealthDialog *self,
           guint             which,
           const AiosStats  *stats)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autofree double *values = g_new0 (double, stats->weeks->len);

  for (guint w = 0; w < stats->weeks->len; w++)
    {
      const AiosStatsWeek *week = stats->weeks->pdata[w];
      const AiosStatsFigures *f = &week->total;

      g_ptr_array_add (labels, week->label);
      switch (which)
        {
        case 0: values[w] = f->runs; break;
        case 1: values[w] = aios_stats_figures_failed (f); break;
        case 2: values[w] = aios_stats_figures_interventions (f); break;
        default: values[w] = f->waiting_ms / 1000.0; break;
        }
      g_ptr_array_add (texts, which == 3 ? aios_stats_format_duration (f->waiting_ms)
                                         : g_strdup_printf ("%u", (guint) values[w]));
    }
  aios_week_chart_set_data (AIOS_WEEK_CHART (self->charts[which]), stats->weeks->len,
                            (const char * const *) labels->pdata, values, (const char * const *) texts->pdata);
}

void
aios_health_dialog_refresh (AiosHealthDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AiosStats) stats = aios_stats_compute (aios_workspace_get_store (self->workspace), WEEKS,
                                                    aios_store_now_ms (), &error);
  g_autofree char *sentence = NULL;
  guint shown = 0;

  g_return_if_fail (AIOS_IS_HEALTH_DIALOG (self));

  clear_rows (self->flows_group, self->flow_rows);
  clear_rows (self->failure_group, self->failure_rows);
  if (stats == NULL)
    {
      gtk_label_set_text (GTK_LABEL (self->summary), error->message);
      return;
    }

  sentence = aios_stats_describe_week (stats, stats->weeks->pdata[stats->weeks->len - 1]);
  gtk_label_set_text (GTK_LABEL (self->summary), sentence);
  for (guint i = 0; i < G_N_ELEMENTS (self->charts); i++)
    set_chart (self, i, stats);

  for (guint i = 0; i < stats->flows->len && shown < 5; i++)
    {
      const AiosStatsFlow *flow = stats->flows->pdata[i];
      const AiosStatsFigures *f = &flow->figures;
      guint hands = aios_stats_figures_interventions (f), failed = aios_stats_figures_failed (f);
      g_autofree char *waited = aios_stats_format_duration (f->waiting_ms);
      g_autofree char *subtitle = NULL;
      g_autofree char *runs_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u run", "%u runs", f->runs),
                                                    f->runs);
      g_autofree char *hands_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u intervention",
                                                                  "%u interventions", hands), hands);
      GtkWidget *row;

      if (hands + failed == 0)
        continue;
      /* TRANSLATORS: a flow's cost over the weeks shown: "6 runs, 2 failed, 9 interventions; items waited 3 min for you" */
      subtitle = g_strdup_printf (_("%s, %u failed, %s; items waited %s for you"), runs_text, failed, hands_text, waited);
      row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), flow->flow_id);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_preferences_group_add (self->flows_group, row);
      g_ptr_array_add (self->flow_rows, row);
      shown++;
    }
  if (shown == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Nothing cost you anything in these weeks"));
      adw_preferences_group_add (self->flows_group, row);
      g_ptr_array_add (self->flow_rows, row);
    }

  if (stats->top_failure >= 0)
    {
      guint n = stats->total.failures[stats->top_failure];
      g_autofree char *title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Most often: %s (%u time)",
                                                             "Most often: %s (%u times)", n),
                                                aios_failure_class_to_words (stats->top_failure), n);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), failure_explanation (stats->top_failure));
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
      gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
      for (guint i = 0; i < stats->top_failure_runs->len && i < 3; i++)
        {
          gint64 run_id = g_array_index (stats->top_failure_runs, gint64, i);
          g_autofree char *label = g_strdup_printf (_("Run %" PRId64), run_id);
          GtkWidget *button = gtk_button_new_with_label (label);

          g_object_set_data (G_OBJECT (button), "run-id", GSIZE_TO_POINTER (run_id));
          g_signal_connect (button, "clicked", G_CALLBACK (show_run_clicked), self);
          gtk_box_append (GTK_BOX (box), button);
        }
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), box);
      adw_preferences_group_add (self->failure_group, row);
      g_ptr_array_add (self->failure_rows, row);
    }
  else
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No failures in these weeks"));
      adw_preferences_group_add (self->failure_group, row);
      g_ptr_array_add (self->failure_rows, row);
    }

  if (stats->first_approved_at > 0)
    {
      g_autofree char *took = aios_stats_format_duration (stats->first_approved_at - stats->first_start_at);
      g_autofree char *title = g_strdup_printf (_("%s from the first start to the first approved action"), took);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->integration_row), title);
    }
  else
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->integration_row),
                                   _("Nothing approved yet since the first start"));
}

static gboolean
refresh_idle (gpointer data)
{
  AiosHealthDialog *self = data;

  self->refresh_source = 0;
  aios_health_dialog_refresh (self);
  return G_SOURCE_REMOVE;
}

static void
committed_cb (AiosHealthDialog *self)
{
  if (self->refresh_source == 0)
    self->refresh_source = g_timeout_add (250, refresh_idle, self);
}

static void
aios_health_dialog_dispose (GObject *object)
{
  AiosHealthDialog *self = AIOS_HEALTH_DIALOG (object);

  g_clear_handle_id (&self->refresh_source, g_source_remove);
  g_clear_object (&self->workspace);
  G_OBJECT_CLASS (aios_health_dialog_parent_class)->dispose (object);
}

static void
aios_health_dialog_finalize (GObject *object)
{
  AiosHealthDialog *self = AIOS_HEALTH_DIALOG (object);

  g_ptr_array_unref (self->flow_rows);
  g_ptr_array_unref (self->failure_rows);
  G_OBJECT_CLASS (aios_health_dialog_parent_class)->finalize (object);
}

static void
aios_health_dialog_class_init (AiosHealthDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = aios_health_dialog_dispose;
  object_class->finalize = aios_health_dialog_finalize;

  /**
   * AiosHealthDialog::show-run:
   * @run_id: the run the operator asked to see
   */
  signals[SHOW_RUN] = g_signal_new ("show-run", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                    G_TYPE_NONE, 1, G_TYPE_INT64);
}

static GtkWidget *
chart_box (GtkWidget  *chart,
           const char *title)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *label = gtk_label_new (title);

  gtk_widget_add_css_class (label, "caption-heading");
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), chart);
  gtk_widget_set_halign (chart, GTK_ALIGN_START);
  return box;
}

static void
aios_health_dialog_init (AiosHealthDialog *self)
{
  static const char *titles[4] = { N_("Runs"), N_("Failures"), N_("Your interventions"),
                                   N_("Time items waited for you") };
  GtkWidget *toolbar = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *page = adw_preferences_page_new ();
  AdwPreferencesGroup *week = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  AdwPreferencesGroup *trend = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  AdwPreferencesGroup *integration = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *note;

  self->flow_rows = g_ptr_array_new ();
  self->failure_rows = g_ptr_array_new ();

  gtk_window_set_title (GTK_WINDOW (self), _("Health"));
  gtk_window_set_default_size (GTK_WINDOW (self), 640, 720);
  gtk_box_append (GTK_BOX (toolbar), header);
  gtk_box_append (GTK_BOX (toolbar), page);
  gtk_widget_set_vexpand (page, TRUE);
  adw_window_set_content (ADW_WINDOW (self), toolbar);

  adw_preferences_group_set_title (week, _("This Week"));
  self->summary = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->summary), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->summary), 0);
  adw_preferences_group_add (week, self->summary);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), week);

  adw_preferences_group_set_title (trend, _("By Week"));
  adw_preferences_group_set_description (trend, _("The last eight weeks, from Monday, this week in colour."));
  gtk_grid_set_column_spacing (GTK_GRID (grid), 24);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 18);
  for (guint i = 0; i < G_N_ELEMENTS (self->charts); i++)
    {
      self->charts[i] = aios_week_chart_new (_(titles[i]));
      gtk_grid_attach (GTK_GRID (grid), chart_box (self->charts[i], _(titles[i])), i % 2, i / 2, 1, 1);
    }
  adw_preferences_group_add (trend, grid);
  note = gtk_label_new (_("Waiting time runs from the moment an item reached your inbox to your decision: the time it "
                          "waited for you, not time you spent on it. Time spent in the editor is not measured."));
  gtk_label_set_wrap (GTK_LABEL (note), TRUE);
  gtk_label_set_xalign (GTK_LABEL (note), 0);
  gtk_widget_add_css_class (note, "dim-label");
  gtk_widget_add_css_class (note, "caption");
  gtk_widget_set_margin_top (note, 12);
  adw_preferences_group_add (trend, note);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), trend);

  self->flows_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->flows_group, _("Flows That Cost Most"));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), self->flows_group);

  self->failure_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->failure_group, _("Most Common Failure"));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), self->failure_group);

  adw_preferences_group_set_title (integration, _("Integration Cost"));
  self->integration_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_group_add (integration, GTK_WIDGET (self->integration_row));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), integration);
}

/**
 * aios_health_dialog_new:
 *
 * Returns: (transfer floating): the Health window over @parent
 */
GtkWidget *
aios_health_dialog_new (AiosWorkspace *workspace,
                        GtkWindow     *parent)
{
  AiosHealthDialog *self = g_object_new (AIOS_TYPE_HEALTH_DIALOG, "modal", TRUE, "transient-for", parent, NULL);

  self->workspace = g_object_ref (workspace);
  g_signal_connect_object (aios_workspace_get_store (workspace), "committed", G_CALLBACK (committed_cb), self,
                           G_CONNECT_SWAPPED);
  aios_health_dialog_refresh (self);
  return GTK_WIDGET (self);
}
