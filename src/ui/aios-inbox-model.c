/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * AiosInboxModel: what waits for the operator, as a GListModel of
 * AiosInboxItem in the Inbox's order. The page reads the approvals and the
 * runs that need attention from their owners and hands the model the whole
 * new set; the model keeps the items that stayed (so their rows, and the
 * selection on them, stay put) and announces only what left and what
 * arrived, one items-changed per change.
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include "aios-inbox-model.h"

struct _AiosInboxModel
{
  GObject    parent_instance;

  GPtrArray *items;   /* AiosInboxItem, sorted by aios_inbox_item_compare() */
};

static GType
list_get_item_type (GListModel *model)
{
  return AIOS_TYPE_INBOX_ITEM;
}

static guint
list_get_n_items (GListModel *model)
{
  return AIOS_INBOX_MODEL (model)->items->len;
}

static gpointer
list_get_item (GListModel *model,
               guint       position)
{
  AiosInboxModel *self = AIOS_INBOX_MODEL (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (self->items->pdata[position]);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = list_get_item_type;
  iface->get_n_items = list_get_n_items;
  iface->get_item = list_get_item;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (AiosInboxModel, aios_inbox_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static void
aios_inbox_model_finalize (GObject *object)
{
  g_clear_pointer (&AIOS_INBOX_MODEL (object)->items, g_ptr_array_unref);
  G_OBJECT_CLASS (aios_inbox_model_parent_class)->finalize (object);
}

static void
aios_inbox_model_class_init (AiosInboxModelClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = aios_inbox_model_finalize;
}

static void
aios_inbox_model_init (AiosInboxModel *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * aios_inbox_model_new:
 *
 * Returns: (transfer full): an empty model
 */
AiosInboxModel *
aios_inbox_model_new (void)
{
  return g_object_new (AIOS_TYPE_INBOX_MODEL, NULL);
}

static int
compare_items (gconstpointer a,
               gconstpointer b)
{
  return aios_inbox_item_compare (*(AiosInboxItem **) a, *(AiosInboxItem **) b);
}

/**
 * aios_inbox_model_update:
 * @items: (element-type AiosInboxItem): everything that waits now, in any order
 *
 * Makes the model hold @items: an item already there (same kind and id)
 * keeps its object, the rest leave and arrive.
 */
void
aios_inbox_model_update (AiosInboxModel *self,
                         GPtrArray      *items)
{
  g_autoptr(GPtrArray) wanted = g_ptr_array_new_with_free_func (g_object_unref);
  guint i = 0, j = 0;

  g_return_if_fail (AIOS_IS_INBOX_MODEL (self));

  for (guint k = 0; k < items->len; k++)
    g_ptr_array_add (wanted, g_object_ref (items->pdata[k]));
  g_ptr_array_sort (wanted, compare_items);

  /* One merge over both sorted lists. */
  while (i < self->items->len || j < wanted->len)
    {
      int order;

      if (i == self->items->len)
        order = 1;
      else if (j == wanted->len)
        order = -1;
      else
        order = aios_inbox_item_compare (self->items->pdata[i], wanted->pdata[j]);

      if (order == 0)
        {
          i++;
          j++;
        }
      else if (order < 0)
        {
          g_ptr_array_remove_index (self->items, i);
          g_list_model_items_changed (G_LIST_MODEL (self), i, 1, 0);
        }
      else
        {
          g_ptr_array_insert (self->items, (int) i, g_object_ref (wanted->pdata[j]));
          g_list_model_items_changed (G_LIST_MODEL (self), i, 0, 1);
          i++;
          j++;
        }
    }
}

/**
 * aios_inbox_model_find:
 * @position: (out) (optional): where it is
 *
 * Returns: (transfer none) (nullable): the item of that kind and id
 */
AiosInboxItem *
aios_inbox_model_find (AiosInboxModel    *self,
                       AiosInboxItemKind  kind,
                       gint64             id,
                       guint             *position)
{
  g_return_val_if_fail (AIOS_IS_INBOX_MODEL (self), NULL);

  for (guint i = 0; i < self->items->len; i++)
    {
      AiosInboxItem *item = self->items->pdata[i];

      if (aios_inbox_item_get_kind (item) == kind && aios_inbox_item_get_id (item) == id)
        {
          if (position != NULL)
            *position = i;
          return item;
        }
    }
  return NULL;
}
