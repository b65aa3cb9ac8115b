/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The model tiers' plain JSON calls: embeddings for hybrid memory search
 * (Ollama /api/embed, OpenAI-compatible /embeddings) and the model lists
 * behind "Test connection" (/api/tags, /models). Both only read, so every
 * failure is retryable except a wrong URL or a refused key.
 */
#define G_LOG_DOMAIN "aios-exec"

#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "aios-connector.h"
#include "aios-http.h"
#include "aios-llm.h"
#include "aios-llm-private.h"

/* Plain JSON calls: embeddings and the model list */

typedef struct
{
  char        *tier;
  char        *base_url;
  char        *model;
  char        *api_key;
  gboolean     ollama;
  char        *path;
  char        *body;      /* NULL for a GET */
  SoupMessage *msg;
} Plain;

static void
plain_free (Plain *p)
{
  g_free (p->tier);
  g_free (p->base_url);
  g_free (p->model);
  if (p->api_key)
    memset (p->api_key, 0, strlen (p->api_key));
  g_free (p->api_key);
  g_free (p->path);
  g_free (p->body);
  g_clear_object (&p->msg);
  g_free (p);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Plain, plain_free)

static void
plain_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Plain *p = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = aios_http_send_finish (result, &error);
  g_autoptr(GUri) uri = g_uri_parse (p->base_url, G_URI_FLAGS_NONE, NULL);
  const char *host = uri ? g_uri_get_host (uri) : p->base_url;
  JsonNode *node;

  if (body == NULL || !aios_http_check_status (p->msg, body, host, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  node = aios_http_parse_json (p->msg, body, host, AIOS_HTTP_IDEMPOTENT, &error);
  if (node == NULL)
    {
      /* A page that is not JSON at all means the URL is wrong. */
      if (strstr (error->message, "instead of JSON") != NULL)
        error->code = AIOS_CONNECTOR_ERROR_PERMANENT;
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, node, (GDestroyNotify) json_node_unref);
}

static void
plain_send (GTask *task)
{
  AiosLlm *self = g_task_get_source_object (task);
  Plain *p = g_task_get_task_data (task);
  gsize len = strlen (p->base_url);
  g_autofree char *url = NULL;

  while (len > 0 && p->base_url[len - 1] == '/')
    len--;
  url = g_strdup_printf ("%.*s%s", (int) len, p->base_url, p->path);
  p->msg = soup_message_new (p->body ? "POST" : "GET", url);
  if (p->msg == NULL)
    {
      g_task_return_new_error (task, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED,
                               _("Not a valid model URL: %s"), url);
      g_object_unref (task);
      return;
    }
  if (p->api_key != NULL)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", p->api_key, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (p->msg), "Authorization", auth);
    }
  if (p->body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (p->body, strlen (p->body));
      soup_message_set_request_body_from_bytes (p->msg, "application/json", bytes);
    }
  aios_http_send_async (self->session, p->msg, AIOS_HTTP_IDEMPOTENT, self->timeout_ms,
                        g_task_get_cancellable (task), plain_done_cb, task);
}

static void
plain_key_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  Plain *p = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  char *secret = NULL;

  if (!aios_credentials_lookup_optional_finish (AIOS_CREDENTIALS (source), result, "llm.cloud", &secret, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  if (secret != NULL)
    {
      p->api_key = g_strdup (secret);
      secret_password_free (secret);
    }
  plain_send (task);
}

static Plain *
plain_setup (AiosLlm     *self,
             const char  *tier,
             gboolean     embed,
             GError     **error)
{
  g_autoptr(Plain) p = g_new0 (Plain, 1);
  g_autofree char *url_key = g_strdup_printf ("llm.%s.url", tier);

  p->tier = g_strdup (tier);
  p->ollama = g_str_equal (tier, "local");
  p->base_url = aios_config_get (self->config, url_key);
  if (p->base_url == NULL)
    {
      g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED,
                   _("The %s model tier is not configured: set %s"), tier, url_key);
      return NULL;
    }
  if (embed)
    {
      /* Never the chat model: text leaves for embedding only when the
       * operator named a model for it. */
      p->model = aios_config_get (self->config, "llm.embed.model");
      if (p->model == NULL)
        {
          g_set_error (error, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_NOT_CONFIGURED,
                       _("No embedding model is configured: set llm.embed.model to compute embeddings"));
          return NULL;
        }
    }
  return g_steal_pointer (&p);
}

static void
plain_start (AiosLlm *self,
             GTask   *task)
{
  Plain *p = g_task_get_task_data (task);

  if (p->ollama)
    plain_send (task);
  else
    aios_credentials_lookup_async (self->credentials, "llm.cloud", g_task_get_cancellable (task),
                                   plain_key_cb, task);
}

/* The tier embeddings go to: local when its URL is set, else cloud;
 * NULL when neither is. */
static const char *
embed_tier (AiosLlm *self)
{
  g_autofree char *local = aios_config_get (self->config, "llm.local.url");
  g_autofree char *cloud = NULL;

  if (local != NULL)
    return "local";
  cloud = aios_config_get (self->config, "llm.cloud.url");
  return cloud != NULL ? "cloud" : NULL;
}

/**
 * aios_llm_can_embed:
 *
 * Returns: whether an embedding model (llm.embed.model) and a tier for it
 *   are configured; with only a chat model set, nothing is embedded
 */
gboolean
aios_llm_can_embed (AiosLlm *self)
{
  g_autofree char *model = NULL;

  g_return_val_if_fail (AIOS_IS_LLM (self), FALSE);
  model = aios_config_get (self->config, "llm.embed.model");
  return model != NULL && embed_tier (self) != NULL;
}

/* The embedding call's prompts row and journal event. */
static void
record_embedding (AiosLlm    *self,
                  Plain      *p,
                  JsonNode   *answer,
                  guint       n_vectors,
                  guint       dimensions,
                  const char *error_text)
{
  g_autofree char *keyed = g_strconcat (p->tier, "\n", p->base_url, "\n", p->body, NULL);
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, keyed, -1);
  AiosLlmCallInfo info = { p->tier, NULL, p->model, hash, p->body, 0, 0, NULL };
  g_autofree char *summary = NULL;
  g_autofree char *response = NULL;
  g_autoptr(GError) error = NULL;
  gint64 tokens = 0, in_price = 0, out_price = 0, cost = 0;

  if (answer != NULL && JSON_NODE_HOLDS_OBJECT (answer))
    {
      JsonObject *o = json_node_get_object (answer);
      JsonObject *usage = json_object_has_member (o, "usage") && JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "usage"))
                          ? json_object_get_object_member (o, "usage") : NULL;
      tokens = p->ollama ? json_object_get_int_member_with_default (o, "prompt_eval_count", 0)
                         : usage ? json_object_get_int_member_with_default (usage, "prompt_tokens", 0) : 0;
    }
  if (error_text == NULL)
    {
      aios_llm_get_price_micros (self, p->model, &in_price, &out_price);
      cost = aios_llm_cost_of (in_price, out_price, tokens, 0);
      response = g_strdup_printf ("{\"vectors\":%u,\"dimensions\":%u}", n_vectors, dimensions);
      summary = g_strdup_printf ("Embedding model %s (%s) embedded %u texts: %" G_GINT64_FORMAT " tokens",
                                 p->model, p->tier, n_vectors, tokens);
    }
  else
    summary = g_strdup_printf ("Embedding model %s (%s) failed: %s", p->model, p->tier, error_text);
  if (aios_llm_record_call (self, &info, error_text ? "embedding.failed" : "embedding.completed", summary,
                            response, error_text, tokens, 0, cost, 0, &error) == 0)
    g_warning ("Could not record an embedding call: %s", error->message);
}

static void
embed_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *outer = user_data;
  Plain *p = g_task_get_task_data (outer);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = g_task_propagate_pointer (G_TASK (result), &error);
  g_autoptr(GPtrArray) vectors = NULL;
  JsonArray *list = NULL;

  if (node == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        record_embedding (g_task_get_source_object (outer), p, NULL, 0, 0, error->message);
      g_task_return_error (outer, g_steal_pointer (&error));
      g_object_unref (outer);
      return;
    }
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *o = json_node_get_object (node);
      const char *member = p->ollama ? "embeddings" : "data";
      if (json_object_has_member (o, member) && JSON_NODE_HOLDS_ARRAY (json_object_get_member (o, member)))
        list = json_object_get_array_member (o, member);
    }
  vectors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  for (guint i = 0; list != NULL && i < json_array_get_length (list); i++)
    {
      JsonNode *item = json_array_get_element (list, i);
      JsonArray *values = NULL;
      GArray *vec;

      if (p->ollama && JSON_NODE_HOLDS_ARRAY (item))
        values = json_node_get_array (item);
      else if (!p->ollama && JSON_NODE_HOLDS_OBJECT (item) &&
               json_object_has_member (json_node_get_object (item), "embedding"))
        values = json_object_get_array_member (json_node_get_object (item), "embedding");
      if (values == NULL)
        break;
      vec = g_array_sized_new (FALSE, FALSE, sizeof (gfloat), json_array_get_length (values));
      for (guint j = 0; j < json_array_get_length (values); j++)
        {
          gfloat f = (gfloat) json_node_get_double (json_array_get_element (values, j));
          g_array_append_val (vec, f);
        }
      g_ptr_array_add (vectors, vec);
    }
  if (vectors->len == 0 || vectors->len != GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (outer), "n")))
    {
      record_embedding (g_task_get_source_object (outer), p, node, 0, 0,
                        "the answer did not have one vector per text");
      g_task_return_new_error (outer, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_RETRYABLE,
                               _("The embedding answer did not have one vector per text"));
      g_object_unref (outer);
      return;
    }
  record_embedding (g_task_get_source_object (outer), p, node, vectors->len,
                    ((GArray *) g_ptr_array_index (vectors, 0))->len, NULL);
  g_task_return_pointer (outer, g_steal_pointer (&vectors), (GDestroyNotify) g_ptr_array_unref);
  g_object_unref (outer);
}

/**
 * aios_llm_embed_async:
 * @texts: %NULL-terminated
 *
 * Fails with %AIOS_CONNECTOR_ERROR_NOT_CONFIGURED when no embedding model
 * or no tier is set (a search then ranks by text alone), and
 * %AIOS_CONNECTOR_ERROR_PERMANENT when a budget stops the call.
 */
void
aios_llm_embed_async (AiosLlm             *self,
                      const char * const  *texts,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  GTask *outer = g_task_new (self, cancellable, callback, user_data);
  GTask *inner;
  g_autoptr(GError) error = NULL;
  const char *tier = embed_tier (self);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  Plain *p;

  g_task_set_source_tag (outer, aios_llm_embed_async);
  p = plain_setup (self, tier != NULL ? tier : "local", TRUE, &error);
  if (p == NULL || texts == NULL || texts[0] == NULL)
    {
      if (error == NULL)
        error = g_error_new (AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT, _("Nothing to embed"));
      g_clear_pointer (&p, plain_free);
      g_task_return_error (outer, g_steal_pointer (&error));
      g_object_unref (outer);
      return;
    }
  p->path = g_strdup (p->ollama ? "/api/embed" : "/embeddings");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "model");
  json_builder_add_string_value (b, p->model);
  json_builder_set_member_name (b, "input");
  json_builder_begin_array (b);
  for (guint i = 0; texts[i] != NULL; i++)
    json_builder_add_string_value (b, texts[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  p->body = json_generator_to_data (gen, NULL);
  {
    g_autofree char *keyed = g_strconcat (p->tier, "\n", p->base_url, "\n", p->body, NULL);
    g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, keyed, -1);
    AiosLlmCallInfo info = { p->tier, NULL, p->model, hash, p->body, 0, 0, NULL };

    /* Fail closed like a chat call: the texts' size bounds the cost. */
    if (!aios_llm_check_budget (self, &info, strlen (p->body) / 3 + 1, 0, &error))
      {
        plain_free (p);
        g_task_return_error (outer, g_steal_pointer (&error));
        g_object_unref (outer);
        return;
      }
  }
  g_object_set_data (G_OBJECT (outer), "n", GUINT_TO_POINTER (g_strv_length ((char **) texts)));
  inner = g_task_new (self, cancellable, embed_done_cb, outer);
  g_task_set_task_data (inner, p, (GDestroyNotify) plain_free);
  /* the outer task reads p (ollama or not) through the inner one's data */
  g_task_set_task_data (outer, p, NULL);
  g_object_set_data_full (G_OBJECT (outer), "model", g_strdup (p->model), g_free);
  /* keep the inner task (and p) alive as long as the outer one */
  g_object_set_data_full (G_OBJECT (outer), "inner", g_object_ref (inner), g_object_unref);
  plain_start (self, inner);
}

/**
 * aios_llm_embed_finish:
 * @model: (out) (optional): the embedding model used
 *
 * Returns: (transfer full) (element-type GArray): one vector of gfloat per text
 */
GPtrArray *
aios_llm_embed_finish (AiosLlm       *self,
                       GAsyncResult  *result,
                       char         **model,
                       GError       **error)
{
  GPtrArray *vectors;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  vectors = g_task_propagate_pointer (G_TASK (result), error);
  if (vectors != NULL && model != NULL)
    *model = g_strdup (g_object_get_data (G_OBJECT (result), "model"));
  return vectors;
}

static void
models_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *outer = user_data;
  gboolean ollama = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (outer), "ollama"));
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = g_task_propagate_pointer (G_TASK (result), &error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  JsonArray *list = NULL;

  if (node == NULL)
    {
      g_task_return_error (outer, g_steal_pointer (&error));
      g_object_unref (outer);
      return;
    }
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *o = json_node_get_object (node);
      const char *member = ollama ? "models" : "data";
      if (json_object_has_member (o, member) && JSON_NODE_HOLDS_ARRAY (json_object_get_member (o, member)))
        list = json_object_get_array_member (o, member);
    }
  if (list == NULL)
    {
      g_task_return_new_error (outer, AIOS_CONNECTOR_ERROR, AIOS_CONNECTOR_ERROR_PERMANENT,
                               _("The model list has an unexpected shape"));
      g_object_unref (outer);
      return;
    }
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *m = json_array_get_object_element (list, i);
      const char *name = m ? json_object_get_string_member_with_default (m, ollama ? "name" : "id", NULL) : NULL;
      if (name != NULL)
        g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_add (names, NULL);
  g_task_return_pointer (outer, g_ptr_array_free (g_steal_pointer (&names), FALSE), (GDestroyNotify) g_strfreev);
  g_object_unref (outer);
}

void
aios_llm_list_models_async (AiosLlm             *self,
                            const char          *tier,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *outer = g_task_new (self, cancellable, callback, user_data);
  GTask *inner;
  g_autoptr(GError) error = NULL;
  Plain *p;

  g_task_set_source_tag (outer, aios_llm_list_models_async);
  p = plain_setup (self, tier, FALSE, &error);
  if (p == NULL)
    {
      g_task_return_error (outer, g_steal_pointer (&error));
      g_object_unref (outer);
      return;
    }
  inner = g_task_new (self, cancellable, models_done_cb, outer);
  g_task_set_task_data (inner, p, (GDestroyNotify) plain_free);
  p->path = g_strdup (p->ollama ? "/api/tags" : "/models");
  g_object_set_data (G_OBJECT (outer), "ollama", GINT_TO_POINTER (p->ollama));
  plain_start (self, inner);
}

GStrv
aios_llm_list_models_finish (AiosLlm       *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- the language model client as memory's embedding provider ----------- */

static gboolean
llm_can_embed (gpointer data)
{
  return aios_llm_can_embed (data);
}

static void
llm_embed_async (gpointer             data,
                 const char * const  *texts,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  aios_llm_embed_async (data, texts, cancellable, callback, user_data);
}

static GPtrArray *
llm_embed_finish (gpointer       data,
                  GAsyncResult  *result,
                  char         **model,
                  GError       **error)
{
  return aios_llm_embed_finish (data, result, model, error);
}

static const AiosEmbedderVTable llm_vtable = {
  llm_can_embed,
  llm_embed_async,
  llm_embed_finish,
};

/**
 * aios_llm_provide_embeddings:
 * @llm: the language model client
 * @memory: the memory that embeds its records with it
 *
 * Makes @llm the embedding provider (Ollama /api/embed or an
 * OpenAI-compatible /v1/embeddings, model llm.embed.model), indexing in
 * the background once a tier is configured.
 */
void
aios_llm_provide_embeddings (AiosLlm    *llm,
                             AiosMemory *memory)
{
  g_return_if_fail (AIOS_IS_LLM (llm));
  g_return_if_fail (AIOS_IS_MEMORY (memory));
  aios_memory_set_embedder (memory, &llm_vtable, g_object_ref (llm), g_object_unref, TRUE);
}
