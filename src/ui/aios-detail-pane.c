/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Builders shared by the detail panes of the Runs and Timeline pages.
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include "aios-detail-pane.h"

/* Removes every child of @box. */
void
aios_detail_pane_clear (GtkBox *box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (box))) != NULL)
    gtk_box_remove (box, child);
}

/**
 * aios_detail_pane_add_section:
 *
 * Returns: (transfer none): a new section under @heading, appended to @box
 */
GtkWidget *
aios_detail_pane_add_section (GtkBox     *box,
                              const char *heading)
{
  GtkWidget *section = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *label = gtk_label_new (heading);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "heading");
  gtk_box_append (GTK_BOX (section), label);
  gtk_box_append (box, section);
  return section;
}

/**
 * aios_detail_pane_add_list:
 *
 * Returns: (transfer none): a new boxed list appended to @section
 */
GtkWidget *
aios_detail_pane_add_list (GtkWidget *section)
{
  GtkWidget *list = gtk_list_box_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_box_append (GTK_BOX (section), list);
  return list;
}
