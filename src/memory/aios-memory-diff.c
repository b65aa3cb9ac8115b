/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Differences between two versions of a record: field by field (in the
 * kind's schema order, custom fields after), and the body line by line
 * (longest common subsequence after trimming the common head and tail; a
 * very large middle is shown as removed then added rather than spending
 * quadratic time on it).
 */
#define G_LOG_DOMAIN "aios-memory"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "aios-memory-private.h"

#define LCS_MAX_CELLS (4 * 1024 * 1024)

static void
field_change_free (gpointer data)
{
  AiosFieldChange *c = data;

  g_free (c->field);
  g_free (c->old_value);
  g_free (c->new_value);
  g_free (c);
}

void
aios_record_diff_free (AiosRecordDiff *diff)
{
  if (diff == NULL)
    return;
  g_clear_pointer (&diff->fields, g_ptr_array_unref);
  g_clear_pointer (&diff->body_lines, g_ptr_array_unref);
  g_free (diff);
}

static char *
field_text (const AiosRecord *r,
            const char       *name)
{
  return aios_record_dup_field_text (r, name);
}

static void
add_change (AiosRecordDiff   *diff,
            const AiosRecord *from,
            const AiosRecord *to,
            const char       *name)
{
  g_autofree char *a = field_text (from, name);
  g_autofree char *b = field_text (to, name);
  AiosFieldChange *c;

  if (g_str_equal (a, b))
    return;
  c = g_new0 (AiosFieldChange, 1);
  c->field = g_strdup (name);
  c->old_value = g_steal_pointer (&a);
  c->new_value = g_steal_pointer (&b);
  g_ptr_array_add (diff->fields, c);
}

static void
diff_lines (GPtrArray  *out,
            const char *a_text,
            const char *b_text)
{
  g_auto(GStrv) a = g_strsplit (a_text ? a_text : "", "\n", -1);
  g_auto(GStrv) b = g_strsplit (b_text ? b_text : "", "\n", -1);
  guint na = g_strv_length (a), nb = g_strv_length (b);
  guint head = 0, tail = 0, ma, mb;

  /* "" splits into no lines; a trailing newline leaves an empty last line */
  if (na > 0 && *a[na - 1] == '\0')
    na--;
  if (nb > 0 && *b[nb - 1] == '\0')
    nb--;

  while (head < na && head < nb && g_str_equal (a[head], b[head]))
    head++;
  while (tail < na - head && tail < nb - head && g_str_equal (a[na - 1 - tail], b[nb - 1 - tail]))
    tail++;
  ma = na - head - tail;
  mb = nb - head - tail;

  for (guint i = 0; i < head; i++)
    g_ptr_array_add (out, g_strconcat ("  ", a[i], NULL));

  if ((guint64) (ma + 1) * (mb + 1) > LCS_MAX_CELLS)
    {
      for (guint i = 0; i < ma; i++)
        g_ptr_array_add (out, g_strconcat ("- ", a[head + i], NULL));
      for (guint j = 0; j < mb; j++)
        g_ptr_array_add (out, g_strconcat ("+ ", b[head + j], NULL));
    }
  else
    {
      /* lcs[i][j]: LCS length of a[head+i..] and b[head+j..] */
      guint *lcs = g_new0 (guint, (gsize) (ma + 1) * (mb + 1));
      guint i = 0, j = 0;

#define L(x, y) lcs[(gsize) (x) * (mb + 1) + (y)]
      for (gint x = (gint) ma - 1; x >= 0; x--)
        for (gint y = (gint) mb - 1; y >= 0; y--)
          L (x, y) = g_str_equal (a[head + x], b[head + y]) ? L (x + 1, y + 1) + 1
                                                             : MAX (L (x + 1, y), L (x, y + 1));
      while (i < ma || j < mb)
        {
          if (i < ma && j < mb && g_str_equal (a[head + i], b[head + j]))
            {
              g_ptr_array_add (out, g_strconcat ("  ", a[head + i], NULL));
              i++, j++;
            }
          else if (i < ma && (j == mb || L (i + 1, j) >= L (i, j + 1)))
            {
              g_ptr_array_add (out, g_strconcat ("- ", a[head + i], NULL));
              i++;
            }
          else
            {
              g_ptr_array_add (out, g_strconcat ("+ ", b[head + j], NULL));
              j++;
            }
        }
#undef L
      g_free (lcs);
    }

  for (guint i = na - tail; i < na; i++)
    g_ptr_array_add (out, g_strconcat ("  ", a[i], NULL));
}

/**
 * aios_record_diff_new:
 *
 * Returns: (transfer full): what changed from @from to @to
 */
AiosRecordDiff *
aios_record_diff_new (const AiosRecord *from,
                      const AiosRecord *to)
{
  AiosRecordDiff *diff = g_new0 (AiosRecordDiff, 1);
  const AiosKindSpec *spec = aios_memory_kind_lookup (to->kind);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GList) extra = NULL;

  diff->id = to->id;
  diff->from_version = from->version;
  diff->to_version = to->version;
  diff->fields = g_ptr_array_new_with_free_func (field_change_free);
  diff->body_lines = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; spec != NULL && i < spec->n_fields; i++)
    {
      g_hash_table_add (seen, (gpointer) spec->fields[i].name);
      add_change (diff, from, to, spec->fields[i].name);
    }
  {
    g_autoptr(GList) a = json_object_get_members (from->fields);
    g_autoptr(GList) b = json_object_get_members (to->fields);
    for (GList *l = a; l; l = l->next)
      if (g_hash_table_add (seen, l->data))
        extra = g_list_prepend (extra, l->data);
    for (GList *l = b; l; l = l->next)
      if (g_hash_table_add (seen, l->data))
        extra = g_list_prepend (extra, l->data);
  }
  extra = g_list_sort (extra, (GCompareFunc) g_strcmp0);
  for (GList *l = extra; l; l = l->next)
    add_change (diff, from, to, l->data);

  diff->body_changed = g_strcmp0 (from->body ? from->body : "", to->body ? to->body : "") != 0;
  diff_lines (diff->body_lines, from->body, to->body);
  diff->deleted_changed = from->deleted != to->deleted;
  return diff;
}

/**
 * aios_memory_diff:
 *
 * Returns: (transfer full) (nullable): the differences between two versions
 *   of record @id
 */
AiosRecordDiff *
aios_memory_diff (AiosMemory  *self,
                  gint64       id,
                  gint64       from_version,
                  gint64       to_version,
                  GError     **error)
{
  g_autoptr(AiosRecord) from = NULL;
  g_autoptr(AiosRecord) to = NULL;

  g_return_val_if_fail (AIOS_IS_MEMORY (self), NULL);

  from = aios_memory_get_version (self, id, from_version, error);
  if (from == NULL)
    return NULL;
  to = aios_memory_get_version (self, id, to_version, error);
  if (to == NULL)
    return NULL;
  return aios_record_diff_new (from, to);
}
