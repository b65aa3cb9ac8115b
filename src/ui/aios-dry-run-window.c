/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Start a Run's Dry Run: the flow run against the connectors' simulators on
 * a scratch copy of the workspace (app/aios-workspace-dry-run.c), shown as
 * one group per step: what it did, and for an outward action what would
 * have been sent (the connector's preview), with nothing sent, queued or
 * recorded.
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "aios-dry-run-window.h"
#include "app/aios-workspace-dry-run.h"

struct _AiosDryRunWindow
{
  AdwWindow          parent_instance;

  GCancellable      *cancellable;
  char              *flow_id;
  GtkWidget         *page;      /* AdwPreferencesPage */
  AdwPreferencesGroup *status;
  GtkWidget         *spinner;
  gboolean           done;
};

G_DEFINE_FINAL_TYPE (AiosDryRunWindow, aios_dry_run_window, ADW_TYPE_WINDOW)

static char *
preview_text (JsonNode *preview)
{
  g_autoptr(GString) out = g_string_new (NULL);
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if (!JSON_NODE_HOLDS_OBJECT (preview))
    return json_to_string (preview, TRUE);
  json_object_iter_init (&iter, json_node_get_object (preview));
  while (json_object_iter_next (&iter, &name, &value))
    {
      if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
        {
          const char *text = json_node_get_string (value);

          if (strchr (text, '\n') != NULL)
            g_string_append_printf (out, "%s:\n%s\n", name, text);
          else
            g_string_append_printf (out, "%s: %s\n", name, text);
        }
      else
        {
          g_autofree char *text = json_to_string (value, FALSE);
          g_string_append_printf (out, "%s: %s\n", name, text);
        }
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static GtkWidget *
wrapped_label (const char *text,
               const char *css)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  if (css != NULL)
    gtk_widget_add_css_class (label, css);
  return label;
}

static void
show_steps (AiosDryRunWindow *self,
            GPtrArray        *steps)
{
  guint actions = 0;
  g_autofree char *summary = NULL;

  for (guint i = 0; i < steps->len; i++)
    {
      AiosDryRunStep *step = steps->pdata[i];
      GtkWidget *group = adw_preferences_group_new ();
      /* TRANSLATORS: a step of a dry run, "4. draft (outreach-writer)" */
      g_autofree char *title = g_strdup_printf (_("%u. %s (%s)"), i + 1, step->name, step->agent);

      actions += step->connector != NULL;
      adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
      adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group),
                                             aios_dry_run_outcome_to_words (step->outcome));
      if (step->error != NULL)
        adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), wrapped_label (step->error, "error"));
      if (step->title != NULL)
        {
          g_autofree char *what = g_strdup_printf (_("What would have been sent: %s%s%s"), step->title,
                                                   step->subtitle ? " — " : "", step->subtitle ? step->subtitle : "");
          adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), wrapped_label (what, "heading"));
        }
      if (step->preview != NULL)
        {
          g_autofree char *text = preview_text (step->preview);
          GtkWidget *label = wrapped_label (text, "monospace");

          gtk_widget_set_margin_top (label, 6);
          gtk_widget_set_name (label, "preview");
          adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), label);
        }
      adw_preferences_page_add (ADW_PREFERENCES_PAGE (self->page), ADW_PREFERENCES_GROUP (group));
    }
  summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                          "%u outward action previewed. Nothing was sent, nothing was queued and no run was recorded.",
                                          "%u outward actions previewed. Nothing was sent, nothing was queued and no run was recorded.",
                                          actions), actions);
  adw_preferences_group_set_description (self->status, summary);
}

static void
dry_run_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(AiosDryRunWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) steps = aios_workspace_dry_run_finish (AIOS_WORKSPACE (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  gtk_widget_set_visible (self->spinner, FALSE);
  self->done = TRUE;
  if (steps == NULL)
    {
      adw_preferences_group_set_description (self->status, error->message);
      return;
    }
  show_steps (self, steps);
}

static void
aios_dry_run_window_dispose (GObject *object)
{
  AiosDryRunWindow *self = AIOS_DRY_RUN_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  G_OBJECT_CLASS (aios_dry_run_window_parent_class)->dispose (object);
}

static void
aios_dry_run_window_finalize (GObject *object)
{
  AiosDryRunWindow *self = AIOS_DRY_RUN_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_free (self->flow_id);
  G_OBJECT_CLASS (aios_dry_run_window_parent_class)->finalize (object);
}

static void
aios_dry_run_window_class_init (AiosDryRunWindowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = aios_dry_run_window_dispose;
  G_OBJECT_CLASS (klass)->finalize = aios_dry_run_window_finalize;
}

static void
aios_dry_run_window_init (AiosDryRunWindow *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  self->cancellable = g_cancellable_new ();
  self->page = adw_preferences_page_new ();
  self->status = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  self->spinner = gtk_spinner_new ();
  gtk_spinner_start (GTK_SPINNER (self->spinner));
  adw_preferences_group_set_header_suffix (self->status, self->spinner);
  adw_preferences_group_set_description (self->status, _("Running every step against the connectors' simulators…"));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (self->page), self->status);
  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  gtk_box_append (GTK_BOX (box), self->page);
  gtk_widget_set_vexpand (self->page, TRUE);
  adw_window_set_content (ADW_WINDOW (self), box);
  gtk_window_set_default_size (GTK_WINDOW (self), 640, 720);
}

/**
 * aios_dry_run_window_new:
 * @input: the run's input, as Start a Run built it
 *
 * Returns: (transfer floating): the window; the dry run has started
 */
GtkWidget *
aios_dry_run_window_new (GtkWindow     *parent,
                         AiosWorkspace *workspace,
                         const char    *flow_id,
                         JsonNode      *input)
{
  AiosDryRunWindow *self = g_object_new (AIOS_TYPE_DRY_RUN_WINDOW, "transient-for", parent, "modal", TRUE, NULL);
  g_autofree char *title = g_strdup_printf (_("Dry Run of %s"), flow_id);

  self->flow_id = g_strdup (flow_id);
  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_preferences_group_set_title (self->status, title);
  aios_workspace_dry_run_async (workspace, flow_id, input, self->cancellable, dry_run_done, g_object_ref (self));
  return GTK_WIDGET (self);
}

gboolean
aios_dry_run_window_is_done (AiosDryRunWindow *self)
{
  g_return_val_if_fail (AIOS_IS_DRY_RUN_WINDOW (self), FALSE);
  return self->done;
}
