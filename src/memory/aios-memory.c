/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * AiosMemory: the operator's canonical records, versioned, with provenance.
 *
 * Every write is a new row in `record_versions` (a full snapshot of fields
 * and body, never a patch), mirrored as the current state in `records`, the
 * exact-lookup keys and the FTS5 index, and journaled with a link to
 * ("record", id, version), all inside one aios_store_begin()/commit() pair so
 * it joins the caller's transaction. Deletes and restores are versions too.
 */
#define G_LOG_DOMAIN "aios-memory"

#include "config.h"

#include <inttypes.h>

#include <string.h>
#include <glib/gi18n.h>

#include "aios-memory-private.h"
#include "store/aios-journal.h"

struct _AiosMemory
{
  GObject    parent_instance;

  AiosStore *store;
  AiosMemoryEmbedder embedder;   /* see aios-memory-embed.c */
};

G_DEFINE_FINAL_TYPE (AiosMemory, aios_memory, G_TYPE_OBJECT)
G_DEFINE_QUARK (aios-memory-error-quark, aios_memory_error)

/* ---- AiosMemory ---------------------------------------------------------- */

static void
aios_memory_dispose (GObject *object)
{
  AiosMemory *self = AIOS_MEMORY (object);

  aios_memory_embedder_clear (&self->embedder);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (aios_memory_parent_class)->dispose (object);
}

static void
aios_memory_class_init (AiosMemoryClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = aios_memory_dispose;
}

static void
aios_memory_init (AiosMemory *self)
{
}

AiosMemory *
aios_memory_new (AiosStore *store)
{
  AiosMemory *self;

  g_return_val_if_fail (AIOS_IS_STORE (store), NULL);
  self = g_object_new (AIOS_TYPE_MEMORY, NULL);
  self->store = g_object_ref (store);
  return self;
}

AiosMemoryEmbedder *
aios_memory_get_embedder (AiosMemory *self)
{
  return &self->embedder;
}

AiosStore *
aios_memory_get_store (AiosMemory *self)
{
  g_return_val_if_fail (AIOS_IS_MEMORY (self), NULL);
  return self->store;
}

AiosRecord *
aios_memory_load_version (AiosMemory  *self,
                          gint64       id,
                          gint64       version,
                          GError     **error)
{
  sqlite3_stmt *stmt;
  AiosRecord *record = NULL;
  int rc;

  stmt = aios_store_prepare (self->store,
                             AIOS_MEMORY_SELECT_RECORD
                             "WHERE r.id = ?1 AND v.version = "
                             "CASE WHEN ?2 > 0 THEN ?2 ELSE r.current_version END",
                             error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, version);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    record = aios_record_from_row (stmt);
  sqlite3_reset (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      aios_store_set_error (self->store, rc, error, _("read a memory record"));
      return NULL;
    }
  if (record == NULL)
    {
      if (version > 0)
        g_set_error (error, AIOS_MEMORY_ERROR, AIOS_MEMORY_ERROR_NOT_FOUND,
                     _("Record %" PRId64 " has no version %" PRId64),
                     id, version);
      else
        g_set_error (error, AIOS_MEMORY_ERROR, AIOS_MEMORY_ERROR_NOT_FOUND,
                     _("There is no record %" PRId64), id);
    }
  return record;
}

/**
 * aios_memory_get:
 *
 * Returns: (transfer full) (nullable): the current version (possibly a
 *   deleted one: check @deleted)
 */
AiosRecord *
aios_memory_get (AiosMemory  *self,
                 gint64       id,
                 GError     **error)
{
  g_return_val_if_fail (AIOS_IS_MEMORY (self), NULL);
  return aios_memory_load_version (self, id, 0, error);
}

AiosRecord *
aios_memory_get_version (AiosMemory  *self,
                         gint64       id,
                         gint64       version,
                         GError     **error)
{
  g_return_val_if_fail (AIOS_IS_MEMORY (self), NULL);
  if (version <= 0)
    {
      g_set_error (error, AIOS_MEMORY_ERROR, AIOS_MEMORY_ERROR_NOT_FOUND,
                   _("Record %" PRId64 " has no version %" PRId64), id, version);
      return NULL;
    }
  return aios_memory_load_version (self, id, version, error);
}

/**
 * aios_memory_history:
 *
 * Returns: (transfer full) (element-type AiosRecord): every version, oldest
 *   first
 */
GPtrArray *
aios_memory_history (AiosMemory  *self,
                     gint64       id,
                     GError     **error)
{
  g_autoptr(GPtrArray) versions = g_ptr_array_new_with_free_func ((GDestroyNotify) aios_record_free);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (AIOS_IS_MEMORY (self), NULL);

  stmt = aios_store_prepare (self->store, AIOS_MEMORY_SELECT_RECORD "WHERE r.id = ? ORDER BY v.version", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (versions, aios_record_from_row (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      aios_store_set_error (self->store, rc, error, _("read a record's history"));
      return NULL;
    }
  if (versions->len == 0)
    {
      g_set_error (error, AIOS_MEMORY_ERROR, AIOS_MEMORY_ERROR_NOT_FOUND,
                   _("There is no record %" PRId64), id);
      return NULL;
    }
  return g_steal_pointer (&versions);
}

static gboolean
step_done (AiosMemory   *self,
           sqlite3_stmt *stmt,
           const char   *what,
           GError      **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return aios_store_set_error (self->store, rc, error, what);
  return TRUE;
}

static void
bind_text (sqlite3_stmt *stmt,
           int           col,
           const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, col, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, col);
}

gboolean
aios_memory_index_current (AiosMemory         *self,
                           gint64              id,
                           const AiosKindSpec *spec,
                           const char         *title,
                           JsonObject         *fields,
                           const char         *body,
                           gboolean            deleted,
                           GError            **error)
{
  sqlite3_stmt *stmt;
  g_autofree char *fields_text = NULL;

  stmt = aios_store_prepare (self->store, "DELETE FROM record_keys WHERE record_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if (!step_done (self, stmt, _("index a memory record"), error))
    return FALSE;

  stmt = aios_store_prepare (self->store, "DELETE FROM records_fts WHERE rowid = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if (!step_done (self, stmt, _("index a memory record"), error))
    return FALSE;

  if (deleted)
    return TRUE;

  for (guint i = 0; i < spec->n_fields; i++)
    {
      const AiosFieldSpec *field = &spec->fields[i];
      g_autofree char *text = NULL;
      g_autofree char *folded = NULL;

      if (!field->key || !json_object_has_member (fields, field->name))
        continue;
      text = aios_memory_value_to_text (json_object_get_member (fields, field->name));
      g_strstrip (text);
      if (*text == '\0')
        continue;
      folded = g_utf8_casefold (text, -1);
      stmt = aios_store_prepare (self->store,
                                 "INSERT OR IGNORE INTO record_keys (kind, field, value, record_id) "
                                 "VALUES (?, ?, ?, ?)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, spec->name, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, field->name, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, folded, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 4, id);
      if (!step_done (self, stmt, _("index a memory record"), error))
        return FALSE;
    }

  fields_text = aios_memory_fields_to_text (fields);
  stmt = aios_store_prepare (self->store,
                             "INSERT INTO records_fts (rowid, title, fields, body, kind) VALUES (?, ?, ?, ?, ?)",
                             error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_text (stmt, 2, title, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, fields_text, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, body ? body : "", -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, spec->name, -1, SQLITE_STATIC);
  return step_done (self, stmt, _("index a memory record"), error);
}

static char *
changed_fields_payload (gint64      id,
                        const char *kind,
                        gint64      version,
                        const char *layer,
                        JsonObject *before,
                        JsonObject *after,
                        const char *body_before,
                        const char *body_after,
                        gint64      reverted_to)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "record_id");
  json_builder_add_int_value (b, id);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, kind);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, version);
  json_builder_set_member_name (b, "layer");
  json_builder_add_string_value (b, layer);
  if (reverted_to > 0)
    {
      json_builder_set_member_name (b, "reverted_to");
      json_builder_add_int_value (b, reverted_to);
    }
  json_builder_set_member_name (b, "changed");
  json_builder_begin_array (b);
  {
    g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
    g_autoptr(GList) a = after ? json_object_get_members (after) : NULL;
    g_autoptr(GList) bl = before ? json_object_get_members (before) : NULL;
    g_autoptr(GList) all = NULL;

    for (GList *l = a; l; l = l->next)
      if (g_hash_table_add (names, l->data))
        all = g_list_prepend (all, l->data);
    for (GList *l = bl; l; l = l->next)
      if (g_hash_table_add (names, l->data))
        all = g_list_prepend (all, l->data);
    all = g_list_sort (all, (GCompareFunc) g_strcmp0);
    for (GList *l = all; l; l = l->next)
      {
        g_autofree char *x = before && json_object_has_member (before, l->data)
                             ? aios_memory_value_to_text (json_object_get_member (before, l->data)) : g_strdup ("");
        g_autofree char *y = after && json_object_has_member (after, l->data)
                             ? aios_memory_value_to_text (json_object_get_member (after, l->data)) : g_strdup ("");
        if (!g_str_equal (x, y))
          json_builder_add_string_value (b, l->data);
      }
    if (g_strcmp0 (body_before ? body_before : "", body_after ? body_after : "") != 0)
      json_builder_add_string_value (b, "body");
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

typedef struct {
  gint64      id;              /* 0: create */
  const AiosKindSpec *spec;
  const char *layer;
  gint64      session_run_id;
  JsonObject *fields;
  const char *body;
  gboolean    deleted;
  const char *event_kind;
  const char *summary;
  gint64      reverted_to;
  AiosRecord *before;          /* nullable: the current version */
} WriteSpec;

static gint64
write_version (AiosMemory           *self,
               WriteSpec            *w,
               const AiosProvenance *prov,
               gint64               *out_version,
               GError              **error)
{
  g_autofree char *fields_json = aios_memory_fields_to_string (w->fields);
  g_autofree char *title = aios_memory_make_title (w->spec, w->fields);
  g_autofree char *payload = NULL;
  g_autofree char *link_id = NULL;
  g_autofree char *summary = NULL;
  sqlite3_stmt *stmt;
  gint64 now = aios_store_now_ms ();
  gint64 id = w->id;
  gint64 version = w->before ? w->before->version + 1 : 1;
  AiosEvent ev = { 0 };
  AiosEventLink link = { 0 };

  if (!aios_store_begin (self->store, error))
    return 0;

  if (id == 0)
    {
      stmt = aios_store_prepare (self->store,
                                 "INSERT INTO records (kind, title, layer, session_run_id, current_version, "
                                 "deleted, fields_json, body, created_at, updated_at) "
                                 "VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?)", error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_text (stmt, 1, w->spec->name, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, title, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, w->layer, -1, SQLITE_STATIC);
      if (w->session_run_id > 0)
        sqlite3_bind_int64 (stmt, 4, w->session_run_id);
      else
        sqlite3_bind_null (stmt, 4);
      sqlite3_bind_int (stmt, 5, w->deleted);
      sqlite3_bind_text (stmt, 6, fields_json, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 7, w->body ? w->body : "", -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 8, now);
      sqlite3_bind_int64 (stmt, 9, now);
      if (!step_done (self, stmt, _("write a memory record"), error))
        goto fail;
      id = sqlite3_last_insert_rowid (aios_store_get_db (self->store));
    }
  else
    {
      stmt = aios_store_prepare (self->store,
                                 "UPDATE records SET title = ?1, layer = ?2, "
                                 "session_run_id = CASE WHEN ?2 = 'durable' THEN NULL ELSE session_run_id END, "
                                 "current_version = ?4, deleted = ?5, fields_json = ?6, body = ?7, "
                                 "updated_at = ?8 WHERE id = ?9", error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_text (stmt, 1, title, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, w->layer, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 4, version);
      sqlite3_bind_int (stmt, 5, w->deleted);
      sqlite3_bind_text (stmt, 6, fields_json, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 7, w->body ? w->body : "", -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 8, now);
      sqlite3_bind_int64 (stmt, 9, id);
      if (!step_done (self, stmt, _("write a memory record"), error))
        goto fail;
    }

  stmt = aios_store_prepare (self->store,
                             "INSERT INTO record_versions (record_id, version, fields_json, body, title, "
                             "deleted, author, rationale, run_id, ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, version);
  sqlite3_bind_text (stmt, 3, fields_json, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, w->body ? w->body : "", -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, title, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 6, w->deleted);
  sqlite3_bind_text (stmt, 7, prov->author, -1, SQLITE_STATIC);
  bind_text (stmt, 8, prov->rationale);
  if (prov->run_id > 0)
    sqlite3_bind_int64 (stmt, 9, prov->run_id);
  else
    sqlite3_bind_null (stmt, 9);
  sqlite3_bind_int64 (stmt, 10, now);
  if (!step_done (self, stmt, _("write a memory record"), error))
    goto fail;

  if (!aios_memory_index_current (self, id, w->spec, title, w->fields, w->body, w->deleted, error))
    goto fail;

  payload = changed_fields_payload (id, w->spec->name, version, w->layer,
                                    w->before ? w->before->fields : NULL, w->fields,
                                    w->before ? w->before->body : NULL, w->body, w->reverted_to);
  summary = g_strdup_printf (w->summary, _(w->spec->label), title, version);
  link_id = g_strdup_printf ("%" PRId64, id);
  ev.ts = now;
  ev.run_id = prov->run_id;
  ev.actor = (char *) prov->author;
  ev.kind = (char *) w->event_kind;
  ev.summary = summary;
  ev.rationale = (char *) prov->rationale;
  ev.payload_json = payload;
  link.target_kind = "record";
  link.target_id = link_id;
  link.version = version;
  if (aios_journal_append_linked (self->store, &ev, &link, 1, error) == 0)
    goto fail;

  if (!aios_store_commit (self->store, error))
    return 0;
  if (out_version != NULL)
    *out_version = version;
  return id;

fail:
  aios_store_rollback (self->store);
  return 0;
}

static gboolean
check_provenance (const AiosProvenance *prov,
                  GError              **error)
{
  if (prov == NULL || prov->author == NULL || *prov->author == '\0')
    {
      g_set_error_literal (error, AIOS_MEMORY_ERROR, AIOS_MEMORY_ERROR_INVALID_FIELD,
                           _("Every memory write needs an author (operator, agent:<role>, import or system)"));
      return FALSE;
    }
  return TRUE;
}

static gint64
put_internal (AiosMemory           *self,
              gint64                id,
              const char           *kind,
              const char           *layer,
              JsonObject           *fields,
              const char           *body,
              const AiosProvenance *prov,
              gint64               *out_version,
              GError              **error)
{
  g_autoptr(AiosRecord) before = NULL;
  g_autoptr(JsonObject) keep_fields = NULL;
  WriteSpec w = { 0 };

  if (!check_provenance (prov, error))
    return 0;

  if (id > 0)
    {
      before = aios_memory_load_version (self, id, 0, error);
      if (before == NULL)
        return 0;
      if (kind != NULL && !g_str_equal (kind, before->kind))
        {
          g_set_error (error, AIOS_MEMORY_ERROR, AIOS_MEMORY_ERROR_INVALID_FIELD,
                       _("Record %" PRId64 " is a %s, not a %s (the kind of a record does not change)"),
                       id, before->kind, kind);
          return 0;
        }
      if (before->deleted)
        {
          g_set_error (error, AIOS_MEMORY_ERROR, AIOS_MEMORY_ERROR_DELETED,
                       _("Record %" PRId64 " (“%s”) is deleted; restore it before changing it"),
                       id, before->title);
          return 0;
        }
      kind = before->kind;
      layer = before->layer;
      if (fields == NULL)
        fields = keep_fields = json_object_ref (before->fields);
      if (body == NULL)
        body = before->body;
    }

  if (!aios_memory_validate (kind, fields, error))
    return 0;

  w.id = id;
  w.spec = aios_memory_kind_lookup (kind);
  w.layer = layer;
  w.session_run_id = id == 0 && g_str_equal (layer, "session") ? prov->run_id : 0;
  w.fields = fields;
  w.body = body;
  w.event_kind = "memory.written";
  /* TRANSLATORS: "Contact “Dana Scully” written (version 3)" */
  w.summary = _("%s “%s” written (version %" PRId64 ")");
  w.before = before;
  return write_version (self, &w, prov, out_version, error);
}

/**
 * aios_memory_put:
 * @id: the record to change, or 0 to create one
 * @kind: (nullable): the kind; required when creating, checked when changing
 * @fields: (nullable): the complete field set of the new version (a version
 *   is a snapshot, not a patch); %NULL keeps the current fields
 * @body: (nullable): the free text; %NULL keeps the current body
 * @out_version: (out) (optional): the version written
 *
 * Creates a durable record or writes a new version of one, journaling
 * "memory.written" linked to ("record", id, version) in the same
 * transaction (joining the caller's, if any).
 *
 * Returns: the record id, or 0 with @error set
 */
gint64
aios_memory_put (AiosMemory           *self,
                 gint64                id,
                 const char           *kind,
                 JsonObject           *fields,
                 const char           *body,
                 const AiosProvenance *provenance,
                 gint64               *out_version,
                 GError              **error)
{
  g_return_val_if_fail (AIOS_IS_MEMORY (self), 0);
  return put_internal (self, id, kind, "durable", fields, body, provenance, out_version, error);
}

/**
 * aios_memory_put_session:
 *
 * Creates a session record scoped to @provenance->run_id.
 *
 * Returns: the record id, or 0 with @error set
 */
gint64
aios_memory_put_session (AiosMemory           *self,
                         const char           *kind,
                         JsonObject           *fields,
                         const char           *body,
                         const AiosProvenance *provenance,
                         gint64               *out_version,
                         GError              **error)
{
  g_return_val_if_fail (AIOS_IS_MEMORY (self), 0);
  if (provenance != NULL && provenance->run_id <= 0)
    {
      g_set_error_literal (error, AIOS_MEMORY_ERROR, AIOS_MEMORY_ERROR_INVALID_FIELD,
                           _("A session record belongs to a run; the provenance has no run"));
      return 0;
    }
  return put_internal (self, 0, kind, "session", fields, body, provenance, out_version, error);
}

/**
 * aios_memory_revert:
 * @to_version: the version whose state (fields, body, deleted or not) comes back
 *
 * Writes a new version equal to an older one; nothing is erased.
 *
 * Returns: the new version, or 0 with @error set
 */
gint64
aios_memory_revert (AiosMemory           *self,
                    gint64                id,
                    gint64                to_version,
                    const AiosProvenance *provenance,
                    GError              **error)
{
  g_autoptr(AiosRecord) before = NULL;
  g_autoptr(AiosRecord) target = NULL;
  WriteSpec w = { 0 };
  gint64 version = 0;

  g_return_val_if_fail (AIOS_IS_MEMORY (self), 0);

  if (!check_provenance (provenance, error))
    return 0;
  before = aios_memory_load_version (self, id, 0, error);
  if (before == NULL)
    return 0;
  target = aios_memory_get_version (self, id, to_version, error);
  if (target == NULL)
    return 0;

  w.id = id;
  w.spec = aios_memory_kind_lookup (before->kind);
  w.layer = before->layer;
  w.fields = target->fields;
  w.body = target->body;
  w.deleted = target->deleted;
  w.event_kind = "memory.reverted";
  w.reverted_to = to_version;
  /* TRANSLATORS: "Contact “Dana Scully” reverted (version 5)" */
  w.summary = _("%s “%s” reverted (version %" PRId64 ")");
  w.before = before;
  if (w.spec == NULL)
    {
      g_set_error (error, AIOS_MEMORY_ERROR, AIOS_MEMORY_ERROR_UNKNOWN_KIND,
                   _("“%s” is not a kind of record"), before->kind);
      return 0;
    }
  if (write_version (self, &w, provenance, &version, error) == 0)
    return 0;
  return version;
}

static gboolean
set_deleted (AiosMemory           *self,
             gint64                id,
             gboolean              deleted,
             const AiosProvenance *provenance,
             GError              **error)
{
  g_autoptr(AiosRecord) before = NULL;
  WriteSpec w = { 0 };

  if (!check_provenance (provenance, error))
    return FALSE;
  before = aios_memory_load_version (self, id, 0, error);
  if (before == NULL)
    return FALSE;
  if (before->deleted == deleted)
    {
      g_set_error (error, AIOS_MEMORY_ERROR, deleted ? AIOS_MEMORY_ERROR_DELETED : AIOS_MEMORY_ERROR_NOT_FOUND,
                   deleted ? _("Record %" PRId64 " (“%s”) is already deleted")
                           : _("Record %" PRId64 " (“%s”) is not deleted"),
                   id, before->title);
      return FALSE;
    }

  w.id = id;
  w.spec = aios_memory_kind_lookup (before->kind);
  w.layer = before->layer;
  w.fields = before->fields;
  w.body = before->body;
  w.deleted = deleted;
  w.event_kind = deleted ? "memory.deleted" : "memory.restored";
  w.summary = deleted ? _("%s “%s” deleted (version %" PRId64 ")")
                      : _("%s “%s” restored (version %" PRId64 ")");
  w.before = before;
  return write_version (self, &w, provenance, NULL, error) != 0;
}

/**
 * aios_memory_delete:
 *
 * Soft delete: a new version marked deleted; the record leaves search and
 * lookups, its history stays, and aios_memory_restore() brings it back.
 */
gboolean
aios_memory_delete (AiosMemory           *self,
                    gint64                id,
                    const AiosProvenance *provenance,
                    GError              **error)
{
  g_return_val_if_fail (AIOS_IS_MEMORY (self), FALSE);
  return set_deleted (self, id, TRUE, provenance, error);
}

gboolean
aios_memory_restore (AiosMemory           *self,
                     gint64                id,
                     const AiosProvenance *provenance,
                     GError              **error)
{
  g_return_val_if_fail (AIOS_IS_MEMORY (self), FALSE);
  return set_deleted (self, id, FALSE, provenance, error);
}

/**
 * aios_memory_promote:
 *
 * Keeps a session record beyond its run: a new version in the durable layer.
 *
 * Returns: the new version, or 0 with @error set
 */
gint64
aios_memory_promote (AiosMemory           *self,
                     gint64                id,
                     const AiosProvenance *provenance,
                     GError              **error)
{
  g_autoptr(AiosRecord) before = NULL;
  WriteSpec w = { 0 };
  gint64 version = 0;

  g_return_val_if_fail (AIOS_IS_MEMORY (self), 0);
  if (!check_provenance (provenance, error))
    return 0;
  before = aios_memory_load_version (self, id, 0, error);
  if (before == NULL)
    return 0;
  if (!g_str_equal (before->layer, "session"))
    {
      g_set_error (error, AIOS_MEMORY_ERROR, AIOS_MEMORY_ERROR_INVALID_FIELD,
                   _("Record %" PRId64 " is already durable"), id);
      return 0;
    }
  w.id = id;
  w.spec = aios_memory_kind_lookup (before->kind);
  w.layer = "durable";
  w.fields = before->fields;
  w.body = before->body;
  w.deleted = before->deleted;
  w.event_kind = "memory.written";
  w.summary = _("%s “%s” kept beyond its run (version %" PRId64 ")");
  w.before = before;
  if (write_version (self, &w, provenance, &version, error) == 0)
    return 0;
  return version;
}

/**
 * aios_memory_end_session:
 * @out_discarded: (out) (optional): how many session records were dropped
 *
 * Discards the session records of a finished run. One "memory.session-ended"
 * event (actor "system") lists each dropped record's id, kind, title and last
 * version, so the journal still tells what the run kept in mind.
 */
gboolean
aios_memory_end_session (AiosMemory  *self,
                         gint64       run_id,
                         guint       *out_discarded,
                         GError     **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *summary = NULL;
  sqlite3_stmt *stmt;
  guint n = 0;
  int rc;
  AiosEvent ev = { 0 };

  g_return_val_if_fail (AIOS_IS_MEMORY (self), FALSE);

  if (!aios_store_begin (self->store, error))
    return FALSE;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "run_id");
  json_builder_add_int_value (b, run_id);
  json_builder_set_member_name (b, "discarded");
  json_builder_begin_array (b);
  stmt = aios_store_prepare (self->store,
                             "SELECT id, kind, title, current_version FROM records "
                             "WHERE session_run_id = ? AND layer = 'session' ORDER BY id", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, run_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_int_value (b, sqlite3_column_int64 (stmt, 0));
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, (const char *) sqlite3_column_text (stmt, 1));
      json_builder_set_member_name (b, "title");
      json_builder_add_string_value (b, (const char *) sqlite3_column_text (stmt, 2));
      json_builder_set_member_name (b, "version");
      json_builder_add_int_value (b, sqlite3_column_int64 (stmt, 3));
      json_builder_end_object (b);
      n++;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      aios_store_set_error (self->store, rc, error, _("end a run's session memory"));
      goto fail;
    }
  json_builder_end_array (b);
  json_builder_end_object (b);

  if (n == 0)
    {
      if (out_discarded)
        *out_discarded = 0;
      return aios_store_commit (self->store, error);
    }

  stmt = aios_store_prepare (self->store,
                             "DELETE FROM records_fts WHERE rowid IN (SELECT id FROM records "
                             "WHERE session_run_id = ? AND layer = 'session')", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, run_id);
  if (!step_done (self, stmt, _("end a run's session memory"), error))
    goto fail;
  stmt = aios_store_prepare (self->store,
                             "DELETE FROM records WHERE session_run_id = ? AND layer = 'session'", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, run_id);
  if (!step_done (self, stmt, _("end a run's session memory"), error))
    goto fail;

  root = json_builder_get_root (b);
  payload = json_to_string (root, FALSE);
  summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                          "Session memory of run %" PRId64 " discarded (%u record)",
                                          "Session memory of run %" PRId64 " discarded (%u records)", n),
                             run_id, n);
  ev.run_id = run_id;
  ev.actor = (char *) "system";
  ev.kind = (char *) "memory.session-ended";
  ev.summary = summary;
  ev.payload_json = payload;
  if (aios_journal_append (self->store, &ev, error) == 0)
    goto fail;
  if (!aios_store_commit (self->store, error))
    return FALSE;
  if (out_discarded)
    *out_discarded = n;
  return TRUE;

fail:
  aios_store_rollback (self->store);
  return FALSE;
}

/**
 * aios_memory_list_run_writes:
 *
 * Returns: (transfer full) (element-type AiosRecord): the versions @run_id
 *   wrote, oldest first
 */
GPtrArray *
aios_memory_list_run_writes (AiosMemory  *self,
                             gint64       run_id,
                             GError     **error)
{
  g_autoptr(GPtrArray) versions = g_ptr_array_new_with_free_func ((GDestroyNotify) aios_record_free);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (AIOS_IS_MEMORY (self), NULL);
  stmt = aios_store_prepare (self->store,
                             AIOS_MEMORY_SELECT_RECORD "WHERE v.run_id = ? ORDER BY v.ts, v.record_id, v.version", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, run_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (versions, aios_record_from_row (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      aios_store_set_error (self->store, rc, error, _("read what a run wrote"));
      return NULL;
    }
  return g_steal_pointer (&versions);
}

/**
 * aios_memory_rollback_run:
 * @out_restored: (out) (optional): how many records were put back
 * @out_conflicts: (out) (optional) (transfer full) (element-type gint64):
 *   records changed later by someone else, left as they are
 */
gboolean
aios_memory_rollback_run (AiosMemory           *self,
                          gint64                run_id,
                          const AiosProvenance *provenance,
                          guint                *out_restored,
                          GArray              **out_conflicts,
                          GError              **error)
{
  g_autoptr(GPtrArray) writes = NULL;
  g_autoptr(GArray) conflicts = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GHashTable) first = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GHashTable) last = g_hash_table_new (g_int64_hash, g_int64_equal);
  GList *order = NULL;
  guint restored = 0;

  g_return_val_if_fail (AIOS_IS_MEMORY (self), FALSE);
  if (!check_provenance (provenance, error))
    return FALSE;

  writes = aios_memory_list_run_writes (self, run_id, error);
  if (writes == NULL)
    return FALSE;
  for (guint i = 0; i < writes->len; i++)
    {
      AiosRecord *r = g_ptr_array_index (writes, i);
      AiosRecord *f;

      if (g_str_equal (r->layer, "session"))
        continue;
      f = g_hash_table_lookup (first, &r->id);
      if (f == NULL || r->version < f->version)
        {
          if (f == NULL)
            order = g_list_append (order, r);
          g_hash_table_insert (first, &r->id, r);
        }
      f = g_hash_table_lookup (last, &r->id);
      if (f == NULL || r->version > f->version)
        g_hash_table_insert (last, &r->id, r);
    }

  if (!aios_store_begin (self->store, error))
    {
      g_list_free (order);
      return FALSE;
    }

  for (GList *l = order; l != NULL; l = l->next)
    {
      AiosRecord *r = l->data;
      AiosRecord *f = g_hash_table_lookup (first, &r->id);
      AiosRecord *z = g_hash_table_lookup (last, &r->id);
      g_autoptr(AiosRecord) current = aios_memory_load_version (self, r->id, 0, error);

      if (current == NULL)
        goto fail;
      if (current->version != z->version)
        {
          g_array_append_val (conflicts, r->id);
          continue;
        }
      if (f->version == 1)
        {
          if (current->deleted)
            continue;
          if (!set_deleted (self, r->id, TRUE, provenance, error))
            goto fail;
        }
      else if (aios_memory_revert (self, r->id, f->version - 1, provenance, error) == 0)
        goto fail;
      restored++;
    }

  g_list_free (order);
  if (!aios_store_commit (self->store, error))
    return FALSE;
  if (out_restored)
    *out_restored = restored;
  if (out_conflicts)
    *out_conflicts = g_steal_pointer (&conflicts);
  return TRUE;

fail:
  g_list_free (order);
  aios_store_rollback (self->store);
  return FALSE;
}

