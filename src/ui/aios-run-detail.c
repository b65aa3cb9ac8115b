/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Runs page's detail of one run: its title, how it started, what it
 * does now, and the buttons that cancel it, retry it or show it in the
 * Timeline. The buttons activate "run.cancel", "run.retry" and
 * "run.show-in-timeline" with the run's id as their target; the page
 * that holds this widget installs them. The page fills the sections
 * (steps and journal) below.
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "aios-run-detail.h"
#include "aios-journal-entry.h"

struct _AiosRunDetail
{
  AdwBin       parent_instance;

  AiosRunInfo *run;
  gboolean     can_show_timeline;

  GtkLabel    *title_label;
  GtkLabel    *byline_label;
  GtkLabel    *state_label;
  GtkWidget   *buttons;
  GtkWidget   *cancel_button;
  GtkWidget   *retry_button;
  GtkWidget   *timeline_button;
  GtkBox      *sections;
};

G_DEFINE_FINAL_TYPE (AiosRunDetail, aios_run_detail, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_RUN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- words ---- */

const char *
aios_run_status_label (const char *status)
{
  if (g_strcmp0 (status, "queued") == 0)
    return _("Queued");
  if (g_strcmp0 (status, "running") == 0)
    return _("Running");
  if (g_strcmp0 (status, "waiting") == 0)
    return _("Waiting");
  if (g_strcmp0 (status, "succeeded") == 0)
    return _("Succeeded");
  if (g_strcmp0 (status, "failed") == 0)
    return _("Failed");
  if (g_strcmp0 (status, "cancelled") == 0)
    return _("Cancelled");
  if (g_strcmp0 (status, "skipped") == 0)
    return _("Skipped");
  return status;
}

/* What the run does now, or waits for, in one line. */
char *
aios_run_describe_state (const AiosRunInfo *info)
{
  g_autofree char *when = NULL;

  if (info->attention != NULL)
    return g_strdup (info->attention);
  if (g_strcmp0 (info->status, "waiting") == 0 && info->waiting_for != NULL &&
      g_str_has_prefix (info->waiting_for, "approval "))
    /* Translators: a step waits for the operator, e.g. "Step send waits for your approval 4" */
    return g_strdup_printf (_("Step %s waits for your approval %s"), info->step_name,
                            info->waiting_for + strlen ("approval "));
  if (g_strcmp0 (info->status, "waiting") == 0 && info->waiting_for != NULL &&
      !g_str_equal (info->waiting_for, "retry"))
    /* A timed wait of the flow: "Follow-up 1 due Thursday 10:00". */
    return g_strdup (info->waiting_for);
  if (info->next_attempt_at > 0 && g_strcmp0 (info->status, "waiting") == 0)
    {
      when = aios_journal_format_time (info->next_attempt_at);
      return g_strdup_printf (_("Step %s: attempt %" PRId64 " failed, next try at %s"),
                              info->step_name, info->step_attempt, when);
    }
  if (g_strcmp0 (info->status, "queued") == 0)
    return g_strdup (_("Waiting for its turn"));
  if (g_strcmp0 (info->status, "running") == 0 && info->step_name != NULL)
    return g_strdup_printf (_("Step %s, attempt %" PRId64), info->step_name, info->step_attempt);
  when = aios_journal_format_date_time (info->updated_at);
  if (g_strcmp0 (info->status, "succeeded") == 0)
    return g_strdup_printf (_("Finished %s"), when);
  if (g_strcmp0 (info->status, "cancelled") == 0)
    return g_strdup_printf (_("Cancelled %s"), when);
  return g_strdup_printf (_("%s, last step %s"), aios_run_status_label (info->status),
                          info->step_name != NULL ? info->step_name : "—");
}

/* ---- the view ---- */

static void
update (AiosRunDetail *self)
{
  const AiosRunInfo *info = self->run;
  g_autofree char *title = NULL;
  g_autofree char *state = NULL;
  g_autofree char *created = NULL;
  g_autofree char *byline = NULL;
  gboolean open, ended;

  if (info == NULL)
    {
      gtk_label_set_text (self->title_label, "");
      gtk_label_set_text (self->byline_label, "");
      gtk_label_set_text (self->state_label, "");
      gtk_widget_set_visible (self->buttons, FALSE);
      return;
    }

  title = g_strdup_printf (_("Run %" PRId64 " · %s v%" PRId64), info->id, info->flow_id, info->flow_version);
  state = aios_run_describe_state (info);
  created = aios_journal_format_date_time (info->created_at);
  if (info->parent_run_id != 0)
    byline = g_strdup_printf (_("%s · started %s, a %s of run %" PRId64), aios_run_status_label (info->status), created,
                              g_strcmp0 (info->fork_kind, "retry") == 0 ? _("retry") : _("replay"), info->parent_run_id);
  else
    byline = g_strdup_printf (_("%s · started %s"), aios_run_status_label (info->status), created);

  gtk_label_set_text (self->title_label, title);
  gtk_label_set_text (self->byline_label, byline);
  gtk_label_set_text (self->state_label, state);
  if (info->attention != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->state_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->state_label), "error");

  open = g_strcmp0 (info->status, "queued") == 0 || g_strcmp0 (info->status, "running") == 0 ||
         g_strcmp0 (info->status, "waiting") == 0;
  ended = g_strcmp0 (info->status, "failed") == 0 || g_strcmp0 (info->status, "cancelled") == 0;
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->cancel_button), "x", info->id);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->retry_button), "x", info->id);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->timeline_button), "x", info->id);
  gtk_widget_set_visible (self->cancel_button, open);
  gtk_widget_set_visible (self->retry_button, ended);
  gtk_widget_set_visible (self->timeline_button, self->can_show_timeline);
  gtk_widget_set_visible (self->buttons, open || ended || self->can_show_timeline);
}

/* ---- the object ---- */

static void
aios_run_detail_dispose (GObject *object)
{
  AiosRunDetail *self = AIOS_RUN_DETAIL (object);

  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), AIOS_TYPE_RUN_DETAIL);
  g_clear_pointer (&self->run, aios_run_info_free);
  G_OBJECT_CLASS (aios_run_detail_parent_class)->dispose (object);
}

static void
aios_run_detail_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  AiosRunDetail *self = AIOS_RUN_DETAIL (object);

  switch (prop_id)
    {
    case PROP_RUN:
      g_value_set_boxed (value, self->run);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aios_run_detail_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  AiosRunDetail *self = AIOS_RUN_DETAIL (object);

  switch (prop_id)
    {
    case PROP_RUN:
      aios_run_detail_set_run (self, g_value_get_boxed (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aios_run_detail_class_init (AiosRunDetailClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = aios_run_detail_dispose;
  object_class->get_property = aios_run_detail_get_property;
  object_class->set_property = aios_run_detail_set_property;

  /**
   * AiosRunDetail:run: (nullable)
   *
   * The run shown.
   */
  properties[PROP_RUN] =
    g_param_spec_boxed ("run", NULL, NULL, AIOS_TYPE_RUN_INFO,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/Aios/aios-run-detail.ui");
  gtk_widget_class_bind_template_child (widget_class, AiosRunDetail, title_label);
  gtk_widget_class_bind_template_child (widget_class, AiosRunDetail, byline_label);
  gtk_widget_class_bind_template_child (widget_class, AiosRunDetail, state_label);
  gtk_widget_class_bind_template_child (widget_class, AiosRunDetail, buttons);
  gtk_widget_class_bind_template_child (widget_class, AiosRunDetail, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, AiosRunDetail, retry_button);
  gtk_widget_class_bind_template_child (widget_class, AiosRunDetail, timeline_button);
  gtk_widget_class_bind_template_child (widget_class, AiosRunDetail, sections);
}

static void
aios_run_detail_init (AiosRunDetail *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  update (self);
}

GtkWidget *
aios_run_detail_new (void)
{
  return g_object_new (AIOS_TYPE_RUN_DETAIL, NULL);
}

const AiosRunInfo *
aios_run_detail_get_run (AiosRunDetail *self)
{
  g_return_val_if_fail (AIOS_IS_RUN_DETAIL (self), NULL);
  return self->run;
}

/**
 * aios_run_detail_set_run:
 * @run: (nullable): the run to show; copied
 */
void
aios_run_detail_set_run (AiosRunDetail     *self,
                         const AiosRunInfo *run)
{
  g_return_if_fail (AIOS_IS_RUN_DETAIL (self));

  g_clear_pointer (&self->run, aios_run_info_free);
  if (run != NULL)
    self->run = aios_run_info_copy (run);
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUN]);
}

/* Whether "Show in Timeline" is offered (only in the window that has one). */
void
aios_run_detail_set_can_show_timeline (AiosRunDetail *self,
                                       gboolean       can_show)
{
  g_return_if_fail (AIOS_IS_RUN_DETAIL (self));
  self->can_show_timeline = can_show;
  update (self);
}

/**
 * aios_run_detail_get_sections:
 *
 * Returns: (transfer none): the box under the buttons that the page fills
 *   with the run's steps and journal
 */
GtkBox *
aios_run_detail_get_sections (AiosRunDetail *self)
{
  g_return_val_if_fail (AIOS_IS_RUN_DETAIL (self), NULL);
  return self->sections;
}
