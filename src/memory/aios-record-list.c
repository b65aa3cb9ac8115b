/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * AiosRecordList: the Memory page's list as a lazy GListModel (GIO only, so
 * it lives in the core and the benchmark can measure it).
 *
 * Without a query it is every current record (of one kind, or all), sorted
 * by title: the count and the first page are read on a worker thread with
 * a read-only connection, then rows are fetched 100 at a time on demand
 * with keyset queries (title, id) > (last title, last id), falling back to
 * OFFSET only when the view jumps far ahead. With a query it is the ranked
 * search hits (at most 500), searched on the worker thread too. Items are
 * created when asked for, so memory stays flat at 100k records.
 *
 * Emits "loaded" after each (re)load. Reloads itself when the store commits.
 */
#define G_LOG_DOMAIN "aios-memory"

#include "config.h"

#include <string.h>

#include "aios-memory-private.h"
#include "aios-record-list.h"

#define PAGE_SIZE 100
#define MAX_HITS 500

/* ---- AiosRecordItem ------------------------------------------------------ */

struct _AiosRecordItem
{
  GObject  parent_instance;

  gint64   id;
  char    *kind;
  char    *title;
  char    *subtitle;
  gint64   version;
  char    *author;
};

G_DEFINE_FINAL_TYPE (AiosRecordItem, aios_record_item, G_TYPE_OBJECT)

enum {
  ITEM_PROP_0,
  ITEM_PROP_ID,
  ITEM_PROP_KIND,
  ITEM_PROP_TITLE,
  ITEM_PROP_SUBTITLE,
  ITEM_PROP_VERSION,
  ITEM_PROP_AUTHOR,
  ITEM_N_PROPS
};

static GParamSpec *item_properties[ITEM_N_PROPS];

static void
aios_record_item_finalize (GObject *object)
{
  AiosRecordItem *self = AIOS_RECORD_ITEM (object);

  g_free (self->kind);
  g_free (self->title);
  g_free (self->subtitle);
  g_free (self->author);
  G_OBJECT_CLASS (aios_record_item_parent_class)->finalize (object);
}

static void
aios_record_item_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  AiosRecordItem *self = AIOS_RECORD_ITEM (object);

  switch (prop_id)
    {
    case ITEM_PROP_ID:
      g_value_set_int64 (value, self->id);
      break;
    case ITEM_PROP_KIND:
      g_value_set_string (value, self->kind);
      break;
    case ITEM_PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case ITEM_PROP_SUBTITLE:
      g_value_set_string (value, self->subtitle);
      break;
    case ITEM_PROP_VERSION:
      g_value_set_int64 (value, self->version);
      break;
    case ITEM_PROP_AUTHOR:
      g_value_set_string (value, self->author);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aios_record_item_class_init (AiosRecordItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = aios_record_item_finalize;
  object_class->get_property = aios_record_item_get_property;

  item_properties[ITEM_PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0,
                                                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  item_properties[ITEM_PROP_KIND] = g_param_spec_string ("kind", NULL, NULL, NULL,
                                                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  item_properties[ITEM_PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL,
                                                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  item_properties[ITEM_PROP_SUBTITLE] = g_param_spec_string ("subtitle", NULL, NULL, NULL,
                                                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  item_properties[ITEM_PROP_VERSION] = g_param_spec_int64 ("version", NULL, NULL, 0, G_MAXINT64, 0,
                                                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  item_properties[ITEM_PROP_AUTHOR] = g_param_spec_string ("author", NULL, NULL, NULL,
                                                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, ITEM_N_PROPS, item_properties);
}

static void
aios_record_item_init (AiosRecordItem *self)
{
}

gint64 aios_record_item_get_id (AiosRecordItem *self) { return self->id; }
const char *aios_record_item_get_kind (AiosRecordItem *self) { return self->kind; }
const char *aios_record_item_get_title (AiosRecordItem *self) { return self->title; }
const char *aios_record_item_get_subtitle (AiosRecordItem *self) { return self->subtitle; }
gint64 aios_record_item_get_version (AiosRecordItem *self) { return self->version; }
const char *aios_record_item_get_author (AiosRecordItem *self) { return self->author; }

/* ---- rows shared between threads ----------------------------------------- */

typedef struct {
  gint64  id;
  char   *kind;
  char   *title;
  char   *subtitle;
  gint64  version;
  char   *author;
} Entry;

static void
entry_clear (Entry *e)
{
  g_free (e->kind);
  g_free (e->title);
  g_free (e->subtitle);
  g_free (e->author);
}

static GArray *
entries_new (void)
{
  GArray *a = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_array_set_clear_func (a, (GDestroyNotify) entry_clear);
  return a;
}

#define LIST_SQL_HEAD \
  "SELECT r.id, r.kind, r.title, r.current_version, " \
  "(SELECT author FROM record_versions v WHERE v.record_id = r.id AND v.version = r.current_version), " \
  "r.fields_json FROM records r "

static void
entry_from_row (Entry        *e,
                sqlite3_stmt *stmt)
{
  const AiosKindSpec *spec;
  g_autoptr(JsonObject) fields = NULL;
  GString *sub = g_string_new (NULL);

  e->id = sqlite3_column_int64 (stmt, 0);
  e->kind = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  e->title = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  e->version = sqlite3_column_int64 (stmt, 3);
  e->author = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
  /* the subtitle: the first two other key fields that are set */
  spec = aios_memory_kind_lookup (e->kind);
  fields = aios_memory_parse_fields ((const char *) sqlite3_column_text (stmt, 5));
  for (guint i = 0; spec != NULL && i < spec->n_fields; i++)
    {
      const char *value;
      if (!spec->fields[i].key || g_str_equal (spec->fields[i].name, spec->title_field))
        continue;
      value = json_object_get_string_member_with_default (fields, spec->fields[i].name, NULL);
      if (value == NULL || *value == '\0')
        continue;
      if (sub->len > 0)
        g_string_append (sub, " · ");
      g_string_append (sub, value);
      if (sub->len > 80)
        break;
    }
  e->subtitle = g_string_free (sub, FALSE);
}

/* ---- AiosRecordList ------------------------------------------------------ */

struct _AiosRecordList
{
  GObject       parent_instance;

  AiosMemory   *memory;
  char         *kind;
  char         *query;

  /* browsing */
  guint         n_items;
  GHashTable   *pages;       /* page index → GArray of Entry */
  /* searching */
  GArray       *hits;        /* Entry, when a query is set */

  sqlite3      *reader;
  GMutex        reader_lock;
  GCancellable *cancellable;
  gboolean      loading;
  gulong        committed_id;
  guint         reload_source;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (AiosRecordList, aios_record_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  LOADED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static GType
get_item_type (GListModel *model)
{
  return AIOS_TYPE_RECORD_ITEM;
}

static guint
get_n_items (GListModel *model)
{
  AiosRecordList *self = AIOS_RECORD_LIST (model);
  return self->hits != NULL ? self->hits->len : self->n_items;
}

static sqlite3_stmt *
prepare_page (AiosRecordList *self,
              gboolean        keyset)
{
  AiosStore *store = aios_memory_get_store (self->memory);

  if (keyset)
    return aios_store_prepare (store,
                               LIST_SQL_HEAD
                               "WHERE r.deleted = 0 AND (?1 IS NULL OR r.kind = ?1) "
                               "AND (r.title COLLATE NOCASE, r.id) > (?2, ?3) "
                               "ORDER BY r.title COLLATE NOCASE, r.id LIMIT ?4", NULL);
  return aios_store_prepare (store,
                             LIST_SQL_HEAD
                             "WHERE r.deleted = 0 AND (?1 IS NULL OR r.kind = ?1) "
                             "ORDER BY r.title COLLATE NOCASE, r.id LIMIT ?4 OFFSET ?5", NULL);
}

static GArray *
fetch_page (AiosRecordList *self,
            guint           page)
{
  GArray *prev = page > 0 ? g_hash_table_lookup (self->pages, GUINT_TO_POINTER (page - 1)) : NULL;
  gboolean keyset = prev != NULL && prev->len > 0;
  sqlite3_stmt *stmt = prepare_page (self, keyset);
  GArray *entries = entries_new ();

  if (stmt == NULL)
    return entries;
  if (self->kind != NULL)
    sqlite3_bind_text (stmt, 1, self->kind, -1, SQLITE_TRANSIENT);
  if (keyset)
    {
      Entry *last = &g_array_index (prev, Entry, prev->len - 1);
      sqlite3_bind_text (stmt, 2, last->title, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 3, last->id);
    }
  else
    sqlite3_bind_int64 (stmt, 5, (gint64) page * PAGE_SIZE);
  sqlite3_bind_int (stmt, 4, PAGE_SIZE);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      Entry e = { 0 };
      entry_from_row (&e, stmt);
      g_array_append_val (entries, e);
    }
  sqlite3_reset (stmt);
  return entries;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  AiosRecordList *self = AIOS_RECORD_LIST (model);
  AiosRecordItem *item;
  Entry *e;

  if (self->hits != NULL)
    {
      if (position >= self->hits->len)
        return NULL;
      e = &g_array_index (self->hits, Entry, position);
    }
  else
    {
      guint page = position / PAGE_SIZE;
      GArray *entries;

      if (position >= self->n_items)
        return NULL;
      entries = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (page));
      if (entries == NULL)
        {
          entries = fetch_page (self, page);
          g_hash_table_insert (self->pages, GUINT_TO_POINTER (page), entries);
        }
      if (position % PAGE_SIZE >= entries->len)
        return NULL;
      e = &g_array_index (entries, Entry, position % PAGE_SIZE);
    }

  item = g_object_new (AIOS_TYPE_RECORD_ITEM, NULL);
  item->id = e->id;
  item->kind = g_strdup (e->kind);
  item->title = g_strdup (e->title);
  item->subtitle = g_strdup (e->subtitle);
  item->version = e->version;
  item->author = g_strdup (e->author);
  return item;
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
aios_record_list_dispose (GObject *object)
{
  AiosRecordList *self = AIOS_RECORD_LIST (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->reload_source, g_source_remove);
  if (self->memory != NULL && self->committed_id != 0)
    g_clear_signal_handler (&self->committed_id, aios_memory_get_store (self->memory));
  g_clear_object (&self->memory);
  G_OBJECT_CLASS (aios_record_list_parent_class)->dispose (object);
}

static void
aios_record_list_finalize (GObject *object)
{
  AiosRecordList *self = AIOS_RECORD_LIST (object);

  g_hash_table_unref (self->pages);
  g_clear_pointer (&self->hits, g_array_unref);
  g_free (self->kind);
  g_free (self->query);
  g_mutex_lock (&self->reader_lock);
  g_clear_pointer (&self->reader, sqlite3_close);
  g_mutex_unlock (&self->reader_lock);
  g_mutex_clear (&self->reader_lock);
  G_OBJECT_CLASS (aios_record_list_parent_class)->finalize (object);
}

static void
aios_record_list_class_init (AiosRecordListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = aios_record_list_dispose;
  object_class->finalize = aios_record_list_finalize;

  /**
   * AiosRecordList::loaded:
   * @error: (nullable): what went wrong, as text
   *
   * The list has (re)loaded its count or its hits.
   */
  signals[LOADED] = g_signal_new ("loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
aios_record_list_init (AiosRecordList *self)
{
  self->pages = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_array_unref);
  g_mutex_init (&self->reader_lock);
}

/* ---- loading on a worker thread ------------------------------------------ */

typedef struct {
  char    *kind;
  char    *query;
  GArray  *vector;   /* the query's embedding, when a model is configured */
  char    *model;
  sqlite3 *reader;
  GMutex  *lock;
  guint    count;
  GArray  *first;   /* browsing: page 0 */
  GArray  *hits;    /* searching */
} Load;

static void
load_free (Load *load)
{
  g_free (load->kind);
  g_free (load->query);
  g_clear_pointer (&load->vector, g_array_unref);
  g_free (load->model);
  g_clear_pointer (&load->first, g_array_unref);
  g_clear_pointer (&load->hits, g_array_unref);
  g_free (load);
}

static gboolean
load_browse (Load     *load,
             GError  **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (load->reader,
                           "SELECT COUNT(*) FROM records WHERE deleted = 0 AND (?1 IS NULL OR kind = ?1)",
                           -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    goto fail;
  if (load->kind != NULL)
    sqlite3_bind_text (stmt, 1, load->kind, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    load->count = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);

  rc = sqlite3_prepare_v2 (load->reader,
                           LIST_SQL_HEAD
                           "WHERE r.deleted = 0 AND (?1 IS NULL OR r.kind = ?1) "
                           "ORDER BY r.title COLLATE NOCASE, r.id LIMIT ?2",
                           -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    goto fail;
  if (load->kind != NULL)
    sqlite3_bind_text (stmt, 1, load->kind, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 2, PAGE_SIZE);
  load->first = entries_new ();
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Entry e = { 0 };
      entry_from_row (&e, stmt);
      g_array_append_val (load->first, e);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    goto fail;
  return TRUE;

fail:
  g_set_error (error, AIOS_STORE_ERROR, AIOS_STORE_ERROR_FAILED, "%s", sqlite3_errmsg (load->reader));
  return FALSE;
}

static gboolean
load_search (Load     *load,
             GError  **error)
{
  AiosSearchOptions o = { .query = load->query, .kind = load->kind, .limit = MAX_HITS };
  g_autoptr(GPtrArray) hits = NULL;

  if (load->vector != NULL)
    {
      o.query_vector = (const float *) load->vector->data;
      o.n_dims = load->vector->len;
      o.vector_model = load->model;
    }
  hits = aios_memory_search_on (load->reader, &o, error);

  if (hits == NULL)
    return FALSE;
  load->hits = entries_new ();
  for (guint i = 0; i < hits->len; i++)
    {
      AiosMemoryHit *hit = g_ptr_array_index (hits, i);
      Entry e = { 0 };

      e.id = hit->id;
      e.kind = g_strdup (hit->kind);
      e.title = g_strdup (hit->title);
      e.subtitle = g_strdup (hit->snippet);
      e.version = hit->version;
      e.author = g_strdup (hit->author);
      g_array_append_val (load->hits, e);
    }
  return TRUE;
}

static void
load_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Load *load = task_data;
  GError *error = NULL;
  gboolean ok;

  g_mutex_lock (load->lock);
  if (g_task_return_error_if_cancelled (task))
    {
      g_mutex_unlock (load->lock);
      return;
    }
  ok = load->query != NULL && *load->query != '\0' ? load_search (load, &error) : load_browse (load, &error);
  g_mutex_unlock (load->lock);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
load_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  AiosRecordList *self = AIOS_RECORD_LIST (source);
  Load *load = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  guint old = get_n_items (G_LIST_MODEL (self));

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self->loading = FALSE;
      g_signal_emit (self, signals[LOADED], 0, error->message);
      return;
    }

  self->loading = FALSE;
  g_hash_table_remove_all (self->pages);
  g_clear_pointer (&self->hits, g_array_unref);
  if (load->hits != NULL)
    self->hits = g_steal_pointer (&load->hits);
  else
    {
      self->n_items = load->count;
      g_hash_table_insert (self->pages, GUINT_TO_POINTER (0), g_steal_pointer (&load->first));
    }
  g_list_model_items_changed (G_LIST_MODEL (self), 0, old, get_n_items (G_LIST_MODEL (self)));
  g_signal_emit (self, signals[LOADED], 0, NULL);
}

static void
query_embedded_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Load *load = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  load->vector = aios_memory_embed_query_finish (AIOS_MEMORY (source), result, &load->model, &error);
  if (load->vector == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* without a vector (the model is down) the search ranks by text alone */
  g_task_run_in_thread (task, load_thread);
}

/**
 * aios_record_list_reload:
 *
 * Reads the count (or the hits) again on a worker thread; "loaded" follows.
 */
void
aios_record_list_reload (AiosRecordList *self)
{
  g_autoptr(GTask) task = NULL;
  Load *load;

  g_return_if_fail (AIOS_IS_RECORD_LIST (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  if (self->reader == NULL)
    {
      g_autoptr(GError) error = NULL;
      self->reader = aios_store_open_reader (aios_memory_get_store (self->memory), &error);
      if (self->reader == NULL)
        {
          g_signal_emit (self, signals[LOADED], 0, error->message);
          return;
        }
    }

  load = g_new0 (Load, 1);
  load->kind = g_strdup (self->kind);
  load->query = g_strdup (self->query);
  load->reader = self->reader;
  load->lock = &self->reader_lock;
  self->loading = TRUE;

  task = g_task_new (self, self->cancellable, load_done, NULL);
  g_task_set_source_tag (task, aios_record_list_reload);
  g_task_set_task_data (task, load, (GDestroyNotify) load_free);
  if (self->query != NULL && aios_memory_can_embed (self->memory))
    {
      /* hybrid: the query's vector first (on the main loop), then the search */
      aios_memory_embed_query_async (self->memory, self->query, self->cancellable,
                                     query_embedded_cb, g_steal_pointer (&task));
      return;
    }
  g_task_run_in_thread (task, load_thread);
}

static gboolean
reload_idle (gpointer user_data)
{
  AiosRecordList *self = user_data;

  self->reload_source = 0;
  aios_record_list_reload (self);
  return G_SOURCE_REMOVE;
}

static void
committed_cb (AiosRecordList *self)
{
  /* many commits in a burst (an import) reload once */
  if (self->reload_source == 0)
    self->reload_source = g_timeout_add (100, reload_idle, self);
}

/**
 * aios_record_list_new:
 *
 * Returns: (transfer full): a list of every current record; it starts
 *   loading at once
 */
AiosRecordList *
aios_record_list_new (AiosMemory *memory)
{
  AiosRecordList *self;

  g_return_val_if_fail (AIOS_IS_MEMORY (memory), NULL);

  self = g_object_new (AIOS_TYPE_RECORD_LIST, NULL);
  self->memory = g_object_ref (memory);
  self->committed_id = g_signal_connect_swapped (aios_memory_get_store (memory), "committed",
                                                 G_CALLBACK (committed_cb), self);
  aios_record_list_reload (self);
  return self;
}

/**
 * aios_record_list_set_filter:
 * @kind: (nullable): one kind, or all
 * @query: (nullable): search text; empty or %NULL lists by title
 */
void
aios_record_list_set_filter (AiosRecordList *self,
                             const char     *kind,
                             const char     *query)
{
  g_return_if_fail (AIOS_IS_RECORD_LIST (self));

  if (g_strcmp0 (kind, self->kind) == 0 && g_strcmp0 (query, self->query) == 0)
    return;
  g_free (self->kind);
  g_free (self->query);
  self->kind = g_strdup (kind);
  self->query = query != NULL && *query != '\0' ? g_strdup (query) : NULL;
  aios_record_list_reload (self);
}

const char *
aios_record_list_get_kind (AiosRecordList *self)
{
  return self->kind;
}

const char *
aios_record_list_get_query (AiosRecordList *self)
{
  return self->query;
}

gboolean
aios_record_list_is_loading (AiosRecordList *self)
{
  return self->loading;
}

/**
 * aios_record_list_find:
 *
 * Returns: the position of record @id among the items loaded so far, or
 *   %GTK_INVALID_LIST_POSITION-like G_MAXUINT when it is not (yet) there
 */
guint
aios_record_list_find (AiosRecordList *self,
                       gint64          id)
{
  if (self->hits != NULL)
    {
      for (guint i = 0; i < self->hits->len; i++)
        if (g_array_index (self->hits, Entry, i).id == id)
          return i;
      return G_MAXUINT;
    }
  {
    GHashTableIter iter;
    gpointer key, value;
    g_hash_table_iter_init (&iter, self->pages);
    while (g_hash_table_iter_next (&iter, &key, &value))
      {
        GArray *entries = value;
        for (guint i = 0; i < entries->len; i++)
          if (g_array_index (entries, Entry, i).id == id)
            return GPOINTER_TO_UINT (key) * PAGE_SIZE + i;
      }
  }
  return G_MAXUINT;
}
