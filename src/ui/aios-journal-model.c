/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The journal as a lazy GListModel, newest first, for the Timeline.
 *
 * It never holds the whole journal: it knows how many events match (counted
 * on a worker thread over a read-only connection) and fetches pages of 200
 * rows on demand by keyset (id < the last id of the page before), keeping
 * at most a few pages. Page boundaries it has seen are remembered (8 bytes a
 * page), so a jump far down the list costs one OFFSET from the nearest known
 * boundary rather than from the top.
 *
 * The model is a snapshot up to the id `top`. When the store commits, a
 * worker counts the new matching events and the model announces them as
 * inserted at position 0: items already shown keep their identity. Pages
 * stay keyed by their position in the older snapshot (`base_top`), shifted
 * by the number of newer events (`shift`), which are read in one query;
 * after many new events the cache is rebuilt on the newer snapshot.
 */
#define G_LOG_DOMAIN "aios-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "aios-journal-entry.h"
#include "aios-journal-model.h"

#define PAGE AIOS_JOURNAL_MODEL_PAGE_SIZE
#define MAX_PAGES 12
#define MAX_SHIFT 1000

struct _AiosJournalModel
{
  GObject     parent_instance;

  AiosStore  *store;
  sqlite3    *reader;        /* used by one worker at a time */
  AiosJournalFilter filter;

  gint64      top;           /* the snapshot: events with id <= top */
  guint       n_items;
  gboolean    loaded;

  gint64      base_top;      /* pages are positions in this older snapshot */
  guint       shift;         /* matching events in (base_top, top] */
  GPtrArray  *head;          /* those events, newest first, or NULL */
  GArray     *bounds;        /* page k holds ids < bounds[k]; 0 = unknown */
  GHashTable *pages;         /* page index -> GPtrArray of entries */
  GQueue      lru;           /* page indices, most recent first */

  guint       generation;    /* bumped by each filter change */
  gboolean    busy;
  gboolean    pending_full;
  gboolean    pending_since;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (AiosJournalModel, aios_journal_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_LOADED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void start_pending (AiosJournalModel *self);

/* Wraps the journal's events as the model's items; a read error leaves a
 * short page, which shows as missing rows rather than stopping the window. */
static GPtrArray *
entries_of (GPtrArray    *events,
            const GError *error)
{
  GPtrArray *entries = g_ptr_array_new_with_free_func (g_object_unref);

  if (events == NULL)
    {
      g_warning ("Could not read the journal: %s", error != NULL ? error->message : "?");
      return entries;
    }
  /* The entries take the events over. */
  g_ptr_array_set_free_func (events, NULL);
  for (guint i = 0; i < events->len; i++)
    g_ptr_array_add (entries, aios_journal_entry_new (events->pdata[i]));
  g_ptr_array_unref (events);
  return entries;
}

static void
clear_cache (AiosJournalModel *self)
{
  guint base_count = self->n_items - self->shift;

  g_hash_table_remove_all (self->pages);
  g_queue_clear (&self->lru);
  g_clear_pointer (&self->head, g_ptr_array_unref);
  g_array_set_size (self->bounds, 0);
  g_array_set_size (self->bounds, base_count / PAGE + 2);
  g_array_index (self->bounds, gint64, 0) = self->base_top + 1;
}

/* ---- counting, on a worker thread ---- */

typedef struct {
  AiosJournalFilter filter;
  gint64  since;       /* count events with id > since */
  guint   generation;
  gboolean full;
  gint64  top;         /* out */
  gint64  count;       /* out */
} Count;

static void
count_free (Count *count)
{
  aios_journal_filter_clear (&count->filter);
  g_free (count);
}

static void
count_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  AiosJournalModel *self = source_object;
  Count *count = task_data;
  GError *error = NULL;

  if (!aios_journal_count_on (self->reader, &count->filter, count->since, &count->top, &count->count, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
apply_full (AiosJournalModel *self,
            Count            *count)
{
  guint old = self->n_items;
  gboolean was_loaded = self->loaded;

  self->top = count->top;
  self->base_top = count->top;
  self->shift = 0;
  self->n_items = (guint) MIN (count->count, (gint64) G_MAXUINT);
  self->loaded = TRUE;
  clear_cache (self);
  if (old > 0 || self->n_items > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, old, self->n_items);
  if (!was_loaded)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
}

static void
apply_since (AiosJournalModel *self,
             Count            *count)
{
  guint added;

  if (count->since != self->top || count->top <= self->top)
    return;
  added = (guint) count->count;
  self->top = count->top;
  if (added == 0)
    return;
  self->n_items += added;
  self->shift += added;
  g_clear_pointer (&self->head, g_ptr_array_unref);
  if (self->shift > MAX_SHIFT)
    {
      self->base_top = self->top;
      self->shift = 0;
      clear_cache (self);
    }
  g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, added);
}

static void
count_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AiosJournalModel *self = AIOS_JOURNAL_MODEL (source);
  Count *count = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  self->busy = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_warning ("%s", error->message);
  else if (count->generation == self->generation)
    {
      if (count->full)
        apply_full (self, count);
      else if (self->loaded)
        apply_since (self, count);
    }
  start_pending (self);
}

static void
start_pending (AiosJournalModel *self)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  Count *count;

  if (self->busy || (!self->pending_full && !self->pending_since))
    return;
  if (self->reader == NULL && (self->reader = aios_store_open_reader (self->store, &error)) == NULL)
    {
      g_warning ("%s", error->message);
      return;
    }

  count = g_new0 (Count, 1);
  aios_journal_filter_copy (&self->filter, &count->filter);
  count->generation = self->generation;
  count->full = self->pending_full;
  count->since = count->full ? 0 : self->top;
  self->pending_full = FALSE;
  self->pending_since = FALSE;
  self->busy = TRUE;

  task = g_task_new (self, NULL, count_done, NULL);
  g_task_set_source_tag (task, start_pending);
  g_task_set_task_data (task, count, (GDestroyNotify) count_free);
  g_task_run_in_thread (task, count_thread);
}

static void
on_committed (AiosJournalModel *self)
{
  self->pending_since = TRUE;
  start_pending (self);
}

/* ---- pages, on the main connection ---- */

static GPtrArray *
load_head (AiosJournalModel *self)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *events = aios_journal_query_newer (self->store, &self->filter, self->base_top, self->top, &error);

  return entries_of (events, error);
}

static GPtrArray *
load_page (AiosJournalModel *self,
           guint             k)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *events, *entries;
  guint j = MIN (k, self->bounds->len - 1);

  while (g_array_index (self->bounds, gint64, j) == 0)
    j--;
  events = aios_journal_query_older (self->store, &self->filter, g_array_index (self->bounds, gint64, j),
                                     self->base_top, PAGE, (k - j) * PAGE, &error);
  entries = entries_of (events, error);

  if (entries->len > 0)
    {
      if (k < self->bounds->len)
        g_array_index (self->bounds, gint64, k) = aios_journal_entry_get_id (entries->pdata[0]) + 1;
      if (k + 1 < self->bounds->len && entries->len == PAGE)
        g_array_index (self->bounds, gint64, k + 1) = aios_journal_entry_get_id (entries->pdata[entries->len - 1]);
    }
  return entries;
}

static GPtrArray *
lookup_page (AiosJournalModel *self,
             guint             k)
{
  GPtrArray *entries = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (k));

  if (entries != NULL)
    {
      g_queue_remove (&self->lru, GUINT_TO_POINTER (k));
      g_queue_push_head (&self->lru, GUINT_TO_POINTER (k));
      return entries;
    }

  entries = load_page (self, k);
  g_hash_table_insert (self->pages, GUINT_TO_POINTER (k), entries);
  g_queue_push_head (&self->lru, GUINT_TO_POINTER (k));
  while (g_queue_get_length (&self->lru) > MAX_PAGES)
    g_hash_table_remove (self->pages, g_queue_pop_tail (&self->lru));
  return entries;
}

static GType
get_item_type (GListModel *model)
{
  return AIOS_TYPE_JOURNAL_ENTRY;
}

static guint
get_n_items (GListModel *model)
{
  return AIOS_JOURNAL_MODEL (model)->n_items;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  AiosJournalModel *self = AIOS_JOURNAL_MODEL (model);
  GPtrArray *entries;
  guint p;

  if (position >= self->n_items)
    return NULL;

  if (position < self->shift)
    {
      if (self->head == NULL)
        self->head = load_head (self);
      return position < self->head->len ? g_object_ref (self->head->pdata[position]) : NULL;
    }

  p = position - self->shift;
  entries = lookup_page (self, p / PAGE);
  return p % PAGE < entries->len ? g_object_ref (entries->pdata[p % PAGE]) : NULL;
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

/* ---- the object ---- */

static void
aios_journal_model_finalize (GObject *object)
{
  AiosJournalModel *self = AIOS_JOURNAL_MODEL (object);

  g_clear_pointer (&self->head, g_ptr_array_unref);
  g_clear_pointer (&self->pages, g_hash_table_unref);
  g_clear_pointer (&self->bounds, g_array_unref);
  g_queue_clear (&self->lru);
  aios_journal_filter_clear (&self->filter);
  g_clear_pointer (&self->reader, sqlite3_close);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (aios_journal_model_parent_class)->finalize (object);
}

static void
aios_journal_model_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  AiosJournalModel *self = AIOS_JOURNAL_MODEL (object);

  switch (prop_id)
    {
    case PROP_LOADED:
      g_value_set_boolean (value, self->loaded);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aios_journal_model_class_init (AiosJournalModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = aios_journal_model_finalize;
  object_class->get_property = aios_journal_model_get_property;

  /**
   * AiosJournalModel:loaded:
   *
   * Whether the first count under the current filter has arrived; until
   * then the model is empty without meaning that the journal is.
   */
  properties[PROP_LOADED] =
    g_param_spec_boolean ("loaded", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
aios_journal_model_init (AiosJournalModel *self)
{
  self->pages = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  self->bounds = g_array_new (FALSE, TRUE, sizeof (gint64));
  g_queue_init (&self->lru);
}

/**
 * aios_journal_model_new:
 *
 * Returns: (transfer full): a model of @store's journal, newest first,
 *   that follows the store's commits
 */
AiosJournalModel *
aios_journal_model_new (AiosStore *store)
{
  AiosJournalModel *self;

  g_return_val_if_fail (AIOS_IS_STORE (store), NULL);

  self = g_object_new (AIOS_TYPE_JOURNAL_MODEL, NULL);
  self->store = g_object_ref (store);
  g_signal_connect_object (store, "committed", G_CALLBACK (on_committed), self, G_CONNECT_SWAPPED);
  self->pending_full = TRUE;
  start_pending (self);
  return self;
}

AiosStore *
aios_journal_model_get_store (AiosJournalModel *self)
{
  g_return_val_if_fail (AIOS_IS_JOURNAL_MODEL (self), NULL);
  return self->store;
}

static char *
like_pattern (const char *search)
{
  GString *pattern = g_string_new ("%");

  for (const char *p = search; *p != '\0'; p++)
    {
      if (*p == '%' || *p == '_' || *p == '\\')
        g_string_append_c (pattern, '\\');
      g_string_append_c (pattern, *p);
    }
  g_string_append_c (pattern, '%');
  return g_string_free (pattern, FALSE);
}

/**
 * aios_journal_model_set_filter:
 * @run_id: only this run's events, or 0
 * @kind_prefix: (nullable): only kinds starting with this ("run.", "memory.")
 * @show: all events, decisions only or failures only
 * @search: (nullable): text the summary, rationale, actor or kind contains
 *
 * Re-queries: the count arrives from a worker thread, then the model
 * replaces its items.
 */
void
aios_journal_model_set_filter (AiosJournalModel *self,
                               gint64            run_id,
                               const char       *kind_prefix,
                               AiosJournalShow   show,
                               const char       *search)
{
  g_autofree char *glob = NULL;
  g_autofree char *pattern = NULL;

  g_return_if_fail (AIOS_IS_JOURNAL_MODEL (self));

  if (kind_prefix != NULL && *kind_prefix != '\0')
    glob = g_strconcat (kind_prefix, "*", NULL);
  if (search != NULL && *search != '\0')
    pattern = like_pattern (search);

  if (self->filter.run_id == run_id && self->filter.show == show &&
      g_strcmp0 (self->filter.kind_glob, glob) == 0 && g_strcmp0 (self->filter.search, pattern) == 0)
    return;

  aios_journal_filter_clear (&self->filter);
  self->filter.run_id = run_id;
  self->filter.kind_glob = g_steal_pointer (&glob);
  self->filter.show = show;
  self->filter.search = g_steal_pointer (&pattern);
  self->generation++;
  self->pending_full = TRUE;
  start_pending (self);
}

gint64
aios_journal_model_get_run_id (AiosJournalModel *self)
{
  g_return_val_if_fail (AIOS_IS_JOURNAL_MODEL (self), 0);
  return self->filter.run_id;
}

/* Whether some filter narrows the journal, so "nothing" means "no match". */
gboolean
aios_journal_model_is_filtered (AiosJournalModel *self)
{
  g_return_val_if_fail (AIOS_IS_JOURNAL_MODEL (self), FALSE);
  return self->filter.run_id != 0 || self->filter.kind_glob != NULL ||
         self->filter.show != AIOS_JOURNAL_SHOW_ALL || self->filter.search != NULL;
}

gboolean
aios_journal_model_get_loaded (AiosJournalModel *self)
{
  g_return_val_if_fail (AIOS_IS_JOURNAL_MODEL (self), FALSE);
  return self->loaded;
}

/* How many pages it holds now: stays small however long the journal. */
guint
aios_journal_model_get_cached_pages (AiosJournalModel *self)
{
  g_return_val_if_fail (AIOS_IS_JOURNAL_MODEL (self), 0);
  return g_hash_table_size (self->pages);
}
