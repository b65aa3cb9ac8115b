/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "memory/aios-memory.h"

G_BEGIN_DECLS

/*
 * Learning from the operator's decisions (HACKING.md, "Learned
 * preferences"). The coordinator hands every decision it records to
 * aios_learned_preferences_learn(), which turns an edit's phrase
 * substitutions and a rejection's reason into `preference` records;
 * the "preferences" role (aios-preferences-agent.c) screens a run against
 * them, and the writers apply them to a finished draft with
 * aios_learned_preferences_apply(). All of it is offline and
 * deterministic.
 */

/**
 * AiosDecisionFacts:
 * @decision_id: the decision record just written
 * @outcome: "edited", "approved", "rejected", ...
 * @action_kind: the connector ("email", "publish", "invoice") or "output"
 * @run_name: (nullable): who the run is about (its input's `name`)
 * @reason: (nullable): the operator's reason
 * @diff: (nullable): the edit, [{path, from, to}] over the request
 * @input: (nullable): the run's input
 * @run_id: the run decided on
 */
typedef struct {
  gint64      decision_id;
  const char *outcome;
  const char *action_kind;
  const char *run_name;
  const char *reason;
  JsonArray  *diff;
  JsonObject *input;
  gint64      run_id;
} AiosDecisionFacts;

gboolean    aios_learned_preferences_learn         (AiosMemory              *memory,
                                                    const AiosDecisionFacts *facts,
                                                    GError                 **error);

/* Words only: the substitutions a word diff of @before and @after finds
 * (an array of [from, to] string pairs), for tests and the derivation. */
JsonArray  *aios_learned_preferences_substitutions (const char              *before,
                                                    const char              *after);

/* The kind of draft a connector's request is ("email", "post", "invoice"),
 * or %NULL when none learns. */
const char *aios_learned_preferences_draft_kind    (const char              *action_kind);

JsonObject *aios_learned_preferences_screen         (AiosMemory              *memory,
                                                    const char              *kind,
                                                    JsonObject              *lead,
                                                    GError                 **error);

/* The screening step's output member the writers read. */
#define AIOS_LEARNED_PREFERENCES_MEMBER "learned_preferences"

/* Applies the replace preferences the run's preferences step found (any
 * step output in @context carrying AIOS_LEARNED_PREFERENCES_MEMBER) to the
 * finished offline @draft: its subject, title, body and excerpt. Each one
 * applied is said in the draft's rationale ("Wrote “Warm wishes” instead of
 * “Best regards”, as you prefer (learned from your edit of 2 December)")
 * and its preference and decision records join the draft's memory_used,
 * so the step's event links them. Returns how many applied. */
guint       aios_learned_preferences_apply         (JsonObject              *context,
                                                    JsonObject              *draft);

/* The same preferences as instructions and examples for a model's prompt,
 * or %NULL when the run has none. */
char       *aios_learned_preferences_render_prompt (JsonObject              *context);

G_END_DECLS
