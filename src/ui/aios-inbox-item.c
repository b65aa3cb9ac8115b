/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One thing that waits in the Inbox, as the list model holds it: an
 * approval or a run that needs attention, with the texts its row shows.
 * Items are immutable; a changed item is a new one.
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include "aios-inbox-item.h"

struct _AiosInboxItem
{
  GObject            parent_instance;

  AiosInboxItemKind  kind;
  gint64             id;
  gint64             created_at;
  char              *icon_name;
  char              *title;
  char              *subtitle;
};

G_DEFINE_FINAL_TYPE (AiosInboxItem, aios_inbox_item, G_TYPE_OBJECT)

static void
aios_inbox_item_finalize (GObject *object)
{
  AiosInboxItem *self = AIOS_INBOX_ITEM (object);

  g_free (self->icon_name);
  g_free (self->title);
  g_free (self->subtitle);
  G_OBJECT_CLASS (aios_inbox_item_parent_class)->finalize (object);
}

static void
aios_inbox_item_class_init (AiosInboxItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = aios_inbox_item_finalize;
}

static void
aios_inbox_item_init (AiosInboxItem *self)
{
}

/**
 * aios_inbox_item_new:
 * @kind: an approval or a run
 * @id: the approval's or the run's id
 * @icon_name: the row's icon
 * @title: the bold line ("Email to Dana Whitfield")
 * @subtitle: (nullable): the dim line (the subject, the amount, the error)
 * @created_at_ms: since when it waits
 *
 * Returns: (transfer full): a new item
 */
AiosInboxItem *
aios_inbox_item_new (AiosInboxItemKind  kind,
                     gint64             id,
                     const char        *icon_name,
                     const char        *title,
                     const char        *subtitle,
                     gint64             created_at_ms)
{
  AiosInboxItem *self = g_object_new (AIOS_TYPE_INBOX_ITEM, NULL);

  self->kind = kind;
  self->id = id;
  self->icon_name = g_strdup (icon_name);
  self->title = g_strdup (title);
  self->subtitle = g_strdup (subtitle);
  self->created_at = created_at_ms;
  return self;
}

AiosInboxItemKind
aios_inbox_item_get_kind (AiosInboxItem *self)
{
  g_return_val_if_fail (AIOS_IS_INBOX_ITEM (self), AIOS_INBOX_ITEM_APPROVAL);
  return self->kind;
}

gint64
aios_inbox_item_get_id (AiosInboxItem *self)
{
  g_return_val_if_fail (AIOS_IS_INBOX_ITEM (self), 0);
  return self->id;
}

const char *
aios_inbox_item_get_icon_name (AiosInboxItem *self)
{
  g_return_val_if_fail (AIOS_IS_INBOX_ITEM (self), NULL);
  return self->icon_name;
}

const char *
aios_inbox_item_get_title (AiosInboxItem *self)
{
  g_return_val_if_fail (AIOS_IS_INBOX_ITEM (self), NULL);
  return self->title;
}

const char *
aios_inbox_item_get_subtitle (AiosInboxItem *self)
{
  g_return_val_if_fail (AIOS_IS_INBOX_ITEM (self), NULL);
  return self->subtitle;
}

gint64
aios_inbox_item_get_created_at (AiosInboxItem *self)
{
  g_return_val_if_fail (AIOS_IS_INBOX_ITEM (self), 0);
  return self->created_at;
}

/**
 * aios_inbox_item_compare:
 *
 * The Inbox's order: approvals before runs that need attention, each
 * oldest first.
 *
 * Returns: <0, 0 or >0
 */
int
aios_inbox_item_compare (AiosInboxItem *a,
                         AiosInboxItem *b)
{
  if (a->kind != b->kind)
    return (int) a->kind - (int) b->kind;
  return a->id < b->id ? -1 : a->id > b->id;
}
