/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Embeddings for hybrid search. The provider is a small vtable (the
 * workspace plugs in the exec room's AiosLlm; tests can plug anything), so
 * memory does not care which server computes the vectors.
 *
 * Indexing runs in the background on the main loop: a couple of seconds
 * after a commit, records whose current version has no vector for the
 * model are embedded 32 at a time (title, fields and the start of the
 * body) and stored in `record_embeddings`. A failing or unconfigured
 * provider only means search ranks by text alone; nothing waits for it.
 */
#define G_LOG_DOMAIN "aios-memory"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "aios-memory-private.h"

#define BATCH 32
#define TEXT_MAX 2000
#define AUTO_INDEX_DELAY_S 2
#define AUTO_INDEX_MAX 256

void
aios_memory_embedder_clear (AiosMemoryEmbedder *e)
{
  if (e->cancellable != NULL)
    g_cancellable_cancel (e->cancellable);
  g_clear_object (&e->cancellable);
  g_clear_handle_id (&e->index_source, g_source_remove);
  if (e->destroy != NULL && e->data != NULL)
    e->destroy (e->data);
  e->data = NULL;
  e->destroy = NULL;
  e->vtable = NULL;
  g_clear_pointer (&e->model, g_free);
}

gboolean
aios_memory_can_embed (AiosMemory *self)
{
  AiosMemoryEmbedder *e;

  g_return_val_if_fail (AIOS_IS_MEMORY (self), FALSE);
  e = aios_memory_get_embedder (self);
  return e->vtable != NULL && e->vtable->can_embed (e->data);
}

/* ---- indexing ------------------------------------------------------------ */

typedef struct {
  guint   max;
  guint   embedded;
  GArray *ids;        /* gint64 */
  GArray *versions;   /* gint64 */
} Index;

static void
index_free (Index *ix)
{
  g_clear_pointer (&ix->ids, g_array_unref);
  g_clear_pointer (&ix->versions, g_array_unref);
  g_free (ix);
}

static void index_next (GTask *task);

static gboolean
store_vectors (AiosMemory  *self,
               Index       *ix,
               GPtrArray   *vectors,
               const char  *model,
               GError     **error)
{
  AiosStore *store = aios_memory_get_store (self);

  if (!aios_store_begin (store, error))
    return FALSE;
  for (guint i = 0; i < vectors->len && i < ix->ids->len; i++)
    {
      GArray *v = g_ptr_array_index (vectors, i);
      sqlite3_stmt *stmt = aios_store_prepare (store,
                                               "INSERT OR REPLACE INTO record_embeddings (record_id, version, model, vector) "
                                               "SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM records WHERE id = ?1)",
                                               error);
      int rc;

      if (stmt == NULL)
        goto fail;
      sqlite3_bind_int64 (stmt, 1, g_array_index (ix->ids, gint64, i));
      sqlite3_bind_int64 (stmt, 2, g_array_index (ix->versions, gint64, i));
      sqlite3_bind_text (stmt, 3, model, -1, SQLITE_TRANSIENT);
      sqlite3_bind_blob (stmt, 4, v->data, (int) (v->len * sizeof (gfloat)), SQLITE_TRANSIENT);
      rc = sqlite3_step (stmt);
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        {
          aios_store_set_error (store, rc, error, _("store record vectors"));
          goto fail;
        }
    }
  return aios_store_commit (store, error);

fail:
  aios_store_rollback (store);
  return FALSE;
}

static void
embed_batch_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AiosMemory *self = g_task_get_source_object (task);
  AiosMemoryEmbedder *e = aios_memory_get_embedder (self);
  Index *ix = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *model = NULL;
  g_autoptr(GPtrArray) vectors = NULL;

  if (e->vtable == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s", _("The embedder was removed"));
      return;
    }
  vectors = e->vtable->embed_finish (e->data, result, &model, &error);
  if (vectors == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (model == NULL)
    model = g_strdup ("default");
  g_free (e->model);
  e->model = g_strdup (model);
  if (!store_vectors (self, ix, vectors, model, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  ix->embedded += MIN (vectors->len, ix->ids->len);
  index_next (g_steal_pointer (&task));
}

static void
index_next (GTask *task)
{
  AiosMemory *self = g_task_get_source_object (task);
  AiosMemoryEmbedder *e = aios_memory_get_embedder (self);
  Index *ix = g_task_get_task_data (task);
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;
  int rc;

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  if (ix->embedded >= ix->max || e->vtable == NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  g_array_set_size (ix->ids, 0);
  g_array_set_size (ix->versions, 0);
  stmt = aios_store_prepare (aios_memory_get_store (self),
                             "SELECT r.id, r.current_version, r.title, r.fields_json, r.body FROM records r "
                             "WHERE r.deleted = 0 AND NOT EXISTS (SELECT 1 FROM record_embeddings x "
                             "  WHERE x.record_id = r.id AND x.version = r.current_version AND x.model = ?1) "
                             "ORDER BY r.updated_at DESC LIMIT ?2", &error);
  if (stmt == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  sqlite3_bind_text (stmt, 1, e->model ? e->model : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 2, MIN (BATCH, ix->max - ix->embedded));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      gint64 version = sqlite3_column_int64 (stmt, 1);
      g_autoptr(JsonObject) fields = aios_memory_parse_fields ((const char *) sqlite3_column_text (stmt, 3));
      g_autofree char *fields_text = aios_memory_fields_to_text (fields);
      char *text = g_strjoin ("\n", (const char *) sqlite3_column_text (stmt, 2), fields_text,
                              (const char *) sqlite3_column_text (stmt, 4), NULL);

      if (strlen (text) > TEXT_MAX)
        {
          const char *end = text + TEXT_MAX;
          g_utf8_validate (text, TEXT_MAX, &end);
          text[end - text] = '\0';
        }
      g_array_append_val (ix->ids, id);
      g_array_append_val (ix->versions, version);
      g_ptr_array_add (texts, text);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      aios_store_set_error (aios_memory_get_store (self), rc, &error, _("find records to embed"));
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  if (texts->len == 0)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  g_ptr_array_add (texts, NULL);
  e->vtable->embed_async (e->data, (const char * const *) texts->pdata, g_task_get_cancellable (task),
                          embed_batch_cb, task);
}

/**
 * aios_memory_index_async:
 * @max_records: at most this many records are embedded (0: no limit)
 *
 * Embeds records whose current version has no vector yet.
 */
void
aios_memory_index_async (AiosMemory          *self,
                         guint                max_records,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task;
  Index *ix;

  g_return_if_fail (AIOS_IS_MEMORY (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aios_memory_index_async);
  ix = g_new0 (Index, 1);
  ix->max = max_records > 0 ? max_records : G_MAXUINT;
  ix->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  ix->versions = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_task_set_task_data (task, ix, (GDestroyNotify) index_free);
  if (!aios_memory_can_embed (self))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "%s",
                               _("No embedding model is configured"));
      g_object_unref (task);
      return;
    }
  index_next (task);
}

gboolean
aios_memory_index_finish (AiosMemory    *self,
                          GAsyncResult  *result,
                          guint         *out_embedded,
                          GError       **error)
{
  Index *ix;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  ix = g_task_get_task_data (G_TASK (result));
  if (out_embedded != NULL)
    *out_embedded = ix->embedded;
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void schedule_index (AiosMemory *self);

static void
auto_index_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  AiosMemory *self = AIOS_MEMORY (source);
  AiosMemoryEmbedder *e = aios_memory_get_embedder (self);
  g_autoptr(GError) error = NULL;
  guint n = 0;

  e->indexing = FALSE;
  if (!aios_memory_index_finish (self, result, &n, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Embedding records failed (search ranks by text meanwhile): %s", error->message);
      return;
    }
  if (n >= AUTO_INDEX_MAX)
    schedule_index (self);
}

static gboolean
index_timeout (gpointer user_data)
{
  AiosMemory *self = user_data;
  AiosMemoryEmbedder *e = aios_memory_get_embedder (self);

  e->index_source = 0;
  if (e->indexing || !aios_memory_can_embed (self))
    return G_SOURCE_REMOVE;
  e->indexing = TRUE;
  aios_memory_index_async (self, AUTO_INDEX_MAX, e->cancellable, auto_index_done, NULL);
  return G_SOURCE_REMOVE;
}

static void
schedule_index (AiosMemory *self)
{
  AiosMemoryEmbedder *e = aios_memory_get_embedder (self);

  if (e->index_source == 0 && e->auto_index)
    e->index_source = g_timeout_add_seconds (AUTO_INDEX_DELAY_S, index_timeout, self);
}

static void
committed_cb (AiosMemory *self)
{
  AiosMemoryEmbedder *e = aios_memory_get_embedder (self);

  if (!e->indexing && aios_memory_can_embed (self))
    schedule_index (self);
}

/**
 * aios_memory_set_embedder:
 * @vtable: (nullable): the provider's functions, or %NULL for none
 * @auto_index: embed changed records in the background
 */
void
aios_memory_set_embedder (AiosMemory               *self,
                          const AiosEmbedderVTable *vtable,
                          gpointer                  data,
                          GDestroyNotify            destroy,
                          gboolean                  auto_index)
{
  AiosMemoryEmbedder *e;

  g_return_if_fail (AIOS_IS_MEMORY (self));
  e = aios_memory_get_embedder (self);
  aios_memory_embedder_clear (e);
  e->vtable = vtable;
  e->data = data;
  e->destroy = destroy;
  e->auto_index = auto_index;
  e->cancellable = g_cancellable_new ();
  if (e->committed_id == 0)
    e->committed_id = g_signal_connect_object (aios_memory_get_store (self), "committed",
                                               G_CALLBACK (committed_cb), self, G_CONNECT_SWAPPED);
  /* catch up with records written while no model was reachable */
  if (vtable != NULL)
    schedule_index (self);
}

/* ---- queries ------------------------------------------------------------- */

static void
query_embedded_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AiosMemory *self = g_task_get_source_object (task);
  AiosMemoryEmbedder *e = aios_memory_get_embedder (self);
  g_autoptr(GError) error = NULL;
  g_autofree char *model = NULL;
  g_autoptr(GPtrArray) vectors = NULL;

  if (e->vtable == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "%s", _("No embedding model is configured"));
      return;
    }
  vectors = e->vtable->embed_finish (e->data, result, &model, &error);
  if (vectors == NULL || vectors->len == 0)
    {
      if (error == NULL)
        error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, _("The embedding model returned no vector"));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_object_set_data_full (G_OBJECT (task), "model", g_strdup (model ? model : "default"), g_free);
  g_task_return_pointer (task, g_array_ref (g_ptr_array_index (vectors, 0)), (GDestroyNotify) g_array_unref);
}

void
aios_memory_embed_query_async (AiosMemory          *self,
                               const char          *query,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task;
  AiosMemoryEmbedder *e;
  const char *texts[] = { query, NULL };

  g_return_if_fail (AIOS_IS_MEMORY (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aios_memory_embed_query_async);
  e = aios_memory_get_embedder (self);
  if (!aios_memory_can_embed (self) || query == NULL || *query == '\0')
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "%s", _("No embedding model is configured"));
      g_object_unref (task);
      return;
    }
  e->vtable->embed_async (e->data, texts, cancellable, query_embedded_cb, task);
}

/**
 * aios_memory_embed_query_finish:
 * @model: (out) (optional) (transfer full): the model the vector came from
 *
 * Returns: (transfer full) (element-type gfloat): the vector
 */
GArray *
aios_memory_embed_query_finish (AiosMemory    *self,
                                GAsyncResult  *result,
                                char         **model,
                                GError       **error)
{
  GArray *v;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  v = g_task_propagate_pointer (G_TASK (result), error);
  if (v != NULL && model != NULL)
    *model = g_strdup (g_object_get_data (G_OBJECT (result), "model"));
  return v;
}

typedef struct {
  AiosSearchOptions options;
  char   *query;
  char   *kind;
  gint64 *related;
} SearchData;

static void
search_data_free (SearchData *d)
{
  g_free (d->query);
  g_free (d->kind);
  g_free (d->related);
  g_free (d);
}

static void
search_embedded_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AiosMemory *self = AIOS_MEMORY (source);
  SearchData *d = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) embed_error = NULL;
  g_autofree char *model = NULL;
  g_autoptr(GArray) vector = aios_memory_embed_query_finish (self, result, &model, &embed_error);
  GPtrArray *hits;
  AiosSearchOptions o = d->options;

  if (g_task_return_error_if_cancelled (task))
    return;
  if (vector != NULL)
    {
      o.query_vector = (const float *) vector->data;
      o.n_dims = vector->len;
      o.vector_model = model;
    }
  else
    g_debug ("Searching by text alone: %s", embed_error->message);
  g_object_set_data (G_OBJECT (task), "hybrid", GINT_TO_POINTER (vector != NULL));
  hits = aios_memory_search_full (self, &o, &error);
  if (hits == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, hits, (GDestroyNotify) g_ptr_array_unref);
}

/**
 * aios_memory_search_async:
 *
 * Embeds the query (when a model is configured), then searches with text
 * and vectors together. The options are copied.
 */
void
aios_memory_search_async (AiosMemory              *self,
                          const AiosSearchOptions *options,
                          GCancellable            *cancellable,
                          GAsyncReadyCallback      callback,
                          gpointer                 user_data)
{
  GTask *task;
  SearchData *d;

  g_return_if_fail (AIOS_IS_MEMORY (self));
  g_return_if_fail (options != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aios_memory_search_async);
  d = g_new0 (SearchData, 1);
  d->options = *options;
  d->query = g_strdup (options->query);
  d->kind = g_strdup (options->kind);
  d->related = options->n_related ? g_memdup2 (options->related, options->n_related * sizeof (gint64)) : NULL;
  d->options.query = d->query;
  d->options.kind = d->kind;
  d->options.related = d->related;
  g_task_set_task_data (task, d, (GDestroyNotify) search_data_free);

  if (options->query_vector == NULL && aios_memory_can_embed (self) && options->query != NULL && *options->query)
    {
      aios_memory_embed_query_async (self, options->query, cancellable, search_embedded_cb, task);
      return;
    }
  {
    g_autoptr(GError) error = NULL;
    GPtrArray *hits = aios_memory_search_full (self, &d->options, &error);
    if (hits == NULL)
      g_task_return_error (task, g_steal_pointer (&error));
    else
      g_task_return_pointer (task, hits, (GDestroyNotify) g_ptr_array_unref);
    g_object_unref (task);
  }
}

/**
 * aios_memory_search_finish:
 * @out_hybrid: (out) (optional): whether vectors took part
 *
 * Returns: (transfer full) (element-type AiosMemoryHit): hits, best first
 */
GPtrArray *
aios_memory_search_finish (AiosMemory    *self,
                           GAsyncResult  *result,
                           gboolean      *out_hybrid,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  if (out_hybrid != NULL)
    *out_hybrid = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (result), "hybrid"));
  return g_task_propagate_pointer (G_TASK (result), error);
}
