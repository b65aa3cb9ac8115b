/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-memory.h"
#include "aios-memory-kinds.h"

G_BEGIN_DECLS

/* The embedding provider and the background indexer's state, kept in
 * AiosMemory and handled by aios-memory-embed.c. */
typedef struct {
  const AiosEmbedderVTable *vtable;
  gpointer                  data;
  GDestroyNotify            destroy;
  char                     *model;       /* the model the last vectors came from */
  GCancellable             *cancellable;
  guint                     index_source;
  gulong                    committed_id;
  gboolean                  indexing;
  gboolean                  auto_index;
} AiosMemoryEmbedder;

AiosMemoryEmbedder *aios_memory_get_embedder   (AiosMemory         *self);
void                aios_memory_embedder_clear (AiosMemoryEmbedder *embedder);

AiosRecord *aios_record_from_row         (sqlite3_stmt *stmt);
char       *aios_memory_fields_to_text   (JsonObject   *fields);
JsonObject *aios_memory_parse_fields     (const char   *json);
char       *aios_memory_fields_to_string (JsonObject   *fields);
gboolean    aios_memory_reindex          (AiosMemory   *self,
                                          GError      **error);

/* Every read of a record version selects these columns, in this order
 * (aios_record_from_row() reads them). */
#define AIOS_MEMORY_SELECT_RECORD \
  "SELECT r.id, r.kind, v.title, r.layer, v.version, v.fields_json, v.body, v.author, " \
  "v.run_id, v.rationale, v.ts, v.deleted FROM records r " \
  "JOIN record_versions v ON v.record_id = r.id "

/* aios-memory.c, inside the caller's transaction where they write */
AiosRecord *aios_memory_load_version     (AiosMemory   *self,
                                          gint64        id,
                                          gint64        version,
                                          GError      **error);
gboolean aios_memory_index_current (AiosMemory         *self,
                                    gint64              id,
                                    const AiosKindSpec *spec,
                                    const char         *title,
                                    JsonObject         *fields,
                                    const char         *body,
                                    gboolean            deleted,
                                    GError            **error);

G_END_DECLS
