/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include "aios-credentials.h"
#include "store/aios-config.h"
#include "memory/aios-memory.h"

G_BEGIN_DECLS

/* Called for each piece of streamed text, on the main context. */
typedef void (*AiosLlmTokenFunc) (const char *piece,
                                  gpointer    user_data);

/**
 * AiosLlmRequest:
 * @role: the agent role asking ("drafter", "classifier", ...); it picks the
 *   tier (roles default to local) and is the journal's actor "agent:<role>"
 * @system: (nullable): the system message
 * @prompt: the user message
 * @schema: (nullable): a JSON schema the answer must satisfy; the answer is
 *   then parsed, validated, and repaired at most twice by asking again
 * @run_id, @step_id: where the prompt belongs (0 for none)
 * @on_token: (nullable): streaming callback
 * @max_repairs: how often an answer that fails the schema is asked again
 *   (0: the default, 2; at most 2)
 * @prompt_ids: (nullable) (element-type gint64): each prompts row the call
 *   writes (every attempt, a failed one too) is appended, for the step's
 *   journal links
 */
typedef struct
{
  const char       *role;
  const char       *system;
  const char       *prompt;
  JsonNode         *schema;
  gint64            run_id;
  gint64            step_id;
  AiosLlmTokenFunc  on_token;
  gpointer          token_data;
  guint             max_repairs;
  GArray           *prompt_ids;
} AiosLlmRequest;

/**
 * AiosLlmResult:
 * @text: the whole answer
 * @json: (nullable): the parsed and validated answer when a schema was given
 * @prompt_id: the row in the prompts table (journal link "prompt")
 * @cached: whether it came from the response cache (no call, no cost)
 */
typedef struct
{
  char     *text;
  JsonNode *json;
  gint64    prompt_id;
  char     *tier;
  char     *model;
  gint64    tokens_in;
  gint64    tokens_out;
  gint64    cost_micros;
  gboolean  cached;
  guint     attempts;
} AiosLlmResult;

void aios_llm_result_free (AiosLlmResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AiosLlmResult, aios_llm_result_free)

#define AIOS_TYPE_LLM (aios_llm_get_type ())
G_DECLARE_FINAL_TYPE (AiosLlm, aios_llm, AIOS, LLM, GObject)

AiosLlm       *aios_llm_new              (AiosStore            *store,
                                          AiosConfig           *config,
                                          AiosCredentials      *credentials);
/* "local", "cloud", or "offline" when neither tier is configured (the
 * agents' built-in engine answers then). */
char          *aios_llm_get_tier_for_role (AiosLlm             *self,
                                           const char          *role);
gboolean       aios_llm_set_role_tier    (AiosLlm              *self,
                                          const char           *role,
                                          const char           *tier,
                                          GError              **error);
void           aios_llm_set_timeout_ms   (AiosLlm              *self,
                                          guint                 timeout_ms);

void           aios_llm_complete_async   (AiosLlm              *self,
                                          const AiosLlmRequest *request,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
AiosLlmResult *aios_llm_complete_finish  (AiosLlm              *self,
                                          GAsyncResult         *result,
                                          GError              **error);

/* Embeddings for hybrid search, only with an embedding model configured
 * (llm.embed.model): on the local tier (Ollama /api/embed) when its URL is
 * set, else the cloud tier (/v1/embeddings). Each call is a prompts row and
 * a journal event, checked against the budgets like any other. Result: one
 * GArray of gfloat per text. */
gboolean       aios_llm_can_embed        (AiosLlm              *self);
void           aios_llm_embed_async      (AiosLlm              *self,
                                          const char * const   *texts,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
GPtrArray     *aios_llm_embed_finish     (AiosLlm              *self,
                                          GAsyncResult         *result,
                                          char                **model,
                                          GError              **error);

/* "Test connection": the tier's model list (GET /api/tags, GET /v1/models). */
void           aios_llm_list_models_async  (AiosLlm            *self,
                                            const char         *tier,
                                            GCancellable       *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);
GStrv          aios_llm_list_models_finish (AiosLlm            *self,
                                            GAsyncResult       *result,
                                            GError            **error);

/* Spending */
gboolean       aios_llm_set_price        (AiosLlm              *self,
                                          const char           *model,
                                          gint64                input_micros_per_mtok,
                                          gint64                output_micros_per_mtok,
                                          GError              **error);
gint64         aios_llm_spent_micros     (AiosLlm              *self,
                                          gboolean              month);

/* A model's price, in millionths of the currency per million tokens. */
typedef struct
{
  char   *model;
  gint64  input_micros_per_mtok;
  gint64  output_micros_per_mtok;
  gint64  updated_at;
} AiosModelPrice;

void           aios_model_price_free     (AiosModelPrice       *price);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AiosModelPrice, aios_model_price_free)

AiosModelPrice *aios_llm_get_price       (AiosLlm              *self,
                                          const char           *model);
/* Every priced model, by name; AiosModelPrice elements. */
GPtrArray     *aios_llm_list_prices      (AiosLlm              *self,
                                          GError              **error);

/* Makes @llm the embedding provider of @memory (Ollama /api/embed or an
 * OpenAI-compatible /v1/embeddings, model llm.embed.model), indexing in
 * the background once a tier is configured. */
void          aios_llm_provide_embeddings (AiosLlm            *llm,
                                           AiosMemory         *memory);

G_END_DECLS
