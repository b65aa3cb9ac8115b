/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Names for the controls GTK 4.8 leaves nameless on the accessibility bus.
 *
 * GTK 4.8 reads a widget without an accessible label by its type name, so
 * a screen reader announces "GtkToggleButton" or "GtkImage". Our own
 * widgets get their names in the .ui files; these are the ones inside
 * composite widgets that no template reaches:
 *
 *  - the toggle button inside a GtkDropDown or a GtkMenuButton (both read
 *    by their inner button): it takes the outer widget's tooltip, which is
 *    what a sighted user reads for the same control;
 *  - buttons whose child is an image, inside libadwaita's and GTK's own
 *    windows (the search of Preferences, of the shortcuts window): GTK reads
 *    them as "GtkImage" even with a tooltip; they take the tooltip, or what
 *    their icon means.
 *
 * aios_accessible_name_controls() walks a widget tree once and fills those
 * names in; tests/ui/a11y-walk.py reads every page and dialog through
 * AT-SPI and fails on a nameless or garbled control.
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-accessible.h"

static const char *
icon_meaning (const char *icon_name)
{
  static const struct { const char *icon; const char *label; } icons[] = {
    { "system-search-symbolic", N_("Search") },
    { "edit-find-symbolic", N_("Search") },
    { "go-previous-symbolic", N_("Back") },
    { "go-next-symbolic", N_("Forward") },
    { "window-close-symbolic", N_("Close") },
    { "edit-clear-symbolic", N_("Clear") },
    { "open-menu-symbolic", N_("Main Menu") },
    { "view-more-symbolic", N_("More") },
    { "list-add-symbolic", N_("Add") },
  };

  for (gsize i = 0; icon_name != NULL && i < G_N_ELEMENTS (icons); i++)
    if (g_str_equal (icon_name, icons[i].icon))
      return _(icons[i].label);
  return NULL;
}

static void
set_label (GtkWidget  *widget,
           const char *label)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static const char *
icon_of_button (GtkWidget *button)
{
  GtkWidget *child = gtk_button_get_child (GTK_BUTTON (button));

  if (gtk_button_get_icon_name (GTK_BUTTON (button)) != NULL)
    return gtk_button_get_icon_name (GTK_BUTTON (button));
  if (GTK_IS_IMAGE (child) && gtk_image_get_storage_type (GTK_IMAGE (child)) == GTK_IMAGE_ICON_NAME)
    return gtk_image_get_icon_name (GTK_IMAGE (child));
  return NULL;
}

static void
name_tree (GtkWidget *widget,
           gboolean   image_buttons)
{
  if (GTK_IS_MENU_BUTTON (widget))
    {
      /* Its inner button reads the menu button's own label. */
      const char *tip = gtk_widget_get_tooltip_text (widget);

      if (tip != NULL)
        set_label (widget, tip);
    }
  else if (GTK_IS_DROP_DOWN (widget))
    {
      const char *tip = gtk_widget_get_tooltip_text (widget);

      if (tip != NULL)
        for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
             child = gtk_widget_get_next_sibling (child))
          if (GTK_IS_BUTTON (child))
            set_label (child, tip);
    }
  else if (image_buttons && GTK_IS_BUTTON (widget) && gtk_button_get_label (GTK_BUTTON (widget)) == NULL &&
           GTK_IS_IMAGE (gtk_button_get_child (GTK_BUTTON (widget))) &&
           !GTK_IS_DROP_DOWN (gtk_widget_get_parent (widget)) &&
           !GTK_IS_MENU_BUTTON (gtk_widget_get_parent (widget)))
    {
      /* An image as the button's child: GTK 4.8 reads the image's type, even
       * with a tooltip (which it only gives as the description). */
      const char *tip = gtk_widget_get_tooltip_text (widget);
      const char *meaning = tip != NULL ? tip : icon_meaning (icon_of_button (widget));

      if (meaning != NULL)
        set_label (widget, meaning);
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    name_tree (child, image_buttons);
}

static void
name_tree_on_map (GtkWidget *widget,
                  gpointer   image_buttons)
{
  name_tree (widget, GPOINTER_TO_INT (image_buttons));
}

/**
 * aios_accessible_name_controls:
 * @root: a window or any widget whose tree is built
 * @image_buttons: also name buttons whose child is an image from their
 *   tooltip: for windows whose buttons libadwaita or GTK made; our own
 *   templates name theirs, and a tooltip must not replace that name
 *
 * Gives the composite widgets' inner controls under @root the names GTK
 * 4.8 does not give them (see the top of this file).
 */
void
aios_accessible_name_controls (GtkWidget *root,
                               gboolean   image_buttons)
{
  g_return_if_fail (GTK_IS_WIDGET (root));
  name_tree (root, image_buttons);
  /* libadwaita builds some of its windows' buttons when they are shown */
  if (GTK_IS_WINDOW (root) && !gtk_widget_get_mapped (root) &&
      g_object_get_data (G_OBJECT (root), "aios-accessible-on-map") == NULL)
    {
      g_object_set_data (G_OBJECT (root), "aios-accessible-on-map", GINT_TO_POINTER (1));
      g_signal_connect (root, "map", G_CALLBACK (name_tree_on_map), GINT_TO_POINTER (image_buttons));
    }
}
