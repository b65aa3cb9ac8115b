/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One line of the Inbox: what waits (an icon per kind), for whom (a bold
 * title), about what (a dim subtitle: the subject or the amount) and since
 * when (the age at the end).
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-approval-row.h"

struct _AiosApprovalRow
{
  GtkListBoxRow      parent_instance;

  AiosInboxItem     *item;

  GtkImage          *icon;
  GtkLabel          *title_label;
  GtkLabel          *subtitle_label;
  GtkLabel          *age_label;
};

G_DEFINE_FINAL_TYPE (AiosApprovalRow, aios_approval_row, GTK_TYPE_LIST_BOX_ROW)

static void
aios_approval_row_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), AIOS_TYPE_APPROVAL_ROW);
  G_OBJECT_CLASS (aios_approval_row_parent_class)->dispose (object);
}

static void
aios_approval_row_finalize (GObject *object)
{
  AiosApprovalRow *self = AIOS_APPROVAL_ROW (object);

  g_clear_object (&self->item);
  G_OBJECT_CLASS (aios_approval_row_parent_class)->finalize (object);
}

static void
aios_approval_row_class_init (AiosApprovalRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = aios_approval_row_dispose;
  object_class->finalize = aios_approval_row_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/Aios/aios-approval-row.ui");
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalRow, icon);
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalRow, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, AiosApprovalRow, age_label);
}

static void
aios_approval_row_init (AiosApprovalRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * aios_approval_row_format_age:
 * @age_ms: how long ago
 *
 * Returns: (transfer full): a short age for the end of a row ("Now", "5 min",
 *   "3 h", "2 d")
 */
char *
aios_approval_row_format_age (gint64 age_ms)
{
  gint64 minutes = MAX (age_ms, 0) / 60000;

  if (minutes < 1)
    return g_strdup (C_("age", "Now"));
  if (minutes < 60)
    /* Translators: a short age at the end of an inbox row, in minutes */
    return g_strdup_printf (C_("age", "%d min"), (int) minutes);
  if (minutes < 60 * 24)
    /* Translators: a short age at the end of an inbox row, in hours */
    return g_strdup_printf (C_("age", "%d h"), (int) (minutes / 60));
  /* Translators: a short age at the end of an inbox row, in days */
  return g_strdup_printf (C_("age", "%d d"), (int) (minutes / (60 * 24)));
}

/**
 * aios_approval_row_new_for_item:
 * @item: what waits
 *
 * The row the Inbox's list box makes for each item of its model.
 *
 * Returns: (transfer floating): a row for the Inbox list
 */
GtkWidget *
aios_approval_row_new_for_item (AiosInboxItem *item)
{
  AiosApprovalRow *self;
  g_autofree char *label = NULL;

  g_return_val_if_fail (AIOS_IS_INBOX_ITEM (item), NULL);

  self = g_object_new (AIOS_TYPE_APPROVAL_ROW, NULL);
  self->item = g_object_ref (item);
  gtk_image_set_from_icon_name (self->icon, aios_inbox_item_get_icon_name (item));
  gtk_label_set_text (self->title_label, aios_approval_row_get_title (self));
  gtk_label_set_text (self->subtitle_label, aios_approval_row_get_subtitle (self));
  if (aios_inbox_item_get_kind (item) == AIOS_INBOX_ITEM_RUN)
    gtk_widget_add_css_class (GTK_WIDGET (self->icon), "warning");
  aios_approval_row_update_age (self, g_get_real_time () / 1000);

  label = g_strdup_printf ("%s, %s", aios_approval_row_get_title (self), aios_approval_row_get_subtitle (self));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  return GTK_WIDGET (self);
}

AiosInboxItemKind
aios_approval_row_get_kind (AiosApprovalRow *self)
{
  g_return_val_if_fail (AIOS_IS_APPROVAL_ROW (self), AIOS_INBOX_ITEM_APPROVAL);
  return aios_inbox_item_get_kind (self->item);
}

gint64
aios_approval_row_get_id (AiosApprovalRow *self)
{
  g_return_val_if_fail (AIOS_IS_APPROVAL_ROW (self), 0);
  return aios_inbox_item_get_id (self->item);
}

const char *
aios_approval_row_get_title (AiosApprovalRow *self)
{
  g_return_val_if_fail (AIOS_IS_APPROVAL_ROW (self), NULL);
  return aios_inbox_item_get_title (self->item);
}

const char *
aios_approval_row_get_subtitle (AiosApprovalRow *self)
{
  g_return_val_if_fail (AIOS_IS_APPROVAL_ROW (self), NULL);
  /* never NULL: a row without a subtitle shows (and says) an empty one */
  return aios_inbox_item_get_subtitle (self->item) ? aios_inbox_item_get_subtitle (self->item) : "";
}

/* Keeps the age at the end of the row current. */
void
aios_approval_row_update_age (AiosApprovalRow *self,
                              gint64           now_ms)
{
  g_autofree char *age = NULL;

  g_return_if_fail (AIOS_IS_APPROVAL_ROW (self));
  age = aios_approval_row_format_age (now_ms - aios_inbox_item_get_created_at (self->item));
  gtk_label_set_text (self->age_label, age);
}
