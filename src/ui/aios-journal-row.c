/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A journal event in a list: who acted (icon), what happened (one line),
 * which run and when; a dim day heading on the first event of each day.
 * Checkpoints (approvals, policy decisions) stand out in the accent colour,
 * failures show in the error colour.
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include "aios-journal-row.h"

struct _AiosJournalRow
{
  GtkWidget  parent_instance;

  GtkWidget *day;
  GtkWidget *line;
  GtkWidget *icon;
  GtkWidget *summary;
  GtkWidget *meta;
  GtkWidget *time;
};

G_DEFINE_FINAL_TYPE (AiosJournalRow, aios_journal_row, GTK_TYPE_WIDGET)

static void
aios_journal_row_dispose (GObject *object)
{
  AiosJournalRow *self = AIOS_JOURNAL_ROW (object);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (aios_journal_row_parent_class)->dispose (object);
}

static void
aios_journal_row_class_init (AiosJournalRowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = aios_journal_row_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "journalrow");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static GtkWidget *
dim_label (const char *css_class)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_add_css_class (label, css_class);
  return label;
}

static void
aios_journal_row_init (AiosJournalRow *self)
{
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);

  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);

  self->day = dim_label ("heading");
  gtk_widget_add_css_class (self->day, "day");
  gtk_widget_set_parent (self->day, GTK_WIDGET (self));

  self->line = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_add_css_class (self->line, "event");
  gtk_widget_set_parent (self->line, GTK_WIDGET (self));

  self->icon = gtk_image_new ();
  gtk_widget_set_valign (self->icon, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (self->icon, "actor");
  gtk_box_append (GTK_BOX (self->line), self->icon);

  self->summary = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->summary), 0);
  gtk_label_set_ellipsize (GTK_LABEL (self->summary), PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (GTK_LABEL (self->summary), TRUE);
  gtk_widget_add_css_class (self->summary, "summary");
  self->meta = dim_label ("caption");
  gtk_label_set_ellipsize (GTK_LABEL (self->meta), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (text), self->summary);
  gtk_box_append (GTK_BOX (text), self->meta);
  gtk_widget_set_hexpand (text, TRUE);
  gtk_widget_set_valign (text, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (self->line), text);

  self->time = dim_label ("caption");
  gtk_widget_add_css_class (self->time, "numeric");
  gtk_widget_set_valign (self->time, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (self->line), self->time);
}

GtkWidget *
aios_journal_row_new (void)
{
  return g_object_new (AIOS_TYPE_JOURNAL_ROW, NULL);
}

/**
 * aios_journal_row_set_entry:
 * @entry: (nullable): the event, or %NULL while none is bound
 * @show_day: whether this is the first (newest) event of its day
 * @run_label: (nullable): the run it belongs to, in words
 */
void
aios_journal_row_set_entry (AiosJournalRow   *self,
                            AiosJournalEntry *entry,
                            gboolean          show_day,
                            const char       *run_label)
{
  const AiosEvent *event;
  g_autofree char *actor = NULL;
  g_autofree char *meta = NULL;
  g_autofree char *time = NULL;
  g_autofree char *day = NULL;

  g_return_if_fail (AIOS_IS_JOURNAL_ROW (self));

  gtk_widget_remove_css_class (GTK_WIDGET (self), "checkpoint");
  gtk_widget_remove_css_class (GTK_WIDGET (self), "failure");
  if (entry == NULL)
    {
      gtk_label_set_text (GTK_LABEL (self->summary), "");
      gtk_widget_set_tooltip_text (self->summary, NULL);
      gtk_label_set_text (GTK_LABEL (self->meta), "");
      gtk_label_set_text (GTK_LABEL (self->time), "");
      gtk_widget_set_visible (self->day, FALSE);
      return;
    }

  event = aios_journal_entry_get_event (entry);
  actor = aios_journal_format_actor (event->actor);
  meta = run_label != NULL ? g_strdup_printf ("%s · %s", run_label, actor) : g_strdup (actor);
  time = aios_journal_format_time (event->ts);

  gtk_image_set_from_icon_name (GTK_IMAGE (self->icon), aios_journal_entry_get_icon_name (entry));
  gtk_widget_set_tooltip_text (self->icon, actor);
  gtk_label_set_text (GTK_LABEL (self->summary), event->summary);
  gtk_widget_set_tooltip_text (self->summary, event->summary);
  gtk_label_set_text (GTK_LABEL (self->meta), meta);
  gtk_label_set_text (GTK_LABEL (self->time), time);
  if (aios_journal_entry_is_failure (entry))
    gtk_widget_add_css_class (GTK_WIDGET (self), "failure");
  else if (aios_journal_entry_is_checkpoint (entry))
    gtk_widget_add_css_class (GTK_WIDGET (self), "checkpoint");

  gtk_widget_set_visible (self->day, show_day);
  if (show_day)
    {
      day = aios_journal_format_day (event->ts);
      gtk_label_set_text (GTK_LABEL (self->day), day);
    }
}

const char *
aios_journal_row_get_summary (AiosJournalRow *self)
{
  g_return_val_if_fail (AIOS_IS_JOURNAL_ROW (self), NULL);
  return gtk_label_get_text (GTK_LABEL (self->summary));
}
