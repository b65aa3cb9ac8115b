/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "store/aios-store.h"

G_BEGIN_DECLS

/*
 * The memory service: canonical, versioned records with provenance.
 *
 * This header is the contract the other rooms code against (the coordinator
 * writes decision records and rolls memory back; flows read and write leads
 * and contacts). Every write is a new version and takes part in the caller's
 * open transaction (aios_store_begin() nests), so a run can change memory and
 * journal the step in one atomic commit. Each write also appends a
 * "memory.written" journal event linked to ("record", id, version).
 *
 * Map: kinds and their field schemas are in aios-memory-kinds.h (fields
 * outside a schema are refused unless named "x-..."); revert, delete and
 * restore write versions too ("memory.reverted", "memory.deleted",
 * "memory.restored"); session records die with their run
 * (aios_memory_end_session); aios_memory_rollback_run undoes a run's
 * writes; search and context assembly for agents are below; import and
 * export are in aios-memory-import.h; the Memory page's list model is
 * aios-record-list.h.
 */

#define AIOS_MEMORY_ERROR (aios_memory_error_quark ())

typedef enum {
  AIOS_MEMORY_ERROR_NOT_FOUND,
  AIOS_MEMORY_ERROR_INVALID_FIELD,   /* the message names the field and what was expected */
  AIOS_MEMORY_ERROR_UNKNOWN_KIND,
  AIOS_MEMORY_ERROR_DELETED,
} AiosMemoryError;

/**
 * AiosProvenance:
 * @author: "operator", "agent:<role>", "import" or "system"
 * @run_id: the run that wrote it, 0 when none
 * @rationale: (nullable): why, in a sentence
 */
typedef struct {
  const char *author;
  gint64      run_id;
  const char *rationale;
} AiosProvenance;

/**
 * AiosRecord:
 *
 * One version of a record (the current one unless asked otherwise).
 */
typedef struct {
  gint64      id;
  char       *kind;        /* contact, lead, client, project, contract, template, decision, note */
  char       *title;       /* derived from the fields (name, subject, ...) */
  char       *layer;       /* "durable" or "session" */
  gint64      version;
  JsonObject *fields;
  char       *body;
  char       *author;
  gint64      run_id;
  char       *rationale;
  gint64      ts;
  gboolean    deleted;
} AiosRecord;

#define AIOS_TYPE_RECORD (aios_record_get_type ())
GType       aios_record_get_type (void) G_GNUC_CONST;
AiosRecord *aios_record_copy     (const AiosRecord *record);
void        aios_record_free     (AiosRecord       *record);
const char *aios_record_get_field (const AiosRecord *record,
                                   const char       *name);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AiosRecord, aios_record_free)

#define AIOS_TYPE_MEMORY (aios_memory_get_type ())
G_DECLARE_FINAL_TYPE (AiosMemory, aios_memory, AIOS, MEMORY, GObject)

GQuark      aios_memory_error_quark (void);

AiosMemory *aios_memory_new          (AiosStore            *store);

/* Creates (id == 0) or writes a new version of a record; validates the fields
 * against the kind's schema. Returns the record id (0 on error) and sets
 * *out_version. */
gint64      aios_memory_put          (AiosMemory           *self,
                                      gint64                id,
                                      const char           *kind,
                                      JsonObject           *fields,
                                      const char           *body,
                                      const AiosProvenance *provenance,
                                      gint64               *out_version,
                                      GError              **error);
AiosRecord *aios_memory_get          (AiosMemory           *self,
                                      gint64                id,
                                      GError              **error);
AiosRecord *aios_memory_get_version  (AiosMemory           *self,
                                      gint64                id,
                                      gint64                version,
                                      GError              **error);
GPtrArray  *aios_memory_history      (AiosMemory           *self,
                                      gint64                id,
                                      GError              **error);
gint64      aios_memory_revert       (AiosMemory           *self,
                                      gint64                id,
                                      gint64                to_version,
                                      const AiosProvenance *provenance,
                                      GError              **error);
gboolean    aios_memory_delete       (AiosMemory           *self,
                                      gint64                id,
                                      const AiosProvenance *provenance,
                                      GError              **error);
gboolean    aios_memory_restore      (AiosMemory           *self,
                                      gint64                id,
                                      const AiosProvenance *provenance,
                                      GError              **error);
/* Exact lookup, e.g. ("contact", "email", "dana@example.com"); the current,
 * not deleted record or %NULL. */
AiosRecord *aios_memory_find         (AiosMemory           *self,
                                      const char           *kind,
                                      const char           *field,
                                      const char           *value,
                                      GError              **error);
/* Every current, not deleted record of @kind whose key field @field is
 * @value (ignoring case), oldest first; an empty array when none. */
GPtrArray  *aios_memory_find_all     (AiosMemory           *self,
                                      const char           *kind,
                                      const char           *field,
                                      const char           *value,
                                      GError              **error);

/* Layers. A session record belongs to one run (provenance->run_id, which is
 * required): it is searchable while the run lasts and discarded, with a
 * "memory.session-ended" journal event listing what was dropped, when the
 * coordinator calls aios_memory_end_session(). aios_memory_promote() keeps one
 * as a durable record (a new version). Ephemeral context never reaches the
 * store: pass it to aios_memory_assemble_context() as text. */
gint64      aios_memory_put_session  (AiosMemory           *self,
                                      const char           *kind,
                                      JsonObject           *fields,
                                      const char           *body,
                                      const AiosProvenance *provenance,
                                      gint64               *out_version,
                                      GError              **error);
gboolean    aios_memory_end_session  (AiosMemory           *self,
                                      gint64                run_id,
                                      guint                *out_discarded,
                                      GError              **error);
gint64      aios_memory_promote      (AiosMemory           *self,
                                      gint64                id,
                                      const AiosProvenance *provenance,
                                      GError              **error);

/* Rollback of a run: every durable record the run wrote gets a new version
 * with its state from before the run (records the run created are deleted).
 * A record changed after the run by someone else is left alone and its id
 * added to @out_conflicts (nullable; element-type gint64), so nothing
 * written later is silently undone. One transaction, joining the caller's. */
gboolean    aios_memory_rollback_run (AiosMemory           *self,
                                      gint64                run_id,
                                      const AiosProvenance *provenance,
                                      guint                *out_restored,
                                      GArray              **out_conflicts,
                                      GError              **error);

/* Versions written by a run (element-type AiosRecord), oldest first. */
GPtrArray  *aios_memory_list_run_writes (AiosMemory        *self,
                                         gint64             run_id,
                                         GError           **error);

/* Diff between two versions of one record. */
typedef struct {
  char *field;
  char *old_value;   /* "" when the field was not set */
  char *new_value;
} AiosFieldChange;

typedef struct {
  gint64     id;
  gint64     from_version;
  gint64     to_version;
  GPtrArray *fields;       /* element-type AiosFieldChange, in schema order */
  GPtrArray *body_lines;   /* element-type utf8: "  same", "- removed", "+ added" */
  gboolean   body_changed;
  gboolean   deleted_changed;
} AiosRecordDiff;

void            aios_record_diff_free (AiosRecordDiff *diff);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AiosRecordDiff, aios_record_diff_free)
AiosRecordDiff *aios_memory_diff     (AiosMemory           *self,
                                      gint64                id,
                                      gint64                from_version,
                                      gint64                to_version,
                                      GError              **error);
AiosRecordDiff *aios_record_diff_new (const AiosRecord     *from,
                                      const AiosRecord     *to);

char       *aios_record_dup_field_text (const AiosRecord *record,
                                        const char       *name);
JsonNode   *aios_record_to_json      (const AiosRecord     *record);
AiosStore  *aios_memory_get_store    (AiosMemory           *self);

/* How many current records of each kind (not deleted); keys are kind names,
 * values GINT_TO_POINTER (count). */
GHashTable *aios_memory_count_kinds  (AiosMemory           *self,
                                      GError              **error);

/* ---- Search -------------------------------------------------------------
 *
 * Full text (FTS5, BM25) over the current versions, combined with recency,
 * how often runs used a record (journal links) and, with @related, how often
 * it was used in the same runs as those records; with an embedding model
 * (aios_memory_set_embedder()) vector similarity joins the blend. See
 * aios-memory-search.c for the weights.
 */
typedef struct {
  gint64  id;
  char   *kind;
  char   *title;
  char   *layer;
  char   *snippet;     /* matched terms between [ and ] */
  gint64  version;     /* the current version the hit comes from */
  char   *author;      /* who wrote that version */
  gint64  run_id;      /* in which run, 0 when none */
  gint64  ts;          /* when */
  double  score;       /* higher is better; comparable within one search */
  double  lexical;     /* the BM25 part, normalised to 0..1 */
  double  recency;
  double  usage;
  double  similarity;  /* vector similarity, 0 without embeddings */
} AiosMemoryHit;

void aios_memory_hit_free (AiosMemoryHit *hit);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AiosMemoryHit, aios_memory_hit_free)

typedef enum {
  AIOS_SEARCH_ALL_WORDS = 0,   /* every word must match (a person typing) */
  AIOS_SEARCH_ANY_WORD  = 1 << 0,  /* any word may match (a task text) */
} AiosSearchFlags;

typedef struct {
  const char     *query;
  const char     *kind;       /* nullable: all kinds */
  guint           limit;      /* 0: 20 */
  AiosSearchFlags flags;
  const gint64   *related;    /* nullable: records the task is about */
  gsize           n_related;
  const float    *query_vector; /* nullable: the query's embedding */
  gsize           n_dims;
  const char     *vector_model; /* which model's vectors to compare with */
} AiosSearchOptions;

GPtrArray  *aios_memory_search       (AiosMemory           *self,
                                      const char           *query,
                                      const char           *kind,
                                      guint                 limit,
                                      GError              **error);
GPtrArray  *aios_memory_search_full  (AiosMemory           *self,
                                      const AiosSearchOptions *options,
                                      GError              **error);
/* The same on a read-only connection (aios_store_open_reader()), for a
 * worker thread. */
GPtrArray  *aios_memory_search_on    (sqlite3              *db,
                                      const AiosSearchOptions *options,
                                      GError              **error);
JsonNode   *aios_memory_hit_to_json  (const AiosMemoryHit  *hit);

/* ---- Context assembly for agents ---------------------------------------- */
typedef struct {
  gint64   id;
  gint64   version;
  gboolean summarised;   /* a one-line summary went in instead of the whole record */
} AiosContextItem;

typedef struct {
  char   *text;          /* what to give the model */
  guint   tokens;        /* its estimated size (about 4 bytes a token) */
  guint   budget;
  GArray *items;         /* element-type AiosContextItem: the versions used */
  guint   n_full;
  guint   n_summarised;
  guint   n_left_out;    /* relevant, but not even a summary fitted */
} AiosContext;

void         aios_context_free         (AiosContext *context);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AiosContext, aios_context_free)
/* ("record", id, version) links for the journal event that used it; the
 * strings belong to the returned array. */
GPtrArray   *aios_context_dup_links    (const AiosContext *context);
guint        aios_memory_estimate_tokens (const char *text);
AiosContext *aios_memory_assemble_context (AiosMemory         *self,
                                           const char         *task,
                                           guint               token_budget,
                                           const char * const *ephemeral,
                                           const gint64       *related,
                                           gsize               n_related,
                                           GError            **error);
char        *aios_record_summarise     (const AiosRecord   *record,
                                        guint               max_chars);
char        *aios_record_render        (const AiosRecord   *record);

/* ---- Embeddings (optional) ----------------------------------------------
 *
 * A provider computes vectors for texts (the workspace plugs in AiosLlm:
 * Ollama /api/embed or an OpenAI-compatible /v1/embeddings). With one that
 * can embed, records are embedded in the background after changes, and
 * aios_memory_search_async() ranks with vector similarity too; without
 * one, or when it fails, search ranks by text alone.
 */
typedef struct {
  gboolean   (*can_embed)    (gpointer             data);
  void       (*embed_async)  (gpointer             data,
                              const char * const  *texts,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data);
  GPtrArray *(*embed_finish) (gpointer             data,
                              GAsyncResult        *result,
                              char               **model,
                              GError             **error);
} AiosEmbedderVTable;

void        aios_memory_set_embedder (AiosMemory               *self,
                                      const AiosEmbedderVTable *vtable,
                                      gpointer                  data,
                                      GDestroyNotify            destroy,
                                      gboolean                  auto_index);
gboolean    aios_memory_can_embed    (AiosMemory           *self);
void        aios_memory_index_async  (AiosMemory           *self,
                                      guint                 max_records,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data);
gboolean    aios_memory_index_finish (AiosMemory           *self,
                                      GAsyncResult         *result,
                                      guint                *out_embedded,
                                      GError              **error);
/* The query's vector (element-type gfloat) and the model it came from. */
void        aios_memory_embed_query_async  (AiosMemory          *self,
                                            const char          *query,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
GArray     *aios_memory_embed_query_finish (AiosMemory          *self,
                                            GAsyncResult        *result,
                                            char               **model,
                                            GError             **error);
/* Hybrid when an embedder can embed, else (or when embedding fails) the
 * same as aios_memory_search_full(); @out_hybrid says which it was. */
void        aios_memory_search_async  (AiosMemory              *self,
                                       const AiosSearchOptions *options,
                                       GCancellable            *cancellable,
                                       GAsyncReadyCallback      callback,
                                       gpointer                 user_data);
GPtrArray  *aios_memory_search_finish (AiosMemory              *self,
                                       GAsyncResult            *result,
                                       gboolean                *out_hybrid,
                                       GError                 **error);

G_END_DECLS
