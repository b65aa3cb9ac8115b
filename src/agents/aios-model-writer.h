/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "aios-agent.h"

G_BEGIN_DECLS

/* Fills a draft's text fields (and only those) from a validated answer. */
typedef void (*AiosModelApplyFunc) (JsonObject *draft,
                                    JsonObject *answer);

/**
 * AiosModelSpec:
 * @system: the instructions
 * @prompt: the facts and the built-in engine's draft to start from
 * @query: the words that pick the memory records for the context
 * @related: (element-type gint64): records the draft is about, always in
 *   the context
 * @schema: the answer's JSON schema (text fields only)
 * @apply: how an answer becomes the draft
 *
 * What one writer asks a model.
 */
typedef struct
{
  char               *system;
  char               *prompt;
  char               *query;
  GArray             *related;
  JsonNode           *schema;
  AiosModelApplyFunc  apply;
} AiosModelSpec;

AiosModelSpec *aios_model_spec_new            (void);
void           aios_model_spec_free           (AiosModelSpec *spec);
void           aios_model_spec_add_related    (AiosModelSpec *spec,
                                               JsonObject    *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AiosModelSpec, aios_model_spec_free)

gboolean       aios_model_writer_wanted       (AiosAgent     *agent);
void           aios_model_writer_write        (AiosAgent     *agent,
                                               JsonObject    *context,
                                               JsonObject    *draft,
                                               AiosModelSpec *spec,
                                               GTask         *task);
void           aios_model_writer_note_builtin (JsonObject    *draft);

/* The writers' specs (aios-model-drafts.c) */
AiosModelSpec *aios_model_spec_for_email      (JsonObject    *context,
                                               JsonObject    *draft);
AiosModelSpec *aios_model_spec_for_post       (JsonObject    *context,
                                               JsonObject    *draft);
AiosModelSpec *aios_model_spec_for_invoice    (JsonObject    *context,
                                               JsonObject    *draft);

G_END_DECLS
