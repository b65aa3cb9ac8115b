/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * AiosInboxModel: the Inbox's list model keeps the items that stayed (the
 * same objects, so their rows and the selection stay) and announces only
 * what left and what arrived, in the Inbox's order.
 */
#include "config.h"

#include "ui/aios-inbox-model.h"

typedef struct {
  GString *changes;   /* "pos:removed:added;" per items-changed */
} Recorder;

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Recorder   *recorder)
{
  g_string_append_printf (recorder->changes, "%u:%u:%u;", position, removed, added);
}

static GPtrArray *
items (const char *spec)
{
  /* "a3 r5 a1": approvals and runs by id */
  GPtrArray *array = g_ptr_array_new_with_free_func (g_object_unref);
  g_auto(GStrv) words = g_strsplit (spec, " ", -1);

  for (guint i = 0; words[i] != NULL; i++)
    {
      AiosInboxItemKind kind;

      if (*words[i] == '\0')
        continue;
      kind = words[i][0] == 'a' ? AIOS_INBOX_ITEM_APPROVAL : AIOS_INBOX_ITEM_RUN;
      g_ptr_array_add (array, aios_inbox_item_new (kind, g_ascii_strtoll (words[i] + 1, NULL, 10),
                                                   "mail-unread-symbolic", words[i], NULL, 0));
    }
  return array;
}

static char *
contents (GListModel *model)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(AiosInboxItem) item = g_list_model_get_item (model, i);
      g_string_append_printf (s, "%s%s", i ? " " : "", aios_inbox_item_get_title (item));
    }
  return g_string_free (s, FALSE);
}

static void
test_splices (void)
{
  g_autoptr(AiosInboxModel) model = aios_inbox_model_new ();
  Recorder recorder = { g_string_new (NULL) };
  g_autoptr(GPtrArray) first = items ("r7 a3 a1 a2");
  g_autoptr(GPtrArray) second = items ("a1 a4 r7 a2");
  g_autoptr(GPtrArray) same = items ("a2 r7 a4 a1");
  g_autoptr(GPtrArray) none = items ("");
  g_autoptr(AiosInboxItem) kept = NULL;
  g_autoptr(AiosInboxItem) after = NULL;
  g_autofree char *c1 = NULL, *c2 = NULL;
  guint position = 99;

  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), &recorder);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (model)) == AIOS_TYPE_INBOX_ITEM);

  aios_inbox_model_update (model, first);
  c1 = contents (G_LIST_MODEL (model));
  g_assert_cmpstr (c1, ==, "a1 a2 a3 r7");    /* approvals first, oldest first */
  g_assert_cmpstr (recorder.changes->str, ==, "0:0:1;1:0:1;2:0:1;3:0:1;");

  kept = g_list_model_get_item (G_LIST_MODEL (model), 1);
  g_string_truncate (recorder.changes, 0);
  aios_inbox_model_update (model, second);
  c2 = contents (G_LIST_MODEL (model));
  g_assert_cmpstr (c2, ==, "a1 a2 a4 r7");
  g_assert_cmpstr (recorder.changes->str, ==, "2:1:0;2:0:1;");   /* a3 left, a4 arrived; nothing else moved */
  after = g_list_model_get_item (G_LIST_MODEL (model), 1);
  g_assert_true (kept == after);                                 /* the item that stayed is the same object */

  g_string_truncate (recorder.changes, 0);
  aios_inbox_model_update (model, same);
  g_assert_cmpstr (recorder.changes->str, ==, "");

  g_assert_nonnull (aios_inbox_model_find (model, AIOS_INBOX_ITEM_RUN, 7, &position));
  g_assert_cmpuint (position, ==, 3);
  g_assert_null (aios_inbox_model_find (model, AIOS_INBOX_ITEM_APPROVAL, 7, NULL));

  aios_inbox_model_update (model, none);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (model), 0));
  g_string_free (recorder.changes, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/inbox-model/splices", test_splices);
  return g_test_run ();
}
